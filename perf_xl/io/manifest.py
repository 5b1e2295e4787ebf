"""The manifest of a run: what it read and what it wrote, each file with its SHA-256.

The Nucleo/OIV attests that the Relazione's data are reliable (D.Lgs. 150/2009 art. 14 c. 4
lett. c). A manifest lets anyone check, later, that a Relazione comes from exactly these
workbooks with exactly these settings and this version of perf_xl: ``perf-xl verifica`` hashes
the files again, and re-running the manifest's command gives the same bytes (perf_xl's outputs
carry no time of their own). Reading and writing only: which files go in is the run's business.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .atomic import write_text_atomic

FORMAT = "perf_xl-manifest"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


class ManifestError(ValueError):
    """The file is not a manifest perf_xl can read (the message is Italian, for the user)."""


def file_digest(path: str | Path) -> tuple[int, str]:
    """(size, SHA-256 in hex) of the file's bytes, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def file_entry(path: str | Path, role: str) -> dict:
    size, sha = file_digest(path)
    return {"path": str(Path(path).resolve()), "role": role, "size": size, "sha256": sha}


def write_manifest(path: str | Path, data: dict) -> Path:
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, **data}
    return write_text_atomic(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")


def read_manifest(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"Il manifest «{path}» non si legge come file JSON di perf_xl.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(f"«{path}» non è un manifest di perf_xl (scritto da consolidate o publish con "
                            "--manifest).")
    if data.get("format_version") != FORMAT_VERSION or not isinstance(data.get("files"), list):
        raise ManifestError(f"Il manifest «{path}» è di una versione che questo perf_xl non conosce.")
    return data
