"""The year's cycle through the real command line: ``perf-xl new-year`` on the shipped 2022 workbooks.

2023's workbooks keep every settore, objective (same codes) and indicator, the formulas, polarity,
weights and targets (each *da confermare*); the consuntivi are empty and last year's consuntivo and
% Ragg stand beside each indicator, equal to what the 2022 workbooks show. Filled with the 2022
consuntivi (openpyxl, as a dirigente types them) and consolidated, they give the 2022 area scores
back. Nothing is ever replaced, and one workbook that cannot be used does not stop the others.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022, tree_hashes
from perf_xl.io.reader import read_settore_workbook
from perf_xl.schema import load_schema

SCHEMA = load_schema()
L = SCHEMA.indicators
# what a new year keeps of each indicator, unchanged
KEPT = ("area", "objective_code", "indicator_code", "objective", "responsabile", "settore", "definizione", "indicator",
        "formula", "finalita", "polarity", "weight", "target")


def _rows(path: Path):
    read = read_settore_workbook(path)
    assert not [f for f in read.findings if f.severity == "errore"], read.findings
    return read.workbook


def _pairs(old_dir: Path, new_dir: Path) -> list[tuple[Path, Path]]:
    return [(p, new_dir / p.name.replace("2022_", "2023_", 1)) for p in sorted(old_dir.glob("*.xlsx"))]


def _cached(path: Path, key: str) -> list:
    """What the workbook's cells of column ``key`` show (the cached values of its data rows)."""
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)[L.name]
    col = L.column(key).position
    return [row[col - 1] for row in ws.iter_rows(min_row=L.first_data_row, values_only=True) if row[1]]


@pytest.fixture(scope="module")
def year_2023(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cycle")
    before = tree_hashes(SHIPPED_2022)
    r = run_cli(["new-year", str(SHIPPED_2022), "--year", "2023", "--out", str(tmp / "2023")], tmp)
    assert r.exit == 0, r.stdout + r.stderr
    assert "14 cartelle di lavoro preparate: 63 obiettivi, 139 indicatori." in r.stdout
    assert tree_hashes(SHIPPED_2022) == before  # the sources are never touched
    return tmp / "2023"


def test_new_year_keeps_the_plan_and_empties_the_results(year_2023):
    pairs = _pairs(SHIPPED_2022, year_2023)
    assert sorted(p.name for _, p in pairs) == sorted(p.name for p in year_2023.iterdir())  # one per settore
    objectives = indicators = 0
    for old_path, new_path in pairs:
        old, new = _rows(old_path), _rows(new_path)
        assert new.info["year"] == 2023 and new.info["settore"] == old.info["settore"]
        assert new.info["schema_version"] == SCHEMA.version
        assert [a.name for a in new.areas] == [a.name for a in old.areas]
        assert all(a.published is None for a in new.areas)  # last year's published scores are not this year's
        assert len(new.rows) == len(old.rows)
        objectives += len({r.objective_code for r in new.rows})
        indicators += len(new.rows)
        for o, n in zip(old.rows, new.rows):
            assert [getattr(n, k) for k in KEPT] == [getattr(o, k) for k in KEPT]
            assert n.actual is None and n.note == "" and n.published_achievement is None and n.source_ref == ""
            assert n.target_state == SCHEMA.cycle.pending
            assert n.previous_actual == o.actual
        # the references are what the 2022 workbook shows: its consuntivi and its % Ragg cells
        assert _cached(new_path, "previous_actual") == _cached(old_path, "actual")
        assert _cached(new_path, "previous_achievement") == pytest.approx(_cached(old_path, "achievement"))
        assert all(v is None for v in _cached(new_path, "actual"))
    assert (objectives, indicators) == (63, 139)


def test_an_indicator_added_by_typing_gets_a_code_the_others_keep_theirs(year_2023, tmp_path):
    """2023's workbook, with an indicator typed under OB01 without a code, gives 2024's: the new one
    gets the next free code of its objective, every other indicator keeps its own."""
    src = tmp_path / "2023"
    src.mkdir()
    path = src / next(year_2023.glob("*.xlsx")).name
    shutil.copy(next(year_2023.glob("*.xlsx")), path)
    first = _rows(path).rows
    book = openpyxl.load_workbook(path)
    ws = book[L.name]
    n = L.first_data_row + len(first)
    for key in ("area", "objective_code", "objective", "responsabile", "settore", "indicator", "polarity", "target",
                "weight"):
        value = getattr(first[0], key) if key != "indicator" else "Indicatore nuovo"
        ws[L.cell(key, n)] = value
    book.save(path)
    r = run_cli(["new-year", str(src), "--out", str(tmp_path / "2024")], tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    rows = _rows(next((tmp_path / "2024").glob("2024_*.xlsx"))).rows
    same = [x for x in first if x.objective_code == first[0].objective_code]
    assert [x.indicator_code for x in rows[:-1]] == [x.indicator_code for x in first]
    assert rows[-1].indicator_code == f"{first[0].objective_code}.{len(same) + 1}"


def test_the_references_are_read_only_and_the_targets_marked(year_2023):
    """The previous year's columns are locked in the protected sheet (greyed as computed cells),
    «Stato target» is a drop-down the dirigente may change, and a pending target is coloured."""
    path = next(year_2023.iterdir())
    ws = openpyxl.load_workbook(path)[L.name]
    assert ws.protection.sheet and not ws.protection.password
    for key in ("previous_actual", "previous_achievement"):
        cell = ws[L.cell(key, 2)]
        assert cell.protection.locked and cell.fill.fgColor.rgb.endswith(
            ws[L.cell("achievement", 2)].fill.fgColor.rgb[-6:])
    for key in ("target", "actual", "target_state"):
        assert not ws[L.cell(key, 2)].protection.locked
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists[L.cell("target_state", 2)] == '"da confermare,confermato"'
    target_rules = [r.formula[0] for rng in ws.conditional_formatting if str(rng.sqref).startswith(L.column("target").letter)
                    for r in rng.rules]
    assert f'EXACT({L.cell("target_state", 2)},"da confermare")' in target_rules


def test_filled_with_the_2022_values_the_2022_scores_come_back(year_2023, tmp_path):
    filled = tmp_path / "2023"
    shutil.copytree(year_2023, filled)
    for old_path, new_path in _pairs(SHIPPED_2022, filled):
        old = _rows(old_path)
        book = openpyxl.load_workbook(new_path)
        ws = book[L.name]
        for r in old.rows:
            if r.actual is not None:
                ws[L.cell("actual", r.row)] = r.actual
            ws[L.cell("target_state", r.row)] = SCHEMA.cycle.confirmed
        book.save(new_path)
    r = run_cli(["validate", str(filled), "--json", str(tmp_path / "v.json")], tmp_path)
    codes = {f["code"] for f in json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))["findings"]}
    assert "target-da-confermare" not in codes and "consuntivo-mancante" not in codes, codes
    r = run_cli(["consolidate", str(filled), "--out", str(tmp_path / "R2023.xlsx"), "--json",
                 str(tmp_path / "2023.json")], tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    r = run_cli(["consolidate", str(SHIPPED_2022), "--out", str(tmp_path / "R2022.xlsx"), "--json",
                 str(tmp_path / "2022.json")], tmp_path)
    got, shipped = (json.loads((tmp_path / f"{y}.json").read_text(encoding="utf-8")) for y in (2023, 2022))
    assert got["year"] == 2023
    assert got["totals"] == shipped["totals"] == {"areas": 9, "objectives": 63, "indicators": 139}
    assert [(a["name"], a["score"]) for a in got["areas"]] == [(a["name"], a["score"]) for a in shipped["areas"]]


def test_nothing_is_ever_replaced(year_2023, tmp_path):
    before = tree_hashes(year_2023)
    r = run_cli(["new-year", str(SHIPPED_2022), "--year", "2023", "--out", str(year_2023)], tmp_path)
    assert r.exit == 2
    assert f"Esistono già in «{year_2023}» 14 file che sarebbero sostituiti" in r.stderr
    assert "Non è stato scritto nulla." in r.stderr
    assert is_italian(r.stderr.replace(str(year_2023), "")) and "Traceback" not in r.stderr
    assert tree_hashes(year_2023) == before


def test_the_new_year_does_not_go_into_the_old_folder(tmp_path):
    src = tmp_path / "2022"
    src.mkdir()
    shutil.copy(next(SHIPPED_2022.glob("*.xlsx")), src / "2022_a.xlsx")
    r = run_cli(["new-year", str(src), "--out", str(src) + "/"], tmp_path)
    assert r.exit == 2 and "Indicare un'altra cartella con --out. Non è stato scritto nulla." in r.stderr
    assert [p.name for p in src.iterdir()] == ["2022_a.xlsx"]


def test_one_broken_workbook_does_not_stop_the_others(tmp_path):
    src = tmp_path / "2022"
    src.mkdir()
    names = sorted(p.name for p in SHIPPED_2022.glob("*.xlsx"))[:2]
    for name in names:
        shutil.copy(SHIPPED_2022 / name, src / name)
    (src / "2022_rotto.xlsx").write_bytes(b"non sono un file excel")
    r = run_cli(["new-year", str(src), "--out", str(tmp_path / "2023")], tmp_path)  # the year: each one's + 1
    assert r.exit == 1, r.stdout + r.stderr
    assert sorted(p.name for p in (tmp_path / "2023").iterdir()) == [n.replace("2022_", "2023_") for n in names]
    assert "Non scritta: 2022_rotto.xlsx." in r.stdout
    assert "[errore] 2022_rotto.xlsx:" in r.stdout and "Traceback" not in r.stdout + r.stderr


def test_a_year_that_does_not_come_after_is_refused_per_workbook(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(next(SHIPPED_2022.glob("*.xlsx")), src / "2022_a.xlsx")
    r = run_cli(["new-year", str(src), "--year", "2022", "--out", str(tmp_path / "out")], tmp_path)
    assert r.exit == 1
    assert "«2022_a.xlsx» è del 2022 (foglio Info, cella B2): non si prepara da essa il 2022, che non viene dopo." \
        in " ".join(r.stdout.split())
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_code_used_twice_is_reported_where_it_is(year_2023, tmp_path):
    path = tmp_path / "2023_doppio.xlsx"
    shutil.copy(next(year_2023.glob("*.xlsx")), path)
    book = openpyxl.load_workbook(path)
    ws = book[L.name]
    ws[L.cell("indicator_code", 3)] = ws[L.cell("indicator_code", 2)].value
    book.save(path)
    run_cli(["validate", str(path), "--json", str(tmp_path / "v.json")], tmp_path)
    found = [(f["code"], f["cell"], f["severity"]) for f in
             json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))["findings"] if "codice" in f["code"]]
    assert found == [("codice-indicatore-doppio", L.cell("indicator_code", 3), "avviso")]
