"""Consolidate a folder of settore workbooks into the area summary.

Finds the folder's workbooks and runs them through :func:`perf_xl.app.run.run` (one pass
that reads, validates and scores each; one broken file never stops the others: it
becomes findings). The CLI and the Consolida button both call :func:`consolidate_folder`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..core.comparison import compare, partial, refusal
from ..core.monitoring import Period
from ..core.variations import annex
from ..io.previous import PreviousNotUsable, read_previous_summary
from ..io.reader import find_workbooks
from ..io.summary import load_summary_layout
from ..findings import finding
from ..model import Comparison, RunResult
from ..schema import WorkbookSchema
from ..settings import Settings, load_settings
from .run import run


def shipped_workbooks(year: int = 2022) -> Path:
    """The settore workbooks shipped with perf_xl (Cremona's Relazione 2022)."""
    return Path(str(resources.files("perf_xl.workbooks"))) / str(year)


def consolidate_folder(folder: str | Path | None = None, schema: WorkbookSchema | None = None,
                       settings: Settings | None = None, validate: bool = True, workers: int = 1,
                       detail: bool | None = None, period: Period | None = None) -> RunResult:
    """Consolidate every workbook of ``folder`` (default: the shipped 2022 ones).

    With ``validate`` the same pass also runs every validation check, and its findings
    land in the Relazione's «Note e anomalie» sheet and in the JSON. With ``period`` the workbooks
    are scored at a monitoring checkpoint (see :mod:`perf_xl.app.monitoring`).
    """
    folder = Path(folder) if folder else shipped_workbooks()
    files = find_workbooks(folder)
    result = run(files, validate=validate, consolidate=True, detail=detail, workers=workers,
                 settings=settings, schema=schema, period=period)
    result.folder = str(folder)
    if result.variations:  # the Relazione's annex: what each registered change was worth
        result.annex = annex(result.areas, result.variations, settings or load_settings())
    if not files:
        result.report.add(finding("cartella-vuota", file=str(folder)))
    return result


class NotComparable(ValueError):
    """The previous year's JSON cannot be compared with this run (the message, in Italian, says why);
    nothing has been written."""


def read_previous(path: str | Path) -> dict:
    """The previous year's ``consolidate --json`` for ``--confronta``, read and checked before any
    workbook is (a wrong file stops the command at once)."""
    try:
        return read_previous_summary(path)
    except PreviousNotUsable as exc:
        raise NotComparable(str(exc)) from exc


def compare_years(c: RunResult, previous: dict, source: str | Path) -> Comparison:
    """This run against the previous year's JSON (read by :func:`read_previous` from ``source``):
    refused when it is another comune's, or of the same year or a later one. When either year's
    Relazione is incomplete the run's findings get an avviso (``confronto-parziale``)."""
    name = Path(source).name
    why = refusal(previous, name, c.year, c.comune)
    if why:
        raise NotComparable(why)
    c.report.extend(partial(previous, name, c.not_used))
    return compare(c.areas, c.detail, c.year, previous, name, load_summary_layout()["confronto"]["sheet"])
