"""The approved plan (issue 15): ``approva`` records it from the workbooks; ``validate --piano`` reports
every target, weight or polarity changed since, and every indicator or objective added or removed, as
an error naming the workbook and the cell."""

from __future__ import annotations

import json
import shutil

import openpyxl

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022
from perf_xl.schema import load_schema

SPORT = "2022_settore-sport-provveditorato-ed-economato.xlsx"
LAYOUT = load_schema().indicators


def _piano(findings):
    return [f for f in findings if f["code"].startswith("piano-")]


def test_a_changed_target_and_a_neutralised_weight_are_errors(tmp_path):
    folder = tmp_path / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    r = run_cli(["approva", str(folder), "--out", "piano.json", "--data", "2022-01-31"], cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    assert "Piano approvato scritto" in r.stdout and "14 cartelle di lavoro" in r.stdout
    plan = json.loads((tmp_path / "piano.json").read_text(encoding="utf-8"))
    assert plan["approved_on"] == "2022-01-31" and len(plan["workbooks"]) == 14
    assert all(len(w["sha256"]) == 64 for w in plan["workbooks"])

    run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "a.json"], cwd=tmp_path)
    assert _piano(json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["findings"]) == []

    wb = openpyxl.load_workbook(folder / SPORT)
    ws = wb[LAYOUT.name]
    target, weight = LAYOUT.cell("target", 2), LAYOUT.cell("weight", 3)
    old_target = ws[target].value
    ws[target] = old_target + 5
    ws[weight] = 0
    wb.save(folder / SPORT)
    changed = run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "b.json"], cwd=tmp_path)
    assert changed.exit == 1
    found = _piano(json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["findings"])
    assert [(f["code"], f["cell"], f["severity"]) for f in found] == [
        ("piano-valore-cambiato", target, "errore"), ("piano-valore-cambiato", weight, "errore")]
    assert all(f["file"].endswith(SPORT) for f in found)
    assert "31/01/2022" in found[0]["message"] and "Target atteso" in found[0]["message"]
    assert "Peso" in found[1]["message"] and "è 0, ma nel piano approvato" in found[1]["message"]
    assert all(is_italian(f["message"]) for f in found)


def test_an_indicator_removed_and_a_workbook_missing(tmp_path):
    folder = tmp_path / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    assert run_cli(["approva", str(folder), "--out", "piano.json"], cwd=tmp_path).exit == 0
    wb = openpyxl.load_workbook(folder / SPORT)
    wb[LAYOUT.name].delete_rows(2)
    wb.save(folder / SPORT)
    (folder / "2022_settore-polizia-locale.xlsx").unlink()
    run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "c.json"], cwd=tmp_path)
    found = _piano(json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["findings"])
    assert {f["code"] for f in found} == {"piano-indicatore-rimosso", "piano-cartella-mancante"}
    missing = next(f for f in found if f["code"] == "piano-cartella-mancante")
    assert "Settore Polizia Locale" in missing["message"]


def test_a_file_that_is_not_a_plan_is_refused(tmp_path):
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    r = run_cli(["validate", str(SHIPPED_2022), "--piano", "x.json"], cwd=tmp_path)
    assert r.exit == 2 and "non è un piano approvato" in r.stderr + r.stdout and "Traceback" not in r.stderr
