"""Where a run's objective parts wait until every workbook has been read, and its scored objectives after.

A run cannot score an objective before it has read every workbook (an objective may be split across
several, and a workbook found later may turn out to be a copy to leave out), so each workbook's
objective parts are kept, grouped by area, in the order they came. Once an area's objectives are
merged and scored they are kept too, so that every output that lists them (the area's score, the
Relazione, the JSON) reads them without merging and scoring them again.

Parts travel and wait **encoded**: a worker process packs one workbook's parts into one pickled
chunk per area (:func:`encode_parts`: plain tuples, several times cheaper to pickle and load than
the objects), the run files the chunk as it came, and the chunk is unpacked only when its area is
read. A comune's few hundred objectives stay in memory; past ``memory_limit`` parts (thousands of
workbooks) chunks go to a temporary file, so that memory stays flat. Either way the same chunks
come back in the same order: where they live is this module's business only. Storing is all it
does: merging and scoring are the core's (:mod:`perf_xl.core.consolidation`).
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
import weakref
from collections.abc import Iterable, Iterator

from ..model import ObjectivePart, ObjectiveResult

MEMORY_LIMIT = 20_000  # parts held in memory before the store moves to a temporary file
_PART_AS_TUPLE = operator.attrgetter(*(f.name for f in dataclasses.fields(ObjectivePart)))
_RESULT_AS_TUPLE = operator.attrgetter(*(f.name for f in dataclasses.fields(ObjectiveResult)))


def encode_parts(parts: Iterable[ObjectivePart]) -> list[tuple[str, int, bytes]]:
    """One workbook's parts as (area as written, number of parts, pickled chunk), one per area in
    the order first met: what a worker sends back instead of the objects."""
    by_area: dict[str, list[tuple]] = {}
    for p in parts:
        by_area.setdefault(p.area, []).append(_PART_AS_TUPLE(p))
    return [(area, len(chunk), pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
            for area, chunk in by_area.items()]


class PartStore:
    """Objective parts by area, tagged with the workbook (``source``) they come from; then each area's
    scored objectives (:meth:`keep`)."""

    def __init__(self, memory_limit: int | None = None) -> None:
        self._limit = MEMORY_LIMIT if memory_limit is None else memory_limit
        self._held = 0
        # area -> [(source, chunk in memory | (offset, length) in the file)], in the order added
        self._chunks: dict[str, list[tuple[int, bytes | tuple[int, int]]]] = {}
        self._kept: dict[str, list[ObjectiveResult] | tuple[int, int]] = {}
        self._dropped: set[int] = set()
        self._file = None
        self._end = 0  # the file's length: chunks are only ever appended
        self._unflushed = False
        self._finalizer = None

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def add(self, source: int, parts: Iterable[ObjectivePart]) -> None:
        """One workbook's parts (each knows its area)."""
        self.add_encoded(source, encode_parts(parts))

    def add_encoded(self, source: int, chunks: Iterable[tuple[str, int, bytes]]) -> None:
        """One workbook's parts as :func:`encode_parts` packed them; ``area`` is the one they are filed
        and read back under (the run's spelling of it), whatever the parts themselves say."""
        for area, n, blob in chunks:
            self._chunks.setdefault(area, []).append((source, self._put(blob)))
            self._held += n
        if self._file is None and self._held > self._limit:
            self._spill()

    def drop(self, sources: Iterable[int]) -> None:
        """Forget the parts of these workbooks (copies of another, known once every workbook was read)."""
        self._dropped.update(sources)
        for area, chunks in self._chunks.items():
            self._chunks[area] = [c for c in chunks if c[0] not in self._dropped]
        self._kept.clear()

    def areas(self) -> list[str]:
        """Every area that has parts, in the order first met."""
        return [a for a, chunks in self._chunks.items() if chunks]

    def chunks(self, area: str) -> Iterator[list[ObjectivePart]]:
        """The area's parts, one list per workbook, in the order they were added."""
        for _, where in self._chunks.get(area, ()):
            yield [ObjectivePart(area, *t[1:]) for t in pickle.loads(self._get(where))]

    def keep(self, area: str, objectives: list[ObjectiveResult]) -> None:
        """The area's objectives, merged and scored from its parts: what :meth:`kept` gives back."""
        if self._file is None:
            self._kept[area] = objectives
        else:
            self._kept[area] = self._put(pickle.dumps(list(map(_RESULT_AS_TUPLE, objectives)),
                                                      protocol=pickle.HIGHEST_PROTOCOL))

    def kept(self, area: str) -> list[ObjectiveResult] | None:
        """The area's objectives as :meth:`keep` was given them; None before."""
        where = self._kept.get(area)
        if where is None or isinstance(where, list):
            return where
        return [ObjectiveResult(*t) for t in pickle.loads(self._get(where))]

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()

    def _put(self, blob: bytes):
        if self._file is None:
            return blob
        offset = self._end
        self._file.write(blob)
        self._end += len(blob)
        self._unflushed = True
        return offset, len(blob)

    def _get(self, where) -> bytes:
        if isinstance(where, bytes):
            return where
        offset, length = where
        if self._unflushed:  # what was written is read back with pread, past the file object's buffer
            self._file.flush()
            self._unflushed = False
        return os.pread(self._file.fileno(), length, offset)

    def _spill(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="perfxl-parts-")  # gone when closed, even after a crash
        self._finalizer = weakref.finalize(self, self._file.close)
        for chunks in self._chunks.values():
            chunks[:] = [(source, self._put(where)) for source, where in chunks]
        self._kept.clear()  # nothing is kept before every workbook has been read
