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
