"""The scoring rules of the comune's measurement system, as plain functions.

Each rule is implemented once here; :mod:`perf_xl.formulas` spells the same rules in Excel's
language and :mod:`perf_xl.udf` calls these functions, so a settore workbook's cells have one
result in all three engines. :func:`row_cells` and :func:`objective_cell` say what each
computed cell shows, from the raw cell values (blank, number, text): the tests compare them with
LibreOffice's recalculation of the native formulas and with the UDFs, on the shipped rows and on
inputs drawn by hypothesis.

Values are unrounded: a printed % Ragg is rounded to an integer, an area score to two
decimals, but objective scores are computed from the unrounded values (the seed's
Sport area, 86,33, needs 97,5 and not the printed 98). Only an indicator's Barometro looks at
% Ragg as shown (:data:`SHOWN_DECIMALS`), so its colour never contradicts the number read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from .settings import NEUTRALISED, Settings

POLARITIES = ("crescente", "decrescente", "binario")

# % Ragg is shown as an integer (the Relazione prints it so; settore.toml's format "0"), and the
# Barometro of an indicator compares the value *as shown*: 89,6 reads "90" and is verde, never a
# giallo beside a "90". Objective and area scores keep their unrounded lights.
SHOWN_DECIMALS = 0


class InvalidInput(ValueError):
    """An input that is there but cannot be used: a number typed as text, TRUE/FALSE, a polarity
    outside the list. Every engine says so in the cell (the schema's ``invalid`` mark), and
    validation reports the cell; it is not the same as a blank, which only means "not yet"."""


def is_blank(v) -> bool:
    """An empty cell, as Excel's ``cell=""`` tests it."""
    return v is None or v == ""


def is_number(v) -> bool:
    """A number as Excel's ISNUMBER sees it: text that looks like a number ("24,29") is not one,
    nor is TRUE/FALSE, nor NaN or an infinity (``v - v`` is 0 only for a finite number)."""
    cls = v.__class__
    if cls is float or cls is int:  # the common case, asked for every cell of every row
        return v - v == 0
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v - v == 0


def normal_polarity(polarity) -> str:
    """The polarity a dirigente meant: ``"DECRESCENTE"``, ``"  decrescente "`` -> ``"decrescente"``.

    The one rule, spelled the same in every engine: spaces at either end do not count (Excel's
    TRIM: the space character only, not tabs or non-breaking spaces) and neither does case
    (Excel's LOWER); accents do (``"decrescènte"`` is not a polarity). Anything but text gives "".
    Validation still reports a spelling outside the drop-down list."""
    if polarity in POLARITIES:
        return polarity
    return polarity.strip(" ").lower() if isinstance(polarity, str) else ""


def _inputs(target, actual, polarity) -> tuple[float, float, str] | None:
    """The three inputs of a row as numbers and a known polarity; None while atteso or consuntivo
    is blank (nothing to compute yet); :class:`InvalidInput` when one is there but not usable."""
    if is_blank(target) or is_blank(actual):
        return None
    if not (is_number(target) and is_number(actual)):
        raise InvalidInput("atteso e consuntivo devono essere numeri")
    p = normal_polarity(polarity)
    if p not in POLARITIES:
        raise InvalidInput("polarità sconosciuta")
    return target, actual, p


def achievement(target, actual, polarity, settings: Settings) -> float | None:
    """% Ragg of one indicator, in [0, 100]; None when it cannot be computed yet.

    crescente: consuntivo / atteso; decrescente: 100 up to the target, then the
    comune's chosen ratio; binario: 100 when done (consuntivo >= 1), else 0. Raises
    :class:`InvalidInput` for a number typed as text or a polarity outside the list.
    """
    inputs = _inputs(target, actual, polarity)
    if inputs is None:
        return None
    target, actual, polarity = inputs
    if polarity == "binario":
        return 100.0 if actual >= 1 else 0.0
    if polarity == "decrescente":
        if actual <= target:
            return 100.0
        if settings.decreasing_ratio == "gzoom":
            if target == 0:
                return 0.0
            return _clamp((2 * target - actual) / target * 100)
        if actual <= 0:
            return 0.0
        return _clamp(target / actual * 100)
    # crescente
    if target == 0:
        return None
    return _clamp(actual / target * 100)


def deviation(target, actual, polarity) -> float | None:
    """Scostamento, signed so that positive means better than the target (same inputs rule as
    :func:`achievement`)."""
    inputs = _inputs(target, actual, polarity)
    if inputs is None:
        return None
    target, actual, polarity = inputs
    if polarity == "decrescente":
        return target - actual
    return actual - target


def traffic_light(pct: float | None, settings: Settings) -> str | None:
    """Barometro: verde / giallo / rosso from a percentage (an objective's, an area's)."""
    if pct is None:
        return None
    if pct >= settings.green:
        return "verde"
    if pct >= settings.yellow:
        return "giallo"
    return "rosso"


WEIGHT_SUM_TOLERANCE = 0.005  # the native twin: perf_xl.formulas.weight_sum_not_100


def shown(pct: float) -> float:
    """A % Ragg as the cell shows it (:data:`SHOWN_DECIMALS`, half up: Excel's ROUND)."""
    scale = 10 ** SHOWN_DECIMALS
    return math.floor(pct * scale + 0.5) / scale


def is_neutralised(weight) -> bool:
    """Peso 0 (a number, not a blank cell): the indicator is *nettizzato* and does not count."""
    return is_number(weight) and weight == 0


def objective_light(score: float | None, indicators: int, neutralised: int, settings: Settings) -> str | None:
    """An objective's Barometro: *neutralizzato* when every indicator of it is (none counts, so it
    has no score and is not a failure), else the light of its score."""
    if indicators and neutralised == indicators:
        return NEUTRALISED
    return traffic_light(score, settings)


def indicator_light(pct: float | None, weight, settings: Settings) -> str | None:
    """An indicator's Barometro: *neutralizzato* for peso 0 (a row that does not count is not
    red), else the light of its % Ragg as shown (see :data:`SHOWN_DECIMALS`)."""
    if is_neutralised(weight):
        return NEUTRALISED
    return None if pct is None else traffic_light(shown(pct), settings)


def weights_sum_to_100(total: float) -> bool:
    """An objective's weights sum to 100, to the hundredth as every sum is printed: 99,999 is 100
    (never «sommano a 100 invece di 100»), 99,99 is not. The one test of the weights: validation,
    the audit of a Relazione and the explanations use it."""
    return abs(total - 100) <= WEIGHT_SUM_TOLERANCE


def objective_score(weighted: Iterable[tuple[float | None, float | None]]) -> float | None:
    """Σ(peso × % Ragg) / Σ peso over the indicators that have a % Ragg.

    A neutralised indicator (peso 0) does not count; an indicator without a % Ragg
    yet (consuntivo still empty) is left out of both sums, as in the templates.
    """
    return score_from_sums(*objective_sums(weighted))


def objective_sums(weighted: Iterable[tuple[float | None, float | None]]) -> tuple[float, float]:
    """(Σ peso × % Ragg, Σ peso) over the indicators that count: partial sums that add up
    across workbooks, so an objective can be scored from pieces read in parallel."""
    num = den = 0.0
    for weight, pct in weighted:
        if pct is None or not weight:
            continue
        num += weight * pct
        den += weight
    return num, den


def score_from_sums(num: float, den: float) -> float | None:
    return num / den if den else None


def area_score(objective_scores: Iterable[float | None]) -> float | None:
    """Plain mean of the objectives' scores (objectives without a score are left out)."""
    scores = [s for s in objective_scores if s is not None]
    return sum(scores) / len(scores) if scores else None


# --- what a cell shows: the same in the core, the native formulas and the UDFs ------------------

@dataclass(frozen=True)
class RowCells:
    """The computed cells of one indicator row as a spreadsheet shows them: a number, a word,
    None for an empty cell, or the schema's ``invalid`` mark."""

    achievement: float | str | None
    deviation: float | str | None
    traffic_light: str | None


def row_cells(target, actual, polarity, weight, settings: Settings, invalid: str) -> RowCells:
    """% Ragg, Scostamento and Barometro of a row from its raw cell values (text stays text).

    A row whose inputs are not valid shows ``invalid`` in all three cells: text, not an Excel
    error, so the objective's other rows still add up and only its own objective is marked."""
    try:
        pct = achievement(target, actual, polarity, settings)
        dev = deviation(target, actual, polarity)
    except InvalidInput:
        return RowCells(invalid, invalid, invalid)
    return RowCells(pct, dev, indicator_light(pct, weight, settings))


def objective_cell(rows: Iterable[tuple[int, object, object]], invalid: str, objective_invalid: str):
    """The Punteggio obiettivo cell from the objective's rows, in sheet order: (Excel row, Peso
    cell, % Ragg cell). A row marked ``invalid``, or a Peso that is there but not a number, makes
    the objective show ``objective_invalid`` naming the first such row (``{row}``); only this
    objective: every other one is still scored."""
    pairs = []
    for excel_row, weight, pct in rows:
        if pct == invalid or not (is_blank(weight) or is_number(weight)):
            return objective_invalid.format(row=excel_row)
        pairs.append((weight if is_number(weight) else None, pct if is_number(pct) else None))
    return objective_score(pairs)


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))
