"""Hostile and damaged workbooks: each gives its finding, in bounded time, and the run goes on."""

import time
import zipfile

import pytest

import workbook_factory as wf
from perf_xl.consolidator import consolidate_folder
from perf_xl.io import atomic
from perf_xl.io.summary import write_summary_json
from perf_xl.validate import validate_paths


def _rewrite(src, dst, replace: dict[str, bytes] = None, add: dict[str, bytes] = None, compress=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compress) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data, compress_type=compress)
        for name, data in (add or {}).items():
            zout.writestr(name, data, compress_type=compress)
    return dst


@pytest.fixture
def clean(tmp_path):
    return wf.write(tmp_path / "pulito.xlsx")


def _sheet(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def _codes(path):
    t = time.monotonic()
    found = {f.code for f in validate_paths([path]).report}
    assert time.monotonic() - t < 30, "bounded time"
    return found


def test_zip_bomb_is_refused_before_parsing(clean, tmp_path):
    bomb = _rewrite(clean, tmp_path / "bomba.xlsx", add={"xl/media/zeros.bin": b"\0" * (200 * 1024 * 1024)})
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert _codes(bomb) == {"file-sospetto"}


def test_a_million_formatted_empty_rows(clean, tmp_path):
    xml = _sheet(clean)
    rows = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % r for r in range(100, 1_000_100))
    xml = xml.replace(b"</sheetData>", rows + b"</sheetData>")
    big = _rewrite(clean, tmp_path / "righe.xlsx", replace={"xl/worksheets/sheet1.xml": xml})
    # read in bounded time and memory (the empty rows are skipped), and the dirigente is told
    assert _codes(big) == {"foglio-sovradimensionato"}
    assert consolidate_folder(tmp_path).indicator_count == 8  # both workbooks' data, whole


def test_ten_thousand_columns(clean, tmp_path):
    from openpyxl.utils import get_column_letter

    xml = _sheet(clean)
    cells = b"".join(b'<c r="%s3" t="inlineStr"><is><t>x</t></is></c>' % get_column_letter(c).encode()
                     for c in range(30, 10_030))
    xml = xml.replace(b"</row>", cells + b"</row>", 1)  # on the header row: after the known columns
    wide = _rewrite(clean, tmp_path / "colonne.xlsx", replace={"xl/worksheets/sheet1.xml": xml})
    codes = _codes(wide)
    assert "file-illeggibile" not in codes  # read; the extra columns are not the template's and are ignored


def test_xml_entity_expansion_is_not_expanded(clean, tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
              b"<si><t>&lol9;</t></si></sst>")
    with zipfile.ZipFile(clean) as zf:
        names = zf.namelist()
    target = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None
    assert target
    evil = _rewrite(clean, tmp_path / "entita.xlsx", replace={target: laughs})
    t = time.monotonic()
    report = validate_paths([evil]).report
    assert time.monotonic() - t < 30
    assert report.findings  # whatever the parser makes of it, it is a finding, not a hang or a crash


def test_truncated_and_corrupt_zips(clean, tmp_path):
    data = clean.read_bytes()
    (tmp_path / "tagliato.xlsx").write_bytes(data[: len(data) // 2])
    corrupt = bytearray(data)
    corrupt[len(data) // 3: len(data) // 3 + 200] = b"\xff" * 200
    (tmp_path / "corrotto.xlsx").write_bytes(bytes(corrupt))
    for name in ("tagliato.xlsx", "corrotto.xlsx"):
        codes = _codes(tmp_path / name)
        assert codes & {"file-illeggibile", "foglio-illeggibile", "foglio-mancante", "file-sospetto"}, (name, codes)


def test_very_long_texts_rtl_and_non_latin(tmp_path):
    long_text = "Lungo " * 6000  # 36,000 characters, beyond Excel's 32,767 per cell
    rows = wf.clean_rows()
    rows[0] = wf.dataclasses.replace(rows[0], note=long_text[:32000], definizione="مؤشر الأداء – 指標 – Ωμέγα")
    wf.write(tmp_path / "testi.xlsx", rows)
    c = consolidate_folder(tmp_path)
    assert c.complete and not [f for f in c.findings if f.severity == "errore"]


def test_hidden_sheets_and_rows_are_still_read(tmp_path):
    p = wf.write(tmp_path / "nascosto.xlsx")

    def hide(wb):
        wb["Aree"].sheet_state = "hidden"
        wb["Indicatori"].row_dimensions[3].hidden = True

    wf.edit(p, hide)
    c = consolidate_folder(tmp_path)
    assert c.indicator_count == 4 and c.complete


def test_merged_cells_across_the_data(tmp_path):
    p = wf.write(tmp_path / "unite.xlsx")
    wf.edit(p, lambda wb: wb["Indicatori"].merge_cells("C2:C3"))  # the objective name merged over two rows
    codes = _codes(p)
    assert "valore-mancante" in codes  # the merged-away cell is empty: the dirigente is told which one


def test_a_failed_write_leaves_the_previous_output_intact(tmp_path, monkeypatch):
    c = consolidate_folder(wf.write(tmp_path / "s.xlsx").parent)
    out = tmp_path / "r.json"
    write_summary_json(out, c)
    before = out.read_bytes()

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(OSError):
        write_summary_json(out, c)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.")] == []  # no temporary left behind
