"""The open data (issue 13): aree.csv, obiettivi.csv, indicatori.csv and datapackage.json.

On the shipped 2022 workbooks: Frictionless (its Python API and its command line) finds the data
package valid; the CSVs read back (typed, through the package's own schema) equal the ``--json``
output; no Responsabile unless the settings say so; text without LaTeX or HTML; the open-data CSV
convention (``,``, decimal point, UTF-8 without BOM); the columns, titles and descriptions are
``schemas/open_data.toml``'s. On a hand-made run: the formula guard and identifiers.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import frictionless
import openpyxl
import pytest

from perf_xl.app.consolidate import consolidate_folder
from perf_xl.core.consolidation import consolidate
from perf_xl.io.open_data import DATAPACKAGE, indicator_id, write_open_data
from perf_xl.io.summary import write_summary_json
from perf_xl.model import AreaInfo, IndicatorRow, RunResult
from perf_xl.readable import readable
from perf_xl.schema import SCHEMAS_ENV, load_open_data, schemas_dir
from perf_xl.settings import SettingsError, load_settings, parse_settings

from conftest import SHIPPED_2022

FILES = ("aree.csv", "obiettivi.csv", "indicatori.csv", DATAPACKAGE)


@pytest.fixture(scope="module")
def run() -> RunResult:
    return consolidate_folder(SHIPPED_2022, detail=True)


@pytest.fixture(scope="module")
def published(run, tmp_path_factory) -> Path:
    """The open data of the 2022 workbooks with the shipped settings."""
    out = tmp_path_factory.mktemp("open_data")
    written = write_open_data(run, out, load_settings())
    assert [p.name for p in written] == list(FILES)
    return out


@pytest.fixture(scope="module")
def json_output(run, tmp_path_factory) -> dict:
    """The ``consolidate --json`` file of the same run."""
    path = write_summary_json(tmp_path_factory.mktemp("json") / "relazione.json", run)
    return json.loads(path.read_text(encoding="utf-8"))


def typed_rows(folder: Path, name: str) -> list[dict]:
    """A resource's rows as a data user's program reads them: typed by datapackage.json's schema."""
    package = frictionless.Package(str(folder / DATAPACKAGE))
    return [dict(r) for r in package.get_resource(name).read_rows()]


def num(value):
    return float(value) if isinstance(value, Decimal) else value


# --- valid for Frictionless -------------------------------------------------------------------

def test_frictionless_validates_the_data_package(published):
    report = frictionless.validate(str(published / DATAPACKAGE))
    assert report.valid, report.flatten(["type", "note"])
    assert [t.name for t in report.tasks] == ["aree", "obiettivi", "indicatori"]
    assert [t.stats["rows"] for t in report.tasks] == [9, 63, 139]


def test_the_frictionless_command_line_validates_it_too(published):
    done = subprocess.run([sys.executable, "-m", "frictionless", "validate", DATAPACKAGE], cwd=published,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "INVALID" not in done.stdout and done.stdout.count("VALID") == 3


def test_a_changed_csv_no_longer_matches_its_hash(published, tmp_path):
    """datapackage.json records each file's size and SHA-256: an edited CSV is found out."""
    copy = tmp_path / "copy"
    shutil.copytree(published, copy)
    path = copy / "aree.csv"
    path.write_bytes(path.read_bytes().replace(b"96.25", b"99.25", 1))
    report = frictionless.validate(str(copy / DATAPACKAGE))
    assert not report.valid
    assert {"hash-count"} <= {e[0] for e in report.flatten(["type"])}


# --- the same numbers as the JSON -------------------------------------------------------------

def test_area_rows_equal_the_json(published, json_output):
    rows = typed_rows(published, "aree")
    assert len(rows) == len(json_output["areas"]) == 9
    for row, area in zip(rows, json_output["areas"]):
        assert row["anno"] == json_output["year"] == 2022 and row["comune"] == json_output["comune"]
        assert (row["id_area"], row["area"], row["area_breve"]) == (area["number"], readable(area["name"]),
                                                                    readable(area["short_name"]))
        assert (row["obiettivi"], row["indicatori"], row["indicatori_neutralizzati"]) == (
            area["objectives"], area["indicators"], area["neutralised"])
        assert num(row["percentuale_raggiungimento"]) == area["score"]
        assert num(row["percentuale_pubblicata"]) == area["published"]
        assert num(row["differenza"]) == area["difference"]
        assert (row["barometro"], row["riprodotta"]) == (area["traffic_light"], area["reproduces"])


def test_objective_rows_equal_the_json(published, json_output):
    rows = typed_rows(published, "obiettivi")
    expected = [(a["number"], o) for a in json_output["areas"] for o in a["objective_scores"]]
    assert len(rows) == len(expected) == json_output["totals"]["objectives"] == 63
    for row, (number, o) in zip(rows, expected):
        assert (row["id_obiettivo"], row["id_area"]) == (o["code"], number)
        assert (row["obiettivo"], row["settore"]) == (readable(o["name"]), readable(o["settore"]))
        assert num(row["punteggio"]) == o["score"]  # every digit: the float reads back exactly
        assert num(row["somma_pesi"]) == o["weight_sum"]
        assert (row["barometro"], row["indicatori_neutralizzati"]) == (o["traffic_light"], o["neutralised"])


def test_indicator_rows_add_up_to_the_json(published, json_output):
    """The JSON lists objectives, not indicators: the indicators' rows give its counts, and their
    weights and % Ragg give back each objective's score."""
    indicators = typed_rows(published, "indicatori")
    objectives = typed_rows(published, "obiettivi")
    assert len(indicators) == json_output["totals"]["indicators"] == 139
    for area in json_output["areas"]:
        assert sum(r["id_area"] == area["number"] for r in indicators) == area["indicators"]
    for o in objectives:
        mine = [r for r in indicators if r["id_obiettivo"] == o["id_obiettivo"]]
        assert len(mine) == o["indicatori"]
        assert sum(r["barometro"] == "neutralizzato" for r in mine) == o["indicatori_neutralizzati"]
        weights = sum(num(r["peso"]) for r in mine)
        assert weights == pytest.approx(num(o["somma_pesi"]))
        if weights:
            score = sum(num(r["peso"]) * num(r["percentuale_raggiungimento"]) for r in mine) / weights
            assert score == pytest.approx(num(o["punteggio"]), abs=1e-9)


def test_indicators_keep_the_workbooks_inputs(run, published):
    rows = {r["id_indicatore"]: r for r in typed_rows(published, "indicatori")}
    for a in run.areas:
        for o in a.objectives:
            for position, s in enumerate(o.indicators, start=1):
                r = rows[indicator_id(o.code, position)]
                assert (num(r["valore_atteso"]), num(r["valore_consuntivo"]), num(r["peso"])) == (
                    s.row.target, s.row.actual, s.row.weight)
                assert num(r["scostamento"]) == s.deviation and num(r["percentuale_raggiungimento"]) == s.achievement
                assert (r["polarita"], r["barometro"], r["indicatore"]) == (s.row.polarity, s.traffic_light,
                                                                            readable(s.row.indicator))


# --- identifiers ------------------------------------------------------------------------------

def test_identifiers_are_unique_and_follow_the_documented_rule(published):
    indicators = typed_rows(published, "indicatori")
    ids = [r["id_indicatore"] for r in indicators]
    assert len(set(ids)) == len(ids)
    for r in indicators:
        assert r["id_indicatore"] == f"{r['id_obiettivo']}-{r['posizione']:02d}"
    assert ids[:3] == ["OB01-01", "OB02-01", "OB02-02"]


def test_two_runs_on_the_same_workbooks_write_the_same_bytes(published, tmp_path):
    again = write_open_data(consolidate_folder(SHIPPED_2022, detail=True), tmp_path, load_settings())
    for path in again:
        assert path.read_bytes() == (published / path.name).read_bytes(), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)  # no temporary file left


# --- personal data ----------------------------------------------------------------------------

def _names_and_other_text(run: RunResult) -> tuple[set[str], str]:
    """Every Responsabile of the workbooks, and all their other text (where a word of a name may
    also occur, as «Giovanni» in «Piazza Giovanni XXIII»)."""
    names, other = set(), []
    for a in run.areas:
        other.append(a.name)
        for o in a.objectives:
            names.add(o.responsabile)
            for s in o.indicators:
                names.add(s.row.responsabile)
                other += [s.row.objective, s.row.settore, s.row.definizione, s.row.indicator, s.row.formula,
                          s.row.finalita, s.row.note]
    return names, readable(" ".join(other))


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{3,}", name) if w.lower() not in ("interim",)}


def test_no_responsabile_in_the_open_data_by_default(run, published):
    names, other = _names_and_other_text(run)
    assert len(names) >= 10
    text = "\n".join((published / f).read_text(encoding="utf-8") for f in FILES)
    assert "responsabile" not in text.lower()  # no column, no field, no description of one
    for name in names:
        assert name not in text
        for word in _words(name):  # not even a surname, unless the workbooks use the word elsewhere
            if not re.search(rf"\b{word}\b", other):
                assert not re.search(rf"\b{word}\b", text), (word, name)


def test_the_responsabile_is_there_when_the_settings_say_so(run, tmp_path):
    settings = parse_settings("[open_data]\ninclude_responsabile = true\n")
    write_open_data(run, tmp_path, settings)
    assert frictionless.validate(str(tmp_path / DATAPACKAGE)).valid
    rows = typed_rows(tmp_path, "obiettivi")
    expected = [o.responsabile for a in run.areas for o in a.objectives]
    assert [r["responsabile"] for r in rows] == [readable(n) for n in expected]
    fields = json.loads((tmp_path / DATAPACKAGE).read_text(encoding="utf-8"))["resources"][1]["schema"]["fields"]
    assert "responsabile" in [f["name"] for f in fields]
    assert "responsabile" not in (tmp_path / "indicatori.csv").read_text(encoding="utf-8").splitlines()[0]


# --- text and numbers -------------------------------------------------------------------------

def test_text_is_readable_without_latex_or_html(run, published):
    raw_formulas = [s.row.formula for a in run.areas for o in a.objectives for s in o.indicators]
    assert any("\\text" in f for f in raw_formulas)  # the workbooks keep the source's LaTeX...
    for name in FILES:
        text = (published / name).read_text(encoding="utf-8")
        for mark in ("$", "\\text", "\\circ", "<p>", "</p>", "<br"):
            assert mark not in text, (name, mark)
    formulas = [r["formula"] for r in typed_rows(published, "indicatori")]
    assert "(Finanziamento accettato / Finanziamento richiesto) × 100" in formulas  # ...the open data read it


def _raw(folder: Path, name: str) -> tuple[list[str], list[list[str]]]:
    with open(folder / name, encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def test_numbers_have_a_decimal_point_and_nothing_else(published):
    spec = {r.name: r for r in load_open_data().resources}
    decimals = 0
    for name in ("aree", "obiettivi", "indicatori"):
        header, rows = _raw(published, f"{name}.csv")
        types = {c.name: c.type for c in spec[name].columns}
        for row in rows:
            for field, value in zip(header, row):
                if types[field] in ("number", "integer", "year") and value:
                    assert re.fullmatch(r"-?\d+(\.\d+)?", value), (name, field, value)
                    decimals += "." in value
    assert decimals > 20
    area_header, area_rows = _raw(published, "aree.csv")
    assert area_rows[2][area_header.index("percentuale_raggiungimento")] == "99.64"  # Opere pubbliche


def test_csv_convention_utf8_without_bom_comma_crlf(published):
    for name in FILES[:3]:
        data = (published / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.startswith(b"anno,comune,id_")
        header, rows = _raw(published, name)
        assert data.count(b"\r\n") >= len(rows) + 1 and data.endswith(b"\r\n")  # CRLF ends every record
        assert b"\n" not in data.split(b"\r\n", 1)[0]
        data.decode("utf-8")
    assert "Mobilità".encode("utf-8") in (published / "obiettivi.csv").read_bytes()
    descriptor = json.loads((published / DATAPACKAGE).read_text(encoding="utf-8"))
    assert {r["encoding"] for r in descriptor["resources"]} == {"utf-8"}


# --- licence and settings ---------------------------------------------------------------------

def test_licence_is_cc_by_4_by_default(published):
    descriptor = json.loads((published / DATAPACKAGE).read_text(encoding="utf-8"))
    assert descriptor["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribuzione 4.0 Internazionale",
                                       "path": "https://creativecommons.org/licenses/by/4.0/"}]
    assert descriptor["name"] == "relazione-performance-cremona-2022"
    assert descriptor["title"] == "Relazione sulla Performance 2022 — Comune di Cremona"


@pytest.mark.parametrize("license, expected", [
    ("CC0-1.0", {"name": "CC0-1.0", "title": "Creative Commons CC0 1.0 Universale (dominio pubblico)",
                 "path": "https://creativecommons.org/publicdomain/zero/1.0/"}),
    ("ODbL-1.0", {"name": "ODbL-1.0"}),  # not in open_data.toml: its identifier alone
])
def test_licence_comes_from_the_settings(run, tmp_path, license, expected):
    write_open_data(run, tmp_path, parse_settings(f'[open_data]\nlicense = "{license}"\n'))
    descriptor = json.loads((tmp_path / DATAPACKAGE).read_text(encoding="utf-8"))
    assert descriptor["licenses"] == [expected]
    assert frictionless.validate(str(tmp_path / DATAPACKAGE)).valid


@pytest.mark.parametrize("text, words", [
    ('[open_data]\nlicense = "CC BY 4.0"\n', ["open_data.license", "«CC BY 4.0»", "CC-BY-4.0"]),
    ('[open_data]\ninclude_responsabile = "sì"\n', ["open_data.include_responsabile", "«sì»", "true", "false"]),
    ('[open_data]\nlicenza = "CC0-1.0"\n', ["open_data.licenza", "open_data.license, open_data.include_responsabile"]),
])
def test_open_data_settings_errors_are_italian_and_name_the_key(text, words):
    with pytest.raises(SettingsError) as err:
        parse_settings(text)
    assert all(w in str(err.value) for w in words), str(err.value)


# --- the schema is the source -----------------------------------------------------------------

def test_columns_titles_and_descriptions_come_from_open_data_toml(published):
    descriptor = json.loads((published / DATAPACKAGE).read_text(encoding="utf-8"))
    # the differentiation of the dirigenti's evaluations is written only by publish --schede
    resources = [res for res in load_open_data().resources if res.key != "differentiation"]
    assert len(resources) == len(descriptor["resources"])
    for res, written in zip(resources, descriptor["resources"]):
        cols = [c for c in res.columns if not c.personal]
        assert (written["name"], written["path"], written["title"]) == (res.name, res.path, res.title)
        assert [(f["name"], f["type"], f["title"], f["description"]) for f in written["schema"]["fields"]] == \
               [(c.name, c.type, c.title, c.description) for c in cols]
        assert _raw(published, res.path)[0] == [c.name for c in cols]


def test_a_changed_open_data_toml_changes_the_open_data(run, tmp_path, monkeypatch):
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    toml = folder / "open_data.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r'\n  \{ key = "note", name = "note".*\n', "\n", text)  # a column left out
    text = text.replace('title = "Peso", description = "Il peso', 'title = "Peso %", description = "Il peso')
    toml.write_text(text, encoding="utf-8")
    monkeypatch.setenv(SCHEMAS_ENV, str(folder))
    out = tmp_path / "out"
    write_open_data(run, out, load_settings())
    header, _ = _raw(out, "indicatori.csv")
    assert "note" not in header and "peso" in header
    fields = json.loads((out / DATAPACKAGE).read_text(encoding="utf-8"))["resources"][2]["schema"]["fields"]
    assert next(f for f in fields if f["name"] == "peso")["title"] == "Peso %"
    assert frictionless.validate(str(out / DATAPACKAGE)).valid


# --- a hand-made run: the formula guard, extra text -------------------------------------------

def _small_run(**changes) -> RunResult:
    base = dict(area="LINEA STRATEGICA SULLA PROVA", objective_code="OB1", objective="Obiettivo", responsabile="Rossi Anna",
                settore="Settore Prova", indicator="Indicatore", polarity="crescente", target=10.0, actual=5.0,
                weight=100.0, formula="$\\text{pratiche} / \\text{totale}$", note="<p>Nota</p>")
    rows = [IndicatorRow(**{**base, **changes})]
    areas = consolidate(rows, [AreaInfo(1, base["area"], None)], load_settings())
    return RunResult(areas=areas, year=2023, comune="Valdoria", detail=True)


def test_text_that_excel_would_run_gets_the_guard_and_the_package_stays_valid(tmp_path):
    run = _small_run(objective="=HYPERLINK(\"http://x\";\"clic\")", indicator="-1 incidenti", note="@SUM(A1)")
    write_open_data(run, tmp_path, load_settings())
    assert frictionless.validate(str(tmp_path / DATAPACKAGE)).valid
    objective = typed_rows(tmp_path, "obiettivi")[0]
    indicator = typed_rows(tmp_path, "indicatori")[0]
    assert objective["obiettivo"] == "'=HYPERLINK(\"http://x\";\"clic\")"
    assert (indicator["indicatore"], indicator["note"]) == ("'-1 incidenti", "'@SUM(A1)")
    assert num(indicator["scostamento"]) == -5  # a number is never guarded
    assert (indicator["formula"], objective["id_obiettivo"], indicator["id_indicatore"]) == (
        "pratiche / totale", "OB1", "OB1-01")


def test_a_column_added_to_settore_toml_can_be_listed_by_its_key_and_no_comune_reads_well(tmp_path, monkeypatch):
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    toml = folder / "open_data.toml"
    toml.write_text(toml.read_text(encoding="utf-8").rstrip().removesuffix("]") + (
        '  { key = "fonte", name = "fonte_del_dato", type = "string", title = "Fonte del dato", '
        'description = "Da dove viene il valore consuntivo." },\n]\n'), encoding="utf-8")
    monkeypatch.setenv(SCHEMAS_ENV, str(folder))
    run = dataclasses.replace(_small_run(extra={"fonte": "$\\text{ISTAT}$"}), comune="")
    write_open_data(run, tmp_path / "out", load_settings())
    assert typed_rows(tmp_path / "out", "indicatori")[0]["fonte_del_dato"] == "ISTAT"
    descriptor = json.loads((tmp_path / "out" / DATAPACKAGE).read_text(encoding="utf-8"))
    assert (descriptor["name"], descriptor["title"]) == ("relazione-performance-2023", "Relazione sulla Performance 2023")
    assert frictionless.validate(str(tmp_path / "out" / DATAPACKAGE)).valid


def test_an_objective_with_every_indicator_neutralised_has_no_score_and_stays_valid(tmp_path):
    write_open_data(_small_run(weight=0.0), tmp_path, load_settings())
    assert frictionless.validate(str(tmp_path / DATAPACKAGE)).valid
    objective, indicator = typed_rows(tmp_path, "obiettivi")[0], typed_rows(tmp_path, "indicatori")[0]
    assert (objective["punteggio"], objective["barometro"], objective["indicatori_neutralizzati"]) == (
        None, "neutralizzato", 1)
    assert (indicator["barometro"], num(indicator["peso"])) == ("neutralizzato", 0)


def test_the_open_data_need_every_indicator():
    run = dataclasses.replace(_small_run(), detail=False)
    with pytest.raises(ValueError, match="detail=True"):
        write_open_data(run, Path("unused"), load_settings())


def _libreoffice_open(binary: str, csv_path: Path, out_dir: Path) -> openpyxl.Workbook:
    """Open an open-data CSV as a spreadsheet user with English settings would (``,`` splits the cells,
    UTF-8, decimal point: where a formula would run) and save it as xlsx."""
    profile = out_dir / "profile"
    subprocess.run([binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--infilter=CSV:44,34,76,1,,1033", "--convert-to", "xlsx", "--outdir", str(out_dir),
                    str(csv_path)], capture_output=True, text=True, timeout=180)
    return openpyxl.load_workbook(out_dir / (csv_path.stem + ".xlsx"))


def test_a_spreadsheet_opens_the_open_data_with_text_as_text(tmp_path, published, require_libreoffice):
    control = tmp_path / "controllo.csv"
    control.write_bytes(b"a\r\n=1+1\r\n")  # unguarded: this import makes it a formula
    assert _libreoffice_open(require_libreoffice, control, tmp_path).active["A2"].data_type == "f"
    hostile = tmp_path / "ostile"
    write_open_data(_small_run(objective="=1+1", indicator="-1 incidenti", note="@SUM(A1)"), hostile, load_settings())
    objectives = _libreoffice_open(require_libreoffice, hostile / "obiettivi.csv", tmp_path).active
    indicators = _libreoffice_open(require_libreoffice, hostile / "indicatori.csv", tmp_path).active
    cells = [c for ws in (objectives, indicators) for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {"'=1+1", "'-1 incidenti", "'@SUM(A1)"} <= {c.value for c in cells}
    areas = _libreoffice_open(require_libreoffice, published / "aree.csv", tmp_path).active
    header = [c.value for c in areas[1]]
    column = {name: [areas.cell(r, header.index(name) + 1).value for r in range(2, 11)] for name in header}
    assert "Sviluppo della comunità" in column["area_breve"]  # UTF-8 read as UTF-8
    assert 99.64 in column["percentuale_raggiungimento"] and -0.44 in column["differenza"]  # numbers
