"""An exclusive, non-blocking lock file, so two runs on the same output never overlap.

The lock lives only while a run holds it: the holder removes the file before it lets go, so
nothing is left beside the user's outputs once the run ends (not even after a crash of the
machine: a stale file without a holder is simply locked again by the next run). A run that
opened the file just before its holder removed it notices that the file it locked is no longer
the one at the path, and tries again on the new one, so two runs never both hold the lock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from .atomic import OutputNotWritten


class AlreadyRunning(RuntimeError):
    """Another run holds the lock."""


def _lock(fh, path: Path) -> None:
    try:
        if os.name == "nt":  # pragma: no cover - Windows file servers
            import msvcrt

            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise AlreadyRunning(str(path)) from exc


def _still_at(fh, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fh.fileno()), os.stat(path))
    except OSError:
        return False


@contextlib.contextmanager
def exclusive_lock(path: str | Path) -> Iterator[None]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fh = open(path, "a+")
        try:
            _lock(fh, path)
        except BaseException:
            fh.close()
            raise
        if _still_at(fh, path):
            break
        fh.close()  # its holder removed it meanwhile: lock the file now at the path
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        if os.name == "nt":  # pragma: no cover - an open file cannot be removed on Windows
            fh.close()
            with contextlib.suppress(OSError):
                path.unlink()
        else:
            with contextlib.suppress(OSError):
                path.unlink()  # still held: a waiting run retries on a new file
            fh.close()


@contextlib.contextmanager
def output_lock(target: str | Path) -> Iterator[None]:
    """The lock of one output file (``.NAME.lock`` beside it, removed when the run ends): two runs
    writing it do not interleave. When the lock cannot be created (a read-only folder, a path
    through a file) the error names the output the user asked for, not the lock file."""
    target = Path(target)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(exclusive_lock(target.with_name(f".{target.name}.lock")))
        except OSError as exc:
            raise OutputNotWritten(target, exc, target.exists()) from exc
        yield
