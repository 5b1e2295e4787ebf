"""The nightly validation of the shared drive.

Walks the share recursively, skips Office lock files (``~$…``), temporary files and
non-workbooks, and never opens what is not a regular file (FIFOs, devices, sockets, symbolic
links out of the share or looping: each skipped with an avviso). It validates only the
workbooks whose content changed since the last run: every workbook is read (under the
reader's size cap) and its SHA-256 decides, every run, so a file replaced by another of the
same size and modification time is noticed; measured on 2,000 workbooks, hashing them all
keeps a re-run of an unchanged share at about 2-3 % of a full run (README). What each file
held is kept in a SQLite cache in the reports folder (:mod:`perf_xl.io.nightly_cache`),
so a re-run costs what changed. Each changed file is read once into memory and
validated from a private copy of exactly those bytes, so a file being written while it
is read is either read whole or reported, never half-read. Nothing is ever written
inside the share. Every run writes a dated report (JSON, workbook and CSV), a
``latest`` copy of each, and appends its counts to ``history.csv``; a lock keeps two
runs from overlapping.

The change history (issue 15): for each changed workbook the cells that differ from its previous
run's snapshot (kept in the cache, read only for a workbook that changed) are appended to
``storico-modifiche.csv`` and listed in the run's report workbook (sheet *Storico modifiche*), with
the workbook's *last modified by*; a change saved after the dirigente's sign-off (Info: *Validato dal
dirigente il*) is an avviso until signed off again (:mod:`perf_xl.core.history`). With a plan
(``--piano``) every workbook is checked against it as ``validate --piano`` does, from each workbook's
part of the plan kept in the cache: an unchanged workbook is not read again.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path

from .. import __version__
from ..io.atomic import atomic_path, write_text_atomic
from ..io.cell_snapshot import last_modified_by, unpack
from ..io.csv_out import EXCEL_IT, HISTORY, append_csv
from ..io.lock import exclusive_lock
from ..io.nightly_cache import NightlyCache, Stamp
from ..io.reader import WORKBOOK_SUFFIXES, NotRegularFile, TooLarge, read_problem, stable_bytes
from ..io.report import counts, report_dict, write_report_csv, write_report_workbook
from ..io.summary import load_summary_layout
from ..findings import finding
from ..model import AreaInfo, Finding, RunResult
from ..schema import WorkbookSchema, load_schema, schemas_dir
from ..settings import Settings, load_settings
from .run import iter_outcomes, unknown_areas
from ..core.duplicates import find_duplicates
from ..core.history import NOT_SAID, changes, pending_after_sign_off, shown, sign_off_cells, sign_off_findings
from ..core.plan import workbook_key
from ..io.plan_file import read_plan
from .plan import approval_date, missing_workbook, workbook_plan_findings
from ..wording import os_reason

CACHE_FILE = "cache.sqlite"
OLD_CACHE_FILE = "cache.json"
HISTORY_FILE = "history.csv"
LOCK_FILE = "nightly.lock"
HISTORY_FIELDS = ["run", "files", "validated", "reused", "skipped", "errors", "warnings"]


class NightlyError(ValueError):
    """The run cannot start or finish (bad folders, a cache that cannot be written)."""


def classify(name: str) -> str | None:
    """None for a workbook to validate, else why it is skipped (from the file's name)."""
    if name.startswith("~$"):
        return "file di blocco di Office"
    if name.startswith(".") or name.endswith(("~", ".tmp", ".bak")) or name.lower().startswith("~"):
        return "file temporaneo"
    if os.path.splitext(name)[1].lower() not in WORKBOOK_SUFFIXES:
        return "non è una cartella di lavoro"
    return None


def walk_share(share: Path, odd: list[Finding] | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(path, path relative to the share) of every workbook, and (relative path, reason) of each skip.

    Plain strings where it can: this runs over every file of the share every night, and what
    kind of file an entry is comes from the directory listing (no ``stat`` per file). What is
    not a regular file is never opened: a FIFO, a device or a socket with a workbook's name, a
    symlink that points out of the share (``/dev/zero``), loops or to nothing is skipped, and
    with ``odd`` each of these gets an avviso there. Symbolic links to folders are not followed.
    """
    workbooks: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    top = str(share)
    real_top = os.path.realpath(top)

    def odd_one(path: str, rel: str, code: str, why: str, **fields) -> None:
        skipped.append((rel, why))
        if odd is not None:
            odd.append(finding(code, file=path, **fields))

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if prefix:
                odd_one(folder, prefix, "cartella-non-accessibile", f"cartella non leggibile: {os_reason(exc)}",
                        reason=os_reason(exc))
            return
        folders = []
        for e in entries:
            rel = os.path.join(prefix, e.name) if prefix else e.name
            if e.is_dir(follow_symlinks=False):
                if not e.name.startswith("."):
                    folders.append((e.path, rel))
                continue
            why = classify(e.name)
            if why:
                if not (e.is_symlink() and e.is_dir()):  # a link to a folder: not followed, as always
                    skipped.append((rel, why))
                continue
            if e.is_symlink():
                try:
                    target = os.path.realpath(e.path, strict=True)
                    mode = os.stat(target).st_mode
                except OSError as exc:
                    odd_one(e.path, rel, "collegamento-non-valido", f"collegamento non valido: {os_reason(exc)}",
                            reason=os_reason(exc))
                    continue
                if target != real_top and not target.startswith(real_top.rstrip(os.sep) + os.sep):
                    odd_one(e.path, rel, "collegamento-esterno", "collegamento che porta fuori dalla cartella",
                            target=target)
                    continue
                if not stat.S_ISREG(mode):
                    odd_one(e.path, rel, "file-non-regolare", "non è un file normale", kind=NotRegularFile(mode).kind)
                    continue
                workbooks.append((e.path, rel))
            elif e.is_file(follow_symlinks=False):
                workbooks.append((e.path, rel))
            else:  # a FIFO, a socket, a device: opening it could block forever or never end
                try:
                    mode = e.stat(follow_symlinks=False).st_mode
                except OSError:
                    mode = 0
                odd_one(e.path, rel, "file-non-regolare", "non è un file normale", kind=NotRegularFile(mode).kind)
        for path, rel in folders:
            walk(path, rel)

    walk(top, "")
    return workbooks, skipped


def _read_stable(path: Path) -> tuple[bytes | None, Finding | None]:
    """The file's bytes, only if it did not change while being read (the reader's rule); else why not."""
    try:
        data = stable_bytes(path)  # with the reader's size cap, and never a FIFO or a device
    except (TooLarge, NotRegularFile, OSError) as exc:
        code, variant, fields = read_problem(exc)
        return None, finding(code, file=str(path), variant=variant, **fields)
    if data is None:
        return None, finding("file-in-scrittura", file=str(path), variant="notturno")
    return data, None


def run_nightly(share: str | Path, reports: str | Path, schema: WorkbookSchema | None = None,
                settings: Settings | None = None, now: _dt.datetime | None = None, workers: int = 1,
                plan: str | Path | None = None) -> RunResult:
    """Validate what changed on ``share``, write the reports in ``reports``; with ``plan`` (a file of
    ``perf-xl approva``) also every difference from the approved plan, for every workbook."""
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
        return _run(share, reports, schema, settings, now, workers, plan)


def _run(share: Path, reports: Path, schema: WorkbookSchema, settings: Settings, now: _dt.datetime,
         workers: int, plan: str | Path | None = None) -> RunResult:
    stamp = now.strftime("%Y-%m-%dT%H%M%S")
    result = RunResult(run=stamp)
    (reports / OLD_CACHE_FILE).unlink(missing_ok=True)  # the JSON cache of earlier versions
    try:
        with NightlyCache(reports / CACHE_FILE) as cache:
            cache.rules(rules_digest(schema, settings))
            if plan is not None:
                _load_plan(cache, plan)
            history = _validate_changed(share, reports, cache, result, schema, settings, workers, now, plan)
            cache.commit()
    except sqlite3.Error as exc:  # a full disk or a read-only reports folder: the previous cache stays whole
        raise NightlyError(f"Impossibile aggiornare la cache {reports / CACHE_FILE} ({exc}): controllare lo "
                           "spazio su disco e i permessi della cartella dei rapporti, poi riprovare. I "
                           "rapporti precedenti sono rimasti intatti.") from exc
    result.outputs = _write_outputs(reports, result, stamp, history)
    return result


def rules_digest(schema: WorkbookSchema, settings: Settings) -> str:
    """What a workbook's findings depend on besides its bytes: the layout (settore.toml as parsed), the
    catalog of findings, the comune's settings (the monitoring checkpoints add columns) and perf_xl's
    version. The cache keeps a workbook's findings only while this stays the same."""
    h = hashlib.sha256()
    for part in (__version__, repr(schema), repr(settings)):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    h.update((schemas_dir() / "findings.toml").read_bytes())
    return h.hexdigest()


def _validate_changed(share: Path, reports: Path, cache: NightlyCache, result: RunResult,
                      schema: WorkbookSchema, settings: Settings, workers: int, now: _dt.datetime,
                      plan: str | Path | None = None) -> list[dict]:
    """Validate the workbooks whose content changed, then report every workbook's findings
    (the unchanged ones' from the cache) and the objective codes across all of them; return the
    cells changed since the previous run (the change history's rows)."""
    old = cache.stamps()
    transient: list[Finding] = []  # this run's, not cached: odd files, files that could not be read
    workbooks, result.skipped = walk_share(share, transient)
    present: list[str] = []  # read this time, or unchanged: kept in the cache
    with tempfile.TemporaryDirectory(prefix="perfxl-nightly-", dir=reports) as tmp:
        changed: list[tuple[str, str, Stamp]] = []  # (relative path, original path, new stamp)
        authors: list[str] = []  # each changed file's last modified by (its input cells: the outcome's snapshot)
        copies: list[str] = []
        for p, rel in workbooks:
            result.files.append(rel)
            entry = old.get(rel)
            # every file is read and hashed, every run: a workbook replaced by another of the same size
            # and modification time (``os.utime`` set back, a copy that keeps times) is still noticed;
            # measured, this keeps a re-run of an unchanged share at about 2-3 % of a full run (README)
            data, problem = _read_stable(Path(p))
            if problem:
                transient.append(problem)
                continue
            try:
                mtime = os.stat(p).st_mtime_ns
            except OSError:
                mtime = None
            new = Stamp(len(data), mtime, hashlib.sha256(data).hexdigest())
            present.append(rel)
            if entry and entry.sha256 == new.sha256:
                if (entry.size, entry.mtime_ns) != (new.size, new.mtime_ns):
                    cache.touch(rel, new.size, new.mtime_ns)  # saved again, same content
                result.reused.append(rel)
                continue
            # validated from a private copy of exactly the bytes hashed (never half-read);
            # the bytes are not kept in memory meanwhile
            copy = Path(tmp) / f"{len(copies)}{os.path.splitext(p)[1].lower()}"
            copy.write_bytes(data)
            copies.append(str(copy))
            changed.append((rel, p, new))
            authors.append(last_modified_by(data))
        outcomes = iter_outcomes(copies, validate=True, consolidate=False, detail=False, workers=workers,
                                 settings=settings, schema=schema, digests=True,  # cached for the copies check
                                 plans=True,  # cached for --piano
                                 snapshots=True)  # the input cells, for the change history
        history: list[dict] = []
        for (rel, p, new), author, o in zip(changed, authors, outcomes):
            found, avvisi = _changes(cache, rel, p, new, o.snapshot, author, o.info, schema, now)
            history.extend(found)
            cache.store(rel, new, _to_cache([*o.findings, *avvisi]), o.identity and o.identity._replace(file=rel),
                        aree=[a.name for a in o.areas], area_cells=o.area_cells)
            cache.store_plan(rel, o.plan, o.plan and json.dumps(workbook_key(o.plan["entry"])))
            result.validated.append(rel)
    cache.keep_only(present, listed=result.files)
    top = str(share)
    order = {rel: i for i, rel in enumerate(result.files)}
    for _, findings in sorted(cache.findings(top), key=lambda item: order[item[0]]):
        result.report.extend(_read_back(findings))
    result.report.extend(_copies(cache, top, order))
    result.report.extend(_unknown_areas(cache, top, schema))
    if plan is not None:
        result.report.extend(_plan_findings(cache, plan, top, order, schema))
    result.report.extend(transient)
    return history


def _to_cache(findings) -> list[dict]:
    """A workbook's findings as the cache keeps them: without the file, which the cache's row names."""
    out = []
    for f in findings:
        d = f.as_dict()
        del d["file"]
        out.append(d)
    return out


def _read_back(dicts: list[dict]) -> list[Finding]:
    """Findings kept in the cache, read back: each was made by ``finding()`` when it was found."""
    return [Finding(**d) for d in dicts]


def _load_plan(cache: NightlyCache, plan: str | Path) -> str:
    """The plan's SHA-256; the plan is read (and its workbooks kept in the cache) only when it is not
    the one the cache already holds: a re-run with the same plan does not parse it again."""
    h = hashlib.sha256()
    with open(plan, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if cache.plan_digest()[0] != digest:
        data = read_plan(plan)  # TaggedFileError when it is not a plan: before any workbook is read
        cache.set_plan(digest, approval_date(data),
                       ((json.dumps(workbook_key(w)), w) for w in data["workbooks"]))
    return digest


def _plan_findings(cache: NightlyCache, plan: str | Path, top: str, order: dict[str, int],
                   schema: WorkbookSchema) -> list[Finding]:
    """What ``validate --piano`` reports over the same files (:mod:`perf_xl.app.plan`): the findings of
    a workbook checked against this plan before come from the cache, only the others are made."""
    digest, on = cache.plan_digest()
    for rel, part, base in list(cache.plans_to_check(digest)):
        cache.store_plan_findings(rel, digest, _to_cache(workbook_plan_findings(os.path.join(top, rel), part, base,
                                                                                on, schema)))
    out = [f for _, ds in sorted(cache.plan_findings(top), key=lambda item: order[item[0]]) for f in _read_back(ds)]
    out.extend(missing_workbook(plan, w, on) for w in cache.approved_missing())
    return out


def _changes(cache: NightlyCache, rel: str, path: str, stamp: Stamp, cells: bytes, author: str, info: dict,
             schema: WorkbookSchema, now: _dt.datetime) -> tuple[list[dict], list[Finding]]:
    """The cells of a changed workbook that differ from its previous run's (none the first time it is
    seen: its snapshot is only kept), and an avviso for each change still to be signed off. The new
    snapshot and the pending changes are stored."""
    old_blob, pending = cache.cells(rel)
    old, new = unpack(old_blob), unpack(cells) or {}
    found = changes(old, new, schema.sheet_names) if old is not None else []
    saved = _dt.datetime.fromtimestamp(stamp.mtime_ns / 1e9) if stamp.mtime_ns is not None else now
    signed_on = info.get("validated_on")
    signed_on = signed_on if isinstance(signed_on, _dt.date) else None
    skip = sign_off_cells(old or {}, schema) | sign_off_cells(new, schema)
    pending = pending_after_sign_off(pending, found, signed_on, saved, author, skip)
    cache.store_cells(rel, cells, pending)
    rows = [{"run": now, "saved": saved, "file": rel, "path": path, "sheet": c.sheet, "cell": c.cell,
             "old": shown(c.old), "new": shown(c.new), "author": author or NOT_SAID} for c in found]
    return rows, (sign_off_findings(path, pending, signed_on) if signed_on else [])


def _unknown_areas(cache: NightlyCache, top: str, schema: WorkbookSchema) -> list[Finding]:
    """Rows naming an area no Aree sheet of the share lists, from every file's cached areas: the same
    findings as ``validate`` over the same files (:func:`perf_xl.app.run.unknown_areas`)."""
    files = list(cache.areas(top))
    return unknown_areas(((path, cells) for path, _, cells in files),
                         ((path, tuple(AreaInfo(i, name, None) for i, name in enumerate(names, start=1)))
                          for path, names, _ in files), schema)


def _copies(cache: NightlyCache, top: str, order: dict[str, int]) -> list[Finding]:
    """Copies of a settore workbook across the share, from every file's cached identity (so always
    complete, and the same findings as ``validate`` over the same files); SQLite picks out the few
    workbooks that share a Settore and year or an objective code with another."""
    idents = sorted(cache.identities_of_copies(top), key=lambda item: order[item[0]])
    return find_duplicates(d for _, d in idents).findings


def _write_outputs(reports: Path, result: RunResult, stamp: str, history: list[dict] = ()) -> list[Path]:
    """The dated report (JSON, workbook, CSV), its ``latest`` copies, a line of ``history.csv`` and the
    cells changed since the previous run appended to the change history (``storico-modifiche.csv``).

    Each is written atomically: an output open in Excel on the file server (the rename fails)
    leaves its previous version whole, and the run stops with a message naming it.
    """
    data = report_dict(result.report, result.files)
    data.update({"run": stamp, "validated": result.validated, "reused": len(result.reused),
                 "skipped": [{"file": f, "reason": why} for f, why in result.skipped],
                 "changes": [{k: _json_value(v) for k, v in row.items() if k != "path"} for row in history]})
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    dated = reports / "runs" / f"report-{stamp}"
    outs = [write_text_atomic(dated.with_suffix(".json"), text),
            write_report_workbook(dated.with_suffix(".xlsx"), result.report, history=list(history)),
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
    lay = load_summary_layout()["history"]
    changes_file = reports / lay["file"]
    if history or not changes_file.exists():  # a run without changes leaves the file as it was
        keys = [c["key"] for c in lay["columns"]]
        outs.append(append_csv(changes_file, [c["label"] for c in lay["columns"]],
                               ([_csv_value(row[k]) for k in keys] for row in history), EXCEL_IT))
    return outs


def _csv_value(v):
    """A change history value for Italian Excel: a time as 04/12/2026 11:30:00, anything else as it is."""
    return v.strftime("%d/%m/%Y %H:%M:%S") if isinstance(v, _dt.datetime) else v


def _json_value(v):
    return v.isoformat(timespec="seconds") if isinstance(v, _dt.datetime) else v
