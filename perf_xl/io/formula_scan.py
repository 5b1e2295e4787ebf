"""Find the formula cells of a sheet, with their cached value, by reading the sheet's XML.

python-calamine gives cached values but neither formula text nor error values (an
error cell reads as empty); openpyxl gives formulas but parses every cell twice over
for values and formulas. One streaming pass over the sheet's XML gives, for the
columns asked, whether a cell holds a formula, its text, and its cached value or
error (``#DIV/0!``): enough to find a formula a user overwrote with a typed value.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass(frozen=True)
class CellContent:
    formula: str | None  # formula text without '='; "" for a shared formula's follower cell
    value: str | None  # cached value as stored
    type: str | None  # the cell's t attribute: "e" error, "str" formula string, "s" shared string, None number

    @property
    def has_formula(self) -> bool:
        return self.formula is not None

    @property
    def is_error(self) -> bool:
        return self.type == "e"


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rid = None
    for s in wb.iter(f"{NS}sheet"):
        if s.get("name") == sheet_name:
            rid = s.get(f"{REL_NS}id")
    if rid is None:
        return None
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def scan_cells(path, sheet_name: str, columns: set[str], min_row: int = 1) -> dict[tuple[str, int], CellContent]:
    """{(column letter, row): CellContent} for the non-empty cells of ``columns`` in a sheet."""
    out: dict[tuple[str, int], CellContent] = {}
    with zipfile.ZipFile(path) as zf:
        part = _sheet_part(zf, sheet_name)
        if part is None:
            return out
        with zf.open(part) as fh:
            for _, el in ET.iterparse(fh, events=("end",)):
                if el.tag == f"{NS}c":
                    m = _REF.match(el.get("r", ""))
                    if m and m.group(1) in columns and int(m.group(2)) >= min_row:
                        f = el.find(f"{NS}f")
                        v = el.find(f"{NS}v")
                        is_ = el.find(f"{NS}is")
                        value = v.text if v is not None else ("".join(is_.itertext()) if is_ is not None else None)
                        if f is not None or value is not None:
                            out[(m.group(1), int(m.group(2)))] = CellContent(
                                formula=(f.text or "") if f is not None else None, value=value, type=el.get("t"))
                    el.clear()
                elif el.tag == f"{NS}row":
                    el.clear()
    return out
