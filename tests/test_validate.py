"""perf-xl validate on a corpus of broken workbooks: one finding code each, at the right cell."""

import dataclasses
import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

import bad_inputs as bi
import workbook_factory as wf
from conftest import SHIPPED_2022, tree_hashes
from perf_xl.cli import main
from perf_xl.app.validate import validate_paths
from perf_xl.schema import checkpoint_key, load_schema
from perf_xl.settings import load_settings


def _findings(path):
    return [(f.code, f.cell, f.severity) for f in validate_paths([path]).report]


def _only(path, code):
    got = [f for f in validate_paths([path]).report if f.code == code]
    assert got, f"no {code} in {_findings(path)}"
    return got


def test_clean_workbook_has_no_finding(tmp_path):
    assert _findings(wf.write(tmp_path / "ok.xlsx")) == []


def test_shipped_workbooks_find_polizia_locale_weights():
    v = validate_paths([SHIPPED_2022])
    errors = v.report.errors
    assert [(f.code, f.cell) for f in errors] == [("pesi-somma", "O6:O8")]
    f = errors[0]
    assert f.file.endswith("2022_settore-polizia-locale.xlsx") and f.sheet == "Indicatori" and f.value == 82
    assert "Gestione di Servizio di Polizia Locale" in f.message and "82" in f.message


CELL_CASES = [
    ("numero-come-testo", "L2", dict(actual="24,29")),
    ("numero-come-testo", "K2", dict(target="1.082.072")),
    ("valore-non-numerico", "K2", dict(target="circa 5")),
    ("numero-come-testo", "L2", dict(actual="1,234.56")),  # English thousands and decimals
    ("numero-come-testo", "L2", dict(actual="24.29")),  # English decimal point
    ("numero-come-testo", "L2", dict(actual="96,25%")),
    ("atteso-negativo", "K2", dict(target=-3.0)),
    ("valore-mancante", "G2", dict(indicator="")),
    ("valore-non-ammesso", "J2", dict(polarity="alto")),
    ("peso-fuori-intervallo", "O2", dict(weight=160.0)),
]


@pytest.mark.parametrize("code,cell,change", CELL_CASES, ids=[c[0] + "-" + c[1] for c in CELL_CASES])
def test_cell_checks(tmp_path, code, cell, change):
    rows = wf.clean_rows()
    rows[0] = dataclasses.replace(rows[0], **change)
    found = _only(wf.write(tmp_path / "bad.xlsx", rows), code)
    assert [f.cell for f in found] == [cell]
    f = found[0]
    assert f.sheet == "Indicatori" and f.severity == "errore" and cell in f.message
    if code == "numero-come-testo":
        assert "riscriverlo come numero" in f.message and f.value == list(change.values())[0]


def test_text_number_message_says_what_to_type(tmp_path):
    rows = wf.clean_rows()
    rows[0] = dataclasses.replace(rows[0], actual="24,29")
    (f,) = _only(wf.write(tmp_path / "bad.xlsx", rows), "numero-come-testo")
    assert "(24,29)" in f.message and "Target consuntivo" in f.message


def test_date_and_boolean_in_numeric_cells(tmp_path):
    import datetime

    def change(wb):
        ws = wb["Indicatori"]
        ws["K2"] = datetime.date(2024, 5, 1)
        ws["L3"] = True

    p = wf.edit(wf.write(tmp_path / "bad.xlsx"), change)
    assert sorted(f.cell for f in _only(p, "tipo-non-numerico")) == ["K2", "L3"]


def test_row_and_objective_checks(tmp_path):
    rows = wf.clean_rows()
    rows.append(wf.row(indicator="Pratiche evase", target=100.0, actual=100.0, weight=0.0,
                       note="copia"))  # row 6: duplicate
    rows.append(wf.row(objective_code="OB02", objective="Un altro nome", indicator="Altro", weight=0.0,
                       note="nettizzato"))  # row 7
    rows.append(wf.row(objective_code="OB03", objective="Tre", indicator="Zero", target=0.0, actual=1.0,
                       weight=100.0))  # row 8: atteso 0 on crescente
    rows.append(wf.row(objective_code="OB04", objective="Quattro", indicator="Binario", polarity="binario",
                       target=1.0, actual=2.0, weight=100.0))  # row 9
    rows.append(wf.row(objective_code="OB05", objective="Cinque", indicator="Da fare", actual=None,
                       weight=100.0))  # row 10
    rows.append(wf.row(objective_code="OB06", objective="Sei", indicator="Senza nota", weight=0.0))  # row 11
    rows.append(wf.row(objective_code="OB06", objective="Sei", indicator="Con peso", weight=90.0))  # row 12
    p = wf.write(tmp_path / "bad.xlsx", rows)
    assert [f.cell for f in _only(p, "indicatore-duplicato")] == ["G6"]
    assert [f.cell for f in _only(p, "codice-nomi-diversi")] == ["C7"]
    assert [f.cell for f in _only(p, "atteso-zero")] == ["K8"]
    assert [f.cell for f in _only(p, "binario-non-01")] == ["L9"]
    missing = _only(p, "consuntivo-mancante")
    assert [(f.cell, f.severity) for f in missing] == [("L10", "avviso")]
    assert [(f.cell, f.severity) for f in _only(p, "nettizzato-senza-nota")] == [("N11", "avviso")]
    weights = _only(p, "pesi-somma")
    assert [(f.cell, f.value) for f in weights] == [("O11:O12", 90)]


def test_formula_overwritten_and_cached_error(tmp_path):
    p = wf.edit(wf.write(tmp_path / "bad.xlsx"), lambda wb: wb["Indicatori"].__setitem__("P3", 100))
    (f,) = _only(p, "formula-sovrascritta")
    assert (f.cell, f.column, f.value) == ("P3", "% Ragg", "100")
    p2 = wf.set_cached_error(wf.write(tmp_path / "err.xlsx"), "P4")
    (e,) = _only(p2, "errore-formula")
    assert (e.cell, e.value) == ("P4", "#DIV/0!")
    p3 = wf.edit(wf.write(tmp_path / "mod.xlsx"), lambda wb: wb["Indicatori"].__setitem__("M2", "=L2-K2+1"))
    (m,) = _only(p3, "formula-modificata")
    assert m.cell == "M2" and m.severity == "avviso"


def test_structure_one_finding_not_a_cascade(tmp_path):
    moved = wf.write(tmp_path / "moved.xlsx", schema=wf.moved_schema("note", "weight"))
    got = _findings(moved)
    assert sorted(c for c, _, _ in got) == ["colonna-spostata", "colonna-spostata"]
    renamed = wf.edit(wf.write(tmp_path / "renamed.xlsx"), lambda wb: wb["Indicatori"].__setitem__("K1", "Target"))
    assert [(c, cell) for c, cell, _ in _findings(renamed)] == [("colonna-rinominata", "K1")]
    def drop_col(wb):
        wb["Indicatori"].delete_cols(7)
    missing = wf.edit(wf.write(tmp_path / "missing.xlsx"), drop_col)
    assert [c for c, _, _ in _findings(missing) if c.startswith("colonna")][0] == "colonna-mancante"
    extra = wf.edit(wf.write(tmp_path / "extra.xlsx"), lambda wb: wb.create_sheet("Appunti"))
    assert _findings(extra) == [("foglio-in-piu", "", "avviso")]
    nosheet = wf.edit(wf.write(tmp_path / "nosheet.xlsx"), lambda wb: wb.remove(wb["Aree"]))
    assert _findings(nosheet) == [("foglio-mancante", "", "errore")]
    noyear = wf.write(tmp_path / "noyear.xlsx", info={"year": None})
    assert _findings(noyear) == [("info-mancante", "B2", "errore")]


def test_files_that_are_not_workbooks(tmp_path):
    (tmp_path / "vuoto.xlsx").write_bytes(b"")
    (tmp_path / "testo.xlsx").write_text("Non sono un foglio di calcolo", encoding="utf-8")
    (tmp_path / "troncato.xlsx").write_bytes(wf.write(tmp_path / "x.xlsx").read_bytes()[:2000])
    (tmp_path / "x.xlsx").unlink()
    bi.encrypted(wf.write(tmp_path / "chiaro.xlsx"), tmp_path / "protetto.xlsx")
    (tmp_path / "chiaro.xlsx").unlink()
    codes = {f.file.rsplit("/", 1)[-1]: f.code for f in validate_paths([tmp_path]).report}
    assert codes == {"vuoto.xlsx": "file-vuoto", "testo.xlsx": "file-non-excel",
                     "troncato.xlsx": "file-illeggibile", "protetto.xlsx": "file-protetto"}


def test_legacy_xls(tmp_path, require_libreoffice):
    xls = bi.legacy_xls(wf.write(tmp_path / "vecchio.xlsx"), tmp_path / "vecchio.xls", require_libreoffice)
    assert _findings(xls) == [("formato-xls", "", "errore")]


def test_cli_exit_codes_outputs_and_sources_untouched(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    wf.write(good / "ok.xlsx")
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    wf.edit(bad / "ok.xlsx", lambda wb: wb["Indicatori"].__setitem__("L2", "24,29"))
    before = {**tree_hashes(good), **{"bad/" + k: v for k, v in tree_hashes(bad).items()}}
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good)]).exit_code == 0
    r = runner.invoke(main, ["validate", str(bad), "--json", str(tmp_path / "f.json"),
                             "--report", str(tmp_path / "f.xlsx")])
    assert r.exit_code == 1, r.output
    assert "numero-come-testo" in r.output and "L2" in r.output
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data["counts"]["errors"] == 1
    (rec,) = data["findings"]
    assert {k: rec[k] for k in ("sheet", "cell", "row", "column", "code", "severity", "value")} == {
        "sheet": "Indicatori", "cell": "L2", "row": 2, "column": "Target consuntivo",
        "code": "numero-come-testo", "severity": "errore", "value": "24,29"}
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx")["Segnalazioni"]
    link = ws["C2"].hyperlink
    assert ws["C2"].value == "L2" and link.location == "'Indicatori'!L2"
    assert link.target.replace("\\", "/") == "bad/ok.xlsx"  # relative to the report, as on a shared drive
    assert runner.invoke(main, ["validate", str(tmp_path / "nope")]).exit_code == 2
    after = {**tree_hashes(good), **{"bad/" + k: v for k, v in tree_hashes(bad).items()}}
    assert before == after


def test_console_table_wraps_long_messages_and_cuts_nothing():
    from perf_xl.io.report import format_table
    from perf_xl.model import ERROR, WARNING, Finding, Report

    long = " ".join(f"parola{i}" for i in range(120))
    report = Report([Finding("a.xlsx", "Indicatori", "O2", 2, "Peso", "pesi-somma", ERROR, long, None),
                     Finding("a.xlsx", "testo", "riga 3", 3, "", "area-non-coerente", WARNING,
                             "«Area»: prima riga.\n- seconda riga\n- terza riga", None)])
    table = format_table(report)
    assert all(len(line) <= 110 for line in table.splitlines())
    assert " ".join(table.split()).count(long) == 1
    assert "        - seconda riga\n        - terza riga" in table
    assert table.endswith("1 errore, 1 avviso.")
    assert "… e un'altra segnalazione" in format_table(report, limit=1)


def test_report_link_is_percent_encoded_once():
    from perf_xl.io.report import external_link

    assert external_link("a#b.xlsx", "Indicatori", "L2") == "external:a%23b.xlsx#'Indicatori'!L2"
    assert external_link("../x/100% a.xlsx", "Ind'x", "A1") == "external:../x/100%25%20a.xlsx#'Ind''x'!A1"


def test_weights_count_to_the_hundredth_as_printed(tmp_path):
    """Thirds typed as 33,333 sum to 99,999: printed 100, so not an error («sommano a 100 invece di 100»
    would make no sense); 99,99 is one, as it is printed."""
    def objective(code, weights):
        return [wf.row(objective_code=code, objective=f"Obiettivo {code}", indicator=f"Indicatore {i}", weight=w)
                for i, w in enumerate(weights, 1)]

    rows = objective("OB01", [33.333, 33.333, 33.333]) + objective("OB02", [33.33, 33.33, 33.33])
    weights = _only(wf.write(tmp_path / "terzi.xlsx", rows), "pesi-somma")
    assert [(f.cell, f.value) for f in weights] == [("O5:O7", pytest.approx(99.99))]
    assert "OB02" in weights[0].message and "sommano a 99,99 invece di 100" in weights[0].message


def test_workbooks_of_the_previous_template_pass_the_formula_check(tmp_path):
    """A workbook built before the settings travelled as defined names (thresholds written into its
    formulas) is recognised, not reported cell by cell as changed."""
    from perf_xl import formulas_legacy
    from perf_xl.settings import load_settings

    p = wf.write(tmp_path / "old.xlsx", wf.clean_rows())
    wb = openpyxl.load_workbook(p)
    layout = wf.SCHEMA.indicators
    ws = wb[layout.name]
    letters, first = layout.letters(), layout.first_data_row
    last = ws.max_row
    for r in range(first, last + 1):
        for c in layout.columns:
            if c.computed:
                extra = {"first_row": first, "last_row": last} if c.rule == "objective_score" else {}
                ws[f"{c.letter}{r}"] = formulas_legacy.RULES[c.rule](letters, r, load_settings(), **extra)
    wb.save(p)
    assert not [f for f in validate_paths([p]).report if f.code.startswith("formula")]


def test_a_cell_in_the_middle_of_adjacent_formula_columns_is_named(tmp_path):
    """% Ragg, Barometro and the objective's score sit side by side and are checked in one pass; a value
    typed over the middle one is still that cell's finding, and its neighbours on the row are not."""
    p = wf.edit(wf.write(tmp_path / "bad.xlsx"), lambda wb: wb["Indicatori"].__setitem__("Q3", "verde"))
    assert [(f.code, f.cell) for f in validate_paths([p]).report if f.code.startswith(("formula", "errore-f"))] == \
        [("formula-sovrascritta", "Q3")]


def test_cells_typed_over_in_several_runs_of_formula_columns_are_each_named(tmp_path):
    """Every run of formula columns (year end, checkpoint, weight sum) is checked in one pass over the
    sheet; values typed over cells of three different runs are three findings, each naming its cell."""
    schema = load_schema().with_checkpoints(load_settings().intermediate_checkpoints)
    layout = schema.indicators
    ragg = layout.column("achievement").letter
    barometro = layout.column(checkpoint_key("traffic_light", "06-30")).letter
    somma = next(c.letter for c in layout.columns if c.computed and c.rule == "weight_sum")

    def type_over(wb):
        ws = wb["Indicatori"]
        ws[f"{ragg}2"] = 0.5
        ws[f"{barometro}3"] = "verde"
        ws[f"{somma}4"] = 100

    p = wf.edit(wf.write(tmp_path / "bad.xlsx"), type_over)
    assert sorted((f.code, f.cell) for f in validate_paths([p]).report if f.code.startswith(("formula", "errore-f"))) == \
        sorted([("formula-sovrascritta", f"{ragg}2"), ("formula-sovrascritta", f"{barometro}3"),
                ("formula-sovrascritta", f"{somma}4")])
