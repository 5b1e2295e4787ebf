"""LibreOffice headless recalculates the templates' native formulas: same values as Python.

The cached values that the writer stores are stripped from a copy first, so the
numbers read back can only have come from LibreOffice's own calculation.
"""

import re
import zipfile

import openpyxl
import pytest

from conftest import SHIPPED_2022
from perf_xl import scoring
from perf_xl.core.consolidation import build_objectives
from libreoffice import recalculate_many
from perf_xl.io.reader import read_settore_workbook
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema
from perf_xl.settings import Settings

pytestmark = pytest.mark.libreoffice
SCHEMA = load_schema()
L = SCHEMA.indicators


def strip_cached_values(src, dst):
    """Copy an .xlsx, removing every formula cell's cached value (<v> after </f>)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                text = re.sub(r"(</f>)<v>[^<]*</v>", r"\1", text)
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return dst


def _values(path):
    ws = openpyxl.load_workbook(path, data_only=True)[L.name]
    # an optional column (last) may be missing from a workbook written before it existed
    return {row[0].row: {c.key: row[c.position - 1].value if c.position <= len(row) else None for c in L.columns}
            for row in ws.iter_rows(min_row=L.first_data_row)}


def _same(got, want, where):
    if want is None:
        assert got in (None, ""), where
    elif isinstance(want, str):
        assert got == want, where
    else:
        assert got == pytest.approx(want, abs=1e-9), where


def _check(path_recalculated, rows, settings):
    """Every computed cell LibreOffice shows is what the core says the cell shows, and every
    objective score is the consolidation's."""
    got = _values(path_recalculated)
    marks = SCHEMA.marks
    objectives = {o.code: o.score for o in build_objectives(rows, settings)}
    cells = {r.row: scoring.row_cells(r.target, r.actual, r.polarity, r.weight, settings, marks.invalid) for r in rows}
    weight_sums: dict[str, float] = {}
    for r in rows:
        weight_sums[r.objective_code] = weight_sums.get(r.objective_code, 0) + (r.weight or 0)
    for r in rows:
        v, want = got[r.row], cells[r.row]
        where = f"{r.file} row {r.row}"
        _same(v["achievement"], want.achievement, where)
        _same(v["deviation"], want.deviation, where)
        _same(v["traffic_light"], want.traffic_light, where)
        _same(v["objective_score"], scoring.objective_cell(
            [(x.row, x.weight, cells[x.row].achievement) for x in rows if x.objective_code == r.objective_code],
            marks.invalid, marks.objective_invalid), where)
        if isinstance(want.achievement, float):
            _same(v["objective_score"], objectives[r.objective_code], where)
        if v["weight_sum"] is not None:  # absent from a workbook written before the column existed
            assert v["weight_sum"] == pytest.approx(weight_sums[r.objective_code], abs=1e-9), where


def test_shipped_workbooks_recalculate_to_the_python_scores(require_libreoffice, tmp_path, settings):
    stripped = []
    for p in sorted(SHIPPED_2022.glob("*.xlsx")):
        stripped.append(strip_cached_values(p, tmp_path / p.name))
    # no cached value left: what we read back after LibreOffice is LibreOffice's own
    assert all(v["achievement"] is None for v in _values(stripped[0]).values())
    outs = recalculate_many(stripped, tmp_path / "lo")
    checked = 0
    for src, out in zip(sorted(SHIPPED_2022.glob("*.xlsx")), outs):
        rows = list(read_settore_workbook(src).workbook.rows)
        _check(out, rows, settings)
        checked += len(rows)
    assert checked == 139


def test_gzoom_partial_year_and_edge_cases_recalculate(require_libreoffice, tmp_path):
    settings = Settings(decreasing_ratio="gzoom", green=95, yellow=70)
    base = dict(area="LINEA STRATEGICA SUL TEST", objective="Ob", responsabile="R", settore="S", indicator="I")
    specs = [
        ("OB01", "decrescente", 10, 12.5, 50), ("OB01", "decrescente", 10, 30, 50),
        ("OB02", "crescente", 80, 78, 60), ("OB02", "crescente", 80, None, 40),  # consuntivo not typed yet
        ("OB03", "binario", 1, 0, 30), ("OB03", "binario", 1, 1, 70), ("OB03", "crescente", 5, 9, 0),
        ("OB04", "crescente", 0, 3, 100),  # atteso 0: no % Ragg
        ("OB05", "decrescente", 10, 2, 100),
    ]
    rows = [IndicatorRow(objective_code=c, polarity=p, target=t, actual=a, weight=w, **base)
            for c, p, t, a, w in specs]
    wb = SettoreWorkbook(info={"year": 2024, "settore": "S", "schema_version": SCHEMA.version},
                         areas=(AreaInfo(1, base["area"], None),), rows=tuple(rows))
    src = write_settore_workbook(tmp_path / "edge.xlsx", wb, settings=settings, spare_rows=3)
    stripped = strip_cached_values(src, tmp_path / "edge_nocache.xlsx")
    (out,) = recalculate_many([stripped], tmp_path / "lo")
    read_rows = list(read_settore_workbook(src).workbook.rows)
    _check(out, read_rows, settings)
    got = _values(out)
    assert got[2]["achievement"] == pytest.approx(75)  # GZOOM: (2·10 − 12,5)/10
    assert got[10]["achievement"] == 100
    assert got[11]["achievement"] in (None, "")  # a spare row stays empty, no error value
