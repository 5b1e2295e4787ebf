"""Provenance: the manifest a run writes, and its verification later (``perf-xl verifica``).

A manifest names every workbook the run read and every file it wrote, each with its SHA-256, the
settings used (the file and its values), perf_xl's version and the command. Verifying hashes the
same files again and says exactly which changed or vanished since. Files are named by their
absolute path; those in the manifest's own folder (an OIV pack) also by their place beside it, so
that a copy of the folder sent elsewhere is verified where it now is.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..io.manifest import file_digest, file_entry, read_manifest, write_manifest
from ..settings import Settings

INPUT, OUTPUT, SETTINGS = "input", "output", "settings"


def write_run_manifest(path: str | Path, command: list[str], inputs: list[str | Path],
                       outputs: list[str | Path], settings: Settings, settings_file: str | Path | None) -> Path:
    """The manifest of a run that read ``inputs`` and wrote ``outputs`` (written last, once they exist)."""
    files = [file_entry(p, INPUT) for p in inputs]
    if settings_file:
        files.append(file_entry(settings_file, SETTINGS))
    files += [file_entry(p, OUTPUT) for p in outputs]
    home = Path(path).resolve().parent
    for entry in files:  # a file in the manifest's own folder is also found when the folder is moved
        try:
            entry["beside"] = Path(entry["path"]).relative_to(home).as_posix()
        except ValueError:
            pass
    return write_manifest(path, {
        "perf_xl_version": __version__,
        "command": command,
        "cwd": os.getcwd(),
        "settings": dataclasses.asdict(settings),
        "files": files,
    })


@dataclass
class Verification:
    """What ``verifica`` found: each file of the manifest unchanged, changed or missing."""

    unchanged: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.changed and not self.missing


def verify(manifest_path: str | Path) -> Verification:
    """Hash every file of the manifest again (raises :class:`~perf_xl.io.tagged_json.TaggedFileError` when it
    is not a manifest perf_xl can read)."""
    data = read_manifest(manifest_path)
    result = Verification(manifest=data)
    home = Path(manifest_path).resolve().parent
    for entry in data["files"]:
        path = Path(entry.get("path", ""))
        beside = entry.get("beside")
        if not path.exists() and isinstance(beside, str) and (home / beside).exists():
            # the manifest's folder was moved or copied (an OIV pack sent on): its files are where it is now
            path = home / beside
            entry = {**entry, "path": str(path)}
        try:
            size, sha = file_digest(path)
        except OSError:
            result.missing.append(entry)
            continue
        (result.unchanged if (size, sha) == (entry.get("size"), entry.get("sha256")) else result.changed).append(entry)
    return result
