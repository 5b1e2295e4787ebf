"""The comparison of two years (:mod:`perf_xl.core.comparison`) laid out: the JSON's ``comparison``
section and the Relazione's *Confronto* sheet. Labels, widths, formats and the words of the Esito
come from ``[confronto]`` of ``summary.toml``.
"""

from __future__ import annotations

from ..model import AREA, DROPPED, INDICATOR, OBJECTIVE, Compared, Comparison, year_text
from ..schema import load_style
from ..wording import short_area_name
from .cells import write_value
from .printing import fit_row, set_page

_KEYS = {AREA: ("number", "objectives"), OBJECTIVE: ("code", "indicators"), INDICATOR: ("id", None)}
_PLURAL = {AREA: "areas", OBJECTIVE: "objectives", INDICATOR: "indicators"}


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def item_dict(c: Compared, lay: dict, indicators: bool) -> dict:
    """One compared area, objective or indicator for machines: this year's fields are null for a
    dropped one, the previous year's for a new one."""
    key, below = _KEYS[c.level]
    gone = c.status == DROPPED
    d = {key: None if gone else c.key, "name": None if gone else c.name}
    if c.level == AREA:
        d["short_name"] = short_area_name(c.name)
    d.update({f"previous_{key}": c.previous_key, "previous_name": c.previous_name,
              "status": lay["status"][c.level][c.status],
              "previous": c.previous, "current": c.current, "change": c.change,
              "previous_traffic_light": c.previous_traffic_light, "traffic_light": c.traffic_light})
    if c.level == INDICATOR:
        d.update({"previous_weight": c.previous_weight, "weight": c.weight})
    d["notes"] = list(c.notes)
    if below and (below != "indicators" or indicators):
        d[below] = [item_dict(k, lay, indicators) for k in c.children]
    return d


def comparison_dict(comp: Comparison, lay: dict) -> dict:
    """The JSON's ``comparison``: the two years, the file compared with, whether indicators were
    compared (and, when not, why), the counts by level and status, the areas compared."""
    note = _no_indicators_note(comp, lay)
    return {
        "year": comp.year,
        "previous_year": comp.previous_year,
        "previous_file": comp.source,
        "indicators_compared": comp.indicators,
        "sentence": comp.sentence,
        "note": note,
        "counts": {_PLURAL[level]: dict(by_status) for level, by_status in comp.counts.items()},
        "areas": [item_dict(a, lay, comp.indicators) for a in comp.areas],
    }


def _no_indicators_note(comp: Comparison, lay: dict) -> str | None:
    if comp.indicators:
        return None
    return lay[f"no_indicators_{comp.no_indicators}"].format(previous=comp.previous_year, source=comp.source,
                                                            year=year_text(comp.year))


def columns(comp: Comparison, lay: dict) -> list[dict]:
    """The sheet's columns with the two years in their labels (the weights only when indicators are compared)."""
    years = {"previous": comp.previous_year, "year": year_text(comp.year)}
    cols = [dict(col, label=col["label"].format(**years)) for col in lay["columns"]]
    if not comp.indicators:
        cols = [col for col in cols if col["key"] not in ("previous_weight", "weight")]
    return cols


def row_values(c: Compared, lay: dict) -> dict:
    """One row of the sheet, by column key."""
    gone = c.status == DROPPED
    return {
        "code": (c.previous_key if gone else c.key) if c.level != INDICATOR else None,
        "name": short_area_name(c.name) if c.level == AREA else c.name,
        "previous": _r2(c.previous), "current": _r2(c.current), "change": c.change,
        "traffic_light": c.traffic_light, "previous_weight": c.previous_weight, "weight": c.weight,
        "status": lay["status"][c.level][c.status], "note": "\n".join(c.notes),
    }


_LEVEL_LOOK = {AREA: {"bold": True}, OBJECTIVE: {"bold": True}, INDICATOR: {}}


def _formats(book, fmts: dict) -> dict:
    """The sheet's own formats beside the Relazione's shared ones (title, header, Barometro): an area row
    filled like the Relazione's score rows, an objective row bold, an indicator's name indented, what
    was dropped in grey italics; ``cell(level, dropped, num_format, indent)`` makes (and keeps) each."""
    style = load_style()
    f = dict(fmts)
    f["subtitle_wrap"] = book.add_format({"italic": True, "font_color": style["note_font"], "text_wrap": True,
                                          "valign": "top"})
    f["area_link"] = book.add_format({"font_color": "blue", "underline": 1, "valign": "top", "text_wrap": True,
                                      "bold": True, "bg_color": style["objective_fill"]})
    cache: dict = {}

    def cell(level: str, dropped: bool, num_format: str | None = None, indent: bool = False):
        key = (level, dropped, num_format, indent)
        if key not in cache:
            props = {"valign": "top", **_LEVEL_LOOK[level]}
            if level == AREA:
                props["bg_color"] = style["objective_fill"]
            if dropped:
                props.update(italic=True, font_color=style["note_font"])
            if num_format:
                props["num_format"] = num_format
            else:
                props.update(text_wrap=True, align="left")
            if indent:
                props["indent"] = 1
            cache[key] = book.add_format(props)
        return cache[key]

    f["cell"] = cell
    return f


def write_comparison_sheet(book, ws, comp: Comparison, lay: dict, fmts: dict, *, doc_title: str,
                           sheet_names: dict[str, str]) -> None:
    """The *Confronto* sheet: title, the console's sentence, the note when indicators are not compared,
    then one row per area (filled, a link to its sheet), per objective (bold) and per indicator."""
    fmts = _formats(book, fmts)
    cols = columns(comp, lay)
    years = {"previous": comp.previous_year, "year": year_text(comp.year)}
    ws.write_string(0, 0, lay["title"].format(**years), fmts["title"])
    lines = [lay["subtitle"], comp.sentence]
    note = _no_indicators_note(comp, lay)
    if note:
        lines.append(note)
    width = sum(col.get("width", 12) for col in cols)
    for i, line in enumerate(lines, 1):
        ws.merge_range(i, 0, i, len(cols) - 1, "", fmts["subtitle_wrap"])
        ws.write_string(i, 0, line, fmts["alert"] if line == note else fmts["subtitle_wrap"])
        fit_row(ws, i, [(line, width)])
    hr = len(lines) + 2
    for j, col in enumerate(cols):
        ws.set_column(j, j, col.get("width", 12))
        ws.write_string(hr, j, col["label"], fmts["header"])
    fit_row(ws, hr, ((col["label"], col.get("width", 12)) for col in cols))
    r = hr + 1
    for c in comp.walk():
        values = row_values(c, lay)
        dropped = c.status == DROPPED
        fit_row(ws, r, ((values[col["key"]], col.get("width", 12)) for col in cols))
        for j, col in enumerate(cols):
            key, v = col["key"], values[col["key"]]
            if key == "traffic_light" and v:
                fmt = fmts[v]
            else:
                fmt = fmts["cell"](c.level, dropped, col.get("format"), c.level == INDICATOR and key == "name")
            link = sheet_names.get(c.name) if c.level == AREA and key == "name" and c.status != DROPPED else None
            if link:
                ws.write_url(r, j, f"internal:'{link}'!A1", fmts["area_link"], v)
            else:
                write_value(ws, r, j, v, fmt)
        r += 1
    ws.freeze_panes(hr + 1, 0)
    set_page(ws, title=doc_title, landscape=lay.get("orientation") == "landscape", header_row=hr)
