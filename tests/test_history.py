"""The nightly's change history (issue 15, item 4) and ``nightly --piano`` (item 1).

Through the real command line: two cells edited in a workbook of the share show in the reports
folder's ``storico-modifiche.csv``, in the run's JSON and in its report workbook, with the file's
*last modified by*; a change saved after the dirigente's sign-off (Info: *Validato dal dirigente il*)
is an avviso, and stays one on a re-run where nothing changed; ``nightly --piano`` reports what
``validate --piano`` reports, also on that re-run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil

import openpyxl
import pytest

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022
from perf_xl.core.history import Change, changes, pending_after_sign_off
from perf_xl.io.reader import read_settore_workbook
from perf_xl.io.summary import load_summary_layout
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema

SCHEMA = load_schema()
LAYOUT = SCHEMA.indicators
SIGN_OFF = SCHEMA.info.field("validated_on").label
HISTORY = load_summary_layout()["history"]
SPORT = "2022_settore-sport-provveditorato-ed-economato.xlsx"
OTHER = "2022_settore-polizia-locale.xlsx"


def _save(path, edit, author: str, saved: dt.datetime) -> None:
    """Edit a workbook as a person would in Excel: the change, their name as *last modified by*,
    the file's time when they saved it."""
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.properties.lastModifiedBy = author
    wb.save(path)
    os.utime(path, (saved.timestamp(), saved.timestamp()))


def _nightly(tmp_path, *extra):
    r = run_cli(["nightly", "condivisa", "--reports", "rapporti", *extra], cwd=tmp_path)
    assert r.exit in (0, 1), r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    return r, json.loads((tmp_path / "rapporti" / "latest.json").read_text(encoding="utf-8"))


def _history_rows(tmp_path) -> list[dict]:
    with open(tmp_path / "rapporti" / HISTORY["file"], encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _codes(findings, prefix):
    return [f for f in findings if f["code"].startswith(prefix)]


def test_two_cells_edited_after_the_sign_off_are_in_the_history_and_avvisi(tmp_path):
    share = tmp_path / "condivisa"
    share.mkdir()
    for name in (SPORT, OTHER):
        shutil.copy(SHIPPED_2022 / name, share / name)
    assert run_cli(["approva", "condivisa", "--out", "piano.json", "--data", "2022-01-31"], cwd=tmp_path).exit == 0
    labels = [c["label"] for c in HISTORY["columns"]]

    # first sight: a snapshot, no history
    _, first = _nightly(tmp_path, "--piano", "piano.json")
    assert first["changes"] == [] and _history_rows(tmp_path) == []
    with open(tmp_path / "rapporti" / HISTORY["file"], encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh, delimiter=";")) == labels

    # the dirigente signs off on 1 March (the row of the sign-off is written in the Info sheet)
    def sign(wb):
        ws = wb[SCHEMA.info.name]
        row = ws.max_row + 1
        ws.cell(row, 1, SIGN_OFF)
        ws.cell(row, 2, dt.date(2022, 3, 1)).number_format = "dd/mm/yyyy"

    _save(share / SPORT, sign, "Anna Verdi", dt.datetime(2022, 3, 1, 10, 0))
    _, signed = _nightly(tmp_path, "--piano", "piano.json")
    assert [(c["sheet"], c["new"], c["author"]) for c in signed["changes"]] == [
        (SCHEMA.info.name, SIGN_OFF, "Anna Verdi"), (SCHEMA.info.name, "01/03/2022", "Anna Verdi")]
    assert _codes(signed["findings"], "modifica-dopo-validazione") == []  # the sign-off is not a change to sign

    # on 15 June two cells change: a target, and a weight set to 0
    target, weight = LAYOUT.cell("target", 2), LAYOUT.cell("weight", 3)
    old = openpyxl.load_workbook(share / SPORT)[LAYOUT.name]
    old_target, old_weight = old[target].value, old[weight].value

    def edit(wb):
        wb[LAYOUT.name][target] = old_target + 5
        wb[LAYOUT.name][weight] = 0

    _save(share / SPORT, edit, "Maria Bianchi", dt.datetime(2022, 6, 15, 9, 30))
    r, edited = _nightly(tmp_path, "--piano", "piano.json")
    assert "1 controllata, 1 invariata" in r.stdout
    assert [(c["file"], c["sheet"], c["cell"], c["old"], c["new"], c["author"], c["saved"])
            for c in edited["changes"]] == [
        (SPORT, LAYOUT.name, target, old_target, old_target + 5, "Maria Bianchi", "2022-06-15T09:30:00"),
        (SPORT, LAYOUT.name, weight, old_weight, 0, "Maria Bianchi", "2022-06-15T09:30:00")]
    rows = _history_rows(tmp_path)
    assert len(rows) == 4  # appended: the sign-off's two cells, then the two edits
    last = rows[-1]
    assert (last["File"], last["Foglio"], last["Cella"], last["Valore nuovo"], last["Ultima modifica di"],
            last["Salvata il (data del file)"]) == (SPORT, LAYOUT.name, weight, "0", "Maria Bianchi",
                                                    "15/06/2022 09:30:00")
    avvisi = _codes(edited["findings"], "modifica-dopo-validazione")
    assert [(f["cell"], f["sheet"], f["severity"]) for f in avvisi] == [
        (target, LAYOUT.name, "avviso"), (weight, LAYOUT.name, "avviso")]
    assert all(f["file"].endswith(SPORT) and "01/03/2022" in f["message"] and "Maria Bianchi" in f["message"]
               and "15/06/2022" in f["message"] and is_italian(f["message"]) for f in avvisi)

    # the run's report workbook lists the changes, each cell a link to the workbook's cell
    book = openpyxl.load_workbook(tmp_path / "rapporti" / "latest.xlsx")
    ws = book[HISTORY["sheet"]]
    assert [c.value for c in ws[1]] == labels
    assert [ws.cell(i, 5).value for i in (2, 3)] == [target, weight]
    assert ws.cell(2, 8).value == "Maria Bianchi" and ws.cell(2, 2).value == dt.datetime(2022, 6, 15, 9, 30)
    assert ws.cell(2, 5).hyperlink is not None and SPORT in ws.cell(2, 5).hyperlink.target

    # nightly --piano reports what validate --piano reports
    run_cli(["validate", "condivisa", "--piano", "piano.json", "--json", "v.json"], cwd=tmp_path)
    validated = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))["findings"]

    def plan_of(findings):
        return [(os.path.basename(f["file"]), f["code"], f["cell"], f["message"]) for f in _codes(findings, "piano-")]

    assert [(c, cell) for _, c, cell, _ in plan_of(validated)] == [
        ("piano-valore-cambiato", target), ("piano-valore-cambiato", weight)]
    assert plan_of(edited["findings"]) == plan_of(validated)

    # a re-run with nothing changed: nothing read again, no new history, the avvisi and the plan's errors stay
    r, again = _nightly(tmp_path, "--piano", "piano.json")
    assert "0 controllate, 2 invariate" in r.stdout and r.exit == 1
    assert again["changes"] == [] and len(_history_rows(tmp_path)) == 4
    assert _codes(again["findings"], "modifica-dopo-validazione") == avvisi
    assert plan_of(again["findings"]) == plan_of(validated)
    ws = openpyxl.load_workbook(tmp_path / "rapporti" / "latest.xlsx")[HISTORY["sheet"]]
    assert ws.cell(2, 1).value == HISTORY["none"]

    # signed off again after the change: no more avvisi
    def resign(wb):
        ws = wb[SCHEMA.info.name]
        for row in ws.iter_rows():
            if row[0].value == SIGN_OFF:
                row[1].value = dt.date(2022, 6, 20)

    _save(share / SPORT, resign, "Anna Verdi", dt.datetime(2022, 6, 20, 12, 0))
    _, resigned = _nightly(tmp_path)
    assert _codes(resigned["findings"], "modifica-dopo-validazione") == []
    assert _codes(resigned["findings"], "piano-") == []  # without --piano, no plan check


def test_the_sign_off_field_is_optional_and_a_date(tmp_path):
    # a workbook without the field (the shipped 2022 ones) reads with no finding about it
    read = read_settore_workbook(SHIPPED_2022 / SPORT)
    assert "validated_on" not in read.workbook.info
    r = run_cli(["validate", str(SHIPPED_2022 / SPORT), "--json", "a.json"], cwd=tmp_path)
    assert not _codes(json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["findings"], "info-")

    # the template writes it empty, as a date cell that accepts only a date
    row = IndicatorRow(area="LINEA", objective_code="OB01", objective="Obiettivo", responsabile="Rossi",
                       settore="Settore Prova", indicator="Indicatore", polarity="crescente", target=10.0,
                       actual=8.0, weight=100.0)
    book = SettoreWorkbook(info={"year": 2024, "settore": "Settore Prova", "schema_version": SCHEMA.version},
                           areas=(AreaInfo(1, "LINEA", None),), rows=(row,))
    path = write_settore_workbook(tmp_path / "s.xlsx", book)
    cell, _ = SCHEMA.info.cell("validated_on")
    ws = openpyxl.load_workbook(path)[SCHEMA.info.name]
    assert ws["A" + cell[1:]].value == SIGN_OFF and ws[cell].value is None
    assert ws[cell].number_format == SCHEMA.info.field("validated_on").format
    rules = [dv for dv in ws.data_validations.dataValidation if cell in str(dv.sqref)]
    assert len(rules) == 1 and rules[0].type == "date"
    assert not read_settore_workbook(path).findings

    # a date reads as a date; text is its own avviso, naming the cell
    ws.parent[SCHEMA.info.name][cell] = dt.date(2024, 2, 1)
    ws.parent.save(path)
    assert read_settore_workbook(path).workbook.info["validated_on"] == dt.date(2024, 2, 1)
    ws.parent[SCHEMA.info.name][cell] = "primo febbraio"
    ws.parent.save(path)
    r = run_cli(["validate", str(path), "--json", "b.json"], cwd=tmp_path)
    found = _codes(json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["findings"], "info-")
    assert [(f["code"], f["cell"], f["severity"]) for f in found] == [("info-data-non-valida", cell, "avviso")]
    assert "primo febbraio" in found[0]["message"] and is_italian(found[0]["message"])


@pytest.mark.parametrize("typed", ["24,5", 24.5])
def test_values_are_compared_as_read(typed):
    """A number typed as text where the number was is a change; the same value is not."""
    old = {"Indicatori": {"H2": 24.5, "A1": "Linea strategica"}}
    new = {"Indicatori": {"H2": typed, "A1": "Linea strategica"}}
    assert changes(old, new, ["Indicatori"]) == ([] if typed == 24.5 else [Change("Indicatori", "H2", 24.5, "24,5")])


def test_pending_changes_merge_and_clear():
    signed = dt.date(2022, 3, 1)
    june, july = dt.datetime(2022, 6, 15, 9, 0), dt.datetime(2022, 7, 1, 9, 0)
    pending = pending_after_sign_off([], [Change("Indicatori", "H2", 10, 15)], signed, june, "Maria", set())
    assert [(p["old"], p["new"]) for p in pending] == [(10, 15)]
    # changed again: one pending change, from the value signed off to the latest
    pending = pending_after_sign_off(pending, [Change("Indicatori", "H2", 15, 20)], signed, july, "Luca", set())
    assert [(p["old"], p["new"], p["author"]) for p in pending] == [(10, 20, "Luca")]
    # back to the value signed off: nothing to sign
    assert pending_after_sign_off(pending, [Change("Indicatori", "H2", 20, 10)], signed, july, "Luca", set()) == []
    # a later sign-off covers it; a change on the day of the sign-off is not after it
    assert pending_after_sign_off(pending, [], dt.date(2022, 7, 2), july, "Anna", set()) == []
    assert pending_after_sign_off([], [Change("Info", "B2", 1, 2)], dt.date(2022, 6, 15), june, "x", set()) == []
    # without a sign-off, nothing is pending
    assert pending_after_sign_off(pending, [Change("Indicatori", "H3", 1, 2)], None, july, "x", set()) == []


def test_a_file_not_read_this_time_keeps_its_snapshot(tmp_path):
    """A workbook being saved during the run is not read (file-in-scrittura): its snapshot stays, so
    its changes are still found next time; a workbook gone from the share is forgotten."""
    from perf_xl.io.nightly_cache import NightlyCache, Stamp

    with NightlyCache(tmp_path / "cache.sqlite") as cache:
        for rel in ("a.xlsx", "b.xlsx"):
            cache.store(rel, Stamp(1, 1, "x"), [], None)
            cache.store_cells(rel, b"snapshot of " + rel.encode(), [])
        cache.keep_only([], listed=["a.xlsx"])
        assert cache.stamps() == {}  # both validated again when read
        assert cache.cells("a.xlsx")[0] == b"snapshot of a.xlsx" and cache.cells("b.xlsx") == (None, [])


def test_nightly_refuses_a_file_that_is_not_a_plan(tmp_path):
    share = tmp_path / "condivisa"
    share.mkdir()
    shutil.copy(SHIPPED_2022 / SPORT, share / SPORT)
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    r = run_cli(["nightly", "condivisa", "--reports", "rapporti", "--piano", "x.json"], cwd=tmp_path)
    assert r.exit == 2 and "non è un piano approvato" in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert not (tmp_path / "rapporti" / "latest.json").exists()


def test_nightly_piano_follows_a_new_plan_without_reading_the_workbooks_again(tmp_path):
    share = tmp_path / "condivisa"
    share.mkdir()
    for name in (SPORT, OTHER):
        shutil.copy(SHIPPED_2022 / name, share / name)
    assert run_cli(["approva", "condivisa", "--out", "a.json"], cwd=tmp_path).exit == 0
    target = LAYOUT.cell("target", 2)
    _save(share / SPORT, lambda wb: wb[LAYOUT.name].__setitem__(target, 123), "Maria", dt.datetime(2022, 6, 1))
    _, first = _nightly(tmp_path, "--piano", "a.json")
    assert [(f["code"], f["cell"]) for f in _codes(first["findings"], "piano-")] == [("piano-valore-cambiato", target)]
    # the plan approved again, with the new target: the same workbooks, unchanged, now agree with it
    assert run_cli(["approva", "condivisa", "--out", "b.json"], cwd=tmp_path).exit == 0
    r, second = _nightly(tmp_path, "--piano", "b.json")
    assert "0 controllate, 2 invariate" in r.stdout and _codes(second["findings"], "piano-") == []
    # a workbook of the plan gone from the share
    (share / OTHER).unlink()
    _, third = _nightly(tmp_path, "--piano", "b.json")
    assert [f["code"] for f in _codes(third["findings"], "piano-")] == ["piano-cartella-mancante"]
