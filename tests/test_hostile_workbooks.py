"""Hostile and damaged workbooks: each gives its finding, in bounded time, and the run goes on."""

import time

import pytest

import bad_inputs as bi
import workbook_factory as wf
from perf_xl.app.consolidate import consolidate_folder
from perf_xl.io import atomic
from perf_xl.io.summary import write_summary_json
from perf_xl.app.validate import validate_paths


@pytest.fixture
def clean(tmp_path):
    return wf.write(tmp_path / "pulito.xlsx")


def _codes(path):
    t = time.monotonic()
    found = {f.code for f in validate_paths([path]).report}
    assert time.monotonic() - t < 30, "bounded time"
    return found


def test_zip_bomb_is_refused_before_parsing(clean, tmp_path):
    bomb = bi.zip_bomb(clean, tmp_path / "bomba.xlsx")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert _codes(bomb) == {"file-sospetto"}

def test_a_million_formatted_empty_rows(clean, tmp_path):
    big = bi.million_empty_rows(clean, tmp_path / "righe.xlsx")
    # read in bounded time and memory (the empty rows are skipped), and the dirigente is told
    assert _codes(big) == {"foglio-sovradimensionato"}
    c = consolidate_folder(tmp_path)
    # read whole: the same data as the clean workbook beside it, so it is that workbook's copy (counted once)
    assert c.indicator_count == 4 and c.excluded == [str(big)]
    assert [f.code for f in c.findings if f.file == str(big) and f.code.startswith("copia")] == ["copia-identica"]

def test_ten_thousand_columns(clean, tmp_path):
    codes = _codes(bi.ten_thousand_columns(clean, tmp_path / "colonne.xlsx"))
    assert "file-illeggibile" not in codes  # read; the extra columns are not the template's and are ignored

def test_xml_entity_expansion_is_not_expanded(clean, tmp_path):
    evil = bi.billion_laughs(clean, tmp_path / "entita.xlsx")
    t = time.monotonic()
    report = validate_paths([evil]).report
    assert time.monotonic() - t < 30
    assert report.findings  # whatever the parser makes of it, it is a finding, not a hang or a crash

def test_truncated_and_corrupt_zips(clean, tmp_path):
    bi.truncated(clean, tmp_path / "tagliato.xlsx")
    bi.corrupt_middle(clean, tmp_path / "corrotto.xlsx")
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


def test_a_workbook_being_saved_while_read_is_reported_not_half_read(tmp_path, monkeypatch):
    """validate and consolidate read each file once; if it changes meanwhile (Excel still saving on
    the share), the file is reported and skipped, the others go on."""
    from pathlib import Path

    saving = wf.write(tmp_path / "in-salvataggio.xlsx")
    wf.write(tmp_path / "fermo.xlsx")
    real_read_bytes = Path.read_bytes

    def read_while_saving(self):
        data = real_read_bytes(self)
        if str(self) == str(saving):
            with open(saving, "ab") as other:  # the other writer adds its next chunk
                other.write(b"\0" * 64)
        return data

    monkeypatch.setattr(Path, "read_bytes", read_while_saving)
    found = {(f.file.split("/")[-1], f.code) for f in validate_paths([tmp_path]).report}
    assert ("in-salvataggio.xlsx", "file-in-scrittura") in found
    assert not any(name == "fermo.xlsx" for name, _ in found)
    c = consolidate_folder(tmp_path)
    assert c.unreadable == [str(saving)] and c.indicator_count == 4


def test_a_member_that_inflates_past_its_declared_size_is_cut_short(clean, tmp_path):
    """The sheet XML is inflated straight from the bytes in memory, never past the size the zip
    directory declares (which the zip-bomb check bounded): a member that lies is damaged, not read."""
    import io
    import struct
    import zipfile

    from perf_xl.io.formula_scan import member_bytes

    data = bytearray(clean.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46:entry + 46 + len(name)] != name:  # the sheet's central directory entry
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 1000)  # declared uncompressed size: 1,000 bytes
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode())
    assert info.file_size == 1000
    with pytest.raises(zipfile.BadZipFile):
        member_bytes(bytes(data), info)
    liar = tmp_path / "bugiardo.xlsx"
    liar.write_bytes(bytes(data))
    t = time.monotonic()
    validate_paths([liar])  # a finding or none, never a crash
    assert time.monotonic() - t < 30


def test_the_formula_check_reads_any_layout_as_it_reads_the_common_one(settings):
    """canonical_sheet leaves a sheet in the common layout as it is, and the rewrite of any sheet by
    a real XML parse gives exactly the same formula findings (every shipped workbook)."""
    from conftest import SHIPPED_2022
    from perf_xl.io.formula_scan import _rewrite, canonical_sheet
    from perf_xl.io.reader import read_settore_workbook
    from perf_xl.schema import load_schema
    from perf_xl.app.validation import check_formulas

    schema = load_schema()
    for path in sorted(SHIPPED_2022.glob("*.xlsx")):
        read = read_settore_workbook(path, schema)
        xml = read.indicators_xml
        assert canonical_sheet(xml) is xml
        expected = check_formulas(read, schema, settings)
        read.indicators_xml = _rewrite(xml)
        assert canonical_sheet(read.indicators_xml) is read.indicators_xml
        assert check_formulas(read, schema, settings) == expected, path.name


def test_a_sheet_with_a_dtd_is_never_parsed_by_the_rewrite():
    from perf_xl.io.formula_scan import canonical_sheet

    xml = b'<!DOCTYPE x [<!ENTITY a "b">]><x:worksheet xmlns:x="u"><x:sheetData/></x:worksheet>'
    assert canonical_sheet(xml) is xml


def test_error_cells_are_found_in_one_pass():
    from perf_xl.io.formula_scan import error_cells

    xml = (b'<sheetData><row r="2"><c r="L2" s="3" t="e"><v>#N/A</v></c><c r="M2" t="str"><f>A</f><v>x</v></c>'
           b'<c r="N2" t="inlineStr"><is><t> t="e" typed</t></is></c><c r="O2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
           b'</row></sheetData>')
    assert error_cells(xml) == [("L", 2, "#N/A"), ("O", 2, "#DIV/0!")]
    assert error_cells(b"<sheetData/>") == []
    # whatever the writer's layout: a prefix, attributes in another order
    assert error_cells(b'<x:row r="5"><x:c s="3" t="e" r="L5"><x:v>#REF!</x:v></x:c></x:row>') == [("L", 5, "#REF!")]


def test_non_finite_numbers_are_no_numbers():
    from perf_xl.io.reader import to_number

    assert [to_number(v) for v in (float("nan"), float("inf"), -float("inf"), 1e308 * 10, "inf", "NaN", 2.5)] == [
        None, None, None, None, None, None, 2.5]


def test_stable_bytes_never_opens_what_is_not_a_regular_file(tmp_path):
    import errno
    import os

    from pathlib import Path

    from perf_xl.io.reader import NotRegularFile, TooLarge, stable_bytes, unreadable_message

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegularFile) as info:
        stable_bytes(tmp_path / "pipe")  # would block forever if opened for reading as a file
    assert "FIFO" in info.value.kind
    with pytest.raises(NotRegularFile):
        stable_bytes(Path("/dev/zero"))
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(300 * 1024 * 1024)
    with pytest.raises(TooLarge):
        stable_bytes(big)
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    with pytest.raises(OSError) as err:
        stable_bytes(tmp_path / "loop")
    message = unreadable_message(err.value)
    assert "rimanda a se stesso" in message and "Too many" not in message
    assert "Permission" not in unreadable_message(PermissionError(errno.EACCES, "Permission denied"))
