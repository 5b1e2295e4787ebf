"""``perf-xl validate``: the workbooks of the paths given, each once, through the one pass."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..io.reader import find_workbooks
from ..model import RunResult
from ..schema import WorkbookSchema
from ..settings import Settings
from .run import run


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The workbooks to validate, each once: the same file given twice, as a file and through its
    folder, or through a symbolic link, is one file (compared by resolved path, first one kept)."""
    out, seen = [], set()
    for p in map(Path, paths):
        for f in (find_workbooks(p) if p.is_dir() else [p]):
            try:
                key = f.resolve()
            except (OSError, RuntimeError):  # a symlink loop: kept as given, the reader reports it
                key = f.absolute()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def validate_paths(paths: Iterable[str | Path], schema: WorkbookSchema | None = None,
                   settings: Settings | None = None, workers: int = 1) -> RunResult:
    """Validate every workbook of ``paths`` (files or folders, each file once) in one pass."""
    return run(collect_paths(paths), validate=True, consolidate=False, workers=workers, settings=settings,
               schema=schema)
