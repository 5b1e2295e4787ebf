"""Copies of settore workbooks on a shared drive, and workbooks that could not be used, through the
real command line: each case is ``perf-xl`` in its own process, within the corpus's time and memory
bounds, with no traceback and the sources untouched.

The rule (README, *Copies of a workbook*): workbooks with the same Settore and year, or sharing an
objective code, are one settore's workbook; one is used, the others are never summed: an identical
copy is an avviso, a copy that differs an errore that marks its areas *da verificare* (exit 1).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

import workbook_factory as wf
from cli_runner import PEAK_RSS_MB, WALL_SECONDS, is_italian, run_cli
from conftest import SHIPPED_2022, deep_hashes

SPORT = "2022_settore-sport-provveditorato-ed-economato.xlsx"
SPORT_AREAS = {"LINEA STRATEGICA SULL'AMBIENTE", "LINEA STRATEGICA SULLO SPORT", "OBIETTIVI DI MANDATO"}


def _cli(args: list[str], cwd: Path, sources: Path):
    before = deep_hashes(sources)
    r = run_cli(args, cwd)
    print(f"{args[0]}: {r.seconds:.2f} s, {r.peak_rss_mb:.0f} MB")  # for the report (pytest -s)
    assert "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert r.seconds < WALL_SECONDS and r.peak_rss_mb < PEAK_RSS_MB, (r.seconds, r.peak_rss_mb)
    assert deep_hashes(sources) == before  # sources never modified
    return r


def _consolidate(folder: Path, tmp: Path, tag: str):
    out = tmp / f"out-{tag}"
    out.mkdir()
    r = _cli(["consolidate", str(folder), "--out", str(out / "R.xlsx"), "--json", str(out / "r.json")], tmp, folder)
    return r, json.loads((out / "r.json").read_text(encoding="utf-8")), out / "R.xlsx"


def _figures(data: dict) -> list:
    return [(a["name"], a["objectives"], a["indicators"], a["score_unrounded"], a["objective_scores"])
            for a in data["areas"]]


def _findings(data: dict, code: str) -> list[dict]:
    return [f for f in _records(data) if f["code"] == code]


def _records(data: dict) -> list[dict]:
    """The findings of a JSON output, whatever its key is called (``findings``, ``segnalazioni``)."""
    return next(v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict) and "code" in v[0])


def _validated_files(data: dict) -> list[str]:
    return next(v for k, v in data.items() if k in ("files", "file", "cartelle") and isinstance(v, list))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The shipped 2022 workbooks consolidated as they are (figures and exit to compare with)."""
    tmp = tmp_path_factory.mktemp("base")
    folder = tmp / "2022"
    shutil.copytree(SHIPPED_2022, folder)
    r, data, _ = _consolidate(folder, tmp, "base")
    assert r.exit == 0, r.stdout
    return r, data


@pytest.fixture
def share(tmp_path) -> Path:
    folder = tmp_path / "2022"
    shutil.copytree(SHIPPED_2022, folder)
    return folder


def _change_one_value(src: Path, dst: Path) -> Path:
    """A copy where someone changed one consuntivo (OB45's first indicator: 1 -> 3, still a number)."""
    def edit(wb):
        ws = wb["Indicatori"]
        row = next(r for r in range(2, ws.max_row + 1) if ws[f"B{r}"].value == "OB45")
        ws[f"L{row}"] = 0  # the indicator not reached in the copy
    shutil.copyfile(src, dst)
    return wf.edit(dst, edit)


def _resaved(src: Path, dst: Path) -> Path:
    """The same values saved again by another program (other bytes, the formulas' cached values gone)."""
    openpyxl.load_workbook(src).save(dst)
    return dst


@pytest.mark.parametrize("make", [shutil.copyfile, _resaved], ids=["byte-identical", "value-identical"])
def test_an_identical_copy_is_ignored_with_an_avviso(share, tmp_path, baseline, make):
    base_run, base = baseline
    make(share / SPORT, share / f"Copia di {SPORT}")
    assert (share / f"Copia di {SPORT}").read_bytes() != (share / SPORT).read_bytes() or make is shutil.copyfile
    r, data, _ = _consolidate(share, tmp_path, "copia")
    assert r.exit == base_run.exit == 0, r.stdout
    assert _figures(data) == _figures(base)  # nothing counted twice: Sport keeps 9 indicators
    (f,) = _findings(data, "copia-identica")
    assert Path(f["file"]).name == f"Copia di {SPORT}" and f["severity"] == "avviso"
    assert (f["sheet"], f["cell"]) == ("Info", "B3")
    assert f"«Copia di {SPORT}» è una copia identica di «{SPORT}»" in f["message"] and is_italian(f["message"])
    assert data["excluded"] == [f"Copia di {SPORT}"] and data["conflicts"] == [] and data["complete"] is True
    assert not any(a["to_verify"] for a in data["areas"])
    assert f"copia identica di «{SPORT}»" in " ".join(r.stdout.split())  # the console wraps long lines


def test_a_differing_copy_is_a_conflict_its_areas_to_verify(share, tmp_path, baseline):
    _, base = baseline
    _change_one_value(share / SPORT, share / SPORT.replace(".xlsx", " (1).xlsx"))
    r, data, relazione = _consolidate(share, tmp_path, "conflitto")
    assert r.exit == 1, r.stdout
    assert _figures(data) == _figures(base)  # the figures of the original only, never the sum
    sport = next(a for a in data["areas"] if a["name"] == "LINEA STRATEGICA SULLO SPORT")
    assert (sport["indicators"], sport["score"]) == (9, 86.33)
    (f,) = _findings(data, "copia-in-conflitto")
    copy = SPORT.replace(".xlsx", " (1).xlsx")
    assert Path(f["file"]).name == copy and f["severity"] == "errore" and (f["sheet"], f["cell"]) == ("Info", "B3")
    msg = f["message"]
    assert msg.startswith(f"«{copy}» e «{SPORT}» sono due versioni diverse della stessa cartella di lavoro")
    assert "Info!B3 e Info!B3" in msg and "OB45 in Indicatori!B" in msg and f"usa «{SPORT}»" in msg
    assert is_italian(msg)
    marked = {a["name"] for a in data["areas"] if a["to_verify"]}
    assert marked == SPORT_AREAS
    (conflict,) = data["conflicts"]
    assert conflict["used"] == SPORT and conflict["ignored"] == copy and set(conflict["areas"]) == SPORT_AREAS
    # the console's area line and the Sintesi say it
    assert any(line.strip().startswith("7  Sport") and "da verificare" in line for line in r.stdout.splitlines())
    ws = openpyxl.load_workbook(relazione)["Sintesi"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "N.")
    check = rows[header].index("Verifica")
    sport_row = next(row for row in rows[header + 1:] if row[1] == "Sport")
    assert sport_row[check] == "da verificare" and copy in sport_row[check + 1]
    assert any(row[0] and str(row[0]).startswith("Aree da verificare") for row in rows[:header])


def test_another_workbook_of_the_same_settore_and_year(tmp_path):
    """Same Settore and year in the Info sheet, different objective codes: still one settore's
    workbook twice (one used, the other a conflict), never both summed."""
    folder = tmp_path / "cartella"
    folder.mkdir()
    wf.write(folder / "prova.xlsx", info={"settore": "Settore Prova"})
    other = [dataclasses.replace(r, objective_code=r.objective_code.replace("OB0", "OB7")) for r in wf.clean_rows()]
    wf.write(folder / "prova_old.xlsx", rows=other, info={"settore": "settore  prova"})  # as a person reads it
    r, data, _ = _consolidate(folder, tmp_path, "settore")
    assert r.exit == 1, r.stdout
    assert data["totals"]["indicators"] == 4 and data["excluded"] == ["prova_old.xlsx"]
    (f,) = _findings(data, "copia-in-conflitto")
    assert Path(f["file"]).name == "prova_old.xlsx" and f["cell"] == "B3" and "usa «prova.xlsx»" in f["message"]
    codes = [o["code"] for a in data["areas"] for o in a["objective_scores"]]
    assert codes == ["OB01", "OB02"]
    v = _cli(["validate", str(folder)], tmp_path, folder)
    assert v.exit == 1 and "copia-in-conflitto" in v.stdout


def test_a_shared_objective_code_makes_two_files_one_settore(tmp_path):
    """Two settori that give the same objective code: the code is the comune's, one of them is a copy."""
    folder = tmp_path / "cartella"
    folder.mkdir()
    wf.write(folder / "a.xlsx", info={"settore": "Settore A"})
    rows = [dataclasses.replace(r, objective_code="OB5" + r.objective_code[-1], settore="Settore B")
            for r in wf.clean_rows()]
    rows[0] = dataclasses.replace(rows[0], objective_code="OB01")
    wf.write(folder / "b.xlsx", rows=rows, info={"settore": "Settore B"})
    v = _cli(["validate", str(folder), "--json", str(tmp_path / "v.json")], tmp_path, folder)
    assert v.exit == 1
    records = _records(json.loads((tmp_path / "v.json").read_text(encoding="utf-8")))
    dup = [f for f in records if f["code"].startswith("copia-")]
    assert [(Path(f["file"]).name, f["code"], f["sheet"], f["cell"]) for f in dup] == [
        ("b.xlsx", "copia-in-conflitto", "Indicatori", "B2")]
    assert "obiettivo OB01 in Indicatori!B2 e Indicatori!B2" in dup[0]["message"]
    assert not [f for f in records if f["code"] == "codice-nomi-diversi"]  # one pair, one finding


def test_shipped_workbooks_with_a_differing_old_copy_keep_sport(share, tmp_path):
    _change_one_value(share / SPORT, share / SPORT.replace(".xlsx", "_old.xlsx"))
    r, data, _ = _consolidate(share, tmp_path, "old")
    assert r.exit == 1
    sport = next(a for a in data["areas"] if a["name"] == "LINEA STRATEGICA SULLO SPORT")
    assert (sport["objectives"], sport["indicators"], sport["score"]) == (3, 9, 86.33)
    ambiente = next(a for a in data["areas"] if a["name"] == "LINEA STRATEGICA SULL'AMBIENTE")
    assert ambiente["score"] == 96.25 and ambiente["to_verify"]


def test_validate_the_same_file_twice_validates_it_once(share, tmp_path):
    police = share / "2022_settore-polizia-locale.xlsx"
    once = _cli(["validate", str(police), "--json", str(tmp_path / "1.json")], tmp_path, share)
    link = tmp_path / "collegamento.xlsx"
    os.symlink(police, link)
    twice = _cli(["validate", str(police), str(police), str(share), str(link), "--json", str(tmp_path / "2.json")],
                 tmp_path, share)
    one = json.loads((tmp_path / "1.json").read_text(encoding="utf-8"))
    many = json.loads((tmp_path / "2.json").read_text(encoding="utf-8"))
    assert once.exit == twice.exit == 1
    police_findings = [f for f in _records(many) if Path(f["file"]).name == police.name]
    assert len(police_findings) == len(_records(one)) == 1  # the weights of OB43, once
    assert not [f for f in _records(many) if f["code"].startswith("copia-")]
    assert len(_validated_files(many)) == 14


def test_a_workbook_whose_indicators_cannot_be_read_makes_the_relazione_incomplete(share, tmp_path):
    def rename(wb):
        wb["Indicatori"].title = "Dati"
    wf.edit(share / "2022_settore-risorse-umane.xlsx", rename)
    (share / "2022_settore-cultura-e-turismo.xlsx").write_bytes(b"")  # and an empty file
    r, data, relazione = _consolidate(share, tmp_path, "incompleta")
    assert r.exit == 1, r.stdout
    assert data["complete"] is False
    assert data["not_used"] == ["2022_settore-cultura-e-turismo.xlsx", "2022_settore-risorse-umane.xlsx"]
    flat = " ".join(r.stdout.split())
    assert "Relazione incompleta" in flat and "2022_settore-risorse-umane.xlsx" in flat
    ws = openpyxl.load_workbook(relazione)["Sintesi"]
    first = str(ws["A1"].value)
    assert first.startswith("Relazione incompleta: 2 cartelle di lavoro non sono state usate")
    assert "«2022_settore-risorse-umane.xlsx»" in first and "«2022_settore-cultura-e-turismo.xlsx»" in first
    assert is_italian(first)


def test_sintesi_links_the_area_name_a_user_reads(share, tmp_path):
    _, _, relazione = _consolidate(share, tmp_path, "link")
    ws = openpyxl.load_workbook(relazione)["Sintesi"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "N.")
    name = ws.cell(header + 1, 2)
    assert name.value == "Ambiente" and name.hyperlink is not None and name.hyperlink.location == "'Ambiente'!A1"
    assert ws.cell(header + 1, 3).hyperlink is None  # the long name is plain text


def test_nightly_reports_a_copy_and_then_its_conflict(share, tmp_path):
    root = tmp_path / "condivisa"
    root.mkdir()
    share.rename(root / "2022")
    folder = root / "2022"
    shutil.copyfile(folder / SPORT, folder / f"{SPORT[:-5]} - Copia.xlsx")
    reports = tmp_path / "rapporti"
    first = _cli(["nightly", str(root), "--reports", str(reports)], tmp_path, root)
    assert first.exit == 1  # the weights of OB43, as before
    latest = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    dup = [(Path(f["file"]).name, f["code"]) for f in _records(latest) if f["code"].startswith("copia-")]
    assert dup == [(f"{SPORT[:-5]} - Copia.xlsx", "copia-identica")]
    _change_one_value(folder / SPORT, folder / f"{SPORT[:-5]} - Copia.xlsx")
    second = _cli(["nightly", str(root), "--reports", str(reports)], tmp_path, root)
    assert second.exit == 1
    with open(reports / "history.csv", encoding="utf-8") as fh:
        history = list(csv.DictReader(fh))
    assert [(h["files"], h["validated"]) for h in history] == [("15", "15"), ("15", "1")]  # only the copy re-read
    latest = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    dup = [(Path(f["file"]).name, f["code"], f["cell"]) for f in _records(latest) if f["code"].startswith("copia-")]
    assert dup == [(f"{SPORT[:-5]} - Copia.xlsx", "copia-in-conflitto", "B3")]


def test_one_workbook_not_used_is_said_in_the_singular():
    """«I suoi obiettivi … correggere il file» for one workbook; «I loro … i file» for several."""
    from perf_xl.io.summary import sintesi_notice
    from perf_xl.model import RunResult

    one = RunResult(files=["a.xlsx", "b.xlsx"], detail=True)
    one.not_used = ["b.xlsx"]
    (line,) = sintesi_notice(one)
    assert line.startswith("Relazione incompleta: 1 cartella di lavoro non è stata usata")
    assert line.endswith("(il motivo è in «Note e anomalie»). I suoi obiettivi non sono conteggiati nelle aree: "
                         "correggere il file e consolidare di nuovo.")
    two = RunResult(files=["a.xlsx", "b.xlsx"], detail=True)
    two.not_used = ["a.xlsx", "b.xlsx"]
    (line,) = sintesi_notice(two)
    assert "(il motivo di ciascuna è in «Note e anomalie»). I loro obiettivi non sono conteggiati nelle aree: " \
        "correggere i file e consolidare di nuovo." in line
