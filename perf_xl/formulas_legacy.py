"""The previous template's formulas (perf_xl before the workbook carried its settings as defined
names), kept only so that validation recognises the computed cells of a workbook built then
(:func:`perf_xl.app.validation.check_formulas`) instead of reporting every cell as changed.
New workbooks get :mod:`perf_xl.formulas`; these are never written. They bake the thresholds into
the text, so they match only with the settings the workbook was built with.
"""

from __future__ import annotations

from .formulas import weight_sum
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


RULES = {
    "achievement": achievement,
    "deviation": deviation,
    "traffic_light": traffic_light,
    "objective_score": objective_score,
    "weight_sum": weight_sum,  # the same formula then and now: a workbook of either template may have it
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
    "weight_sum": weight_sum,
}
