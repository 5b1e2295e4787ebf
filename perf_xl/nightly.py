"""The nightly validation of the shared drive.

Walks the share recursively, skips Office lock files (``~$…``), temporary files and
non-workbooks, and validates only the workbooks whose content changed since the last
run: a file whose size and modification time are those recorded when its content was
hashed is not read again; any other is read and its SHA-256 decides (cached in the
reports folder). Each changed file is read once into
memory and validated from a private copy of exactly those bytes, so a file being
written while it is read is either read whole or reported, never half-read. Nothing
is ever written inside the share. Every run writes a dated report (JSON and a
workbook), a ``latest`` copy of both, and appends its counts to ``history.csv``; a
lock keeps two runs from overlapping.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .io.atomic import atomic_path, write_text_atomic
from .io.csv_out import HISTORY, append_csv
from .io.lock import exclusive_lock
from .io.reader import WORKBOOK_SUFFIXES
from .io.report import counts, report_dict, write_report_csv, write_report_workbook
from .model import ERROR, WARNING, Finding, Report
from .schema import WorkbookSchema, load_schema
from .settings import Settings, load_settings
from .pipeline import iter_outcomes
from .validate import ObjectiveName, check_codes_across_files

CACHE_FILE = "cache.json"
CACHE_VERSION = 2
HISTORY_FILE = "history.csv"
LOCK_FILE = "nightly.lock"
HISTORY_FIELDS = ["run", "files", "validated", "reused", "skipped", "errors", "warnings"]


class NightlyError(ValueError):
    """The run cannot start (bad folders)."""


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
    """The file's bytes, only if it did not change while being read."""
    try:
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
    except OSError as exc:
        return None, Finding(str(path), "", "", None, "", "file-non-accessibile", ERROR,
                             f"Il file non si può leggere ({exc.strerror}): forse è aperto da un altro utente "
                             "o mancano i permessi.", None)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
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


def _pack_names(names: list[ObjectiveName]) -> str:
    """A file's objective names, compactly for the cache: one ``code\tname\trow\tcell`` line each
    (codes and names are whitespace-normalised, so they hold no tab or newline)."""
    return "\n".join(f"{n.code}\t{n.name}\t{n.row}\t{n.cell}" for n in names)


def _unpack_names(packed: str, file: str, sheet: str) -> Iterator[tuple]:
    """Plain (file, sheet, code, name, row, cell) tuples: cheap enough for every objective every night."""
    for line in packed.split("\n") if packed else ():
        yield (file, sheet, *line.split("\t"))


def _run(share: Path, reports: Path, schema: WorkbookSchema, settings: Settings, now: _dt.datetime,
         workers: int) -> NightlyResult:
    stamp = now.strftime("%Y-%m-%dT%H%M%S")
    result = NightlyResult(run=stamp)
    cache_path = reports / CACHE_FILE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.exists() else {}
    except (OSError, ValueError):
        cache = {}  # a damaged cache only costs a full re-validation
    if cache.get("version") != CACHE_VERSION:
        cache = {"version": CACHE_VERSION, "files": {}}
    old = cache["files"]
    workbooks, skipped = walk_share(share)
    result.skipped = skipped
    new: dict[str, dict] = {}
    transient: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="perfxl-nightly-", dir=reports) as tmp:
        changed: list[tuple[str, Path, dict]] = []  # (relative path, original path, cache entry so far)
        copies: list[str] = []
        for p, rel in workbooks:
            result.files.append(rel)
            entry = old.get(rel)
            try:
                st = os.stat(p)
            except OSError:
                st = None
            if entry and st is not None and entry["size"] == st.st_size and entry["mtime_ns"] == st.st_mtime_ns:
                new[rel] = entry  # same size and time as when its content was hashed: not re-read
                result.reused.append(rel)
                continue
            data, problem = _read_stable(Path(p))
            if problem:
                transient.append(problem)
                continue
            digest = hashlib.sha256(data).hexdigest()
            stamp_now = {"size": len(data), "mtime_ns": st.st_mtime_ns if st else None}
            if entry and entry["sha256"] == digest:
                new[rel] = {**entry, **stamp_now}  # touched but not changed: the content decides
                result.reused.append(rel)
                continue
            # validated from a private copy of exactly the bytes hashed (never half-read);
            # the bytes are not kept in memory meanwhile
            copy = Path(tmp) / f"{len(copies)}{os.path.splitext(p)[1].lower()}"
            copy.write_bytes(data)
            copies.append(str(copy))
            changed.append((rel, p, {"sha256": digest, **stamp_now}))
        outcomes = iter_outcomes(copies, validate=True, consolidate=False, detail=False, workers=workers,
                                 settings=settings, schema=schema)
        for (rel, p, entry), o in zip(changed, outcomes):
            original = str(p)
            entry["findings"] = [dataclasses.replace(f, file=original).as_dict() for f in o.findings]
            entry["objectives"] = _pack_names([n._replace(file=original) for n in o.names])
            new[rel] = entry
            result.validated.append(rel)
    sheet = schema.indicators.name
    for rel in result.files:
        for d in new.get(rel, {}).get("findings", []):
            result.report.add(Finding(**d))
    # objective codes across workbooks: from every file's cached names, so always complete
    top = str(share)
    result.report.extend(check_codes_across_files(
        n for rel in result.files if rel in new
        for n in _unpack_names(new[rel]["objectives"], os.path.join(top, rel), sheet)))
    result.report.extend(transient)
    write_text_atomic(cache_path, json.dumps({"version": CACHE_VERSION, "files": new}, ensure_ascii=False,
                                             separators=(",", ":")) + "\n")
    result.outputs = _write_outputs(reports, result, stamp)
    return result


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
           "reused": len(result.reused), "skipped": len(result.skipped), "errors": c["errori"],
           "warnings": c["avvisi"]}
    outs.append(append_csv(reports / HISTORY_FILE, HISTORY_FIELDS, [[row[k] for k in HISTORY_FIELDS]], HISTORY))
    return outs
