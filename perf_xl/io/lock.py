"""An exclusive, non-blocking lock file, so two runs on the same output never overlap."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator


class AlreadyRunning(RuntimeError):
    """Another run holds the lock."""


@contextlib.contextmanager
def exclusive_lock(path: str | Path) -> Iterator[None]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        try:
            if os.name == "nt":  # pragma: no cover - Windows file servers
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise AlreadyRunning(str(path)) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fh.close()


def output_lock(target: str | Path):
    """The lock of one output file (``.NAME.lock`` beside it): two runs writing it do not interleave."""
    target = Path(target)
    return exclusive_lock(target.with_name(f".{target.name}.lock"))
