"""Write the area summary workbook (the Relazione), its JSON twin and the area table as CSV.

Values, not formulas: the summary is a report of what the settore workbooks said
when it was made. The layout (labels, widths, formats) comes from
``schemas/summary.toml``; the CSV is the Sintesi sheet's table, same columns and
values. Text from the workbooks is written as strings, never as formulas. Every
output is written atomically.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import tomllib
from pathlib import Path


import xlsxwriter

from ..collector import pausing
from ..model import (INDICATOR_FIELDS, INDICATOR_SCORE_FIELDS, SCORE_ROW_FIELDS, AreaResult, Comparison, Monitoring,
                     RunResult, indicator_rows, score_row)
from ..schema import WorkbookSchema, load_layout, load_schema, load_style, schema_file, schemas_dir
from ..settings import LIGHTS, NEUTRALISED, Settings, load_settings
from ..wording import count, short_area_name
from .cells import write_value
from .csv_out import write_csv
from .printing import fit_row, set_page
from .atomic import atomic_path, write_text_atomic
from .comparison_out import comparison_dict, write_comparison_sheet
from . import monitoring_out
from .monitoring_out import monitoring_dict
from .variations_out import annex_dict, write_annex_sheet


def load_summary_layout(schema: WorkbookSchema | None = None) -> dict:
    """``summary.toml`` (a table that a comune's own file lacks is the shipped one); the area sheets'
    columns end with the settore schema's extra columns (those added to settore.toml that perf_xl does
    not score), unless summary.toml places them itself."""
    layout = load_layout("summary.toml")
    if schema_file("summary.toml") != schemas_dir() / "summary.toml":
        # a comune's own summary.toml written before a table was added (e.g. [confronto]): the shipped one
        shipped = tomllib.loads((schemas_dir() / "summary.toml").read_text(encoding="utf-8"))
        for table, value in shipped.items():
            layout.setdefault(table, value)
    schema = schema or load_schema()
    area = layout["area"]
    listed = {c["key"] for c in area["columns"]}
    for c in schema.indicators.columns:
        if not c.computed and not c.checkpoint and c.key not in INDICATOR_FIELDS and c.key not in listed:
            area["columns"].append({"key": c.key, "label": c.label, "width": c.width,
                                    **({"format": c.format} if c.format else {})})
    return layout


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", name)[:31].strip() or "Area"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


# --- the JSON: the consolidation's numbers for machines ---------------------------------------

def area_dict(a: AreaResult, detail: bool = False) -> dict:
    """One area's numbers for machines, with every objective's score and, with ``detail`` (the run
    keeps every indicator), each objective's indicators (so that a later year can compare them)."""
    return {
        "number": a.number,
        "name": a.name,
        "short_name": short_area_name(a.name),
        "objectives": len(a.objectives),
        "indicators": a.indicator_count,
        "neutralised": a.neutralised,
        "score": None if a.score is None else round(a.score, 2),
        "score_unrounded": a.score,
        "traffic_light": a.traffic_light,
        "published": a.published,
        "difference": a.difference,
        "reproduces": a.reproduces,
        "explanation": list(a.explanation),
        "to_verify": list(a.to_verify),
        "objective_scores": [_score_dict(score_row(o), indicator_rows(o) if detail else None) for o in a.objectives],
    }


def _score_dict(row: tuple, indicators: list[tuple] | None = None) -> dict:
    """An objective's entry in the JSON; with ``extra`` (column key -> one value per indicator) only when
    the schema has columns beyond the ones perf_xl scores (added to settore.toml); with ``indicators``
    (id, name, % Ragg, Barometro, peso of each) when the run keeps the detail."""
    d = dict(zip(SCORE_ROW_FIELDS, row))
    if row[len(SCORE_ROW_FIELDS)] is not None:
        d["extra"] = row[len(SCORE_ROW_FIELDS)]
    if indicators is not None:
        d["indicators"] = [dict(zip(INDICATOR_SCORE_FIELDS, i)) for i in indicators]
    return d


def summary_head(c: RunResult) -> dict:
    return {
        "year": c.year,
        "comune": c.comune,
        "folder": c.folder,
        "workbooks": [Path(f).name for f in c.files],
        "complete": c.complete,
        "not_used": [Path(f).name for f in c.not_used],
        "excluded": [Path(f).name for f in c.excluded],
        "conflicts": c.conflicts,
        "totals": {"areas": len(c.areas), "objectives": c.objective_count, "indicators": c.indicator_count},
    }


def summary_dict(c: RunResult, comparison: Comparison | None = None, monitoring: Monitoring | None = None) -> dict:
    """The consolidation's numbers for machines (the ``--json`` output); ``comparison`` with a
    previous year adds its section, ``monitoring`` (a checkpoint's report) its own."""
    d = {**summary_head(c), "areas": [area_dict(a, c.detail) for a in c.areas]}
    if comparison is not None:
        d["comparison"] = comparison_dict(comparison, load_summary_layout()["confronto"])
    if monitoring is not None:
        d["monitoring"] = monitoring_dict(c, monitoring)
    if c.annex is not None:
        d["variations"] = annex_dict(c.annex, load_summary_layout()["variazioni"])
    d["findings"] = [f.as_dict() for f in c.findings]
    return d


def write_summary_json(path: str | Path, c: RunResult, comparison: Comparison | None = None,
                       monitoring: Monitoring | None = None) -> Path:
    """The same numbers as JSON: indented for a person when it is a comune's; at the scale of
    thousands of workbooks compact and written area by area, never whole in memory."""
    if c.detail or monitoring is not None:
        return write_text_atomic(path, json.dumps(summary_dict(c, comparison, monitoring), ensure_ascii=False,
                                                  indent=2) + "\n")
    dump = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        head = dump(summary_head(c))
        fh.write(head[:-1] + ',"areas":[')
        for i, a in enumerate(c.areas):
            fh.write(("," if i else "") + dump(area_dict(a)))
        fh.write("]")
        if comparison is not None:
            fh.write(',"comparison":' + dump(comparison_dict(comparison, load_summary_layout()["confronto"])))
        if c.annex is not None:
            fh.write(',"variations":' + dump(annex_dict(c.annex, load_summary_layout()["variazioni"])))
        fh.write(',"findings":' + dump([f.as_dict() for f in c.findings]) + "}\n")
    return Path(path)


@pausing
def write_summary_outputs(c: RunResult, out: str | Path, json_path: str | Path | None = None,
                          csv_path: str | Path | None = None, settings: Settings | None = None,
                          comparison: Comparison | None = None, monitoring: Monitoring | None = None) -> list[Path]:
    """The Relazione workbook and, when asked, its JSON and CSV (each atomically); with ``comparison``
    (``--confronta``) the workbook has a *Confronto* sheet and the JSON a ``comparison`` section; with
    ``monitoring`` (``--periodo``) it is the monitoring report of a checkpoint (:mod:`.monitoring_out`)."""
    written = [write_summary_workbook(out, c, settings, comparison=comparison, monitoring=monitoring)]
    if json_path:
        written.append(write_summary_json(json_path, c, comparison, monitoring))
    if csv_path:
        written.append(write_summary_csv(csv_path, c, monitoring))
    return written


def write_summary_workbook(path: str | Path, c: RunResult, settings: Settings | None = None,
                           schema: WorkbookSchema | None = None, comparison: Comparison | None = None,
                           monitoring: Monitoring | None = None) -> Path:
    """The Relazione workbook; ``schema`` (default: the one in use) adds its extra columns to the area sheets;
    ``comparison`` (with a previous year) adds the *Confronto* sheet after the areas."""
    settings = settings or load_settings()
    layout = load_summary_layout(schema)
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        created = _dt.datetime(c.year or 2000, 12, 31)
        book.set_properties({"title": f"{layout['sintesi']['title']} {c.year or ''}".strip(),
                             "subject": "perf_xl area summary", "created": created})
        fmts = _formats(book, settings)
        doc_title = f"{layout['sintesi']['title']} {c.year or ''}".strip() + (f" — Comune di {c.comune}" if c.comune else "")
        used: set[str] = {layout["sintesi"]["sheet"].lower(), layout["findings"]["sheet"].lower()}
        if comparison is not None:
            used.add(layout["confronto"]["sheet"].lower())
        sintesi_lay, mon = layout["sintesi"], layout["monitoraggio"]
        if monitoring is not None:  # a checkpoint's report: its title, the projection beside the scores
            used |= {mon["projection_sheet"].lower(), mon["actions_sheet"].lower()}
            sintesi_lay = monitoring_out.sintesi_layout(sintesi_lay, mon, monitoring)
            doc_title = sintesi_lay["full_title"] + (f" — Comune di {c.comune}" if c.comune else "")
        if c.annex is not None:
            used.add(layout["variazioni"]["sheet"].lower())
        sintesi = book.add_worksheet(layout["sintesi"]["sheet"])
        sheet_names = {a.name: _sheet_name(short_area_name(a.name), used) for a in c.areas}
        _write_sintesi(book, sintesi, c, sintesi_lay, fmts, sheet_names, layout["findings"]["sheet"],
                       sintesi_rows(c, monitoring))
        set_page(sintesi, title=doc_title, landscape=layout["sintesi"].get("orientation") == "landscape")
        notes = layout["findings"]["sheet"]
        for a in c.areas:
            ws = book.add_worksheet(sheet_names[a.name])
            _write_area(book, ws, a, layout["area"], fmts, settings, c.detail, notes)
            if monitoring is not None:
                ws.write_string(2, 0, monitoring_out.area_projected_line(a, monitoring, mon), fmts["bold"])
            set_page(ws, title=doc_title, landscape=layout["area"].get("orientation") == "landscape",
                     header_row=AREA_HEADER_ROW)
        if comparison is not None:
            write_comparison_sheet(book, book.add_worksheet(layout["confronto"]["sheet"]), comparison,
                                   layout["confronto"], fmts, doc_title=doc_title, sheet_names=sheet_names)
        if monitoring is not None:
            monitoring_out.write_projection_sheet(book, book.add_worksheet(mon["projection_sheet"]), c, monitoring,
                                                  mon, fmts, doc_title)
            monitoring_out.write_actions_sheet(book, book.add_worksheet(mon["actions_sheet"]), c, monitoring, mon,
                                               fmts, doc_title)
        if c.annex is not None:  # the register of changes' annex: only when some workbook has entries
            write_annex_sheet(book, book.add_worksheet(layout["variazioni"]["sheet"]), c.annex,
                              layout["variazioni"], fmts, doc_title=doc_title, year=c.year)
        ws = book.add_worksheet(notes)
        _write_findings(ws, c, layout["findings"], fmts)
        set_page(ws, title=doc_title, landscape=layout["findings"].get("orientation") == "landscape", header_row=0)
        book.close()
    return path


def _formats(book, settings: Settings) -> dict:
    style = load_style()
    f = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "subtitle": book.add_format({"italic": True, "font_color": style["note_font"]}),
        "header": book.add_format({"bold": True, "font_color": "white", "bg_color": style["header_fill"], "text_wrap": True,
                                   "valign": "vcenter", "border": 1}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
        "plain": book.add_format({"valign": "top"}),
        "objective": book.add_format({"bold": True, "bg_color": style["objective_fill"], "valign": "top"}),
        "bold": book.add_format({"bold": True}),
        "link": book.add_format({"font_color": "blue", "underline": 1, "valign": "top", "text_wrap": True}),
        "alert": book.add_format({"bold": True, "font_color": style["alert_font"], "bg_color": style["alert_fill"],
                                  "text_wrap": True,
                                  "valign": "top"}),
        "alert_link": book.add_format({"bold": True, "font_color": style["alert_font"], "underline": 1}),
    }
    fills = {**{light: "#" + settings.color(light) for light in LIGHTS}, NEUTRALISED: style["neutral_fill"]}
    for light, fill in fills.items():
        f[light] = book.add_format({"bg_color": fill, "bold": True, "align": "center", "valign": "top"})
    f["_cache"] = {}
    return f


def _num(book, fmts: dict, num_format: str | None, bold: bool = False):
    key = (num_format, bold)
    if key not in fmts["_cache"]:
        props = {"valign": "top"}
        if num_format:
            props["num_format"] = num_format
        if bold:
            props["bold"] = True
            props["bg_color"] = load_style()["objective_fill"]
        fmts["_cache"][key] = book.add_format(props)
    return fmts["_cache"][key]




def _header(ws, r: int, columns: list[dict], fmts: dict) -> None:
    fit_row(ws, r, ((col["label"], col.get("width", 12)) for col in columns))
    for i, col in enumerate(columns):
        ws.set_column(i, i, col.get("width", 12))
        ws.write_string(r, i, col["label"], fmts["header"])


def sintesi_row(a) -> dict:
    """One area's row of the Sintesi, by column key: the workbook's sheet and the CSV show the same."""
    return {
        "number": a.number, "short_name": short_area_name(a.name), "area": a.name, "objectives": len(a.objectives),
        "indicators": a.indicator_count, "neutralised": a.neutralised,
        "score": None if a.score is None else round(a.score, 2),
        "traffic_light": a.traffic_light, "published": a.published, "difference": a.difference,
        "check": ("da verificare" if a.to_verify
                  else {True: "riprodotto", False: "NON riprodotto", None: None}[a.reproduces]),
        "explanation": "\n".join((*a.to_verify, *a.explanation)),
    }


def sintesi_rows(c: RunResult, monitoring: Monitoring | None = None) -> list[dict]:
    """Each area's :func:`sintesi_row`, with a monitoring report's own columns (the projection, the
    corrective actions) when it is one: the rows of the Sintesi sheet, the CSV and the button's table."""
    more = monitoring_out.sintesi_values(c, monitoring) if monitoring is not None else {}
    return [{**sintesi_row(a), **more.get(a.name, {})} for a in c.areas]


def indicator_values(s, first: bool = True) -> dict:
    """One indicator's row of an area, by column key (the area sheet and the PDF show the same); the
    objective's own columns only on its ``first`` row, as the published Relazione prints them."""
    row = s.row
    values = {
        "responsabile": row.responsabile if first else "", "settore": row.settore if first else "",
        "objective": row.objective if first else "", "definizione": row.definizione if first else "",
        "indicator": row.indicator, "formula": row.formula, "finalita": row.finalita,
        "target": row.target, "actual": row.actual, "deviation": s.deviation, "note": row.note,
        "weight": row.weight, "achievement": s.achievement, "traffic_light": s.traffic_light,
    }
    if row.extra:
        values.update(row.extra)
    return values


def column_value(values: dict, col: dict):
    """A row's value for a column of summary.toml: what the column's ``blank`` says when it is empty."""
    v = values.get(col["key"])
    return col.get("blank") if v is None else v


def _label(table: dict, key: str) -> str:
    return next(col["label"] for col in table["columns"] if col["key"] == key)


def sintesi_notice(c: RunResult) -> list[str]:
    """The lines above the Sintesi's title when the Relazione cannot be published as it is:
    workbooks not used (*Relazione incompleta*) and versions of a workbook that disagree."""
    lay = load_summary_layout()
    notes = lay["findings"]["sheet"]
    lines = []
    if c.files and c.not_used:
        names = ", ".join(f"«{Path(f).name}»" for f in c.not_used)
        n = count(len(c.not_used), "cartella di lavoro non è stata usata", "cartelle di lavoro non sono state usate")
        one = len(c.not_used) == 1
        # why each was not used is its finding's (an unreadable file or sheet, or in a monitoring report
        # a workbook without the checkpoint's columns): the line says where to read it
        lines.append(f"Relazione incompleta: {n}: {names} (" + ("il motivo" if one else "il motivo di ciascuna")
                     + f" è in «{notes}»). "
                     + ("I suoi obiettivi non sono conteggiati nelle aree: correggere il file" if one else
                        "I loro obiettivi non sono conteggiati nelle aree: correggere i file")
                     + " e consolidare di nuovo.")
    if c.conflicts:
        lines.append(f"Aree da verificare: {count(len(c.conflicts), 'copia', 'copie')} di una cartella di lavoro "
                     f"con valori diversi (vedere la colonna «{_label(lay['sintesi'], 'check')}» e «{notes}»).")
    return lines


def write_summary_csv(path: str | Path, c: RunResult, monitoring: Monitoring | None = None) -> Path:
    """The area scores (the Sintesi's table), one row per area, for the office's own sheets; with
    ``monitoring`` the monitoring report's Sintesi (the scores at the date, then the projection)."""
    layout = load_summary_layout()
    cols = layout["sintesi"]["columns"]
    if monitoring is not None:
        cols = monitoring_out.sintesi_layout(layout["sintesi"], layout["monitoraggio"], monitoring)["columns"]
    return write_csv(path, [col["label"] for col in cols],
                     ([column_value(row, col) for col in cols] for row in sintesi_rows(c, monitoring)))


def _write_sintesi(book, ws, c: RunResult, lay: dict, fmts: dict, sheet_names: dict, notes: str,
                   rows: list[dict]) -> None:
    """The Sintesi; ``rows``: each area's values (:func:`sintesi_rows`)."""
    cols = lay["columns"]
    title = (lay.get("full_title") or f"{lay['title']} {c.year or ''}") + (f" — Comune di {c.comune}" if c.comune else "")
    notice = sintesi_notice(c)  # first, where nobody can miss it: the Relazione is incomplete or to check
    for i, line in enumerate(notice):
        ws.merge_range(i, 0, i, len(cols) - 1, "", fmts["alert"])
        ws.write_string(i, 0, line, fmts["alert"])
        ws.set_row(i, 15 * (1 + len(line) // 180))
    top = len(notice) + (1 if notice else 0)
    ws.write_string(top, 0, title.strip(), fmts["title"])
    ws.write_string(top + 1, 0, lay["subtitle"], fmts["subtitle"])
    hr = top + 3
    _header(ws, hr, cols, fmts)
    for i, (a, values) in enumerate(zip(c.areas, rows)):
        r = hr + 1 + i
        if len(a.explanation) > 1:  # the summary sentence here, the objective-by-objective detail in the notes
            values["explanation"] = "\n".join((*a.to_verify, a.explanation[0],
                                               lay["explanation_more"].format(notes=notes)))
        fit_row(ws, r, ((column_value(values, col), col.get("width", 12)) for col in cols))
        for j, col in enumerate(cols):
            key = col["key"]
            if key in ("traffic_light", "projected_light") and values.get(key) in (*LIGHTS, NEUTRALISED):
                fmt = fmts[values[key]]
            elif key == "check" and (a.to_verify or a.reproduces is False):
                fmt = fmts["alert"]
            elif key == "explanation" or not col.get("format"):
                fmt = fmts["text"]
            else:
                fmt = _num(book, fmts, col.get("format"))
            if key == "short_name":  # the name a user reads is the link to the area's sheet
                ws.write_url(r, j, f"internal:'{sheet_names[a.name]}'!A1", fmts["link"], values[key])
            else:
                write_value(ws, r, j, column_value(values, col), fmt)
    ws.freeze_panes(hr + 1, 0)
    if c.areas:
        chart = book.add_chart({"type": "bar"})
        at = {col["key"]: j for j, col in enumerate(cols)}
        first, last = hr + 1, hr + len(c.areas)
        sheet, style = lay["sheet"], load_style()
        # the computed score and, beside it, the published one: an area that does not reproduce shows
        second = lay.get("chart_second", "published")  # a monitoring report: the projection
        for key, name, fill in (("score", lay["chart_computed"], style["chart_fill"]),
                                (second, lay["chart_published"], style["chart_published_fill"])):
            chart.add_series({
                "name": name,
                "categories": [sheet, first, at["short_name"], last, at["short_name"]],
                "values": [sheet, first, at[key], last, at[key]],
                "data_labels": {"value": True, "num_format": "0.00", "font": {"size": CHART_FONT_SIZE}},
                "fill": {"color": fill},
            })
        chart.set_title({"name": lay["subtitle"]})
        # the body's size, not the charts' default 10 pt: the chart prints at the sheet's scale, and the
        # Sintesi's columns are wide enough for their headers' words
        font = {"size": CHART_FONT_SIZE}
        chart.set_x_axis({"min": 0, "max": 100, "num_format": "0", "num_font": font})
        chart.set_y_axis({"reverse": True, "num_font": font})
        chart.set_legend({"position": "bottom", "font": font})
        chart.set_size({"width": 720, "height": 100 + 56 * max(3, len(c.areas))})  # room for the labels of one area too
        ws.insert_chart(last + 3, 1, chart)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}".replace(".", ",") + "%"


CHART_FONT_SIZE = 11  # the Sintesi chart's labels, as the cells' text
AREA_HEADER_ROW = 3  # an area sheet: its name, its score, a note, then the table's header


def _write_area(book, ws, a, lay: dict, fmts: dict, settings: Settings, detail: bool, notes: str) -> None:
    cols = lay["columns"]
    ws.write_string(0, 0, a.name, fmts["title"])
    ws.write_string(1, 0, f"{lay['area_score_label']}: {_pct(a.score)}", fmts["bold"])
    hr = AREA_HEADER_ROW
    if a.reproduces is False:  # where the reader of the area looks first: it differs, and why is over there
        note = lay["not_reproduced_note"].format(computed=_pct(a.score), published=_pct(a.published), notes=notes)
        ws.write_url(2, 0, f"internal:'{notes}'!A1", fmts["alert_link"], note)
    if not detail:
        _write_area_by_settore(book, ws, a, lay, fmts, settings, hr)
        return
    _header(ws, hr, cols, fmts)
    r = hr + 1
    pct_col = next(j for j, col in enumerate(cols) if col["key"] == "achievement")
    tl_col = next(j for j, col in enumerate(cols) if col["key"] == "traffic_light")
    for o in a.objectives:
        for k, s in enumerate(o.indicators):
            values = indicator_values(s, first=k == 0)
            fit_row(ws, r, ((values[col["key"]], col.get("width", 12)) for col in cols))
            for j, col in enumerate(cols):
                key = col["key"]
                if key == "traffic_light" and s.traffic_light:
                    fmt = fmts[s.traffic_light]
                elif col.get("format"):
                    fmt = _num(book, fmts, col["format"])
                else:
                    fmt = fmts["text"]
                write_value(ws, r, j, values[key], fmt)
            r += 1
        label = f"{lay['objective_score_label']} {o.code}: {o.name}"
        fit_row(ws, r, [(label, sum(col.get("width", 12) for col in cols[:pct_col]))])
        ws.merge_range(r, 0, r, pct_col - 1, "", fmts["objective"])
        ws.write_string(r, 0, label, fmts["objective"])
        write_value(ws, r, pct_col, None if o.score is None else round(o.score, 2), _num(book, fmts, "0.00", bold=True))
        write_value(ws, r, tl_col, o.traffic_light, fmts[o.traffic_light] if o.traffic_light else fmts["objective"])
        r += 1
    ws.merge_range(r, 0, r, pct_col - 1, "", fmts["objective"])
    ws.write_string(r, 0, lay["area_score_label"], fmts["objective"])
    write_value(ws, r, pct_col, None if a.score is None else round(a.score, 2), _num(book, fmts, "0.00", bold=True))
    write_value(ws, r, tl_col, a.traffic_light, fmts[a.traffic_light] if a.traffic_light else fmts["objective"])
    ws.freeze_panes(hr + 1, 0)


def _write_area_by_settore(book, ws, a, lay: dict, fmts: dict, settings: Settings, hr: int) -> None:
    """Too many workbooks to list every objective: one row per settore (the JSON has every objective)."""
    if a.reproduces is not False:
        ws.write_string(2, 0, lay["no_detail_note"], fmts["subtitle"])
    cols = lay["by_settore_columns"]
    at = {col["key"]: j for j, col in enumerate(cols)}
    _header(ws, hr, cols, fmts)
    r = hr + 1
    # each column's format looked up once (a large run writes a row per settore of every area: 100,000 cells)
    keys = [col["key"] for col in cols]
    formats = [None if key == "traffic_light" else _num(book, fmts, col["format"]) if col.get("format") else None
               for key, col in zip(keys, cols)]
    light = keys.index("traffic_light") if "traffic_light" in keys else None
    for s in a.settori:
        values = {"settore": s.settore, "responsabile": s.responsabile, "objectives": s.objectives,
                  "indicators": s.indicators, "score": None if s.score is None else round(s.score, 2),
                  "traffic_light": s.traffic_light}
        if light is not None:
            formats[light] = fmts[s.traffic_light] if s.traffic_light else None
        for j, (key, fmt) in enumerate(zip(keys, formats)):
            value = values[key]
            if value is not None and value != "":
                write_value(ws, r, j, value, fmt)
        r += 1
    ws.write_string(r, 0, lay["area_score_label"], fmts["objective"])
    if a.score is not None:
        ws.write_number(r, at["score"], round(a.score, 2), _num(book, fmts, "0.00", bold=True))
    if a.traffic_light:
        ws.write_string(r, at["traffic_light"], a.traffic_light, fmts[a.traffic_light])
    ws.freeze_panes(hr + 1, 0)


def _write_findings(ws, c: RunResult, lay: dict, fmts: dict) -> None:
    cols = lay["columns"]
    _header(ws, 0, cols, fmts)
    r = 1
    for a in c.areas:
        for msg in a.explanation:
            values = {"file": "", "sheet": short_area_name(a.name), "code": "area-non-riprodotta", "severity": "avviso",
                      "message": msg}
            fit_row(ws, r, ((values.get(col["key"]), col.get("width", 12)) for col in cols))
            for j, col in enumerate(cols):
                if col["key"] in values:
                    write_value(ws, r, j, values[col["key"]], fmts["text"])
            r += 1
    for f in c.findings:
        d = f.as_dict()
        fit_row(ws, r, ((d.get(col["key"]), col.get("width", 12)) for col in cols))
        for j, col in enumerate(cols):
            v = d.get(col["key"])
            write_value(ws, r, j, Path(v).name if col["key"] == "file" and v else v, fmts["text"])
        r += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r - 1, 1), len(cols) - 1)
