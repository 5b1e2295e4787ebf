"""The comparison of two years as a pure rule (core.comparison) and the reading of the previous JSON
(io.previous): matching, what is new and dropped, the notes, the sentence, the refusals."""

from __future__ import annotations

import json

import pytest

import workbook_factory as wf
from perf_xl.core.comparison import compare, partial, refusal
from perf_xl.core.consolidation import consolidate
from perf_xl.io.previous import PreviousNotUsable, read_previous_summary
from perf_xl.io.summary import summary_dict
from perf_xl.model import AreaInfo, RunResult

OTHER = "LINEA STRATEGICA SULLO SPORT"


def _areas(rows, settings, areas=((1, wf.AREA),)):
    return consolidate(rows, [AreaInfo(n, name, None) for n, name in areas], settings)


def _previous(rows, settings, year=2023, areas=((1, wf.AREA),), comune="Prova") -> dict:
    """A previous year's JSON as consolidate --json writes it (through the real writer's dict)."""
    c = RunResult(files=["x.xlsx"], areas=_areas(rows, settings, areas), year=year, comune=comune, detail=True)
    return json.loads(json.dumps(summary_dict(c)))


def _obj(code, name, *indicators, area=wf.AREA, actual=10.0):
    return [wf.row(objective_code=code, objective=name, indicator=i, area=area, target=10.0, actual=actual, weight=100.0 / len(indicators))
            for i in indicators]


def _by(comp, level):
    return {c.name: c for c in comp.walk() if c.level == level}


def test_an_objective_added_and_one_dropped(settings):
    before = _obj("OB01", "Uno", "Pratiche", "Tempi", actual=8.0) + _obj("OB02", "Due", "Regolamento")
    after = _obj("OB01", "Uno", "Pratiche", "Tempi", "Nuovo indicatore") + _obj("OB03", "Tre", "Sportello")
    comp = compare(_areas(after, settings), True, 2024, _previous(before, settings), "r2023.json", "Confronto")
    objs = _by(comp, "objective")
    assert (objs["Uno"].status, objs["Uno"].previous, objs["Uno"].current, objs["Uno"].change) == ("up", 80.0, 100.0, 20.0)
    assert objs["Tre"].status == "new" and objs["Tre"].previous is None and objs["Tre"].current == 100.0
    assert objs["Due"].status == "dropped" and objs["Due"].previous == 100.0 and objs["Due"].current is None
    # the dropped objective is listed after this year's, with its indicators
    area = comp.areas[0]
    assert [o.name for o in area.children] == ["Uno", "Tre", "Due"]
    assert [(i.name, i.status) for i in area.children[0].children] == [
        ("Pratiche", "up"), ("Tempi", "up"), ("Nuovo indicatore", "new")]
    assert [(i.name, i.status) for i in area.children[2].children] == [("Regolamento", "dropped")]
    # the peso changed from 50 to 33,33: said in a note
    assert objs["Uno"].children[0].notes == ("Il peso è passato da 50 a 33,33.",)
    assert comp.counts["objective"] == {"new": 1, "dropped": 1, "up": 1, "down": 0, "same": 0, "unscored": 0}
    assert comp.counts["indicator"]["new"] == 2 and comp.counts["indicator"]["dropped"] == 1
    assert comp.sentence == ("Confronto con il 2023 (foglio «Confronto»): 1 obiettivo nuovo e 1 eliminato; "
                             "2 indicatori nuovi e 1 eliminato; degli obiettivi presenti nei due anni: 1 migliorato.")


def test_code_first_then_name_and_a_name_wins_over_a_shifted_code(settings):
    """A code that changed is found by the name; a renamed objective by its code; when codes shift (a
    new objective numbered before the others) each objective follows its name, not its old code."""
    before = _obj("OB01", "Alfa", "a") + _obj("OB02", "Beta", "b") + _obj("OB07", "Gamma", "c")
    after = (_obj("OB01", "Nuovo in testa", "n") + _obj("OB02", "Alfa", "a") + _obj("OB03", "Beta", "b")
             + _obj("OB07", "Gamma rinominato", "c"))
    comp = compare(_areas(after, settings), True, 2024, _previous(before, settings), "p.json", "Confronto")
    objs = _by(comp, "objective")
    assert objs["Alfa"].previous_key == "OB01" and objs["Alfa"].notes == ("Nel 2023 aveva il codice OB01.",)
    assert objs["Beta"].previous_key == "OB02"
    assert objs["Gamma rinominato"].previous_name == "Gamma"
    assert objs["Gamma rinominato"].notes == ("Nel 2023 si chiamava «Gamma».",)
    assert objs["Nuovo in testa"].status == "new"
    assert comp.counts["objective"]["dropped"] == 0


def test_codes_and_names_as_a_person_reads_them(settings):
    before = _obj("OB1", "Piano  del VERDE", "Alberi piantati")
    after = _obj("ob01", "piano del verde", "ALBERI  PIANTATI")
    comp = compare(_areas(after, settings), True, 2024, _previous(before, settings), "p.json", "Confronto")
    (o,) = comp.areas[0].children
    assert o.status == "same" and o.children[0].status == "same"
    assert comp.counts["objective"]["new"] == comp.counts["indicator"]["new"] == 0


def test_areas_swapped_are_matched_by_name(settings):
    before = _obj("OB01", "Uno", "a") + _obj("OB02", "Due", "b", area=OTHER)
    comp = compare(_areas(before, settings, ((1, OTHER), (2, wf.AREA))), True, 2024,
                   _previous(before, settings, areas=((1, wf.AREA), (2, OTHER))), "p.json", "Confronto")
    sport, prova = comp.areas
    assert (sport.name, sport.key, sport.previous_key, sport.notes) == (OTHER, 1, 2, ("Nel 2023 era l'area n. 2.",))
    assert (prova.name, prova.key, prova.previous_key, prova.notes) == (wf.AREA, 2, 1, ("Nel 2023 era l'area n. 1.",))
    assert [o.status for a in comp.areas for o in a.children] == ["same", "same"]


def test_an_area_renamed_is_matched_by_number_and_an_objective_moved_says_where(settings):
    before = _obj("OB01", "Uno", "a") + _obj("OB02", "Due", "b", area=OTHER)
    renamed = "LINEA STRATEGICA SULLA PROVA GENERALE"
    after = _obj("OB01", "Uno", "a", area=renamed) + _obj("OB02", "Due", "b", area=renamed) + \
        _obj("OB05", "Cinque", "e", area=OTHER)
    comp = compare(_areas(after, settings, ((1, renamed), (2, OTHER))), True, 2024,
                   _previous(before, settings, areas=((1, wf.AREA), (2, OTHER))), "p.json", "Confronto")
    prova, sport = comp.areas
    assert (prova.key, prova.previous_key, prova.previous_name) == (1, 1, wf.AREA)
    assert prova.notes == (f"Nel 2023 si chiamava «{wf.AREA}».",)
    due_here = next(o for o in prova.children if o.name == "Due")
    due_there = next(o for o in sport.children if o.name == "Due")
    assert due_here.status == "new" and due_here.notes == ("Nel 2023 era nell'area «Sport».",)
    assert due_there.status == "dropped" and due_there.notes == ("Nel 2024 è nell'area «Prova generale».",)


def test_an_area_new_and_one_dropped(settings):
    before = _obj("OB01", "Uno", "a") + _obj("OB02", "Due", "b", area=OTHER)
    after = _obj("OB01", "Uno", "a") + _obj("OB03", "Tre", "c", area="LINEA STRATEGICA SULLA CULTURA")
    comp = compare(_areas(after, settings, ((1, wf.AREA), (3, "LINEA STRATEGICA SULLA CULTURA"))), True, 2024,
                   _previous(before, settings, areas=((1, wf.AREA), (2, OTHER))), "p.json", "Confronto")
    assert [(a.name, a.status) for a in comp.areas] == [
        (wf.AREA, "same"), ("LINEA STRATEGICA SULLA CULTURA", "new"), (OTHER, "dropped")]
    assert comp.sentence.startswith("Confronto con il 2023 (foglio «Confronto»): 1 area nuova e 1 eliminata; "
                                    "1 obiettivo nuovo e 1 eliminato; 1 indicatore nuovo e 1 eliminato;")


def test_an_older_json_without_indicators_compares_areas_and_objectives(settings):
    rows = _obj("OB01", "Uno", "a", "b")
    previous = _previous(rows, settings)
    for a in previous["areas"]:
        for o in a["objective_scores"]:
            del o["indicators"]
    comp = compare(_areas(rows, settings), True, 2024, previous, "vecchio.json", "Confronto")
    assert not comp.indicators and comp.no_indicators == "previous"
    assert all(not o.children for o in comp.areas[0].children)
    assert comp.counts["indicator"] == dict.fromkeys(comp.counts["indicator"], 0)
    assert comp.sentence == ("Confronto con il 2023 (foglio «Confronto»): nessuna area, nessun obiettivo nuovo o "
                             "eliminato; degli obiettivi presenti nei due anni: 1 invariato; gli indicatori non sono "
                             "confrontati (il file del 2023 non li elenca).")
    # a run without the detail (hundreds of workbooks) cannot compare indicators either
    comp = compare(_areas(rows, settings), False, 2024, _previous(rows, settings), "p.json", "Confronto")
    assert comp.no_indicators == "current" and "questo consolidamento non ne tiene il dettaglio" in comp.sentence


def test_plurals(settings):
    before = _obj("OB01", "Uno", "a") + _obj("OB02", "Due", "b") + _obj("OB03", "Tre", "c")
    after = _obj("OB01", "Uno", "a", actual=5.0) + _obj("OB04", "Quattro", "d") + _obj("OB05", "Cinque", "e")
    comp = compare(_areas(after, settings), True, 2024, _previous(before, settings), "p.json", "Confronto")
    assert "2 obiettivi nuovi e 2 eliminati; 2 indicatori nuovi e 2 eliminati; degli obiettivi presenti nei due " \
           "anni: 1 peggiorato." in comp.sentence


@pytest.mark.parametrize("previous, expected", [
    ({"year": 2023, "comune": "Altrove"}, "«p.json» è la Relazione del Comune di Altrove, non del Comune di Prova"),
    ({"year": 2024, "comune": "Prova"}, "«p.json» è la Relazione dello stesso anno (2024), non di un anno precedente"),
    ({"year": 2025, "comune": "prova"}, "«p.json» è la Relazione del 2025, che viene dopo il 2024"),
])
def test_refusals(previous, expected):
    message = refusal(previous, "p.json", 2024, "Prova")
    assert message.startswith(expected) and message.endswith("Non è stato scritto nulla.")


def test_an_earlier_year_of_the_same_comune_is_accepted():
    assert refusal({"year": 2023, "comune": "PROVA"}, "p.json", 2024, "Prova") is None
    assert refusal({"year": 2023, "comune": ""}, "p.json", 2024, "Prova") is None


@pytest.mark.parametrize("content, expected", [
    (b"\x00\x01 not json", "non è un file JSON leggibile"),
    (b'{"year": 2023, "areas": [', "non è un file JSON leggibile (errore alla riga 1)"),
    (b"PK\x03\x04 a workbook", "è una cartella di lavoro Excel"),
    (b"[1, 2]", "non è il JSON di un consolidamento"),
    (b'{"files": [], "counts": {}, "valid": true, "findings": []}', "contiene le segnalazioni di una verifica"),
    (b'{"areas": []}', "non indica l'anno della Relazione"),
    (b'{"year": 2023, "areas": [{"number": 1, "name": "A"}]}', "non elenca gli obiettivi dell'area «A»"),
    (b'{"year": 2023, "areas": [{"number": 1, "name": "A", "score": "alto", "objective_scores": []}]}',
     "ha un punteggio che non è un numero"),
    (b'{"year": 2023, "areas": [{"number": 1, "name": "A", "objective_scores": [{"code": "OB1", "name": "x", '
     b'"score": NaN}]}]}', "non è un file JSON leggibile"),
    (b'{"year": 2023, "areas": [{"number": 1, "name": "A", "objective_scores": [{"code": "OB1", "name": "x", '
     b'"score": 5, "indicators": [{"name": "i", "weight": "50"}]}]}]}', "ha un indicatore senza nome o con un valore"),
])
def test_a_wrong_previous_file_is_refused_in_italian(tmp_path, content, expected):
    path = tmp_path / "prev.json"
    path.write_bytes(content)
    with pytest.raises(PreviousNotUsable) as exc:
        read_previous_summary(path)
    message = str(exc.value)
    assert message.startswith("Il file da confrontare «prev.json» ") and expected in message, message
    assert message.endswith("per l'anno precedente. Non è stato scritto nulla.")


def test_a_previous_file_that_cannot_be_read(tmp_path):
    with pytest.raises(PreviousNotUsable, match="Impossibile leggere il file da confrontare .*: il file o la cartella "
                                                "non esiste"):
        read_previous_summary(tmp_path / "missing.json")


def test_an_incomplete_year_makes_the_comparison_partial():
    """Objectives of a workbook that could not be used look dropped (this year) or new (the previous
    year): an avviso says so, naming the workbooks."""
    assert partial({"year": 2023, "not_used": []}, "p.json", []) == []
    now, then = partial({"year": 2023, "not_used": ["vecchio.xlsx"]}, "p.json", ["/share/2024/a.xlsx", "/share/2024/b.xlsx"])
    assert (now.code, now.severity, now.file, then.file) == ("confronto-parziale", "avviso", "", "p.json")
    assert now.message == ("Il confronto con il 2023 è parziale: la Relazione di quest'anno è incompleta (2 cartelle di "
                           "lavoro non usate: «a.xlsx», «b.xlsx»), quindi gli obiettivi di quei settori risultano "
                           "eliminati anche se forse non lo sono.")
    assert then.message == ("Il confronto con il 2023 è parziale: la Relazione del 2023 era incompleta (1 cartella di "
                            "lavoro non usata: «vecchio.xlsx»), quindi gli obiettivi di quei settori risultano nuovi "
                            "anche se forse non lo sono.")


def _written(tmp_path, settings, summary_toml: str):
    """A Relazione with a comparison, written with ``summary_toml`` as the comune's own layout."""
    import openpyxl

    from perf_xl.io.summary import write_summary_workbook

    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "summary.toml").write_text(summary_toml, encoding="utf-8")
    before = _obj("OB01", "Uno", "a")
    after = before + _obj("OB02", "Due", "b")
    c = RunResult(files=["x.xlsx"], areas=_areas(after, settings), year=2024, comune="Prova", detail=True)
    comp = compare(c.areas, True, 2024, _previous(before, settings), "p.json", "Confronto")
    out = write_summary_workbook(tmp_path / "R.xlsx", c, comparison=comp)
    return [[v for v in row if v is not None] for row in openpyxl.load_workbook(out)["Confronto"].values], comp


def test_the_sheet_takes_its_labels_and_words_from_summary_toml(tmp_path, settings, monkeypatch):
    from perf_xl.io.comparison_out import comparison_dict
    from perf_xl.io.summary import load_summary_layout
    from perf_xl.schema import SCHEMAS_ENV, schemas_dir

    text = (schemas_dir() / "summary.toml").read_text(encoding="utf-8")
    text = text.replace('label = "Esito"', 'label = "Com\'è andata"').replace('new = "nuovo"', 'new = "aggiunto"', 2)
    monkeypatch.setenv(SCHEMAS_ENV, str(tmp_path / "schemas"))
    rows, comp = _written(tmp_path, settings, text)
    assert "Com'è andata" in next(r for r in rows if "Note" in r)
    assert ["OB02", "Due", 100, "verde", "aggiunto"] == next(r for r in rows if "Due" in r)[:5]
    assert comparison_dict(comp, load_summary_layout()["confronto"])["areas"][0]["objectives"][1]["status"] == "aggiunto"


def test_a_comunes_older_summary_toml_without_confronto_takes_the_shipped_one(tmp_path, settings, monkeypatch):
    from perf_xl.schema import SCHEMAS_ENV, schemas_dir

    text = (schemas_dir() / "summary.toml").read_text(encoding="utf-8")
    start = text.index("[confronto]")
    older = text[:start] + text[text.index("[consolida]"):]
    monkeypatch.setenv(SCHEMAS_ENV, str(tmp_path / "schemas"))
    rows, _ = _written(tmp_path, settings, older)
    assert rows[0] == ["Confronto tra il 2023 e il 2024"]
    assert "Esito" in next(r for r in rows if "Note" in r)
