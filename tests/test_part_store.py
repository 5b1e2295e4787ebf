"""The store of objective parts gives back the same chunks, in the same order, whether they waited in
memory or in its temporary file; copies dropped are never read back."""

from __future__ import annotations

import pytest

from perf_xl.io.part_store import PartStore
from perf_xl.model import ObjectivePart
from perf_xl.wording import natural_key


def _part(area: str, code: str, n: float, source: int) -> ObjectivePart:
    return ObjectivePart(area=area, code=code, name=f"Obiettivo {code}", responsabile="R", settore=f"S{source}",
                         num=n, den=1.0, count=1, weight_sum=100.0, refs=(f"f{source}.xlsx r. 2",),
                         order=natural_key(code))


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


@pytest.mark.parametrize("limit", [0, 10_000])
def test_an_area_is_merged_and_scored_once_then_read_as_kept(limit):
    """The area's score, the Relazione and the JSON each read an area's objectives: the first read
    merges and scores the parts, the others get the same objectives from the store (in memory or in
    its file), never the parts merged again."""
    import functools

    from perf_xl.core.consolidation import Objectives, scorer
    from perf_xl.settings import load_settings

    store = PartStore(memory_limit=limit)
    _fill(store)
    reads = []

    def chunks():
        reads.append(1)
        return store.chunks("A")

    objectives = Objectives(chunks, scorer(load_settings()), keep=functools.partial(store.keep, "A"),
                            kept=functools.partial(store.kept, "A"))
    first, second = list(objectives), list(objectives)
    assert first == second and len(objectives) == 7 and len(reads) == 1
    assert [o.code for o in first] == ["OB0", "OB1", "OB2", "OB3", "OB4", "OB5", "OB10"]
    assert next(o for o in first if o.code == "OB10").score == sum(range(10, 16)) / 6  # six workbooks' halves
    store.drop([0])  # a copy found after the first read: the kept objectives are forgotten, merged again
    assert [o.code for o in objectives][0] == "OB1" and len(reads) == 2
    store.close()
