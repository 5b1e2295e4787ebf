"""The year's cycle: next year's settore workbooks from this year's (``perf-xl new-year``), and this
layout from an older one (``perf-xl upgrade``).

Next year's plan is mostly this year's with new targets (D.Lgs. 150/2009 art. 10; the PIAO's
performance section): every settore workbook of a folder gives one for the new year, with the same
objectives and indicators under the same codes (so years can be matched), the same formulas,
polarity and weights, the targets kept and marked *da confermare* («Stato target», ``[cycle]`` of
settore.toml), the consuntivi empty, and last year's consuntivo and % Ragg beside each indicator
as a read-only reference. What belonged to last year's result goes: the notes, the published
% Ragg and area scores, the line of the Relazione.

Each workbook is read through :mod:`perf_xl.io.reader` (an older layout upgraded on the way) and
written by the template (:mod:`perf_xl.io.template`), which lays out the current schema. One
workbook that cannot be used is a finding; the others are still written. Nothing is ever
replaced: when an output exists (or is one of the inputs), nothing is written at all.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import formulas
from ..findings import finding
from ..model import ERROR, AreaInfo, Finding, SettoreWorkbook, with_indicator_codes
from ..schema import WorkbookSchema, load_schema
from ..scoring import is_number, row_cells
from ..settings import Settings, load_settings
from ..io.outputs import same_file
from ..io.reader import find_workbooks, indicators_read, read_settore_workbook
from ..io.template import write_settore_workbook

UPGRADED_SUFFIX = " (aggiornato)"  # perf-xl upgrade: «2022_x.xlsx» -> «2022_x (aggiornato).xlsx»


class OutputsExist(ValueError):
    """A workbook to write would replace a file (an existing one, or an input): nothing was written.
    The message is Italian."""


@dataclass
class CycleResult:
    """What ``new-year`` or ``upgrade`` did: the workbooks written (source -> new file), those left as
    they were, and why any was not written."""

    files: list[Path] = field(default_factory=list)
    written: list[tuple[Path, Path]] = field(default_factory=list)
    current: list[Path] = field(default_factory=list)  # upgrade: already in the current layout
    findings: list[Finding] = field(default_factory=list)
    objectives: int = 0
    indicators: int = 0

    @property
    def not_written(self) -> list[Path]:
        done = {src for src, _ in self.written} | set(self.current)
        return [p for p in self.files if p not in done]


# --- the rule: one workbook of next year (pure) ------------------------------------------------------

def next_year_workbook(wb: SettoreWorkbook, year: int, source: str, schema: WorkbookSchema,
                       settings: Settings) -> SettoreWorkbook:
    """``wb`` (read in the current layout) as next year's workbook: codes (an indicator without one gets
    one), names, formulas, polarity, weights and targets kept; each target *da confermare*; consuntivi, notes and published values
    empty (the checkpoints' too: the template writes their columns, from the settings); last year's consuntivo
    and % Ragg (unrounded, by the comune's rules) as references."""
    pending = schema.cycle.pending
    rows = []
    for r in with_indicator_codes(wb.rows):  # an indicator added by typing gets its code now
        pct = row_cells(r.target, r.actual, r.polarity, r.weight, settings, schema.marks.invalid).achievement
        rows.append(dataclasses.replace(
            r, actual=None, note="", published_achievement=None, source_ref="",
            checkpoints=None,  # the monitoring's consuntivi and corrective actions are this year's (the «Proiezione» stays)
            target_state=pending if r.target is not None else "",
            previous_actual=r.actual, previous_achievement=pct if is_number(pct) else None))
    info = {"year": year, "settore": wb.info.get("settore", ""), "schema_version": schema.version,
            "source": f"{source} (anno {wb.info.get('year')})", "comune": wb.info.get("comune", "")}
    areas = tuple(AreaInfo(a.number, a.name, None) for a in wb.areas)
    return SettoreWorkbook(info=info, areas=areas, rows=tuple(rows))


def next_year_name(path: Path, old_year, year: int) -> str:
    """``2022_polizia.xlsx`` -> ``2023_polizia.xlsx``; a name that does not start with the old year
    gets the new one in front (``polizia.xlsx`` -> ``2023_polizia.xlsx``). Always ``.xlsx``."""
    stem = path.stem
    if old_year is not None and stem.startswith(str(old_year)):
        return f"{year}{stem[len(str(old_year)):]}.xlsx"
    return f"{year}_{stem}.xlsx"


def _distinct(names: list[str]) -> list[str]:
    """Two sources whose new names coincide (ignoring case) get ``-2``, ``-3``…: never one file for two."""
    used: set[str] = set()
    out = []
    for name in names:
        stem, n = name[:-len(".xlsx")], 2
        candidate = name
        while candidate.casefold() in used:
            candidate, n = f"{stem}-{n}.xlsx", n + 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def formula_mode(read) -> str:
    """The way the source's computed cells are written, kept in the new workbook: ``udf`` when they call
    perf_xl's xlwings UDFs (the % Ragg cell's ``PERF_RAGG(``), else ``native``."""
    return "udf" if f"{formulas.UDF_ACHIEVEMENT}(".encode() in (read.indicators_xml or b"") else "native"


def refuse_existing(targets: list[Path], inputs: list[Path], how: str) -> None:
    """Before anything is written: no output may replace an input or an existing file."""
    for t in targets:
        for i in inputs:
            if same_file(t, i):
                raise OutputsExist(f"La cartella di lavoro «{i}» sarebbe sostituita da quella nuova: {how}. "
                                   "Non è stato scritto nulla.")
    existing = [t for t in targets if os.path.lexists(t)]
    if existing:
        folders = list(dict.fromkeys(str(t.parent) for t in existing))
        where = f" in «{folders[0]}»" if len(folders) == 1 else ""
        shown = ", ".join(f"«{t.name if where else t}»" for t in existing[:10])
        if len(existing) > 10:
            shown += f" e altri {len(existing) - 10}"
        what = (f"Esiste già{where} 1 file che sarebbe sostituito" if len(existing) == 1
                else f"Esistono già{where} {len(existing)} file che sarebbero sostituiti")
        raise OutputsExist(f"{what}: {shown}. perf_xl non sostituisce mai un file: {how}. Non è stato scritto nulla.")


# --- the runs ------------------------------------------------------------------------------------------

def new_year(folder: str | Path, out_dir: str | Path, year: int | None = None, schema: WorkbookSchema | None = None,
             settings: Settings | None = None) -> CycleResult:
    """Write next year's workbook of every settore workbook in ``folder`` into ``out_dir``.

    ``year`` defaults to each workbook's year + 1. A workbook that cannot be read, has no year, or is
    not older than ``year`` is a finding and is not written; the others are. :class:`OutputsExist`
    when any output exists or is an input (then nothing is written)."""
    schema = schema or load_schema()
    settings = settings or load_settings()
    result = CycleResult(files=find_workbooks(folder))
    out_dir = Path(out_dir)
    planned: list[tuple[Path, SettoreWorkbook, str, str]] = []
    info_cell, info_row = schema.info.cell("year")
    for path in result.files:
        read = read_settore_workbook(path, schema)
        result.findings.extend(f for f in read.findings if f.severity == ERROR)  # why one is not written
        if read.workbook is None or not indicators_read(read.findings, schema):
            continue
        old = read.workbook.info.get("year")
        where = dict(file=str(path), sheet=schema.info.name, cell=info_cell, row=info_row,
                     column=schema.info.field("year").label, name=path.name)
        if not isinstance(old, int) and year is None:
            result.findings.append(finding("anno-mancante", **where))
            continue
        new = year if year is not None else old + 1
        if isinstance(old, int) and old >= new:
            result.findings.append(finding("anno-non-successivo", value=old, year=new, **where))
            continue
        wb = next_year_workbook(read.workbook, new, path.name, schema, settings)
        planned.append((path, wb, next_year_name(path, old, new), formula_mode(read)))
    names = _distinct([name for _, _, name, _ in planned])
    targets = [out_dir / name for name in names]
    refuse_existing(targets, result.files, "indicare un'altra cartella con --out, oppure spostare quei file")
    out_dir.mkdir(parents=True, exist_ok=True)
    for (path, wb, _, mode), target in zip(planned, targets):
        write_settore_workbook(target, wb, schema, settings, formula_mode=mode)
        result.written.append((path, target))
        result.indicators += len(wb.rows)
        result.objectives += len({(r.area, r.objective_code) for r in wb.rows})
    return result


def upgraded_path(path: Path) -> Path:
    """Where ``upgrade`` writes a workbook's new layout: beside it, ``<stem> (aggiornato).xlsx``."""
    return path.with_name(f"{path.stem}{UPGRADED_SUFFIX}.xlsx")


def upgrade_files(paths: list[str | Path], schema: WorkbookSchema | None = None,
                  settings: Settings | None = None) -> CycleResult:
    """Write each workbook of an older layout again in the current one, beside it (the source is never
    replaced): its data as read through the upgrade steps (:mod:`perf_xl.versions`). A workbook
    already in the current layout is left alone (``current``); one that cannot be read, or of a
    newer layout, is a finding. :class:`OutputsExist` when any output exists (nothing is written)."""
    schema = schema or load_schema()
    settings = settings or load_settings()
    result = CycleResult(files=[Path(p) for p in paths])
    planned: list[tuple[Path, SettoreWorkbook, str]] = []
    for path in result.files:
        read = read_settore_workbook(path, schema)
        result.findings.extend(f for f in read.findings if f.severity == ERROR)
        if read.workbook is None or not indicators_read(read.findings, schema):
            continue
        if read.upgraded_from is None:
            result.current.append(path)
            continue
        planned.append((path, read.workbook, formula_mode(read)))
    targets = [upgraded_path(p) for p, _, _ in planned]
    refuse_existing(targets, result.files, "spostare o rinominare quei file e riprovare")
    for (path, wb, mode), target in zip(planned, targets):
        write_settore_workbook(target, dataclasses.replace(wb, path=""), schema, settings, formula_mode=mode)
        result.written.append((path, target))
        result.indicators += len(wb.rows)
        result.objectives += len({(r.area, r.objective_code) for r in wb.rows})
    return result
