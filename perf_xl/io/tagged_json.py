"""perf_xl's own JSON files that a later run reads back (the approved plan, a run's manifest).

Each is written with its format's name and version, and read back only when it is what it says:
a file that is not JSON, another program's JSON, or one of a version this perf_xl does not know is
refused with an Italian sentence naming the file, before anything is done with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_text_atomic


class TaggedFileError(ValueError):
    """Not a file of the expected kind perf_xl can read (the message is Italian, for the user)."""


@dataclass(frozen=True)
class Kind:
    """One kind of file: its format's name and version, the list every such file holds, and how the
    messages name it."""

    format: str
    version: int
    key: str  # the list every file of this kind holds (a file without it is not one)
    name: str  # the file as a message names it: «Il manifest», «Il piano»
    not_ours: str  # the sentence for a file of another kind, with {path}


def write_tagged(path: str | Path, kind: Kind, data: dict) -> Path:
    body = {"format": kind.format, "format_version": kind.version, **data}
    return write_text_atomic(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")


def read_tagged(path: str | Path, kind: Kind) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TaggedFileError(f"{kind.name} «{path}» non si legge come file JSON di perf_xl.") from exc
    if not isinstance(data, dict) or data.get("format") != kind.format or not isinstance(data.get(kind.key), list):
        raise TaggedFileError(kind.not_ours.format(path=path))
    if data.get("format_version") != kind.version:
        raise TaggedFileError(f"{kind.name} «{path}» è di una versione che questo perf_xl non conosce.")
    return data
