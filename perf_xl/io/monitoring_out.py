"""The monitoring report's own parts (``consolidate --periodo``): the Sintesi's columns of the
projection and of the corrective actions, the *Proiezione* sheet (each objective at the checkpoint and
projected to the year end), the *Azioni correttive* sheet, and the JSON's ``monitoring`` section.

Layout from ``[monitoraggio]`` of ``schemas/summary.toml``; the Relazione's own sheets (Sintesi, areas,
notes) are :mod:`perf_xl.io.summary`'s, which calls this module.
"""

from __future__ import annotations

from pathlib import Path

from ..model import AreaResult, CorrectiveAction, Monitoring, RunResult
from ..wording import number, short_area_name
from .cells import write_value
from .printing import fit_row, set_page


def _labels(columns: list[dict], data: str) -> list[dict]:
    return [{**c, "label": c["label"].format(data=data)} for c in columns]


def title(m: Monitoring, lay: dict) -> str:
    return lay["title"].format(data=m.label)


def sintesi_layout(sintesi: dict, lay: dict, m: Monitoring) -> dict:
    """The Sintesi's layout in a monitoring report: the columns of ``sintesi_keys``, then the projection's
    and the corrective actions'; its chart shows the projection beside the score at the date."""
    keys = lay["sintesi_keys"]
    cols = [c for c in sintesi["columns"] if c["key"] in keys] + _labels(lay["sintesi_columns"], m.label)
    return {**sintesi, "columns": cols, "full_title": title(m, lay), "subtitle": lay["subtitle"].format(data=m.label),
            "chart_second": "projected_score", "chart_published": lay["chart_projected"],
            "chart_computed": lay["chart_at"].format(data=m.label)}


def _by_name(areas) -> dict[str, AreaResult]:
    return {a.name: a for a in areas}


def _by_code(a: AreaResult | None) -> dict:
    return {} if a is None else {o.code: o for o in a.objectives}


def sintesi_values(c: RunResult, m: Monitoring) -> dict[str, dict]:
    """Each area's values of the monitoring columns of the Sintesi, by area name."""
    projected = _by_name(m.projected)
    out = {}
    for a in c.areas:
        p = projected.get(a.name)
        mine = [x for x in c.actions if x.area == a.name]
        out[a.name] = {"projected_score": None if p is None or p.score is None else round(p.score, 2),
                       "projected_light": None if p is None else p.traffic_light,
                       "actions": len(mine), "missing_actions": sum(1 for x in mine if not x.actions)}
    return out


def area_projected_line(a: AreaResult, m: Monitoring, lay: dict) -> str:
    p = _by_name(m.projected).get(a.name)
    score = "—" if p is None or p.score is None else f"{number(p.score, 2)}%"
    return lay["area_projected"].format(score=score)


def _objective_rows(c: RunResult, m: Monitoring):
    projected = _by_name(m.projected)
    for a in c.areas:
        pa = _by_code(projected.get(a.name))
        for o in a.objectives:
            p = pa.get(o.code)
            yield {"area": short_area_name(a.name), "code": o.code, "objective": o.name, "settore": o.settore,
                   "score": None if o.score is None else round(o.score, 2), "traffic_light": o.traffic_light,
                   "projected_score": None if p is None or p.score is None else round(p.score, 2),
                   "projected_light": None if p is None else p.traffic_light}


def write_projection_sheet(book, ws, c: RunResult, m: Monitoring, lay: dict, fmts: dict, doc_title: str) -> None:
    cols = _labels(lay["projection_columns"], m.label)
    ws.write_string(0, 0, f"{title(m, lay)} — {lay['projection_sheet']}", fmts["title"])
    note = lay["projection_note"].format(data=m.label, elapsed=f"{number(m.elapsed * 100, 1)}%",
                                         projection=m.projection)
    ws.merge_range(1, 0, 1, len(cols) - 1, "", fmts["text"])
    ws.write_string(1, 0, note, fmts["text"])
    fit_row(ws, 1, [(note, sum(col.get("width", 12) for col in cols))])
    _table(book, ws, 3, cols, list(_objective_rows(c, m)), fmts, lights=("traffic_light", "projected_light"))
    set_page(ws, title=doc_title, landscape=True, header_row=3)


def _action_values(x: CorrectiveAction, lay: dict) -> dict:
    return {"file": Path(x.file).name, "settore": x.settore, "objective_code": x.objective_code,
            "indicator": x.indicator, "target": x.target, "actual": x.actual, "achievement": x.achievement,
            "traffic_light": x.traffic_light,
            "actions": x.actions or lay["actions_missing"].format(cell=f"{x.sheet}!{x.cell}")}


def write_actions_sheet(book, ws, c: RunResult, m: Monitoring, lay: dict, fmts: dict, doc_title: str) -> None:
    cols = _labels(lay["actions_columns"], m.label)
    ws.write_string(0, 0, f"{title(m, lay)} — {lay['actions_sheet']}", fmts["title"])
    ws.write_string(1, 0, (lay["actions_note"] if c.actions else lay["actions_none"]).format(data=m.label),
                    fmts["subtitle"])
    rows = [_action_values(x, lay) for x in c.actions]
    missing = {i for i, x in enumerate(c.actions) if not x.actions}
    _table(book, ws, 3, cols, rows, fmts, lights=("traffic_light",), alert=("actions", missing))
    set_page(ws, title=doc_title, landscape=True, header_row=3)


def _table(book, ws, hr: int, cols: list[dict], rows: list[dict], fmts: dict, lights=(), alert=None) -> None:
    fit_row(ws, hr, ((col["label"], col.get("width", 12)) for col in cols))
    for j, col in enumerate(cols):
        ws.set_column(j, j, col.get("width", 12))
        ws.write_string(hr, j, col["label"], fmts["header"])
    for i, values in enumerate(rows):
        r = hr + 1 + i
        fit_row(ws, r, ((values.get(col["key"]), col.get("width", 12)) for col in cols))
        for j, col in enumerate(cols):
            v = values.get(col["key"])
            if col["key"] in lights and v in fmts:
                fmt = fmts[v]
            elif alert and col["key"] == alert[0] and i in alert[1]:
                fmt = fmts["alert"]
            elif col.get("format"):
                fmt = _number_format(book, fmts, col["format"])
            else:
                fmt = fmts["text"]
            write_value(ws, r, j, v, fmt)
    ws.freeze_panes(hr + 1, 0)


def _number_format(book, fmts: dict, num_format: str):
    key = ("monitoring", num_format)
    if key not in fmts["_cache"]:
        fmts["_cache"][key] = book.add_format({"valign": "top", "num_format": num_format})
    return fmts["_cache"][key]


def monitoring_dict(c: RunResult, m: Monitoring) -> dict:
    """The JSON's ``monitoring`` section: the checkpoint, the projection, each area and objective at the
    date and projected, and every rosso or giallo indicator with its corrective actions."""
    projected = _by_name(m.projected)
    areas = []
    for a in c.areas:
        p = projected.get(a.name)
        pa = _by_code(p)
        areas.append({
            "name": a.name, "score": None if a.score is None else round(a.score, 2), "traffic_light": a.traffic_light,
            "projected_score": None if p is None or p.score is None else round(p.score, 2),
            "projected_traffic_light": None if p is None else p.traffic_light,
            "objectives": [{"code": o.code, "name": o.name, "score": o.score, "traffic_light": o.traffic_light,
                            "projected_score": None if o.code not in pa else pa[o.code].score,
                            "projected_traffic_light": None if o.code not in pa else pa[o.code].traffic_light}
                           for o in a.objectives]})
    return {
        "date": m.date.isoformat(), "label": m.label, "projection": m.projection, "elapsed": round(m.elapsed, 6),
        "areas": areas,
        "corrective_actions": [{"file": Path(x.file).name, "sheet": x.sheet, "cell": x.cell, "settore": x.settore,
                                "area": x.area, "objective_code": x.objective_code, "indicator": x.indicator,
                                "indicator_code": x.indicator_code, "target": x.target, "actual": x.actual,
                                "achievement": x.achievement, "traffic_light": x.traffic_light,
                                "actions": x.actions or None} for x in c.actions],
        "missing_actions": sum(1 for x in c.actions if not x.actions),
    }
