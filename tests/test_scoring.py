"""The rules of domain.md, on the seed's own examples."""

import pytest

from perf_xl import scoring
from perf_xl.settings import Settings, SettingsError

PLAIN = Settings()
GZOOM = Settings(decreasing_ratio="gzoom")


def test_crescente_is_ratio_capped_at_100():
    assert scoring.achievement(7, 41, "crescente", PLAIN) == 100
    assert scoring.achievement(80, 78, "crescente", PLAIN) == pytest.approx(97.5)  # Sport: unrounded 97,5
    assert scoring.achievement(50, 0, "crescente", PLAIN) == 0
    assert scoring.achievement(141554, 132706, "crescente", PLAIN) == pytest.approx(93.7494, abs=1e-4)


def test_crescente_never_below_zero_and_undefined_for_zero_target():
    assert scoring.achievement(10, -5, "crescente", PLAIN) == 0
    assert scoring.achievement(0, 5, "crescente", PLAIN) is None


def test_decrescente_foodinsider_and_both_ratios():
    assert scoring.achievement(10, 2, "decrescente", PLAIN) == 100  # Foodinsider: atteso 10, consuntivo 2
    assert scoring.deviation(10, 2, "decrescente") == 8
    assert scoring.achievement(10, 12.5, "decrescente", PLAIN) == pytest.approx(80)
    assert scoring.achievement(10, 12.5, "decrescente", GZOOM) == pytest.approx(75)
    assert scoring.achievement(10, 25, "decrescente", GZOOM) == 0


def test_binary():
    assert scoring.achievement(1, 1, "binario", PLAIN) == 100
    assert scoring.achievement(1, 0, "binario", PLAIN) == 0


def test_missing_values_give_none():
    assert scoring.achievement(1, None, "crescente", PLAIN) is None
    assert scoring.deviation(None, 3, "crescente") is None


def test_objective_score_is_weighted_and_ignores_neutralised():
    # Sport "Approvazione dei progetti": 20×100 + 40×97,5 + 40×0 = 59
    assert scoring.objective_score([(20, 100), (40, 97.5), (40, 0)]) == pytest.approx(59)
    # a neutralised indicator (peso 0) does not count
    assert scoring.objective_score([(35, 100), (35, 100), (0, 0), (30, 100), (0, 0)]) == 100
    # weights summing to 82 still give a weighted mean
    assert scoring.objective_score([(27, 100), (27, 100), (28, 100)]) == 100
    assert scoring.objective_score([(50, None), (50, 80)]) == 80
    assert scoring.objective_score([(0, 100)]) is None


def test_area_score_is_plain_mean():
    assert round(scoring.area_score([100, 59, 100]), 2) == 86.33
    assert scoring.area_score([None, 90]) == 90
    assert scoring.area_score([]) is None


def test_traffic_light_thresholds_are_settings():
    assert [scoring.traffic_light(x, PLAIN) for x in (100, 90, 89.99, 60, 59.9, None)] == [
        "verde", "verde", "giallo", "giallo", "rosso", None]
    strict = Settings(green=95, yellow=80)
    assert scoring.traffic_light(90, strict) == "giallo"


def test_invalid_settings_are_refused():
    with pytest.raises(SettingsError):
        Settings(decreasing_ratio="other")
    with pytest.raises(SettingsError):
        Settings(green=50, yellow=60)


@pytest.mark.parametrize("spelling", ["DECRESCENTE", "decrescente ", " Decrescente", "decrescente"])
def test_polarity_is_scored_as_the_dirigente_meant(spelling):
    s = Settings()
    assert scoring.normal_polarity(spelling) == "decrescente"
    assert scoring.achievement(30, 25, spelling, s) == 100.0
    assert scoring.deviation(30, 25, spelling) == 5
    assert scoring.normal_polarity(None) == ""


@pytest.mark.parametrize("text, words", [
    ('decreasing_ratio = "boh"\n', ["decreasing_ratio", "«boh»", "«plain» e «gzoom»"]),
    ('[traffic_light]\ngreen = 50\nyellow = 70\n', ["traffic_light.yellow (70)", "traffic_light.green (50)"]),
    ('[traffic_light]\nyellow = "basso"\n', ["traffic_light.yellow", "«basso»", "numero"]),
    ('[traffic_light.colors]\nverde = "verde"\n', ["traffic_light.colors.verde", "esadecimale"]),
    ('[traffic_light]\nrosso = 10\n', ["traffic_light.rosso", "traffic_light.green, traffic_light.yellow"]),
    ('decreasing_ratio = 1 2\n', ["TOML", "riga 1"]),
])
def test_settings_errors_name_the_key_and_the_allowed_values_in_italian(text, words):
    from perf_xl.settings import parse_settings

    with pytest.raises(SettingsError) as err:
        parse_settings(text)
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "must" not in message and "one of" not in message


def test_weights_sum_to_100_to_the_hundredth():
    assert scoring.weights_sum_to_100(100) and scoring.weights_sum_to_100(33.333 * 3)
    assert scoring.weights_sum_to_100(sum([33.33, 33.33, 33.34]))
    assert not scoring.weights_sum_to_100(99.99) and not scoring.weights_sum_to_100(82)
    assert not scoring.weights_sum_to_100(100.01)


# --- what a cell shows: the rule every engine follows (tests/test_engines.py compares them) -----

@pytest.mark.parametrize("typed, meant", [("decrescente", "decrescente"), ("  DECRESCENTE ", "decrescente"),
                                          ("Binario", "binario"), ("decrescènte", "decrescènte"),
                                          ("crescente\t", "crescente\t"), ("\u00a0crescente", "\u00a0crescente"),
                                          (None, ""), (5, "")])
def test_polarity_ignores_spaces_and_case_only(typed, meant):
    """As Excel's TRIM and LOWER: the space character and case; not tabs, non-breaking spaces, accents."""
    assert scoring.normal_polarity(typed) == meant


def test_row_cells_blank_invalid_neutralised():
    cells = lambda *a: scoring.row_cells(*a, PLAIN, "errore")  # noqa: E731
    assert cells(10, None, "alto", 50) == scoring.RowCells(None, None, None)  # nothing to compute yet
    assert cells(10, "24,29", "crescente", 50) == scoring.RowCells("errore", "errore", "errore")
    assert cells(10, True, "binario", 50) == scoring.RowCells("errore", "errore", "errore")
    assert cells(10, 5, "alto", 50) == scoring.RowCells("errore", "errore", "errore")
    assert cells(50, 0, "crescente", 0) == scoring.RowCells(0.0, -50, "neutralizzato")
    assert cells(50, None, "crescente", 0).traffic_light == "neutralizzato"
    assert cells(50, 0, "crescente", None).traffic_light == "rosso"  # a blank peso is not 0
    assert cells(100, 89.6, " Crescente", 100).traffic_light == "verde"  # shown "90"
    assert cells(100, 89.4, "crescente", 100).traffic_light == "giallo"  # shown "89"


def test_objective_cell_names_the_first_bad_row():
    cell = lambda rows: scoring.objective_cell(rows, "errore", "errore: riga {row}")  # noqa: E731
    assert cell([(2, 30, 75.0), (3, 70, 100.0), (4, 20, None)]) == pytest.approx(92.5)
    assert cell([(2, 30, 75.0), (3, 70, "errore"), (4, "20", 50.0)]) == "errore: riga 3"
    assert cell([(2, "30", 75.0), (3, 70, 100.0)]) == "errore: riga 2"  # a peso typed as text
    assert cell([(2, 0, 0.0), (3, 100, 80.0)]) == pytest.approx(80)  # neutralised: does not count
    assert cell([(2, 50, None)]) is None
