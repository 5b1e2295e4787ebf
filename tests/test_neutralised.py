"""Neutralised (peso 0) is a state of its own in the outputs, not a failure: each objective and area
says how many of its indicators are neutralised (JSON, Sintesi), an objective whose every indicator is
neutralised is *neutralizzato* (no score, not red), and the area sheets colour those rows grey."""

from __future__ import annotations

import json

import openpyxl

import workbook_factory as wf
from conftest import SHIPPED_2022
from perf_xl.app.consolidate import consolidate_folder
from perf_xl.io.summary import summary_dict, write_summary_workbook
from perf_xl.schema import load_style


def test_shipped_2022_counts_its_neutralised_indicators(tmp_path):
    c = consolidate_folder(SHIPPED_2022)
    data = json.loads(json.dumps(summary_dict(c)))
    by_area = {a["short_name"]: a for a in data["areas"]}
    assert by_area["Sport"]["neutralised"] == 2 and by_area["Ambiente"]["neutralised"] == 0
    sport = {o["code"]: o for o in by_area["Sport"]["objective_scores"]}
    assert sport["OB45"]["neutralised"] == 2 and sport["OB45"]["traffic_light"] == "verde"  # others still count
    assert sum(a["neutralised"] for a in data["areas"]) == 6

    ws = openpyxl.load_workbook(write_summary_workbook(tmp_path / "R.xlsx", c))["Sintesi"]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "di cui neutralizzati" for c in r))
    col = next(c.column for c in header_row if c.value == "di cui neutralizzati")
    names = next(c.column for c in header_row if c.value == "Area")
    values = {ws.cell(row=r, column=names).value: ws.cell(row=r, column=col).value
              for r in range(header_row[0].row + 1, ws.max_row + 1)}
    assert values["Sport"] == 2 and values["Ambiente"] == 0


def test_an_objective_with_every_indicator_neutralised_is_neutralizzato(tmp_path):
    folder = tmp_path / "cartella"
    folder.mkdir()
    rows = wf.clean_rows() + [
        wf.row(objective_code="OB03", objective="Obiettivo tre", indicator="Sospeso", weight=0.0,
               note="Nettizzato: causa esterna"),
        wf.row(objective_code="OB03", objective="Obiettivo tre", indicator="Sospeso anche questo", weight=0.0,
               note="Nettizzato: causa esterna")]
    wf.write(folder / "prova.xlsx", rows)
    c = consolidate_folder(folder)
    (area,) = c.areas
    objectives = {o.code: o for o in area.objectives}
    assert objectives["OB03"].traffic_light == "neutralizzato" and objectives["OB03"].score is None
    assert objectives["OB02"].neutralised == 1 and objectives["OB02"].traffic_light == "verde"
    assert area.neutralised == 3
    assert area.score == (objectives["OB01"].score + objectives["OB02"].score) / 2  # OB03 does not count

    ws = openpyxl.load_workbook(write_summary_workbook(tmp_path / "R.xlsx", c)).worksheets[1]  # the area
    grey = load_style()["neutral_fill"].lstrip("#").upper()
    fills = [cell.fill.fgColor.rgb[-6:].upper() for row in ws.iter_rows() for cell in row
             if cell.value == "neutralizzato"]
    assert len(fills) == 4 and set(fills) == {grey}  # three indicators and the objective OB03
