"""Objective parts kept on disk (SQLite) during a run over thousands of workbooks.

Memory must not grow with the number of workbooks: instead of holding every
objective, the pipeline appends each workbook's objective parts to a temporary SQLite
file, and the areas read their objectives back, in code order, when they are iterated
(for the area score, the settore rows, the JSON). Parts of one objective found in
several workbooks are merged with the same :meth:`ObjectivePart.merge` as in memory,
in the order they were added, so the results equal the in-memory ones.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..model import ObjectivePart, ObjectiveResult, score_row
from ..wording import natural_key

# how a merged part becomes a scored objective (the core's rule, handed in by the run: the I/O layer
# stores and merges, it does not score)
Score = Callable[[ObjectivePart], ObjectiveResult]


class SpilledObjectives:
    """An on-disk accumulator of objective parts with the in-memory accumulator's interface."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="perfxl-spill-")
        self._db = sqlite3.connect(str(Path(self._dir) / "objectives.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE parts (seq INTEGER PRIMARY KEY, area TEXT, sortkey TEXT, code TEXT, name TEXT,"
            " responsabile TEXT, settore TEXT, num REAL, den REAL, count INTEGER, weight_sum REAL, facts BLOB,"
            " source INTEGER)")
        # each objective's score as the first pass over an area computed it, for the outputs that
        # list every objective's score (the JSON): read back without merging and scoring again
        self._db.execute("CREATE TABLE scores (area TEXT, seq INTEGER, code TEXT, name TEXT, settore TEXT,"
                         " score REAL, weight_sum REAL, traffic_light TEXT, extra BLOB, PRIMARY KEY (area, seq))")
        self._scored: set[str] = set()
        self._finalizer = weakref.finalize(self, _cleanup, self._db, self._dir)
        self._indexed = False
        self._read_only = False
        self.new_scores: dict[str, list[tuple]] = {}  # a read-only view's score rows, for the owner to store

    def commit(self) -> None:
        self._db.commit()

    def reopen(self) -> None:
        """In a forked child: a connection of its own (SQLite connections do not cross a fork; the
        inherited one is kept, unused and unclosed, so nothing of the parent's is touched)."""
        self._inherited = self._db
        self._db = sqlite3.connect(self.path)

    @property
    def path(self) -> str:
        return str(Path(self._dir) / "objectives.sqlite")

    @classmethod
    def view(cls, path: str) -> "SpilledObjectives":
        """A read-only view of another process's spill file (for computing areas in a worker): its
        score rows are kept in ``new_scores`` for the owner to :meth:`add_scores`."""
        self = cls.__new__(cls)
        self._dir = str(Path(path).parent)
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self._scored, self._indexed, self._read_only, self.new_scores = set(), True, True, {}
        self._finalizer = weakref.finalize(self, self._db.close)
        return self

    def add_scores(self, area: str, rows: list[tuple]) -> None:
        """Score rows a view computed (:func:`score_row` tuples, in code order)."""
        if area not in self._scored:
            self._db.executemany("INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?)",
                                 [(area, i, *row[:-1], _dumps_extra(row[-1])) for i, row in enumerate(rows)])
            self._scored.add(area)

    def area_sizes(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT area, COUNT(*) FROM parts GROUP BY area"))

    @staticmethod
    def rows(parts: Iterable[ObjectivePart]) -> list[tuple]:
        """Parts as spill rows: made where the parts are made (a worker), stored as they come."""
        return [(p.area, natural_key(p.code), p.code, p.name, p.responsabile, p.settore, p.num, p.den, p.count,
                 p.weight_sum, pickle.dumps((p.refs, p.weak, p.mismatches, p.extra), protocol=pickle.HIGHEST_PROTOCOL))
                for p in parts]

    def add(self, parts: Iterable[ObjectivePart]) -> None:
        self.add_rows(self.rows(parts))

    def add_rows(self, rows: list[tuple], source: int | None = None) -> None:
        """Store parts; ``source`` tags them with the workbook they come from (see :meth:`drop_sources`)."""
        self._db.executemany(
            "INSERT INTO parts (area, sortkey, code, name, responsabile, settore, num, den, count, weight_sum, facts,"
            " source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [(*r, source) for r in rows])

    def drop_sources(self, sources: Iterable[int]) -> None:
        """Forget the parts of these workbooks (copies of another, found once every workbook was read)."""
        self._db.execute("DELETE FROM parts WHERE source IN (SELECT value FROM json_each(?))",
                         (json.dumps(list(sources)),))  # one pass over the table, whatever the number

    def by_area(self, score: Score) -> dict[str, "AreaObjectives"]:
        if not self._indexed:
            self._db.commit()
            self._db.execute("CREATE INDEX parts_order ON parts (area, sortkey, code, seq)")
            self._indexed = True
        areas = [a for (a,) in self._db.execute("SELECT DISTINCT area FROM parts")]
        return {a: AreaObjectives(self, a, score) for a in areas}

    def iter_area(self, area: str, score: Score) -> Iterator[ObjectiveResult]:
        current: ObjectivePart | None = None
        rows = self._db.execute(
            "SELECT code, name, responsabile, settore, num, den, count, weight_sum, facts FROM parts"
            " WHERE area = ? ORDER BY sortkey, code, seq", (area,))
        memo = [] if area not in self._scored else None
        for code, name, resp, settore, num, den, count, wsum, facts in rows:
            refs, weak, mismatches, extra = pickle.loads(facts)
            part = ObjectivePart(area=area, code=code, name=name, responsabile=resp, settore=settore, num=num,
                                 den=den, count=count, weight_sum=wsum, refs=refs, weak=weak, mismatches=mismatches,
                                 extra=extra)
            if current is not None and current.code == code:
                current.merge(part)
                continue
            if current is not None:
                yield self._scored_result(current, score, memo)
            current = part
        if current is not None:
            yield self._scored_result(current, score, memo)
        if memo is not None:  # iterated to the end: every score of the area is known
            if self._read_only:
                self.new_scores[area] = memo
                self._scored.add(area)
            else:
                self.add_scores(area, memo)

    @staticmethod
    def _scored_result(part: ObjectivePart, score: Score, memo: list | None) -> ObjectiveResult:
        o = score(part)
        if memo is not None:
            memo.append(score_row(o))
        return o

    def score_rows(self, area: str, score: Score) -> Iterator[tuple]:
        """The area's objectives as :func:`score_row` tuples, in code order."""
        if area not in self._scored:
            for _ in self.iter_area(area, score):
                pass
        for *row, extra in self._db.execute("SELECT code, name, settore, score, weight_sum, traffic_light, extra"
                                            " FROM scores WHERE area = ? ORDER BY seq", (area,)):
            yield (*row, None if extra is None else pickle.loads(extra))

    def count_area(self, area: str) -> int:
        (n,) = self._db.execute("SELECT COUNT(DISTINCT code) FROM parts WHERE area = ?", (area,)).fetchone()
        return n

    def close(self) -> None:
        self._finalizer()


def _dumps_extra(extra: dict | None) -> bytes | None:
    return None if extra is None else pickle.dumps(extra, protocol=pickle.HIGHEST_PROTOCOL)


def _cleanup(db: sqlite3.Connection, folder: str) -> None:
    db.close()
    shutil.rmtree(folder, ignore_errors=True)


class AreaObjectives(Sequence):
    """An area's objectives, read back from the spill file each time they are iterated."""

    def __init__(self, store: SpilledObjectives, area: str, score: Score):
        self._store, self._area, self._score = store, area, score
        self._len: int | None = None

    @property
    def store(self) -> SpilledObjectives:
        return self._store

    def __iter__(self) -> Iterator[ObjectiveResult]:
        return self._store.iter_area(self._area, self._score)

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._store.count_area(self._area)
        return self._len

    def score_rows(self) -> Iterator[tuple]:
        return self._store.score_rows(self._area, self._score)

    def __getitem__(self, i):
        items = list(self)
        return items[i]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"AreaObjectives({self._area!r}, {len(self)} objectives)"
