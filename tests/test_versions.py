"""Workbooks of an older layout are never misread: read through an explicit upgrade step, or written
again in the new layout by ``perf-xl upgrade``; a newer one is refused with a finding naming the file
and the Info cell. The shipped 2022 workbooks (schema 1.0) keep working, with no finding."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import openpyxl

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022
from perf_xl import versions
from perf_xl.app.consolidate import consolidate_folder
from perf_xl.app.validate import validate_paths
from perf_xl.io.reader import read_settore_workbook
from perf_xl.model import IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema

SCHEMA = load_schema()
L = SCHEMA.indicators
POLIZIA = SHIPPED_2022 / "2022_settore-polizia-locale.xlsx"


def test_versions_compare_as_dotted_numbers():
    assert versions.parse_version("1.1") == (1, 1)
    assert versions.parse_version("1") == versions.parse_version("1.0") == versions.parse_version(1.0) == (1,)
    assert versions.parse_version(1.1) == (1, 1)  # typed as a number in Excel
    for bad in ("", None, "uno", "1.x", "-1", "1..2", True):
        assert versions.parse_version(bad) is None, bad
    assert versions.compare("1.0", "1.1") == -1 and versions.compare("1.1", "1.1") == 0
    assert versions.compare("1.10", "1.9") == 1 and versions.compare("2", "1.1") == 1
    assert versions.compare("abc", "1.1") is None


def test_the_1_0_step_maps_the_old_layout_to_the_new():
    """A 1.0 workbook has no «Stato target» nor last year's columns: its targets need no confirming
    and it has no references; whatever such cells held was not perf_xl's and is not taken."""
    row = IndicatorRow(area="A", objective_code="OB1", objective="O", responsabile="R", settore="S", indicator="I",
                       polarity="crescente", target=10.0, actual=5.0, weight=100.0,
                       target_state="da confermare", previous_actual=3.0, previous_achievement=30.0)
    old = SettoreWorkbook(info={"year": 2022, "settore": "S", "schema_version": "1.0"}, areas=(), rows=(row,))
    old = dataclasses.replace(old, rows=(row, dataclasses.replace(row, indicator="J", indicator_code="x"),
                                         dataclasses.replace(row, objective_code="OB2", indicator="K")))
    (step,) = versions.steps_between("1.0", "1.1")
    assert step.added == ("indicator_code", "target_state", "previous_actual", "previous_achievement")
    assert all(key in L.letters() and L.column(key).optional for key in step.added)
    new = versions.upgrade(old, "1.1")
    assert new.info["schema_version"] == "1.1"
    # each indicator numbered within its objective, in row order; nothing else carried over
    assert [r.indicator_code for r in new.rows] == ["OB1.1", "OB1.2", "OB2.1"]
    r = new.rows[0]
    assert (r.target_state, r.previous_actual, r.previous_achievement) == ("", None, None)
    assert dataclasses.replace(r, indicator_code="", target_state="da confermare", previous_actual=3.0,
                               previous_achievement=30.0) == row
    assert versions.steps_between("1.1", "1.1") == [] and versions.steps_between("2.0", "1.1") == []


def test_the_schema_version_has_a_step_to_it():
    """Bumping the schema's version without an upgrade step is a mistake this test catches."""
    assert versions.STEPS[-1].target == SCHEMA.version
    for a, b in zip(versions.STEPS, versions.STEPS[1:]):
        assert a.target == b.source


def test_the_shipped_2022_workbooks_are_read_through_the_upgrade_with_no_finding():
    for path in sorted(SHIPPED_2022.glob("*.xlsx")):
        ws = openpyxl.load_workbook(path, read_only=True)[SCHEMA.info.name]
        cell, _ = SCHEMA.info.cell("schema_version")
        assert ws[cell].value == "1.0"  # as shipped: not regenerated
        read = read_settore_workbook(path)
        assert read.findings == [] and read.upgraded_from == "1.0"
        assert read.workbook.info["schema_version"] == SCHEMA.version
        assert all(r.target_state == "" and r.previous_actual is None for r in read.workbook.rows)
        codes = [r.indicator_code for r in read.workbook.rows]
        assert len(set(codes)) == len(codes) and all(c.startswith(r.objective_code + ".")
                                                     for c, r in zip(codes, read.workbook.rows))
    # validation says exactly what it said before the layout changed (one objective whose weights sum to 82)
    assert [f.code for f in validate_paths([SHIPPED_2022]).findings] == ["pesi-somma"]


def _with_version(tmp_path: Path, value, name: str = "2022_polizia.xlsx") -> Path:
    path = tmp_path / name
    shutil.copy(POLIZIA, path)
    book = openpyxl.load_workbook(path)
    book[SCHEMA.info.name][SCHEMA.info.cell("schema_version")[0]] = value
    book.save(path)
    return path


def test_a_newer_version_is_refused_naming_the_file_and_the_cell(tmp_path):
    newer = _with_version(tmp_path, "9.0")
    read = read_settore_workbook(newer)
    (f,) = read.findings
    cell = SCHEMA.info.cell("schema_version")[0]
    assert (f.code, f.severity, f.sheet, f.cell, f.value) == ("versione-schema-successiva", "errore", "Info", cell, "9.0")
    assert f.message.startswith(f"«2022_polizia.xlsx» è scritto con la versione 9.0 dello schema (foglio Info, "
                                f"cella {cell}), più recente della {SCHEMA.version}")
    assert is_italian(f.message) and read.workbook.rows == ()
    # the consolidation does not use it: the Relazione is said to be incomplete, never misread
    c = consolidate_folder(tmp_path)
    assert [Path(p).name for p in c.not_used] == ["2022_polizia.xlsx"] and c.indicator_count == 0
    unreadable = read_settore_workbook(_with_version(tmp_path, "nuova", "2022_b.xlsx")).findings
    assert [(f.code, f.cell) for f in unreadable] == [("versione-schema-successiva", cell)]
    assert "«nuova», che non è un numero di versione" in unreadable[0].message


def test_upgrade_writes_the_new_layout_beside_the_old_file(tmp_path):
    old = tmp_path / "2022_polizia.xlsx"
    shutil.copy(POLIZIA, old)
    before = old.read_bytes()
    r = run_cli(["upgrade", str(old)], tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    new = tmp_path / "2022_polizia (aggiornato).xlsx"
    assert new.exists() and old.read_bytes() == before
    header = [c.value for c in openpyxl.load_workbook(new)[L.name][L.header_row]][:len(L.columns)]
    assert header == list(L.labels)
    a, b = read_settore_workbook(old), read_settore_workbook(new)
    assert b.findings == [] and b.upgraded_from is None
    assert b.workbook.info == a.workbook.info and b.workbook.areas == a.workbook.areas
    assert b.workbook.rows == a.workbook.rows  # the data kept (and the indicator codes the upgrade gave)
    assert [c.value for c in openpyxl.load_workbook(new)[L.name][L.column("indicator_code").letter]][1:3] == \
        [r.indicator_code for r in a.workbook.rows[:2]]
    # never replaced; the upgraded one needs nothing; a newer one is refused
    again = run_cli(["upgrade", str(old)], tmp_path)
    assert again.exit == 2 and "Non è stato scritto nulla." in again.stderr and "(aggiornato).xlsx" in again.stderr
    current = run_cli(["upgrade", str(new)], tmp_path)
    assert current.exit == 0 and f"Già nella versione {SCHEMA.version} dello schema" in current.stdout
    newer = _with_version(tmp_path, "9.0", "2022_nuova.xlsx")
    refused = run_cli(["upgrade", str(newer)], tmp_path)
    assert refused.exit == 1 and "versione 9.0" in refused.stdout
    assert not (tmp_path / "2022_nuova (aggiornato).xlsx").exists()


def test_upgrade_and_new_year_keep_the_udf_mode(tmp_path):
    """A workbook whose computed cells call the xlwings UDFs is written again with them."""
    from perf_xl.app.new_year import new_year, upgrade_files
    from perf_xl.io.template import write_settore_workbook

    wb = read_settore_workbook(POLIZIA).workbook
    src = tmp_path / "2022"
    src.mkdir()
    old = write_settore_workbook(src / "2022_udf.xlsx", dataclasses.replace(wb, info={**wb.info, "schema_version": "1.0"}),
                                 formula_mode="udf")
    (ny,) = [dst for _, dst in new_year(src, tmp_path / "2023").written]
    (up,) = [dst for _, dst in upgrade_files([old]).written]
    for path in (up, ny):
        cell = openpyxl.load_workbook(path)[L.name][L.cell("achievement", 2)].value
        assert "PERF_RAGG(" in cell, (path, cell)
