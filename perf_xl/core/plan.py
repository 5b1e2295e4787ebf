"""The approved plan (the Piano degli Obiettivi as adopted) and what differs from it now.

A comune adopts its plan by 31 January; during the year a target, a weight or a polarity may change
only with an approved variation (D.Lgs. 150/2009; the OIV checks it before validating the
Relazione). ``perf-xl approva`` records the plan from the workbooks; later, every target, weight or
polarity that differs from it, and every indicator or objective added or removed, is a finding.
Pure rules on plain data: indicators are matched by objective code and by name as a person reads it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import IndicatorRow, ReadResult, Variation
from ..scoring import is_number, normal_polarity
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
    register = read.workbook.variations
    return {"entry": plan_entry(read.workbook.info, read.workbook.rows), "columns": dict(read.columns),
            "rows": [[r.objective_code, r.indicator, r.row, r.weight if is_number(r.weight) else None,
                      r.indicator_code] for r in read.workbook.rows],
            # its register of changes (the Variazioni sheet; None: a workbook of a layout without one)
            "register": None if register is None else [_plain(dataclasses.asdict(e)) for e in register]}


def _plain(entry: dict) -> dict:
    """An entry of the register as JSON can keep it (a value typed as a date is kept as its text)."""
    return {k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v) for k, v in entry.items()}


def part_rows(part: dict) -> list[IndicatorRow]:
    """The rows of a :func:`plan_part` as far as the rules of the register need them (objective, indicator,
    its code, its weight, where it is)."""
    return [IndicatorRow(area="", objective_code=code, objective="", responsabile="", settore="", indicator=name,
                         polarity="", target=None, actual=None, weight=weight, indicator_code=icode or "", row=row)
            for code, name, row, weight, icode in part["rows"]]


def part_register(part: dict) -> list[Variation] | None:
    """The register of changes of a :func:`plan_part` (None: the workbook has no Variazioni sheet)."""
    register = part.get("register")
    return None if register is None else [Variation(**e) for e in register]


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
