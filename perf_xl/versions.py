"""Schema versions of a settore workbook, and the explicit upgrade from an older layout.

Every workbook names, in its Info sheet, the version of ``schemas/settore.toml`` it was written
with (``schema_version``). A version is dotted whole numbers (``1.0`` < ``1.1`` < ``2.0``; ``1`` is
``1.0``). Reading a workbook compares it with the schema in use:

* the same version: read as it is;
* an **older** one: read, then brought to the current layout by the :data:`STEPS` from its
  version on, one function per version step, each mapping what the old layout held to the new
  one (and tested on its own). So a change of layout is never a silent guess of the reader;
* a **newer** one: refused (``versione-schema-successiva``): this perf_xl does not know what the
  newer layout means, and a misread score is worse than none.

``perf-xl upgrade FILE…`` writes the upgraded workbook beside the old one (the template writes
the current layout), so a settore can move to the new layout when it suits it.

Base layer: plain data in, plain data out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from .model import SettoreWorkbook, with_indicator_codes

Version = tuple[int, ...]


def parse_version(text) -> Version | None:
    """``"1.1"`` -> (1, 1); trailing zeros do not count (``"1"`` == ``"1.0"``); None when the text is
    not a version (empty, letters, a negative number). A number cell (1.1 typed in Excel) is read as
    its text."""
    if text is None or isinstance(text, bool):
        return None
    s = (f"{text:g}" if isinstance(text, float) else str(text)).strip()
    parts = s.split(".")
    if not s or not all(p.isdigit() for p in parts):
        return None
    v = [int(p) for p in parts]
    while len(v) > 1 and v[-1] == 0:
        v.pop()
    return tuple(v)


def compare(found, current) -> int | None:
    """-1 when ``found`` is older than ``current``, 0 the same, 1 newer; None when ``found`` is not a
    version (``current`` is the schema's, always one)."""
    a, b = parse_version(found), parse_version(current)
    if a is None or b is None:
        return None
    return (a > b) - (a < b)


@dataclass(frozen=True)
class Step:
    """One version step: ``upgrade`` maps a workbook read in the ``source`` layout to the ``target`` one."""

    source: str
    target: str
    added: tuple[str, ...]  # the column keys the target layout has and the source one had not
    upgrade: Callable[[SettoreWorkbook], SettoreWorkbook]


def _1_0_to_1_1(wb: SettoreWorkbook) -> SettoreWorkbook:
    """1.0 (the 2022 layout) -> 1.1 (the year's cycle). A 1.0 workbook has no indicator codes: each
    indicator gets ``<objective code>.<n>`` in the objective's row order (as ``import-relazione``
    numbers them). It has no «Stato target» nor the previous year's columns: its targets are the
    year's own (no state to confirm) and there is no previous year beside them. Whatever a 1.0
    sheet holds under such a label was typed by hand, not written by perf_xl, and is not taken."""
    rows = tuple(with_indicator_codes(
        r if (r.indicator_code, r.target_state, r.previous_actual, r.previous_achievement) == ("", "", None, None)
        else dataclasses.replace(r, indicator_code="", target_state="", previous_actual=None,
                                 previous_achievement=None)
        for r in wb.rows))
    return dataclasses.replace(wb, rows=rows, info={**wb.info, "schema_version": "1.1"})


def _1_1_to_1_2(wb: SettoreWorkbook) -> SettoreWorkbook:
    """1.1 -> 1.2 (monitoring during the year). A 1.1 workbook has no «Proiezione» (the settings' choice
    applies) and no checkpoint columns: it has no values at any intermediate checkpoint, and a
    monitoring run reports it as not read for that checkpoint (never scored 0)."""
    rows = tuple(r if r.projection == "" and r.checkpoints is None  # as read: nothing to clear
                 else dataclasses.replace(r, projection="", checkpoints=None) for r in wb.rows)
    return dataclasses.replace(wb, rows=rows, info={**wb.info, "schema_version": "1.2"})


STEPS: tuple[Step, ...] = (
    Step("1.0", "1.1", ("indicator_code", "target_state", "previous_actual", "previous_achievement"), _1_0_to_1_1),
    Step("1.1", "1.2", ("projection",), _1_1_to_1_2),
)


def steps_between(found, current) -> list[Step]:
    """The steps that take a workbook of version ``found`` to ``current``, in order."""
    a, b = parse_version(found), parse_version(current)
    if a is None or b is None or a >= b:
        return []
    return [s for s in STEPS if a <= parse_version(s.source) and parse_version(s.target) <= b]


def upgrade(wb: SettoreWorkbook, current: str) -> SettoreWorkbook:
    """``wb`` (as read, in the layout its Info sheet names) in the ``current`` layout: every step from
    its version on, then the current version in its Info."""
    found = wb.info.get("schema_version")
    for step in steps_between(found, current):
        wb = step.upgrade(wb)
    return dataclasses.replace(wb, info={**wb.info, "schema_version": current})
