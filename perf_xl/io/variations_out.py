"""The register of changes' annex (:func:`perf_xl.core.variations.annex`) laid out: the JSON's
``variations`` section and the Relazione's *Allegato variazioni* sheet. Labels, widths and formats come
from ``[variazioni]`` of ``summary.toml``. Written only when some workbook registers a change.
"""

from __future__ import annotations

from pathlib import Path

from ..schema import load_style
from ..model import Variation, VariationAnnex, WithWithout, year_text
from .cells import write_value
from .printing import fit_row, set_page


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def entry_values(e: Variation, lay: dict, worth: WithWithout | None = None) -> dict:
    """One entry of the register, by column key (the sheet and the JSON show the same); with ``worth``
    its objective's score without this change alone, and the difference it makes."""
    return {"file": Path(e.file).name, "row": e.row, "objective_code": e.objective_code, "indicator": e.indicator,
            "field": e.field, "kind": e.kind, "old": e.old, "new": e.new, "reason": e.reason,
            "description": e.description, "requested_by": e.requested_by, "approved_with": e.approved_with,
            "approved_on": e.approved_on, "opinion": e.opinion, "approved": e.approved,
            "state": lay["approved"] if e.approved else lay["requested"],
            "objective_without": None if worth is None else _r2(worth.without),
            "worth": None if worth is None else worth.difference}


def score_values(s: WithWithout) -> dict:
    return {"area": s.area, "code": s.code, "name": s.name, "settore": s.settore, "entries": s.entries,
            "with_changes": _r2(s.with_changes), "without": _r2(s.without), "difference": s.difference}


def _worth(annex: VariationAnnex) -> tuple:
    return annex.by_entry or (None,) * len(annex.entries)


def annex_dict(annex: VariationAnnex, lay: dict) -> dict:
    """The JSON's ``variations``: every entry, each objective and area touched with its score with and
    without the changes, and the entries that could not be undone (with why)."""
    def scores(items):
        out = []
        for s in items:
            d = score_values(s)
            if not s.code:  # an area: its name is enough
                d.pop("code"), d.pop("settore"), d.pop("area")
            out.append(d)
        return out
    return {
        "entries": [entry_values(e, lay, w) for e, w in zip(annex.entries, _worth(annex))],
        "objectives": scores(annex.objectives),
        "areas": scores(annex.areas),
        "not_undone": [{"file": Path(e.file).name, "row": e.row, "objective_code": e.objective_code,
                        "field": e.field, "why": why} for e, why in annex.not_undone],
    }


def write_annex_sheet(book, ws, annex: VariationAnnex, lay: dict, fmts: dict, *, doc_title: str,
                      year: int | None) -> None:
    """The *Allegato variazioni* sheet: title and subtitle, then the entries, the areas and the
    objectives with their scores with and without the changes, and what could not be undone."""
    numbers: dict[str, object] = {}

    def num(fmt: str | None):
        if not fmt:
            return fmts["text"]
        if fmt not in numbers:
            numbers[fmt] = book.add_format({"valign": "top", "num_format": fmt})
        return numbers[fmt]

    grid = [c.get("width", 12) for c in lay["entry_columns"]]
    for j, w in enumerate(grid):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, lay["title"].format(year=year_text(year)), fmts["title"])
    wrap = book.add_format({"italic": True, "font_color": load_style()["note_font"], "text_wrap": True,
                            "valign": "top"})
    ws.merge_range(1, 0, 1, len(grid) - 1, "", wrap)
    ws.write_string(1, 0, lay["subtitle"], wrap)
    fit_row(ws, 1, [(lay["subtitle"], sum(grid))])
    r = 3

    def table(title: str, cols: list[dict], rows: list[dict]) -> None:
        """A table on the sheet's grid: each column over ``span`` of the grid's columns (merged)."""
        nonlocal r
        places, j = [], 0
        for c in cols:
            span = c.get("span", 1)
            places.append((c, j, j + span - 1, sum(grid[j:j + span])))
            j += span
        ws.write_string(r, 0, title, fmts["bold"])
        r += 1
        fit_row(ws, r, ((c["label"], width) for c, _, _, width in places))
        for c, first, last, _ in places:
            if last > first:
                ws.merge_range(r, first, r, last, c["label"], fmts["header"])
            else:
                ws.write_string(r, first, c["label"], fmts["header"])
        r += 1
        for values in rows:
            fit_row(ws, r, ((values.get(c["key"]), width) for c, _, _, width in places))
            for c, first, last, _ in places:
                fmt = num(c.get("format"))
                if last > first:
                    ws.merge_range(r, first, r, last, "", fmt)
                write_value(ws, r, first, values.get(c["key"]), fmt)
            r += 1
        r += 1

    table(lay["entries_title"], lay["entry_columns"],
          [entry_values(e, lay, w) for e, w in zip(annex.entries, _worth(annex))])
    table(lay["areas_title"], lay["area_columns"], [score_values(s) for s in annex.areas])
    table(lay["objectives_title"], lay["score_columns"], [score_values(s) for s in annex.objectives])
    if annex.not_undone:
        table(lay["not_undone_title"], lay["not_undone_columns"],
              [{**entry_values(e, lay), "why": why} for e, why in annex.not_undone])
    set_page(ws, title=doc_title, landscape=lay.get("orientation") == "landscape", header_row=None)
