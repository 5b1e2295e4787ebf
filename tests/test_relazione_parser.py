"""Reading the published text layout: the seed and a second Relazione of our own."""

import json
from collections import Counter

import pytest

from conftest import VALDORIA
from perf_xl.app.importer import read_relazione_text
from perf_xl.core.relazione.parser import parse_relazione, to_indicator_rows


@pytest.fixture(scope="module")
def seed(seed_path):
    rel = parse_relazione(read_relazione_text(seed_path), str(seed_path))
    rows, findings = to_indicator_rows(rel)
    return rel, rows, findings


def test_seed_counts(seed):
    rel, rows, _ = seed
    assert rel.year == 2022 and rel.comune == "Cremona"
    assert len(rel.areas) == 9
    assert len(rows) == 139
    assert len({(r.area, r.objective_code) for r in rows}) == 63


def test_seed_published_area_scores(seed):
    rel, _, _ = seed
    assert [a.published for a in rel.areas] == [96.25, 100, 100, 100, 100, 98.74, 86.33, 100, 96.57]


def test_shifted_rows_are_aligned(seed):
    _, rows, findings = seed
    by_line = {r.row: r for r in rows}
    # 308: two extra leading fields, Responsabile in the 3rd field
    assert by_line[308].responsabile == "Secchi Tania Antonella"
    assert by_line[308].objective.startswith("Riorganizzazione depositi")
    assert (by_line[308].target, by_line[308].actual, by_line[308].weight) == (500, 1200, 100)
    # 106: leading Responsabile/Settore missing, carried from above
    assert by_line[106].objective.startswith("Rinnovo delle concessioni")
    assert by_line[106].settore == by_line[105].settore
    # 263: Note missing
    assert (by_line[263].weight, by_line[263].published_achievement) == (100, 100)
    # 43: an extra empty field after Note
    assert (by_line[43].weight, by_line[43].published_achievement) == (33, 100)
    # 313: one field short: indicator, formula and finalità aligned right
    assert by_line[313].indicator == "Rilascio autorizzazioni via mail"
    assert {106, 263, 287, 308, 313}.issubset({f.row for f in seed[0].findings if f.code == "riga-spostata"})


def test_blank_cells_mean_same_as_above_across_pages(seed):
    _, rows, _ = seed
    by_line = {r.row: r for r in rows}
    assert by_line[42].responsabile == "Venturi Marina"  # first row after a page header
    assert by_line[171].objective.startswith('Sportello "Cremona Città Universitaria"')
    # the Definizione split by the page break is joined
    assert "Welcome Student Card" in by_line[167].definizione


def test_latex_formula_kept_verbatim(seed):
    _, rows, _ = seed
    latex = [r.formula for r in rows if r.formula.startswith("$")]
    assert latex and all(f.endswith("$") for f in latex)
    assert any(r"N^{\circ}" in f for f in latex)


def test_polarity_inference(seed):
    _, rows, findings = seed
    by_line = {r.row: r for r in rows}
    assert by_line[154].polarity == "decrescente"  # Foodinsider: 10 -> 2, scostamento +8
    assert by_line[29].polarity == "binario"
    assert by_line[93].polarity == "crescente"
    assert Counter(r.polarity for r in rows)["decrescente"] == 1
    bad = sorted(f.row for f in findings if f.code == "scostamento-incoerente")
    assert bad == [164, 220, 221, 222, 228]


def test_second_relazione_matches_its_answer_key():
    expected = json.loads(VALDORIA.with_suffix(".expected.json").read_text(encoding="utf-8"))
    rel = parse_relazione(read_relazione_text(VALDORIA), str(VALDORIA))
    rows, findings = to_indicator_rows(rel)
    assert rel.year == expected["year"]
    assert len(rows) == expected["total_indicators"]
    assert len({(r.area, r.objective_code) for r in rows}) == expected["total_objectives"]
    assert [a.heading for a in rel.areas] == [a["heading"] for a in expected["areas"]]
    assert [a.published for a in rel.areas] == [a["published"] for a in expected["areas"]]
    assert sorted({r.settore for r in rows}) == sorted(expected["settori"])
    assert sorted(r.row for r in rows if r.polarity == "decrescente") == expected["decrescente_lines"]
    assert sorted(r.row for r in rows if r.polarity == "binario") == expected["binary_lines"]
    assert sorted(f.row for f in findings if f.code == "scostamento-incoerente") == \
        expected["inconsistent_scostamento_lines"]
    assert [r.row for r in rows if r.weight == 0] == expected["neutralised_lines"]
    assert not [f for f in rel.findings if f.severity == "errore"]


def test_windows_line_endings_bom_and_unreadable_lines():
    text = VALDORIA.read_text(encoding="utf-8")
    crlf = "\ufeff" + text.replace("\n", "\r\n") + "\r\nriga\tspezzata\tsenza numeri\r\n"
    rel = parse_relazione(crlf, "x.txt")
    plain = parse_relazione(text, "x.txt")
    assert rel.rows == plain.rows
    unread = [f for f in rel.findings if f.code == "riga-non-letta"]
    assert len(unread) == 1 and unread[0].cell.startswith("riga ")
