"""Consolidate a folder of settore workbooks into the area summary.

Finds the folder's workbooks and runs them through :func:`perf_xl.app.run.run` (one pass
that reads, validates and scores each; one broken file never stops the others: it
becomes findings). The CLI and the Consolida button both call :func:`consolidate_folder`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..io.reader import find_workbooks
from ..findings import finding
from ..model import RunResult
from ..schema import WorkbookSchema
from ..settings import Settings
from .run import run


def shipped_workbooks(year: int = 2022) -> Path:
    """The settore workbooks shipped with perf_xl (Cremona's Relazione 2022)."""
    return Path(str(resources.files("perf_xl.workbooks"))) / str(year)


def consolidate_folder(folder: str | Path | None = None, schema: WorkbookSchema | None = None,
                       settings: Settings | None = None, validate: bool = True, workers: int = 1,
                       detail: bool | None = None) -> RunResult:
    """Consolidate every workbook of ``folder`` (default: the shipped 2022 ones).

    With ``validate`` the same pass also runs every validation check, and its findings
    land in the Relazione's «Note e anomalie» sheet and in the JSON.
    """
    folder = Path(folder) if folder else shipped_workbooks()
    files = find_workbooks(folder)
    result = run(files, validate=validate, consolidate=True, detail=detail, workers=workers,
                 settings=settings, schema=schema)
    result.folder = str(folder)
    if not files:
        result.report.add(finding("cartella-vuota", file=str(folder)))
    return result
