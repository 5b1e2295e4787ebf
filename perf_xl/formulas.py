"""Native Excel formulas for the computed columns.

These are the rules of :mod:`perf_xl.scoring` (``row_cells``, ``objective_cell``) spelled in
Excel's formula language, so a settore workbook shows the right values in any spreadsheet
program with no add-in. Cell positions come from the schema (a letter map), the marks and the
defined names from its ``[computed]`` and ``[names]`` tables. The settings are *not* written
into the formulas: they read the workbook's defined names (``perf_verde``, ``perf_giallo``,
``perf_decrescente``), which the template writes from the settings it was built with, so the
formula text is the same for every comune and the UDFs can be handed the same values.

Every rule keeps the signature ``(letters, row, settings, …)`` that the template and the formula
check call it with, though the settings now reach the cell through the names, not the text.
Only functions Excel 2010 and LibreOffice share (no LET: Excel 2019 and LibreOffice 7 lack it),
no wildcard-matching function on user text (MATCH would read ``cresc*`` as a pattern), and
conditions multiplied rather than AND/NOT (the formula check quotes the expected formula in an
Italian message, where English words would read as a slip).
``tests/test_libreoffice_recalc.py`` and ``tests/test_engines.py`` recalculate them in
LibreOffice and compare with the Python core and the UDFs.
"""

from __future__ import annotations

from .scoring import POLARITIES, SHOWN_DECIMALS, WEIGHT_SUM_TOLERANCE
from .schema import load_schema
from .settings import LIGHTS, NEUTRALISED, Settings

_BEYOND = 10000000  # past any row (Excel has 1048576): "the first row" as a MAX of (_BEYOND - row)


def _fmt(x: float) -> str:
    """A number in a formula: ``95``, ``0.005`` (formulas are stored in Excel's English syntax)."""
    return f"{x:g}"


def _q(text: str) -> str:
    """A string literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


def _cells(letters: dict[str, str], row: int) -> tuple[str, str, str]:
    return tuple(f"{letters[k]}{row}" for k in ("target", "actual", "polarity"))


def _row_rule(letters: dict[str, str], row: int, valid: str) -> str:
    """The rule every computed cell of a row shares (:func:`perf_xl.scoring._inputs`): empty while
    atteso or consuntivo is blank, the ``invalid`` mark when one is not a number or the polarity
    (trimmed, any case) is not in the list, else ``valid`` (which may use ``{p}``, the polarity)."""
    t, a, p = _cells(letters, row)
    pol = f"LOWER(TRIM({p}))"
    known = ",".join(f"{pol}={_q(x)}" for x in POLARITIES)
    return (f'IF(OR({t}="",{a}=""),"",IF(ISNUMBER({t})*ISNUMBER({a})*OR({known}),'
            + valid.format(p=pol) + f",{_q(load_schema().marks.invalid)}))")


def achievement(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    t, a, _ = _cells(letters, row)
    names = load_schema().names
    gzoom = f"IF({t}=0,0,MAX(0,MIN(100,(2*{t}-{a})/{t}*100)))"
    plain = f"IF({a}<=0,0,MAX(0,MIN(100,{t}/{a}*100)))"
    return "=" + _row_rule(letters, row, (
        'IF({p}="binario",IF(' + a + '>=1,100,0),'
        'IF({p}="decrescente",IF(' + f'{a}<={t},100,IF({names.decreasing_ratio}="gzoom",{gzoom},{plain})),'
        f'IF({t}=0,"",MAX(0,MIN(100,{a}/{t}*100)))))'))


def deviation(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    t, a, _ = _cells(letters, row)
    return "=" + _row_rule(letters, row, 'IF({p}="decrescente",' + f"{t}-{a},{a}-{t})")


def traffic_light(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    """The mark passes through, peso 0 is *neutralizzato*, else the light of % Ragg as shown."""
    r, w = f"{letters['achievement']}{row}", f"{letters['weight']}{row}"
    s, names = load_schema(), load_schema().names
    shown = f"ROUND({r},{SHOWN_DECIMALS})"
    return (f"=IF({r}={_q(s.marks.invalid)},{r},IF(ISNUMBER({w})*({w}=0),{_q(NEUTRALISED)},"
            f'IF(ISNUMBER({r}),IF({shown}>={names.green},"verde",'
            f'IF({shown}>={names.yellow},"giallo","rosso")),"")))')


def _rng(letters: dict[str, str], key: str, first_row: int, last_row: int) -> str:
    col = letters[key]
    return f"${col}${first_row}:${col}${last_row}"


def objective_score(letters: dict[str, str], row: int, settings: Settings | None = None, first_row: int = 2,
                    last_row: int = 2) -> str:
    """Σ(peso × % Ragg) / Σ peso over the rows with the same objective code, or the mark naming
    the objective's first row that is marked or has a Peso typed as text.

    SUMPRODUCT with separate array arguments treats text (the empty string of a not-yet-computed
    % Ragg, the mark) as 0, and the denominator counts only rows that have a % Ragg, exactly as
    :func:`perf_xl.scoring.objective_cell`. ``SUMPRODUCT(MAX(…))`` finds the first bad row
    without an array formula (SUMPRODUCT evaluates its argument as an array in Excel and LibreOffice).
    """
    code, weight, pct = (_rng(letters, k, first_row, last_row) for k in ("objective_code", "weight", "achievement"))
    marks = load_schema().marks
    me = f"{letters['objective_code']}{row}"
    bad = f"(({pct}={_q(marks.invalid)})+ISTEXT({weight})>0)"
    first_bad = f"SUMPRODUCT(MAX(({code}={me})*{bad}*({_BEYOND}-ROW({pct}))))"
    before, _, after = marks.objective_invalid.partition("{row}")
    mark = "&".join(x for x in (_q(before) if before else "", f"({_BEYOND}-{first_bad})", _q(after) if after else "") if x)
    return (f"=IF({first_bad}>0,{mark},"
            f"IFERROR(SUMPRODUCT(--({code}={me}),{weight},{pct})"
            f'/SUMPRODUCT(--({code}={me}),{weight},--({pct}<>"")),""))')


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


def pending(letters: dict[str, str], key: str, row: int, column) -> str:
    """A target carried over by ``perf-xl new-year`` and not yet confirmed: the row's «Stato target»
    is the schema's ``[cycle] pending`` (EXACT, as validation compares it)."""
    state = f"{letters['target_state']}{row}"
    return f"EXACT({state},{_q(load_schema().cycle.pending)})"


def actions_missing(letters: dict[str, str], key: str, row: int, column) -> str:
    """An indicator *rosso* or *giallo* at a monitoring checkpoint whose «Azioni correttive» cell is empty
    (``letters`` are the checkpoint's: its Barometro; as :func:`perf_xl.core.monitoring.check_actions`)."""
    light = f"{letters['traffic_light']}{row}"
    return f'AND({letters[key]}{row}="",OR({light}="rosso",{light}="giallo"))'


MARK_RULES = {
    "actions_missing": actions_missing,
    "pending": pending,
    "not_a_number": not_a_number,
    "out_of_range": out_of_range,
    "not_allowed": not_allowed,
    "missing_with_target": missing_with_target,
    "weight_sum_not_100": weight_sum_not_100,
}


# --- UDF mode: call the xlwings UDF, fall back to the native formula ---------------------------
#
# With the add-in the cell is computed by perf_xl's Python; without it (or in LibreOffice) the
# unknown function is an error, and the native formula's value is shown instead. The fallback
# must also catch a UDF that returns *text*: the xlwings add-in's "Import Functions" wrapper
# returns Err.Description as a string when Python fails. So a numeric cell takes the UDF's value
# only when it is a number (``udf+0``: text gives #VALUE!, one call instead of ISNUMBER's two),
# and the Barometro only when it is one of the allowed words. Whatever falls back gets the native
# formula's value, which is the same rule, so an empty or marked cell comes out the same.
#
# The UDFs receive the workbook's settings (the defined names), never the PC's.

UDF_ACHIEVEMENT = "PERF_RAGG"  # the % Ragg UDF: a sheet whose formulas call it was written in UDF mode


def _number_udf(call: str, native: str) -> str:
    return f"=IFERROR({call}+0,{native.lstrip('=')})"


def _word_udf(call: str, native: str, words: tuple[str, ...]) -> str:
    array = "{" + ",".join(_q(w) for w in words) + "}"
    return f"=IFERROR(INDEX({array},MATCH({call},{array},0)),{native.lstrip('=')})"


def achievement_udf(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    t, a, p = _cells(letters, row)
    call = f"{UDF_ACHIEVEMENT}({t},{a},{p},{load_schema().names.decreasing_ratio})"
    return _number_udf(call, achievement(letters, row, settings))


def deviation_udf(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    t, a, p = _cells(letters, row)
    return _number_udf(f"PERF_SCOSTAMENTO({t},{a},{p})", deviation(letters, row, settings))


def traffic_light_udf(letters: dict[str, str], row: int, settings: Settings | None = None) -> str:
    names = load_schema().names
    call = f"PERF_BAROMETRO({letters['achievement']}{row},{names.green},{names.yellow},{letters['weight']}{row})"
    return _word_udf(call, traffic_light(letters, row, settings), (*LIGHTS, NEUTRALISED))


def objective_score_udf(letters: dict[str, str], row: int, settings: Settings | None = None, first_row: int = 2,
                        last_row: int = 2) -> str:
    w, r, c = (_rng(letters, k, first_row, last_row) for k in ("weight", "achievement", "objective_code"))
    call = f"PERF_OBIETTIVO({w},{r},{c},{letters['objective_code']}{row},{first_row})"
    return _number_udf(call, objective_score(letters, row, settings, first_row, last_row))


UDF_RULES = {
    "achievement": achievement_udf,
    "deviation": deviation_udf,
    "traffic_light": traffic_light_udf,
    "objective_score": objective_score_udf,
}
UDF_RULES["weight_sum"] = weight_sum  # no UDF: the native sum is the same in every program
FORMULA_MODES = {"native": RULES, "udf": UDF_RULES}
