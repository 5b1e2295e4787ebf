"""xlwings UDFs: the scoring rules in the cell, while the dirigente types.

Each function is a thin call into :mod:`perf_xl.scoring` (``row_cells``, ``objective_cell``,
the same rule as the native formulas): no rule is written here. The settings come from the
workbook: the template passes its defined names (``perf_verde``, ``perf_giallo``,
``perf_decrescente``) as arguments, so a row shows one result with or without the add-in; an
older workbook's call without them uses this PC's settings (``schemas/settings.toml``, or the
file named by ``PERF_XL_SETTINGS``). Every function takes a single cell *or* whole columns (one
array formula over a column recalculates far faster than thousands of single-cell calls) and
returns a value or a column of values: empty while atteso or consuntivo is blank, the schema's
``invalid`` mark («errore») for a number typed as text or an unknown polarity, an Excel error
value (``#VALUE!``) only for arguments no rule accepts, never a Python traceback in the cell.

On Windows/macOS with the xlwings add-in these are classic UDFs (``=PERF_RAGG(K2;L2;J2)``);
with xlwings Server (Office.js) the same module is imported as custom functions
(``=XLWINGS.PERF_RAGG(...)``). On Linux the decorators only attach metadata, so the
functions are plain Python and are tested as such. VBA names allow no dots, hence
``PERF_RAGG`` and not ``PERF.RAGG``.
"""

from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from typing import Any

import xlwings as xw

from . import scoring
from .schema import load_schema
from .settings import Settings, SettingsError, load_settings

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
    if scoring.is_number(v):
        return float(v)
    raise _BadInput  # blank, TRUE/FALSE, or a number typed as text ("24,29")


def _optional_number(v) -> float | None:
    return None if scoring.is_blank(v) else _number(v)


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
            except (_BadInput, SettingsError):
                v = excel_error(VALUE_ERROR)
            row.append("" if v is None else v)
        result.append(row)
    return result[0][0] if len(result) == 1 and len(result[0]) == 1 else result


def _marks():
    return load_schema().marks


def _with(verde=None, giallo=None, rapporto=None) -> Settings:
    """The settings the workbook passes (its defined names); what it does not pass, this PC's
    (the signatures of older workbooks: ``PERF_BAROMETRO(P2)``)."""
    base = settings()
    changes = {}
    if not scoring.is_blank(verde):
        changes["green"] = _number(verde)
    if not scoring.is_blank(giallo):
        changes["yellow"] = _number(giallo)
    if not scoring.is_blank(rapporto):
        if not isinstance(rapporto, str):
            raise _BadInput
        changes["decreasing_ratio"] = rapporto.strip().lower()
    return dataclasses.replace(base, **changes) if changes else base


def _row(atteso, consuntivo, polarita, rapporto=None) -> scoring.RowCells:
    return scoring.row_cells(atteso, consuntivo, polarita, None, _with(rapporto=rapporto), _marks().invalid)


@xw.func
@xw.arg("atteso", ndim=2)
@xw.arg("consuntivo", ndim=2)
@xw.arg("polarita", ndim=2)
@xw.arg("rapporto", ndim=2)
def PERF_RAGG(atteso, consuntivo, polarita, rapporto=None):
    """% di raggiungimento dell'indicatore (0-100) secondo le regole del Comune.

    atteso: target atteso; consuntivo: valore raggiunto; polarita: crescente, decrescente o binario
    (senza badare a maiuscole e spazi); facoltativo rapporto: la regola dei decrescenti oltre il
    target ("plain" o "gzoom"), dal nome perf_decrescente della cartella di lavoro.
    Vuoto finché atteso o consuntivo mancano; «errore» se uno è testo o la polarità non è ammessa.
    Accetta celle singole o intere colonne (formula matrice).
    """
    return _elementwise(lambda a, c, p, r: _row(a, c, p, r).achievement, atteso, consuntivo, polarita, rapporto)


@xw.func
@xw.arg("atteso", ndim=2)
@xw.arg("consuntivo", ndim=2)
@xw.arg("polarita", ndim=2)
def PERF_SCOSTAMENTO(atteso, consuntivo, polarita):
    """Scostamento dal target, positivo quando il risultato è migliore del target atteso."""
    return _elementwise(lambda a, c, p: _row(a, c, p).deviation, atteso, consuntivo, polarita)


def _light(ragg, verde, giallo, peso):
    invalid = _marks().invalid
    if ragg == invalid:
        return invalid
    if not (scoring.is_blank(ragg) or scoring.is_number(ragg)):
        raise _BadInput
    return scoring.indicator_light(None if scoring.is_blank(ragg) else ragg, peso, _with(verde, giallo))


@xw.func
@xw.arg("ragg", ndim=2)
@xw.arg("peso", ndim=2)
def PERF_BAROMETRO(ragg, verde=None, giallo=None, peso=None):
    """Barometro (verde, giallo, rosso) di una % di raggiungimento, come mostrata (arrotondata).

    Facoltativi verde e giallo: le soglie della cartella di lavoro (i nomi perf_verde, perf_giallo);
    senza, quelle del Comune su questo PC. Facoltativo peso: con peso 0 l'indicatore è nettizzato
    («neutralizzato»).
    """
    return _elementwise(lambda r, w: _light(r, verde, giallo, w), ragg, peso)


@xw.func
@xw.arg("pesi", ndim=2)
@xw.arg("ragg", ndim=2)
@xw.arg("codici", ndim=2)
def PERF_OBIETTIVO(pesi, ragg, codici=None, codice=None, prima_riga=None):
    """Punteggio dell'obiettivo: somma(peso × % Ragg) / somma dei pesi.

    pesi, ragg: le colonne Peso e % Ragg; facoltativi codici e codice: considera solo le righe
    il cui codice obiettivo è uguale a codice; prima_riga: il numero di riga della prima cella
    delle colonne. Le righe senza % Ragg non contano; una riga con «errore» o con un peso scritto
    come testo dà «errore: riga N».
    """
    try:
        if codici is None:
            w, r = _broadcast(pesi, ragg)
            keep = [[True] * len(w[0]) for _ in w]
        else:
            w, r, k = _broadcast(pesi, ragg, codici)
            keep = [[c == codice for c in row] for row in k]
        first = 1 if scoring.is_blank(prima_riga) else int(_number(prima_riga))
    except (_BadInput, ValueError):
        return excel_error(VALUE_ERROR)
    width = len(w[0]) if w else 1
    rows = [(first + i // width, wv, rv)
            for i, (wv, rv, kv) in enumerate((wv, rv, kv) for wr, rr, kr in zip(w, r, keep)
                                             for wv, rv, kv in zip(wr, rr, kr)) if kv]
    marks = _marks()
    score = scoring.objective_cell(rows, marks.invalid, marks.objective_invalid)
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
