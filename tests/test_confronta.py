"""``perf-xl consolidate FOLDER --confronta PREVIOUS.json`` through the real command line: two years of
generated workbooks (an objective added, one dropped), the shipped 2022 workbooks against a modified
copy of their own JSON (and an older JSON without indicators), and the files it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

import workbook_factory as wf
from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022
from perf_xl.io.summary import load_summary_layout

LAYOUT = load_summary_layout()
LAY = LAYOUT["confronto"]
STATUS = LAY["status"]


def _obj(code, name, *indicators, actual=10.0):
    return [wf.row(objective_code=code, objective=name, indicator=i, target=10.0, actual=actual,
                   weight=100.0 / len(indicators)) for i in indicators]


def _labels(previous, year) -> list[str]:
    return [c["label"].format(previous=previous, year=year) for c in LAY["columns"]]


def _table(path: Path, previous, year) -> tuple[list, list[dict]]:
    """The Confronto sheet: the lines above the table, and each row of the table by column label."""
    ws = openpyxl.load_workbook(path)[LAY["sheet"]]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    labels = _labels(previous, year)
    hr = next(i for i, r in enumerate(rows) if r[0] == labels[0])
    header = [v for v in rows[hr] if v is not None]
    return rows[:hr], [dict(zip(header, r)) for r in rows[hr + 1:]]


def _run(args, cwd):
    r = run_cli(args, cwd)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


def _two_years(tmp_path: Path) -> None:
    """2023: OB01 «Uno» (two indicators at 80 %), OB02 «Due»; 2024: OB01 with a third indicator, all at
    100 %, OB02 dropped, OB03 «Tre» added. The 2023 JSON written by the CLI."""
    (tmp_path / "2023").mkdir()
    (tmp_path / "2024").mkdir()
    wf.write(tmp_path / "2023" / "2023_prova.xlsx", _obj("OB01", "Uno", "Pratiche", "Tempi", actual=8.0)
             + _obj("OB02", "Due", "Regolamento"), info={"year": 2023})
    wf.write(tmp_path / "2024" / "2024_prova.xlsx", _obj("OB01", "Uno", "Pratiche", "Tempi", "Sportello online")
             + _obj("OB03", "Tre", "Carta dei servizi"), info={"year": 2024})
    first = _run(["consolidate", "2023", "--out", "R2023.xlsx", "--json", "r2023.json"], tmp_path)
    assert first.exit == 0, first.stdout + first.stderr


def test_two_years_an_objective_added_and_one_dropped(tmp_path):
    _two_years(tmp_path)
    r = _run(["consolidate", "2024", "--out", "R2024.xlsx", "--json", "r2024.json", "--confronta", "r2023.json"],
             tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    sentence = ("Confronto con il 2023 (foglio «Confronto»): 1 obiettivo nuovo e 1 eliminato; 2 indicatori nuovi "
                "e 1 eliminato; degli obiettivi presenti nei due anni: 1 migliorato.")
    assert sentence in " ".join(r.stdout.split())

    data = json.loads((tmp_path / "r2024.json").read_text(encoding="utf-8"))
    comp = data["comparison"]
    assert (comp["year"], comp["previous_year"], comp["previous_file"], comp["indicators_compared"]) == \
        (2024, 2023, "r2023.json", True)
    assert comp["sentence"] == sentence and comp["note"] is None
    assert comp["counts"]["objectives"] == {"new": 1, "dropped": 1, "up": 1, "down": 0, "same": 0, "unscored": 0}
    (area,) = comp["areas"]
    assert (area["number"], area["previous_number"], area["status"]) == (1, 1, STATUS["area"]["up"])
    objs = {o["code"] or o["previous_code"]: o for o in area["objectives"]}
    assert [o["status"] for o in objs.values()] == [STATUS["objective"][s] for s in ("up", "new", "dropped")]
    assert (objs["OB01"]["previous"], objs["OB01"]["current"], objs["OB01"]["change"]) == (80.0, 100.0, 20.0)
    assert (objs["OB03"]["previous_code"], objs["OB03"]["previous"]) == (None, None)
    assert (objs["OB02"]["code"], objs["OB02"]["name"], objs["OB02"]["previous_name"], objs["OB02"]["current"]) == \
        (None, None, "Due", None)
    inds = {i["name"] or i["previous_name"]: i for i in objs["OB01"]["indicators"]}
    assert inds["Sportello online"]["status"] == "nuovo" and inds["Pratiche"]["status"] == "migliorato"
    assert inds["Pratiche"]["notes"] == ["Il peso è passato da 50 a 33,33."]
    # the previous year's JSON lists each indicator with a stable id: the same indicator, the same id
    before = json.loads((tmp_path / "r2023.json").read_text(encoding="utf-8"))
    old = {i["name"]: i for i in before["areas"][0]["objective_scores"][0]["indicators"]}
    assert set(old["Pratiche"]) == {"id", "name", "achievement", "traffic_light", "weight"}
    assert inds["Pratiche"]["id"] == inds["Pratiche"]["previous_id"] == old["Pratiche"]["id"]

    # the sheet: after the areas, before the notes; the schema's labels with the two years
    book = openpyxl.load_workbook(tmp_path / "R2024.xlsx")
    assert book.sheetnames[-2:] == [LAY["sheet"], LAYOUT["findings"]["sheet"]]
    top, rows = _table(tmp_path / "R2024.xlsx", 2023, 2024)
    assert top[0][0] == LAY["title"].format(previous=2023, year=2024)
    assert [r[0] for r in top[1:3]] == [LAY["subtitle"], sentence]
    label = dict(zip([c["key"] for c in LAY["columns"]], _labels(2023, 2024)))
    got = [(r[label["code"]], r[label["name"]], r[label["status"]], r[label["previous"]], r[label["current"]])
           for r in rows]
    assert got == [
        (1, "Prova", "migliorata", 90.0, 100.0),
        ("OB01", "Uno", "migliorato", 80.0, 100.0),
        (None, "Pratiche", "migliorato", 80.0, 100.0),
        (None, "Tempi", "migliorato", 80.0, 100.0),
        (None, "Sportello online", "nuovo", None, 100.0),
        ("OB03", "Tre", "nuovo", None, 100.0),
        (None, "Carta dei servizi", "nuovo", None, 100.0),
        ("OB02", "Due", "eliminato", 100.0, None),
        (None, "Regolamento", "eliminato", 100.0, None),
    ]
    ws = book[LAY["sheet"]]
    area_row = len(top) + 2  # the first row below the header: the area, a link to its sheet
    assert ws.cell(area_row, 2).hyperlink.location == "'Prova'!A1"
    # it prints like the other sheets: A4 landscape, fitted to the width, the header repeated, the footer
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    assert ws.print_title_rows == f"${len(top) + 1}:${len(top) + 1}"
    assert "Pagina &P di &N" in ws.oddFooter.right.text


def test_a_workbook_not_used_this_year_makes_the_comparison_partial(tmp_path):
    _two_years(tmp_path)
    (tmp_path / "2024" / "2024_rotto.xlsx").write_bytes(b"PK\x03\x04 non un file zip")
    r = _run(["consolidate", "2024", "--out", "R.xlsx", "--json", "r.json", "--confronta", "r2023.json"], tmp_path)
    assert r.exit == 1, r.stdout + r.stderr  # incomplete, as without --confronta; the comparison is written
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    (f,) = [f for f in data["findings"] if f["code"] == "confronto-parziale"]
    assert f["severity"] == "avviso" and "«2024_rotto.xlsx»" in f["message"]
    notes = openpyxl.load_workbook(tmp_path / "R.xlsx")[LAYOUT["findings"]["sheet"]]
    assert f["message"] in [c.value for row in notes.iter_rows() for c in row]
    assert f["message"] in " ".join(r.stdout.split())
    assert data["comparison"]["counts"]["objectives"]["dropped"] == 1


def test_a_run_without_the_detail_compares_areas_and_objectives(tmp_path):
    """--no-detail (the layout of hundreds of workbooks; its JSON is written area by area): the comparison
    is there, by area and objective, and says why indicators are not compared."""
    _two_years(tmp_path)
    r = _run(["consolidate", "2024", "--no-detail", "--out", "R.xlsx", "--json", "r.json", "--confronta", "r2023.json"],
             tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    comp = data["comparison"]
    assert list(data)[-2:] == ["comparison", "findings"]
    assert comp["indicators_compared"] is False and comp["note"] == LAY["no_indicators_current"]
    assert [o["status"] for o in comp["areas"][0]["objectives"]] == ["migliorato", "nuovo", "eliminato"]
    assert "questo consolidamento non ne tiene il dettaglio" in " ".join(r.stdout.split())
    top, rows = _table(tmp_path / "R.xlsx", 2023, 2024)
    assert [LAY["no_indicators_current"]] in [[v for v in line if v] for line in top] and len(rows) == 4


@pytest.fixture(scope="module")
def shipped_json(tmp_path_factory) -> Path:
    """The shipped 2022 workbooks' own JSON (with indicators), written by the CLI."""
    cwd = tmp_path_factory.mktemp("shipped")
    r = _run(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "r2022.json"], cwd)
    assert r.exit == 1 or r.exit == 0, r.stderr
    return cwd / "r2022.json"


def _modified_2021(shipped_json: Path) -> dict:
    """The 2022 JSON made into a «2021» one: OB05 was not there yet, OB99 was there and is gone, OB14
    scored lower, the first indicator of OB01 had another peso."""
    d = json.loads(shipped_json.read_text(encoding="utf-8"))
    d["year"] = 2021
    first = d["areas"][0]
    first["objective_scores"] = [o for o in first["objective_scores"] if o["code"] != "OB05"]
    first["objective_scores"].append({"code": "OB99", "name": "Obiettivo concluso nel 2021", "settore": "Settore X",
                                      "score": 75.0, "weight_sum": 100.0, "traffic_light": "giallo",
                                      "neutralised": 0, "indicators": [
                                          {"id": "OB99-x", "name": "Pratiche chiuse", "achievement": 75.0,
                                           "traffic_light": "giallo", "weight": 100.0}]})
    first["objective_scores"][0]["indicators"][0]["weight"] = 50.0
    for a in d["areas"]:
        for o in a["objective_scores"]:
            if o["code"] == "OB14":
                o["score"] = 90.0
    return d


def test_shipped_2022_against_a_modified_copy(shipped_json, tmp_path):
    shipped = json.loads(shipped_json.read_text(encoding="utf-8"))
    ob05 = next(o for a in shipped["areas"] for o in a["objective_scores"] if o["code"] == "OB05")
    (tmp_path / "r2021.json").write_text(json.dumps(_modified_2021(shipped_json), ensure_ascii=False), encoding="utf-8")
    r = _run(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "r.json", "--confronta", "r2021.json"],
             tmp_path)
    assert r.exit == shipped_json_exit(shipped_json), r.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    # the year's own numbers are those of a run without --confronta
    assert data["areas"] == shipped["areas"] and data["totals"] == shipped["totals"]
    comp = data["comparison"]
    assert comp["counts"]["areas"] == {"new": 0, "dropped": 0, "up": 0, "down": 0, "same": 9, "unscored": 0}
    assert comp["counts"]["objectives"] == {"new": 1, "dropped": 1, "up": 1, "down": 0, "same": 61, "unscored": 0}
    assert comp["counts"]["indicators"]["new"] == len(ob05["indicators"]) and comp["counts"]["indicators"]["dropped"] == 1
    objs = {(o["code"] or o["previous_code"]): o for a in comp["areas"] for o in a["objectives"]}
    assert objs["OB05"]["status"] == "nuovo" and objs["OB99"]["status"] == "eliminato"
    assert (objs["OB14"]["status"], objs["OB14"]["previous"], objs["OB14"]["change"]) == ("migliorato", 90.0, 8.75)
    assert objs["OB01"]["indicators"][0]["notes"] == [
        f"Il peso è passato da 50 a {shipped['areas'][0]['objective_scores'][0]['indicators'][0]['weight']:g}."]
    n = len(ob05["indicators"])
    sentence = (f"Confronto con il 2021 (foglio «Confronto»): 1 obiettivo nuovo e 1 eliminato; {n} indicatori nuovi "
                "e 1 eliminato; degli obiettivi presenti nei due anni: 1 migliorato e 61 invariati.")
    assert comp["sentence"] == sentence and sentence in " ".join(r.stdout.split())
    _, rows = _table(tmp_path / "R.xlsx", 2021, 2022)
    status = _labels(2021, 2022)[[c["key"] for c in LAY["columns"]].index("status")]
    by_code = {r[_labels(2021, 2022)[0]]: r for r in rows if r[_labels(2021, 2022)[0]]}
    assert by_code["OB05"][status] == "nuovo" and by_code["OB99"][status] == "eliminato"
    assert len(rows) == 9 + 64 + 139 + 1  # every area, objective and indicator of both years, once


def shipped_json_exit(shipped_json: Path) -> int:
    """The exit code of the shipped workbooks' run (the comparison does not change it)."""
    data = json.loads(shipped_json.read_text(encoding="utf-8"))
    return 0 if data["complete"] and not data["conflicts"] else 1


def test_an_older_json_without_indicators(shipped_json, tmp_path):
    d = _modified_2021(shipped_json)
    for a in d["areas"]:
        for o in a["objective_scores"]:
            o.pop("indicators")
    (tmp_path / "vecchio.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    r = _run(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "r.json", "--confronta", "vecchio.json"],
             tmp_path)
    assert r.exit == shipped_json_exit(shipped_json), r.stderr
    comp = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["comparison"]
    note = LAY["no_indicators_previous"].format(previous=2021, source="vecchio.json", year=2022)
    assert comp["indicators_compared"] is False and comp["note"] == note
    assert all("indicators" not in o for a in comp["areas"] for o in a["objectives"])
    assert "gli indicatori non sono confrontati (il file del 2021 non li elenca)" in " ".join(r.stdout.split())
    top, rows = _table(tmp_path / "R.xlsx", 2021, 2022)
    assert [note] in [[v for v in line if v] for line in top]
    assert len(rows) == 9 + 64  # areas and objectives only
    labels = _labels(2021, 2022)
    assert "Peso 2021" in labels and "Peso 2021" not in [c.value for c in openpyxl.load_workbook(
        tmp_path / "R.xlsx")[LAY["sheet"]][len(top) + 1]]  # no peso columns without indicators


def _changed(shipped_json: Path, **changes) -> bytes:
    d = json.loads(shipped_json.read_text(encoding="utf-8"))
    d.update(changes)
    return json.dumps(d).encode()


@pytest.mark.parametrize("name, content, expected", [
    ("stesso.json", lambda j: j.read_bytes(), "è la Relazione dello stesso anno (2022)"),
    ("altro.json", lambda j: _changed(j, year=2021, comune="Lodi"),
     "è la Relazione del Comune di Lodi, non del Comune di Cremona"),
    ("rotto.json", lambda j: j.read_bytes()[:500], "non è un file JSON leggibile"),
    ("verifica.json", lambda j: b'{"files": [], "counts": {"errors": 0}, "valid": true, "findings": []}',
     "contiene le segnalazioni di una verifica"),
])
def test_a_wrong_file_is_refused_before_anything_is_written(shipped_json, tmp_path, name, content, expected):
    (tmp_path / name).write_bytes(content(shipped_json))
    r = _run(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "r.json", "--confronta", name], tmp_path)
    assert r.exit == 2, r.stdout + r.stderr
    assert r.stderr.startswith("Errore: ") and expected in " ".join(r.stderr.split()), r.stderr
    assert "Non è stato scritto nulla." in r.stderr and is_italian(r.stderr)
    assert not (tmp_path / "R.xlsx").exists() and not (tmp_path / "r.json").exists()


def test_the_previous_json_is_never_overwritten(shipped_json, tmp_path):
    prev = tmp_path / "r2021.json"
    prev.write_text(json.dumps(_modified_2021(shipped_json)), encoding="utf-8")
    before = prev.read_bytes()
    r = _run(["consolidate", str(SHIPPED_2022), "--out", "R.xlsx", "--json", "r2021.json", "--confronta", "r2021.json"],
             tmp_path)
    assert r.exit == 2 and "è uno dei file letti" in r.stderr, r.stderr
    assert prev.read_bytes() == before and not (tmp_path / "R.xlsx").exists()
