"""Monitoring during the year: an intermediate checkpoint's view of a settore's indicators, its
projection to the year end, and the corrective actions (D.Lgs. 150/2009, art. 6: check, and correct
in time).

Pure rules on plain data. A checkpoint is scored by the one set of rules (:mod:`perf_xl.scoring`, and
the consolidation of :mod:`perf_xl.core.consolidation`): :func:`rows_at` hands them each row with the
checkpoint's consuntivo (or its projection) in place of the year-end one, so % Ragg, Barometro,
objective and area scores at a checkpoint are computed exactly as at the year end. The settore
workbook's native formulas do the same (the checkpoint's columns use the year-end columns' rules, see
``[indicators.checkpoint]`` of ``schemas/settore.toml``).

Projection to the year end (``«Proiezione»`` of the row, else the settings' ``[monitoring] projection``):

* ``lineare``: the consuntivo grows with the days, as a count does (pratiche evase, accessi):
  consuntivo × days of the year / days elapsed up to the checkpoint (1 January to the checkpoint,
  both included: 30/06/2023 is 181 of 365 days);
* ``costante``: the value at the checkpoint is the best guess of the year-end one, as for a rate, a
  mean, a time, a percentage;
* a ``binario`` indicator is always ``costante``: a yes/no does not grow with time.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from .. import scoring
from ..findings import finding
from ..model import CorrectiveAction, Finding, IndicatorRow
from ..schema import checkpoint_key
from ..settings import PROJECTIONS, YEAR_END, Settings

LINEAR, CONSTANT = PROJECTIONS
NEEDS_ACTIONS = ("rosso", "giallo")  # the lights at a checkpoint that call for corrective actions


class PeriodError(ValueError):
    """``--periodo`` is not one of the settings' checkpoints (the message, in Italian, names them)."""


@dataclass(frozen=True)
class Period:
    """A monitoring checkpoint of a year: ``day`` is its month-day (``"06-30"``); ``projected`` asks for
    the rows projected to the year end instead of as they are at the checkpoint."""

    year: int
    day: str
    projected: bool = False

    @property
    def date(self) -> date:
        month, d = (int(x) for x in self.day.split("-"))
        return date(self.year, month, d)

    @property
    def elapsed(self) -> float:
        """The part of the year gone at the checkpoint (1 January to it, both included)."""
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return ((self.date - first).days + 1) / ((last - first).days + 1)

    @property
    def year_end(self) -> bool:
        return self.day == YEAR_END


_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)")


def parse_period(text: str, settings: Settings) -> Period:
    """``--periodo 2023-06-30``: a date (YYYY-MM-DD) whose month and day are one of the settings'
    checkpoints; else :class:`PeriodError` naming the allowed ones."""
    allowed = ", ".join(f"{d[3:]}/{d[:2]}" for d in settings.checkpoints)
    m = _ISO.fullmatch(str(text).strip())
    try:
        when = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        when = None
    if when is None:
        raise PeriodError(f"--periodo «{text}» non è una data nella forma AAAA-MM-GG (per esempio "
                          f"{date.today().year}-06-30): le date di monitoraggio delle impostazioni sono {allowed}.")
    day = f"{when.month:02d}-{when.day:02d}"
    if day not in settings.checkpoints:
        raise PeriodError(f"il {when.day:02d}/{when.month:02d}/{when.year} non è una data di monitoraggio delle "
                          f"impostazioni: le date ammesse sono {allowed} (chiave monitoring.checkpoints).")
    return Period(when.year, day)


def projection_of(row: IndicatorRow, settings: Settings) -> str:
    """How this row is projected: ``costante`` for a binario, else its «Proiezione», else the settings'."""
    if scoring.normal_polarity(row.polarity) == "binario":
        return CONSTANT
    return row.projection if row.projection in PROJECTIONS else settings.projection


def project(value, mode: str, elapsed: float):
    """The year-end value a checkpoint's ``value`` points to (a value that is not a number stays as it is:
    the rules report it as they do at the year end)."""
    if mode == LINEAR and scoring.is_number(value) and elapsed > 0:
        return value / elapsed
    return value


def actual_at(row: IndicatorRow, day: str):
    """The consuntivo typed at checkpoint ``day`` (None when the row has none)."""
    return ((row.checkpoints or {}).get(day) or {}).get("actual")


def rows_at(rows: Iterable[IndicatorRow], period: Period, settings: Settings) -> list[IndicatorRow]:
    """The rows as the scoring rules see them at ``period``: the checkpoint's consuntivo (or, with
    ``period.projected``, its projection to the year end) in place of the year-end one. The published
    % Ragg is the year end's and is not compared at a checkpoint."""
    out = []
    for r in rows:
        actual = actual_at(r, period.day)
        if period.projected:
            actual = project(actual, projection_of(r, settings), period.elapsed)
        out.append(dataclasses.replace(r, actual=actual, published_achievement=None))
    return out


def has_checkpoint(columns: dict, day: str) -> bool:
    """Whether a workbook read has the consuntivo column of checkpoint ``day`` (``ReadResult.columns``)."""
    return checkpoint_key("actual", day) in columns


def corrective_actions(rows: Iterable[IndicatorRow], day: str, settings: Settings, invalid: str,
                       cell_of) -> list[CorrectiveAction]:
    """Every indicator *rosso* or *giallo* at checkpoint ``day`` (its light by the year end's rule, on the
    checkpoint's consuntivo), with the corrective actions written for it ("" when missing).
    ``cell_of(key, row)`` names a cell (the actions cell and the Barometro cell of the checkpoint)."""
    out = []
    for r in rows:
        at = (r.checkpoints or {}).get(day)
        if at is None or scoring.is_blank(at.get("actual")):
            continue  # no consuntivo at the checkpoint yet: no light, nothing to correct
        cells = scoring.row_cells(r.target, at.get("actual"), r.polarity, r.weight, settings, invalid)
        if cells.traffic_light not in NEEDS_ACTIONS:
            continue
        text = at.get("actions") or ""
        out.append(CorrectiveAction(
            file=r.file, sheet=r.sheet, row=r.row, cell=cell_of(checkpoint_key("actions", day), r.row),
            light_cell=cell_of(checkpoint_key("traffic_light", day), r.row), day=day, settore=r.settore,
            area=r.area, objective_code=r.objective_code, objective=r.objective, indicator=r.indicator,
            indicator_code=r.indicator_code, target=r.target, actual=at.get("actual"),
            achievement=cells.achievement if scoring.is_number(cells.achievement) else None,
            traffic_light=cells.traffic_light, actions=text.strip() if isinstance(text, str) else str(text)))
    return out


def missing_actions(actions: Iterable[CorrectiveAction], label_of, date_of, name_of) -> list[Finding]:
    """One finding per rosso or giallo indicator without corrective actions (``label_of(day)``: the
    actions column's label; ``date_of(day)``: the checkpoint as written; ``name_of(file)``: the file's
    name as a person reads it)."""
    return [finding("azioni-correttive-mancanti", file=a.file, sheet=a.sheet, cell=a.cell, row=a.row,
                    column=label_of(a.day), indicator=a.indicator, light=a.traffic_light, data=date_of(a.day),
                    light_cell=a.light_cell, name=name_of(a.file))
            for a in actions if not a.actions]


def missing_actuals(rows: Iterable[IndicatorRow], day: str, cell_of, label: str) -> list[Finding]:
    """The consuntivi of checkpoint ``day`` still empty on rows that have a target (``consuntivo-mancante``,
    at the checkpoint's cell): reported by the monitoring report of that checkpoint."""
    key = checkpoint_key("actual", day)
    return [finding("consuntivo-mancante", file=r.file, sheet=r.sheet, cell=cell_of(key, r.row), row=r.row,
                    column=label) for r in rows if r.target is not None and actual_at(r, day) is None]
