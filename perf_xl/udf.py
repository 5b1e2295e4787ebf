"""xlwings UDFs: the scoring rules in the cell, while the dirigente types.

Each function is a thin call into :mod:`perf_xl.scoring` with the comune's
settings (``schemas/settings.toml``, or the file named by ``PERF_XL_SETTINGS``): no rule
is written here. Every function takes a single cell *or* whole columns (one array
formula over a column recalculates far faster than thousands of single-cell calls)
and returns a value or a column of values. Blank or text inputs give an Excel error
value (``#VALUE!``), never a Python traceback in the cell.

On Windows/macOS with the xlwings add-in these are classic UDFs (``=PERF_RAGG(K2;L2;J2)``);
with xlwings Server (Office.js) the same module is imported as custom functions
(``=XLWINGS.PERF_RAGG(...)``). On Linux the decorators only attach metadata, so the
functions are plain Python and are tested as such. VBA names allow no dots, hence
``PERF_RAGG`` and not ``PERF.RAGG``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import xlwings as xw

from . import scoring
from .settings import Settings, load_settings

VALUE_ERROR = "#VALUE!"
_HRESULT = {"#VALUE!": -2146826273, "#N/A": -2146826246, "#DIV/0!": -2146826281}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings(os.environ.get("PERF_XL_SETTINGS") or None)


def excel_error(code: str = VALUE_ERROR) -> Any:
    """A real Excel error value on Windows (COM VT_ERROR); elsewhere its text, which xlwings
    Server turns into an Excel error for Office.js and which tests can compare."""
    try:  # pragma: no cover - only on Windows with pywin32
        import pythoncom
        from win32com.client import VARIANT

        return VARIANT(pythoncom.VT_ERROR, _HRESULT[code])
    except ImportError:
        return code


class _BadInput(Exception):
    pass


def _number(v) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise _BadInput  # blank, TRUE/FALSE, or a number typed as text ("24,29"): a mistake to flag


def _optional_number(v) -> float | None:
    return None if v is None or v == "" else _number(v)


def _text(v) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _BadInput
    return v.strip().lower()


def _grid(x) -> list[list]:
    if isinstance(x, list):
        return [row if isinstance(row, list) else [row] for row in x] if x and isinstance(x[0], list) else [[v] for v in x]
    return [[x]]


def _broadcast(*args) -> tuple[list[list], ...]:
    grids = [_grid(a) for a in args]
    rows = max(len(g) for g in grids)
    cols = max(len(g[0]) if g else 1 for g in grids)
    out = []
    for g in grids:
        if len(g) == 1 and len(g[0]) == 1:
            g = [[g[0][0]] * cols for _ in range(rows)]
        if len(g) != rows or any(len(r) != cols for r in g):
            raise ValueError("ranges of different sizes")
        out.append(g)
    return tuple(out)


def _elementwise(fn, *args):
    """Apply ``fn`` cell by cell; a single cell in gives a single value out."""
    try:
        grids = _broadcast(*args)
    except ValueError:
        return excel_error(VALUE_ERROR)
    result = []
    for cells in zip(*grids):
        row = []
        for values in zip(*cells):
            try:
                v = fn(*values)
            except _BadInput:
                v = excel_error(VALUE_ERROR)
            row.append("" if v is None else v)
        result.append(row)
    return result[0][0] if len(result) == 1 and len(result[0]) == 1 else result


def _polarity(v) -> str:
    p = scoring.normal_polarity(_text(v))
    if p not in scoring.POLARITIES:
        raise _BadInput
    return p


@xw.func
@xw.arg("atteso", ndim=2)
@xw.arg("consuntivo", ndim=2)
@xw.arg("polarita", ndim=2)
def PERF_RAGG(atteso, consuntivo, polarita):
    """% di raggiungimento dell'indicatore (0-100) secondo le regole del Comune.

    atteso: target atteso; consuntivo: valore raggiunto; polarita: crescente, decrescente o binario.
    Accetta celle singole o intere colonne (formula matrice).
    """
    return _elementwise(lambda a, c, p: scoring.achievement(_number(a), _number(c), _polarity(p), settings()),
                        atteso, consuntivo, polarita)


@xw.func
@xw.arg("atteso", ndim=2)
@xw.arg("consuntivo", ndim=2)
@xw.arg("polarita", ndim=2)
def PERF_SCOSTAMENTO(atteso, consuntivo, polarita):
    """Scostamento dal target, positivo quando il risultato è migliore del target atteso."""
    return _elementwise(lambda a, c, p: scoring.deviation(_number(a), _number(c), _polarity(p)),
                        atteso, consuntivo, polarita)


@xw.func
@xw.arg("ragg", ndim=2)
def PERF_BAROMETRO(ragg):
    """Barometro (verde, giallo, rosso) di una % di raggiungimento, con le soglie del Comune."""
    return _elementwise(lambda r: scoring.traffic_light(_number(r), settings()), ragg)


@xw.func
@xw.arg("pesi", ndim=2)
@xw.arg("ragg", ndim=2)
@xw.arg("codici", ndim=2)
def PERF_OBIETTIVO(pesi, ragg, codici=None, codice=None):
    """Punteggio dell'obiettivo: somma(peso × % Ragg) / somma dei pesi.

    pesi, ragg: le colonne Peso e % Ragg; facoltativi codici e codice: considera solo le righe
    il cui codice obiettivo è uguale a codice. Le righe senza % Ragg non contano.
    """
    try:
        if codici is None:
            w, r = _broadcast(pesi, ragg)
            keep = [[True] * len(w[0]) for _ in w]
        else:
            w, r, k = _broadcast(pesi, ragg, codici)
            keep = [[c == codice for c in row] for row in k]
        pairs = [(_optional_number(wv), _optional_number(rv))
                 for wr, rr, kr in zip(w, r, keep) for wv, rv, kv in zip(wr, rr, kr) if kv]
    except (_BadInput, ValueError):
        return excel_error(VALUE_ERROR)
    score = scoring.objective_score(pairs)
    return "" if score is None else score


@xw.func
@xw.arg("punteggi", ndim=2)
def PERF_AREA(punteggi):
    """Punteggio dell'area strategica: media semplice dei punteggi dei suoi obiettivi."""
    try:
        values = [_optional_number(v) for row in _grid(punteggi) for v in row]
    except _BadInput:
        return excel_error(VALUE_ERROR)
    score = scoring.area_score(values)
    return "" if score is None else score


UDFS = (PERF_RAGG, PERF_SCOSTAMENTO, PERF_BAROMETRO, PERF_OBIETTIVO, PERF_AREA)
