"""The xlwings UDFs, called as plain Python: the same values as the core on every shipped row."""

import pytest

from conftest import SHIPPED_2022
from perf_xl import udf
from perf_xl.app.consolidate import consolidate_folder
from perf_xl import scoring
from perf_xl.io.reader import read_settore_workbook


@pytest.fixture(scope="module")
def rows():
    return [r for p in sorted(SHIPPED_2022.glob("*.xlsx")) for r in read_settore_workbook(p).workbook.rows]


def test_single_cells_equal_the_core_on_every_row(rows, settings):
    assert len(rows) == 139
    for r in rows:
        pct = scoring.achievement(r.target, r.actual, r.polarity, settings)
        assert udf.PERF_RAGG(r.target, r.actual, r.polarity) == pytest.approx(pct)
        assert udf.PERF_SCOSTAMENTO(r.target, r.actual, r.polarity) == pytest.approx(
            scoring.deviation(r.target, r.actual, r.polarity))
        assert udf.PERF_BAROMETRO(pct) == scoring.traffic_light(pct, settings)


def test_whole_columns_in_one_call(rows, settings):
    col = lambda key: [[getattr(r, key)] for r in rows]  # noqa: E731
    pcts = udf.PERF_RAGG(col("target"), col("actual"), col("polarity"))
    assert [p[0] for p in pcts] == pytest.approx(
        [scoring.achievement(r.target, r.actual, r.polarity, settings) for r in rows])
    lights = udf.PERF_BAROMETRO(pcts)
    assert [x[0] for x in lights] == [scoring.traffic_light(p[0], settings) for p in pcts]
    # a single polarity cell broadcasts over a column
    assert udf.PERF_RAGG([[10], [20]], [[5], [30]], "crescente") == [[50.0], [100.0]]


def test_objective_and_area_scores_equal_the_consolidation(rows):
    c = consolidate_folder(SHIPPED_2022)
    weights = [[r.weight] for r in rows]
    pcts = udf.PERF_RAGG([[r.target] for r in rows], [[r.actual] for r in rows], [[r.polarity] for r in rows])
    codes = [[r.objective_code] for r in rows]
    for area in c.areas:
        scores = []
        for o in area.objectives:
            got = udf.PERF_OBIETTIVO(weights, pcts, codes, o.code)
            assert got == pytest.approx(o.score), o.code
            scores.append([got])
        assert udf.PERF_AREA(scores) == pytest.approx(area.score)


@pytest.mark.parametrize("args", [("", 5, "crescente"), (10, None, "crescente"), ("24,29", 5, "crescente"),
                                  (10, 5, "alto"), (10, 5, ""), (True, 1, "binario")])
def test_blank_and_text_inputs_give_an_excel_error(args):
    assert udf.PERF_RAGG(*args) == "#VALUE!"
    assert udf.PERF_SCOSTAMENTO(*args) == "#VALUE!"


def test_errors_stay_in_their_cell_of_a_column():
    got = udf.PERF_RAGG([[10], ["x"], [10]], [[5], [5], [None]], [["crescente"]] * 3)
    assert got == [[50.0], ["#VALUE!"], ["#VALUE!"]]
    assert udf.PERF_BAROMETRO("verde") == "#VALUE!"
    assert udf.PERF_OBIETTIVO([[50], ["x"]], [[100], [100]]) == "#VALUE!"
    assert udf.PERF_OBIETTIVO([[50], [50]], [[100], [None]]) == 100
    assert udf.PERF_RAGG([[1], [2]], [[1], [2], [3]], "crescente") == "#VALUE!"  # ranges of different sizes


def test_udfs_follow_the_settings_file(tmp_path, monkeypatch):
    f = tmp_path / "s.toml"
    f.write_text('decreasing_ratio = "gzoom"\n[traffic_light]\ngreen = 95\nyellow = 80\n', encoding="utf-8")
    monkeypatch.setenv("PERF_XL_SETTINGS", str(f))
    udf.settings.cache_clear()
    try:
        assert udf.PERF_RAGG(10, 12.5, "decrescente") == pytest.approx(75)
        assert udf.PERF_BAROMETRO(90) == "giallo"
    finally:
        udf.settings.cache_clear()


def test_udfs_have_italian_docstrings():
    for f in udf.UDFS:
        assert f.__name__.startswith("PERF_") and "." not in f.__name__
        assert f.__doc__ and any(w in f.__doc__ for w in ("raggiungimento", "Punteggio", "Scostamento", "Barometro"))
