"""The dirigenti's schede di valutazione (issue 16), through the real command line.

On the shipped 2022 workbooks: one scheda per distinct Responsabile, each with exactly their objectives
and the consolidation JSON's scores; the payroll CSV and the differentiation table. A filled round trip
(behaviour scores typed with openpyxl, schede run again, inputs kept, LibreOffice's recalculation equal
to Python's). The payment-times rule on a generated comune with and without such an objective.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest

import workbook_factory as wf
from conftest import SHIPPED_2022
from cli_runner import is_italian, run_cli
from libreoffice import recalculate_many
from perf_xl.app.consolidate import consolidate_folder, shipped_workbooks
from perf_xl.app.schede import evaluate
from perf_xl.core.evaluation import NamedAt, person_key, responsabili
from perf_xl.evaluation import (Band, Scheda, SchedaObjective, band, differentiation, final_score,
                                load_valutazione, parse_valutazione)
from perf_xl.io.open_data import write_open_data
from perf_xl.io.evaluation_sheet import cells_of, layout, read_scheda, scheda_files
from perf_xl.schema import schema_file
from perf_xl.settings import load_settings
from perf_xl.wording import as_read

LAY = layout()
MAIN, BEH, COLL = LAY["scheda"]["sheet"], LAY["comportamenti"]["sheet"], LAY["colloquio"]["sheet"]


def _objectives_of(path: Path) -> dict[str, float | None]:
    """A scheda's objectives as written: code -> cached score."""
    ws = openpyxl.load_workbook(path, data_only=True)[MAIN]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == LAY["scheda"]["objective_columns"][0]["label"])
    out = {}
    for r in rows[start + 1:]:
        if not r[0] or r[0] == LAY["scheda"]["objectives_total"]:
            break
        out[r[0]] = r[3]
    return out


def _payroll(folder: Path, year) -> list[list[str]]:
    raw = (folder / LAY["payroll_file"].format(year=year)).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Italian Excel
    return list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))


# --- the shipped 2022 workbooks ---------------------------------------------------------------------

def test_2022_one_scheda_per_responsabile_with_the_consolidation_scores(tmp_path):
    out = tmp_path / "schede"
    r = run_cli(["schede", str(shipped_workbooks()), "--out", str(out)], tmp_path)
    assert r.exit in (0, 1), r.stderr
    j = run_cli(["consolidate", str(shipped_workbooks()), "--out", str(tmp_path / "r.xlsx"),
                 "--json", str(tmp_path / "r.json")], tmp_path)
    assert j.exit in (0, 1), j.stderr
    scores = {o["code"]: o["score"] for a in json.loads((tmp_path / "r.json").read_text("utf-8"))["areas"]
              for o in a["objective_scores"]}
    c = consolidate_folder(shipped_workbooks())
    expected: dict[str, set[str]] = {}
    for a in c.areas:
        for o in a.objectives:
            expected.setdefault(as_read(o.responsabile), set()).add(o.code)
    files = scheda_files(out)
    assert len(files) == len(expected) == 13
    seen = set()
    for p in files:
        name = as_read(read_scheda(p).responsabile)
        seen.add(name)
        written = _objectives_of(p)
        assert set(written) == expected[name], p.name
        for code, score in written.items():
            assert score == pytest.approx(scores[code], abs=1e-12), (p.name, code)
    assert seen == set(expected)
    rows = _payroll(out, 2022)
    assert rows[0] == list(LAY["payroll_columns"].values())
    assert sorted(as_read(r[0]) for r in rows[1:]) == sorted(expected)
    assert all(r[1] == "" and r[2] == "" for r in rows[1:])  # no behaviour scored yet: no final score
    # the differentiation table: one row per band and the total, no names anywhere in the riepilogo
    ws = openpyxl.load_workbook(out / LAY["riepilogo_file"].format(year=2022))[LAY["riepilogo"]["sheet"]]
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    bands = [b.name for b in load_valutazione().bands]
    assert all(b in text for b in bands) and LAY["riepilogo"]["total"] in text
    assert not any(as_read(n) in as_read(text) for n in ("Donadio", "Viani Paolo", "Grossi"))
    # the console: Italian, the ente-wide payment-times finding (no such objective in 2022)
    assert "tempi di pagamento" in r.stdout
    assert "13 schede di valutazione" in r.stdout


# --- a generated comune ------------------------------------------------------------------------------

PAYMENT = "Rispetto dei tempi di pagamento delle fatture"


def _comune(folder: Path, with_payment: bool, bianchi_objectives: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [wf.row(objective_code="OB01", objective="Obiettivo uno", indicator="Pratiche", target=100.0,
                   actual=80.0, weight=100.0),
            wf.row(objective_code="OB02", objective="Obiettivo due", indicator="Regolamento", polarity="binario",
                   target=1.0, actual=1.0, weight=100.0)]
    names = [PAYMENT if with_payment else "Riduzione dei tempi di rilascio"] + \
        [f"Obiettivo di Bianchi {i}" for i in range(2, bianchi_objectives + 1)]
    for i, name in enumerate(names):
        rows.append(wf.row(objective_code=f"OB1{i}", objective=name, responsabile="Bianchi  Luca",
                           indicator=f"Indicatore {i}", polarity="decrescente", target=30.0, actual=40.0 - i,
                           weight=100.0))
    wf.write(folder / "2024_settore-prova.xlsx", rows)
    return folder


def _codes(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("  [")]


def test_payment_times_rule_with_and_without_the_objective(tmp_path):
    without = run_cli(["schede", str(_comune(tmp_path / "senza", False)), "--out", str(tmp_path / "s1")], tmp_path)
    assert without.exit == 0, without.stdout + without.stderr
    assert "Nessun dirigente ha un obiettivo sui tempi di pagamento" in without.stdout
    assert all(is_italian(line) for line in _codes(without.stdout))
    # with it, alone among Bianchi's objectives: 60 % of the final score, above 30 %: nothing to say
    ok = run_cli(["schede", str(_comune(tmp_path / "con", True)), "--out", str(tmp_path / "s2")], tmp_path)
    assert ok.exit == 0, ok.stdout + ok.stderr
    assert "tempi di pagamento" not in ok.stdout
    # with it among three equal shares: 20 % < 30 %, an error naming the scheda's weight cells
    low = run_cli(["schede", str(_comune(tmp_path / "poco", True, 3)), "--out", str(tmp_path / "s3")], tmp_path)
    assert low.exit == 1
    bianchi = next(p for p in scheda_files(tmp_path / "s3") if "bianchi" in p.name)
    cells = cells_of(3, len(load_valutazione().behaviours))
    assert f"{bianchi.name} {MAIN} {cells.weights}" in low.stdout
    assert "pesano il 20,00 % della retribuzione di risultato" in low.stdout
    # the evaluator raises its weight to 60 of 100 (36 % of the final score): the rule is met on re-run
    def raise_weight(wb):
        ws = wb[MAIN]
        first = cells.objective_rows[0]
        ws[f"E{first}"], ws[f"E{first + 1}"], ws[f"E{first + 2}"] = 60, 20, 20
    wf.edit(bianchi, raise_weight)
    again = run_cli(["schede", str(tmp_path / "poco"), "--out", str(tmp_path / "s3")], tmp_path)
    assert again.exit == 0, again.stdout
    assert "tempi di pagamento" not in again.stdout
    assert read_scheda(bianchi).objective_weights == {"OB10": 60, "OB11": 20, "OB12": 20}


@pytest.mark.libreoffice
def test_filled_round_trip_keeps_inputs_and_libreoffice_equals_python(require_libreoffice, tmp_path):
    folder = _comune(tmp_path / "comune", True, 2)
    out = tmp_path / "schede"
    assert run_cli(["schede", str(folder), "--out", str(out)], tmp_path).exit in (0, 1)
    files = scheda_files(out)
    assert [read_scheda(p).responsabile for p in files] == ["Bianchi Luca", "Rossi Anna"]
    v = load_valutazione()
    first_beh = cells_of(1, len(v.behaviours)).behaviour_rows[0]
    typed = {files[0]: [7, 8, 9, 6, 10, 8], files[1]: [10, 9, 10, 10, 9, 10]}
    when = datetime.datetime(2025, 3, 14)

    def fill(scores):
        def fn(wb):
            for i, s in enumerate(scores):
                wb[BEH][f"C{first_beh + i}"] = s
                wb[BEH][f"D{first_beh + i}"] = f"Nota {i}: =non una formula"
            wb[COLL]["B4"] = when
            wb[COLL]["B6"] = "Colloquio svolto"
        return fn

    for p, scores in typed.items():
        wf.edit(p, fill(scores))
    cells = cells_of(2, len(v.behaviours))
    wf.edit(files[0], lambda wb: wb[MAIN].__setitem__(f"E{cells.objective_rows[0]}", 70))  # an objective weight
    before = {p: read_scheda(p) for p in files}
    # the consolidation changes (a consuntivo corrected): the objectives' scores are refreshed
    assert _objectives_of(files[1])["OB01"] == pytest.approx(80)
    wf.edit(folder / "2024_settore-prova.xlsx", lambda wb: wb["Indicatori"].__setitem__(
        wf.SCHEMA.indicators.cell("actual", wf.SCHEMA.indicators.first_data_row), 90))
    rerun = run_cli(["schede", str(folder), "--out", str(out)], tmp_path)
    assert rerun.exit in (0, 1), rerun.stdout + rerun.stderr
    after = {p: read_scheda(p) for p in files}
    for p in files:
        assert after[p].behaviours == before[p].behaviours
        assert after[p].objective_weights == before[p].objective_weights
        assert after[p].colloquio == before[p].colloquio and after[p].colloquio["date"] == when
    assert after[files[0]].objective_weights["OB10"] == 70
    r = evaluate(folder, out)
    py = {Path(s.file).name: s for s in r.schede}
    assert _objectives_of(files[1])["OB01"] == pytest.approx(90)  # refreshed from the corrected workbook
    recalculated = recalculate_many(files, tmp_path / "lo")
    for p, q in zip(files, recalculated):
        s = py[p.name]
        n = len(s.objectives)
        c = cells_of(n, len(v.behaviours))
        ws = openpyxl.load_workbook(q, data_only=True)[MAIN]
        assert s.final(v) is not None
        assert ws[c.final].value == pytest.approx(s.final(v), abs=1e-9), p.name
        assert ws[c.band].value == s.band(v)
        cached = openpyxl.load_workbook(p, data_only=True)[MAIN]
        assert cached[c.final].value == pytest.approx(s.final(v), abs=1e-12)  # Python's value, cached
    rows = _payroll(out, 2024)
    assert {r[0]: r[2] for r in rows[1:]} == {s.responsabile: s.band(v) for s in r.schede}


def test_unreadable_scheda_and_dirigente_without_objectives_are_kept_untouched(tmp_path):
    folder = _comune(tmp_path / "comune", False)
    out = tmp_path / "schede"
    assert run_cli(["schede", str(folder), "--out", str(out)], tmp_path).exit == 0
    broken = out / LAY["file"].format(year=2024, slug="verdi-carla")
    broken.write_bytes(b"not a workbook")
    rossi = next(p for p in scheda_files(out) if "rossi" in p.name)
    gone = out / LAY["file"].format(year=2024, slug="neri-ugo")
    gone.write_bytes(rossi.read_bytes())
    wf.edit(gone, lambda wb: wb[MAIN].__setitem__("B4", "Neri Ugo"))
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (broken, gone)}
    r = run_cli(["schede", str(folder), "--out", str(out)], tmp_path)
    assert r.exit == 1
    assert digests == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (broken, gone)}
    assert f"[errore] {broken.name}: La scheda di valutazione non si legge" in r.stdout
    assert f"[avviso] {gone.name}: Il dirigente «Neri Ugo» della scheda" in r.stdout
    assert all(is_italian(line) for line in _codes(r.stdout))


def test_one_person_written_two_ways_and_a_joint_responsabile_are_said(tmp_path):
    """2022 writes Di Girolamo Gabriella three ways: plain, «(ad interim)» in the middle, and beside
    Ghilardi Lamberto. Each spelling still gets its own scheda (who is who is the comune's call), but
    never in silence: an avviso names the cell of each other spelling and the one it resembles."""
    r = run_cli(["schede", str(SHIPPED_2022), "--out", str(tmp_path / "schede")], tmp_path)
    text = " ".join(r.stdout.split())
    assert ("Indicatori D2: Il Responsabile «Di Girolamo (ad interim) Gabriella» sembra la stessa persona di "
            "«Di Girolamo Gabriella» (2022_unita-direzionale-segretario-generale.xlsx, foglio Indicatori, cella D2)"
            ) in text
    assert "ha come Responsabile «Ghilardi Lamberto / Di Girolamo Gabriella (ad interim)», che nomina più persone" in text
    assert all(is_italian(part) for part in text.split("[avviso]")[1:])


def test_person_key_and_the_spellings_rule():
    assert person_key("Di Girolamo (ad interim) Gabriella") == person_key("gabriella  DI GIROLAMO")
    assert person_key("Rossi Anna") != person_key("Rossi Anita")
    at = lambda name, cell: NamedAt(name, "s.xlsx", "Indicatori", cell, "OB1")  # noqa: E731
    found = responsabili([at("Rossi Anna", "D2"), at("Bianchi Luca", "D5"), at("Anna Rossi (f.f.)", "D9"),
                          at("Rossi Anna; Verdi Carla", "D12"), at("Rossi Anita", "D14")])
    assert [(f.code, f.cell) for f in found] == [("responsabile-in-piu-forme", "D9"), ("responsabile-congiunto", "D12")]


def test_a_scored_behaviour_the_settings_no_longer_list_keeps_the_scheda_as_it_is(tmp_path):
    """A behaviour renamed in the settings after the evaluator scored it: its score is never dropped in
    silence. The scheda is left as it is, with an error naming the row; once the evaluator writes the new
    name in the scheda (in any case and spacing) the score moves to it."""
    folder = _comune(tmp_path / "comune", True)
    out = tmp_path / "schede"
    assert run_cli(["schede", str(folder), "--out", str(out)], tmp_path).exit == 0
    v = load_valutazione()
    old_item, new_item = v.behaviours[1], "Problem solving, orientamento al risultato e all'innovazione"
    rossi = next(p for p in scheda_files(out) if "rossi" in p.name)
    row = cells_of(2, len(v.behaviours)).behaviour_rows[0] + 1  # the second behaviour
    wf.edit(rossi, lambda wb: (wb[BEH].__setitem__(f"C{row}", 8), wb[BEH].__setitem__(f"D{row}", "Ottimo")))
    custom = tmp_path / "impostazioni.toml"
    custom.write_text(schema_file("settings.toml").read_text("utf-8").replace(f'"{old_item}"', f'"{new_item}"'), "utf-8")
    before = hashlib.sha256(rossi.read_bytes()).hexdigest()

    r = run_cli(["schede", str(folder), "--out", str(out), "--settings", str(custom)], tmp_path)
    assert r.exit == 1
    assert f"[errore] {rossi.name} {BEH} B{row}: La scheda ha un punteggio o una nota per il comportamento «{old_item}»" \
        in " ".join(r.stdout.split())
    assert hashlib.sha256(rossi.read_bytes()).hexdigest() == before  # the evaluator's 8 is still there
    assert all(is_italian(line) for line in _codes(r.stdout))

    wf.edit(rossi, lambda wb: wb[BEH].__setitem__(f"B{row}", "  " + new_item.upper()))
    r = run_cli(["schede", str(folder), "--out", str(out), "--settings", str(custom)], tmp_path)
    assert r.exit == 0, r.stdout
    assert read_scheda(rossi).behaviours[new_item] == (8, "Ottimo")


def test_component_weights_not_100_in_the_settings_and_in_a_scheda(tmp_path):
    folder = _comune(tmp_path / "comune", True)
    text = schema_file("settings.toml").read_text("utf-8")
    custom = tmp_path / "impostazioni.toml"
    custom.write_text(text.replace('comportamenti = { label = "Comportamenti organizzativi", weight = 30 }',
                                   'comportamenti = { label = "Comportamenti organizzativi", weight = 20 }'), "utf-8")
    r = run_cli(["schede", str(folder), "--out", str(tmp_path / "a"), "--settings", str(custom)], tmp_path)
    assert r.exit == 1
    assert "impostazioni.toml: I pesi delle componenti della valutazione sommano a 90 invece di 100" in r.stdout
    out = tmp_path / "b"
    assert run_cli(["schede", str(folder), "--out", str(out)], tmp_path).exit == 0
    rossi = next(p for p in scheda_files(out) if "rossi" in p.name)
    c = cells_of(2, len(load_valutazione().behaviours))
    wf.edit(rossi, lambda wb: wb[MAIN].__setitem__(c.component_weight("ente"), 25))
    r = run_cli(["schede", str(folder), "--out", str(out)], tmp_path)
    assert r.exit == 1
    assert f"{rossi.name} {MAIN} {c.component_weights}: I pesi delle componenti della valutazione sommano a 115" \
        in r.stdout
    assert read_scheda(rossi).component_weights[load_valutazione().components[1].label] == 25


# --- the rule and the open data -----------------------------------------------------------------------

def test_the_rule_and_the_differentiation_table():
    bands = (Band("A", 90), Band("B", 60), Band("C", 0))
    assert final_score([60, 10, 30], [100, 80, 50]) == pytest.approx(83)
    assert final_score([60, 10, 30], [100, 80, None]) is None
    assert final_score([100, 0, 0], [2.675, 0, 0]) == 2.68  # as Excel's ROUND (Python's round: 2.67)
    assert band(90, bands) == "A" and band(89.99, bands) == "B" and band(0, bands) == "C"
    rows, pending = differentiation([95, 91, 70, None], bands)
    assert [(r.band, r.count) for r in rows] == [("A", 2), ("B", 1), ("C", 0), (None, 3)]
    assert rows[0].mean == pytest.approx(93) and rows[-1].min == 70 and pending == 1
    v = parse_valutazione({"tempi_pagamento": {"words": ["tempestività dei pagamenti"], "codes": ["OB99"]}})
    assert v.is_payment_objective("OB1", "Migliorare la TEMPESTIVITÀ  dei pagamenti")
    assert v.is_payment_objective("ob99", "Altro") and not v.is_payment_objective("OB1", "Altro")
    s = Scheda("X", 2024, "", [SchedaObjective("OB1", PAYMENT, "", "", 100, 1, True),
                               SchedaObjective("OB2", "b", "", "", 50, 1)], 80,
               {"obiettivi": 60, "ente": 10, "comportamenti": 30}, [("i", 10, "")])
    assert s.payment_share(parse_valutazione({})) == pytest.approx(30)


def test_differentiation_open_data_are_frictionless_valid_and_without_names(tmp_path):
    from frictionless import validate

    folder = _comune(tmp_path / "comune", True)
    r = evaluate(folder, tmp_path / "schede")
    from perf_xl.app.schede import differentiation_rows

    rows = differentiation_rows(r)
    write_open_data(r.run, tmp_path / "od", load_settings(), rows)
    report = validate(str(tmp_path / "od" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    text = (tmp_path / "od" / "differenziazione.csv").read_text("utf-8")
    assert "Rossi" not in text and "Bianchi" not in text
    assert text.splitlines()[0] == "anno,comune,fascia,da_punteggio,dirigenti,minimo,media,massimo"
    # without the schede the resource is not there
    write_open_data(r.run, tmp_path / "od2", load_settings())
    assert not (tmp_path / "od2" / "differenziazione.csv").exists()


def test_objective_without_responsabile_is_named_by_file_and_cell(tmp_path):
    folder = tmp_path / "comune"
    folder.mkdir()
    rows = [wf.row(), wf.row(objective_code="OB02", objective="Obiettivo orfano", responsabile="", weight=100.0)]
    wf.write(folder / "2024_settore-prova.xlsx", rows)
    r = run_cli(["schede", str(folder), "--out", str(tmp_path / "out")], tmp_path)
    assert r.exit == 1
    cell = wf.SCHEMA.indicators.cell("responsabile", wf.SCHEMA.indicators.first_data_row + 1)
    assert (f"2024_settore-prova.xlsx {wf.SCHEMA.indicators.name} {cell}: L'obiettivo OB02 «Obiettivo orfano» non ha "
            "un Responsabile") in r.stdout
    assert [read_scheda(p).responsabile for p in scheda_files(tmp_path / "out")] == ["Rossi Anna"]
