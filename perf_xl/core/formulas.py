"""Native Excel formulas for the computed columns, generated from the settings.

These are the same rules as :mod:`perf_xl.core.scoring`, spelled in Excel's formula
language, so a settore workbook shows the right values in any spreadsheet program
with no add-in. Cell positions come from the schema (a letter map), thresholds and
the decrescente ratio from :class:`~perf_xl.settings.Settings`: nothing is written
twice. ``tests/test_libreoffice_recalc.py`` recalculates them in LibreOffice and
compares with the Python functions row by row.
"""

from __future__ import annotations

from ..settings import Settings


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
    % Ragg, exactly as :func:`perf_xl.core.scoring.objective_score`.
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
}
