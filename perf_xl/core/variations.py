"""The register of changes (a workbook's *Variazioni* sheet) against the approved plan, and what the
changes were worth.

A target, a weight or a polarity may change during the year, and an indicator or an objective be
added or removed, only with an approved variation (D.Lgs. 150/2009; the OIV checks it before
validating the Relazione). Two pure rules on plain data:

* :func:`resolve`: each difference from the plan (:mod:`perf_xl.core.plan`) and each neutralised
  indicator (peso 0) is matched with the register's entries. **An entry matches** when its objective
  code is the difference's (as a person reads it: case and spaces do not count), its «Campo» says the
  same kind of change (``[variations.fields]`` of settore.toml), and, for a change of an indicator,
  its «Indicatore» is the indicator's name as a person reads it or its «Cod. indicatore» (for an
  objective added or removed the indicator is not looked at). Old and new values are not compared:
  they are what the register says, shown to the OIV. A neutralisation is matched as a change of its
  peso. An approved entry (act and date filled) is preferred to a requested one.
* :func:`annex`: the consolidated objectives and areas touched by the entries, scored again with the
  entries' old values restored, with the same rules as the consolidation
  (:func:`~perf_xl.core.consolidation.build_objectives`, :func:`~perf_xl.core.consolidation.area_result`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import AreaInfo, AreaResult, IndicatorRow, Variation, VariationAnnex, WithWithout
from ..numbers import parse_italian_number
from ..settings import Settings
from ..wording import as_read
from .. import scoring
from .consolidation import area_result, build_objectives
from .plan import Difference

OBJECTIVE_KINDS = frozenset({"objective-added", "objective-removed"})
NEUTRALISED = "neutralised"  # what :func:`resolve` calls a neutralisation that is not a difference


def difference_kind(d: Difference) -> str:
    """The kind of change a difference is, as the register names it (``target``, ``indicator-added``…)."""
    return d.field if d.kind == "changed" else d.kind


def matches(entry: Variation, code: str, indicator: str, kind: str, indicator_code: str = "") -> bool:
    """Whether ``entry`` registers this change (see the module's docstring)."""
    if entry.kind != kind or as_read(entry.objective_code) != as_read(code):
        return False
    if kind in OBJECTIVE_KINDS:
        return True
    said = as_read(entry.indicator)
    return bool(said) and said in {as_read(indicator), as_read(indicator_code)} - {""}


@dataclass(frozen=True)
class Resolved:
    """A difference from the plan (``difference``) or a neutralisation that is none (``row``, with
    ``difference`` None), and the register's entry that covers it (None when there is none)."""

    difference: Difference | None
    row: IndicatorRow | None
    entry: Variation | None

    @property
    def approved(self) -> bool:
        return self.entry is not None and self.entry.approved


@dataclass(frozen=True)
class Resolution:
    changes: tuple[Resolved, ...]  # every difference from the plan, in the plan's order
    neutralisations: tuple[Resolved, ...]  # indicators with peso 0 whose peso is no difference
    unused: tuple[Variation, ...]  # entries that match neither


def _pick(entries: Sequence[Variation], code: str, indicator: str, kind: str, indicator_code: str) -> Variation | None:
    found = [e for e in entries if matches(e, code, indicator, kind, indicator_code)]
    return next((e for e in found if e.approved), found[0] if found else None)


def resolve(differences: Iterable[Difference], rows: Iterable[IndicatorRow],
            entries: Sequence[Variation]) -> Resolution:
    """Each difference and each neutralisation of one workbook, with the entry of its register that
    covers it (see the module's docstring), and the entries that cover nothing."""
    rows = list(rows)
    codes = {(r.objective_code, as_read(r.indicator)): r.indicator_code for r in rows}
    used: set[int] = set()
    changes = []
    changed_weights = set()
    for d in differences:
        kind = difference_kind(d)
        if kind == "weight":
            changed_weights.add((d.code, as_read(d.indicator)))
        e = _pick(entries, d.code, d.indicator, kind, codes.get((d.code, as_read(d.indicator)), ""))
        if e is not None:
            used.add(id(e))
        changes.append(Resolved(d, None, e))
    neutralisations = []
    for r in rows:
        if not scoring.is_neutralised(r.weight) or (r.objective_code, as_read(r.indicator)) in changed_weights:
            continue
        e = _pick(entries, r.objective_code, r.indicator, "weight", r.indicator_code)
        if e is not None:
            used.add(id(e))
        neutralisations.append(Resolved(None, r, e))
    return Resolution(tuple(changes), tuple(neutralisations), tuple(e for e in entries if id(e) not in used))


# --- the annex: what the changes were worth ------------------------------------------------------------

NOT_UNDONE = {
    "no-detail": "la Relazione non elenca gli indicatori (consolidare con --detail)",
    "no-objective": "l'obiettivo non è tra quelli consolidati",
    "no-indicator": "l'indicatore non è tra quelli dell'obiettivo",
    "no-old": "manca il valore precedente",
    "old-not-number": "il valore precedente non è un numero",
    "removed": "ciò che è stato eliminato non è più nella cartella di lavoro e non si può ricalcolare",
    "unknown-kind": "il campo non è uno di quelli dell'elenco",
}


def _old_value(kind: str, old) -> tuple[object, str | None]:
    if old is None or old == "":
        return None, "no-old"
    if kind == "polarity":
        return str(old), None
    x = old if scoring.is_number(old) else parse_italian_number(str(old))
    return (x, None) if x is not None else (None, "old-not-number")


def _undo(rows: list[IndicatorRow], e: Variation) -> tuple[list[IndicatorRow], str | None]:
    """The objective's rows with the entry undone, or why it cannot be (a key of :data:`NOT_UNDONE`)."""
    if e.kind in ("indicator-removed", "objective-removed"):
        return rows, "removed"
    if e.kind == "objective-added":
        return [r for r in rows if as_read(r.objective_code) != as_read(e.objective_code)], None
    hit = [i for i, r in enumerate(rows)
           if matches(e, r.objective_code, r.indicator, e.kind, r.indicator_code)]
    if not e.kind:
        return rows, "unknown-kind"
    if not hit:
        return rows, "no-indicator"
    if e.kind == "indicator-added":
        return [r for i, r in enumerate(rows) if i not in hit], None
    value, why = _old_value(e.kind, e.old)
    if why:
        return rows, why
    rows = list(rows)
    for i in hit:
        rows[i] = dataclasses.replace(rows[i], **{e.kind: value})
    return rows, None


def annex(areas: Sequence[AreaResult], entries: Sequence[Variation], settings: Settings) -> VariationAnnex:
    """Every objective and area touched by ``entries``, scored as consolidated and with the entries
    undone (their old values restored, an added indicator or objective left out), by the
    consolidation's own rules; the entries that cannot be undone, with why (in Italian)."""
    by_code: dict[str, tuple[AreaResult, object]] = {}
    for a in areas:
        for o in a.objectives:
            by_code.setdefault(as_read(o.code), (a, o))
    undone: dict[str, list[IndicatorRow]] = {}  # objective (as read) -> its rows, entries undone
    counts: dict[str, int] = {}
    not_undone, by_entry = [], []
    for e in entries:
        key = as_read(e.objective_code)
        if key not in by_code:
            not_undone.append((e, NOT_UNDONE["no-objective"]))
            by_entry.append(None)
            continue
        a, o = by_code[key]
        if o.indicator_count and not o.indicators:
            not_undone.append((e, NOT_UNDONE["no-detail"]))
            by_entry.append(WithWithout(a.name, o.code, o.name, o.score, None, settore=o.settore, entries=1))
            continue
        alone, why = _undo([s.row for s in o.indicators], e)
        if why:
            not_undone.append((e, NOT_UNDONE[why]))
            by_entry.append(WithWithout(a.name, o.code, o.name, o.score, None, settore=o.settore, entries=1))
            continue
        again = {as_read(x.code): x for x in build_objectives(alone, settings)}.get(key)
        by_entry.append(WithWithout(a.name, o.code, o.name, o.score, None if again is None else again.score,
                                    settore=o.settore, entries=1))
        undone[key], _ = _undo(undone[key] if key in undone else [s.row for s in o.indicators], e)
        counts[key] = counts.get(key, 0) + 1
    rescored = {as_read(o.code): o for o in build_objectives((r for rows in undone.values() for r in rows), settings)}
    objectives, touched = [], {}
    for key in undone:
        a, o = by_code[key]
        without = rescored.get(key)
        objectives.append(WithWithout(a.name, o.code, o.name, o.score, None if without is None else without.score,
                                      settore=o.settore, entries=counts[key]))
        touched.setdefault(a.name, a)
    area_rows = []
    for name, a in touched.items():
        objs = [rescored.get(as_read(o.code)) if as_read(o.code) in undone else o for o in a.objectives]
        again = area_result(a.name, AreaInfo(a.number, a.name, None), [o for o in objs if o is not None], settings)
        area_rows.append(WithWithout(a.name, "", a.name, a.score, again.score,
                                     entries=sum(counts[k] for k in undone if by_code[k][0] is a)))
    return VariationAnnex(entries=tuple(entries), objectives=tuple(objectives), areas=tuple(area_rows),
                          not_undone=tuple(not_undone), by_entry=tuple(by_entry))
