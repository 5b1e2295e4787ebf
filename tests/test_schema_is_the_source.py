"""The schema is the source: a column added to ``settore.toml`` flows everywhere with no code change.

A temporary copy of ``schemas/`` gets two optional columns (a text one and a number one with a
range); perf_xl is pointed at it with ``PERF_XL_SCHEMAS``. The test writes a workbook with the
template (library and ``perf-xl new-workbook``), fills the new cells as a dirigente would (openpyxl),
and checks the values in the reader's rows, the cell validation, the consolidation JSON (per
objective: ``extra``) and the Relazione's area sheet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from perf_xl.app.consolidate import consolidate_folder
from perf_xl.io.reader import read_settore_workbook
from perf_xl.io.summary import summary_dict, write_summary_workbook
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import SCHEMAS_ENV, load_schema, schemas_dir

AREA = "LINEA STRATEGICA SULLA PROVA"
ADDED = '''
[[indicators.columns]]
key = "fonte"
label = "Fonte del dato"
type = "text"
width = 24
input = true
help = "Da dove viene il valore consuntivo."

[[indicators.columns]]
key = "copertura"
label = "Copertura %"
type = "number"
width = 10
format = "0.0"
minimum = 0
maximum = 100
input = true
'''


@pytest.fixture
def schema_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), d, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    text = (d / "settore.toml").read_text(encoding="utf-8")
    head, areas = text.split("\n[areas]", 1)  # the new columns go last on the Indicatori sheet
    (d / "settore.toml").write_text(head.rstrip("\n") + "\n" + ADDED + "\n[areas]" + areas, encoding="utf-8")
    monkeypatch.setenv(SCHEMAS_ENV, str(d))
    return d


def _rows() -> list[IndicatorRow]:
    base = dict(area=AREA, objective_code="OB01", objective="Obiettivo uno", responsabile="Rossi Anna",
                settore="Settore Prova", polarity="crescente")
    return [IndicatorRow(indicator="Pratiche evase", target=100.0, actual=120.0, weight=60.0, **base),
            IndicatorRow(indicator="Tempo medio", target=30.0, actual=25.0, weight=40.0,
                         **{**base, "polarity": "decrescente"})]


def test_the_added_columns_flow_everywhere(schema_dir, tmp_path):
    schema = load_schema()
    assert schema.source == str(schema_dir / "settore.toml")
    fonte, copertura = schema.indicators.column("fonte"), schema.indicators.column("copertura")

    # the template: header, width, format, validation for the number
    folder = tmp_path / "cartelle"
    folder.mkdir()
    path = folder / "2024_prova.xlsx"
    wb = SettoreWorkbook(info={"year": 2024, "settore": "Settore Prova", "schema_version": schema.version},
                         areas=(AreaInfo(1, AREA, None),), rows=tuple(_rows()))
    write_settore_workbook(path, wb, spare_rows=3)
    book = openpyxl.load_workbook(path)
    ws = book[schema.indicators.name]
    assert ws[f"{fonte.letter}1"].value == "Fonte del dato"
    assert ws[f"{copertura.letter}1"].value == "Copertura %"
    assert ws.column_dimensions[fonte.letter].width == pytest.approx(24, abs=1)
    (dv,) = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(copertura.letter)]
    assert (dv.type, dv.operator or "between", dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")

    # a dirigente fills the new cells (and types text in the number one on a third row)
    ws[f"{fonte.letter}2"] = "ISTAT"
    ws[f"{copertura.letter}2"] = 85.5
    ws[f"{fonte.letter}3"] = "Ufficio"
    ws[f"{copertura.letter}3"] = 90
    ws[f"{copertura.letter}2"].number_format = copertura.format
    book.save(path)
    bad = folder / "2024_altro.xlsx"
    shutil.copy(path, bad)
    book = openpyxl.load_workbook(bad)
    ws = book[schema.indicators.name]
    ws[f"{copertura.letter}3"] = "tanta"
    ws[f"{copertura.letter}2"] = 120  # outside the column's range (the template would refuse it)
    book[schema.info.name]["B3"] = "Settore Altro"  # another settore: not a copy of the first
    for r in (2, 3):
        ws[f"{schema.indicators.column('settore').letter}{r}"] = "Settore Altro"
        ws[f"{schema.indicators.column('objective_code').letter}{r}"] = "OB02"
    book.save(bad)

    # the reader keeps the values with each row
    read = read_settore_workbook(path)
    assert [r.extra for r in read.workbook.rows] == [{"fonte": "ISTAT", "copertura": 85.5},
                                                      {"fonte": "Ufficio", "copertura": 90.0}]
    assert not [f for f in read.findings if f.severity == "errore"]

    # the cell validation: the number column gets the numeric check and its range
    c = consolidate_folder(folder)
    found = {f.cell: (f.code, f.column) for f in c.findings if Path(f.file).name == bad.name
             and f.cell.startswith(copertura.letter)}
    assert found == {f"{copertura.letter}3": ("valore-non-numerico", "Copertura %"),
                     f"{copertura.letter}2": ("valore-fuori-intervallo", "Copertura %")}, found
    assert not [f for f in c.findings if Path(f.file).name == path.name and f.severity == "errore"]

    # the JSON: per objective, one value per indicator
    data = json.loads(json.dumps(summary_dict(c)))
    scores = {o["code"]: o for a in data["areas"] for o in a["objective_scores"]}
    assert scores["OB01"]["extra"] == {"fonte": ["ISTAT", "Ufficio"], "copertura": [85.5, 90.0]}
    assert scores["OB02"]["extra"] == {"fonte": ["ISTAT", "Ufficio"], "copertura": [120.0, None]}

    # the same values when the objective parts wait in a temporary file (a run of thousands of workbooks)
    from perf_xl.io import part_store

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(part_store, "MEMORY_LIMIT", 0)
        large = consolidate_folder(folder, detail=False, workers=2)
    assert [a["objective_scores"] for a in summary_dict(large)["areas"]] == \
        [[{k: v for k, v in o.items() if k != "indicators"} for o in a["objective_scores"]] for a in data["areas"]]

    # the Relazione's area sheet: a column with the schema's label and each indicator's value
    out = write_summary_workbook(tmp_path / "Relazione.xlsx", c)
    area_ws = openpyxl.load_workbook(out)["Prova"]
    header = [v for v in next(area_ws.iter_rows(min_row=4, max_row=4, values_only=True))]
    assert header[-2:] == ["Fonte del dato", "Copertura %"]
    col = header.index("Fonte del dato")
    values = [row[col] for row in area_ws.iter_rows(min_row=5, values_only=True) if row[col] is not None]
    assert values == ["ISTAT", "Ufficio", "ISTAT", "Ufficio"]
    numbers = [row[col + 1] for row in area_ws.iter_rows(min_row=5, values_only=True) if row[col + 1] is not None]
    assert numbers == [85.5, 90, 120]


def test_the_command_line_takes_the_schema_from_the_environment(schema_dir, tmp_path):
    env_out = tmp_path / "modello.xlsx"
    cmd = [sys.executable, "-m", "perf_xl.cli", "new-workbook", str(env_out), "--settore", "Settore Prova",
           "--year", "2024"]

    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, SCHEMAS_ENV: str(schema_dir)})
    header = [c.value for c in openpyxl.load_workbook(env_out)[load_schema().indicators.name][1]]
    assert header[:len(load_schema().indicators.columns)][-2:] == ["Fonte del dato", "Copertura %"]

    folder = tmp_path / "cartelle"
    folder.mkdir()
    wb = SettoreWorkbook(info={"year": 2024, "settore": "Settore Prova", "schema_version": "1.0"},
                         areas=(AreaInfo(1, AREA, None),), rows=tuple(_rows()))
    path = write_settore_workbook(folder / "2024_prova.xlsx", wb, spare_rows=0)
    book = openpyxl.load_workbook(path)
    book[load_schema().indicators.name][f"{load_schema().indicators.column('fonte').letter}2"] = "ISTAT"
    book.save(path)
    j = tmp_path / "r.json"
    subprocess.run([sys.executable, "-m", "perf_xl.cli", "consolidate", str(folder), "--out",
                    str(tmp_path / "R.xlsx"), "--json", str(j)], capture_output=True,
                   env={**os.environ, SCHEMAS_ENV: str(schema_dir)})
    o = json.loads(j.read_text(encoding="utf-8"))["areas"][0]["objective_scores"][0]
    assert o["extra"] == {"fonte": ["ISTAT", ""], "copertura": [None, None]}


def test_the_shipped_schema_adds_nothing():
    """Without added columns, rows carry no extra values and the JSON has no ``extra`` key."""
    c = consolidate_folder()
    assert all("extra" not in o for a in summary_dict(c)["areas"] for o in a["objective_scores"])
