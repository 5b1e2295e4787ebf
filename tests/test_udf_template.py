"""UDF-mode workbooks: IFERROR(PERF_…(…), native) shows the native values where there is no add-in."""


import openpyxl
import pytest

from test_libreoffice_recalc import _check, strip_cached_values
from perf_xl.app.importer import import_relazione
from libreoffice import recalculate_many
from perf_xl.io.reader import read_settore_workbook
from perf_xl.schema import load_schema, load_style
from perf_xl.app.validate import validate_paths

L = load_schema().indicators


@pytest.fixture(scope="module")
def udf_books(seed_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("udf")
    return import_relazione(seed_path, out, year=2022, formula_mode="udf").written


def test_computed_cells_call_the_udf_with_a_native_fallback(udf_books):
    ws = openpyxl.load_workbook(udf_books[0])[L.name]
    f = ws[L.cell("achievement", 2)].value
    # a number only when the UDF gives a number (text from a failing add-in falls back too)
    assert f.startswith("=IFERROR(PERF_RAGG(K2,L2,J2,perf_decrescente)+0,IF(OR(K2=")
    assert ws[L.cell("deviation", 2)].value.startswith("=IFERROR(PERF_SCOSTAMENTO(K2,L2,J2)+0,")
    # a light only when the UDF gives one of the allowed words; the thresholds are the workbook's
    assert ws[L.cell("traffic_light", 2)].value.startswith(
        '=IFERROR(INDEX({"verde","giallo","rosso","neutralizzato"},'
        'MATCH(PERF_BAROMETRO(P2,perf_verde,perf_giallo,O2),{"verde","giallo","rosso","neutralizzato"},0)),')
    assert ws[L.cell("objective_score", 2)].value.startswith("=IFERROR(PERF_OBIETTIVO(")


def test_udf_workbooks_validate_clean_except_the_seed_weights(udf_books):
    v = validate_paths(udf_books)
    assert [f.code for f in v.report] == ["pesi-somma"]


def test_libreoffice_without_addin_shows_native_values(require_libreoffice, udf_books, tmp_path, settings):
    stripped = [strip_cached_values(p, tmp_path / p.name) for p in udf_books]
    outs = recalculate_many(stripped, tmp_path / "lo")
    rows_checked = 0
    for src, out in zip(udf_books, outs):
        rows = list(read_settore_workbook(src).workbook.rows)
        _check(out, rows, settings)
        rows_checked += len(rows)
        ws = openpyxl.load_workbook(out, data_only=True)[L.name]
        values = [c.value for row in ws.iter_rows() for c in row]
        assert not [v for v in values if isinstance(v, str) and v.startswith("#")], src.name
    assert rows_checked == 139


def test_traffic_light_colours_are_conditional_formats(udf_books, settings):
    ws = openpyxl.load_workbook(udf_books[0])[L.name]
    col = L.column("traffic_light").letter
    rules = {}
    lights = [rng for rng in ws.conditional_formatting if str(rng.sqref).startswith(f"{col}2:{col}")]
    assert lights  # the other conditional formats are the marks (tests/test_marks.py)
    for rng in lights:
        for r in rng.rules:
            rules[r.formula[0].strip('"')] = r.dxf.fill.bgColor.rgb
    assert set(rules) == {"verde", "giallo", "rosso", "neutralizzato"}
    for light in ("verde", "giallo", "rosso"):
        assert rules[light].endswith(settings.color(light))
    assert rules["neutralizzato"].endswith(load_style()["neutral_fill"].lstrip("#"))  # grey: peso 0
