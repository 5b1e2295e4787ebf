"""The Relazione as a PDF document: what the comune publishes in *Amministrazione Trasparente*.

Not a printed spreadsheet: an A4 document typeset like the published *Allegato B* (a title page
with the comune, the year and *Allegato B*; the Sintesi with its chart; each area on its own page
with its score, the table of objectives and indicators, the objectives' scores; *Note e anomalie*
at the end), built as HTML and CSS from the :class:`~perf_xl.model.RunResult` and typeset by
WeasyPrint as **PDF/A-3a**: archivable (fonts embedded, sRGB output intent, XMP identification) and
tagged (a structure tree from the HTML: headings, tables with their header cells, lists), since
accessibility is a legal duty of a public administration.

Texts, titles and colours come from ``schemas/summary.toml`` (``[pdf]``, ``[style]``, the labels
of the other tables by key) and the Barometro colours from the comune's settings. Every text from
the workbooks goes through :func:`perf_xl.readable.readable` (no LaTeX, no HTML tags: the
workbooks keep the original) and then :func:`html.escape`. Numbers are written the Italian way
(:mod:`perf_xl.numbers`). The Barometro is a colour *and* a word: colour is never the only carrier.
"""

from __future__ import annotations

import hashlib

import html
import re
from pathlib import Path

from ..model import AreaResult, ObjectiveResult, RunResult, year_text
from ..numbers import format_italian
from ..readable import readable
from ..settings import LIGHTS, Settings, load_settings
from ..wording import count, shorten
from .atomic import atomic_path
from .variations_out import entry_values, score_values
from .summary import column_value, indicator_values, load_summary_layout, sintesi_notice, sintesi_row

VARIANT = "pdf/a-3a"  # PDF/A-3, level A: WeasyPrint tags the document with this variant (pdf_tags)


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot be loaded here (usually the system library Pango is missing): the message,
    in Italian, says what to install."""


PANGO_HINT = ("Per scrivere la Relazione in PDF serve la libreria di sistema Pango, che manca su questo computer "
              "(su Debian e Ubuntu si installa con «apt install libpango-1.0-0 libpangoft2-1.0-0»). "
              "Installarla e riprovare.")


def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot open libpango / libgobject
        raise PdfUnavailable(PANGO_HINT) from exc
    except ImportError as exc:
        raise PdfUnavailable("Per scrivere la Relazione in PDF serve il pacchetto Python weasyprint: "
                             "installare perf_xl di nuovo («pip install .») e riprovare.") from exc
    return weasyprint


def pdf_unavailable() -> str | None:
    """Why no PDF can be written here (in Italian), or None: asked before a run reads anything."""
    try:
        _weasyprint()
    except PdfUnavailable as exc:
        return str(exc)
    return None


# --- small pieces ---------------------------------------------------------------------------------

def _t(value) -> str:
    """Text from the workbooks as a reader reads it, escaped for HTML."""
    return html.escape(readable(value)) if value not in (None, "") else ""


def _e(value) -> str:
    """Text perf_xl wrote itself (labels, messages of the schema), escaped for HTML."""
    return html.escape(str(value), quote=True)


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (for ``content:`` in the page's margin boxes); ``<`` and ``>``
    as CSS escapes, so that no text can close the ``<style>`` element it stands in."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
               .replace("<", "\\3C ").replace(">", "\\3E "))
    return '"' + escaped + '"'


def _page_content(template: str) -> str:
    """``Pagina {page} di {pages}`` as a CSS ``content`` value with the page counters."""
    out = []
    for part in re.split(r"(\{pages?\})", template):
        if part in ("{page}", "{pages}"):
            out.append(f"counter({part[1:-1]})")
        elif part:
            out.append(_css_string(part))
    return " ".join(out)


def _score(x: float | None) -> str:
    """A score: two decimals, Italian (``96,25``); a dash when there is none."""
    return "—" if x is None else format_italian(x, 2)


def _value(x, signed: bool = False) -> str:
    """A workbook number as the Relazione prints it: grouped thousands, at most two decimals, no
    trailing zeros (``1.082.072``, ``24,29``, ``100``); a sign when ``signed``; text as it is."""
    if x is None or x == "":
        return ""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return _t(x)
    text = format_italian(round(float(x), 2), None)
    return ("+" + text) if signed and x > 0 else text


def _pct(x: float | None) -> str:
    """A score as a percentage (``96,25 %``); a dash alone when there is none."""
    return "—" if x is None else f"{_score(x)} %"


def _signed(x: float | None) -> str:
    """A difference of scores: two decimals with its sign (``+0,36``, ``-0,44``, ``0,00``)."""
    if x is None:
        return "—"
    return ("+" if round(x, 2) > 0 else "") + format_italian(x + 0.0, 2)


def _light(light: str | None, label: str | None = None) -> str:
    """A Barometro cell's content and class: the colour (CSS class) and the word."""
    if not light:
        return '<td class="light">—</td>'
    return f'<td class="light light-{_e(light)}">{_e(label or light)}</td>'


def _colgroup(cols: list[dict]) -> str:
    """The table's column widths, as ``[pdf]`` gives them."""
    return "<colgroup>" + "".join(f'<col style="width: {_e(col["width"])}">' for col in cols) + "</colgroup>"


def _labels(table: dict) -> dict:
    return {c["key"]: c["label"] for c in table["columns"]}


# --- the style sheet ------------------------------------------------------------------------------

def _css(lay: dict, style: dict, settings: Settings, footer: str) -> str:
    pdf = lay["pdf"]
    page = _page_content(pdf["page"])
    lights = "\n".join(f".light-{name} {{ background: #{settings.color(name)}; }}" for name in LIGHTS)
    return f"""
@page {{
  size: A4 portrait;
  margin: 18mm 15mm 20mm 15mm;
  @top-right {{ content: string(area); font-size: 8pt; color: {style['note_font']}; }}
  @bottom-left {{ content: {_css_string(footer)}; font-size: 8pt; color: {style['note_font']};
                  vertical-align: top; padding-top: 4mm; }}
  @bottom-right {{ content: {page}; font-size: 8pt; color: {style['note_font']};
                   vertical-align: top; padding-top: 4mm; white-space: nowrap; }}
}}
html {{ font-family: {pdf['font']}; font-size: 9pt; line-height: 1.3; color: #000; }}
body {{ margin: 0; }}
h1, h2, h3, h4 {{ color: {style['header_fill']}; line-height: 1.15; }}
h1 {{ font-size: 24pt; margin: 6mm 0 4mm; }}
h2 {{ font-size: 15pt; margin: 0 0 3mm; string-set: area attr(data-running); }}
h3 {{ font-size: 11pt; margin: 5mm 0 2mm; }}
p {{ margin: 0 0 2mm; }}
a {{ color: inherit; }}
section {{ break-before: page; }}
section.cover {{ break-before: auto; padding-top: 40mm; }}
.cover .comune {{ font-size: 16pt; font-weight: bold; text-transform: uppercase; letter-spacing: 0.5pt; }}
.cover .allegato {{ font-size: 13pt; font-weight: bold; color: {style['header_fill']};
                    border: 1pt solid {style['header_fill']}; display: inline-block; padding: 1mm 3mm; }}
.cover .heading {{ font-size: 13pt; }}
.cover .produced {{ margin-top: 20mm; color: {style['note_font']}; }}
.notice {{ border: 1.5pt solid {style['alert_font']}; background: {style['alert_fill']}; color: {style['alert_font']};
           padding: 3mm 4mm; margin: 0 0 6mm; font-weight: bold; }}
.notice p:last-child {{ margin-bottom: 0; }}
.intro {{ color: {style['note_font']}; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; margin: 2mm 0 4mm; font-size: 8.5pt; }}
th, td {{ border: 0.5pt solid #BFBFBF; padding: 1.2mm 1.4mm; vertical-align: top; text-align: left;
          overflow-wrap: break-word; hyphens: auto; }}
thead th {{ background: {style['header_fill']}; color: #FFFFFF; font-weight: bold; vertical-align: bottom;
            font-size: 8pt; hyphenate-limit-chars: 10 4 4; }}
tr {{ break-inside: avoid; }}
td.num, th.num {{ text-align: right; }}
td.num {{ font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.light {{ text-align: center; font-weight: bold; }}
td.name {{ hyphens: manual; }}
{lights}
td.alert {{ background: {style['alert_fill']}; color: {style['alert_font']}; font-weight: bold; }}
tr.objective td {{ background: {style['objective_fill']}; border-top: 1pt solid {style['header_fill']}; }}
tr.objective {{ break-after: avoid; }}
tr.objective .code {{ font-weight: bold; }}
tr.objective .name {{ font-weight: bold; font-size: 10pt; }}
tr.objective p {{ margin: 1mm 0 0; }}
tr.objective .fact-label, .detail .fact-label {{ font-weight: bold; }}
tr.score td {{ background: {style['objective_fill']}; font-weight: bold; }}
tr.area-score td {{ background: {style['header_fill']}; color: #FFFFFF; font-weight: bold; font-size: 10pt; }}
tr.area-score td.light {{ color: #000000; }}
td .indicator {{ font-weight: bold; }}
td .detail {{ margin-top: 0.8mm; }}
.area-score-line {{ font-size: 12pt; margin: 0 0 2mm; }}
.area-score-line strong {{ font-size: 14pt; }}
.area-facts {{ margin-bottom: 3mm; }}
.area-facts .light {{ padding: 0.3mm 2mm; font-weight: bold; }}
.notes h4 {{ font-size: 9pt; margin: 3mm 0 1mm; color: #000000; }}
.marked {{ border-left: 3pt solid {style['alert_font']}; background: {style['alert_fill']}; color: {style['alert_font']};
           padding: 2mm 3mm; margin: 0 0 3mm; }}
figure {{ margin: 4mm 0 0; break-inside: avoid; }}
figcaption {{ font-weight: bold; color: {style['header_fill']}; margin-bottom: 2mm; }}
svg {{ width: 100%; }}
.page-ref::after {{ content: target-counter(attr(href), page); }}
ul {{ margin: 0 0 3mm; padding-left: 5mm; }}
li {{ margin-bottom: 1mm; }}
"""


# --- the parts of the document --------------------------------------------------------------------

def _cover(c: RunResult, lay: dict) -> str:
    pdf = lay["pdf"]
    year = c.year or ""
    notice = "".join(f"<p>{_e(line)}</p>" for line in sintesi_notice(c))
    counts = ", ".join((count(len(c.used), "cartella di lavoro", "cartelle di lavoro"),
                        count(len(c.areas), "area", "aree"), count(c.objective_count, "obiettivo", "obiettivi"),
                        count(c.indicator_count, "indicatore", "indicatori")))
    comune = f'<p class="comune">{_e(pdf["comune"].format(comune=readable(c.comune)))}</p>' if c.comune else ""
    return ('<section class="cover">'
            + (f'<div class="notice" role="alert">{notice}</div>' if notice else "")
            + comune
            + f'<p class="allegato">{_e(pdf["allegato"])}</p>'
            + f'<h1>{_e(pdf["title"].format(year=year).strip())}</h1>'
            + f'<p class="heading">{_e(pdf["heading"].format(year=year).strip())}</p>'
            + f'<p class="produced">{_e(pdf["produced_by"].format(counts=counts))}</p>'
            + "</section>")


def _sintesi(c: RunResult, lay: dict) -> str:
    pdf = lay["pdf"]
    cols = {col["key"]: col for col in lay["sintesi"]["columns"]}
    keys = [col["key"] for col in pdf["sintesi_columns"]]
    numeric = {"number", "objectives", "indicators", "score", "published", "difference"}
    head = "".join(f'<th scope="col"{" class=num" if k in numeric else ""}>{_e(cols[k]["label"])}</th>'
                   for k in keys) + f'<th scope="col" class="num">{_e(pdf["page_column"]["label"])}</th>'
    rows = []
    for a in c.areas:
        values = sintesi_row(a)  # the workbook's Sintesi row: the same values
        cells = []
        for k in keys:
            v = column_value(values, cols[k])
            if k == "short_name":
                cells.append(f'<td class="name"><a href="#area-{a.number}">{_t(v)}</a></td>')
            elif k == "traffic_light":
                cells.append(_light(v))
            elif k == "check":
                alert = a.to_verify or a.reproduces is False
                text = _e(v) if v is not None else "—"
                cells.append(f'<td class="alert"><a href="#note">{text}</a></td>' if alert else f"<td>{text}</td>")
            elif k in ("score", "published"):
                cells.append(f'<td class="num">{_score(v)}</td>')
            elif k == "difference":
                cells.append(f'<td class="num">{_signed(v)}</td>')
            elif k in numeric:
                cells.append(f'<td class="num">{_value(v)}</td>')
            else:
                cells.append(f"<td>{_t(v)}</td>")
        cells.append(f'<td class="num"><a class="page-ref" href="#area-{a.number}"></a></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    colgroup = _colgroup([*pdf["sintesi_columns"], pdf["page_column"]])
    return (f'<section class="sintesi"><h2 data-running="{_e(pdf["sintesi_heading"])}">{_e(pdf["sintesi_heading"])}</h2>'
            f'<p class="intro">{_e(pdf["sintesi_intro"])}</p>'
            f"<table>{colgroup}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{_chart(c, lay)}</section>")


def _chart(c: RunResult, lay: dict) -> str:
    """The computed and the published score of every area as horizontal bars (an SVG drawn here);
    every bar has its value written beside it, and the legend names both bars in words."""
    pdf, style = lay["pdf"], lay["style"]
    areas = [a for a in c.areas if a.score is not None or a.published is not None]
    if not areas:
        return ""
    width, label_w, value_w, row_h, top = 680, 200, 56, 36, 34
    bar_w = width - label_w - value_w
    height = top + row_h * len(areas) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'font-family="{_e(pdf["font"])}" font-size="12"><title>{_e(_chart_text(areas, pdf))}</title>']
    computed, published = style["chart_fill"], pdf["chart_published_fill"]
    # the legend, in words
    parts.append(f'<rect x="{label_w}" y="6" width="14" height="10" fill="{computed}"/>'
                 f'<text x="{label_w + 20}" y="15">{_e(pdf["chart_computed"])}</text>'
                 f'<rect x="{label_w + 140}" y="8" width="14" height="6" fill="{published}"/>'
                 f'<text x="{label_w + 160}" y="15">{_e(pdf["chart_published"])}</text>')
    for tick in range(0, 101, 25):
        x = label_w + bar_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" stroke="#D9D9D9" '
                     f'stroke-width="1"/><text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{tick}</text>')
    for i, a in enumerate(areas):
        y = top + i * row_h
        name = shorten(readable(sintesi_row(a)["short_name"]), 30)
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(name)}</text>')
        for value, colour, dy, h in ((a.score, computed, 2, 13), (a.published, published, 19, 9)):
            if value is None:
                continue
            w = bar_w * max(0.0, min(value, 100.0)) / 100
            parts.append(f'<rect x="{label_w}" y="{y + dy}" width="{w:.1f}" height="{h}" fill="{colour}"/>'
                         f'<text x="{label_w + w + 5:.1f}" y="{y + dy + h - 1}" font-size="11.5">{_score(value)}</text>')
    parts.append("</svg>")
    return f'<figure><figcaption>{_e(pdf["chart_title"])}</figcaption>{"".join(parts)}</figure>'


def _chart_text(areas: list[AreaResult], pdf: dict) -> str:
    """The chart in words (its alternative text in the tagged PDF): *Ambiente: ricalcolato 96,25,
    pubblicato 96,25; …*."""
    parts = []
    for a in areas:
        values = [f"{pdf[key].lower()} {_score(v)}" for key, v in (("chart_computed", a.score),
                                                                    ("chart_published", a.published)) if v is not None]
        parts.append(f"{readable(sintesi_row(a)['short_name'])}: {', '.join(values)}")
    return f"{pdf['chart_title']}. " + "; ".join(parts) + "."


def _area(a: AreaResult, lay: dict) -> str:
    pdf, notes = lay["pdf"], lay["findings"]["sheet"]
    labels = _labels(lay["area"])
    cols = pdf["area_columns"]
    keys = [col["key"] for col in cols]
    short = readable(sintesi_row(a)["short_name"])
    score_label = lay["area"]["area_score_label"]
    out = [f'<section class="area" id="area-{a.number}">'
           f'<h2 data-running="{_e(short)}">{_t(a.name)}</h2>'
           f'<p class="area-score-line">{_e(score_label)} <strong>{_pct(a.score)}</strong></p>']
    facts = [f'{_e(pdf["area_light"])}: <span class="light light-{_e(a.traffic_light)}">{_e(a.traffic_light)}</span>'
             if a.traffic_light else f'{_e(pdf["area_light"])}: —']
    if a.published is not None:
        facts.append(f'{_e(pdf["published_label"])} {_pct(a.published)}')
    out.append(f'<p class="area-facts">{" · ".join(facts)}</p>')
    if a.to_verify:
        out.append(f'<div class="marked"><p><strong>{_e(pdf["to_verify"])}</strong></p><p>'
                   f'<a href="#note">{_e(pdf["to_verify_text"].format(notes=notes))}</a></p></div>')
    if a.reproduces is False:
        text = pdf["not_reproduced_text"].format(score=_score(a.score), published=_score(a.published), notes=notes)
        out.append(f'<div class="marked"><p><strong>{_e(pdf["not_reproduced"])}</strong></p>'
                   f'<p><a href="#note">{_e(text)}</a></p></div>')
    head = "".join(f'<th scope="col"{"" if k in ("indicator", "traffic_light") else " class=num"}>{_e(labels[k])}</th>'
                   for k in keys)
    colgroup = _colgroup(cols)
    body = [_objective(o, cols, labels, lay) for o in a.objectives]
    body.append("<tbody>" + _score_row(score_label, a.score, a.traffic_light, keys, "area-score") + "</tbody>")
    out.append(f"<table>{colgroup}<thead><tr>{head}</tr></thead>{''.join(body)}</table>")
    out.append("</section>")
    return "".join(out)


def _objective(o: ObjectiveResult, cols: list[dict], labels: dict, lay: dict) -> str:
    """One objective: a heading row (code, name, settore, responsabile, definizione), its indicators
    and its score row, as one row group of the area's table."""
    pdf = lay["pdf"]
    keys = [col["key"] for col in cols]
    first = o.indicators[0].row if o.indicators else None
    facts_values = {"settore": o.settore, "responsabile": o.responsabile,
                    "definizione": first.definizione if first else ""}
    facts = [f'<p><span class="fact-label">{_e(labels[k])}:</span> {_t(facts_values.get(k))}</p>'
             for k in pdf["objective_facts"] if facts_values.get(k)]
    rows = [f'<tr class="objective"><td colspan="{len(keys)}"><span class="code">{_e(o.code)}</span> '
            f'<span class="name">{_t(o.name)}</span>{"".join(facts)}</td></tr>']
    for s in o.indicators:
        values = indicator_values(s)
        cells = []
        for col in cols:
            k = col["key"]
            v = values.get(k)
            if k == "traffic_light":
                cells.append(_light(v))
            elif k == "indicator":
                details = "".join(f'<div class="detail"><span class="fact-label">{_e(labels[d])}:</span> {_t(values.get(d))}</div>'
                                  for d in col.get("details", ()) if readable(values.get(d)))
                cells.append(f'<td><div class="indicator">{_t(v)}</div>{details}</td>')
            elif k == "achievement":
                cells.append(f'<td class="num">{_value(v)}</td>')
            else:
                numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
                cells.append(f'<td class="num">{_value(v, signed=k == "deviation")}</td>' if numeric
                             else f"<td>{_t(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    label = f'{lay["area"]["objective_score_label"]} {o.code}'
    rows.append(_score_row(label, o.score, o.traffic_light, keys, "score"))
    return "<tbody>" + "".join(rows) + "</tbody>"


def _score_row(label: str, score: float | None, light: str | None, keys: list[str], cls: str) -> str:
    """An objective's or the area's score row: the label across the columns before % Ragg, the score
    under % Ragg, the Barometro (colour and word) under its column."""
    at = keys.index("achievement") if "achievement" in keys else len(keys) - 1
    cells = [f'<td colspan="{at}">{_e(label)}</td>' if at else "", f'<td class="num">{_score(score)}</td>']
    for k in keys[at + 1:]:
        cells.append(_light(light) if k == "traffic_light" else "<td></td>")
    return f'<tr class="{cls}">' + "".join(cells) + "</tr>"


def _notes(c: RunResult, lay: dict) -> str:
    pdf, fl = lay["pdf"], lay["findings"]
    labels = _labels(fl)
    out = [f'<section class="notes" id="note"><h2 data-running="{_e(fl["sheet"])}">{_e(fl["sheet"])}</h2>']
    marked = [a for a in c.areas if a.explanation or a.to_verify]
    if marked:
        out.append(f'<h3>{_e(pdf["notes_areas"])}</h3>')
        for a in marked:
            items = "".join(f"<li>{_t(line)}</li>" for line in (*a.to_verify, *a.explanation))
            out.append(f'<h4><a href="#area-{a.number}">{_t(sintesi_row(a)["short_name"])}</a> '
                       f'({_t(a.name)})</h4><ul>{items}</ul>')
    out.append(f'<h3>{_e(pdf["notes_findings"])}</h3>')
    if not c.findings:
        out.append(f'<p>{_e(pdf["notes_none"])}</p>')
    else:
        keys = [col["key"] for col in pdf["findings_columns"]]
        labels["cell"] = " ".join((labels["sheet"], labels["cell"].lower()))  # sheet and cell in one column
        colgroup = _colgroup(pdf["findings_columns"])
        head = "".join(f'<th scope="col">{_e(labels[k])}</th>' for k in keys)
        rows = []
        for f in c.findings:
            d = f.as_dict()
            d["file"] = Path(d["file"]).name if d["file"] else ""
            d["cell"] = " ".join(x for x in (f.sheet, f.cell) if x)
            cells = "".join(f'<td{" class=alert" if k == "severity" and f.severity == "errore" else ""}>'
                            f'{_t(d.get(k))}</td>' for k in keys)
            rows.append(f"<tr>{cells}</tr>")
        out.append(f"<table>{colgroup}<thead><tr>{head}</tr></thead>"
                   f"<tbody>{''.join(rows)}</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _annex(c: RunResult, lay: dict) -> str:
    """The register of changes' annex (``[variazioni]`` of summary.toml, as the Relazione workbook's
    sheet): every entry, then each area and objective with its score with and without the changes."""
    v = lay["variazioni"]
    grid = [col.get("width", 12) for col in v["entry_columns"]]
    total = sum(grid)
    numeric = {"row", "old", "new", "entries", "with_changes", "without", "difference", "objective_without", "worth"}

    def show(key, value) -> str:
        if key in ("with_changes", "without", "objective_without"):
            return _score(value)
        if key in ("difference", "worth"):
            return _signed(value)
        return _value(value)

    def table(title: str, cols: list[dict], rows: list[dict], spread: bool = True) -> str:
        """``spread``: the columns lie over the grid (``span``); else each has its own width."""
        widths, j = [], 0
        for col in cols:
            span = col.get("span", 1)
            width = sum(grid[j:j + span]) if spread else col.get("width", 12)
            widths.append(f"{100 * width / total:.1f}%")
            j += span
        scale = 100 / sum(float(w[:-1]) for w in widths)  # a table narrower than the grid fills the page
        colgroup = "<colgroup>" + "".join(f'<col style="width: {float(w[:-1]) * scale:.1f}%">' for w in widths) + \
            "</colgroup>"
        head = "".join(f'<th scope="col"{" class=num" if col["key"] in numeric else ""}>{_e(col["label"])}</th>'
                       for col in cols)
        body = "".join("<tr>" + "".join(f'<td{" class=num" if col["key"] in numeric else ""}>'
                                        f'{show(col["key"], r.get(col["key"]))}</td>' for col in cols) + "</tr>"
                       for r in rows)
        return f"<h3>{_e(title)}</h3><table>{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    a = c.annex
    shown = lay["pdf"]["variazioni_entry_columns"]
    entry_columns = sorted((col for col in v["entry_columns"] if col["key"] in shown), key=lambda col: shown.index(col["key"]))
    out = [f'<section class="notes" id="variazioni"><h2 data-running="{_e(v["sheet"])}">'
           f'{_e(v["title"].format(year=year_text(c.year)))}</h2><p>{_e(v["subtitle"])}</p>',
           table(v["entries_title"], entry_columns, [entry_values(e, v, w) for e, w in zip(a.entries, a.by_entry or (None,) * len(a.entries))],
                 spread=False),
           table(v["areas_title"], v["area_columns"], [score_values(s) for s in a.areas]),
           table(v["objectives_title"], v["score_columns"], [score_values(s) for s in a.objectives])]
    if a.not_undone:
        out.append(table(v["not_undone_title"], v["not_undone_columns"],
                         [{**entry_values(e, v), "why": why} for e, why in a.not_undone]))
    out.append("</section>")
    return "".join(out)


# --- the document ---------------------------------------------------------------------------------

def document_title(c: RunResult, lay: dict | None = None) -> str:
    """The PDF's title (metadata and every footer): *Relazione sulla Performance 2022 — Comune di
    Cremona — Allegato B*."""
    pdf = (lay or load_summary_layout())["pdf"]
    parts = [pdf["title"].format(year=c.year or "").strip()]
    if c.comune:
        parts.append(pdf["comune"].format(comune=readable(c.comune)))
    parts.append(pdf["allegato"])
    return " — ".join(parts)


def relazione_html(c: RunResult, settings: Settings | None = None) -> str:
    """The whole Relazione as one HTML document (``lang="it"``, its title, its style sheet)."""
    settings = settings or load_settings()
    lay = load_summary_layout()
    title = document_title(c, lay)
    body = [_cover(c, lay), _sintesi(c, lay)]
    body.extend(_area(a, lay) for a in c.areas)
    if c.annex is not None:  # the register of changes' annex: only when some workbook has entries
        body.append(_annex(c, lay))
    body.append(_notes(c, lay))
    author = lay["pdf"]["comune"].format(comune=readable(c.comune)) if c.comune else ""
    return ('<!DOCTYPE html><html lang="it"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title>"
            + (f'<meta name="author" content="{_e(author)}">' if author else "")
            + f'<meta name="description" content="{_e(lay["pdf"]["heading"].format(year=c.year or "").strip())}">'
            f"<style>{_css(lay, lay['style'], settings, title)}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def write_relazione_pdf(path: str | Path, c: RunResult, settings: Settings | None = None) -> Path:
    """The Relazione PDF (PDF/A-3a, tagged, fonts embedded), written atomically."""
    return write_html_pdf(path, relazione_html(c, settings))


def write_html_pdf(path: str | Path, html: str) -> Path:
    """A self-contained HTML document (``lang``, title, style sheet inside) as PDF/A-3a, tagged, fonts
    embedded, written atomically; the same HTML gives the same bytes (the Relazione, the OIV's scheda)."""
    weasyprint = _weasyprint()
    # nothing is ever fetched: the document is self-contained, and a text from a workbook can never
    # make the typesetter read a local file or a URL into the PDF
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    path = Path(path)
    with atomic_path(path) as tmp:
        # the same workbooks give the same bytes (the OIV re-runs a manifest's command and compares):
        # the file's identifier from its content, not random, and whole fonts, since a subset's glyph
        # order changes from process to process (about 0.4 MB more for the two fonts embedded)
        document.write_pdf(str(tmp), pdf_variant=VARIANT, full_fonts=True,
                           pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"))
    return path
