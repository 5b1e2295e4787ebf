"""What a settore workbook's input cells hold, for the nightly's change history (issue 15).

The nightly keeps, per workbook, a compact snapshot of its cells as the reader sees them (python-
calamine, the reader's own library: a number typed as text is text, a date is a date), so the next
run can say which cells changed. Only the sheets perf_xl reads are kept (Info, Aree, Indicatori),
and of the Indicatori sheet not the computed columns: their values follow from the inputs (a target
changed would otherwise also show as a changed % Ragg), and Excel rewrites them on every recalculation.

The snapshot is made from the sheets the reader already read from the bytes the nightly hashed
(:attr:`perf_xl.model.ReadResult.grids`), never from the file again; the workbook's *last modified by*
comes from the same bytes (``docProps/core.xml``, through openpyxl's reader of document properties).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import zipfile
import zlib

from openpyxl.packaging.core import DocumentProperties
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import fromstring

from ..schema import WorkbookSchema
from ..wording import as_read

CORE_PART = "docProps/core.xml"
CORE_PART_MAX_BYTES = 1 << 20  # a document-properties part is a few hundred bytes; a bigger one is not read

# a snapshot: {sheet: {cell: value}}, value as stored: text, a number, a bool, or {"date": iso} /
# {"datetime": iso} / {"time": iso} (JSON has no dates; the tag keeps a date apart from text that looks like one)
Snapshot = dict[str, dict[str, object]]


def _stored(v) -> object:
    cls = v.__class__
    if cls is str or (cls is float and v - v == 0.0):  # text and finite numbers, nearly every cell: as they are
        return v
    if isinstance(v, _dt.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, _dt.date):
        return {"date": v.isoformat()}
    if isinstance(v, _dt.time):
        return {"time": v.isoformat()}
    if isinstance(v, _dt.timedelta):
        return v.total_seconds() / 86400
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def snapshot_of_grids(grids: dict[str, list], schema: WorkbookSchema) -> Snapshot:
    """The input cells of the sheets already read (:attr:`perf_xl.model.ReadResult.grids`, by the schema's
    sheet names): the snapshot without reading the workbook a second time."""
    computed = {as_read(c.label) for c in schema.indicators.columns if c.type == "computed"}
    out: Snapshot = {}
    for name in schema.sheet_names:
        grid = grids.get(name)
        if grid is None:
            continue
        skip: set[int] = set()
        if name == schema.indicators.name and len(grid) >= schema.indicators.header_row:
            header = grid[schema.indicators.header_row - 1]
            skip = {j for j, v in enumerate(header) if isinstance(v, str) and as_read(v) in computed}
        cells: dict[str, object] = {}
        letters = [get_column_letter(j + 1) for j in range(max(map(len, grid), default=0))]
        for i, row in enumerate(grid, start=1):
            for j, v in enumerate(row):
                if v is None or v == "" or j in skip:
                    continue
                cells[f"{letters[j]}{i}"] = _stored(v)
        out[name] = cells
    return out


def pack(snapshot: Snapshot) -> bytes:
    """The snapshot as the cache stores it: JSON, deflated (a 2022 workbook's cells: a few KB). The fastest
    level: a nightly packs every changed workbook, and level 6 took 4.5 times as long to save a quarter of
    the bytes (measured on the benchmark's workbooks: 1.5 against 0.33 ms, 12 against 17 KB)."""
    return zlib.compress(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def unpack(blob: bytes | None) -> Snapshot | None:
    if not blob:
        return None
    try:
        return json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, ValueError):
        return None


def last_modified_by(data: bytes) -> str:
    """The workbook's *last modified by* (``cp:lastModifiedBy``), or "" when it does not say."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo(CORE_PART)
            if info.file_size > CORE_PART_MAX_BYTES:
                return ""
            xml = zf.read(info)
        return (DocumentProperties.from_tree(fromstring(xml)).lastModifiedBy or "").strip()
    except Exception:  # no such part, not a zip, XML that does not parse: the file does not say
        return ""
