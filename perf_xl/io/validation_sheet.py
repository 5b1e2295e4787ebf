"""The OIV's *scheda di validazione* written out: one A4 page as PDF (the Relazione's machinery:
PDF/A-3a, tagged, fonts embedded, the same bytes every run) and the same content as a small workbook.

What it says is the core's (:class:`~perf_xl.model.ValidationSheet`); labels, column widths and the
outcomes' colours come from ``[oiv]`` of ``summary.toml``, the font and the house colours from
``[pdf]`` and ``[style]``. The outcome is a word and a colour: colour is never the only carrier.
"""

from __future__ import annotations

import datetime
import html
from pathlib import Path

import xlsxwriter

from ..model import ValidationSheet
from .atomic import atomic_path
from .cells import write_value
from .pdf import _css_string, _page_content, write_html_pdf
from .printing import fit_row, set_page
from .summary import load_summary_layout


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _css(lay: dict, sheet: ValidationSheet) -> str:
    pdf, style, oiv = lay["pdf"], lay["style"], lay["oiv"]
    fills = "\n".join(f"td.outcome-{k} {{ background: {v}; }}" for k, v in oiv["outcome_fill"].items())
    return f"""
@page {{
  size: A4 portrait;
  margin: 15mm 16mm 18mm 16mm;
  @bottom-left {{ content: {_css_string(sheet.footer)}; font-size: 7.5pt; color: {style['note_font']};
                  vertical-align: top; padding-top: 3mm; width: 75%; }}
  @bottom-right {{ content: {_page_content(pdf['page'])}; font-size: 7.5pt; color: {style['note_font']};
                   vertical-align: top; padding-top: 3mm; white-space: nowrap; }}
}}
html {{ font-family: {pdf['font']}; font-size: 9pt; line-height: 1.28; color: #000; }}
body {{ margin: 0; }}
h1, h2 {{ color: {style['header_fill']}; line-height: 1.15; }}
h1 {{ font-size: 18pt; margin: 0 0 1mm; }}
h2 {{ font-size: 11pt; margin: 4mm 0 1.5mm; }}
p {{ margin: 0 0 1.5mm; }}
.ente {{ font-size: 11pt; font-weight: bold; text-transform: uppercase; letter-spacing: 0.4pt; margin-bottom: 2mm; }}
.subtitle {{ font-size: 12pt; margin-bottom: 1mm; }}
.date {{ color: {style['note_font']}; }}
.intro {{ color: {style['note_font']}; font-size: 8.5pt; }}
.notice {{ border: 1.5pt solid {style['alert_font']}; background: {style['alert_fill']}; color: {style['alert_font']};
           padding: 2mm 3mm; margin: 2mm 0 2mm; font-weight: bold; }}
.notice p:last-child {{ margin-bottom: 0; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8.5pt; }}
th, td {{ border: 0.5pt solid #BFBFBF; padding: 1.1mm 1.4mm; vertical-align: top; text-align: left; }}
thead th {{ background: {style['header_fill']}; color: #FFFFFF; font-weight: bold; }}
tr {{ break-inside: avoid; }}
td.label {{ font-weight: bold; }}
td.outcome {{ font-weight: bold; text-align: center; }}
{fills}
ul {{ margin: 0; padding-left: 5mm; }}
li {{ margin-bottom: 0.8mm; }}
.signature {{ border: 1pt solid {style['header_fill']}; padding: 2mm 4mm 3mm; margin-top: 4mm; break-inside: avoid; }}
.signature h2 {{ margin-top: 0; }}
.choices > span {{ margin-right: 8mm; }}
.box {{ display: inline-block; width: 3mm; height: 3mm; border: 0.8pt solid #000; margin-right: 1.5mm;
        vertical-align: -0.3mm; }}
.sign-line {{ margin-top: 7mm; border-bottom: 0.6pt solid #000; width: 80%; padding-bottom: 0.5mm; }}
"""


def scheda_html(sheet: ValidationSheet, lay: dict | None = None) -> str:
    """The scheda as one self-contained HTML document (``lang="it"``)."""
    lay = lay or load_summary_layout()
    oiv = lay["oiv"]
    cols = oiv["columns"]
    colgroup = "<colgroup>" + "".join(f'<col style="width: {_e(c["pdf"])}">' for c in cols) + "</colgroup>"
    head = "".join(f'<th scope="col">{_e(c["label"])}</th>' for c in cols)
    rows = "".join(f'<tr><td class="label">{_e(line.label)}</td>'
                   f'<td class="outcome outcome-{_e(line.outcome)}">{_e(line.word)}</td><td>{_e(line.text)}</td></tr>'
                   for line in sheet.lines)
    alerts = "".join(f"<p>{_e(a)}</p>" for a in sheet.alerts)
    choices = "".join(f'<span><span class="box"></span>{_e(c)}</span>' for c in oiv["signature_choices"])
    sign_lines = "".join(f'<p class="sign-line">{_e(s)}:</p>' for s in oiv["signature_lines"])
    title = " — ".join(x for x in (sheet.title, sheet.subtitle, sheet.ente) if x)
    body = ((f'<p class="ente">{_e(sheet.ente)}</p>' if sheet.ente else "")
            + f"<h1>{_e(sheet.title)}</h1>"
            + f'<p class="subtitle">{_e(sheet.subtitle)}</p>'
            + f'<p class="date">{_e(oiv["date_label"])}: {_e(sheet.date)}</p>'
            + (f'<div class="notice" role="alert">{alerts}</div>' if alerts else "")
            + f'<p class="intro">{_e(sheet.intro)}</p>'
            + f'<h2>{_e(oiv["checked_heading"])}</h2>'
            + f"<table>{colgroup}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            + f'<h2>{_e(oiv["open_heading"])}</h2>'
            + "<ul>" + "".join(f"<li>{_e(p)}</li>" for p in sheet.open_points) + "</ul>"
            + f'<div class="signature"><h2>{_e(oiv["signature_heading"])}</h2>'
            + f'<p class="choices">{choices}</p>{sign_lines}</div>')
    return ('<!DOCTYPE html><html lang="it"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title>"
            + (f'<meta name="author" content="{_e(sheet.ente)}">' if sheet.ente else "")
            + f"<style>{_css(lay, sheet)}</style></head><body>{body}</body></html>")


def write_scheda_pdf(path: str | Path, sheet: ValidationSheet) -> Path:
    return write_html_pdf(path, scheda_html(sheet))


def write_scheda_workbook(path: str | Path, sheet: ValidationSheet) -> Path:
    """The same content as a one-sheet workbook (for an OIV who annotates in Excel), printed on A4."""
    lay = load_summary_layout()
    oiv, style = lay["oiv"], lay["style"]
    cols = oiv["columns"]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        # a fixed creation date: the same run gives the same bytes (the scheda's date is in the sheet)
        book.set_properties({"title": f"{sheet.title} — {sheet.subtitle}", "created": datetime.datetime(2000, 1, 1)})
        ws = book.add_worksheet(oiv["sheet"][:31])
        bold = book.add_format({"bold": True, "font_size": 14, "font_color": style["header_fill"]})
        strong = book.add_format({"bold": True})
        wrapped = book.add_format({"text_wrap": True, "valign": "top"})
        label = book.add_format({"text_wrap": True, "valign": "top", "bold": True})
        alert = book.add_format({"text_wrap": True, "bold": True, "font_color": style["alert_font"],
                                 "bg_color": style["alert_fill"]})
        head = book.add_format({"bold": True, "font_color": "white", "bg_color": style["header_fill"], "border": 1})
        outcome = {k: book.add_format({"bold": True, "valign": "top", "align": "center", "bg_color": v})
                   for k, v in oiv["outcome_fill"].items()}
        for j, col in enumerate(cols):
            ws.set_column(j, j, col["width"])
        width = sum(c["width"] for c in cols)
        r = 0
        for text, fmt in ((sheet.ente, strong), (sheet.title, bold), (sheet.subtitle, strong),
                          (f'{oiv["date_label"]}: {sheet.date}', None)):
            if text:
                ws.write_string(r, 0, text, fmt) if fmt else ws.write_string(r, 0, text)
                r += 1
        for text, fmt in [*((a, alert) for a in sheet.alerts), (sheet.intro, wrapped)]:
            ws.merge_range(r, 0, r, len(cols) - 1, text, fmt)
            fit_row(ws, r, [(text, width)])
            r += 1
        r += 1
        ws.write_string(r, 0, oiv["checked_heading"], strong)
        r += 1
        header_row = r
        for j, col in enumerate(cols):
            ws.write_string(r, j, col["label"], head)
        for line in sheet.lines:
            r += 1
            values = {"label": line.label, "outcome": line.word, "text": line.text}
            fit_row(ws, r, ((values[c["key"]], c["width"]) for c in cols))
            for j, col in enumerate(cols):
                k = col["key"]
                write_value(ws, r, j, values[k], outcome[line.outcome] if k == "outcome"
                            else label if k == "label" else wrapped)
        r += 2
        ws.write_string(r, 0, oiv["open_heading"], strong)
        for p in sheet.open_points:
            r += 1
            ws.merge_range(r, 0, r, len(cols) - 1, f"• {p}", wrapped)
            fit_row(ws, r, [(p, width)])
        r += 2
        ws.write_string(r, 0, oiv["signature_heading"], strong)
        r += 1
        ws.write_string(r, 0, "   ".join(f"☐ {c}" for c in oiv["signature_choices"]))
        for s in oiv["signature_lines"]:
            r += 2
            ws.write_string(r, 0, f"{s}: ______________________________")
        r += 2
        ws.merge_range(r, 0, r, len(cols) - 1, sheet.footer, wrapped)
        set_page(ws, title=f"{sheet.title} — {sheet.subtitle}", landscape=False, header_row=header_row)
        book.close()
    return Path(path)
