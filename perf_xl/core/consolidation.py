"""Consolidation: indicator rows from every settore workbook -> area results.

Pure: takes rows and the area table, returns scored areas with, where a published
score is known and not reproduced, an explanation in Italian that names the
objectives and the source lines behind the difference (never forcing a match).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import sys
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ..model import AreaInfo, AreaResult, IndicatorRow, ObjectivePart, ObjectiveResult, ScoredIndicator, SettoreSummary
from ..numbers import format_italian
from ..settings import Settings
from ..wording import as_read, natural_key, count, number, percent, quoted, shorten, with_article
from .. import scoring


@functools.lru_cache(maxsize=4096)
def area_key(name: str) -> str:
    """An area name as a person reads it, for matching: ``LINEA STRATEGICA SULL’AMBIENTE``,
    ``linea strategica sull'ambiente`` and ``LINEA  STRATEGICA\u00a0SULL'AMBIENTE`` are one area.

    Case, typographic apostrophes (as Word and Outlook write them) and extra or non-breaking
    spaces do not count. The one normalisation of area names: rows to the Aree tables, Aree
    tables across workbooks, objectives to their areas all match by it.
    """
    return as_read(name)


def _achievement(row: IndicatorRow, settings: Settings) -> float | None:
    """A row's % Ragg; a row validation reports as not usable (an unknown polarity) has none and
    does not count (its settore workbook shows «errore» on it and on its objective)."""
    try:
        return scoring.achievement(row.target, row.actual, row.polarity, settings)
    except scoring.InvalidInput:
        return None


def _scored(row: IndicatorRow, pct: float | None, settings: Settings) -> ScoredIndicator:
    try:
        dev = scoring.deviation(row.target, row.actual, row.polarity)
    except scoring.InvalidInput:
        dev = None
    return ScoredIndicator(row=row, achievement=pct, deviation=dev,
                           traffic_light=scoring.indicator_light(pct, row.weight, settings))


def _ref(row: IndicatorRow, file_name: str) -> str:
    return row.source_ref or f"{file_name} r. {row.row}"


NAME_WIDTH = 80  # an indicator's name kept for an explanation: whole, or shortened at a word with "…"
WEAK_KEPT = 1  # without detail, the first indicator below 100 that an explanation may name


def _extra(rows) -> dict | None:
    if rows[0].extra is None:
        return None
    out: dict[str, list] = {}
    for r in rows:
        for k, v in (r.extra or {}).items():
            out.setdefault(k, []).append(v)
    return out


def objective_parts(rows: Iterable[IndicatorRow], settings: Settings, detail: bool = True) -> list[ObjectivePart]:
    """One workbook's rows -> its objectives' parts, in order of first appearance.

    Without ``detail`` only the % Ragg of each row is computed (the scored rows are not
    kept, so their scostamento and barometro are not needed): the hot path of a large run.
    """
    groups: dict[tuple[str, str], list[tuple[IndicatorRow, float | None]]] = {}
    for row in rows:
        pct = _achievement(row, settings)
        groups.setdefault((row.area, row.objective_code), []).append((row, pct))
    parts = []
    names: dict[str, str] = {}
    for (area, code), items in groups.items():
        first = items[0][0]
        fname = names.get(first.file) or names.setdefault(first.file, Path(first.file).name)
        num, den = scoring.objective_sums((r.weight, pct) for r, pct in items)
        if detail:
            refs = tuple(_ref(r, fname) for r, _ in items)
        elif all(r.source_ref for r, _ in items):  # thousands of workbooks: one string, still every line
            refs = (", ".join(r.source_ref for r, _ in items),)
        else:
            refs = (f"{fname} r. {', '.join(str(r.row) for r, _ in items)}",)
        weak, mismatches = [], []
        for r, pct in items:
            if pct is not None and pct < 100 and (r.weight or 0) > 0 and (detail or len(weak) < WEAK_KEPT):
                weak.append((_ref(r, fname), shorten(r.indicator, NAME_WIDTH), pct))
            pub = r.published_achievement
            if pub is not None and pct is not None and abs(round(pct) - pub) >= 1:
                mismatches.append((_ref(r, fname), shorten(r.indicator, NAME_WIDTH), pub, pct))
        # area, settore and responsabile repeat on every objective: one string each, not one per part
        part = ObjectivePart(area=sys.intern(area), code=code, order=natural_key(code), name=first.objective,
                             responsabile=sys.intern(first.responsabile), settore=sys.intern(first.settore),
                             num=num, den=den, count=len(items), weight_sum=sum(r.weight or 0 for r, _ in items),
                             neutralised=sum(1 for r, _ in items if scoring.is_neutralised(r.weight)),
                             refs=refs, weak=tuple(weak), mismatches=tuple(mismatches),
                             extra=_extra([r for r, _ in items]),
                             indicators=[_scored(r, pct, settings) for r, pct in items] if detail else None)
        parts.append(part)
    return parts


def objective_result(p: ObjectivePart, settings: Settings) -> ObjectiveResult:
    """A finished objective from its merged parts (the one place that scores an objective)."""
    score = scoring.score_from_sums(p.num, p.den)
    return ObjectiveResult(
        code=p.code, name=p.name, area=p.area, responsabile=p.responsabile, settore=p.settore,
        indicators=tuple(p.indicators or ()), score=score,
        traffic_light=scoring.objective_light(score, p.count, p.neutralised, settings),
        indicator_count=p.count, weight_sum=p.weight_sum, neutralised=p.neutralised, refs=p.refs, weak=p.weak, mismatches=p.mismatches,
        extra=p.extra)


def scorer(settings: Settings) -> Callable[[ObjectivePart], ObjectiveResult]:
    """How a merged part becomes a scored objective, with the comune's settings."""
    return functools.partial(objective_result, settings=settings)


def merged_objectives(chunks: Iterable[Iterable[ObjectivePart]]) -> list[ObjectivePart]:
    """One area's parts, as the workbooks gave them (in file order), merged into one part per
    objective code, in code order. The stored parts are never changed: a merge works on a copy,
    so the same chunks can be merged again (an area's objectives are read more than once)."""
    merged: dict[str, ObjectivePart] = {}
    copied: set[str] = set()
    for chunk in chunks:
        for p in chunk:
            first = merged.get(p.code)
            if first is None:
                merged[p.code] = p
                continue
            if p.code not in copied:
                first = merged[p.code] = dataclasses.replace(first)
                copied.add(p.code)
            first.merge(p)
    return sorted(merged.values(), key=lambda p: p.order)


class Objectives(Sequence):
    """An area's scored objectives, merged from its parts when first read.

    ``chunks`` gives the area's parts as stored (a run keeps them in memory, or for thousands of
    workbooks in a temporary file: :class:`perf_xl.io.part_store.PartStore`). The first read merges
    and scores them and hands the objectives to ``keep``; later reads (the area's score, then each
    output) take them from ``kept``, wherever the store holds them, so a run's memory does not grow
    with the number of workbooks and no objective is scored twice. Without a store the parts are
    merged again at each read, which gives the same objectives.
    """

    def __init__(self, chunks: Callable[[], Iterable[Iterable[ObjectivePart]]],
                 score: Callable[[ObjectivePart], ObjectiveResult],
                 keep: Callable[[list[ObjectiveResult]], None] | None = None,
                 kept: Callable[[], list[ObjectiveResult] | None] | None = None):
        self._chunks, self._score = chunks, score
        self._keep, self._kept = keep, kept
        self._len: int | None = None

    def __iter__(self) -> Iterator[ObjectiveResult]:
        objectives = self._kept() if self._kept is not None else None
        if objectives is None:
            objectives = list(map(self._score, merged_objectives(self._chunks())))
            if self._keep is not None:
                self._keep(objectives)
        self._len = len(objectives)
        return iter(objectives)

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for _ in self)
        return self._len

    def __getitem__(self, i):
        return list(self)[i]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Objectives({len(self)})"


def _by_area(rows: Iterable[IndicatorRow], settings: Settings, detail: bool) -> dict[str, tuple[ObjectiveResult, ...]]:
    """Rows -> each area's scored objectives; rows are taken workbook by workbook, as a run does,
    and areas matched as a person reads them (the first spelling met is kept)."""
    by_file: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        by_file.setdefault(row.file, []).append(row)
    chunks: dict[str, list[list[ObjectivePart]]] = {}
    spelled: dict[str, str] = {}
    for file_rows in by_file.values():
        for p in objective_parts(file_rows, settings, detail):
            p.area = spelled.setdefault(area_key(p.area), p.area)
            chunks.setdefault(p.area, []).append([p])
    score = scorer(settings)
    return {area: tuple(map(score, merged_objectives(c))) for area, c in chunks.items()}


def build_objectives(rows: Iterable[IndicatorRow], settings: Settings, detail: bool = True) -> list[ObjectiveResult]:
    """Rows -> scored objectives, area by area in code order."""
    return [o for objs in _by_area(rows, settings, detail).values() for o in objs]


def consolidate(rows: Iterable[IndicatorRow], areas: Iterable[AreaInfo], settings: Settings) -> list[AreaResult]:
    """Score every objective and area; areas in their published order."""
    return areas_from_objectives(_by_area(rows, settings, True), areas, settings)


def areas_from_objectives(by_area: Mapping[str, Sequence[ObjectiveResult]], areas: Iterable[AreaInfo],
                          settings: Settings) -> list[AreaResult]:
    """Areas from their objectives (a sequence that may be read from disk: iterated once here)."""
    return [area_result(name, info, by_area[name], settings) for name, info in area_order(by_area, areas)]


def area_order(names: Iterable[str], areas: Iterable[AreaInfo]) -> list[tuple[str, AreaInfo]]:
    """(name, numbering) of each area in the published order; an area that no Aree sheet lists comes last.

    Areas are matched as a person reads them (:func:`area_key`); ``name`` stays the key of ``names``
    (the objectives' spelling), the numbering and the name shown are the Aree sheet's."""
    known: dict[str, AreaInfo] = {}
    for a in areas:
        known.setdefault(area_key(a.name), a)
    next_number = max((a.number for a in known.values()), default=0) + 1

    def info(n: str) -> AreaInfo:
        return known.get(area_key(n)) or AreaInfo(next_number, n, None)

    return [(name, info(name)) for name in sorted(names, key=lambda n: (info(n).number, n))]


def area_result(name: str, info: AreaInfo, objs: Sequence[ObjectiveResult], settings: Settings) -> AreaResult:
    """One area from its objectives: its score, its settori's shares and, when it does not reproduce the
    published score, the explanation (areas are independent: a large run computes them in parallel)."""
    scores, indicators, neutralised = [], 0, 0
    settori: dict[str, list] = {}  # settore -> [responsabile, objectives, indicators, scores]
    for o in objs:  # one pass: the objectives may be read back from disk
        scores.append(o.score)
        indicators += o.indicator_count
        neutralised += o.neutralised
        acc = settori.setdefault(o.settore, [o.responsabile, 0, 0, []])
        acc[1] += 1
        acc[2] += o.indicator_count
        acc[3].append(o.score)
    score = scoring.area_score(scores)
    summaries = []
    for settore, (resp, n_obj, n_ind, s_scores) in settori.items():
        s_score = scoring.area_score(s_scores)  # a settore's share: the same plain mean as the area's
        summaries.append(SettoreSummary(settore, resp, n_obj, n_ind, s_score,
                                        scoring.traffic_light(s_score, settings)))
    result = AreaResult(number=info.number, name=info.name, objectives=objs, score=score,
                        traffic_light=scoring.traffic_light(score, settings), published=info.published,
                        indicator_count=indicators, neutralised=neutralised, settori=tuple(summaries))
    if result.reproduces is False:
        result = dataclasses.replace(result, explanation=tuple(explain_difference(result)))
    return result


def _pct(x: float | None) -> str:
    return "—" if x is None else percent(x)


def _lines(o: ObjectiveResult) -> str:
    """Every source line of an objective: ``righe 92–94``, ``righe 226, 228``, ``riga 5``; references
    to workbooks (``file.xlsx r. 7``) as they are."""
    refs = list(o.refs)
    nums = [int(r[5:]) for r in refs if r.startswith("riga ") and r[5:].isdigit()]
    if len(nums) != len(refs) or not nums:
        return ", ".join(refs)
    nums = sorted(nums)
    if len(nums) == 1:
        return f"riga {nums[0]}"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"righe {nums[0]}–{nums[-1]}"
    return "righe " + ", ".join(map(str, nums))


def _mean_of(n: int) -> str:
    """``la media degli 8 obiettivi``, ``la media dei 9 obiettivi``, ``la media degli 11 obiettivi``."""
    return "la media " + with_article("di", count(n, "obiettivo", "obiettivi"), plural=True)


EXCLUSION_SEARCH_LIMIT = 40  # objectives in an area up to which single and pair exclusions are tried


def explain_difference(area: AreaResult) -> list[str]:
    """Why an area's computed score differs from the published one, objective by objective: every
    objective below the published score, every line involved (names whole or shortened at a word)."""
    objs = [o for o in area.objectives if o.score is not None]
    n = len(objs)
    total = sum(o.score for o in objs)
    needed = area.published * n
    head = (f"Calcolato {_pct(area.score)} contro {_pct(area.published)} pubblicato "
            f"(differenza {format_italian(area.difference, 2)} punti): ")
    if n == 1:
        msgs = [head + f"l'area ha un solo obiettivo, che ha punteggio {format_italian(total, 2)} "
                       f"invece di {format_italian(needed, 2)}."]
    else:
        msgs = [head + f"{_mean_of(n)} darebbe il valore pubblicato solo con una somma dei punteggi di "
                       f"{format_italian(needed, 2)} invece di {format_italian(total, 2)}."]
    below = [o for o in objs if o.score < area.published - 0.005]
    for o in below:
        detail = "; ".join(f"{ref}: {quoted(name)} % Ragg {format_italian(pct, 2)}" for ref, name, pct in o.weak)
        msgs.append(f"Obiettivo {o.code} {quoted(o.name)} ({o.settore}) {with_article('a', _pct(o.score))} "
                    "sotto il pubblicato" + (f" — {detail}." if detail else "."))
    for o in objs:
        if not scoring.weights_sum_to_100(o.weight_sum):
            msgs.append(f"Obiettivo {o.code} {quoted(o.name)}: i pesi sommano a {number(o.weight_sum)} invece di 100 "
                        f"({_lines(o)}).")
        for ref, name, pub, pct in o.mismatches:
            msgs.append(f"{ref}: % Ragg pubblicata {number(pub)} ma le regole danno {format_italian(pct, 2)} "
                        f"({quoted(name)}).")
    for k in (1, 2) if n <= EXCLUSION_SEARCH_LIMIT else ():
        for combo in itertools.combinations(range(n), k):
            rest = [o.score for j, o in enumerate(objs) if j not in combo]
            if rest and round(sum(rest) / len(rest), 2) == round(area.published, 2):
                names = " e ".join(f"{objs[j].code} ({_lines(objs[j])})" for j in combo)
                msgs.append(f"Il valore pubblicato si ottiene escludendo dalla media {names}: forse "
                            f"{'appartiene' if k == 1 else 'appartengono'} a un'altra area (intestazione persa?).")
        if len(msgs) > 1 and any("escludendo" in m for m in msgs):
            break
    return msgs
