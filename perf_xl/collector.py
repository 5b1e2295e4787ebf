"""Python's cyclic garbage collector, paused while a run builds its records.

A run builds hundreds of thousands of small records (rows, objective parts, findings, scored
objectives) that hold no reference cycle: reference counting frees each as soon as it is dropped.
CPython's cyclic collector still walks every live container each time the heap has grown by a
quarter; over 2,000 workbooks those walks found nothing to free and took 0.8 s of the parent
process's 2 s after the last workbook was read (measured with ``gc.callbacks``; see bench/README.md).
So the pass over workbooks (in each worker and in the parent) and the writing of the outputs run
with the collector paused. When the outermost pause ends the collector resumes as it was, and frees
at its next pass anything cyclic left meanwhile.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import TypeVar

F = TypeVar("F", bound=Callable)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (nested pauses: only the outermost turns it back on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pausing(fn: F) -> F:
    """``fn`` run with the collector :func:`paused`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with paused():
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
