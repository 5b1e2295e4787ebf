"""Atomic output: write beside the target, then rename into place.

A crash, a full disk or a permission error while writing leaves the previous output
intact, and a reader never sees a half-written workbook or JSON file. When the write
fails, :class:`OutputNotWritten` says which output (the target, not the temporary
file: on Windows the rename onto a workbook open in Excel is what fails) and whether a
previous version is still there, so the command line can tell the user what to do.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


class OutputNotWritten(OSError):
    """Writing ``target`` failed; the previous file, if there was one, is untouched.

    An ``OSError`` (same errno and message as the cause), so callers that only care that
    the write failed need not know this class.
    """

    def __init__(self, target: Path, cause: OSError, previous_kept: bool):
        super().__init__(cause.errno, cause.strerror or str(cause), str(target))
        self.target = target
        self.cause = cause
        self.previous_kept = previous_kept

    def __reduce__(self):  # crosses a process boundary whole (an output written by a forked child)
        return (type(self), (self.target, self.cause, self.previous_kept))


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it to ``target``."""
    target = Path(target)
    tmp_path: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        # mkstemp creates 0600; give the output the mode a plain open() would have
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp_path, 0o666 & ~mask)
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except OutputNotWritten:
        raise  # a nested atomic write already named its target
    except OSError as exc:
        raise OutputNotWritten(target, exc, target.exists()) from exc
    except Exception as exc:
        # a writer library that wraps the OSError (xlsxwriter's FileCreateError on a full disk)
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise OutputNotWritten(target, cause, target.exists()) from exc
        raise
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)
