"""Hostile but ordinary files, each through the real command line: findings, never losses or crashes.

One case per defect of issue 10's part "hostile": non-finite numbers, formats perf_xl cannot
check (.ods, .xls, .xlsb, an .ods renamed .xlsx), area names as a person reads them, renamed
sheets and a moved header, odd files on the nightly's share (FIFO, symlink to /dev/zero,
symlink loop, a file over the size cap), a workbook replaced with the same size and time,
sheets written with a namespace prefix or attributes in another order, error values cached
in input cells, polarity spelling, a second column with the same label, rounded numbers in
messages. Each run: its own process, bounded in time and memory, no traceback, the sources
untouched.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import bad_inputs as bi
import workbook_factory as wf
from cli_runner import PEAK_RSS_MB, WALL_SECONDS, is_italian, run_cli
from conftest import deep_hashes
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, SettoreWorkbook

AMBIENTE = "LINEA STRATEGICA SULL'AMBIENTE"


# --- helpers -------------------------------------------------------------------------------------

def _findings(data: dict) -> list[dict]:
    """The findings of a JSON output, whichever language its keys are in."""
    for key in ("segnalazioni", "findings"):
        if key in data:
            return data[key]
    raise AssertionError(f"no findings in {sorted(data)}")


def _run(args: list[str], cwd: Path, sources: Path):
    before = deep_hashes(sources)
    run = run_cli(args, cwd)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr[-3000:]
    assert run.seconds < WALL_SECONDS, f"took {run.seconds:.1f} s"
    assert run.peak_rss_mb < PEAK_RSS_MB, f"peaked at {run.peak_rss_mb:.0f} MB"
    assert deep_hashes(sources) == before, "the sources were modified"
    return run


def validate(folder: Path, tmp: Path, *extra: str):
    out = tmp / "v.json"
    run = _run(["validate", *extra, str(folder), "--json", str(out)], tmp, folder)
    return run, json.loads(out.read_text(encoding="utf-8"))


def consolidate(folder: Path, tmp: Path):
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    run = _run(["consolidate", str(folder), "--out", str(out / "R.xlsx"), "--json", str(out / "r.json")],
               tmp, folder)
    assert (out / "R.xlsx").stat().st_size > 0, run.stdout + run.stderr
    return run, json.loads((out / "r.json").read_text(encoding="utf-8"))


def nightly(share: Path, tmp: Path):
    reports = tmp / "reports"
    run = _run(["nightly", str(share), "--reports", str(reports)], tmp, share)
    return run, json.loads((reports / "latest.json").read_text(encoding="utf-8"))


def codes(findings, name: str | None = None) -> set[tuple[str, str]]:
    """(code, cell) of the findings about file ``name`` (every file when None)."""
    return {(f["code"], f["cell"]) for f in findings if name is None or Path(f["file"]).name == name}


def italian(findings) -> None:
    for f in findings:
        assert is_italian(re.sub(r"/\S+", "", f["message"])), f["message"]  # paths are not words
        assert "nan" not in f["message"].lower().split() and "inf" not in f["message"].split()


def sheet_patched(src: Path, dst: Path, fn) -> Path:
    """The Indicatori sheet's XML changed by ``fn(xml: bytes) -> bytes``."""
    return bi.rewrite_zip(src, dst, replace={bi.SHEET: fn(bi.part(src))})


def set_value(xml: bytes, cell: str, value: bytes, error: bool = False) -> bytes:
    """A cell's stored value replaced (as another writer would store it)."""
    pattern = rb'<c r="' + cell.encode() + rb'"([^>]*?)(?: t="[a-z]+")?>(?:<f>.*?</f>)?<v>[^<]*</v></c>'

    def repl(m):
        return (b'<c r="' + cell.encode() + b'"' + m.group(1) + (b' t="e"' if error else b"") + b"><v>" + value
                + b"</v></c>")

    xml, n = re.subn(pattern, repl, xml)
    assert n == 1, cell
    return xml


def area_workbook(path: Path, row_area: str, aree: str, code: str = "OB01", settore: str = "Settore Prova",
                  actual: float = 9.0) -> Path:
    """One objective (two indicators) in ``row_area``; the Aree sheet lists ``aree``."""
    rows = [wf.row(area=row_area, objective_code=code, objective=f"Obiettivo {code}", settore=settore,
                   indicator="Pratiche", target=10.0, actual=actual, weight=50.0),
            wf.row(area=row_area, objective_code=code, objective=f"Obiettivo {code}", settore=settore,
                   indicator="Istanze", target=10.0, actual=10.0, weight=50.0)]
    info = {"year": 2024, "settore": settore, "schema_version": wf.SCHEMA.version, "comune": "Prova"}
    return write_settore_workbook(path, SettoreWorkbook(info=info, areas=(AreaInfo(1, aree, 96.25),),
                                                        rows=tuple(rows)))


# --- 1. non-finite numbers -------------------------------------------------------------------------

def test_nan_and_infinite_numbers_are_cell_findings(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    clean = wf.write(tmp_path / "pulito.xlsx")
    sheet_patched(clean, src / "nan.xlsx",
                  lambda x: set_value(set_value(set_value(x, "L2", b"NaN"), "K3", b"1E+400"), "O4", b"-INF"))
    bi.good_workbook(src / "buono.xlsx")

    run, data = validate(src, tmp_path)
    assert run.exit == 1
    found = codes(_findings(data), "nan.xlsx")
    assert {("numero-non-finito", "L2"), ("numero-non-finito", "K3"), ("numero-non-finito", "O4")} <= found
    # one finding per cell: not also "obbligatoria" or "non ancora inserito"
    assert [c for c, cell in found if cell in ("L2", "K3", "O4")].count("numero-non-finito") == 3
    assert len([1 for _, cell in found if cell in ("L2", "K3", "O4")]) == 3
    italian([f for f in _findings(data) if f["code"] == "numero-non-finito"])

    run, data = consolidate(src, tmp_path)
    assert run.exit in (0, 1)
    assert {("numero-non-finito", "L2")} <= codes(_findings(data), "nan.xlsx")
    scores = {o["code"]: o["score"] for a in data["areas"] for o in a["objective_scores"]
              if o["settore"] == "Settore Prova"}
    # L2 (consuntivo NaN) and K3 (atteso inf) leave the score: only row 3's... neither counts
    assert scores["OB01"] is None
    assert all(v is None or 0 <= v <= 100 for v in scores.values())


# --- 2. formats perf_xl cannot check -------------------------------------------------------------

def _ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet, laid out as LibreOffice writes it (mimetype first, stored)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _odd_formats(folder: Path) -> None:
    bi.good_workbook(folder / "buono.xlsx")
    (folder / "settore-ods.ods").write_bytes(_ods_bytes())
    (folder / "ods-rinominato.xlsx").write_bytes(_ods_bytes())
    clean = wf.write(folder.parent / "pulito.xlsx")
    bi.rewrite_zip(clean, folder / "settore-binario.xlsb", add={"xl/workbook.bin": b"\x83\x01\x00"})
    (folder / "vecchio.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "~$buono.xlsx").write_bytes(b"lock")  # lock files stay skipped
    (folder / ".~lock.settore-ods.ods#").write_bytes(b"lock")


FORMATS = {("settore-ods.ods", "formato-ods"), ("ods-rinominato.xlsx", "formato-ods"),
           ("settore-binario.xlsb", "formato-xlsb"), ("vecchio.xls", "formato-xls")}


def test_ods_xls_xlsb_and_a_renamed_ods_are_errors_not_silent_skips(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _odd_formats(src)

    run, data = validate(src, tmp_path)
    assert run.exit == 1
    found = {(Path(f["file"]).name, f["code"]) for f in _findings(data)}
    assert FORMATS <= found
    assert not any(name.startswith(("~$", ".~lock")) for name, _ in found)
    for f in _findings(data):
        if f["code"] in ("formato-ods", "formato-xlsb"):
            assert f["severity"] == "errore" and "salvarlo come .xlsx" in f["message"], f["message"]
    italian(_findings(data))

    run, data = consolidate(src, tmp_path)
    assert run.exit == 1  # some workbooks could not be used
    assert FORMATS <= {(Path(f["file"]).name, f["code"]) for f in _findings(data)}
    assert {o["code"] for a in data["areas"] for o in a["objective_scores"]} == {"OB91", "OB92"}


def test_the_nightly_reports_the_formats_it_cannot_check(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    _odd_formats(share)
    run, data = nightly(share, tmp_path)
    assert run.exit == 1
    assert FORMATS <= {(Path(f["file"]).name, f["code"]) for f in _findings(data)}
    skipped = {s["file"] for s in data["skipped"]}
    assert {"~$buono.xlsx", ".~lock.settore-ods.ods#"} <= skipped


# --- 3. area names as a person reads them -------------------------------------------------------

def test_area_names_match_as_a_person_reads_them_and_an_unknown_one_is_an_error(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    area_workbook(src / "a.xlsx", AMBIENTE, AMBIENTE, code="OB01", settore="Settore A")
    area_workbook(src / "b.xlsx", "LINEA STRATEGICA SULL\u2019AMBIENTE", "LINEA STRATEGICA SULL\u2019AMBIENTE",
                  code="OB02", settore="Settore B")
    area_workbook(src / "c.xlsx", "linea  strategica\u00a0sull'ambiente ", AMBIENTE, code="OB03", settore="Settore C")
    run, data = consolidate(src, tmp_path)
    assert [a["name"] for a in data["areas"]] == [AMBIENTE]
    assert data["areas"][0]["objectives"] == 3 and data["areas"][0]["indicators"] == 6
    assert not any(f["code"] == "area-sconosciuta" for f in _findings(data))

    area_workbook(src / "d.xlsx", "LINEA STRATEGICA SULLA LUNA", AMBIENTE, code="OB04", settore="Settore D")
    run, data = consolidate(src, tmp_path)
    wrong = [f for f in _findings(data) if f["code"] == "area-sconosciuta"]
    assert [(Path(f["file"]).name, f["cell"], f["severity"]) for f in wrong] == [("d.xlsx", "A2", "errore")]
    italian(wrong)
    run, data = validate(src, tmp_path)
    assert run.exit == 1
    assert ("area-sconosciuta", "A2") in codes(_findings(data), "d.xlsx")
    # the nightly too, on its first run and on a re-run that reads only what changed
    for _ in range(2):
        run, data = nightly(src, tmp_path)
        assert run.exit == 1
        assert [(Path(f["file"]).name, f["cell"]) for f in _findings(data) if f["code"] == "area-sconosciuta"] \
            == [("d.xlsx", "A2")]


# --- 4. sheet names and a moved header ----------------------------------------------------------

@pytest.mark.parametrize("name", ["Indicatori ", "INDICATORI"])
def test_a_renamed_indicatori_sheet_is_read_with_an_avviso(tmp_path, name):
    src = tmp_path / "in"
    src.mkdir()
    clean = wf.write(tmp_path / "pulito.xlsx")
    book = bi.part(clean, "xl/workbook.xml").replace(b'name="Indicatori"', f'name="{name}"'.encode())
    bi.rewrite_zip(clean, src / "rinominato.xlsx", replace={"xl/workbook.xml": book})
    run, data = validate(src, tmp_path)
    found = codes(_findings(data))
    assert ("foglio-rinominato", "") in found and run.exit == 0, run.stdout
    assert not {c for c, _ in found} & {"foglio-mancante", "foglio-in-piu", "formula-sovrascritta"}
    run, data = consolidate(src, tmp_path)
    assert data["totals"]["indicators"] == 4


def test_a_header_moved_to_row_2_is_one_finding_saying_the_sheet_was_not_read(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    wf.edit(wf.write(src / "riga2.xlsx"), lambda wb: wb["Indicatori"].insert_rows(1))
    run, data = validate(src, tmp_path)
    found = [f for f in _findings(data) if f["sheet"] == "Indicatori"]
    assert [(f["code"], f["cell"]) for f in found] == [("intestazione-mancante", "A1")]
    assert "riga 2" in found[0]["message"] and "non è stato letto" in found[0]["message"]
    bi.good_workbook(src / "buono.xlsx")
    run, data = consolidate(src, tmp_path)
    assert ("intestazione-mancante", "A1") in codes(_findings(data), "riga2.xlsx")
    assert data["totals"]["indicators"] == 4  # the good workbook's only


# --- 5. odd files on the share --------------------------------------------------------------------

def test_the_nightly_skips_fifos_devices_links_out_and_loops_and_caps_the_size(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    bi.good_workbook(share / "buono.xlsx")
    os.mkfifo(share / "pipe.xlsx")
    os.symlink("/dev/zero", share / "zero.xlsx")
    os.symlink(share / "giro.xlsx", share / "giro.xlsx")
    os.symlink(tmp_path / "altrove.xlsx", share / "fuori.xlsx")
    bi.good_workbook(tmp_path / "altrove.xlsx")
    subprocess.run(["truncate", "-s", "300M", str(share / "enorme.xlsx")], check=True)  # sparse: no disk used

    run, data = nightly(share, tmp_path)
    assert run.exit == 1  # the file over the cap is an error, the odd files avvisi
    skipped = {s["file"]: s["reason"] for s in data["skipped"]}
    assert {"pipe.xlsx", "zero.xlsx", "giro.xlsx", "fuori.xlsx"} <= set(skipped)
    found = {Path(f["file"]).name: f for f in _findings(data)}
    assert found["pipe.xlsx"]["code"] == "file-non-regolare" and found["pipe.xlsx"]["severity"] == "avviso"
    assert found["zero.xlsx"]["code"] == "collegamento-esterno"
    assert found["fuori.xlsx"]["code"] == "collegamento-esterno"
    assert found["giro.xlsx"]["code"] == "collegamento-non-valido"
    assert "rimanda a se stesso" in found["giro.xlsx"]["message"]
    assert "altro utente" not in found["giro.xlsx"]["message"]
    assert found["enorme.xlsx"]["code"] == "file-sospetto" and "300 MB" in found["enorme.xlsx"]["message"]
    assert "buono.xlsx" in data["validated"]
    italian(_findings(data))


def test_validate_never_opens_a_fifo_or_a_device_named_as_a_workbook(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsx")
    os.symlink("/dev/zero", tmp_path / "zero.xlsx")
    for name in ("pipe.xlsx", "zero.xlsx"):
        out = tmp_path / f"{name}.json"
        run = _run(["validate", str(tmp_path / name), "--json", str(out)], tmp_path, tmp_path / "pipe.xlsx")
        found = _findings(json.loads(out.read_text(encoding="utf-8")))
        assert [f["code"] for f in found] == ["file-non-regolare"], run.stdout
        italian(found)


def test_a_fifo_or_a_device_in_the_folder_is_skipped_with_an_avviso(tmp_path):
    """In a folder, not only by name: never opened, never silent, and the Relazione stays complete."""
    src = tmp_path / "in"
    src.mkdir()
    bi.good_workbook(src / "buono.xlsx")
    os.mkfifo(src / "pipe.xlsx")
    os.symlink("/dev/zero", src / "zero.xlsx")
    run, data = validate(src, tmp_path)
    assert run.exit == 0, run.stdout
    found = {Path(f["file"]).name: f for f in _findings(data)}
    assert set(found) == {"pipe.xlsx", "zero.xlsx"}
    assert all(f["code"] == "file-non-regolare" and f["severity"] == "avviso" for f in found.values())
    italian(list(found.values()))
    run, data = consolidate(src, tmp_path)
    assert run.exit == 0 and data["complete"] is True and data["not_used"] == [], run.stdout
    assert {Path(f["file"]).name for f in data["findings"] if f["code"] == "file-non-regolare"} == set(found)


# --- 6. a workbook replaced with the same size and time ------------------------------------------

def test_the_nightly_notices_a_changed_file_with_the_same_size_and_time(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    clean = wf.write(tmp_path / "pulito.xlsx")
    target = bi.rewrite_zip(clean, share / "settore.xlsx", compress=zipfile.ZIP_STORED)
    run, data = nightly(share, tmp_path)
    assert run.exit == 0 and data["validated"] == ["settore.xlsx"]
    st = target.stat()
    # the same bytes but one weight (60 -> 61): stored, so the same size; the time set back
    xml = bi.part(target)
    bi.rewrite_zip(clean, tmp_path / "nuovo.xlsx", replace={bi.SHEET: set_value(xml, "O2", b"61")},
                   compress=zipfile.ZIP_STORED)
    shutil.copyfile(tmp_path / "nuovo.xlsx", target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    run, data = nightly(share, tmp_path)
    assert data["validated"] == ["settore.xlsx"], data
    assert ("pesi-somma", "O2:O3") in codes(_findings(data)) and run.exit == 1
    run, data = nightly(share, tmp_path)  # unchanged since: not validated again
    assert data["validated"] == [] and data["reused"] == 1


# --- 7. the formula check on any valid OOXML ------------------------------------------------------

def _prefixed(xml: bytes) -> bytes:
    xml = xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
    return re.sub(rb"<(/?)(?!x:|\?)([A-Za-z]\w*)([\s>/])", rb"<\1x:\2\3", xml)


def _attributes_swapped(xml: bytes) -> bytes:
    return re.sub(rb'<c r="([A-Z]+\d+)" ([^>]*?)(/?)>', rb'<c \2 r="\1"\3>', xml)


def _some_attributes_swapped(xml: bytes) -> bytes:
    """Only the cells from row 3 on (the first cells as usual: a mixed layout)."""
    return re.sub(rb'<c r="([A-Z]+(?:[3-9]|\d\d+))" ([^>]*?)(/?)>', rb'<c \2 r="\1"\3>', xml)


@pytest.mark.parametrize("rewrite", [_prefixed, _attributes_swapped, _some_attributes_swapped],
                         ids=["prefisso-x", "attributi-invertiti", "alcuni-attributi-invertiti"])
def test_the_formula_check_parses_any_valid_ooxml(tmp_path, rewrite):
    src = tmp_path / "in"
    src.mkdir()
    clean = wf.write(tmp_path / "pulito.xlsx")
    sheet_patched(clean, src / "scritto-altrove.xlsx", rewrite)
    # and a real fault in the same layout is still found
    # another settore's workbook (its own codes), so that the two are not copies of each other
    other = [dataclasses.replace(r, objective_code="X" + r.objective_code) for r in wf.clean_rows()]
    broken = wf.edit(wf.write(tmp_path / "rotto.xlsx", other, info={"settore": "Settore Altro"}),
                     lambda wb: wb["Indicatori"].__setitem__("P3", 42))
    sheet_patched(broken, src / "rotto-altrove.xlsx", rewrite)
    run, data = validate(src, tmp_path)
    found = _findings(data)
    assert codes(found, "scritto-altrove.xlsx") == set(), found
    assert ("formula-sovrascritta", "P3") in codes(found, "rotto-altrove.xlsx")
    assert not any(f["code"] == "formula-sovrascritta" and f["cell"] != "P3" for f in found)
    run, data = consolidate(src, tmp_path)
    assert codes(_findings(data), "scritto-altrove.xlsx") == set()
    assert data["totals"]["indicators"] == 8


# --- 8. error values cached in input cells --------------------------------------------------------

def test_error_values_in_input_cells_are_reported_as_what_they_are(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    clean = wf.write(tmp_path / "pulito.xlsx")
    sheet_patched(clean, src / "errori.xlsx",
                  lambda x: set_value(set_value(x, "L3", b"#N/A", error=True), "O2", b"#REF!", error=True))
    run, data = validate(src, tmp_path)
    assert run.exit == 1
    found = [f for f in _findings(data) if f["cell"] in ("L3", "O2")]
    assert sorted((f["code"], f["cell"], f["severity"]) for f in found) == [
        ("errore-in-cella", "L3", "errore"), ("errore-in-cella", "O2", "errore")]
    l3 = next(f for f in found if f["cell"] == "L3")
    assert l3["message"].startswith("La cella L3 (Target consuntivo) contiene l'errore #N/A")
    italian(found)
    run, data = consolidate(src, tmp_path)
    assert {("errore-in-cella", "L3"), ("errore-in-cella", "O2")} <= codes(_findings(data))


# --- 9. polarity spelling -------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["DECRESCENTE", "decrescente ", " Decrescente"])
def test_a_polarity_spelled_otherwise_is_reported_and_scored_as_meant(tmp_path, spelling):
    src = tmp_path / "in"
    src.mkdir()
    rows = wf.clean_rows()
    rows[1] = dataclasses.replace(rows[1], polarity=spelling)  # target 30, consuntivo 25: 100 as decrescente
    wf.write(src / "polarita.xlsx", rows)
    run, data = validate(src, tmp_path)
    assert ("valore-non-ammesso", "J3") in codes(_findings(data)) and run.exit == 1
    run, data = consolidate(src, tmp_path)
    scores = {o["code"]: o["score"] for a in data["areas"] for o in a["objective_scores"]}
    assert scores["OB01"] == 100  # as crescente it would be 93,33


# --- 10. a second column with the same label -------------------------------------------------------

def test_a_second_column_with_the_same_label_is_an_error_and_the_first_is_read(tmp_path):
    src = tmp_path / "in"
    src.mkdir()

    def second_peso(wb):
        ws = wb["Indicatori"]
        ws["U1"] = "Peso"
        for r in range(2, 6):
            ws[f"U{r}"] = 1

    wf.edit(wf.write(src / "due-pesi.xlsx"), second_peso)
    run, data = validate(src, tmp_path)
    found = [f for f in _findings(data) if f["code"] == "colonna-doppia"]
    assert [(f["cell"], f["severity"]) for f in found] == [("U1", "errore")]
    assert "O1" in found[0]["message"] and "U1" in found[0]["message"]
    assert not any(f["code"] == "pesi-somma" for f in _findings(data))  # the first Peso column was read
    run, data = consolidate(src, tmp_path)
    scores = {o["code"]: o["score"] for a in data["areas"] for o in a["objective_scores"]}
    assert scores == {"OB01": 100, "OB02": 100}


# --- 11. numbers rounded as a person writes them --------------------------------------------------

def test_numbers_in_messages_are_rounded_as_a_person_writes_them(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rows = wf.clean_rows()
    rows[0] = dataclasses.replace(rows[0], weight=20.2)
    rows[1] = dataclasses.replace(rows[1], weight=20.4)  # 20.2 + 20.4 = 40.599999999999994
    wf.write(src / "pesi.xlsx", rows)
    run, data = validate(src, tmp_path)
    message = next(f["message"] for f in _findings(data) if f["code"] == "pesi-somma")
    assert "sommano a 40,6 " in message and "40,59" not in message
