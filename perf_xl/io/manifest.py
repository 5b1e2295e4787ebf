"""The manifest of a run: what it read and what it wrote, each file with its SHA-256.

The Nucleo/OIV attests that the Relazione's data are reliable (D.Lgs. 150/2009 art. 14 c. 4
lett. c). A manifest lets anyone check, later, that a Relazione comes from exactly these
workbooks with exactly these settings and this version of perf_xl: ``perf-xl verifica`` hashes
the files again, and re-running the manifest's command gives the same bytes (perf_xl's outputs
carry no time of their own). Reading and writing only: which files go in is the run's business.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .tagged_json import Kind, read_tagged, write_tagged

MANIFEST = Kind(format="perf_xl-manifest", version=1, key="files", name="Il manifest",
                not_ours="«{path}» non è un manifest di perf_xl (scritto da consolidate o publish con --manifest).")
_CHUNK = 1 << 20


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
    return write_tagged(path, MANIFEST, data)


def read_manifest(path: str | Path) -> dict:
    """The manifest at ``path`` (:class:`~perf_xl.io.tagged_json.TaggedFileError` when it is not one)."""
    return read_tagged(path, MANIFEST)
