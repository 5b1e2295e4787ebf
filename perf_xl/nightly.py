"""The nightly validation of the shared drive.

Walks the share recursively, skips Office lock files (``~$…``), temporary files and
non-workbooks, and validates only the workbooks whose content changed since the last
run: a file whose size and modification time are those recorded when its content was
hashed is not read again; any other is read and its SHA-256 decides. What each file
held is kept in a SQLite cache in the reports folder (:mod:`perf_xl.io.nightly_cache`),
so a re-run costs what changed. Each changed file is read once into memory and
validated from a private copy of exactly those bytes, so a file being written while it
is read is either read whole or reported, never half-read. Nothing is ever written
inside the share. Every run writes a dated report (JSON, workbook and CSV), a
``latest`` copy of each, and appends its counts to ``history.csv``; a lock keeps two
runs from overlapping.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .io.atomic import atomic_path, write_text_atomic
from .io.csv_out import HISTORY, append_csv
from .io.lock import exclusive_lock
from .io.nightly_cache import NightlyCache, Stamp
from .io.reader import WORKBOOK_SUFFIXES, stable_bytes
from .io.report import counts, report_dict, write_report_csv, write_report_workbook
from .model import ERROR, WARNING, Finding, Report
from .schema import WorkbookSchema, load_schema
from .settings import Settings, load_settings
from .pipeline import iter_outcomes
from .duplicates import find_duplicates

CACHE_FILE = "cache.sqlite"
OLD_CACHE_FILE = "cache.json"
HISTORY_FILE = "history.csv"
LOCK_FILE = "nightly.lock"
HISTORY_FIELDS = ["run", "files", "validated", "reused", "skipped", "errors", "warnings"]


class NightlyError(ValueError):
    """The run cannot start or finish (bad folders, a cache that cannot be written)."""


@dataclass
class NightlyResult:
    run: str
    files: list[str] = field(default_factory=list)
    validated: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    outputs: list[Path] = field(default_factory=list)


def classify(name: str) -> str | None:
    """None for a workbook to validate, else why it is skipped (from the file's name)."""
    if name.startswith("~$"):
        return "file di blocco di Office"
    if name.startswith(".") or name.endswith(("~", ".tmp", ".bak")) or name.lower().startswith("~"):
        return "file temporaneo"
    if os.path.splitext(name)[1].lower() not in WORKBOOK_SUFFIXES:
        return "non è una cartella di lavoro"
    return None


def walk_share(share: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(path, path relative to the share) of every workbook, and (relative path, reason) of each skip.

    Plain strings where it can: this runs over every file of the share every night.
    """
    workbooks, skipped = [], []
    top = str(share)
    for root, dirs, files in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = os.path.relpath(root, top)
        for name in sorted(files):
            rel = name if prefix == "." else os.path.join(prefix, name)
            why = classify(name)
            if why:
                skipped.append((rel, why))
            else:
                workbooks.append((os.path.join(root, name), rel))
    return workbooks, skipped


def _read_stable(path: Path) -> tuple[bytes | None, Finding | None]:
    """The file's bytes, only if it did not change while being read (the reader's rule); else why not."""
    try:
        data = stable_bytes(path)
    except OSError as exc:
        return None, Finding(str(path), "", "", None, "", "file-non-accessibile", ERROR,
                             f"Il file non si può leggere ({exc.strerror}): forse è aperto da un altro utente "
                             "o mancano i permessi.", None)
    if data is None:
        return None, Finding(str(path), "", "", None, "", "file-in-scrittura", WARNING,
                             "Il file è cambiato mentre veniva letto (salvataggio in corso): sarà controllato "
                             "alla prossima esecuzione.", None)
    return data, None


def run_nightly(share: str | Path, reports: str | Path, schema: WorkbookSchema | None = None,
                settings: Settings | None = None, now: _dt.datetime | None = None, workers: int = 1) -> NightlyResult:
    share, reports = Path(share).resolve(), Path(reports).resolve()
    if not share.is_dir():
        raise NightlyError(f"La cartella condivisa {share} non esiste.")
    if reports == share or share in reports.parents:
        raise NightlyError("La cartella dei rapporti non può stare dentro la cartella condivisa: "
                           "perf-xl non scrive mai nella cartella condivisa.")
    schema = schema or load_schema()
    settings = settings or load_settings()
    now = now or _dt.datetime.now()
    reports.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(reports / LOCK_FILE):
        return _run(share, reports, schema, settings, now, workers)


def _run(share: Path, reports: Path, schema: WorkbookSchema, settings: Settings, now: _dt.datetime,
         workers: int) -> NightlyResult:
    stamp = now.strftime("%Y-%m-%dT%H%M%S")
    result = NightlyResult(run=stamp)
    (reports / OLD_CACHE_FILE).unlink(missing_ok=True)  # the JSON cache of earlier versions
    try:
        with NightlyCache(reports / CACHE_FILE) as cache:
            _validate_changed(share, reports, cache, result, schema, settings, workers)
            cache.commit()
    except sqlite3.Error as exc:  # a full disk or a read-only reports folder: the previous cache stays whole
        raise NightlyError(f"Impossibile aggiornare la cache {reports / CACHE_FILE} ({exc}): controllare lo "
                           "spazio su disco e i permessi della cartella dei rapporti, poi riprovare. I "
                           "rapporti precedenti sono rimasti intatti.") from exc
    result.outputs = _write_outputs(reports, result, stamp)
    return result


def _validate_changed(share: Path, reports: Path, cache: NightlyCache, result: NightlyResult,
                      schema: WorkbookSchema, settings: Settings, workers: int) -> None:
    """Validate the workbooks whose content changed, then report every workbook's findings
    (the unchanged ones' from the cache) and the objective codes across all of them."""
    old = cache.stamps()
    workbooks, result.skipped = walk_share(share)
    present: list[str] = []  # read this time, or unchanged: kept in the cache
    transient: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="perfxl-nightly-", dir=reports) as tmp:
        changed: list[tuple[str, str, Stamp]] = []  # (relative path, original path, new stamp)
        copies: list[str] = []
        for p, rel in workbooks:
            result.files.append(rel)
            entry = old.get(rel)
            try:
                st = os.stat(p)
            except OSError:
                st = None
            if entry and st is not None and entry.size == st.st_size and entry.mtime_ns == st.st_mtime_ns:
                present.append(rel)  # same size and time as when its content was hashed: not re-read
                result.reused.append(rel)
                continue
            data, problem = _read_stable(Path(p))
            if problem:
                transient.append(problem)
                continue
            new = Stamp(len(data), st.st_mtime_ns if st else None, hashlib.sha256(data).hexdigest())
            present.append(rel)
            if entry and entry.sha256 == new.sha256:
                cache.touch(rel, new.size, new.mtime_ns)  # touched but not changed: the content decides
                result.reused.append(rel)
                continue
            # validated from a private copy of exactly the bytes hashed (never half-read);
            # the bytes are not kept in memory meanwhile
            copy = Path(tmp) / f"{len(copies)}{os.path.splitext(p)[1].lower()}"
            copy.write_bytes(data)
            copies.append(str(copy))
            changed.append((rel, p, new))
        outcomes = iter_outcomes(copies, validate=True, consolidate=False, detail=False, workers=workers,
                                 settings=settings, schema=schema, digests=True)  # cached for the copies check
        for (rel, p, new), o in zip(changed, outcomes):
            findings = []
            for f in o.findings:
                d = f.as_dict()
                del d["file"]
                findings.append(d)
            cache.store(rel, new, findings, o.identity and o.identity._replace(file=rel))
            result.validated.append(rel)
    cache.keep_only(present)
    top = str(share)
    order = {rel: i for i, rel in enumerate(result.files)}
    for _, findings in sorted(cache.findings(top), key=lambda item: order[item[0]]):
        result.report.extend(Finding(**d) for d in findings)
    result.report.extend(_copies(cache, top, order))
    result.report.extend(transient)


def _copies(cache: NightlyCache, top: str, order: dict[str, int]) -> list[Finding]:
    """Copies of a settore workbook across the share, from every file's cached identity (so always
    complete, and the same findings as ``validate`` over the same files); SQLite picks out the few
    workbooks that share a Settore and year or an objective code with another."""
    idents = sorted(cache.identities_of_copies(top), key=lambda item: order[item[0]])
    return find_duplicates(d for _, d in idents).findings


def _write_outputs(reports: Path, result: NightlyResult, stamp: str) -> list[Path]:
    """The dated report (JSON, workbook, CSV), its ``latest`` copies and a line of ``history.csv``.

    Each is written atomically: an output open in Excel on the file server (the rename fails)
    leaves its previous version whole, and the run stops with a message naming it.
    """
    data = report_dict(result.report, result.files)
    data.update({"run": stamp, "validated": result.validated, "reused": len(result.reused),
                 "skipped": [{"file": f, "reason": why} for f, why in result.skipped]})
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    dated = reports / "runs" / f"report-{stamp}"
    outs = [write_text_atomic(dated.with_suffix(".json"), text),
            write_report_workbook(dated.with_suffix(".xlsx"), result.report),
            write_report_csv(dated.with_suffix(".csv"), result.report)]
    outs.append(write_text_atomic(reports / "latest.json", text))
    for made in outs[1:3]:
        with atomic_path(reports / f"latest{made.suffix}") as tmp:
            shutil.copyfile(made, tmp)
        outs.append(reports / f"latest{made.suffix}")
    c = counts(result.report)
    row = {"run": stamp, "files": len(result.files), "validated": len(result.validated),
           "reused": len(result.reused), "skipped": len(result.skipped), "errors": c["errors"],
           "warnings": c["warnings"]}
    outs.append(append_csv(reports / HISTORY_FILE, HISTORY_FIELDS, [[row[k] for k in HISTORY_FIELDS]], HISTORY))
    return outs
