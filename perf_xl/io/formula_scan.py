"""Formula cells of a sheet, read from the sheet's XML.

python-calamine gives cached values but neither formula text nor error values (an
error cell reads as empty); openpyxl gives formulas at many times the cost. Here:
:func:`rows_with_runs` finds, in one regular-expression pass over the XML bytes,
the rows of each run of formula columns whose formulas are exactly the template's for that
row (compared as stored, see :func:`as_stored`); :class:`CellCursor` looks up the few remaining cells
in reading order and :meth:`RawCell.content` tells what they hold (a typed value, a
cached error such as ``#DIV/0!``). The byte scans know the layout OOXML writers produce
(``<c r="P12" …><f>…</f><v>…</v></c>``); a sheet in any other valid layout (a namespace prefix
such as ``<x:c>``, attributes in another order, single quotes, cells without ``r``) is first
rewritten into that layout by a real XML parse (:func:`canonical_sheet`), so the check gives
the same answer whatever program wrote the file.
"""

from __future__ import annotations

import functools
import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import NamedTuple
from xml.etree import ElementTree

_T_ATTR = re.compile(rb'\bt="([a-zA-Z]+)"')


_F = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v(?:\s*/>|>(.*?)</(?:\w+:)?v>)", re.S)
_IS = re.compile(rb"<(?:\w+:)?is>(.*?)</(?:\w+:)?is>", re.S)


class RawCell(NamedTuple):
    """A cell as stored in the sheet's XML: its attributes and its body (bytes)."""

    attrs: bytes
    body: bytes

    def content(self) -> "CellContent":
        f = _F.search(self.body)
        v = _V.search(self.body)
        inline = _IS.search(self.body) if v is None else None
        t = _T_ATTR.search(self.attrs)

        def text(b: bytes | None) -> str | None:
            return None if b is None else html.unescape(b.decode("utf-8"))

        value = text(v.group(1)) if v is not None else (
            text(re.sub(rb"<[^>]+>", b"", inline.group(1))) if inline else None)
        return CellContent(formula=None if f is None else (text(f.group(1)) or ""), value=value,
                           type=None if t is None else t.group(1).decode())


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


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding it, from workbook.xml and its relationships (as bytes).

    Workbooks made from one template share both parts, so they are parsed once per run: the
    cache is keyed on the parts' checksums and sizes from the zip directory, not read again.
    """
    wb, rels = zf.getinfo("xl/workbook.xml"), zf.getinfo("xl/_rels/workbook.xml.rels")
    key = (wb.CRC, wb.file_size, rels.CRC, rels.file_size)
    parts = _SHEET_PARTS.get(key)
    if parts is None:
        parts = _parse_sheet_parts(zf.read(wb), zf.read(rels))
        if len(_SHEET_PARTS) < 256:
            _SHEET_PARTS[key] = parts
    return dict(parts)


_SHEET_PARTS: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _parse_sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> tuple[tuple[str, str], ...]:
    targets = {}
    for tag in _REL_TAG.findall(rels_xml):
        attrs = dict(_ATTR.findall(tag))
        target = html.unescape(attrs.get(b"Target", b"").decode("utf-8"))
        targets[attrs.get(b"Id")] = (target.lstrip("/") if target.startswith("/")
                                     else posixpath.normpath(posixpath.join("xl", target)))
    parts = []
    for tag in _SHEET_TAG.findall(workbook_xml):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}
        part = targets.get(attrs.get(b"id"))
        if part:
            parts.append((html.unescape(attrs.get(b"name", b"").decode("utf-8")), part))
    return tuple(parts)


def sheet_xml(zf: zipfile.ZipFile, sheet_name: str, data: bytes | None = None) -> bytes | None:
    """A sheet's XML from an open workbook zip; None when it is not there or does not unpack
    (a damaged sheet is already the value reader's finding). With ``data``, the zip's own bytes
    in memory, the member is inflated straight from them (see :func:`member_bytes`)."""
    try:
        part = sheet_parts(zf).get(sheet_name)
        if part is None:
            return None
        info = zf.getinfo(part)
        return member_bytes(data, info) if data is not None else zf.read(info)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error):
        return None


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra field lengths


def member_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A zip member inflated from the zip's bytes in memory in one zlib call, never past its declared
    size (the zip-bomb check has bounded that), CRC checked: zipfile's file-object machinery costs
    as much as the inflating itself for a sheet, on every workbook of a large run."""
    off = info.header_offset
    signature, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, off)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    start = off + _LOCAL_HEADER.size + name_len + extra_len
    raw = data[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    else:
        raise zipfile.BadZipFile(f"compression {info.compress_type} not supported here")
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename} does not match its size or checksum")
    return out


def as_stored(formula: str) -> bytes:
    """A formula as OOXML writers store it in <f> (only &, < and > escaped)."""
    return formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


# a cell's attributes after r="…", none of them t="e" (a formula whose cached value is an error)
_ATTRS_NO_ERROR = rb'(?:\s+(?!t="e")[\w:]+="[^"]*")*\s*'


@functools.lru_cache(maxsize=256)
def _runs_pattern(runs: tuple[tuple[tuple[str, bytes], ...], ...], placeholder: bytes, last: bytes) -> re.Pattern:
    """One pattern for every run of columns, a branch per run: the cells of one row in adjacent columns,
    one after the other as writers store them, each with exactly its formula and no cached error. Branch
    ``k`` captures the row in its first cell's address as group ``r<k>`` and ties the others' (and every
    ``placeholder`` in the formulas) to it by a back-reference; a range's last row ``last`` is captured as
    ``l<k>`` where it first appears. The branches share the literal ``<c r="`` that starts them, so the
    regular-expression engine scans the XML once for all of them."""
    branches = []
    for k, cells in enumerate(runs):
        seen = []

        def last_row() -> bytes:  # captured where it first appears, the same digits after
            seen.append(1)
            return b"(?P<l%d>\\d+)" % k if len(seen) == 1 else b"(?P=l%d)" % k

        def part(text: bytes) -> bytes:
            pieces = text.split(last) if last else [text]
            return b"".join(re.escape(p) + (last_row() if i < len(pieces) - 1 else b"") for i, p in enumerate(pieces))

        row = b"(?P=r%d)" % k
        out = []
        for j, (letter, stored) in enumerate(cells):
            if j:
                out.append(rb"(?:<v>[^<]*</v>)?</c>")  # the previous cell's cached value, then this cell
            body = row.join(part(p) for p in stored.split(placeholder))
            out.append(rb'<c r="' + letter.encode() + (b"(?P<r%d>\\d+)" % k if j == 0 else row) + rb'"'
                       + _ATTRS_NO_ERROR + rb"><f>" + body + rb"</f>")
        branches.append(b"".join(out))
    return re.compile(b"|".join(branches))


def rows_with_runs(data: bytes, runs: list[list[tuple[str, bytes]]], placeholder: bytes,
                   last: tuple[bytes, int] | None = None) -> list[set[int]]:
    """For each run of adjacent columns (``(letter, formula as stored)`` in column order, see
    :func:`as_stored`), the rows whose cells all hold exactly their formula, with ``placeholder`` standing
    for the cell's own row, and no cached error. ``last`` = (its placeholder in the formulas, the row it
    must be): a range's last row, which differs from workbook to workbook while the formulas' shape does not.

    One regular-expression pass in C over the XML for all the runs (each pass costs as much as the scan
    of the whole sheet), the row tied to the cells' addresses by back-references: the common case (every
    formula intact) costs no Python per cell, and the pattern is compiled once per layout, not once per
    workbook. A row missing here may still be right (a writer that stores something between the cells):
    the caller scans that run's columns again, each as a run of one."""
    key = tuple(tuple(cells) for cells in runs)
    mark = last[0] if last is not None and any(last[0] in f for cells in runs for _, f in cells) else b""
    pattern = _runs_pattern(key, placeholder, mark)
    found = pattern.findall(data)
    if not found:
        return [set() for _ in runs]
    if pattern.groups == 1:
        found = [(row,) for row in found]
    columns = list(zip(*found))  # one tuple per group, over every match ("" where its branch did not match)
    index = pattern.groupindex
    wanted = str(last[1]).encode() if mark else b""
    out = []
    for k in range(len(runs)):
        rows = columns[index[f"r{k}"] - 1]
        if f"l{k}" in index:
            out.append({int(r) for r, got in zip(rows, columns[index[f"l{k}"] - 1]) if r and got == wanted})
        else:
            out.append(set(map(int, filter(None, rows))))
    return out


def last_formula_row(data: bytes, letter: str) -> int | None:
    """The last row whose cell in column ``letter`` holds a formula without a cached error,
    searched from the end of the XML (writers store rows in order)."""
    pattern = re.compile(rb'<c r="' + letter.encode() + rb'(\d+)"' + _ATTRS_NO_ERROR + rb"><f>")
    needle = b'<c r="' + letter.encode()
    end = len(data)
    while (i := data.rfind(needle, 0, end)) >= 0:
        m = pattern.match(data, i)
        if m:
            return int(m.group(1))
        end = i
    return None


class CellCursor:
    """Looks cells up in a sheet's XML in reading order, with ``bytes.find`` from a cursor.

    Rows and cells are stored in order, so asking for cells row by row costs one pass
    over the XML in C, not a regular expression over every cell of the sheet.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def get(self, letter: str, row: int) -> RawCell | None:
        data = self.data
        needle = b'<c r="' + letter.encode() + str(row).encode() + b'"'
        i = data.find(needle, self.pos)
        if i < 0:
            i = data.find(needle)  # out of order (some writers): look from the start
            if i < 0:
                return None
        head_end = data.find(b">", i)
        if head_end < 0:
            return None
        attrs = data[i + len(needle):head_end]
        if attrs.endswith(b"/"):
            self.pos = head_end
            return None  # <c r="P2" s="3"/>: an empty cell
        end = data.find(b"</c>", head_end)
        if end < 0:
            return None
        self.pos = end
        return RawCell(attrs, data[head_end + 1:end])


# --- any valid OOXML into the layout the byte scans know -------------------------------------------

_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s>/]")
_ODD_CELL = re.compile(rb'<c(?: (?!r=")|>)')  # a cell whose first attribute is not r="…"


def canonical_sheet(data: bytes, thorough: bool = True) -> bytes:
    """The sheet's XML in the layout the byte scans know: ``data`` itself when it already is (the
    common case: nothing copied), else rewritten from a real XML parse. ``thorough=False`` looks
    only at the root element and the first cell (O(1): a writer lays out every cell alike); the
    formula check makes the thorough check (one pass in C) only when a cell was not found as
    expected, so the common case pays nothing for it.

    The layout: no namespace prefixes on the sheet's elements and every cell starting ``<c r="``.
    Anything else (``<x:c r="P2">``, ``<c s="1" r="P2">``, ``<c r='P2'>``, a cell without ``r``)
    is parsed with ElementTree, element by element, and written back as ``<row r="N"><c r="P2"
    t="…"><f>…</f><v>…</v></c></row>``; only what the formula check reads is kept. A sheet that
    does not parse, or declares a DTD (entities: refused, never expanded), is returned as it is.
    """
    if _common_layout(data, thorough):
        return data
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return data
    try:
        return _rewrite(data)
    except (ElementTree.ParseError, ValueError):
        return data


def _common_layout(data: bytes, thorough: bool = True) -> bool:
    """Whether the byte scans can read ``data`` as it is: the root element without a prefix, cells
    without one (``<c r="`` found where there are rows), and (``thorough``) no cell whose first
    attribute is not ``r``: one regular-expression pass in C, 0.1 ms for a settore's sheet."""
    root = _FIRST_TAG.search(data)
    if root is None or b":" in root.group(1):
        return False
    first = data.find(b"<c ")
    if first < 0:  # no cell as the scans know it: an empty sheet, or cells without r, or prefixed
        return data.find(b"<c>") < 0 and _PREFIXED_CELL.search(data) is None
    if not data.startswith(b'<c r="', first):
        return False
    return not thorough or _ODD_CELL.search(data) is None


def _esc(text: str | None, attr: bool = False) -> bytes:
    out = as_stored(text or "")
    return out.replace(b'"', b"&quot;") if attr else out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _rewrite(data: bytes) -> bytes:
    out = [b"<worksheet><sheetData>"]
    row_no = col_no = 0
    for event, el in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row_no = int(r) if r else row_no + 1
                col_no = 0
                out.append(b'<row r="%d">' % row_no)
            continue
        if tag == "row":
            out.append(b"</row>")
            el.clear()
        elif tag == "c":
            m = _REF.match(el.get("r") or "")
            if m:
                col_no = _column_number(m.group(1))
                ref = f"{m.group(1).upper()}{m.group(2)}"
            else:
                col_no += 1
                ref = f"{_letters(col_no)}{row_no}"
            t = el.get("t")
            parts = [b'<c r="', ref.encode(), b'"', b' t="%s"' % _esc(t, True) if t else b"", b">"]
            for child in el:
                ctag = _local(child.tag)
                if ctag == "f":
                    attrs = b"".join(b' %s="%s"' % (_local(k).encode(), _esc(v, True)) for k, v in child.attrib.items())
                    parts.append(b"<f%s>%s</f>" % (attrs, _esc(child.text)) if child.text else b"<f%s/>" % attrs)
                elif ctag == "v":
                    parts.append(b"<v>%s</v>" % _esc(child.text))
                elif ctag == "is":
                    parts.append(b"<is><t>%s</t></is>" % _esc("".join(child.itertext())))
            parts.append(b"</c>")
            out.append(b"".join(parts))
            el.clear()
    out.append(b"</sheetData></worksheet>")
    return b"".join(out)


_ERROR_ATTR = b't="e"'
_ERROR_SEARCH = re.compile(re.escape(_ERROR_ATTR))
_CELL_TAG = re.compile(rb'<(?:\w+:)?c\s')
_R_ATTR = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')


def error_cells(data: bytes) -> list[tuple[str, int, str]]:
    """(column letter, row, error value) of every cell holding an error value (``t="e"``), whatever
    the order of its attributes or its namespace prefix. One pass in C (a regular-expression search for
    the first, ``bytes.find`` for the next): a sheet without errors (the common case) costs no Python per cell."""
    out = []
    m = _ERROR_SEARCH.search(data)  # the regular-expression engine finds the first one faster than bytes.find
    if m is None:
        return out
    i = m.start()
    while i >= 0:
        start = data.rfind(b"<", 0, i)
        head_end = data.find(b">", start) if start >= 0 else -1
        if head_end > i and data[i - 1:i].isspace() and _CELL_TAG.match(data, start):
            m = _R_ATTR.search(data, start, head_end)
            if m:
                end = data.find(b"c>", head_end)  # </c> or </x:c>
                v = _V.search(data, head_end, end if end >= 0 else len(data))
                value = html.unescape(v.group(1).decode("utf-8", "replace")) if v and v.group(1) else "#N/D"
                out.append((m.group(1).decode(), int(m.group(2)), value))
        i = data.find(_ERROR_ATTR, i + 1)
    return out
