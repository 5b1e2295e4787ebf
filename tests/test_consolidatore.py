"""Consolidatore.xlsm: xlwings' own VBA, a Consolida button, and the Python it runs."""

import importlib
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
import olefile
from oletools.olevba import VBA_Parser

from conftest import SHIPPED_2022
from perf_xl.cli import main
from perf_xl.excel import button
from perf_xl.excel.consolida import (CONFIG_FIELDS, UNEXPECTED, ConfigError, parse_config, result_rows,
                                    run_from_workbook)
from perf_xl.excel.consolidatore import xlwings_standalone_template
from perf_xl.io import atomic


@pytest.fixture
def control(tmp_path):
    """A control workbook in a folder with spaces and accents, as on a real shared drive."""
    share = tmp_path / "Uffici Comunali" / "Performance è 2022"
    shutil.copytree(SHIPPED_2022, share)
    home = tmp_path / "Segreteria Generale"
    home.mkdir()
    r = CliRunner().invoke(main, ["make-consolidatore", "--out", str(home / "Consolidatore.xlsm"),
                                  "--folder", str(share), "--year", "2022",
                                  "--relazione", "Relazione 2022.xlsx", "--json", "relazione 2022.json"])
    assert r.exit_code == 0, r.output
    return home / "Consolidatore.xlsm", share


def test_opens_with_openpyxl_and_keeps_the_vba(control):
    path, share = control
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.sheetnames == ["Consolida", "_xlwings.conf", "Config"]
    assert wb.vba_archive is not None and "xl/vbaProject.bin" in wb.vba_archive.namelist()
    cfg = {r[0]: r[1] for r in wb["Config"].iter_rows(min_row=2, values_only=True)}
    assert cfg["Cartella delle cartelle di lavoro"] == str(share) and cfg["Anno"] == 2022


def _streams(vba_project: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(vba_project) as ole:
        return {"/".join(s): ole.openstream(s).read() for s in ole.listdir()}


def test_the_button_runs_a_macro_named_consolida_that_runs_python(control):
    """xlwings' VBA project, whole but for one renamed macro: the button runs «Consolida»."""
    path, _ = control
    vba = {name: code for _, _, name, code in VBA_Parser(str(path)).extract_macros()}
    assert "xlwings.bas" in vba and "Function RunPython" in vba["xlwings.bas"]  # xlwings' own module
    assert not [name for name, code in vba.items() if "SampleCall" in code]
    macro = vba["Module1.bas"]
    assert "Sub Consolida()" in macro
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in macro
    with zipfile.ZipFile(path) as zf:
        vml = zf.read("xl/drawings/vmlDrawing1.vml").decode()
        ours = _streams(zf.read("xl/vbaProject.bin"))
    assert "<x:FmlaMacro>[0]!Consolida</x:FmlaMacro>" in vml  # the button calls Consolida
    with zipfile.ZipFile(xlwings_standalone_template()) as zf:
        theirs = _streams(zf.read("xl/vbaProject.bin"))
    assert ours.keys() == theirs.keys()
    assert [name for name in ours if ours[name] != theirs[name]] == ["VBA/Module1"]  # nothing else touched
    assert ours["VBA/_VBA_PROJECT"][2:4] == b"\xff\xff"  # no compiled code: Excel compiles the source
    # mymodule is the workbook's name: Consolidatore.py beside it, whose main is perf_xl's
    sys.path.insert(0, str(path.parent))
    try:
        module = importlib.import_module(path.stem)
        assert module.main is button.main
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop(path.stem, None)


def test_through_the_config_sheet_it_writes_the_same_summary_as_the_cli(control, tmp_path):
    path, share = control
    outcome = run_from_workbook(path)
    assert [p.name for p in outcome.outputs] == ["Relazione 2022.xlsx", "relazione 2022.json"]
    r = CliRunner().invoke(main, ["consolidate", str(share), "--out", str(tmp_path / "cli.xlsx"),
                                  "--json", str(tmp_path / "cli.json")])
    assert r.exit_code == 0
    ours = json.loads((path.parent / "relazione 2022.json").read_text(encoding="utf-8"))
    cli = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    ours.pop("folder"), cli.pop("folder")
    assert ours == cli
    a = openpyxl.load_workbook(path.parent / "Relazione 2022.xlsx")
    b = openpyxl.load_workbook(tmp_path / "cli.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert [[c.value for c in r] for r in a[name].iter_rows()] == [[c.value for c in r] for r in b[name].iter_rows()]


def test_the_config_compares_with_a_previous_year_and_writes_a_manifest_that_verifies(control, tmp_path):
    """«Confronta con» and «File manifest» do what --confronta and --manifest do: the Relazione gets its
    Confronto sheet, and the manifest lists every workbook read, the previous JSON and the outputs,
    and `perf-xl verifica` finds every file as written."""
    path, share = control
    previous = tmp_path / "relazione 2021.json"
    r = CliRunner().invoke(main, ["consolidate", str(share), "--out", str(tmp_path / "2021.xlsx"), "--json", str(previous)])
    assert r.exit_code == 0, r.output
    data = json.loads(previous.read_text(encoding="utf-8"))
    data["year"] = 2021
    previous.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    labels = {label: key for key, label, _ in CONFIG_FIELDS}
    for row in wb["Config"].iter_rows(min_row=2):
        key = labels.get(row[0].value)
        if key == "confronta":
            row[1].value = str(previous)
        elif key == "manifest":
            row[1].value = "manifest 2022.json"
    wb.save(path)
    outcome = run_from_workbook(path)
    assert [p.name for p in outcome.outputs] == ["Relazione 2022.xlsx", "relazione 2022.json", "manifest 2022.json"]
    assert "Confronto" in openpyxl.load_workbook(path.parent / "Relazione 2022.xlsx").sheetnames
    manifest = json.loads((path.parent / "manifest 2022.json").read_text(encoding="utf-8"))
    names = {Path(f["path"]).name for f in manifest["files"]}
    assert {"relazione 2021.json", "Relazione 2022.xlsx", "relazione 2022.json"} <= names
    assert len([n for n in names if n.startswith("2022_")]) == len(list(share.glob("2022_*.xlsx")))
    v = CliRunner().invoke(main, ["verifica", str(path.parent / "manifest 2022.json")])
    assert v.exit_code == 0, v.output


class _Range:
    def __init__(self, sheet, address):
        self.sheet, self.address = sheet, address

    @property
    def value(self):
        return self.sheet.cells.get(self.address)

    @value.setter
    def value(self, v):
        self.sheet.cells[self.address] = v

    def clear_contents(self):
        self.sheet.cleared.append(self.address)


class _Sheet:
    def __init__(self, cells=None):
        self.cells, self.cleared = dict(cells or {}), []

    def range(self, address):
        return _Range(self, address)


class _App:
    def __init__(self):
        self.alerts = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((title, prompt, mode))


CONFIG_ROWS = (2, len(CONFIG_FIELDS) + 1)  # the Config's rows the button reads (A:B)
CONFIG_RANGE = f"A{CONFIG_ROWS[0]}:B{CONFIG_ROWS[1]}"


class _Book:
    """The few members of xlwings' Book that button.main uses, filled from the real .xlsm."""

    def __init__(self, path):
        wb = openpyxl.load_workbook(path)
        pairs = [[c.value for c in r[:2]] for r in wb["Config"].iter_rows(min_row=2, max_row=CONFIG_ROWS[1])]
        self.sheets = {"Config": _Sheet({CONFIG_RANGE: pairs}), "Consolida": _Sheet()}
        self.fullname = str(path)
        self.app = _App()


def test_button_main_writes_the_result_into_the_sheet(control):
    path, _ = control
    book = _Book(path)
    button.main(book)
    rows = book.sheets["Consolida"].cells["A8"]
    assert rows[0][:4] == ["Area", "Obiettivi", "Indicatori", "% Raggiungimento"]
    sport = next(r for r in rows if r[0] == "Sport")
    assert sport[3] == 86.33 and sport[4] == "giallo" and sport[6] == "riprodotto"
    assert any(r[0] == "Scritto:" and r[1].endswith("Relazione 2022.xlsx") for r in rows)
    assert book.sheets["Consolida"].cleared == ["A8:G2008"]
    status = book.sheets["Consolida"].cells["A6"]
    assert status == ("Consolidamento riuscito: scritti «Relazione 2022.xlsx» e «relazione 2022.json». "
                      "Il risultato è qui sotto.")
    assert book.app.alerts == []


def _open_in_excel(monkeypatch, name):
    """Windows refuses the rename onto a workbook that Excel holds open (see test_output_faults)."""
    real = os.replace

    def replace(src, dst):
        if Path(dst).name == name:
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process", str(dst))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)


def test_the_relazione_open_in_excel_keeps_the_previous_table(control, monkeypatch):
    """The likeliest failure: an Italian sentence in the sheet and a message box, the table of the last
    good run still there, the Relazione's previous bytes intact, no traceback."""
    path, _ = control
    book = _Book(path)
    button.main(book)
    sheet = book.sheets["Consolida"]
    table, relazione = sheet.cells["A8"], path.parent / "Relazione 2022.xlsx"
    before = relazione.read_bytes()
    _open_in_excel(monkeypatch, "Relazione 2022.xlsx")
    button.main(book)
    status = sheet.cells["A6"]
    assert status == (f"Errore: Impossibile scrivere «Relazione 2022.xlsx» in «{path.parent}»: il file è aperto in "
                      "un altro programma (Excel?) o la cartella non è scrivibile. Chiuderlo e riprovare: il file "
                      "precedente è rimasto intatto.")
    assert sheet.cells["A8"] is table and sheet.cleared == ["A8:G2008"]  # cleared once, by the good run
    assert relazione.read_bytes() == before
    assert book.app.alerts == [("Consolida", status.removeprefix("Errore: "), "critical")]
    assert "Traceback" not in status and "PermissionError" not in status


def test_an_unexpected_failure_is_a_sentence_too(control, monkeypatch):
    path, _ = control
    book = _Book(path)
    button.main(book)
    table = book.sheets["Consolida"].cells["A8"]

    def broken(*args, **kwargs):
        raise KeyError("area")

    monkeypatch.setattr("perf_xl.excel.consolida.consolidate_folder", broken)
    button.main(book)
    assert book.sheets["Consolida"].cells["A6"] == f"Errore: {UNEXPECTED}"
    assert book.sheets["Consolida"].cells["A8"] is table


def test_a_control_workbook_without_config_says_so(control):
    path, _ = control
    book = _Book(path)
    del book.sheets["Config"]
    button.main(book)
    assert book.sheets["Consolida"].cells["A6"].startswith("Errore: manca il foglio «Config»")
    assert "A8" not in book.sheets["Consolida"].cells


def test_config_errors_are_shown_in_italian(control, tmp_path):
    path, _ = control
    with pytest.raises(ConfigError, match="manca la cartella"):
        parse_config([("Anno", 2022)])
    with pytest.raises(ConfigError, match="anno deve essere un numero"):
        parse_config([("Cartella delle cartelle di lavoro", "x"), ("Anno", "duemila")])
    book = _Book(path)
    book.sheets["Config"].cells[CONFIG_RANGE][0][1] = str(tmp_path / "non esiste")
    button.main(book)
    assert book.sheets["Consolida"].cells["A6"].startswith("Errore: La cartella")
    assert "A8" not in book.sheets["Consolida"].cells  # nothing written over the table


def test_a_folder_where_no_workbook_can_be_used_never_replaces_the_relazione(control):
    """As on the command line: only damaged files in the share, and the Relazione of an earlier run stays."""
    path, share = control
    run_from_workbook(path)
    relazione = path.parent / "Relazione 2022.xlsx"
    before = relazione.read_bytes()
    for p in share.iterdir():
        p.write_bytes(b"")  # every settore workbook emptied (a failed copy onto the share)
    with pytest.raises(ConfigError, match="Nessuna delle 14 cartelle di lavoro .* non è stato scritto nulla"):
        run_from_workbook(path)
    assert relazione.read_bytes() == before


def test_result_rows_are_rectangular(control):
    path, _ = control
    rows = result_rows(run_from_workbook(path))
    assert len({len(r) for r in rows}) == 1
