"""The approved plan (the Piano degli Obiettivi as adopted) and what differs from it now.

A comune adopts its plan by 31 January; during the year a target, a weight or a polarity may change
only with an approved variation (D.Lgs. 150/2009; the OIV checks it before validating the
Relazione). ``perf-xl approva`` records the plan from the workbooks; later, every target, weight or
polarity that differs from it, and every indicator or objective added or removed, is a finding.
Pure rules on plain data: indicators are matched by objective code and by name as a person reads it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import IndicatorRow, ReadResult
from ..scoring import normal_polarity
from ..wording import as_read

FIELDS = ("target", "weight", "polarity")  # what an approved variation must cover


def plan_entry(info: dict, rows: Iterable[IndicatorRow]) -> dict:
    """One workbook's part of the plan: its Settore and year, each objective with its indicators'
    target, weight and polarity (as typed: a number typed as text is kept as text)."""
    objectives: dict[str, dict] = {}
    for r in rows:
        o = objectives.setdefault(r.objective_code, {"name": r.objective, "area": r.area, "indicators": []})
        o["indicators"].append({"indicator": r.indicator, "target": r.target, "weight": r.weight,
                                "polarity": r.polarity})
    return {"settore": info.get("settore", ""), "year": info.get("year"), "objectives": objectives}


def plan_part(read: ReadResult) -> dict | None:
    """What the check against the plan needs of one workbook, as plain data that a cache can keep (the
    nightly checks an unchanged workbook without reading it again): its :func:`plan_entry`, the column
    of each field and (objective code, indicator, row) of each indicator row. None when its indicators
    were not read."""
    if read.workbook is None or not read.columns:
        return None
    return {"entry": plan_entry(read.workbook.info, read.workbook.rows), "columns": dict(read.columns),
            "rows": [[r.objective_code, r.indicator, r.row] for r in read.workbook.rows]}


def workbook_key(entry: dict) -> tuple[str, str]:
    """A workbook of the plan: its Settore as read and its year."""
    return as_read(entry.get("settore") or ""), str(entry.get("year") or "")


@dataclass(frozen=True)
class Difference:
    """What differs from the approved plan: ``kind`` is ``changed`` (``field`` from ``old`` to ``new``),
    ``indicator-added``, ``indicator-removed``, ``objective-added`` or ``objective-removed``."""

    kind: str
    code: str
    indicator: str = ""
    field: str = ""
    old: object = None
    new: object = None


def _same(field: str, a, b) -> bool:
    if field == "polarity":
        return normal_polarity(a) == normal_polarity(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def plan_differences(approved: dict, current: dict) -> list[Difference]:
    """Every difference of ``current`` (:func:`plan_entry`) from ``approved``, in the approved order."""
    out: list[Difference] = []
    now = current.get("objectives", {})
    for code, o in approved.get("objectives", {}).items():
        if code not in now:
            out.append(Difference("objective-removed", code))
            continue
        current_indicators = {as_read(i["indicator"]): i for i in now[code]["indicators"]}
        approved_names = set()
        for ind in o["indicators"]:
            key = as_read(ind["indicator"])
            approved_names.add(key)
            cur = current_indicators.get(key)
            if cur is None:
                out.append(Difference("indicator-removed", code, ind["indicator"]))
                continue
            for f in FIELDS:
                if not _same(f, ind.get(f), cur.get(f)):
                    out.append(Difference("changed", code, ind["indicator"], f, ind.get(f), cur.get(f)))
        for key, cur in current_indicators.items():
            if key not in approved_names:
                out.append(Difference("indicator-added", code, cur["indicator"]))
    for code in now:
        if code not in approved.get("objectives", {}):
            out.append(Difference("objective-added", code))
    return out
