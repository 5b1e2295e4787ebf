"""Publish the Relazione: one run that writes what the comune puts in *Amministrazione Trasparente*.

The same consolidation as ``consolidate`` (:func:`perf_xl.app.consolidate.consolidate_folder`), with
the detail always on (a published Relazione lists every indicator, whatever the number of
workbooks), then into one folder: the Relazione workbook, the Relazione PDF (PDF/A, tagged) and the
open data. Each output is written atomically; the command line checks, before anything is written,
that none of them would replace an input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..io.open_data import open_data_paths, write_open_data
from ..io.pdf import write_relazione_pdf
from ..io.summary import write_summary_workbook
from ..model import RunResult
from ..schema import WorkbookSchema
from ..settings import Settings, load_settings
from .consolidate import consolidate_folder


@dataclass(frozen=True)
class Publication:
    """Where a publication's files go (named after the run's year)."""

    workbook: Path
    pdf: Path
    open_data: tuple[Path, ...]  # the CSV files, then datapackage.json

    @property
    def all(self) -> list[Path]:
        return [self.pdf, self.workbook, *self.open_data]


def relazione_name(c: RunResult, suffix: str) -> str:
    """``Relazione_2022.xlsx``: the name ``consolidate`` gives its workbook by default."""
    return f"Relazione_{c.year or 'performance'}{suffix}"


def publication_paths(c: RunResult, out_dir: str | Path, differentiation: bool = False) -> Publication:
    out_dir = Path(out_dir)
    return Publication(workbook=out_dir / relazione_name(c, ".xlsx"), pdf=out_dir / relazione_name(c, ".pdf"),
                       open_data=tuple(open_data_paths(out_dir, differentiation)))


def publish_folder(folder: str | Path | None = None, schema: WorkbookSchema | None = None,
                   settings: Settings | None = None, validate: bool = True, workers: int = 1) -> RunResult:
    """Consolidate ``folder`` (default: the shipped 2022 workbooks) for publication: every indicator kept."""
    return consolidate_folder(folder, schema, settings, validate=validate, workers=workers, detail=True)


def differentiation_of(c: RunResult, schede_dir: str | Path, valutazione_path=None) -> list[dict]:
    """The differentiation table of the dirigenti's schede in ``schede_dir`` (``publish --schede``), their
    objectives' scores those of this run ``c``: rows without names."""
    from ..evaluation import load_valutazione
    from .schede import differentiation_rows, schede_of

    v = load_valutazione(valutazione_path)
    return differentiation_rows(schede_of(c, schede_dir, v), v)


def write_publication(c: RunResult, out_dir: str | Path, settings: Settings | None = None,
                      differentiation: list[dict] | None = None) -> list[Path]:
    """Write the publication's files into ``out_dir``; returns them in the order written. The PDF goes
    first: it needs WeasyPrint and Pango, and when they are missing nothing else is written either.
    ``differentiation`` (from :func:`differentiation_of`) adds its resource to the open data."""
    paths = publication_paths(c, out_dir, differentiation is not None)
    written = [write_relazione_pdf(paths.pdf, c, settings)]
    written.append(write_summary_workbook(paths.workbook, c, settings))
    written.extend(write_open_data(c, Path(out_dir), settings or load_settings(), differentiation))
    return written
