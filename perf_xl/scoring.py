"""The scoring rules of the comune's measurement system, as plain functions.

Each rule is implemented once here; the native Excel formulas of the templates are
generated from the same settings in :mod:`perf_xl.formulas`, and a test checks
that LibreOffice's results equal these functions on every shipped row.

Values are unrounded: a printed % Ragg is rounded to an integer, an area score to two
decimals, but objective scores are computed from the unrounded values (the seed's
Sport area, 86,33, needs 97,5 and not the printed 98).
"""

from __future__ import annotations

from typing import Iterable

from .settings import Settings

POLARITIES = ("crescente", "decrescente", "binario")


def normal_polarity(polarity) -> str:
    """The polarity a dirigente meant: ``"DECRESCENTE"``, ``"decrescente "`` -> ``"decrescente"``
    (trimmed and in lower case, as the UDFs read it). The one normalisation of polarity: the
    scoring uses it, while validation still reports a spelling outside the drop-down list."""
    if polarity in POLARITIES:
        return polarity
    return polarity.strip().lower() if isinstance(polarity, str) else ""


def achievement(target: float | None, actual: float | None, polarity: str, settings: Settings) -> float | None:
    """% Ragg of one indicator, in [0, 100]; None when it cannot be computed yet.

    crescente: consuntivo / atteso; decrescente: 100 up to the target, then the
    comune's chosen ratio; binario: 100 when done (consuntivo >= 1), else 0.
    """
    if target is None or actual is None:
        return None
    if polarity not in POLARITIES:
        polarity = normal_polarity(polarity)
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
    # crescente (the default polarity)
    if target == 0:
        return None
    return _clamp(actual / target * 100)


def deviation(target: float | None, actual: float | None, polarity: str) -> float | None:
    """Scostamento, signed so that positive means better than the target."""
    if target is None or actual is None:
        return None
    if normal_polarity(polarity) == "decrescente":
        return target - actual
    return actual - target


def traffic_light(pct: float | None, settings: Settings) -> str | None:
    """Barometro: verde / giallo / rosso from a percentage."""
    if pct is None:
        return None
    if pct >= settings.green:
        return "verde"
    if pct >= settings.yellow:
        return "giallo"
    return "rosso"


WEIGHT_SUM_TOLERANCE = 0.005  # the native twin: perf_xl.formulas.weight_sum_not_100


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


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))
