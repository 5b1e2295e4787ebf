"""Errors are visible in the settore workbook itself: marks (conditional formats), typing rules
(data validations), the objective's weight sum and a legend, all from ``schemas/settore.toml``.

The conditional formats' effect is checked the robust way: every condition written in the file is
copied, shifted to each row as Excel shifts it, into a helper cell of a copy, and LibreOffice
(forced full recalculation) computes it; it must be TRUE exactly on the cells that hold the bad
inputs of the issue (weights 20/30/32, «venti» as a weight, «crescent» as polarity, «24,5» typed as
text, a missing consuntivo, a weight of 120) and FALSE everywhere else.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter

import workbook_factory as wf
from libreoffice import recalculate_many
from perf_xl import formulas, scoring
from perf_xl.app.validate import validate_paths
from perf_xl.io.marks import legend_column
from perf_xl.io.reader import read_settore_workbook
from perf_xl.schema import SchemaDefinitionError, at_checkpoint, load_schema, load_style, parse_schema, schemas_dir
from perf_xl.settings import load_settings

SCHEMA = load_schema()
# as the template writes it: with the columns of the settings' monitoring checkpoints
L = SCHEMA.with_checkpoints(load_settings().intermediate_checkpoints).indicators
SPARE = 3


def _bad_rows():
    """Rows 2..10 of the sheet; the comment says which marks each should get."""
    r = wf.row
    return [
        r(objective_code="OB01", indicator="Uno", weight=20.0),  # 2  weights 20/30/32: sum 82
        r(objective_code="OB01", indicator="Due", weight=30.0),  # 3
        r(objective_code="OB01", indicator="Tre", weight=32.0),  # 4
        r(objective_code="OB02", indicator="Polarità", polarity="crescent", weight=100.0),  # 5
        r(objective_code="OB03", indicator="Peso in lettere", weight="venti"),  # 6  (sum of numbers: 100)
        r(objective_code="OB03", indicator="Altro", weight=100.0,  # 7  rosso at 30/06, actions written
          checkpoints={"06-30": {"actual": 1.0, "actions": "Nuovo bando"}}),
        r(objective_code="OB04", indicator="Testo", target="24,5", weight=100.0),  # 8
        r(objective_code="OB05", indicator="Senza consuntivo", actual=None, weight=100.0),  # 9
        r(objective_code="OB06", indicator="Peso alto", weight=120.0),  # 10
        r(objective_code="OB07", indicator="Pulito", target=200.0, actual=24.5, weight=100.0,  # 11  rosso at 30/06
          checkpoints={"06-30": {"actual": 50.0, "actions": ""}}),  # without corrective actions
        r(objective_code="OB08", indicator="Maiuscolo", polarity="DECRESCENTE", weight=100.0),  # 12
        r(objective_code="OB09", indicator="Ripreso", target_state="da confermare", weight=100.0),  # 13
    ]


# the cells each mark must colour (every other cell of its columns stays as it is)
EXPECTED = {
    "weights-not-100": {f"{L.column(k).letter}{n}" for k in ("weight", "objective_score", "weight_sum")
                        for n in (2, 3, 4, 10)},
    "polarity-not-allowed": {f"{L.column('polarity').letter}5", f"{L.column('polarity').letter}12"},
    "text-in-number": {f"{L.column('weight').letter}6", f"{L.column('target').letter}8"},
    "actual-missing": {f"{L.column('actual').letter}9"},
    "out-of-range": {f"{L.column('weight').letter}10"},
    "target-pending": {f"{L.column('target').letter}13"},
    "actions-missing": {f"{L.column('actions@06-30').letter}11"},
}


def _letters(mark):
    """The letter map a mark's rule is written with (a checkpoint's mark reads that checkpoint's cells)."""
    return at_checkpoint(L.letters(), mark.checkpoint) if mark.checkpoint else L.letters()


def _first_cell(sqref) -> str:
    return str(sqref).split(":")[0]


def _rules_by_column(ws) -> dict[str, list]:
    """Column letter -> its conditional formatting rules (each with its range's first cell)."""
    out: dict[str, list] = {}
    for rng in ws.conditional_formatting:
        first = _first_cell(rng.sqref)
        for rule in rng.rules:
            out.setdefault(re.match(r"[A-Z]+", first).group(0), []).append((first, rule))
    return out


def test_marks_and_validations_come_from_the_schema(tmp_path):
    path = wf.write(tmp_path / "s.xlsx", rows=_bad_rows(), spare_rows=SPARE)
    ws = openpyxl.load_workbook(path)[L.name]
    rules = _rules_by_column(ws)
    last = 2 + len(_bad_rows()) + SPARE - 1
    for mark in L.marks:
        for key in mark.columns:
            col = L.column(key)
            expected = formulas.MARK_RULES[mark.rule](_letters(mark), key, 2, col)
            found = [r for first, r in rules[col.letter] if r.formula == [expected]]
            assert len(found) == 1, (mark.key, key)
            assert found[0].dxf.fill.bgColor.rgb.endswith(mark.fill.lstrip("#")), (mark.key, key)
            assert any(str(rng.sqref) == f"{col.letter}2:{col.letter}{last}" for rng in ws.conditional_formatting
                       if [r.formula for r in rng.rules] and expected in [r.formula[0] for r in rng.rules])
    # the marks come before the whole-number formats (LibreOffice shows only the first true one)
    for col in L.columns:
        if col.whole_format:
            whole = formulas.whole_number(L.letters(), col.key, 2, col)
            (w,) = [r.priority for _, r in rules[col.letter] if r.formula == [whole]]
            assert all(r.priority < w for _, r in rules[col.letter] if r.formula != [whole]), col.key

    # typing rules: number cells take numbers only, the weight 0-100, the polarity its list
    dvs = {_first_cell(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    for key in ("target", "actual", "published_achievement"):
        dv = dvs[L.cell(key, 2)]
        assert (dv.type, dv.formula1, dv.errorStyle or "stop") == ("custom", f"ISNUMBER({L.cell(key, 2)})", "stop")
        assert dv.error == L.column(key).error and dv.showErrorMessage
    w = dvs[L.cell("weight", 2)]
    assert (w.type, w.operator or "between", w.formula1, w.formula2) == ("decimal", "between", "0", "100")
    p = dvs[L.cell("polarity", 2)]
    assert (p.type, p.formula1) == ("list", '"' + ",".join(L.column("polarity").allowed) + '"')


def test_the_legend_explains_every_mark_beside_the_table(tmp_path):
    path = wf.write(tmp_path / "s.xlsx", spare_rows=SPARE)
    ws = openpyxl.load_workbook(path)[L.name]
    swatch, text = legend_column(L) + 1, legend_column(L) + 2  # 1-based
    assert swatch > len(L.columns) + 1  # a gap after the table
    assert ws.cell(L.header_row, swatch).value == L.legend.title
    assert ws.cell(L.header_row, text).value == L.legend.heading
    for i, mark in enumerate(L.marks, start=L.header_row + 1):
        cell = ws.cell(i, swatch)
        assert (cell.value or "") == mark.sample
        assert cell.fill.fgColor.rgb.endswith(mark.fill.lstrip("#"))
        sentence = ws.cell(i, text).value
        assert sentence == mark.legend and sentence[0].isupper() and sentence.endswith(".")
    assert ws.cell(L.header_row + 1 + len(L.marks), text).value == L.legend.note
    # the legend is never read as data
    read = read_settore_workbook(path)
    assert not read.findings and len(read.workbook.rows) == len(wf.clean_rows())


def test_decimal_formats_have_a_whole_number_format():
    """A format with optional decimals («#,##0.##») shows 200 as «200,» in Excel: each such column
    has a ``whole_format`` without the separator, applied to whole numbers."""
    for col in L.columns:
        if col.format and re.search(r"\.#", col.format):
            assert col.whole_format and "." not in col.whole_format, col.key


def _helper_copy(src, dst) -> dict[tuple[str, str, str], str]:
    """A copy of ``src`` with each conditional format's condition, shifted to every row of its
    range, in a helper cell to the right of the legend; (mark or format, column letter, cell) ->
    helper cell."""
    book = openpyxl.load_workbook(src)
    ws = book[L.name]
    by_formula = {}
    letters = L.letters()
    for mark in L.marks:
        for key in mark.columns:
            by_formula[formulas.MARK_RULES[mark.rule](_letters(mark), key, 2, L.column(key))] = mark.key
    for col in L.columns:
        if col.whole_format:
            by_formula[formulas.whole_number(letters, col.key, 2, col)] = "whole"
    helpers = {}
    helper_col = legend_column(L) + 4
    for rng in ws.conditional_formatting:
        first = _first_cell(rng.sqref)
        letter = re.match(r"[A-Z]+", first).group(0)
        for rule in rng.rules:
            what = by_formula.get(rule.formula[0])
            if what is None:
                continue  # the Barometro's colours
            helper_col += 1
            for n in range(2, ws.max_row + 1):
                cell = f"{letter}{n}"
                shifted = Translator("=" + rule.formula[0], origin=first).translate_formula(cell)
                ws.cell(n, helper_col).value = shifted
                helpers[(what, letter, cell)] = f"{get_column_letter(helper_col)}{n}"
    book.save(dst)
    return helpers


@pytest.mark.libreoffice
def test_marks_appear_on_the_bad_inputs_in_libreoffice(require_libreoffice, tmp_path):
    src = wf.write(tmp_path / "bad.xlsx", rows=_bad_rows(), spare_rows=SPARE)
    helpers = _helper_copy(src, tmp_path / "helpers.xlsx")
    assert {w for w, _, _ in helpers} == {m.key for m in L.marks} | {"whole"}
    (out,) = recalculate_many([tmp_path / "helpers.xlsx"], tmp_path / "lo")
    ws = openpyxl.load_workbook(out, data_only=True)[L.name]
    got: dict[str, set[str]] = {}
    for (what, _, cell), helper in helpers.items():
        value = ws[helper].value
        assert value in (True, False, 0, 1), (what, cell, value)  # never an error value
        if value:
            got.setdefault(what, set()).add(cell)
    whole = got.pop("whole")
    assert got == EXPECTED
    # whole numbers get the format without a decimal separator; 24,5 and text do not
    t, a = L.column("target").letter, L.column("actual").letter
    assert {f"{t}11", f"{t}2"} <= whole and f"{a}11" not in whole and f"{t}8" not in whole
    # the objective's weight sum as LibreOffice computes it: the numbers of the objective's weights
    ws_sum = {n: ws[L.cell("weight_sum", n)].value for n in range(2, 12)}
    assert [ws_sum[n] for n in (2, 3, 4, 5, 6, 7, 10, 11)] == [82, 82, 82, 100, 100, 100, 120, 100]
    assert ws[L.cell("weight_sum", 14)].value in (None, "")  # a spare row stays empty


def test_the_sheet_marks_the_cells_that_validation_reports(tmp_path):
    """What a dirigente sees coloured is what ``perf-xl validate`` reports, cell for cell (the weights
    mark also colours the objective's score and weight sum, which are not typed)."""
    path = wf.write(tmp_path / "bad.xlsx", rows=_bad_rows(), spare_rows=SPARE)
    reported = set()
    for f in validate_paths([path]).findings:
        first, _, end = f.cell.partition(":")
        col, a = re.match(r"([A-Z]+)(\d+)", first).groups()
        reported |= {f"{col}{n}" for n in range(int(a), int(end[len(col):] if end else a) + 1)}
    inputs = {c.letter for c in L.columns if c.input}
    marked = {cell for cells in EXPECTED.values() for cell in cells if re.match(r"[A-Z]+", cell).group(0) in inputs}
    assert marked == reported


def test_the_weight_sum_column_is_a_checked_formula_and_may_be_missing(tmp_path, settings):
    folder = tmp_path / "f"
    folder.mkdir()
    path = wf.write(folder / "s.xlsx", spare_rows=SPARE)
    ws = openpyxl.load_workbook(path, data_only=True)[L.name]
    assert [ws[L.cell("weight_sum", n)].value for n in (2, 3, 4, 5)] == [100, 100, 100, 100]  # cached
    assert scoring.weights_sum_to_100(100 + scoring.WEIGHT_SUM_TOLERANCE)
    # a typed value instead of the formula is found, as for every computed column
    wf.edit(path, lambda wb: wb[L.name].__setitem__(L.cell("weight_sum", 3), 100))
    found = [(f.code, f.cell) for f in validate_paths([path]).findings]
    assert found == [("formula-sovrascritta", L.cell("weight_sum", 3))]
    # a workbook written before the column existed (and the year's cycle's, after it) is read and
    # checked with no finding about it
    old = wf.write(folder / "s.xlsx", spare_rows=SPARE)
    wf.edit(old, lambda wb: wb[L.name].delete_cols(L.column("weight_sum").position, 20))
    before = L.column("weight_sum").position - 1
    assert [c.value for c in openpyxl.load_workbook(old)[L.name][1]] == list(L.labels[:before])
    assert all(c.optional for c in L.columns[before:])
    assert not validate_paths([old]).findings


def test_computed_fill_and_marks_do_not_share_colours():
    """A mark is told apart from the computed cells' grey, the header and from each other."""
    fills = [m.fill.upper() for m in L.marks]
    assert len(set(fills)) == len(fills)
    style = load_style()
    assert not {style["computed_fill"].upper(), style["header_fill"].upper()} & set(fills)


def test_a_mark_with_an_unknown_rule_or_column_is_a_schema_error(tmp_path):
    text = (schemas_dir() / "settore.toml").read_text(encoding="utf-8")
    with pytest.raises(SchemaDefinitionError, match="unknown rule"):
        wf.write(tmp_path / "s.xlsx", schema=parse_schema(text.replace('rule = "not_allowed"', 'rule = "non_ammesso"')))
    with pytest.raises(SchemaDefinitionError, match="unknown columns"):
        parse_schema(text.replace('columns = ["polarity"]', 'columns = ["polarita"]'))
