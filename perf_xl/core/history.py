"""The change history of a settore workbook (issue 15): which cells changed between two nightly runs,
and which of them came after the dirigente's sign-off (Info: *Validato dal dirigente il*).

Pure rules on the snapshots of :mod:`perf_xl.io.cell_snapshot` ({sheet: {cell: value}}). Values are
compared as stored, type included: a number typed as text where a number was is a change.

A change after the sign-off stays *pending* until the dirigente signs off again (a later date) or the
cell goes back to the value it had when signed off: so the avviso is not lost when the workbook is
saved again for something else. Two changes of one cell are one pending change (from the first old
value to the latest).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable, NamedTuple

from openpyxl.utils import column_index_from_string

from ..findings import finding
from ..model import Finding
from ..schema import WorkbookSchema
from ..wording import number

NOT_SAID = "non indicato"  # who saved the file, when its document properties do not say


class Change(NamedTuple):
    """One cell that changed: ``old`` or ``new`` is None when the cell was empty."""

    sheet: str
    cell: str
    old: object
    new: object


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _cell_order(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    return (int(m.group(2)), column_index_from_string(m.group(1))) if m else (0, 0)


def changes(old: dict, new: dict, sheets: Iterable[str]) -> list[Change]:
    """Every cell of ``sheets`` whose value differs between the two snapshots, sheet by sheet in the
    schema's order, then row by row."""
    out: list[Change] = []
    for sheet in sheets:
        a, b = old.get(sheet, {}), new.get(sheet, {})
        if a == b:
            continue
        for cell in sorted(a.keys() | b.keys(), key=_cell_order):
            va, vb = a.get(cell), b.get(cell)
            if not _same(va, vb):
                out.append(Change(sheet, cell, va, vb))
    return out


def sign_off_cells(snapshot: dict, schema: WorkbookSchema) -> set[tuple[str, str]]:
    """The cells of the Info row *Validato dal dirigente il* (label and date, found by the label as the
    reader finds it): writing the sign-off is no change to sign off."""
    label = schema.info.field("validated_on").label
    for cell, value in snapshot.get(schema.info.name, {}).items():
        if cell.startswith("A") and isinstance(value, str) and value.strip() == label:
            return {(schema.info.name, cell), (schema.info.name, "B" + cell[1:])}
    return set()


def pending_after_sign_off(pending: list[dict], found: list[Change], signed_on: _dt.date | None,
                           saved: _dt.datetime, author: str, skip: set[tuple[str, str]]) -> list[dict]:
    """The changes still to be signed off: those kept from earlier runs and those ``found`` now (saved at
    ``saved`` by ``author``), of the ones made on a day after ``signed_on``; none without a sign-off.
    ``skip``: cells whose change never needs one (the sign-off date itself)."""
    if signed_on is None:
        return []
    by_cell = {(p["sheet"], p["cell"]): p for p in pending
               if _dt.datetime.fromisoformat(p["saved"]).date() > signed_on}
    when = saved.isoformat(timespec="seconds")
    if saved.date() > signed_on:
        for c in found:
            if (c.sheet, c.cell) in skip:
                continue
            first = by_cell.get((c.sheet, c.cell))
            old = first["old"] if first else c.old
            if _same(old, c.new):  # back to the value signed off
                by_cell.pop((c.sheet, c.cell), None)
                continue
            by_cell[(c.sheet, c.cell)] = {"sheet": c.sheet, "cell": c.cell, "old": old, "new": c.new,
                                         "saved": when, "author": author}
    return sorted(by_cell.values(), key=lambda p: (p["sheet"], _cell_order(p["cell"])))


def shown(value) -> object:
    """A stored value (:mod:`perf_xl.io.cell_snapshot`) as a person reads it: a date as 31/01/2023,
    anything else as it is."""
    if isinstance(value, dict):
        kind, iso = next(iter(value.items()))
        if kind == "date":
            return _dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
        if kind == "datetime":
            return _dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
        return iso
    return value


def sign_off_findings(file: str, pending: list[dict], signed_on: _dt.date) -> list[Finding]:
    """An avviso per pending change, naming the file, sheet, cell, the sign-off date, the old and new
    value, when the file was saved and by whom."""
    on = signed_on.strftime("%d/%m/%Y")
    out = []
    for p in pending:
        saved = _dt.datetime.fromisoformat(p["saved"]).strftime("%d/%m/%Y %H:%M")
        out.append(finding("modifica-dopo-validazione", file=file, sheet=p["sheet"], cell=p["cell"],
                           row=_cell_order(p["cell"])[0] or None, value=shown(p["new"]), date=on,
                           old=_text(shown(p["old"])), new=_text(shown(p["new"])), when=saved,
                           author=p["author"] or NOT_SAID))
    return out


def _text(v) -> str:
    """A value inside a sentence: «24,5», «31/01/2023», or «vuota» for an empty cell."""
    if v is None or v == "":
        return "vuota"
    if isinstance(v, bool):
        return "«VERO»" if v else "«FALSO»"
    if isinstance(v, (int, float)):
        return f"«{number(v)}»"
    return f"«{v}»"
