"""The settore workbook a dirigente opens: built from the schema, formulas in the cells."""

import openpyxl
import pytest

from conftest import SHIPPED_2022
from perf_xl.io.reader import read_settore_workbook
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema

SCHEMA = load_schema()


def _row(**kw):
    base = dict(area="LINEA STRATEGICA SUL TEST", objective_code="OB01", objective="Obiettivo di prova",
                responsabile="Rossi Anna", settore="Settore Prova", indicator="Indicatore", polarity="crescente",
                target=10.0, actual=8.0, weight=100.0)
    base.update(kw)
    return IndicatorRow(**base)


def _book(rows, **info):
    return SettoreWorkbook(info={"year": 2024, "settore": "Settore Prova", "schema_version": SCHEMA.version, **info},
                           areas=(AreaInfo(1, "LINEA STRATEGICA SUL TEST", 95.0),), rows=tuple(rows))


def test_sheets_and_header_come_from_the_schema(tmp_path):
    p = write_settore_workbook(tmp_path / "s.xlsx", _book([_row()]))
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == [*SCHEMA.sheet_names, *SCHEMA.optional_sheet_names]  # the register of changes last
    ws = wb[SCHEMA.indicators.name]
    header = tuple(c.value for c in ws[SCHEMA.indicators.header_row])
    assert header[:len(SCHEMA.indicators.labels)] == SCHEMA.indicators.labels  # then the legend, after a gap
    assert ws.freeze_panes == "A2"
    assert ws.protection.sheet and not ws.protection.password
    for col in SCHEMA.indicators.columns:
        assert ws.column_dimensions[col.letter].width == pytest.approx(col.width, abs=1)


def test_computed_columns_are_native_formulas_and_inputs_are_unlocked(tmp_path):
    p = write_settore_workbook(tmp_path / "s.xlsx", _book([_row()]))
    ws = openpyxl.load_workbook(p)[SCHEMA.indicators.name]
    for col in SCHEMA.indicators.columns:
        cell = ws[f"{col.letter}2"]
        if col.computed:
            assert isinstance(cell.value, str) and cell.value.startswith("="), col.key
            assert cell.protection.locked
        elif col.input:
            assert not cell.protection.locked, col.key
    assert "SUMPRODUCT" in ws[SCHEMA.indicators.cell("objective_score", 2)].value


def test_cached_values_let_any_reader_see_the_scores(tmp_path):
    p = write_settore_workbook(tmp_path / "s.xlsx", _book([_row(), _row(indicator="B", target=5, actual=5, weight=0)]))
    ws = openpyxl.load_workbook(p, data_only=True)[SCHEMA.indicators.name]
    assert ws[SCHEMA.indicators.cell("achievement", 2)].value == 80
    assert ws[SCHEMA.indicators.cell("deviation", 2)].value == -2
    assert ws[SCHEMA.indicators.cell("traffic_light", 2)].value == "giallo"
    assert ws[SCHEMA.indicators.cell("objective_score", 3)].value == 80


def test_polarity_dropdown_and_traffic_light_colours(tmp_path):
    p = write_settore_workbook(tmp_path / "s.xlsx", _book([_row()]))
    ws = openpyxl.load_workbook(p)[SCHEMA.indicators.name]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    # one drop-down per choice column: the polarity, the target's state (the year's cycle), the projection
    assert lists == {SCHEMA.indicators.cell("polarity", 2): '"crescente,decrescente,binario"',
                     SCHEMA.indicators.cell("target_state", 2): '"da confermare,confermato"',
                     SCHEMA.indicators.cell("projection", 2): '"lineare,costante"'}
    light = SCHEMA.indicators.column("traffic_light").letter
    rules = [r for rng in ws.conditional_formatting if str(rng.sqref).startswith(light) for r in rng.rules]
    assert sorted(r.formula[0] for r in rules) == ['"giallo"', '"neutralizzato"', '"rosso"', '"verde"']


def test_user_text_starting_with_equals_stays_text(tmp_path):
    p = write_settore_workbook(tmp_path / "s.xlsx", _book([_row(note="=HYPERLINK(\"http://x\")",
                                                               formula="=A1*100")]))
    ws = openpyxl.load_workbook(p)[SCHEMA.indicators.name]
    assert ws[SCHEMA.indicators.cell("note", 2)].data_type == "s"
    assert ws[SCHEMA.indicators.cell("formula", 2)].value == "=A1*100"
    assert ws[SCHEMA.indicators.cell("formula", 2)].data_type == "s"


def test_write_then_read_round_trips(tmp_path):
    rows = [_row(), _row(indicator="Fatto?", polarity="binario", target=1, actual=None, weight=0,
                         note="nettizzato", formula=r"$(N^{\circ})*100$")]
    p = write_settore_workbook(tmp_path / "s.xlsx", _book(rows, comune="Prova"))
    got = read_settore_workbook(p)
    assert not got.findings
    assert got.workbook.rows == tuple(rows)
    assert got.workbook.info["year"] == 2024 and got.workbook.info["comune"] == "Prova"
    assert got.workbook.areas == (AreaInfo(1, "LINEA STRATEGICA SUL TEST", 95.0),)


def test_info_sheet_of_shipped_workbooks():
    for p in SHIPPED_2022.glob("*.xlsx"):
        info = read_settore_workbook(p).workbook.info
        assert info["year"] == 2022 and info["schema_version"] == SCHEMA.version and info["settore"]


def test_new_workbook_command(tmp_path):
    from click.testing import CliRunner

    from perf_xl.cli import main

    out = tmp_path / "nuovo.xlsx"
    r = CliRunner().invoke(main, ["new-workbook", str(out), "--settore", "Settore Nuovo", "--year", "2025"])
    assert r.exit_code == 0, r.output
    got = read_settore_workbook(out)
    assert got.workbook.rows == () and got.workbook.info["settore"] == "Settore Nuovo"
    ws = openpyxl.load_workbook(out)[SCHEMA.indicators.name]
    assert ws.max_row == 101 and ws[SCHEMA.indicators.cell("achievement", 101)].value.startswith("=")
