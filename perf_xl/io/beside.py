"""Run one output writer in a forked child while this process runs another.

At the scale of thousands of workbooks the Relazione workbook and its JSON each take a
good part of a second, and both only read the finished consolidation: with a second
core, they can be written at the same time. ``fork`` gives the child the consolidation
as it is, with nothing to pickle; what comes back is the child's result or its
exception, re-raised here. Elsewhere than on Linux (no ``fork`` on Windows; macOS system
libraries are not fork-safe) the two run one after the other.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Callable, TypeVar

A = TypeVar("A")
B = TypeVar("B")


def can_fork() -> bool:
    # Linux only: macOS system libraries are not safe to use after a fork (Python's own
    # multiprocessing spawns there), and Windows has no fork
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def run_beside(main: Callable[[], A], side: Callable[[], B], in_child: Callable[[], None] = lambda: None
               ) -> tuple[A, B]:
    """``main()`` here and ``side()`` in a forked child (after ``in_child()``, which makes the child's
    own handles, e.g. a database connection); both results, or the first exception (main's first)."""
    if not can_fork():
        return main(), side()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        os.close(read_end)
        status = 0
        try:
            in_child()
            payload = pickle.dumps(("ok", side()))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            status = 1
            try:
                payload = pickle.dumps(("error", exc))
            except Exception:
                payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            with os.fdopen(write_end, "wb") as fh:
                fh.write(payload)
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        result = main()
    finally:
        with os.fdopen(read_end, "rb") as fh:
            payload = fh.read()
        os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError("the process writing beside this one ended without a result")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    return result, value
