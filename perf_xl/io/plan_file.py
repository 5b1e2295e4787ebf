"""The approved plan's file (``perf-xl approva --out PIANO.json``): written and read, nothing else."""

from __future__ import annotations

from pathlib import Path

from .tagged_json import Kind, read_tagged, write_tagged

PLAN = Kind(format="perf_xl-piano", version=1, key="workbooks", name="Il piano",
            not_ours="«{path}» non è un piano approvato di perf_xl (scritto da perf-xl approva).")


def write_plan(path: str | Path, plan: dict) -> Path:
    return write_tagged(path, PLAN, plan)


def read_plan(path: str | Path) -> dict:
    """The plan at ``path`` (:class:`~perf_xl.io.tagged_json.TaggedFileError` when it is not one)."""
    return read_tagged(path, PLAN)
