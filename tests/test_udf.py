"""The xlwings UDFs, called as plain Python, against values known without perf_xl: the % Ragg and
area scores published in the Relazione 2022 (carried by the shipped workbooks) and cases by hand."""

import math
from collections import defaultdict

import pytest

from conftest import SHIPPED_2022
from perf_xl import udf
from perf_xl.io.reader import read_settore_workbook


@pytest.fixture(scope="module")
def books():
    return [read_settore_workbook(p).workbook for p in sorted(SHIPPED_2022.glob("*.xlsx"))]


@pytest.fixture(scope="module")
def rows(books):
    return [r for b in books for r in b.rows]


def _printed(pct: float) -> int:
    """A % Ragg as the Relazione prints it: rounded half up to an integer (93,75 -> 94, 97,5 -> 98)."""
    return math.floor(pct + 0.5)


def test_ragg_gives_the_published_ragg_on_every_row_of_the_relazione(rows):
    assert len(rows) == 139
    assert {r.polarity for r in rows} == {"crescente", "decrescente", "binario"}
    for r in rows:
        assert _printed(udf.PERF_RAGG(r.target, r.actual, r.polarity)) == r.published_achievement, r.source_ref


def test_whole_columns_in_one_call(rows):
    col = lambda key: [[getattr(r, key)] for r in rows]  # noqa: E731
    pcts = udf.PERF_RAGG(col("target"), col("actual"), col("polarity"))
    assert len(pcts) == len(rows) and all(len(p) == 1 for p in pcts)
    assert [_printed(p[0]) for p in pcts] == [r.published_achievement for r in rows]
    lights = udf.PERF_BAROMETRO(pcts)
    # the light of % Ragg as shown (an integer, half up)
    assert [x[0] for x in lights] == ["verde" if _printed(p[0]) >= 90 else "giallo" if _printed(p[0]) >= 60 else "rosso"
                                      for p in pcts]
    # a single polarity cell broadcasts over a column
    assert udf.PERF_RAGG([[10], [20]], [[5], [30]], "crescente") == [[50.0], [100.0]]


@pytest.mark.parametrize("atteso, consuntivo, polarita, ragg, scostamento", [
    (60, 45, "crescente", 75, -15),  # 45 / 60
    (60, 90, "crescente", 100, 30),  # above the target: 100, not 150
    (15, 12, "decrescente", 100, 3),  # lower is better: within the target
    (10, 12.5, "decrescente", 80, -2.5),  # 10 / 12,5 (settings.toml: decreasing_ratio = "plain")
    (10, 0, "decrescente", 100, 10),
    (1, 1, "binario", 100, 0),
    (1, 0, "binario", 0, -1),
    (0, 5, "crescente", "", 5),  # a crescente target of 0 has no % Ragg: an empty cell
    (60, 45, " Crescente ", 75, -15),  # as a dirigente may type it
])
def test_hand_computed_ragg_and_scostamento(atteso, consuntivo, polarita, ragg, scostamento):
    assert udf.PERF_RAGG(atteso, consuntivo, polarita) == pytest.approx(ragg)
    assert udf.PERF_SCOSTAMENTO(atteso, consuntivo, polarita) == pytest.approx(scostamento)


@pytest.mark.parametrize("ragg, barometro", [(100, "verde"), (90, "verde"), (89.5, "verde"), (89.49, "giallo"),
                                             (86.33, "giallo"), (60, "giallo"), (59.5, "giallo"), (59.49, "rosso"),
                                             (0, "rosso"), ("", ""), ("errore", "errore")])
def test_hand_computed_barometro(ragg, barometro):
    """settings.toml: verde from 90, giallo from 60, on % Ragg as shown: 89,5 reads «90» and is verde."""
    assert udf.PERF_BAROMETRO(ragg) == barometro


def test_barometro_takes_the_workbooks_thresholds_and_peso():
    assert udf.PERF_BAROMETRO(93.75, 95, 80) == "giallo"  # the workbook's perf_verde, perf_giallo
    assert udf.PERF_BAROMETRO(93.75, None, None) == "verde"  # not given: this PC's settings
    assert udf.PERF_BAROMETRO(0, 90, 60, 0) == "neutralizzato"  # peso 0: does not count, not red
    assert udf.PERF_BAROMETRO("", 90, 60, 0) == "neutralizzato"
    assert udf.PERF_BAROMETRO(0, 90, 60, None) == "rosso"  # a blank peso is not 0
    assert udf.PERF_BAROMETRO("errore", 90, 60, 0) == "errore"  # a fault stays visible
    assert udf.PERF_BAROMETRO(50, 60, 90) == "#VALUE!"  # giallo above verde: no rule accepts it
    assert udf.PERF_RAGG(10, 12.5, "decrescente", "gzoom") == pytest.approx(75)  # perf_decrescente
    assert udf.PERF_RAGG(10, 12.5, "decrescente", "plain") == pytest.approx(80)


def test_hand_computed_objective_and_area():
    # (30 × 75 + 70 × 100) / 100; the row of another objective and a row without % Ragg do not count
    pesi, ragg, codici = [[30], [70], [50], [20]], [[75], [100], [10], [None]], [["OB1"], ["OB1"], ["OB2"], ["OB1"]]
    assert udf.PERF_OBIETTIVO(pesi, ragg, codici, "OB1") == pytest.approx(92.5)
    assert udf.PERF_OBIETTIVO(pesi, ragg, codici, "OB2") == pytest.approx(10)
    assert udf.PERF_OBIETTIVO([[0], [100]], [[0], [80]]) == pytest.approx(80)  # peso 0: neutralised
    assert udf.PERF_AREA([[92.5], [100], [80], [None]]) == pytest.approx(272.5 / 3)  # plain mean of the scored


def test_area_scores_are_the_published_ones(books, rows):
    """Seven areas give the published score to the hundredth; the two that do not are the ones the
    README explains (Opere pubbliche gives 100 only without OB14 and OB17)."""
    published = {a.name: a.published for b in books for a in b.areas}
    codes = defaultdict(dict)  # area -> its objective codes, in order
    for r in rows:
        codes[r.area][r.objective_code] = None
    col = lambda key: [[getattr(r, key)] for r in rows]  # noqa: E731
    pesi, codici = col("weight"), col("objective_code")
    ragg = udf.PERF_RAGG(col("target"), col("actual"), col("polarity"))

    def area(name, leave_out=()):
        return udf.PERF_AREA([[udf.PERF_OBIETTIVO(pesi, ragg, codici, c)] for c in codes[name] if c not in leave_out])

    assert len(codes) == len(published) == 9
    differ = {}
    for name, pub in published.items():
        if round(area(name), 2) != pub:
            differ[name] = (round(area(name), 2), pub)
    assert differ == {"LINEA STRATEGICA SULLE OPERE PUBBLICHE": (99.64, 100.0),
                      "LINEA STRATEGICA SULLO SVILUPPO DELLA COMUNITA'": (98.30, 98.74)}
    assert area("LINEA STRATEGICA SULLE OPERE PUBBLICHE", leave_out=("OB14", "OB17")) == pytest.approx(100)


@pytest.mark.parametrize("args", [("", 5, "crescente"), (10, None, "crescente"), (None, "24,29", "alto")])
def test_blank_inputs_give_an_empty_cell(args):
    """Nothing to compute yet (atteso or consuntivo blank), whatever else the row holds."""
    assert udf.PERF_RAGG(*args) == ""
    assert udf.PERF_SCOSTAMENTO(*args) == ""


@pytest.mark.parametrize("args", [("24,29", 5, "crescente"), (10, "5", "crescente"), (10, 5, "alto"), (10, 5, ""),
                                  (10, 5, "decrescènte"), (True, 1, "binario"), (10, 5, "\tcrescente")])
def test_text_numbers_and_unknown_polarities_give_the_mark(args):
    """A number typed as text is not a number, and the polarity is one of the list (spaces and
    case aside): as in the native formulas, the cell shows «errore», not an Excel error."""
    assert udf.PERF_RAGG(*args) == "errore"
    assert udf.PERF_SCOSTAMENTO(*args) == "errore"


def test_errors_stay_in_their_cell_of_a_column():
    got = udf.PERF_RAGG([[10], ["x"], [10]], [[5], [5], [None]], [["crescente"]] * 3)
    assert got == [[50.0], ["errore"], [""]]
    assert udf.PERF_BAROMETRO("verde") == "#VALUE!"
    assert udf.PERF_OBIETTIVO([[50], [50]], [[100], [None]]) == 100


def test_an_error_marks_only_its_objective():
    pesi, ragg, codici = [[50], ["x"], [40], [60]], [[100], [100], ["errore"], [80]], [["A"], ["A"], ["B"], ["B"]]
    assert udf.PERF_OBIETTIVO(pesi, ragg, codici, "A", 2) == "errore: riga 3"  # a peso typed as text
    assert udf.PERF_OBIETTIVO(pesi, ragg, codici, "B", 2) == "errore: riga 4"  # a row marked «errore»
    assert udf.PERF_OBIETTIVO([[50], [50], [100]], [[100], [50], [100]], [["A"], ["A"], ["C"]], "C", 2) == 100
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
