"""One pass over many settore workbooks: read each once, validate and score it, merge.

The CLI's ``validate`` and ``consolidate``, the Consolida button and the benchmark all
run through :func:`run`. Workbooks are processed in batches (pandera runs once per
batch of concatenated cells, not once per file), each batch yields small per-file
outcomes (findings, objective parts, the workbook's identity for the check of copies
across files, :mod:`perf_xl.core.duplicates`) and the raw cells are dropped, so memory does
not grow with the number of workbooks. With ``workers > 1`` batches go to a process pool and come back as the
same small outcomes, merged in file order: the results are identical whatever the
number of workers.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..core.consolidation import Objectives, area_key, areas_from_objectives, objective_parts, scorer
from ..core.checks import finding_order
from ..core.duplicates import Identity, find_duplicates, identity_of, value_digest
from ..core.monitoring import Period, corrective_actions, has_checkpoint, missing_actuals, rows_at
from ..core.plan import plan_part
from ..io.reader import indicators_read, read_settore_workbook
from ..io.cell_snapshot import pack, snapshot_of_grids
from ..io.part_store import PartStore, encode_parts
from ..collector import pausing
from ..findings import finding
from openpyxl.utils import get_column_letter
from .validation import validate_reads
from ..model import ERROR, AreaInfo, Finding, RunResult
from ..schema import WorkbookSchema, checkpoint_key, load_schema
from ..settings import Settings, load_settings

BATCH_FILES = 64  # workbooks per batch: pandera's per-call cost amortised, memory bounded
DETAIL_LIMIT = 100  # up to this many workbooks (a comune has dozens) the Relazione lists every indicator


@dataclass
class FileOutcome:
    """What one workbook contributes; small enough to send back from a worker process."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    readable: bool = False
    info: dict = field(default_factory=dict)
    areas: tuple[AreaInfo, ...] = ()
    # its objective parts, packed one chunk per area (io.part_store.encode_parts): (area, count, bytes)
    parts: list[tuple[str, int, bytes]] = field(default_factory=list)
    usable: bool = False  # its indicators were read (the file opened and its Indicatori sheet was read)
    identity: Identity | None = None  # for the check of copies across workbooks (when usable)
    # each area the rows name, with where it is first named: (area, sheet, cell, row)
    area_cells: list[tuple[str, str, str, int]] = field(default_factory=list)
    actions: list = field(default_factory=list)  # a monitoring run: its rosso and giallo indicators
    variations: tuple = ()  # the entries of its register of changes (its Variazioni sheet)
    plan: dict | None = None  # its part of the plan, as core.plan.plan_part (the nightly keeps it for --piano)
    snapshot: bytes = b""  # its input cells, packed (io.cell_snapshot), for the nightly's change history


@dataclass(frozen=True)
class _Job:
    paths: tuple[str, ...]
    validate: bool
    consolidate: bool
    detail: bool
    settings: Settings
    schema_path: str
    digests: bool = False  # each workbook's values digest (the nightly caches it); else only for copies
    period: Period | None = None  # a monitoring checkpoint: its rows are scored (see core.monitoring)
    plans: bool = False  # each workbook's part of the plan (the nightly caches it for --piano)
    snapshots: bool = False  # each workbook's input cells (the nightly's change history)


@pausing
def process_batch(job: _Job) -> list[FileOutcome]:
    """Read, validate and score one batch of workbooks (runs in a worker or in-process)."""
    # with the columns of the settings' monitoring checkpoints (optional: a workbook may lack them)
    schema = load_schema(job.schema_path or None).with_checkpoints(job.settings.intermediate_checkpoints)
    reads = [read_settore_workbook(p, schema) for p in job.paths]
    outcomes = {p: FileOutcome(path=p) for p in job.paths}
    if job.validate:
        for f in validate_reads(reads, schema, job.settings):
            outcomes[f.file].findings.append(f)
    else:
        for p, read in zip(job.paths, reads):
            outcomes[p].findings.extend(read.findings)
    for p, read in zip(job.paths, reads):
        o = outcomes[p]
        if job.snapshots:  # from the sheets the reader read: the workbook is not read a second time
            o.snapshot = pack(snapshot_of_grids(read.grids, schema))
        if read.workbook is None:
            continue
        o.readable = True
        o.info = read.workbook.info
        o.areas = read.workbook.areas
        o.usable = indicators_read(read.findings, schema)
        if o.usable:
            o.identity = identity_of(p, o.info, o.areas, read.workbook.rows, read.columns, schema, job.digests)
        o.area_cells = _area_cells(read)
        rows = read.workbook.rows
        if job.period is not None:
            rows = _at_period(read, job.period, job.settings, schema, o)
        o.variations = read.workbook.variations or ()
        if job.plans:
            o.plan = plan_part(read)
        if job.consolidate:
            o.parts = encode_parts(objective_parts(rows, job.settings, detail=job.detail))
    return [outcomes[p] for p in job.paths]


def _at_period(read, period: Period, settings: Settings, schema: WorkbookSchema, o: FileOutcome) -> list:
    """A workbook's rows at a monitoring checkpoint; one without the checkpoint's columns is not read for it
    (a finding, and it counts as not used: never scored 0)."""
    if not has_checkpoint(read.columns, period.day):
        if o.usable:
            layout = schema.indicators
            o.findings.append(finding("periodo-colonne-mancanti", file=o.path, sheet=layout.name,
                                      name=Path(o.path).name, data=layout.checkpoint.label_date(period.day),
                                      label=layout.checkpoint.columns[0].label.format(
                                          data=layout.checkpoint.label_date(period.day))))
        o.usable = False
        return []
    if not period.projected:
        letters = {k: get_column_letter(i + 1) for k, i in read.columns.items()}
        cell = lambda key, row: f"{letters[key]}{row}"  # noqa: E731
        o.actions = corrective_actions(read.workbook.rows, period.day, settings, schema.marks.invalid, cell)
        # the checkpoint's consuntivi still empty (the year end's are not due: not reported, see app.monitoring)
        o.findings.extend(missing_actuals(read.workbook.rows, period.day, cell,
                                          schema.indicators.column(checkpoint_key("actual", period.day)).label))
    return rows_at(read.workbook.rows, period, settings)


def _area_cells(read) -> list[tuple[str, str, str, int]]:
    """Each distinct area of a workbook's rows, with the sheet, cell and row where it first appears."""
    col = read.columns.get("area")
    if col is None:
        return []
    letter = get_column_letter(col + 1)
    first: dict[str, tuple[str, str, str, int]] = {}
    for r in read.workbook.rows:
        if r.area and r.area not in first:
            first[r.area] = (r.area, r.sheet, f"{letter}{r.row}", r.row)
    return list(first.values())


def unknown_areas(outcomes: Iterable[tuple[str, list[tuple[str, str, str, int]]]],
                  tables: Iterable[tuple[str, tuple[AreaInfo, ...]]],
                  schema: WorkbookSchema | None = None) -> list[Finding]:
    """An error for each row area that no Aree sheet lists, even read as a person reads it (case,
    apostrophes, spaces): it would otherwise silently become an area of its own."""
    schema = schema or load_schema()
    column = schema.indicators.column("area").label
    known = {area_key(a.name) for _, areas in tables for a in areas}
    if not known:
        return []  # no Aree sheet at all: already a finding of its own (foglio-mancante)
    out = []
    for file, cells in outcomes:
        for area, sheet, cell, row in cells:
            if area_key(area) not in known:
                out.append(finding("area-sconosciuta", file=file, sheet=sheet, cell=cell, row=row,
                                   column=column, value=area))
    return out


def _batches(paths: list[str], size: int, taper: int = 0) -> Iterator[tuple[str, ...]]:
    """Batches of ``size``; with ``taper``, the last ``taper * size`` files go in quarter-size batches,
    so that the workers run out of work together instead of one waiting for the other's last batch."""
    cut = max(0, len(paths) - taper * size)
    for i in range(0, cut, size):
        yield tuple(paths[i:min(i + size, cut)])
    small = max(1, size // 4)
    for i in range(cut, len(paths), small):
        yield tuple(paths[i:i + small])


def merge_areas(tables: Iterable[tuple[str, tuple[AreaInfo, ...]]],
                schema: WorkbookSchema | None = None) -> tuple[list[AreaInfo], list[Finding]]:
    """One area table from every workbook's Aree sheet; disagreements are findings. Areas are matched
    as a person reads them (:func:`~perf_xl.core.consolidation.area_key`): the first spelling met is kept."""
    layout = (schema or load_schema()).areas
    merged: dict[str, AreaInfo] = {}
    where: dict[str, str] = {}
    findings = []
    for file, areas in tables:
        for a in areas:
            key = area_key(a.name)
            prev = merged.get(key)
            if prev is None:
                merged[key], where[key] = a, file
            elif (prev.number, prev.published) != (a.number, a.published):
                findings.append(finding("area-discordante", file=file, sheet=layout.name,
                                        column=layout.column("area").label, value=a.name, area=a.name,
                                        other=Path(where[key]).name))
    return sorted(merged.values(), key=lambda a: a.number), findings


def iter_outcomes(files: list[str], *, validate: bool, consolidate: bool, detail: bool, workers: int,
                  settings: Settings, schema: WorkbookSchema, batch_files: int = BATCH_FILES,
                  digests: bool = False, period: Period | None = None,
                  plans: bool = False, snapshots: bool = False) -> Iterator[FileOutcome]:
    """Each workbook's outcome, in the order of ``files``, computed in batches by ``workers`` processes."""
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers > 1:  # enough batches to keep every worker busy to the end
        batch_files = max(1, min(batch_files, -(-len(files) // (workers * 2))))
    taper = workers if workers > 1 else 0
    jobs = [_Job(b, validate, consolidate, detail, settings, schema.source, digests, period, plans, snapshots)
            for b in _batches(files, batch_files, taper)]
    workers = min(workers, len(jobs) or 1)
    if workers == 1:
        for job in jobs:
            yield from process_batch(job)
        return
    with ProcessPoolExecutor(workers) as pool:
        for outcomes in pool.map(process_batch, jobs):
            yield from outcomes


def _digest_again(path: str, schema: WorkbookSchema) -> str:
    """The values' digest of a workbook that has a copy, read again (copies are few: the digest
    is not computed for every workbook of a run). A file that cannot be read now compares unequal."""
    read = read_settore_workbook(path, schema)
    if read.workbook is None:
        return f"illeggibile:{path}"
    return value_digest(read.workbook.rows, read.workbook.areas)


@pausing
def run(paths: Iterable[str | Path], *, validate: bool = True, consolidate: bool = True,
        detail: bool | None = None, workers: int = 1, settings: Settings | None = None,
        schema: WorkbookSchema | None = None, batch_files: int = BATCH_FILES,
        period: Period | None = None) -> RunResult:
    """Validate and/or consolidate ``paths`` in one pass; ``detail=None`` keeps every
    indicator for the Relazione up to DETAIL_LIMIT workbooks. With ``period`` (a monitoring
    checkpoint) the workbooks are scored at that checkpoint (:mod:`perf_xl.core.monitoring`)."""

    settings = settings or load_settings()
    schema = schema or load_schema()
    files = [str(p) for p in paths]
    keep = (len(files) <= DETAIL_LIMIT) if detail is None else detail
    result = RunResult(files=files, detail=keep)
    store = PartStore()  # each workbook's objective parts, until every workbook has been read
    tables, idents, years, area_cells, registers = [], [], {}, [], []
    spelling: dict[str, str] = {}  # an area as written -> the first spelling of it met (see area_key)
    first_spelling: dict[str, str] = {}

    def spelled(area: str) -> str:
        s = spelling.get(area)
        if s is None:
            s = spelling[area] = first_spelling.setdefault(area_key(area), area)
        return s

    for i, o in enumerate(iter_outcomes(files, validate=validate, consolidate=consolidate, detail=keep,
                                        workers=workers, settings=settings, schema=schema,
                                        batch_files=batch_files, period=period)):
        result.report.extend(o.findings)
        result.actions.extend(o.actions)
        if not o.readable:
            if not any(f.severity == ERROR for f in o.findings):
                continue  # not a workbook at all (a FIFO named .xlsx): skipped with its avviso
            result.unreadable.append(o.path)
            result.not_used.append(o.path)
            continue
        if not o.usable:
            result.not_used.append(o.path)
        if o.identity is not None:
            idents.append(o.identity)
        # one area however it is written (case, apostrophes, spaces): every part under one spelling
        for a in o.areas:
            spelled(a.name)
        store.add_encoded(i, [(spelled(area), n, chunk) for area, n, chunk in o.parts])
        tables.append((o.path, o.areas))
        if o.variations and o.usable:
            registers.append((o.path, o.variations))
        if o.area_cells:
            area_cells.append((o.path, o.area_cells))
        if o.info.get("year"):
            years[o.path] = o.info["year"]
        result.comune = result.comune or o.info.get("comune", "")
    dups = find_duplicates(idents, digest_of=lambda path: _digest_again(path, schema), schema=schema)
    result.excluded = [f for f in files if f in dups.excluded]
    result.conflicts = dups.conflicts
    result.variations = [v for path, entries in registers if path not in dups.excluded for v in entries]
    result.report.extend(dups.findings)
    if validate or consolidate:
        result.report.extend(unknown_areas(area_cells, tables, schema))
    if validate:
        result.report.findings.sort(key=finding_order)
    used_years = {y for f, y in years.items() if f not in dups.excluded}
    if consolidate:
        store.drop(i for i, f in enumerate(files) if f in dups.excluded)
        areas, area_findings = merge_areas((t for t in tables if t[0] not in dups.excluded), schema)
        if period is not None:  # an Aree sheet's published score is the year end's: nothing to reproduce at a checkpoint
            areas = [dataclasses.replace(a, published=None) for a in areas]
        result.report.extend(area_findings)
        if len(used_years) > 1:
            cell, row = schema.info.cell("year")
            result.report.add(finding("anni-diversi", sheet=schema.info.name, cell=cell, row=row,
                                      column=schema.info.field("year").label, value=str(sorted(used_years)),
                                      years=sorted(used_years)))
        score = scorer(settings)
        by_area = {name: Objectives(functools.partial(store.chunks, name), score,
                                    keep=functools.partial(store.keep, name), kept=functools.partial(store.kept, name))
                   for name in store.areas()}
        result.areas = areas_from_objectives(by_area, areas, settings)
        if dups.to_verify:
            result.areas = [dataclasses.replace(a, to_verify=tuple(dups.to_verify[a.name]))
                            if a.name in dups.to_verify else a for a in result.areas]
    result.year = min(used_years) if used_years else None
    return result
