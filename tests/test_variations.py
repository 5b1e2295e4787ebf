"""The register of changes (issue 15, item 2): a *Variazioni* sheet in the settore workbook; under
``validate --piano`` a difference from the approved plan, or a neutralisation (peso 0), with an
approved entry is an avviso that lists it, without one an error; the Relazione's annex shows each
objective's and area's score with and without the registered changes."""

from __future__ import annotations

import dataclasses
import datetime
import json
import shutil

import openpyxl
import pytest

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022
from perf_xl.core.plan import Difference
from perf_xl.core.variations import resolve
from perf_xl.io.reader import read_settore_workbook
from perf_xl.io.summary import load_summary_layout
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import Variation
from perf_xl.schema import load_schema

SPORT = "2022_settore-sport-provveditorato-ed-economato.xlsx"
SCHEMA = load_schema()
LAYOUT, REGISTER = SCHEMA.indicators, SCHEMA.variations
ANNEX = load_summary_layout()["variazioni"]
GROUP = ("variazione-", "nettizzazion")


def _ours(findings, name=SPORT):
    return [f for f in findings if f["code"].startswith(("piano-", *GROUP)) and f["file"].endswith(name)]


def _json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _add_register(path, entries):
    """A Variazioni sheet added with openpyxl to a workbook of the older layout (as a user would)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(REGISTER.name)
    ws.append(list(REGISTER.labels))
    for e in entries:
        ws.append([e.get(c.key) for c in REGISTER.columns])
    wb.save(path)


@pytest.fixture()
def changed(tmp_path):
    """The shipped workbooks approved as the plan, then in a copy of Sport a target raised and a peso set
    to 0; returns the folder and what changed (cells, objective, indicators, old values)."""
    folder = tmp_path / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    r = run_cli(["approva", str(folder), "--out", "piano.json", "--data", "2022-01-31"], cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    wb = openpyxl.load_workbook(folder / SPORT)
    ws = wb[LAYOUT.name]
    target, weight = LAYOUT.cell("target", 2), LAYOUT.cell("weight", 3)
    facts = {"target": target, "weight": weight, "old_target": ws[target].value, "old_weight": ws[weight].value,
             "code": ws[LAYOUT.cell("objective_code", 2)].value, "ind_t": ws[LAYOUT.cell("indicator", 2)].value,
             "ind_w": ws[LAYOUT.cell("indicator", 3)].value,
             # the two indicators Sport had neutralised already in the published 2022 plan
             "neutral": [(ws[LAYOUT.cell("objective_code", r)].value, ws[LAYOUT.cell("indicator", r)].value)
                         for r in (6, 8)]}
    assert ws[LAYOUT.cell("objective_code", 3)].value == facts["code"] and ws[LAYOUT.cell("weight", 6)].value == 0
    ws[target] = facts["old_target"] + 5
    ws[weight] = 0
    wb.save(folder / SPORT)
    return tmp_path, folder, facts


def _approved(facts):
    gunta = {"requested_by": "Dirigente del Settore Sport", "approved_on": datetime.datetime(2022, 6, 15)}
    return [
        {"objective_code": facts["code"], "indicator": facts["ind_t"], "field": "Target atteso",
         "old": facts["old_target"], "new": facts["old_target"] + 5, "reason": "causa esterna non imputabile",
         "approved_with": "Delibera di Giunta n. 45", "opinion": "Verbale OIV n. 3", **gunta},
        {"objective_code": facts["code"], "indicator": facts["ind_w"], "field": "Peso", "old": facts["old_weight"],
         "new": 0, "reason": "sterilizzazione", "approved_with": "Delibera di Giunta n. 52", **gunta},
        *({"objective_code": code, "indicator": name, "field": "Peso", "old": 50, "new": 0,
           "reason": "sterilizzazione", "approved_with": "Delibera di Giunta n. 12", **gunta}
          for code, name in facts["neutral"]),
    ]


def test_changes_without_register_are_errors_with_approved_entries_avvisi_and_the_annex(changed):
    tmp_path, folder, facts = changed
    # 1. the changed copy, older layout (no Variazioni sheet): both changes are errors, and the
    # neutralisations already in the plan are counted in one avviso per workbook
    r = run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "a.json"], cwd=tmp_path)
    assert r.exit == 1
    found = _ours(_json(tmp_path / "a.json")["findings"])
    assert [(f["code"], f["severity"], f["cell"]) for f in found] == [
        ("piano-valore-cambiato", "errore", facts["target"]), ("piano-valore-cambiato", "errore", facts["weight"]),
        ("nettizzazioni-senza-registro", "avviso", LAYOUT.cell("weight", 6))]
    assert found[2]["message"].startswith("2 indicatori sono neutralizzati (peso 0) senza un registro")
    assert "righe 6, 8" in found[2]["message"]

    # 2. approved entries registered (openpyxl): avvisi that list each entry, at its row
    _add_register(folder / SPORT, _approved(facts))
    r = run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "b.json"], cwd=tmp_path)
    found = _ours(_json(tmp_path / "b.json")["findings"])
    assert [(f["code"], f["severity"], f["sheet"], f["cell"]) for f in found] == [
        ("variazione-approvata", "avviso", REGISTER.name, f"A{row}") for row in (2, 3, 4, 5)]
    first = found[0]["message"]
    assert f"(foglio {LAYOUT.name}, cella {facts['target']})" in first and "Delibera di Giunta n. 45 del 15/06/2022" in first
    assert "«causa esterna non imputabile»" in first and "alla riga 2" in first
    assert "è neutralizzato (peso 0)" in found[2]["message"] and "Delibera di Giunta n. 12" in found[2]["message"]
    assert all(is_italian(f["message"]) for f in found)
    assert not [f for f in _json(tmp_path / "b.json")["findings"] if f["sheet"] == REGISTER.name
                and not f["code"].startswith(GROUP)]  # the sheet is known: no foglio-in-piu, no column finding

    # the nightly with the same plan says the same of the register (its cache keeps each workbook's part)
    for run in ("first", "again"):  # the second run reads nothing again: the findings come from the cache
        r = run_cli(["nightly", str(folder), "--reports", "rapporti", "--piano", "piano.json"], cwd=tmp_path)
        nightly = _ours(_json(tmp_path / "rapporti" / "latest.json")["findings"])
        assert [(f["code"], f["cell"], f["message"]) for f in nightly] == \
            [(f["code"], f["cell"], f["message"]) for f in found], run

    # 3. the Relazione's annex: the objective and its area with and without the changes
    r = run_cli(["consolidate", str(folder), "--out", "R.xlsx", "--json", "R.json"], cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    annex = _json(tmp_path / "R.json")["variations"]
    assert [(e["row"], e["field"], e["approved"]) for e in annex["entries"]] == [
        (2, "Target atteso", True), (3, "Peso", True), (4, "Peso", True), (5, "Peso", True)]
    # what each change was worth alone: its objective's score with every change, and without this one
    assert [(e["objective_without"], e["worth"]) for e in annex["entries"][:2]] == [(100.0, 0.0), (70.0, 30.0)]
    by_code = {o["code"]: o for o in annex["objectives"]}
    ob = by_code[facts["code"]]
    assert (ob["with_changes"], ob["without"], ob["difference"], ob["entries"]) == (100.0, 70.0, 30.0, 2)
    # undoing the two 2022 neutralisations (old peso 50) gives OB45 the indicators it had left out
    assert set(by_code) == {facts["code"], facts["neutral"][0][0]}
    areas = {a["name"]: a for a in annex["areas"]}
    ambiente = areas["LINEA STRATEGICA SULL'AMBIENTE"]
    # without the changes the area is the published 96,25 again; with them its mean of 8 objectives gains 30/8
    assert (ambiente["with_changes"], ambiente["without"], ambiente["difference"]) == (100.0, 96.25, 3.75)
    assert annex["not_undone"] == []
    book = openpyxl.load_workbook(tmp_path / "R.xlsx")
    assert book.sheetnames[-2:] == [ANNEX["sheet"], load_summary_layout()["findings"]["sheet"]]
    cells = [c for row in book[ANNEX["sheet"]].iter_rows(values_only=True) for c in row if c is not None]
    assert "Delibera di Giunta n. 45" in cells and 70 in cells and 96.25 in cells and 3.75 in cells


def test_a_requested_entry_is_an_error_and_an_entry_matching_nothing_an_avviso(changed):
    tmp_path, folder, facts = changed
    entries = _approved(facts)
    entries[0] = {**entries[0], "approved_with": None, "approved_on": None}  # asked for, not approved
    entries[1] = {**entries[1], "indicator": None}  # no indicator: it cannot be the peso's entry
    entries = entries[:2] + entries[3:]  # OB45's first neutralisation left unregistered
    _add_register(folder / SPORT, entries)
    r = run_cli(["validate", str(folder), "--piano", "piano.json", "--json", "c.json"], cwd=tmp_path)
    assert r.exit == 1
    found = _ours(_json(tmp_path / "c.json")["findings"])
    got = [(f["code"], f["severity"], f["sheet"], f["cell"]) for f in found]
    approved_with = REGISTER.column("approved_with").letter
    assert got == [
        ("variazione-non-approvata", "errore", REGISTER.name, f"{approved_with}2"),
        ("piano-valore-cambiato", "errore", LAYOUT.name, facts["weight"]),
        ("nettizzazione-non-registrata", "errore", LAYOUT.name, LAYOUT.cell("weight", 6)),
        ("variazione-approvata", "avviso", REGISTER.name, "A4"),
        ("variazione-senza-differenza", "avviso", REGISTER.name, "A3"),
    ]
    assert "manca «Approvata con» e «Data approvazione»" in found[0]["message"]
    assert all(is_italian(f["message"]) for f in found)


def test_the_shipped_workbooks_have_no_register_and_no_annex(tmp_path):
    r = run_cli(["validate", str(SHIPPED_2022), "--json", "v.json"], cwd=tmp_path)
    assert not [f for f in _json(tmp_path / "v.json")["findings"] if f["code"].startswith(GROUP)]
    r = run_cli(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "R.json"], cwd=tmp_path)
    assert r.exit == 0
    assert "variations" not in _json(tmp_path / "R.json")
    assert ANNEX["sheet"] not in openpyxl.load_workbook(tmp_path / "R.xlsx").sheetnames


def test_old_layout_neutralisations_one_avviso_per_workbook_singular_and_plural(tmp_path):
    assert run_cli(["approva", str(SHIPPED_2022), "--out", "piano.json"], cwd=tmp_path).exit == 0
    run_cli(["validate", str(SHIPPED_2022), "--piano", "piano.json", "--json", "v.json"], cwd=tmp_path)
    found = [f for f in _json(tmp_path / "v.json")["findings"] if f["code"] == "nettizzazioni-senza-registro"]
    assert len(found) == 4 and all(f["severity"] == "avviso" for f in found)
    one = [f["message"] for f in found if f["value"] == 1]
    two = [f["message"] for f in found if f["value"] == 2]
    assert one and two
    assert all(m.startswith("Un indicatore è neutralizzato") and "la neutralizzazione (foglio" in m for m in one)
    assert all(m.startswith("2 indicatori sono neutralizzati") and "le neutralizzazioni (foglio" in m for m in two)


def test_the_template_writes_the_register_and_reads_it_back(tmp_path):
    shipped = read_settore_workbook(SHIPPED_2022 / SPORT).workbook
    assert shipped.variations is None  # the older layout: no sheet, and no finding about it
    entry = Variation(file="", row=2, objective_code="OB04", indicator="Redazione documento di linee guida",
                      kind="target", field="Target atteso", old=1.0, new=6.0, reason="causa esterna non imputabile",
                      description="Nuove linee guida regionali", requested_by="Dirigente", approved_with="Delibera n. 45",
                      approved_on="15/06/2022", opinion="Verbale OIV n. 3")
    path = write_settore_workbook(tmp_path / "s.xlsx", dataclasses.replace(shipped, variations=(entry,)))
    read = read_settore_workbook(path)
    assert read.workbook.variations == (dataclasses.replace(entry, file=str(path)),)
    assert read.workbook.variations[0].approved
    assert not [f for f in read.findings if f.sheet == REGISTER.name]
    ws = openpyxl.load_workbook(path)[REGISTER.name]
    assert tuple(c.value for c in ws[REGISTER.header_row]) == REGISTER.labels
    assert isinstance(ws[REGISTER.cell("approved_on", 2)].value, datetime.datetime)  # a date, not text
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    for key in ("field", "reason"):
        col = REGISTER.column(key)
        assert all(v in lists[col.letter] for v in col.allowed)
    assert "altro" in REGISTER.column("reason").allowed
    empty = write_settore_workbook(tmp_path / "e.xlsx", shipped)
    assert read_settore_workbook(empty).workbook.variations == ()  # the sheet, with no entries


def test_an_entry_matches_by_indicator_code_and_an_approved_one_is_preferred():
    d = Difference("changed", "OB1", "Tempo medio di pagamento", "target", 30, 25)
    base = Variation(file="f", row=2, objective_code="ob1 ", indicator="OB1.2", kind="target", field="Target atteso")
    approved = dataclasses.replace(base, row=3, approved_with="Delibera n. 1", approved_on="01/03/2022")
    other_field = dataclasses.replace(approved, row=4, kind="weight", field="Peso")
    from perf_xl.model import IndicatorRow
    row = IndicatorRow(area="A", objective_code="OB1", objective="O", responsabile="R", settore="S",
                       indicator="Tempo medio di pagamento", polarity="decrescente", target=25.0, actual=20.0,
                       weight=100.0, indicator_code="OB1.2")
    res = resolve([d], [row], [base, approved, other_field])
    assert res.changes[0].entry is approved and res.changes[0].approved
    assert res.unused == (base, other_field) and res.neutralisations == ()


def test_the_relazione_pdf_has_the_annex_only_when_there_are_entries(changed):
    from perf_xl.app.consolidate import consolidate_folder
    from perf_xl.io.pdf import relazione_html

    tmp_path, folder, facts = changed
    title = ANNEX["title"].format(year=2022)
    assert title not in relazione_html(consolidate_folder(SHIPPED_2022))
    _add_register(folder / SPORT, _approved(facts))
    c = consolidate_folder(folder)
    html = relazione_html(c)
    assert title in html and "Delibera di Giunta n. 45" in html
    assert html.index(title) < html.index('id="note"')  # before the notes, after the areas
    assert "100,00" in html[html.index(title):] and "+3,75" in html[html.index(title):]
