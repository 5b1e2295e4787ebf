"""Import then consolidate: the seed's published scores, and a second Relazione."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SHIPPED_2022, VALDORIA, tree_hashes
from perf_xl.cli import main
from perf_xl.app.consolidate import consolidate_folder
from perf_xl.wording import short_area_name
from perf_xl.app.importer import import_relazione
from perf_xl.io.reader import read_settore_workbook
from perf_xl.app.importer import read_relazione_text
from perf_xl.core.relazione.parser import parse_relazione

REPRODUCED = {"Ambiente": 96.25, "Rigenerazione urbana": 100, "Smart city e PA efficiente": 100,
              "Formazione, ricerca, cultura": 100, "Sport": 86.33, "Efficientamento dei servizi": 100,
              "Obiettivi di mandato": 96.57}


def test_consolidate_shipped_workbooks_cli(tmp_path):
    before = tree_hashes(SHIPPED_2022)
    out, js = tmp_path / "Relazione_2022.xlsx", tmp_path / "s.json"
    result = CliRunner().invoke(main, ["consolidate", "--out", str(out), "--json", str(js)])
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text(encoding="utf-8"))
    scores = {a["short_name"]: a["score"] for a in data["areas"]}
    for name, value in REPRODUCED.items():
        assert scores[name] == value, name
    assert data["totals"] == {"areas": 9, "objectives": 63, "indicators": 139}
    assert "Ambiente" in result.output and str(out.resolve()) in result.output
    assert out.exists()
    assert tree_hashes(SHIPPED_2022) == before  # the sources are never modified


def test_non_reproducing_areas_are_explained(tmp_path):
    c = consolidate_folder(SHIPPED_2022)
    by = {short_area_name(a.name): a for a in c.areas}
    op, sc = by["Opere pubbliche"], by["Sviluppo della comunità"]
    assert (op.published, round(op.score, 2), op.reproduces) == (100, 99.64, False)
    assert (sc.published, round(sc.score, 2), sc.reproduces) == (98.74, 98.30, False)
    text = "\n".join(op.explanation)
    assert "Rete bibliotecaria" in text and "riga 93" in text and "riga 101" in text
    text = "\n".join(sc.explanation)
    assert "pesi sommano a 82" in text and "righe 226–228" in text and "riga 211" in text
    for a in c.areas:
        assert bool(a.explanation) == (a.reproduces is False)


def test_shipped_workbooks_equal_a_fresh_import(seed_path, tmp_path):
    result = import_relazione(seed_path, tmp_path, year=2022)
    assert sorted(p.name for p in result.written) == sorted(p.name for p in SHIPPED_2022.glob("*.xlsx"))
    for p in result.written:
        fresh = read_settore_workbook(p).workbook
        shipped = read_settore_workbook(SHIPPED_2022 / p.name).workbook
        assert fresh.rows == shipped.rows and fresh.areas == shipped.areas and fresh.info == shipped.info


def test_every_seed_row_is_in_the_workbooks_once(seed_path):
    """Each indicator line of the published Relazione is in the shipped workbooks exactly once, in its
    area, with the published atteso, consuntivo, peso and % Ragg; no workbook row comes from elsewhere."""
    seed = parse_relazione(read_relazione_text(seed_path), str(seed_path))
    c = consolidate_folder(SHIPPED_2022)
    rows = [i.row for a in c.areas for o in a.objectives for i in o.indicators]
    refs = [r.source_ref for r in rows]
    assert len(refs) == len(set(refs)) == len(seed.rows) == 139
    by_ref = dict(zip(refs, rows))
    for s in seed.rows:
        w = by_ref[f"riga {s.line}"]
        assert (w.area, w.indicator, w.target, w.actual, w.weight, w.published_achievement) == \
            (s.area, s.indicator, s.target, s.actual, s.weight, s.published_achievement), f"riga {s.line}"


def test_consolidation_validates_in_the_same_pass():
    c = consolidate_folder(SHIPPED_2022)
    # the one error of the shipped 2022 data is reported: OB43's weights sum to 82
    assert [(Path(f.file).name, f.code, f.cell, f.value) for f in c.findings] == \
        [("2022_settore-polizia-locale.xlsx", "pesi-somma", "O6:O8", 82)]
    assert "OB43" in c.findings[0].message and "sommano a 82 invece di 100" in c.findings[0].message
    assert c.complete


def test_second_relazione_round_trip(tmp_path):
    expected = json.loads(VALDORIA.with_suffix(".expected.json").read_text(encoding="utf-8"))
    runner = CliRunner()
    r = runner.invoke(main, ["import-relazione", str(VALDORIA), "--out", str(tmp_path / "wb")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "wb").glob("2023_*.xlsx"))) == len(expected["settori"])
    r = runner.invoke(main, ["consolidate", str(tmp_path / "wb"), "--out", str(tmp_path / "R.xlsx"),
                             "--json", str(tmp_path / "r.json")])
    assert r.exit_code == 0, r.output
    got = {a["name"]: a for a in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["areas"]}
    for area in expected["areas"]:
        g = got[area["heading"]]
        assert g["score"] == pytest.approx(area["computed"], abs=0.005)
        assert (g["objectives"], g["indicators"]) == (area["objectives"], area["indicators"])
        assert g["reproduces"] is area["consistent"]
        assert bool(g["explanation"]) is (not area["consistent"])


def test_summary_workbook_layout(tmp_path):
    import openpyxl

    from perf_xl.io.summary import write_summary_workbook

    c = consolidate_folder(SHIPPED_2022)
    out = write_summary_workbook(tmp_path / "R.xlsx", c)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Sintesi" and wb.sheetnames[-1] == "Note e anomalie"
    assert len(wb.sheetnames) == 11
    ws = wb["Sintesi"]
    header = [c.value for c in ws[4]]
    assert header[:10] == ["N.", "Area", "Linea strategica", "Obiettivi", "Indicatori", "di cui neutralizzati",
                           "% Raggiungimento", "Barometro", "% pubblicata", "Differenza"]
    at = {label: i for i, label in enumerate(header)}
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, max_row=13, values_only=True)}
    assert rows["Sport"][at["% Raggiungimento"]] == 86.33
    assert rows["Sport"][at["Barometro"]] == "giallo"
    assert rows["Opere pubbliche"][at["Verifica"]] == "NON riprodotto"
    assert ws["H11"].fill.fgColor.rgb.endswith("FFD966")  # Sport's barometro is a yellow cell
    assert len(ws._charts) == 1
    sport = wb["Sport"]
    labels = [r[0] for r in sport.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("Punteggio obiettivo")]
    assert len(labels) == 3
    assert [c.value for c in sport[4]][:3] == ["Responsabile", "Settore", "Obiettivo"]


def test_empty_folder_is_reported_not_crashed(tmp_path):
    """A folder without workbooks is a wrong folder: exit 2, nothing written (issue 10)."""
    r = CliRunner().invoke(main, ["consolidate", str(tmp_path), "--out", str(tmp_path / "R.xlsx")])
    assert r.exit_code == 2
    assert "Nessuna cartella di lavoro" in r.output
    assert not list(tmp_path.iterdir())


def test_broken_workbook_does_not_stop_the_others(tmp_path):
    import shutil

    for p in list(SHIPPED_2022.glob("*.xlsx"))[:3]:
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "rotto.xlsx").write_bytes(b"questo non e' un file excel")
    (tmp_path / "~$aperto.xlsx").write_bytes(b"lock")
    c = consolidate_folder(tmp_path)
    assert len(c.files) == 4  # the lock file is skipped
    bad = [f for f in c.findings if f.code == "file-non-excel"]
    assert len(bad) == 1 and bad[0].file.endswith("rotto.xlsx")
    assert c.indicator_count > 0


def test_without_detail_an_objective_still_names_every_line(settings):
    """Above 100 workbooks the parts keep one string per objective, but it lists every line (no "…")."""
    import dataclasses

    import workbook_factory as wf
    from perf_xl.core.consolidation import objective_parts

    rows = [dataclasses.replace(r, file="/x/a.xlsx", row=n) for n, r in zip((2, 3, 7), wf.clean_rows())]
    rows = [dataclasses.replace(r, objective_code="OB01", objective="Obiettivo uno") for r in rows]
    (part,) = objective_parts(rows, settings, detail=False)
    assert part.refs == ("a.xlsx r. 2, 3, 7",)
    sourced = [dataclasses.replace(r, source_ref=f"riga {r.row}") for r in rows]
    (part,) = objective_parts(sourced, settings, detail=False)
    assert part.refs == ("riga 2, riga 3, riga 7",)


def test_explanation_counts_objectives_with_the_right_article(settings):
    import dataclasses

    import workbook_factory as wf
    from perf_xl.core.consolidation import consolidate
    from perf_xl.model import AreaInfo

    def explain(n):
        rows = [dataclasses.replace(wf.row(), objective_code=f"OB{k}", objective=f"Obiettivo {k}", weight=100.0,
                                    file="/x/a.xlsx", row=k + 1) for k in range(n)]
        (area,) = consolidate(rows, [AreaInfo(1, wf.AREA, 85.0)], settings)
        return area.explanation[0]

    assert "la media degli 8 obiettivi" in explain(8)
    assert "la media degli 11 obiettivi" in explain(11)
    assert "la media dei 9 obiettivi" in explain(9)
    assert "un solo obiettivo, che ha punteggio 90,00 invece di 85,00" in explain(1)
    assert "contro 85,00 % pubblicato" in explain(2)


def test_explanation_says_all_85_percent(settings):
    import dataclasses

    import workbook_factory as wf
    from perf_xl.core.consolidation import consolidate
    from perf_xl.model import AreaInfo

    rows = [dataclasses.replace(wf.row(), objective_code=f"OB{k}", objective=f"Obiettivo {k}", weight=100.0,
                                actual=actual, file="/x/a.xlsx", row=k + 1) for k, actual in enumerate((8.5, 10.0))]
    (area,) = consolidate(rows, [AreaInfo(1, wf.AREA, 95.0)], settings)
    assert any("all'85,00 % sotto il pubblicato" in line for line in area.explanation), area.explanation


def test_area_names_are_matched_as_a_person_reads_them():
    from perf_xl.core.consolidation import area_key, area_order
    from perf_xl.model import AreaInfo

    same = ["LINEA STRATEGICA SULL'AMBIENTE", "LINEA STRATEGICA SULL\u2019AMBIENTE", "linea strategica sull'ambiente",
            "  LINEA\u00a0STRATEGICA   SULL' AMBIENTE ", "Linea Strategica Sull\u2018Ambiente"]
    assert len({area_key(n) for n in same}) == 1
    assert area_key("LINEA STRATEGICA SULLO SPORT") != area_key(same[0])
    order = area_order(["linea strategica sull\u2019ambiente", "ALTRO"], [AreaInfo(3, same[0], 96.25)])
    assert order == [("linea strategica sull\u2019ambiente", AreaInfo(3, same[0], 96.25)),
                     ("ALTRO", AreaInfo(4, "ALTRO", None))]


def test_explanations_write_numbers_as_a_person_does(settings):
    import dataclasses

    import workbook_factory as wf
    from perf_xl.core.consolidation import consolidate
    from perf_xl.model import AreaInfo

    rows = wf.clean_rows()[:2]
    rows = [dataclasses.replace(rows[0], weight=20.2), dataclasses.replace(rows[1], weight=20.4,
                                                                           published_achievement=93.5)]
    (area,) = consolidate(rows, [AreaInfo(1, wf.AREA, 50.0)], settings)
    text = " ".join(area.explanation)
    assert "i pesi sommano a 40,6 invece di 100" in text and "40.6" not in text
    assert "% Ragg pubblicata 93,5 ma" in text


def test_an_objective_split_across_workbooks_reads_the_same_every_time():
    """An area's objectives are merged from the stored parts each time they are read (the area's score,
    then the Relazione, then the JSON): the merge never changes the stored parts, so the second read
    gives what the first gave, not the halves added twice."""
    from perf_xl.core.consolidation import Objectives, objective_parts, scorer
    from perf_xl.model import IndicatorRow
    from perf_xl.settings import load_settings

    settings = load_settings()

    def row(file: str, n: int, weight: float, actual: float) -> IndicatorRow:
        return IndicatorRow(area="A", objective_code="OB1", objective="Obiettivo", responsabile="R", settore="S",
                            indicator=f"I{n}", polarity="crescente", target=100.0, actual=actual, weight=weight,
                            file=file, row=n)

    chunks = [objective_parts([row("a.xlsx", 2, 60, 100)], settings),
              objective_parts([row("b.xlsx", 2, 40, 50)], settings)]
    objectives = Objectives(lambda: chunks, scorer(settings))
    first, second = list(objectives), list(objectives)
    assert first == second and len(objectives) == 1
    (o,) = first
    assert o.score == 80 and o.indicator_count == 2 and o.weight_sum == 100
    assert [len(c[0].indicators) for c in chunks] == [1, 1]  # the stored parts are as they were
