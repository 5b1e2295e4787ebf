"""The checks of a batch of workbooks already read: the core's checks (cells, rows, objectives,
the Info sheet) and the formula check, which reads the Indicatori sheet's XML (io) and compares
each computed cell with the schema's formula (:mod:`perf_xl.formulas`).

A cell the reader already reported, or the cell checks reported, gets no second finding.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from openpyxl.utils import get_column_letter

from .. import formulas, formulas_legacy
from ..core.checks import (_Ctx, check_cells, check_duplicates, check_indicator_codes, check_info,
                           check_objective_names, check_objective_weights, check_values, finding_order,
                           objective_names, ObjectiveName)
from ..findings import finding
from ..io.formula_scan import CellCursor, as_stored, canonical_sheet, last_formula_row, rows_with_runs
from ..model import Finding, ReadResult, Report
from ..core.monitoring import corrective_actions, has_checkpoint, missing_actions
from ..schema import WorkbookSchema, at_checkpoint, checkpoint_key
from ..settings import Settings

# --- formula checks ------------------------------------------------------------------------------

_ABS_ROW = re.compile(r"\$(\d+)")


def _normal(formula: str) -> str:
    return _ABS_ROW.sub("$", formula.lstrip("=").replace(" ", "").upper())


_SENTINEL_ROW = 1048577  # one past Excel's last row: never part of a real formula
_SENTINEL_LAST = 1048578  # a range's last row, in the shape of a formula scanned for (see rows_with_runs)


def _row_templates(rules: dict, letters: dict[str, str], settings: Settings, computed, first: int, last: int):
    """Each computed column's formula with a placeholder row, built once per file (not per cell); a
    monitoring checkpoint's column is its year-end twin's rule on the checkpoint's cells."""
    out = {}
    for c in computed:
        extra = {"first_row": first, "last_row": last} if c.rule == "objective_score" else {}
        at = at_checkpoint(letters, c.checkpoint) if c.checkpoint else letters
        out[c.key] = rules[c.rule](at, _SENTINEL_ROW, settings, **extra).lstrip("=")
    return out


def _intact(data: bytes, computed, letters: dict, shape: dict, sentinel: bytes, last_row, rows: set[int],
            columns: dict[str, int]) -> dict[str, set[int]]:
    """Each computed column's rows that hold exactly the template's formula. Columns side by side in the
    sheet (Barometro after % Ragg…) are scanned as one run, and all the runs in one pass over the XML;
    when a run of several columns misses a row, its columns are scanned one by one (in one more pass),
    which says which cell is not as expected."""
    runs: list[list] = []
    for c in sorted(computed, key=lambda c: columns[c.key]):
        if runs and columns[c.key] == columns[runs[-1][-1].key] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])

    def scan(runs: list[list]) -> list[set[int]]:
        return rows_with_runs(data, [[(letters[c.key], shape[c.key]) for c in run] for run in runs], sentinel,
                              last_row)

    ok: dict[str, set[int]] = {}
    alone = []  # the columns of a run that missed a row
    for run, found in zip(runs, scan(runs)):
        if len(run) == 1 or rows <= found:
            ok.update((c.key, found) for c in run)
        else:
            alone += run
    if alone:
        ok.update((c.key, found) for c, found in zip(alone, scan([[c] for c in alone])))
    return ok


@functools.lru_cache(maxsize=64)
def _shapes(letters: tuple[tuple[str, str], ...], computed: tuple, first: int, settings: Settings) -> dict[str, bytes]:
    """Each computed column's formula as stored, its own row and its range's last row left as
    placeholders: the same for every workbook of one layout, so built once per run, not per file."""
    shapes = _row_templates(formulas.RULES, dict(letters), settings, computed, first, _SENTINEL_LAST)
    return {key: as_stored(formula) for key, formula in shapes.items()}


def check_formulas(read: ReadResult, schema: WorkbookSchema, settings: Settings) -> list[Finding]:
    """Computed cells must hold the schema's formula, not a typed value, and no cached error."""
    layout = schema.indicators
    computed = [c for c in layout.columns if c.computed and c.key in read.columns]
    if read.workbook is None or not computed or not read.raw_rows:
        return []
    if any(c.key not in read.columns for c in layout.columns if (c.required or c.computed) and not c.optional):
        return []  # a missing or renamed column is already one finding; formulas would only cascade
    letters = {key: get_column_letter(i + 1) for key, i in read.columns.items()}
    data = read.indicators_xml
    if data is None:
        return []  # a damaged sheet is already the reader's finding
    first = layout.first_data_row
    last = last_formula_row(data, letters[computed[-1].key]) or first
    native = others = None  # the formulas a finding names, and the other modes': built only for a cell that is not native
    shape = _shapes(tuple(letters.items()), tuple(computed), first, settings)
    sentinel, last_row = str(_SENTINEL_ROW).encode(), (str(_SENTINEL_LAST).encode(), last)
    rows = {excel_row for excel_row, _ in read.raw_rows}
    # the common case: exactly the template's formula for its own row, compared as stored
    ok = _intact(data, computed, letters, shape, sentinel, last_row, rows, read.columns)
    if any(not rows <= found for found in ok.values()):
        # a cell not found as expected: first make sure the sheet is in the layout the byte scans
        # know (a writer may put s="…" before r="…"); if it was not, look again in the rewritten XML
        full = canonical_sheet(data)
        if full is not data:
            data = read.indicators_xml = full
            ok = _intact(data, computed, letters, shape, sentinel, last_row, rows, read.columns)
    missed = [c for c in computed if not rows <= ok[c.key]]
    if not missed:
        return []  # every computed cell holds its formula: nothing to look at cell by cell
    cursor = None
    out = []
    for excel_row, _ in read.raw_rows:
        for c in missed:
            if excel_row in ok[c.key]:
                continue
            letter = letters[c.key]
            cursor = cursor or CellCursor(data)
            raw = cursor.get(letter, excel_row)
            got = None if raw is None else raw.content()
            cell = f"{letter}{excel_row}"
            if native is None:
                native = _row_templates(formulas.RULES, letters, settings, computed, first, last)
            expected = native[c.key].replace(str(_SENTINEL_ROW), str(excel_row))
            where = dict(file=read.workbook.path, sheet=layout.name, cell=cell, row=excel_row, column=c.label)
            if got is None or not got.has_formula:
                value = None if got is None else got.value
                out.append(finding("formula-sovrascritta", value=value, variant=None if value is not None else "vuota",
                                   formula=expected, **where))
                continue
            if got.is_error:
                out.append(finding("errore-formula", value=got.value, **where))
            if others is None:
                others = [_row_templates(rules, letters, settings, computed, first, last)
                          for rules in (formulas.UDF_RULES, formulas_legacy.RULES, formulas_legacy.UDF_RULES)]
            allowed = (_normal(expected),
                       *(_normal(o[c.key].replace(str(_SENTINEL_ROW), str(excel_row))) for o in others))
            if got.formula and _normal(got.formula) not in allowed:
                out.append(finding("formula-modificata", value="=" + got.formula, **where))
    return out


# --- monitoring checkpoints ----------------------------------------------------------------------

def check_actions(read: ReadResult, rows, ctx: _Ctx, settings: Settings) -> list[Finding]:
    """An indicator rosso or giallo at a monitoring checkpoint without corrective actions (a workbook
    without the checkpoint's columns has nothing to check). A checkpoint's consuntivo still empty is
    reported only by the monitoring report of that checkpoint (:mod:`perf_xl.app.run`): before the
    checkpoint it is not due, after it the year end's is what counts."""
    layout = ctx.schema.indicators
    out = []
    for day in layout.checkpoints:
        if has_checkpoint(read.columns, day):
            actions = corrective_actions(rows, day, settings, ctx.schema.marks.invalid, ctx.cell)
            out += missing_actions(actions, lambda d: layout.column(checkpoint_key("actions", d)).label,
                                   layout.checkpoint.label_date, lambda f: Path(f).name)
    return out


# --- the whole run -------------------------------------------------------------------------------

def validate_reads(reads: list[ReadResult], schema: WorkbookSchema, settings: Settings,
                   names_out: dict[str, list[ObjectiveName]] | None = None) -> Report:
    """All checks over workbooks already read (shared with consolidation: one read per file).

    With ``names_out``, the caller gets each file's objective names. The check across workbooks
    (copies of one settore's workbook, :mod:`perf_xl.core.duplicates`) is :mod:`perf_xl.app.run`'s.
    """
    report = Report()
    for read in reads:
        report.extend(read.findings)
        report.extend(check_info(read, schema))
    ok = [r for r in reads if r.workbook is not None]
    cell_findings = check_cells(ok, schema)
    report.extend(cell_findings)
    # one problem, one finding: a cell the cell checks reported (VERO in a number, "24.29") is not
    # reported again by the row checks (as a consuntivo still missing)
    reported = {(f.file, f.cell) for f in cell_findings}
    for read in ok:
        reported |= read.reported
    names: dict[str, list[ObjectiveName]] = {}
    for read in ok:
        ctx = _Ctx(schema, {k: get_column_letter(i + 1) for k, i in read.columns.items()})
        rows = list(read.workbook.rows)
        for check in (check_objective_weights, check_duplicates, check_indicator_codes, check_objective_names,
                      check_values):
            report.extend(f for f in check(rows, ctx) if (f.file, f.cell) not in reported)
        report.extend(check_formulas(read, schema, settings))
        report.extend(f for f in check_actions(read, rows, ctx, settings) if (f.file, f.cell) not in reported)
        if names_out is not None:
            names[read.workbook.path] = objective_names(rows, ctx)
    if names_out is not None:
        names_out.update(names)
    report.findings.sort(key=finding_order)
    return report


