"""The workbooks perf_xl writes print as readable pages: A4, fitted to the page's width with text
still legible, header rows repeated, the title and "Pagina N di M" in the footer, and wrapped text
that never prints over the row below (LibreOffice does not fit row heights when it opens a file)."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest

from perf_xl.app.validate import validate_paths
from perf_xl.io.reader import find_workbooks
from perf_xl.io.report import write_report_workbook

from conftest import SHIPPED_2022

pytestmark = pytest.mark.libreoffice

LEGIBLE_PT = 7.5  # the smallest print a reader can still read comfortably on A4 (8 pt, less LibreOffice's rounding)


def test_validation_report_prints_on_a4_legibly(tmp_path, require_libreoffice):
    from libreoffice import print_to_pdf
    from printed import overlapping_words, page_sizes, smallest_text, text_of

    report = validate_paths(find_workbooks(SHIPPED_2022)).report
    # a long message, as findings of a damaged workbook have: it must wrap, not print over the next row
    report.findings.insert(0, dataclasses.replace(report.findings[0], message="Messaggio lungo che va a capo. " * 12))
    path = write_report_workbook(tmp_path / "Segnalazioni.xlsx", report)

    ws = openpyxl.load_workbook(path).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    assert ws.print_title_rows == "$1:$1"
    assert "Pagina &P di &N" in ws.oddFooter.right.text
    assert ws.row_dimensions[2].height >= 4 * 15  # the long message's row is as tall as its lines

    (pdf,) = print_to_pdf([path], tmp_path / "pdf")
    assert page_sizes(pdf) == {(595, 842)}
    assert smallest_text(pdf) >= LEGIBLE_PT
    assert overlapping_words(pdf) == []
    assert "Pagina 1 di" in text_of(pdf)


def test_relazione_workbook_prints_on_a4_and_shows_its_differences(tmp_path, require_libreoffice):
    """Every sheet of the Relazione: A4 landscape, fitted to the width, the header repeated, the title
    and the page number below; nothing printed over anything else. The areas that do not reproduce the
    published score are coloured in the Sintesi, drawn beside their published score in the chart, and
    their sheet says so and links to the notes."""
    from libreoffice import print_to_pdf
    from printed import overlapping_words, page_sizes, smallest_text, text_of, text_of_page

    from perf_xl.app.consolidate import consolidate_folder
    from perf_xl.io.summary import write_summary_workbook
    from perf_xl.schema import load_style

    c = consolidate_folder(SHIPPED_2022)
    path = write_summary_workbook(tmp_path / "Relazione.xlsx", c)
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert "Relazione sulla Performance 2022" in ws.oddFooter.left.text, ws.title
        assert "Pagina &P di &N" in ws.oddFooter.right.text, ws.title
    sintesi = book["Sintesi"]
    alert = load_style()["alert_fill"].lstrip("#").upper()
    marked = {row[0].value for row in sintesi.iter_rows() if any(
        cell.value == "NON riprodotto" and cell.fill.fgColor.rgb[-6:].upper() == alert for cell in row)}
    assert marked == {3, 6}  # Opere pubbliche and Sviluppo della comunità
    assert len(sintesi._charts[0].series) == 2
    opere = book["Opere pubbliche"]
    assert "non riproduce" in opere["A3"].value and opere["A3"].hyperlink.location == "'Note e anomalie'!A1"
    assert opere.print_title_rows == "$4:$4"

    (pdf,) = print_to_pdf([path], tmp_path / "pdf")
    assert page_sizes(pdf) == {(595, 842)}
    # the published Allegato B's 14 columns on A4: about 7 pt; the PDF of `publish` is typeset at 8 pt or more
    assert smallest_text(pdf) >= 7.0
    # the Sintesi's headers wrap between words, never inside one ("% Raggiungimento" is in the subtitle too)
    sintesi_text = text_of_page(pdf, 1)
    assert sintesi_text.count("Raggiungimento") == 2, sintesi_text
    assert all(w in sintesi_text for w in ("Obiettivi", "Indicatori", "neutralizzati", "pubblicata", "Differenza"))
    assert overlapping_words(pdf) == []
    text = " ".join(text_of(pdf).split())
    assert "Pagina 1 di" in text and "Il dettaglio, obiettivo per obiettivo, è nel foglio «Note e anomalie»." in text


def test_consolidatore_prints_on_a4(tmp_path, require_libreoffice):
    from libreoffice import print_to_pdf
    from printed import overlapping_words, page_sizes, smallest_text

    from perf_xl.excel.consolidatore import make_consolidatore

    out, _ = make_consolidatore(tmp_path / "Consolidatore.xlsm", folder=str(SHIPPED_2022), year=2022)
    for ws in openpyxl.load_workbook(out, keep_vba=True).worksheets:
        assert ws.page_setup.paperSize == 9 and "Pagina &P di &N" in ws.oddFooter.right.text, ws.title
    (pdf,) = print_to_pdf([out], tmp_path / "pdf")
    assert page_sizes(pdf) == {(595, 842)}
    assert smallest_text(pdf) >= LEGIBLE_PT
    assert overlapping_words(pdf) == []


def test_settore_workbook_prints_legibly(tmp_path, require_libreoffice):
    """21 columns of long text: over four pages' width, each row as tall as its text, the objective's
    code repeated on each page, the table's filled rows only (the empty ones below print no blank pages)."""
    from libreoffice import print_to_pdf
    from printed import overlapping_words, page_sizes, smallest_text

    source = SHIPPED_2022 / "2022_settore-polizia-locale.xlsx"
    ws = openpyxl.load_workbook(source)["Indicatori"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$B:$B"
    assert "Settore Polizia Locale — 2022" in ws.oddFooter.left.text
    (pdf,) = print_to_pdf([source], tmp_path / "pdf")
    assert page_sizes(pdf) == {(595, 842)}
    assert smallest_text(pdf) >= LEGIBLE_PT
    assert overlapping_words(pdf) == []
