"""The approved plan's file (``perf-xl approva --out PIANO.json``): written and read, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from .atomic import write_text_atomic

FORMAT = "perf_xl-piano"
FORMAT_VERSION = 1


class PlanFileError(ValueError):
    """Not a plan perf_xl can read (the message is Italian, for the user)."""


def write_plan(path: str | Path, plan: dict) -> Path:
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, **plan}
    return write_text_atomic(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")


def read_plan(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PlanFileError(f"Il piano «{path}» non si legge come file JSON di perf_xl.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("workbooks"), list):
        raise PlanFileError(f"«{path}» non è un piano approvato di perf_xl (scritto da perf-xl approva).")
    if data.get("format_version") != FORMAT_VERSION:
        raise PlanFileError(f"Il piano «{path}» è di una versione che questo perf_xl non conosce.")
    return data
