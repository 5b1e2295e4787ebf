"""Monitoring during the year (issue 14, items 2 and 5): the checkpoint columns of the settore workbook
(from the schema's column group), their native formulas recalculated by LibreOffice against Python's
rules, the missing corrective actions, the monitoring report (`consolidate --periodo`) with its
projection to the year end, the nightly and the Consolida button at a checkpoint."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import workbook_factory as wf
from libreoffice import recalculate_many
from test_libreoffice_recalc import strip_cached_values
from perf_xl import scoring, udf
from perf_xl.app.nightly import run_nightly
from perf_xl.cli import main
from perf_xl.core.monitoring import Period, PeriodError, parse_period, project, projection_of, rows_at
from perf_xl.excel.consolida import parse_config, press, run_consolida
from perf_xl.io.reader import read_settore_workbook
from perf_xl.schema import load_schema
from perf_xl.settings import Settings, SettingsError, parse_settings
from perf_xl import versions

SETTINGS = Settings()
SCHEMA = load_schema().with_checkpoints(SETTINGS.intermediate_checkpoints)
L = SCHEMA.indicators
DAY = "06-30"
MARKS = SCHEMA.marks


def at(actual, actions=""):
    return {DAY: {"actual": actual, "actions": actions}}


def monitored_rows():
    """wf.clean_rows at 30/06 of 2024 (182 of 366 days): rows 2..5 of the sheet."""
    rows = wf.clean_rows()
    return [
        dataclasses.replace(rows[0], actual=None, checkpoints=at(40.0)),  # 40 of 100: rosso, no actions
        dataclasses.replace(rows[1], actual=None, checkpoints=at(35.0, "Rinforzo dello sportello"),
                            projection="costante"),  # decrescente 30: 35 is 85,7: giallo, actions written
        dataclasses.replace(rows[2], actual=None, checkpoints=at(0.0)),  # binario not yet done: rosso
        dataclasses.replace(rows[3], actual=None, checkpoints=at(1.0)),  # neutralised
    ]


# --- the settings and the schema ---------------------------------------------------------------

def test_settings_checkpoints_default_and_errors_in_italian():
    assert SETTINGS.checkpoints == ("06-30", "12-31") and SETTINGS.projection == "lineare"
    s = parse_settings('[monitoring]\ncheckpoints = ["04-30", "08-31", "12-31"]\nprojection = "costante"\n')
    assert s.intermediate_checkpoints == ("04-30", "08-31") and s.projection == "costante"
    for text, words in (('checkpoints = ["06-31", "12-31"]', "06-31"), ('checkpoints = ["06-30"]', "fine dell'anno"),
                        ('checkpoints = ["08-31", "04-30", "12-31"]', "in ordine"), ('projection = "x"', "«lineare»")):
        with pytest.raises(SettingsError, match=words):
            parse_settings("[monitoring]\n" + text + "\n")


def test_the_checkpoint_columns_come_from_the_schema_group_last_and_optional():
    base = load_schema()
    cols = L.columns[len(base.indicators.columns):]
    assert [c.label for c in cols] == ["Consuntivo al 30/06", "% Ragg al 30/06", "Barometro al 30/06",
                                       "Punteggio obiettivo al 30/06", "Azioni correttive al 30/06"]
    assert all(c.optional and c.checkpoint == DAY for c in cols)
    assert [c.rule for c in cols if c.computed] == ["achievement", "traffic_light", "objective_score"]
    three = base.with_checkpoints(("04-30", "08-31"))
    assert "Azioni correttive al 31/08" in three.indicators.labels and "Consuntivo al 30/06" not in three.indicators.labels
    assert base.version == "1.2" and versions.steps_between("1.1", "1.2")[0].added == ("projection",)


def test_a_workbook_without_checkpoint_columns_reads_with_no_finding(tmp_path):
    p = wf.write(tmp_path / "vecchio.xlsx", schema=load_schema())
    # written with only the year end as checkpoint: no checkpoint columns at all
    from perf_xl.io.template import write_settore_workbook
    from perf_xl.model import AreaInfo, SettoreWorkbook
    wb = SettoreWorkbook(info={"year": 2024, "settore": "S", "schema_version": "1.2"},
                         areas=(AreaInfo(1, wf.AREA, None),), rows=tuple(wf.clean_rows()))
    write_settore_workbook(p, wb, settings=Settings(checkpoints=("12-31",)), spare_rows=2)
    r = read_settore_workbook(p, SCHEMA)
    assert r.findings == [] and all(row.checkpoints is None for row in r.workbook.rows)


# --- the projection ----------------------------------------------------------------------------

def test_projection_rules():
    period = Period(2023, DAY)
    assert period.elapsed == pytest.approx(181 / 365)
    assert project(50.0, "lineare", period.elapsed) == pytest.approx(50 * 365 / 181)
    assert project(50.0, "costante", period.elapsed) == 50.0
    rows = monitored_rows()
    assert projection_of(rows[0], SETTINGS) == "lineare"  # blank: the settings'
    assert projection_of(rows[1], SETTINGS) == "costante"  # the row's own choice
    assert projection_of(rows[2], SETTINGS) == "costante"  # binario: always
    projected = rows_at(rows, dataclasses.replace(period, projected=True), SETTINGS)
    assert [r.actual for r in projected] == pytest.approx([40 * 365 / 181, 35.0, 0.0, 365 / 181])


def test_periodo_must_be_a_checkpoint_of_the_settings():
    assert parse_period("2023-06-30", SETTINGS) == Period(2023, DAY)
    with pytest.raises(PeriodError, match="le date ammesse sono 30/06, 31/12"):
        parse_period("2023-05-31", SETTINGS)
    with pytest.raises(PeriodError, match="AAAA-MM-GG"):
        parse_period("30/06/2023", SETTINGS)


# --- the workbook: values, marks, the three engines --------------------------------------------

def test_template_writes_checkpoint_values_formulas_and_the_actions_mark(tmp_path):
    p = wf.write(tmp_path / "m.xlsx", monitored_rows())
    ws = openpyxl.load_workbook(p)[L.name]
    assert ws[L.cell("actual@06-30", 2)].value == 40
    assert ws[L.cell("actions@06-30", 3)].value == "Rinforzo dello sportello"
    # the checkpoint's % Ragg is the year end's rule on the checkpoint's consuntivo
    assert ws[L.cell("achievement@06-30", 2)].value == "=" + _formula("achievement", "achievement@06-30", 2)
    rules = [(rng.sqref, r.formula) for rng in ws.conditional_formatting for r in rng.rules]
    col = L.column("actions@06-30").letter
    assert any(str(sq).startswith(col) and "rosso" in f[0] for sq, f in rules)
    legend = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum("mancano le azioni correttive" in v for v in legend) == 1


def _formula(rule, key, row):
    from perf_xl import formulas
    return formulas.RULES[rule](L.letters_for(L.column(key)), row, SETTINGS).lstrip("=")


@pytest.mark.libreoffice
@pytest.mark.parametrize("mode", ["native", "udf"])
def test_checkpoint_formulas_recalculated_by_libreoffice_equal_python(require_libreoffice, tmp_path, mode):
    """Native formulas (and the UDF mode's fallback) of the checkpoint columns, recalculated by LibreOffice
    with cached values stripped, equal scoring.row_cells / objective_cell on the checkpoint's consuntivi;
    the year-end columns, on other consuntivi, keep theirs."""
    specs = [  # (objective, atteso, consuntivo at 30/06, polarity, peso, consuntivo at year end)
        ("OB01", 10.0, 8.0, "crescente", 60.0, 10.0), ("OB01", 10.0, "24,29", "crescente", 40.0, 9.0),
        ("OB02", 80.0, 75.0, "crescente", 50.0, None), ("OB02", 50.0, 0.0, "crescente", 0.0, 50.0),
        ("OB02", 10.0, 12.5, " DECRESCENTE ", 50.0, 10.0), ("OB03", 100.0, 89.6, "crescente", 100.0, 50.0),
        ("OB04", 1.0, 0.0, "binario", 50.0, 1.0), ("OB04", 20.0, None, "decrescente", 50.0, 30.0),
        ("OB05", 10.0, 5.0, "alto", 100.0, 5.0), ("OB06", 30.0, 12.0, "crescente", 100.0, None)]
    rows = [wf.row(objective_code=code, objective=f"Obiettivo {code}", target=t, actual=end, polarity=pol, weight=w,
                   checkpoints=at(a)) for code, t, a, pol, w, end in specs]
    from perf_xl.io.template import write_settore_workbook
    from perf_xl.model import AreaInfo, SettoreWorkbook
    wb = SettoreWorkbook(info={"year": 2024, "settore": "S", "schema_version": SCHEMA.version},
                         areas=(AreaInfo(1, wf.AREA, None),), rows=tuple(rows))
    src = write_settore_workbook(tmp_path / f"{mode}.xlsx", wb, settings=SETTINGS, spare_rows=2, formula_mode=mode)
    out = recalculate_many([strip_cached_values(src, tmp_path / f"nocache_{mode}.xlsx")], tmp_path / "lo")[0]
    ws = openpyxl.load_workbook(out, data_only=True)[L.name]
    for day, actual_of in (("", lambda r: r.actual), (DAY, lambda r: r.checkpoints[DAY]["actual"])):
        suffix = f"@{day}" if day else ""
        cells = [scoring.row_cells(r.target, actual_of(r), r.polarity, r.weight, SETTINGS, MARKS.invalid) for r in rows]
        by_code: dict = {}
        for i, (r, c) in enumerate(zip(rows, cells)):
            by_code.setdefault(r.objective_code, []).append((L.first_data_row + i, r.weight, c.achievement))
        scores = {k: scoring.objective_cell(v, MARKS.invalid, MARKS.objective_invalid) for k, v in by_code.items()}
        for i, (r, c) in enumerate(zip(rows, cells)):
            excel_row = L.first_data_row + i
            got = {k: ws[L.cell(k + suffix, excel_row)].value for k in ("achievement", "traffic_light", "objective_score")}
            for key, want in (("achievement", c.achievement), ("traffic_light", c.traffic_light),
                              ("objective_score", scores[r.objective_code])):
                g = None if got[key] == "" else got[key]
                if isinstance(want, float):
                    assert g == pytest.approx(want, rel=1e-12), (day, excel_row, key)
                else:
                    assert g == want, (day, excel_row, key, g, want)
    # the UDFs the UDF mode calls give the same, on the checkpoint's consuntivo
    r = rows[0]
    assert udf.PERF_RAGG(r.target, 8.0, r.polarity, "plain") == pytest.approx(80)
    assert ws[L.cell("traffic_light@06-30", 4)].value == "verde"  # 75 of 80: 93,75
    assert ws[L.cell("objective_score@06-30", 2)].value == "errore: riga 3"  # «24,29» typed as text


# --- validation, the monitoring report, the nightly, the button ---------------------------------

@pytest.fixture
def folder(tmp_path):
    """Two settori at 30/06/2024 (one rosso without corrective actions) and one workbook without the
    checkpoint's columns (written when the settings had none)."""
    f = tmp_path / "settori"
    f.mkdir()
    wf.write(f / "prova.xlsx", monitored_rows())
    other = [dataclasses.replace(r, settore="Settore Due", objective_code=r.objective_code.replace("OB", "SD"),
                                 checkpoints=at(r.target, "")) for r in wf.clean_rows()]
    wf.write(f / "due.xlsx", other, info={"settore": "Settore Due"})
    from perf_xl.io.template import write_settore_workbook
    from perf_xl.model import AreaInfo, SettoreWorkbook
    wb = SettoreWorkbook(info={"year": 2024, "settore": "Settore Tre", "schema_version": "1.2", "comune": "Prova"},
                         areas=(AreaInfo(1, wf.AREA, None),),
                         rows=tuple(dataclasses.replace(r, settore="Settore Tre",
                                                        objective_code=r.objective_code.replace("OB", "ST"))
                                    for r in wf.clean_rows()))
    write_settore_workbook(f / "senza.xlsx", wb, settings=Settings(checkpoints=("12-31",)), spare_rows=2)
    return f


def test_monitoring_run_at_30_06_with_projection_and_missing_actions(folder, tmp_path):
    out, js = tmp_path / "out" / "m.xlsx", tmp_path / "out" / "m.json"
    out.parent.mkdir()
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--periodo", "2024-06-30", "--out", str(out),
                                  "--json", str(js)])
    assert r.exit_code == 1, r.output  # incomplete: one workbook has no 30/06 columns
    assert "Monitoraggio al 30/06/2024" in r.output and "3 indicatori rossi o gialli, 2 senza azioni correttive" in r.output
    d = json.loads(js.read_text(encoding="utf-8"))
    assert d["not_used"] == ["senza.xlsx"]
    codes = {(f["code"], Path(f["file"]).name, f["sheet"], f["cell"]) for f in d["findings"]}
    assert ("azioni-correttive-mancanti", "prova.xlsx", "Indicatori", L.cell("actions@06-30", 2)) in codes
    assert not any(c[0] == "azioni-correttive-mancanti" and c[3] == L.cell("actions@06-30", 3) for c in codes)
    assert ("periodo-colonne-mancanti", "senza.xlsx", "Indicatori", "") in codes
    missing = next(f for f in d["findings"] if f["code"] == "azioni-correttive-mancanti")
    assert missing["message"] == ("In «prova.xlsx», foglio Indicatori: l'indicatore «Pratiche evase» è rosso al 30/06 "
                                  f"({L.cell('traffic_light@06-30', 2)}) e mancano le azioni correttive in "
                                  f"{L.cell('actions@06-30', 2)}.")
    # at the date: the same rules on the checkpoint's consuntivi; projected: lineare 40 -> 40 × 366/182
    m = d["monitoring"]
    assert m["date"] == "2024-06-30" and m["projection"] == "lineare" and m["missing_actions"] == 2
    objectives = {o["code"]: o for a in m["areas"] for o in a["objectives"]}
    decr = scoring.achievement(30.0, 35.0, "decrescente", SETTINGS)
    assert objectives["OB01"]["score"] == pytest.approx((60 * 40 + 40 * decr) / 100)
    assert objectives["OB01"]["projected_score"] == pytest.approx((60 * 40 * 366 / 182 + 40 * decr) / 100)
    assert objectives["OB02"]["score"] == 0 and objectives["OB02"]["projected_score"] == 0  # binario stays 0
    assert objectives["SD01"]["score"] == 100 and "ST01" not in objectives  # never scored 0: left out
    actions = {(a["indicator"], a["traffic_light"], a["actions"]) for a in m["corrective_actions"]}
    assert ("Tempo medio (giorni)", "giallo", "Rinforzo dello sportello") in actions
    assert ("Regolamento approvato", "rosso", None) in actions  # a binario not yet done at 30/06
    # the year end's consuntivi are not due at 30/06: not reported; a checkpoint's missing one is
    assert not any(f["code"] == "consuntivo-mancante" and f["column"] == "Target consuntivo" for f in d["findings"])
    # the workbook: its title, the projection beside the scores, the corrective actions
    book = openpyxl.load_workbook(out)
    sintesi = [c.value for row in book["Sintesi"].iter_rows() for c in row if c.value is not None]
    assert any(str(v).startswith("Monitoraggio al 30/06/2024") for v in sintesi)
    assert "Proiezione a fine anno" in sintesi
    assert {"Proiezione", "Azioni correttive"} <= set(book.sheetnames)
    texts = [c.value for row in book["Azioni correttive"].iter_rows() for c in row if isinstance(c.value, str)]
    assert f"MANCANTI: da scrivere in Indicatori!{L.cell('actions@06-30', 2)}" in texts
    assert "Rinforzo dello sportello" in texts


def test_at_a_checkpoint_the_published_year_end_score_is_not_compared(folder, tmp_path):
    """The Aree sheet's published score is the year end's: a monitoring report at 30/06 never calls an
    area «NON riprodotto». Its console, CSV and JSON show the score at the date and the projection."""
    areas = load_schema().areas
    for name in ("prova.xlsx", "due.xlsx", "senza.xlsx"):  # the area's score published the year before, 98,50
        wf.edit(folder / name, lambda wb: wb[areas.name].__setitem__(areas.cell("published_score", 2), 98.5))
    out, js, csv = tmp_path / "m.xlsx", tmp_path / "m.json", tmp_path / "m.csv"
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--periodo", "2024-06-30", "--out", str(out),
                                  "--json", str(js), "--csv", str(csv)])
    assert "Al 30/06   Fine anno" in r.output and "pubblicat" not in r.output.lower(), r.output
    assert "Prova" in r.output and "98,50" not in r.output
    header = csv.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Proiezione a fine anno" in header and "pubblicata" not in header
    d = json.loads(js.read_text(encoding="utf-8"))
    assert [(a["published"], a["reproduces"], a["explanation"]) for a in d["areas"]] == [(None, None, [])]
    assert d["monitoring"]["areas"][0]["projected_score"] is not None
    assert "non riproduce" not in " ".join(str(c.value) for c in openpyxl.load_workbook(out)["Prova"]["A"][:4])


def test_periodo_outside_the_settings_is_refused_naming_the_allowed_dates(folder, tmp_path):
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--periodo", "2024-05-31", "--out",
                                  str(tmp_path / "m.xlsx")])
    assert r.exit_code != 0 and "le date ammesse sono 30/06, 31/12" in r.output
    assert not (tmp_path / "m.xlsx").exists()
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--periodo", "2023-06-30", "--out",
                                  str(tmp_path / "m.xlsx")])
    assert r.exit_code != 0 and "sono del 2024" in r.output and not (tmp_path / "m.xlsx").exists()


def test_the_nightly_reports_a_missing_corrective_action(folder, tmp_path):
    result = run_nightly(folder, tmp_path / "rapporti")
    found = {(Path(f.file).name, f.code, f.cell) for f in result.findings}
    assert ("prova.xlsx", "azioni-correttive-mancanti", L.cell("actions@06-30", 2)) in found


def test_the_button_with_a_periodo_writes_the_monitoring_report(folder, tmp_path):
    pairs = [("Cartella delle cartelle di lavoro", str(folder)), ("Anno", 2024),
             ("Periodo", datetime.datetime(2024, 6, 30))]
    config = parse_config(pairs)
    assert config.periodo == "2024-06-30" and config.output == "Monitoraggio_2024-06-30.xlsx"
    c = run_consolida(config, tmp_path)
    assert c.actions and (tmp_path / "Monitoraggio_2024-06-30.xlsx").exists()
    book = openpyxl.load_workbook(tmp_path / "Monitoraggio_2024-06-30.xlsx")
    assert "Azioni correttive" in book.sheetnames
    # the table on the Consolida sheet: the scores at the date and projected, not the year end's published one
    header, first = press(pairs, tmp_path).rows[:2]
    assert "% Raggiungimento al 30/06/2024" in header and "Proiezione a fine anno" in header
    assert not any("pubblicat" in str(h) for h in header)
    assert first[header.index("Proiezione a fine anno")] == 65.61


def test_year_end_consolidation_ignores_the_checkpoints(folder, tmp_path):
    """Without --periodo the checkpoint columns change nothing of the Relazione (the year end's columns)."""
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--out", str(tmp_path / "r.xlsx"),
                                  "--json", str(tmp_path / "r.json")])
    d = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert "monitoring" not in d and d["not_used"] == [], r.output


def test_new_year_writes_the_checkpoint_columns_empty(folder, tmp_path):
    """Next year's workbooks have the checkpoints' columns (from the template), with no value of this year's."""
    r = CliRunner().invoke(main, ["new-year", str(folder), "--out", str(tmp_path / "2025")])
    assert r.exit_code == 0, r.output
    written = next(p for p in (tmp_path / "2025").iterdir() if "prova" in p.name)
    read = read_settore_workbook(written, SCHEMA)
    assert "actions@06-30" in read.columns and read.workbook.rows[1].projection == "costante"
    assert all(at_day["actual"] is None and at_day["actions"] == "" for row in read.workbook.rows
               for at_day in row.checkpoints.values())


def test_a_missing_checkpoint_consuntivo_is_reported_by_its_monitoring_report_only(tmp_path):
    f = tmp_path / "settori"
    f.mkdir()
    rows = monitored_rows()
    rows[0] = dataclasses.replace(rows[0], checkpoints=at(None))
    wf.write(f / "prova.xlsx", rows)
    cell = L.cell("actual@06-30", 2)
    validated = {(x.code, x.cell) for x in run_nightly(f, tmp_path / "rapporti").findings}
    assert ("consuntivo-mancante", cell) not in validated  # not due in an ordinary validation
    r = CliRunner().invoke(main, ["consolidate", str(f), "--periodo", "2024-06-30", "--out", str(tmp_path / "m.xlsx"),
                                  "--json", str(tmp_path / "m.json")])
    d = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert ("consuntivo-mancante", cell) in {(x["code"], x["cell"]) for x in d["findings"]}, r.output
