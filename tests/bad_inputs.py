"""Builders of bad inputs: each writes one hostile, damaged or unusual file from a clean one.

One place for them, so that the in-process tests (test_hostile_workbooks, test_validate,
test_bad_relazione) and the corpus run through the real command line
(test_bad_input_corpus) break files in exactly the same way.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import workbook_factory as wf

SHEET = "xl/worksheets/sheet1.xml"  # the Indicatori sheet, first in the template
STRINGS = "xl/sharedStrings.xml"


# --- zip surgery ---------------------------------------------------------------------------------

def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes] | None = None,
                add: dict[str, bytes] | None = None, compress=zipfile.ZIP_DEFLATED) -> Path:
    """Copy the workbook's zip, replacing or adding parts (as a hostile or broken writer would)."""
    tmp = dst.with_name(dst.name + ".part")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", compress) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data, compress_type=compress)
        for name, data in (add or {}).items():
            zout.writestr(name, data, compress_type=compress)
    tmp.replace(dst)
    return dst


def part(path: Path, name: str = SHEET) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def truncated(src: Path, dst: Path) -> Path:
    """The first half of the file: a copy or a download that stopped."""
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def corrupt_middle(src: Path, dst: Path) -> Path:
    """200 bytes overwritten a third of the way in: a bad sector inside a compressed part."""
    data = bytearray(src.read_bytes())
    at = len(data) // 3
    data[at: at + 200] = b"\xff" * 200
    dst.write_bytes(bytes(data))
    return dst


def corrupt_central_directory(src: Path, dst: Path) -> Path:
    """The zip's table of contents (central directory) overwritten, the parts themselves intact."""
    data = bytearray(src.read_bytes())
    at = data.rfind(b"PK\x01\x02")  # the last central directory entry
    assert at > 0
    data[at: at + 46] = b"\x00" * 46
    dst.write_bytes(bytes(data))
    return dst


def zip_bomb(src: Path, dst: Path) -> Path:
    """A part declaring 200 MB of zeros in a file under 2 MB."""
    return rewrite_zip(src, dst, add={"xl/media/zeros.bin": b"\0" * (200 * 1024 * 1024)})


def million_empty_rows(src: Path, dst: Path) -> Path:
    """A million formatted empty rows below the data (a format dragged to the end of the sheet)."""
    rows = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % r for r in range(100, 1_000_100))
    xml = part(src).replace(b"</sheetData>", rows + b"</sheetData>")
    return rewrite_zip(src, dst, replace={SHEET: xml})


def ten_thousand_columns(src: Path, dst: Path) -> Path:
    """10,000 filled columns after the template's, on the header row (a pasted wide range)."""
    from openpyxl.utils import get_column_letter

    cells = b"".join(b'<c r="%s3" t="inlineStr"><is><t>x</t></is></c>' % get_column_letter(c).encode()
                     for c in range(30, 10_030))
    xml = part(src).replace(b"</row>", cells + b"</row>", 1)
    return rewrite_zip(src, dst, replace={SHEET: xml})


def billion_laughs(src: Path, dst: Path) -> Path:
    """sharedStrings.xml with nested entities that expand to 10^9 'lol's if a parser expands them."""
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    assert STRINGS in zipfile.ZipFile(src).namelist()
    return rewrite_zip(src, dst, replace={STRINGS: laughs})


def invalid_utf8_strings(src: Path, dst: Path) -> Path:
    """sharedStrings.xml declared UTF-8 but holding Windows-1252 bytes (a broken third-party writer)."""
    xml = part(src, STRINGS).replace(b"Pratiche evase", "Pratiche evase è più".encode("cp1252"))
    return rewrite_zip(src, dst, replace={STRINGS: xml})


def damaged_sheet_xml(src: Path, dst: Path) -> Path:
    """The Indicatori sheet's XML cut in the middle of its data (a part written halfway)."""
    xml = part(src)
    return rewrite_zip(src, dst, replace={SHEET: xml[: int(len(xml) * 0.6)]})


def macros(src: Path, dst: Path) -> Path:
    """A VBA project inside the workbook (an .xlsm saved as .xlsx by a tool)."""
    return rewrite_zip(src, dst, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really vba"})


def external_links(src: Path, dst: Path) -> Path:
    return rewrite_zip(src, dst, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})


def encrypted(src: Path, dst: Path, password: str = "segreto") -> Path:
    """The workbook with a password to open (Office's ECMA-376 agile encryption)."""
    import msoffcrypto.format.ooxml

    with open(src, "rb") as fh, open(dst, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(fh).encrypt(password, out)
    return dst


def legacy_xls(src: Path, dst: Path, soffice: str) -> Path:
    """A real Excel 97-2003 file, converted by LibreOffice."""
    with tempfile.TemporaryDirectory() as prof, tempfile.TemporaryDirectory() as out:
        subprocess.run([soffice, f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", "xls",
                        "--outdir", out, str(src)], check=True, capture_output=True, timeout=120)
        shutil.move(str(Path(out) / (src.stem + ".xls")), dst)
    return dst


# --- settore workbooks -------------------------------------------------------------------------

def good_rows() -> list:
    """The clean rows under other codes and names, so a good workbook never collides with a bad one
    (the same objective code with two names across workbooks is itself a finding)."""
    out = []
    for r in wf.clean_rows():
        n = r.objective_code[-1]
        out.append(wf.dataclasses.replace(r, objective_code=f"OB9{n}", objective=f"Obiettivo buono {n}",
                                          settore="Settore Buono"))
    return out


def good_workbook(path: Path) -> Path:
    return wf.write(path, good_rows(), info={"settore": "Settore Buono"})


# --- Relazione text exports --------------------------------------------------------------------

def without_header(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith("Responsabile\tSettore"))


def cut_last_line(text: str) -> str:
    """The last line cut to a third (an export or a copy that stopped)."""
    lines = text.split("\n")
    return "\n".join(lines[:-1] + [lines[-1][: len(lines[-1]) // 3]])
