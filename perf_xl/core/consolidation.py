"""Consolidation: indicator rows from every settore workbook -> area results.

Pure: takes rows and the area table, returns scored areas with, where a published
score is known and not reproduced, an explanation in Italian that names the
objectives and the source lines behind the difference (never forcing a match).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Iterable

from ..model import AreaInfo, AreaResult, IndicatorRow, ObjectiveResult, ScoredIndicator
from ..numbers import format_italian
from ..settings import Settings
from . import scoring


def score_row(row: IndicatorRow, settings: Settings) -> ScoredIndicator:
    pct = scoring.achievement(row.target, row.actual, row.polarity, settings)
    return ScoredIndicator(
        row=row,
        achievement=pct,
        deviation=scoring.deviation(row.target, row.actual, row.polarity),
        traffic_light=scoring.traffic_light(pct, settings),
    )


def _natural(code: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", code))


def build_objectives(rows: Iterable[IndicatorRow], settings: Settings) -> list[ObjectiveResult]:
    """Group rows by (area, objective code), in the order the codes sort naturally."""
    groups: dict[tuple[str, str], list[ScoredIndicator]] = {}
    for row in rows:
        groups.setdefault((row.area, row.objective_code), []).append(score_row(row, settings))
    out = []
    for (area, code), items in groups.items():
        first = items[0].row
        score = scoring.objective_score((i.row.weight, i.achievement) for i in items)
        out.append(ObjectiveResult(
            code=code, name=first.objective, area=area, responsabile=first.responsabile,
            settore=first.settore, indicators=tuple(items), score=score,
            traffic_light=scoring.traffic_light(score, settings)))
    out.sort(key=lambda o: _natural(o.code))
    return out


def consolidate(rows: Iterable[IndicatorRow], areas: Iterable[AreaInfo], settings: Settings) -> list[AreaResult]:
    """Score every objective and area; areas in their published order."""
    known = {a.name: a for a in areas}
    objectives = build_objectives(rows, settings)
    by_area: dict[str, list[ObjectiveResult]] = {}
    for o in objectives:
        by_area.setdefault(o.area, []).append(o)
    next_number = max((a.number for a in known.values()), default=0) + 1
    results = []
    for name in sorted(by_area, key=lambda n: (known[n].number if n in known else next_number, n)):
        objs = by_area[name]
        info = known.get(name, AreaInfo(next_number, name, None))
        score = scoring.area_score(o.score for o in objs)
        result = AreaResult(number=info.number, name=name, objectives=tuple(objs), score=score,
                            traffic_light=scoring.traffic_light(score, settings), published=info.published)
        if result.reproduces is False:
            result = dataclasses.replace(result, explanation=tuple(explain_difference(result)))
        results.append(result)
    return results


def _pct(x: float | None) -> str:
    return "—" if x is None else format_italian(x, 2)


def _lines(o: ObjectiveResult) -> str:
    refs = [i.row.source_ref or f"{i.row.file} r. {i.row.row}" for i in o.indicators]
    return ", ".join(refs)


def explain_difference(area: AreaResult) -> list[str]:
    """Why an area's computed score differs from the published one, objective by objective."""
    objs = [o for o in area.objectives if o.score is not None]
    n = len(objs)
    total = sum(o.score for o in objs)
    needed = area.published * n
    msgs = [
        f"Calcolato {_pct(area.score)}% contro {_pct(area.published)}% pubblicato "
        f"(differenza {_pct(area.difference)} punti): la media dei {n} obiettivi darebbe il valore pubblicato "
        f"solo con una somma dei punteggi di {_pct(needed)} invece di {_pct(total)}."
    ]
    below = [o for o in objs if o.score < area.published - 0.005]
    for o in below:
        weak = [i for i in o.indicators if i.achievement is not None and i.achievement < 100 and (i.row.weight or 0) > 0]
        detail = "; ".join(
            f"{i.row.source_ref or 'riga ' + str(i.row.row)}: «{i.row.indicator[:60]}» % Ragg {_pct(i.achievement)}"
            for i in weak)
        msgs.append(f"Obiettivo {o.code} «{o.name[:80]}» ({o.settore}) al {_pct(o.score)}% sotto il pubblicato"
                    + (f" — {detail}." if detail else "."))
    for o in objs:
        if abs(o.weight_sum - 100) > 0.005:
            msgs.append(f"Obiettivo {o.code} «{o.name[:80]}»: i pesi sommano a {o.weight_sum:g} invece di 100 "
                        f"({_lines(o)}).")
        for i in o.indicators:
            pub = i.row.published_achievement
            if pub is not None and i.achievement is not None and abs(round(i.achievement) - pub) >= 1:
                msgs.append(f"{i.row.source_ref or 'riga ' + str(i.row.row)}: % Ragg pubblicata {pub:g} ma le regole "
                            f"danno {_pct(i.achievement)} («{i.row.indicator[:60]}»).")
    for k in (1, 2):
        for combo in itertools.combinations(objs, k):
            rest = [o.score for o in objs if o not in combo]
            if rest and round(sum(rest) / len(rest), 2) == round(area.published, 2):
                names = " e ".join(f"{o.code} ({_lines(o)})" for o in combo)
                msgs.append(f"Il valore pubblicato si ottiene escludendo dalla media {names}: forse "
                            f"{'appartiene' if k == 1 else 'appartengono'} a un'altra area (intestazione persa?).")
        if len(msgs) > 1 and any("escludendo" in m for m in msgs):
            break
    return msgs
