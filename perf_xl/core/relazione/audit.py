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
from ...model import ERROR, WARNING, AreaInfo, Finding, Report
from ...numbers import format_italian
from ...settings import Settings
from ...wording import number, quoted
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
    """An area that does not add up, with every line of its explanation (one line each, so that the
    console, the report workbook and the CSV show them one under the other; nothing is left out)."""
    first, *rest = area.explanation or ("il punteggio calcolato differisce da quello pubblicato.",)
    return "\n".join([f"{quoted(area.name)}: {first}", *(f"- {line}" for line in rest)])


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
        if abs(total - 100) > 1e-6:
            lines = [r.row for r in items]
            report.add(Finding(file, SHEET, _lines(lines), lines[0], "Peso", "pesi-somma", ERROR,
                               f"I pesi dell'obiettivo {quoted(items[0].objective)} ({_lines(lines)}) sommano a "
                               f"{number(total)} invece di 100.", total))
    for r in rows:
        pct = scoring.achievement(r.target, r.actual, r.polarity, settings)
        pub = r.published_achievement
        if pct is None or pub is None:
            continue
        if _half_up(pct) != _half_up(pub):
            report.add(Finding(file, SHEET, f"riga {r.row}", r.row, "% Ragg", "ragg-non-coerente", ERROR,
                               f"% Ragg pubblicata {number(pub)} alla riga {r.row}, ma con atteso {number(r.target)}, "
                               f"consuntivo {number(r.actual)} e polarità {r.polarity} le regole danno "
                               f"{format_italian(pct)}.", pub))
    areas = consolidate(rows, [AreaInfo(a.number, a.heading, a.published) for a in rel.areas], settings)
    line_of = {a.heading: a.line for a in rel.areas}
    for a in areas:
        if a.reproduces is False:
            report.add(Finding(file, SHEET, f"riga {line_of[a.name]}", line_of[a.name], "% area", "area-non-coerente",
                               ERROR, _explained(a), a.published))
        elif a.published is None:
            report.add(Finding(file, SHEET, f"riga {line_of.get(a.name, 0)}", line_of.get(a.name), "% area",
                               "area-senza-punteggio", WARNING,
                               f"{quoted(a.name)}: nessuna % di raggiungimento pubblicata da confrontare.", None))
    report.findings.sort(key=lambda f: (f.row or 0, f.code))
    return report
