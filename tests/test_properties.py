"""Properties of the rules, and import -> consolidate round trips of generated Relazioni (hypothesis)."""

import dataclasses
import random

from hypothesis import HealthCheck, assume, given, settings as hsettings, strategies as st

from perf_xl import scoring
from perf_xl.core.consolidation import consolidate
from perf_xl.app.importer import build_settore_workbooks
from perf_xl.model import AreaInfo
from perf_xl.core.relazione.parser import parse_relazione, to_indicator_rows
from perf_xl.schema import load_schema
from perf_xl.settings import Settings
from relazione_writer import Ind, Obj, render

PLAIN, GZOOM = Settings(), Settings(decreasing_ratio="gzoom")
values = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
polarities = st.sampled_from(["crescente", "decrescente", "binario"])
ratios = st.sampled_from([PLAIN, GZOOM])


@given(values, values, polarities, ratios)
def test_achievement_is_always_between_0_and_100(target, actual, polarity, s):
    pct = scoring.achievement(target, actual, polarity, s)
    assert pct is None or 0 <= pct <= 100


@given(values, values, values, ratios)
def test_raising_consuntivo_never_lowers_crescente_nor_raises_decrescente(target, a, b, s):
    lo, hi = sorted((a, b))
    up_lo, up_hi = (scoring.achievement(target, x, "crescente", s) for x in (lo, hi))
    if up_lo is not None:
        assert up_hi >= up_lo
    down_lo, down_hi = (scoring.achievement(target, x, "decrescente", s) for x in (lo, hi))
    assert down_hi <= down_lo


weighted = st.lists(st.tuples(st.floats(min_value=0.01, max_value=100), st.floats(min_value=0, max_value=100)),
                    min_size=1, max_size=8)


@given(weighted)
def test_objective_score_lies_between_its_indicators(pairs):
    score = scoring.objective_score(pairs)
    pcts = [p for _, p in pairs]
    assert min(pcts) - 1e-9 <= score <= max(pcts) + 1e-9


@given(weighted, st.floats(min_value=0.01, max_value=1000))
def test_scaling_all_weights_leaves_the_score_unchanged(pairs, k):
    scaled = [(w * k, p) for w, p in pairs]
    assert abs(scoring.objective_score(scaled) - scoring.objective_score(pairs)) < 1e-7


def _indicator(draw, n):
    pol = draw(st.sampled_from(["crescente", "crescente", "decrescente", "binario"]))
    if pol == "binario":
        return Ind(f"Indicatore {n}", pol, 1.0, float(draw(st.integers(0, 1))), 0)
    target = float(draw(st.integers(1, 2_000_000)))
    actual = float(draw(st.integers(0, 3_000_000)))
    if pol == "decrescente":
        assume(actual != target)  # a zero scostamento cannot tell decrescente from crescente
    return Ind(f"Indicatore {n}", pol, target, actual, 0)


@st.composite
def relazioni(draw):
    areas = []
    n = 0
    for a in range(draw(st.integers(1, 3))):
        objectives = []
        for o in range(draw(st.integers(1, 4))):
            inds = []
            k = draw(st.integers(1, 4))
            weights = [100 // k] * k
            weights[-1] += 100 - sum(weights)
            for w in weights:
                n += 1
                ind = _indicator(draw, n)
                inds.append(dataclasses.replace(ind, weight=float(w)))
            settore = draw(st.sampled_from(["Settore Alfa", "Settore Beta, Gamma e Delta", "Servizio Òmega"]))
            objectives.append(Obj(f"Obiettivo {a}.{o} – azione", f"Dirigente {settore[-5:]}", settore, inds))
        areas.append((f"LINEA STRATEGICA SUL TEMA {a + 1}", objectives))
    return areas, draw(st.integers(0, 10_000))


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(relazioni())
def test_import_then_consolidate_round_trips_any_generated_relazione(data):
    areas, seed = data
    text, published = render(areas, rng=random.Random(seed))
    rel = parse_relazione(text, "generata.txt")
    assert not [f for f in rel.findings if f.severity == "errore"], rel.findings
    rows, inference = to_indicator_rows(rel)
    assert not [f for f in inference if f.code == "scostamento-incoerente"]
    assert len(rows) == sum(len(o.indicators) for _, objs in areas for o in objs)
    books, _, _ = build_settore_workbooks(text, "generata.txt", 2024, load_schema())
    all_rows = [r for b in books for r in b.rows]
    result = consolidate(all_rows, [AreaInfo(a.number, a.heading, a.published) for a in rel.areas], PLAIN)
    for area in result:
        assert area.published == published[area.name]
        assert area.reproduces, (area.name, area.score, area.published, area.explanation)
