"""The nightly run's memory of the share: what each workbook held when it was last validated.

A SQLite file in the reports folder, so that a re-run costs what changed, not what the
share holds: the size-and-time stamps of every workbook are one query; a changed
workbook rewrites only its own rows; the findings read back are only those of files
that have some; and the check of copies across workbooks asks SQLite, in C, for the
few workbooks that share a Settore and year or an objective code with another, instead
of walking every workbook in Python. One transaction per run: a crash leaves the previous cache
whole, and a damaged or older cache only costs a full re-validation.

Paths are stored relative to the share; findings and identities get the share's current
path back when they are read.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from ..model import Identity
from ..wording import as_read

SCHEMA_VERSION = "9"  # 4: each file's identity (Settore, year, values' digest, codes) for the copies check;
# 5: settori compared with wording.as_read; 6: settore schema 1.1 (rows carry indicator codes and the
# year's cycle, so values' digests differ; new checks: a target to confirm, a code used twice); 7: each
# file's Aree table and the areas its rows name (the check of areas no Aree sheet lists, across the share);
# 8: each file's input cells (the change history) and its part of the plan (nightly --piano); 9: the
# snapshot taken from the sheets the reader read (without the checkpoints' computed columns), the plan part
# with the rows' weights and codes and the register of changes
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE files (rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, findings TEXT,
                    settore TEXT, skey TEXT, year TEXT, settore_sheet TEXT, settore_cell TEXT, digest TEXT,
                    areas TEXT, aree TEXT, area_cells TEXT);
CREATE INDEX files_by_settore ON files (skey, year);
CREATE TABLE codes (rel TEXT, ord INTEGER, code TEXT, year TEXT, sheet TEXT, cell TEXT);
CREATE INDEX codes_by_file ON codes (rel);
CREATE INDEX codes_by_code ON codes (code, year);
CREATE TABLE cells (rel TEXT PRIMARY KEY, snapshot BLOB, pending TEXT);
CREATE TABLE plans (rel TEXT PRIMARY KEY, plan TEXT, pkey TEXT, digest TEXT, findings TEXT);
CREATE INDEX plans_by_digest ON plans (digest);
CREATE TABLE approved (key TEXT PRIMARY KEY, ord INTEGER, entry TEXT);
"""


class Stamp(NamedTuple):
    size: int
    mtime_ns: int | None
    sha256: str


class NightlyCache:
    """Open (or create) the cache at ``path``; everything written is one transaction until :meth:`commit`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:  # not a SQLite file, damaged, or an older layout
            self._db = None
            for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
                leftover.unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), isolation_level="DEFERRED")
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                db.executescript(_SCHEMA)
                db.execute("INSERT INTO meta VALUES ('version', ?)", (SCHEMA_VERSION,))
                db.commit()
            elif db.execute("SELECT value FROM meta WHERE key='version'").fetchone() != (SCHEMA_VERSION,):
                raise sqlite3.DatabaseError("cache layout of another version")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def rules(self, digest: str) -> bool:
        """The digest of what validation depends on besides a workbook's bytes (the layout, the catalog,
        the settings, perf_xl's version). When it differs from the previous run's, every file's stamp is
        forgotten, so that every workbook is validated again (its snapshot for the change history is
        kept). Returns whether it changed."""
        row = self._db.execute("SELECT value FROM meta WHERE key='rules'").fetchone()
        if row == (digest,):
            return False
        self._db.execute("UPDATE files SET sha256=''")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('rules', ?)", (digest,))
        return True

    def stamps(self) -> dict[str, Stamp]:
        return {rel: Stamp(size, mtime, sha) for rel, size, mtime, sha in
                self._db.execute("SELECT rel, size, mtime_ns, sha256 FROM files")}

    def touch(self, rel: str, size: int, mtime_ns: int | None) -> None:
        """The file was saved again with the same content: only its stamp changes."""
        self._db.execute("UPDATE files SET size=?, mtime_ns=? WHERE rel=?", (size, mtime_ns, rel))

    def store(self, rel: str, stamp: Stamp, findings: Iterable[dict], identity: Identity | None,
              aree: Iterable[str] = (), area_cells: Iterable[tuple] = ()) -> None:
        """A validated file: its stamp, its findings (dicts without ``file``), when its indicators
        were read its identity (for the check of copies across workbooks), the areas its Aree sheet
        lists and those its rows name, with where (for the check of areas no Aree sheet lists)."""
        d = identity
        self._db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (rel, stamp.size, stamp.mtime_ns, stamp.sha256,
                          json.dumps(list(findings), ensure_ascii=False, separators=(",", ":")),
                          *((d.settore, as_read(d.settore), d.year, d.settore_sheet, d.settore_cell, d.digest,
                             json.dumps(list(d.areas), ensure_ascii=False)) if d else (None,) * 7),
                          json.dumps(list(aree), ensure_ascii=False), json.dumps(list(area_cells), ensure_ascii=False)))
        self._db.execute("DELETE FROM codes WHERE rel=?", (rel,))
        if d:
            self._db.executemany("INSERT INTO codes VALUES (?,?,?,?,?,?)",
                                 [(rel, i, code, d.year, sheet, cell) for i, (code, sheet, cell) in enumerate(d.codes)])

    def cells(self, rel: str) -> tuple[bytes | None, list[dict]]:
        """A file's snapshot of its input cells as last stored (packed), and its changes still to be
        signed off; (None, []) for a file never seen. Read only for a file that changed."""
        row = self._db.execute("SELECT snapshot, pending FROM cells WHERE rel=?", (rel,)).fetchone()
        return (row[0], json.loads(row[1] or "[]")) if row else (None, [])

    def store_cells(self, rel: str, snapshot: bytes, pending: list[dict]) -> None:
        self._db.execute("INSERT OR REPLACE INTO cells VALUES (?,?,?)",
                         (rel, snapshot, json.dumps(pending, ensure_ascii=False, separators=(",", ":"))))

    def store_plan(self, rel: str, plan: dict | None, key: str = "") -> None:
        """A file's part of the plan as read (with where each row is) and its key in the plan (Settore
        and year), for ``nightly --piano``; its findings against the plan are to be made again."""
        if plan is None:
            self._db.execute("DELETE FROM plans WHERE rel=?", (rel,))
        else:
            self._db.execute("INSERT OR REPLACE INTO plans VALUES (?,?,?,NULL,NULL)",
                             (rel, json.dumps(plan, ensure_ascii=False, separators=(",", ":")), key))

    def plan_digest(self) -> tuple[str | None, str | None]:
        """(SHA-256, date of approval) of the plan whose workbooks :meth:`approved` holds."""
        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('plan_digest', 'plan_on')"))
        return rows.get("plan_digest"), rows.get("plan_on")

    def set_plan(self, digest: str, on: str, entries: Iterable[tuple[str, dict]]) -> None:
        """Another plan: its workbooks' entries by key, in the plan's order; every file's findings
        against the plan are to be made again."""
        db = self._db
        db.execute("DELETE FROM approved")
        db.executemany("INSERT OR REPLACE INTO approved VALUES (?,?,?)",
                       ((key, i, json.dumps(e, ensure_ascii=False, separators=(",", ":")))
                        for i, (key, e) in enumerate(entries)))
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", (("plan_digest", digest), ("plan_on", on)))
        db.execute("UPDATE plans SET digest=NULL, findings=NULL")

    def plans_to_check(self, digest: str) -> Iterator[tuple[str, dict, dict | None]]:
        """(relative path, plan part, its entry of the plan or None) of each file not yet checked
        against the plan of ``digest``: the changed ones, or all when the plan changed."""
        rows = list(self._db.execute("SELECT p.rel, p.plan, a.entry FROM plans p LEFT JOIN approved a "
                                     "ON a.key = p.pkey WHERE p.digest IS NOT ? ", (digest,)))
        for rel, plan, entry in rows:
            yield rel, json.loads(plan), (json.loads(entry) if entry else None)

    def store_plan_findings(self, rel: str, digest: str, findings: Iterable[dict]) -> None:
        self._db.execute("UPDATE plans SET digest=?, findings=? WHERE rel=?",
                         (digest, json.dumps(list(findings), ensure_ascii=False, separators=(",", ":")), rel))

    def plan_findings(self, top: str) -> Iterator[tuple[str, list[dict]]]:
        """(relative path, findings against the plan with the file's current path) of every file with some."""
        for rel, text in self._db.execute("SELECT rel, findings FROM plans WHERE findings <> '[]'"):
            path = os.path.join(top, rel)
            yield rel, [{"file": path, **d} for d in json.loads(text)]

    def approved_missing(self) -> list[dict]:
        """The plan's workbooks that no file of the share is (by key), in the plan's order."""
        return [json.loads(e) for (e,) in self._db.execute(
            "SELECT entry FROM approved WHERE key NOT IN (SELECT pkey FROM plans) ORDER BY ord")]

    def keep_only(self, rels: Iterable[str], listed: Iterable[str] = ()) -> None:
        """Forget files no longer on the share (or not read this time: they are re-read next run); the
        snapshot of a file still ``listed`` but not read this time (being saved) is kept, so its
        changes are still found when it is read again."""
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS present (rel TEXT PRIMARY KEY)")
        db.execute("DELETE FROM present")
        db.executemany("INSERT OR IGNORE INTO present VALUES (?)", ((r,) for r in rels))
        db.execute("DELETE FROM files WHERE rel NOT IN (SELECT rel FROM present)")
        db.execute("DELETE FROM codes WHERE rel NOT IN (SELECT rel FROM present)")
        db.execute("DELETE FROM plans WHERE rel NOT IN (SELECT rel FROM present)")
        db.executemany("INSERT OR IGNORE INTO present VALUES (?)", ((r,) for r in listed))
        db.execute("DELETE FROM cells WHERE rel NOT IN (SELECT rel FROM present)")

    def findings(self, top: str) -> Iterator[tuple[str, list[dict]]]:
        """(relative path, findings with the file's current path) of every file that has some."""
        for rel, text in self._db.execute("SELECT rel, findings FROM files WHERE findings <> '[]'"):
            path = os.path.join(top, rel)
            yield rel, [{"file": path, **d} for d in json.loads(text)]

    def areas(self, top: str) -> Iterator[tuple[str, list[str], list[tuple[str, str, str, int]]]]:
        """(path, the areas its Aree sheet lists, (area, sheet, cell, row) of each area its rows name)."""
        for rel, aree, cells in self._db.execute("SELECT rel, aree, area_cells FROM files ORDER BY rel"):
            yield os.path.join(top, rel), json.loads(aree or "[]"), [tuple(x) for x in json.loads(cells or "[]")]

    def identities_of_copies(self, top: str) -> Iterator[tuple[str, Identity]]:
        """(relative path, identity with the file's current path) of every workbook that shares its
        Settore and year, or an objective code in the same year, with another: only these can be
        copies, and SQLite finds them (in C, over indexes), so the check costs what it reports."""
        query = ("SELECT rel FROM files WHERE skey <> '' AND (skey, year) IN "
                 "(SELECT skey, year FROM files WHERE skey <> '' GROUP BY skey, year HAVING COUNT(*) > 1) "
                 "UNION SELECT rel FROM codes WHERE (code, year) IN "
                 "(SELECT code, year FROM codes GROUP BY code, year HAVING COUNT(DISTINCT rel) > 1)")
        rels = [r for (r,) in self._db.execute(query)]
        for rel in rels:
            row = self._db.execute("SELECT settore, year, settore_sheet, settore_cell, digest, areas FROM files "
                                   "WHERE rel=?", (rel,)).fetchone()
            codes = tuple(self._db.execute("SELECT code, sheet, cell FROM codes WHERE rel=? ORDER BY ord", (rel,)))
            settore, year, sheet, cell, digest, areas = row
            yield rel, Identity(os.path.join(top, rel), settore, year, sheet, cell, digest, codes,
                                tuple(json.loads(areas)))

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "NightlyCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()  # without commit: an interrupted run leaves the previous cache as it was
