"""The store of objective parts gives back the same chunks, in the same order, whether they waited in
memory or in its temporary file; copies dropped are never read back."""

from __future__ import annotations

import pytest

from perf_xl.io.part_store import PartStore
from perf_xl.model import ObjectivePart


def _part(area: str, code: str, n: float, source: int) -> ObjectivePart:
    return ObjectivePart(area=area, code=code, name=f"Obiettivo {code}", responsabile="R", settore=f"S{source}",
                         num=n, den=1.0, count=1, weight_sum=100.0, refs=(f"f{source}.xlsx r. 2",))


def _fill(store: PartStore) -> None:
    for source in range(6):
        store.add(source, [_part("B", "OB2", source, source), _part("A", f"OB{source}", source, source),
                           _part("A", "OB10", 10 + source, source)])


@pytest.mark.parametrize("limit", [0, 5, 10_000])  # on disk from the start, from the middle, never
def test_chunks_come_back_in_order_wherever_they_wait(limit):
    store, memory = PartStore(memory_limit=limit), PartStore(memory_limit=10_000)
    _fill(store)
    _fill(memory)
    assert store.on_disk == (limit < 18)
    assert store.areas() == ["B", "A"]
    for area in ("A", "B"):
        assert list(store.chunks(area)) == list(memory.chunks(area))
    assert [[p.settore for p in chunk] for chunk in store.chunks("B")] == [[f"S{i}"] for i in range(6)]
    store.close()


@pytest.mark.parametrize("limit", [0, 10_000])
def test_dropped_sources_are_not_read_back(limit):
    store = PartStore(memory_limit=limit)
    _fill(store)
    store.drop([1, 4])
    assert [chunk[0].settore for chunk in store.chunks("B")] == ["S0", "S2", "S3", "S5"]
    store.drop(range(6))
    assert store.areas() == []
    store.close()
