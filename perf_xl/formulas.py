"""Native Excel formulas for the computed columns, generated from the settings.

These are the same rules as :mod:`perf_xl.scoring`, spelled in Excel's formula
language, so a settore workbook shows the right values in any spreadsheet program
with no add-in. Cell positions come from the schema (a letter map), thresholds and
the decrescente ratio from :class:`~perf_xl.settings.Settings`: nothing is written
twice. ``tests/test_libreoffice_recalc.py`` recalculates them in LibreOffice and
compares with the Python functions row by row.
"""

from __future__ import annotations

from .scoring import WEIGHT_SUM_TOLERANCE
from .settings import Settings


def _fmt(x: float) -> str:
    return f"{x:g}"


def achievement(letters: dict[str, str], row: int, settings: Settings) -> str:
    t, a, p = (f"{letters[k]}{row}" for k in ("target", "actual", "polarity"))
    if settings.decreasing_ratio == "gzoom":
        past_target = f"IF({t}=0,0,MAX(0,MIN(100,(2*{t}-{a})/{t}*100)))"
    else:
        past_target = f"IF({a}<=0,0,MAX(0,MIN(100,{t}/{a}*100)))"
    return (
        f'=IF(OR({t}="",{a}=""),"",'
        f'IF({p}="binario",IF({a}>=1,100,0),'
        f'IF({p}="decrescente",IF({a}<={t},100,{past_target}),'
        f'IF({t}=0,"",MAX(0,MIN(100,{a}/{t}*100))))))'
    )


def deviation(letters: dict[str, str], row: int, settings: Settings) -> str:
    t, a, p = (f"{letters[k]}{row}" for k in ("target", "actual", "polarity"))
    return f'=IF(OR({t}="",{a}=""),"",IF({p}="decrescente",{t}-{a},{a}-{t}))'


def traffic_light(letters: dict[str, str], row: int, settings: Settings) -> str:
    r = f"{letters['achievement']}{row}"
    return (
        f'=IF({r}="","",IF({r}>={_fmt(settings.green)},"verde",'
        f'IF({r}>={_fmt(settings.yellow)},"giallo","rosso")))'
    )


def objective_score(letters: dict[str, str], row: int, settings: Settings, first_row: int, last_row: int) -> str:
    """Σ(peso × % Ragg) / Σ peso over the rows with the same objective code.

    SUMPRODUCT with separate array arguments treats the empty string of a
    not-yet-computed % Ragg as 0, and the denominator counts only rows that have a
    % Ragg, exactly as :func:`perf_xl.scoring.objective_score`.
    """

    def rng(key: str) -> str:
        col = letters[key]
        return f"${col}${first_row}:${col}${last_row}"

    code, weight, pct = rng("objective_code"), rng("weight"), rng("achievement")
    me = f"{letters['objective_code']}{row}"
    return (
        f"=IFERROR(SUMPRODUCT(--({code}={me}),{weight},{pct})"
        f'/SUMPRODUCT(--({code}={me}),{weight},--({pct}<>"")),"")'
    )


def weight_sum(letters: dict[str, str], row: int, settings: Settings) -> str:
    """Σ peso of the rows with this row's objective code, so a dirigente sees 82 where 100 is due.

    SUMIF over whole columns needs no table bounds (the header's text is not summed) and, as
    :func:`perf_xl.core.checks.check_objective_weights` adds the numbers, skips a weight typed as
    text (which has a mark of its own). A code with SUMIF's wildcards (``*``, ``?``) would match
    more than itself: objective codes are plain (``OB43``).
    """
    code, w = letters["objective_code"], letters["weight"]
    return f'=IF({code}{row}="","",SUMIF(${code}:${code},{code}{row},${w}:${w}))'


RULES = {
    "achievement": achievement,
    "deviation": deviation,
    "traffic_light": traffic_light,
    "objective_score": objective_score,
}
RULES["weight_sum"] = weight_sum


# --- marks: conditions of the conditional formats that colour a wrong or missing value ---------
#
# Each takes the column letters, the marked column's key, the row the condition is written for
# (the first row of the range: Excel shifts the relative references to every other row) and that
# column's schema entry, and returns a native condition without the leading "=".
# tests/test_marks.py writes each into helper cells and has LibreOffice recalculate them.

def not_a_number(letters: dict[str, str], key: str, row: int, column) -> str:
    """Something typed in a number cell that is not a number (text such as «24,5» or «venti»)."""
    x = f"{letters[key]}{row}"
    return f'AND({x}<>"",NOT(ISNUMBER({x})))'


def out_of_range(letters: dict[str, str], key: str, row: int, column) -> str:
    """A number outside the column's ``minimum``/``maximum`` (the schema's range)."""
    x = f"{letters[key]}{row}"
    outside = []
    if column.minimum is not None:
        outside.append(f"{x}<{_fmt(column.minimum)}")
    if column.maximum is not None:
        outside.append(f"{x}>{_fmt(column.maximum)}")
    return f"AND(ISNUMBER({x}),OR({','.join(outside)}))" if outside else "FALSE"


def not_allowed(letters: dict[str, str], key: str, row: int, column) -> str:
    """A value of a choice column not spelled exactly as in its list («crescent», and also
    «DECRESCENTE» or «decrescente » with a space), as validation reports it (``valore-non-ammesso``):
    EXACT, because Excel's ``=`` ignores case."""
    x = f"{letters[key]}{row}"
    spelled = ",".join(f'EXACT({x},"{v}")' for v in column.allowed)
    return f'AND({x}<>"",NOT(OR({spelled})))'


def missing_with_target(letters: dict[str, str], key: str, row: int, column) -> str:
    """An empty consuntivo on a row that has a target atteso (the template is the year-end one)."""
    return f'AND({letters[key]}{row}="",{letters["target"]}{row}<>"")'


def weight_sum_not_100(letters: dict[str, str], key: str, row: int, column) -> str:
    """The weights of the row's objective do not sum to 100 (within
    :data:`perf_xl.scoring.WEIGHT_SUM_TOLERANCE`, as :func:`perf_xl.scoring.weights_sum_to_100`)."""
    code, w = letters["objective_code"], letters["weight"]
    total = f"SUMIF(${code}:${code},${code}{row},${w}:${w})"
    return f'AND(${code}{row}<>"",ABS({total}-100)>{_fmt(WEIGHT_SUM_TOLERANCE)})'


def whole_number(letters: dict[str, str], key: str, row: int, column) -> str:
    """A whole number: shown with the column's ``whole_format`` (no trailing decimal separator).
    IF, not AND: AND evaluates INT of a text too, an error value instead of FALSE."""
    x = f"{letters[key]}{row}"
    return f"IF(ISNUMBER({x}),{x}=INT({x}),FALSE)"


MARK_RULES = {
    "not_a_number": not_a_number,
    "out_of_range": out_of_range,
    "not_allowed": not_allowed,
    "missing_with_target": missing_with_target,
    "weight_sum_not_100": weight_sum_not_100,
}


# --- UDF mode: call the xlwings UDF, fall back to the native formula ---------------------------
#
# ``IFERROR(PERF_RAGG(...), native)``: with the add-in the cell is computed by perf_xl's
# Python; without it (or in LibreOffice) the unknown function is an error that IFERROR
# replaces with the native formula's value, so the cell never shows #NAME?.

def _udf(call: str, native: str) -> str:
    return f"=IFERROR({call},{native.lstrip('=')})"


def achievement_udf(letters: dict[str, str], row: int, settings: Settings) -> str:
    t, a, p = (f"{letters[k]}{row}" for k in ("target", "actual", "polarity"))
    return _udf(f"PERF_RAGG({t},{a},{p})", achievement(letters, row, settings))


def deviation_udf(letters: dict[str, str], row: int, settings: Settings) -> str:
    t, a, p = (f"{letters[k]}{row}" for k in ("target", "actual", "polarity"))
    return _udf(f"PERF_SCOSTAMENTO({t},{a},{p})", deviation(letters, row, settings))


def traffic_light_udf(letters: dict[str, str], row: int, settings: Settings) -> str:
    return _udf(f"PERF_BAROMETRO({letters['achievement']}{row})", traffic_light(letters, row, settings))


def objective_score_udf(letters: dict[str, str], row: int, settings: Settings, first_row: int, last_row: int) -> str:
    def rng(key: str) -> str:
        col = letters[key]
        return f"${col}${first_row}:${col}${last_row}"

    call = f"PERF_OBIETTIVO({rng('weight')},{rng('achievement')},{rng('objective_code')},{letters['objective_code']}{row})"
    return _udf(call, objective_score(letters, row, settings, first_row, last_row))


UDF_RULES = {
    "achievement": achievement_udf,
    "deviation": deviation_udf,
    "traffic_light": traffic_light_udf,
    "objective_score": objective_score_udf,
}
UDF_RULES["weight_sum"] = weight_sum  # no UDF: the native sum is the same in every program
FORMULA_MODES = {"native": RULES, "udf": UDF_RULES}
