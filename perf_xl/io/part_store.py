"""Where a run's objective parts wait until every workbook has been read.

A run cannot score an objective before it has read every workbook (an objective may be split across
several, and a workbook found later may turn out to be a copy to leave out), so each workbook's
objective parts are kept, grouped by area, in the order they came. A comune's few hundred
objectives stay in memory; past ``memory_limit`` parts (thousands of workbooks) they go to a
temporary file, one pickled chunk per workbook and area, so that memory stays flat. Either way the
same chunks come back in the same order: where they live is this module's business only. Storing
is all it does: merging and scoring are the core's (:mod:`perf_xl.core.consolidation`).
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
import weakref
from collections.abc import Iterable, Iterator

from ..model import ObjectivePart

MEMORY_LIMIT = 20_000  # parts held in memory before the store moves to a temporary file
# on disk a part is a plain tuple of its fields: pickled and read back several times faster than the
# object, and rebuilt as the same ObjectivePart
_AS_TUPLE = operator.attrgetter(*(f.name for f in dataclasses.fields(ObjectivePart)))


class PartStore:
    """Objective parts by area, tagged with the workbook (``source``) they come from."""

    def __init__(self, memory_limit: int | None = None) -> None:
        self._limit = MEMORY_LIMIT if memory_limit is None else memory_limit
        self._held = 0
        # area -> [(source, parts in memory | (offset, length) in the file)], in the order added
        self._chunks: dict[str, list[tuple[int, list[ObjectivePart] | tuple[int, int]]]] = {}
        self._dropped: set[int] = set()
        self._file = None
        self._end = 0  # the file's length: chunks are only ever appended
        self._finalizer = None

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def add(self, source: int, parts: Iterable[ObjectivePart]) -> None:
        """One workbook's parts (each knows its area)."""
        by_area: dict[str, list[ObjectivePart]] = {}
        for p in parts:
            by_area.setdefault(p.area, []).append(p)
        for area, chunk in by_area.items():
            self._chunks.setdefault(area, []).append((source, self._put(chunk)))
            self._held += len(chunk)
        if self._file is None and self._held > self._limit:
            self._spill()

    def drop(self, sources: Iterable[int]) -> None:
        """Forget the parts of these workbooks (copies of another, known once every workbook was read)."""
        self._dropped.update(sources)
        for area, chunks in self._chunks.items():
            self._chunks[area] = [c for c in chunks if c[0] not in self._dropped]

    def areas(self) -> list[str]:
        """Every area that has parts, in the order first met."""
        return [a for a, chunks in self._chunks.items() if chunks]

    def chunks(self, area: str) -> Iterator[list[ObjectivePart]]:
        """The area's parts, one list per workbook, in the order they were added."""
        if self._file is not None:
            self._file.flush()
        for _, where in self._chunks.get(area, ()):
            if isinstance(where, list):
                yield where
            else:
                offset, length = where
                yield [ObjectivePart(*t) for t in pickle.loads(os.pread(self._file.fileno(), length, offset))]

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()

    def _put(self, chunk: list[ObjectivePart]):
        if self._file is None:
            return chunk
        data = pickle.dumps(list(map(_AS_TUPLE, chunk)), protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._end
        self._file.write(data)
        self._end += len(data)
        return offset, len(data)

    def _spill(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="perfxl-parts-")  # gone when closed, even after a crash
        self._finalizer = weakref.finalize(self, self._file.close)
        for chunks in self._chunks.values():
            chunks[:] = [(source, self._put(where)) for source, where in chunks]
        self._file.flush()
