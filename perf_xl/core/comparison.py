"""Years compared: this year's areas, objectives and indicators against a previous year's JSON.

Pure: this year's results (:class:`~perf_xl.model.AreaResult`) and the previous year's
``consolidate --json`` (already read and checked by :mod:`perf_xl.io.previous`, a plain dict) in,
a tree of :class:`Compared` out, with Italian notes. The outputs (the *Confronto* sheet, the JSON's
``comparison``) only lay it out.

How things are matched, level by level, inside what matched above (areas first, then each pair of
areas' objectives, then each pair of objectives' indicators):

- an **area** by its number and its name; then by its name as a person reads it (renumbered); then
  by its number (renamed);
- an **objective** by its code and its name; then by its name (the code changed, as when a comune
  numbers its objectives across areas and one is added before it); then by its code (renamed). A
  code and a name that each match a different objective: the name wins, since codes shift and
  names do not;
- an **indicator** by its name as a person reads it (indicators have no code).

Codes compare as a person reads them too: ``OB1``, ``ob01`` and ``OB 01`` are one code.
Whatever is left is *nuovo* (only this year) or *eliminato* (only the previous year).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..findings import finding
from ..model import (AREA, DOWN, DROPPED, INDICATOR, LEVELS, NEW, OBJECTIVE, SAME, STATUSES, UNSCORED, UP, AreaResult,
                     Compared, Comparison, Finding, indicator_rows, year_text)
from ..wording import as_read, count, natural_key, number, quoted, short_area_name, with_article


@dataclass(frozen=True)
class Node:
    """One year's area, objective or indicator, as the comparison needs it. ``children`` is None when
    that year does not list them (an indicator level an older JSON does not have)."""

    key: object  # an area's number, an objective's code, an indicator's id
    name: str
    score: float | None  # the area's or objective's score, the indicator's % Ragg
    traffic_light: str | None = None
    weight: float | None = None
    children: tuple["Node", ...] | None = None


# --- whether the two years may be compared at all -------------------------------------------------

def refusal(previous: dict, source: str, year: int | None, comune: str) -> str | None:
    """Why ``previous`` (a checked ``consolidate --json``) cannot be compared with this year's run of
    ``comune``, in Italian; None when it can. Another comune, the same year or a later one."""
    p_year, p_comune = previous.get("year"), previous.get("comune") or ""
    if comune and p_comune and as_read(comune) != as_read(p_comune):
        return (f"«{source}» è la Relazione del Comune di {p_comune}, non del Comune di {comune}: per il confronto "
                "indicare il file JSON di un anno precedente dello stesso comune. Non è stato scritto nulla.")
    if year is not None and p_year == year:
        return (f"«{source}» è la Relazione dello stesso anno ({year}), non di un anno precedente: per il confronto "
                f"indicare il file JSON scritto da perf-xl consolidate --json per un anno prima del {year}. "
                "Non è stato scritto nulla.")
    if year is not None and p_year > year:
        return (f"«{source}» è la Relazione {with_article('di', str(p_year))}, che viene dopo il {year} delle "
                "cartelle di lavoro: il confronto è con un anno precedente (per confrontare questi due anni, "
                f"consolidare le cartelle di lavoro del {p_year} con --confronta e il file JSON del {year}). "
                "Non è stato scritto nulla.")
    return None


def partial(previous: dict, source: str, not_used: Sequence[str]) -> list[Finding]:
    """Avvisi when either year's Relazione is incomplete (some workbook could not be used): its
    objectives then look dropped (this year) or new (the previous year) without being so."""
    out = []
    for variant, names, file in ((None, [Path(n).name for n in not_used], ""),
                                 ("precedente", [str(n) for n in previous.get("not_used") or ()], source)):
        if names:
            out.append(finding("confronto-parziale", variant=variant, file=file, previous=previous["year"],
                               workbooks=count(len(names), "cartella di lavoro non usata",
                                               "cartelle di lavoro non usate"),
                               names=", ".join(f"«{n}»" for n in names), value=len(names)))
    return out


# --- the two years as nodes -----------------------------------------------------------------------

def current_nodes(areas: Iterable[AreaResult], detail: bool) -> list[Node]:
    """This year's areas (read once each: a run's objectives may be merged from disk)."""
    out = []
    for a in areas:
        objs = []
        for o in a.objectives:
            inds = None
            if detail:
                inds = tuple(Node(i, name, pct, light, weight) for i, name, pct, light, weight in indicator_rows(o))
            objs.append(Node(o.code, o.name, o.score, o.traffic_light, children=inds))
        out.append(Node(a.number, a.name, a.score, a.traffic_light, children=tuple(objs)))
    return out


def previous_nodes(previous: dict) -> list[Node]:
    """The previous year's areas from its JSON (shape checked by the reader); an objective without
    ``indicators`` (an older JSON, or a run without the detail) has children None."""
    out = []
    for a in previous["areas"]:
        objs = []
        for o in a["objective_scores"]:
            inds = o.get("indicators")
            if inds is not None:
                inds = tuple(Node(i.get("id") or "", i["name"], i.get("achievement"), i.get("traffic_light"),
                                  i.get("weight")) for i in inds)
            objs.append(Node(o["code"], o["name"], o.get("score"), o.get("traffic_light"), children=inds))
        score = a.get("score_unrounded", a.get("score"))
        out.append(Node(a["number"], a["name"], score, a.get("traffic_light"), children=tuple(objs)))
    return out


# --- matching -------------------------------------------------------------------------------------

def _code(code) -> str:
    return natural_key(as_read(str(code)).replace(" ", ""))


def _name(n: Node) -> str:
    return as_read(n.name)


AREA_KEYS: tuple[Callable[[Node], object], ...] = (lambda n: (n.key, _name(n)), _name, lambda n: n.key)
OBJECTIVE_KEYS: tuple[Callable[[Node], object], ...] = (lambda n: (_code(n.key), _name(n)), _name,
                                                        lambda n: _code(n.key))
INDICATOR_KEYS: tuple[Callable[[Node], object], ...] = (_name,)


def match(previous: Sequence[Node], current: Sequence[Node], keys: Sequence[Callable[[Node], object]]
          ) -> tuple[list[tuple[Node | None, Node | None]], list[Node]]:
    """Pairs (previous, current) in this year's order (a new one has previous None), then the dropped
    ones in the previous year's order. Each key is tried in turn on what is still unmatched; among
    equals the first unmatched one is taken."""
    pair: dict[int, int] = {}  # current index -> previous index
    taken: set[int] = set()
    for key in keys:
        waiting: dict[object, list[int]] = {}
        for j, p in enumerate(previous):
            if j not in taken:
                waiting.setdefault(key(p), []).append(j)
        for i, c in enumerate(current):
            if i in pair:
                continue
            free = waiting.get(key(c))
            if free:
                j = free.pop(0)
                pair[i] = j
                taken.add(j)
    pairs = [(previous[pair[i]] if i in pair else None, c) for i, c in enumerate(current)]
    return pairs, [p for j, p in enumerate(previous) if j not in taken]


# --- the comparison -------------------------------------------------------------------------------

def _r2(x: float | None) -> float | None:
    """Scores compared as the Relazione shows them, to the hundredth (so the change is what a reader
    computes from the two columns)."""
    return None if x is None else round(x, 2) + 0.0


def _status(previous: float | None, current: float | None) -> str:
    if previous is None or current is None:
        return UNSCORED
    d = round(current - previous, 2)
    return UP if d > 0 else DOWN if d < 0 else SAME


class _Words:
    """The notes of the comparison, which name the two years."""

    def __init__(self, year: int | None, previous_year: int):
        self.now, self.then = year_text(year), str(previous_year)

    def renamed(self, p: Node, c: Node, level: str) -> list[str]:
        notes = []
        if level == AREA and p.key != c.key:
            notes.append(f"Nel {self.then} era l'area n. {p.key}.")
        if level == OBJECTIVE and _code(p.key) != _code(c.key):
            notes.append(f"Nel {self.then} aveva il codice {p.key}.")
        if _name(p) != _name(c):
            notes.append(f"Nel {self.then} si chiamava {quoted(p.name)}.")
        if level == INDICATOR and p.weight is not None and c.weight is not None and round(p.weight, 2) != round(c.weight, 2):
            notes.append(f"Il peso è passato da {number(p.weight)} a {number(c.weight)}.")
        return notes

    def unscored(self, p: Node, c: Node) -> list[str]:
        missing = [y for y, n in ((self.then, p), (self.now, c)) if n.score is None]
        if len(missing) == 2:
            return ["Senza punteggio in entrambi gli anni."]
        return [f"Senza punteggio nel {missing[0]}."] if missing else []


def _item(level: str, p: Node | None, c: Node | None, words: _Words, compare_children: bool) -> Compared:
    """One matched pair (or a new or dropped one) and, below it, its children compared."""
    child_level = {AREA: OBJECTIVE, OBJECTIVE: INDICATOR}.get(level)
    keys = {OBJECTIVE: OBJECTIVE_KEYS, INDICATOR: INDICATOR_KEYS}.get(child_level)
    children: list[Compared] = []
    if child_level and (child_level != INDICATOR or compare_children):
        pairs, dropped = match((p and p.children) or (), (c and c.children) or (), keys)
        children = [_item(child_level, cp, cc, words, compare_children) for cp, cc in pairs]
        children += [_item(child_level, dp, None, words, compare_children) for dp in dropped]
    if p is None:
        return Compared(level, NEW, c.key, c.name, current=_r2(c.score), traffic_light=c.traffic_light, weight=c.weight,
                        children=tuple(children))
    if c is None:
        return Compared(level, DROPPED, p.key, p.name, previous_key=p.key, previous_name=p.name, previous=_r2(p.score),
                        previous_traffic_light=p.traffic_light, previous_weight=p.weight, children=tuple(children))
    return Compared(level, _status(_r2(p.score), _r2(c.score)), c.key, c.name, previous_key=p.key, previous_name=p.name,
                    previous=_r2(p.score), current=_r2(c.score), previous_traffic_light=p.traffic_light,
                    traffic_light=c.traffic_light, previous_weight=p.weight, weight=c.weight,
                    notes=tuple(words.renamed(p, c, level) + words.unscored(p, c)), children=tuple(children))


def _moved(areas: list[Compared], words: _Words) -> list[Compared]:
    """A new objective that, by its code and name, is one dropped from another area: each says where
    the other is (it moved between areas; the comparison stays per area)."""
    def key(o: Compared):
        return _code(o.key), as_read(o.name)

    where: dict[tuple, dict[str, str]] = {NEW: {}, DROPPED: {}}
    for a in areas:
        for o in a.children:
            if o.status in (NEW, DROPPED):
                where[o.status].setdefault(key(o), short_area_name(a.name))
    out = []
    for a in areas:
        kids = []
        for o in a.children:
            other = where[DROPPED if o.status == NEW else NEW].get(key(o)) if o.status in (NEW, DROPPED) else None
            if other:
                note = (f"Nel {words.then} era nell'area {quoted(other)}." if o.status == NEW
                        else f"Nel {words.now} è nell'area {quoted(other)}.")
                o = dataclasses.replace(o, notes=o.notes + (note,))
            kids.append(o)
        out.append(dataclasses.replace(a, children=tuple(kids)))
    return out


def compare(areas: Iterable[AreaResult], detail: bool, year: int | None, previous: dict,
            source: str, sheet: str) -> Comparison:
    """This year's ``areas`` (``detail``: the run keeps every indicator) against ``previous`` (read from
    the file ``source``); ``sheet`` is the name of the sheet the sentence points to."""
    now, then = current_nodes(areas, detail), previous_nodes(previous)
    listed = bool(then) and all(o.children is not None for a in then for o in a.children)
    no_indicators = None if detail and listed else ("current" if not detail else "previous")
    words = _Words(year, previous["year"])
    pairs, dropped = match(then, now, AREA_KEYS)
    items = [_item(AREA, p, c, words, no_indicators is None) for p, c in pairs]
    items += [_item(AREA, p, None, words, no_indicators is None) for p in dropped]
    result = Comparison(year=year, previous_year=previous["year"], source=source, areas=tuple(_moved(items, words)),
                        indicators=no_indicators is None, no_indicators=no_indicators)
    counts = {level: dict.fromkeys(STATUSES, 0) for level in LEVELS}
    for c in result.walk():
        counts[c.level][c.status] += 1
    result = dataclasses.replace(result, counts=counts)
    return dataclasses.replace(result, sentence=sentence(result, sheet))


# --- what the console (and the sheet) say of it -----------------------------------------------------

_NOUNS = {AREA: ("area", "aree", "nuova", "nuove", "eliminata", "eliminate"),
          OBJECTIVE: ("obiettivo", "obiettivi", "nuovo", "nuovi", "eliminato", "eliminati"),
          INDICATOR: ("indicatore", "indicatori", "nuovo", "nuovi", "eliminato", "eliminati")}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " e " + parts[-1]


def sentence(comp: Comparison, sheet: str) -> str:
    """One sentence: what is new and dropped, how the objectives present in both years went, where
    the detail is. ``Confronto con il 2022 (foglio «Confronto»): 1 obiettivo nuovo e 1 eliminato; …``"""
    news = []
    for level in LEVELS:
        if level == INDICATOR and not comp.indicators:
            continue
        one, many, new1, newn, gone1, gonen = _NOUNS[level]
        n_new, n_gone = comp.counts[level][NEW], comp.counts[level][DROPPED]
        if n_new and n_gone:
            news.append(f"{count(n_new, f'{one} {new1}', f'{many} {newn}')} e {count(n_gone, gone1, gonen)}")
        elif n_new or n_gone:
            news.append(count(n_new, f"{one} {new1}", f"{many} {newn}") if n_new
                        else count(n_gone, f"{one} {gone1}", f"{many} {gonen}"))
    if not news:
        news = ["nessuna area, nessun obiettivo" + ("" if not comp.indicators else " e nessun indicatore")
                + " nuovo o eliminato"]
    o = comp.counts[OBJECTIVE]
    trend = [count(n, one, many) for n, one, many in ((o[UP], "migliorato", "migliorati"),
                                                       (o[DOWN], "peggiorato", "peggiorati"),
                                                       (o[SAME], "invariato", "invariati"),
                                                       (o[UNSCORED], "senza punteggio", "senza punteggio")) if n]
    text = f"Confronto con il {comp.previous_year} (foglio «{sheet}»): {'; '.join(news)}"
    if trend:
        text += f"; degli obiettivi presenti nei due anni: {_and(trend)}"
    if not comp.indicators:
        text += ("; gli indicatori non sono confrontati (" + (
            f"il file del {comp.previous_year} non li elenca)" if comp.no_indicators == "previous"
            else "questo consolidamento non ne tiene il dettaglio)"))
    return text + "."
