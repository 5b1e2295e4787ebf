"""Audit a published Relazione: what does not add up, with its line.

For the Nucleo di Valutazione: recompute the published text with the rules and list
only the inconsistencies — a scostamento that fits neither polarity, an objective
whose weights do not sum to 100, a % Ragg the rules do not give, an area score its
objectives do not give. Layout quirks of the PDF extraction that were read correctly
are not inconsistencies and are not listed.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..consolidation import consolidate
from ... import scoring
from ...findings import finding
from ...model import ERROR, AreaInfo, Report
from ...numbers import format_italian
from ...settings import Settings
from ...wording import number, shorten
from .parser import SHEET, parse_relazione, to_indicator_rows


def _half_up(x: float) -> int:
    """Rounding as a printed table does it (97,5 -> 98, 86,5 -> 87)."""
    return int(math.floor(x + 0.5))


def _lines(lines: list[int]) -> str:
    lines = sorted(lines)
    if len(lines) > 1 and lines == list(range(lines[0], lines[-1] + 1)):
        return f"righe {lines[0]}–{lines[-1]}"
    return "righe " + ", ".join(map(str, lines)) if len(lines) > 1 else f"riga {lines[0]}"


def _explained(area) -> str:
    """The explanation of an area that does not add up, every line of it (one line each, so that the
    console, the report workbook and the CSV show them one under the other; nothing is left out)."""
    first, *rest = area.explanation or ("il punteggio calcolato differisce da quello pubblicato.",)
    return "\n".join([first, *(f"- {line}" for line in rest)])


def audit_relazione(text: str, file: str, settings: Settings) -> Report:
    rel = parse_relazione(text, file)
    rows, inference = to_indicator_rows(rel)
    report = Report()
    report.extend(f for f in rel.findings if f.severity == ERROR)  # lines that could not be checked at all
    report.extend(f for f in inference if f.code == "scostamento-incoerente")
    by_objective = defaultdict(list)
    for r in rows:
        by_objective[(r.area, r.objective_code)].append(r)
    for (_, code), items in by_objective.items():
        total = sum(r.weight or 0 for r in items)
        if not scoring.weights_sum_to_100(total):
            lines = [r.row for r in items]
            report.add(finding("pesi-somma", file=file, sheet=SHEET, cell=_lines(lines), row=lines[0], column="Peso",
                               value=total, variant="relazione", objective=shorten(items[0].objective, 80),
                               total=number(total)))
    for r in rows:
        pct = scoring.achievement(r.target, r.actual, r.polarity, settings)
        pub = r.published_achievement
        if pct is None or pub is None:
            continue
        if _half_up(pct) != _half_up(pub):
            report.add(finding("ragg-non-coerente", file=file, sheet=SHEET, cell=f"riga {r.row}", row=r.row,
                               column="% Ragg", value=pub, published=number(pub), target=number(r.target),
                               actual=number(r.actual), polarity=r.polarity, computed=format_italian(pct)))
    areas = consolidate(rows, [AreaInfo(a.number, a.heading, a.published) for a in rel.areas], settings)
    line_of = {a.heading: a.line for a in rel.areas}
    for a in areas:
        if a.reproduces is False:
            report.add(finding("area-non-coerente", file=file, sheet=SHEET, cell=f"riga {line_of[a.name]}",
                               row=line_of[a.name], column="% area", value=a.published, area=shorten(a.name, 80),
                               explanation=_explained(a)))
        elif a.published is None:
            report.add(finding("area-senza-punteggio", file=file, sheet=SHEET, cell=f"riga {line_of.get(a.name, 0)}",
                               row=line_of.get(a.name), column="% area", area=shorten(a.name, 80)))
    report.findings.sort(key=lambda f: (f.row or 0, f.code))
    return report
