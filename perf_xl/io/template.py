"""Write a settore workbook (the template) from the schema.

Every sheet, header, width, number format, drop-down list and formula comes from
``schemas/settore.toml`` and the settings; this module only lays them out with
xlsxwriter. Computed cells get native formulas *and* their cached values (computed
by :mod:`perf_xl.scoring`), so the workbook shows the right numbers even in a reader that
does not recalculate; Excel and LibreOffice recalculate them as the dirigente types.
User text is always written as a string cell, never as a formula.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import xlsxwriter

from .. import formulas
from .. import scoring
from ..wording import bounds, shorten
from ..model import INDICATOR_FIELDS, IndicatorRow, SettoreWorkbook
from ..schema import Column, WorkbookSchema, checkpoint_key, load_print, load_schema, load_style
from ..settings import LIGHTS, NEUTRALISED, Settings, load_settings
from .cells import write_value
from .marks import write_legend, write_marks
from .printing import fit_row, set_page
from .atomic import atomic_path

SPARE_ROWS = 30  # empty rows with formulas, so a dirigente can add indicators by typing


def _cached_values(rows: list[IndicatorRow], first_row: int, settings: Settings,
                   schema: WorkbookSchema) -> list[dict[str, object]]:
    """What each computed cell shows, by column key, by the core's rules on the cells as written (a
    number typed as text stays text: the cell shows the mark, as Excel will): the year-end columns from
    the consuntivo, each checkpoint's from its own consuntivo, by the same rules."""
    out: list[dict[str, object]] = [{} for _ in rows]
    for day in ("", *schema.indicators.checkpoints):
        actuals = [r.actual if not day else ((r.checkpoints or {}).get(day) or {}).get("actual") for r in rows]
        for values, cells in zip(out, _cells_at(rows, actuals, first_row, settings, schema)):
            values.update(cells if not day else {checkpoint_key(k, day): v for k, v in cells.items()})
    return out


def _cells_at(rows: list[IndicatorRow], actuals: list, first_row: int, settings: Settings,
              schema: WorkbookSchema) -> list[dict[str, object]]:
    """The computed cells of each row, by rule, with ``actuals`` as the consuntivi."""
    marks = schema.marks
    cells = [scoring.row_cells(r.target, a, r.polarity, r.weight, settings, marks.invalid)
             for r, a in zip(rows, actuals)]
    by_code: dict[str, list[tuple[int, object, object]]] = {}
    for i, (r, c) in enumerate(zip(rows, cells)):
        by_code.setdefault(r.objective_code, []).append((first_row + i, r.weight, c.achievement))
    scores = {code: scoring.objective_cell(items, marks.invalid, marks.objective_invalid)
              for code, items in by_code.items()}
    # the native SUMIF adds the numbers among the objective's weights (text and blanks are not summed)
    weight_sums = {code: sum(w for _, w, _ in items if scoring.is_number(w)) for code, items in by_code.items()}
    return [{"achievement": c.achievement, "deviation": c.deviation, "traffic_light": c.traffic_light,
             "objective_score": scores[r.objective_code],
             "weight_sum": weight_sums[r.objective_code] if r.objective_code else None}
            for r, c in zip(rows, cells)]


def _input_value(row: IndicatorRow, c: Column):
    """What a row holds for an input column: its field, a checkpoint's value, or an extra column's."""
    if c.checkpoint:
        return ((row.checkpoints or {}).get(c.checkpoint) or {}).get(c.base)
    return getattr(row, c.key) if c.key in INDICATOR_FIELDS else (row.extra or {}).get(c.key)


def _define_settings_names(book, schema: WorkbookSchema, settings: Settings) -> None:
    """The settings the workbook is built with, as defined names: its native formulas and the
    UDF calls read these, so every PC shows the same Barometro (see :mod:`perf_xl.formulas`)."""
    names = schema.names
    book.define_name(names.green, f"={settings.green:g}")
    book.define_name(names.yellow, f"={settings.yellow:g}")
    book.define_name(names.decreasing_ratio, f'="{settings.decreasing_ratio}"')


def write_settore_workbook(path: str | Path, wb: SettoreWorkbook, schema: WorkbookSchema | None = None,
                           settings: Settings | None = None, spare_rows: int = SPARE_ROWS,
                           formula_mode: str = "native") -> Path:
    """Write ``wb`` as a settore workbook at ``path`` (atomically).

    ``formula_mode="udf"`` puts the xlwings UDFs in the computed cells, each wrapped as
    ``IFERROR(PERF_…(…), native)`` so a workbook opened without the add-in still shows
    the native formula's value.
    """
    if formula_mode not in formulas.FORMULA_MODES:
        raise ValueError(f"formula_mode must be one of {sorted(formulas.FORMULA_MODES)}")
    settings = settings or load_settings()
    # the columns of the settings' intermediate monitoring checkpoints, from the schema's column group
    schema = (schema or load_schema()).with_checkpoints(settings.intermediate_checkpoints)
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"title": f"Piano della performance {wb.info.get('year', '')} — {wb.info.get('settore', '')}",
                             "subject": "perf_xl settore workbook", "comments": f"schema {schema.version}",
                             # fixed, so the same content gives the same bytes (the nightly run hashes them)
                             "created": datetime.datetime(int(wb.info.get("year") or 2000), 1, 1)})
        _define_settings_names(book, schema, settings)
        _write_indicators(book, wb, schema, settings, spare_rows, formulas.FORMULA_MODES[formula_mode])
        _write_areas(book, wb, schema)
        _write_info(book, wb, schema)
        _write_variations(book, wb, schema)
        book.close()
    return path


def _col_format(book, col: Column, wrap: bool):
    props = {"valign": "top", "locked": not col.input}
    if col.format:
        props["num_format"] = col.format
    if wrap:
        props["text_wrap"] = True
    if col.computed or col.reference:  # grey and locked: nothing to type (a reference is last year's)
        props["bg_color"] = load_style()["computed_fill"]
    return book.add_format(props)




def _header_format(book):
    return book.add_format({"bold": True, "font_color": "white", "bg_color": load_style()["header_fill"],
                            "text_wrap": True, "valign": "vcenter", "border": 1, "locked": True})


def _write_header(book, ws, header_row0: int, labels) -> None:
    fmt = _header_format(book)
    for c, label in enumerate(labels):
        ws.write_string(header_row0, c, label, fmt)


def _write_indicators(book, wb: SettoreWorkbook, schema: WorkbookSchema, settings: Settings, spare_rows: int,
                      rules: dict) -> None:
    layout = schema.indicators
    ws = book.add_worksheet(layout.name)
    h0 = layout.header_row - 1
    first = layout.first_data_row
    rows = list(wb.rows)
    last = first + len(rows) + spare_rows - 1
    letters = {c.key: layout.letters_for(c) for c in layout.columns}  # a checkpoint's rules read its cells
    wrapped = {c.key for c in layout.columns if c.type == "text" and c.width >= 20}
    formats = {c.key: _col_format(book, c, wrap=c.key in wrapped) for c in layout.columns}
    for c in layout.columns:
        ws.set_column(c.position - 1, c.position - 1, c.width, formats[c.key])
    _write_header(book, ws, h0, layout.labels)
    ws.set_row(h0, 32)
    cached = _cached_values(rows, first, settings, schema)
    for i in range(len(rows) + spare_rows):
        excel_row = first + i
        row = rows[i] if i < len(rows) else None
        for c in layout.columns:
            fmt = formats[c.key]
            if c.computed:
                rule = rules[c.rule]
                extra = {"first_row": first, "last_row": last} if c.rule == "objective_score" else {}
                value = cached[i][c.key] if row is not None else ""
                ws.write_formula(excel_row - 1, c.position - 1, rule(letters[c.key], excel_row, settings, **extra),
                                 fmt, "" if value is None else value)
            elif row is not None:
                write_value(ws, excel_row - 1, c.position - 1, _input_value(row, c), fmt)
        if row is not None:  # as tall as its wrapped text, on screen and on paper
            fit_row(ws, excel_row - 1, ((getattr(row, c.key, None), c.width) for c in layout.columns
                                        if c.key in wrapped and c.key in INDICATOR_FIELDS))
    # drop-down lists and input help, from the schema
    for c in layout.columns:
        col0 = c.position - 1
        if c.type == "choice":
            ws.data_validation(first - 1, col0, last - 1, col0, {
                "validate": "list", "source": list(c.allowed), "error_title": c.label,
                "error_message": f"Valori ammessi: {', '.join(c.allowed)}.", "input_title": shorten(c.label, 32),
                "input_message": shorten(c.help or "", 255)})
        elif c.type in ("number", "integer"):  # only numbers, and in the range when the schema gives one
            ws.data_validation(first - 1, col0, last - 1, col0, {
                **_range_rule(c, first), "error_title": c.label, "error_message": _range_message(c),
                "input_title": shorten(c.label, 32), "input_message": shorten(c.help or "", 255)})
        elif c.help:
            ws.data_validation(first - 1, col0, last - 1, col0, {
                "validate": "any", "input_title": shorten(c.label, 32), "input_message": shorten(c.help, 255)})
    # wrong or missing values coloured in their cells, and the legend that says what each colour means
    write_marks(book, ws, layout, first, last)
    write_legend(book, ws, layout, _header_format(book))
    # the traffic light's colour, from the settings' thresholds and colours
    fills = {**{light: "#" + settings.color(light) for light in LIGHTS}, NEUTRALISED: load_style()["neutral_fill"]}
    light_formats = {light: book.add_format({"bg_color": fill, "bold": True}) for light, fill in fills.items()}
    for col in layout.columns:  # the year end's Barometro and each checkpoint's
        if col.rule != "traffic_light":
            continue
        tl = col.position - 1
        for light, fmt in light_formats.items():
            ws.conditional_format(first - 1, tl, last - 1, tl, {
                "type": "cell", "criteria": "==", "value": f'"{light}"', "format": fmt})
    ws.freeze_panes(layout.header_row, 0)
    ws.autofilter(h0, 0, last - 1, len(layout.columns) - 1)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    title = " — ".join(str(x) for x in (wb.info.get("settore"), wb.info.get("year")) if x)
    set_page(ws, title=title or layout.name, landscape=True, header_row=h0,
             pages_wide=load_print()["settore_pages_wide"])
    code = layout.column("objective_code").position - 1
    ws.repeat_columns(code, code)  # on every page, which objective a row belongs to
    # the table's rows that hold indicators (the empty rows below, ready for typing, would print blank
    # pages; a dirigente who adds rows widens the print area in Excel); the legend is for the screen
    ws.print_area(0, 0, max(first + len(rows) - 2, h0), len(layout.columns) - 1)


def _range_rule(c: Column, first: int) -> dict:
    """An Excel data validation for a number column: only numbers, in its range (``minimum``/``maximum``
    in the schema) when it has one. Either way text is refused (a number typed as text is the usual fault)."""
    kind = "integer" if c.type == "integer" else "decimal"
    if c.minimum is None and c.maximum is None:  # any number (the condition is for the range's first cell)
        x = f"{c.letter}{first}"
        number = f"=ISNUMBER({x})" if kind == "decimal" else f"=AND(ISNUMBER({x}),{x}=INT({x}))"
        return {"validate": "custom", "value": number}
    if c.minimum is not None and c.maximum is not None:
        return {"validate": kind, "criteria": "between", "minimum": _plain(c.minimum), "maximum": _plain(c.maximum)}
    if c.minimum is not None:
        return {"validate": kind, "criteria": ">=", "value": _plain(c.minimum)}
    return {"validate": kind, "criteria": "<=", "value": _plain(c.maximum)}


def _range_message(c: Column) -> str:
    if c.error:
        return c.error
    if c.minimum is None and c.maximum is None:
        return f"«{c.label}» è un numero, non un testo."
    return f"«{c.label}» è un numero {bounds(c.minimum, c.maximum)}."


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _write_areas(book, wb: SettoreWorkbook, schema: WorkbookSchema) -> None:
    layout = schema.areas
    ws = book.add_worksheet(layout.name)
    formats = {c.key: _col_format(book, c, wrap=False) for c in layout.columns}
    for c in layout.columns:
        ws.set_column(c.position - 1, c.position - 1, c.width, formats[c.key])
    _write_header(book, ws, layout.header_row - 1, layout.labels)
    values = {"number": lambda a: a.number, "area": lambda a: a.name, "published_score": lambda a: a.published}
    for i, area in enumerate(wb.areas):
        for c in layout.columns:
            write_value(ws, layout.first_data_row - 1 + i, c.position - 1, values[c.key](area), formats[c.key])
    ws.freeze_panes(layout.header_row, 0)
    set_page(ws, title=layout.name, landscape=False, header_row=layout.header_row - 1)


def _write_info(book, wb: SettoreWorkbook, schema: WorkbookSchema) -> None:
    layout = schema.info
    ws = book.add_worksheet(layout.name)
    ws.set_column(0, 0, layout.widths[0])
    ws.set_column(1, 1, layout.widths[1], book.add_format({"text_wrap": True, "valign": "top"}))
    _write_header(book, ws, layout.header_row - 1, layout.header)
    bold = book.add_format({"bold": True})
    for i, f in enumerate(layout.fields):
        r = layout.header_row + i
        ws.write_string(r, 0, f.label, bold)
        value = wb.info.get(f.key)
        if f.type == "date":  # a date cell (empty until the dirigente fills it) that accepts only a date
            fmt = book.add_format({"num_format": f.format or "dd/mm/yyyy", "valign": "top", "align": "left"})
            if isinstance(value, datetime.date):
                ws.write_datetime(r, 1, value, fmt)
            else:
                write_value(ws, r, 1, value, fmt)
            ws.data_validation(r, 1, r, 1, {
                "validate": "date", "criteria": "between", "minimum": datetime.date(2000, 1, 1),
                "maximum": datetime.date(2100, 12, 31), "error_title": shorten(f.label, 32),
                "error_message": shorten(f.error or "", 255), "input_title": shorten(f.label, 32),
                "input_message": shorten(f.help or "", 255)})
        else:
            write_value(ws, r, 1, value, None)
    set_page(ws, title=layout.name, landscape=False, header_row=layout.header_row - 1)


VARIATION_ROWS = 50  # rows of the register ready for typing (drop-down lists, date check, input help)


def _write_variations(book, wb: SettoreWorkbook, schema: WorkbookSchema) -> None:
    """The register of changes (``[variations]`` of settore.toml): its header, the entries the workbook
    has, and below them rows ready for typing with the drop-down lists, the date check and the help."""
    layout = schema.variations
    if layout is None:
        return
    ws = book.add_worksheet(layout.name)
    wrapped = {c.key for c in layout.columns if c.type in ("text", "choice")}  # free text: wrapped, never cut
    formats = {c.key: _col_format(book, c, wrap=c.key in wrapped) for c in layout.columns}
    for c in layout.columns:
        ws.set_column(c.position - 1, c.position - 1, c.width, formats[c.key])
    h0 = layout.header_row - 1
    _write_header(book, ws, h0, layout.labels)
    ws.set_row(h0, 32)
    first = layout.first_data_row
    entries = list(wb.variations or ())
    for i, v in enumerate(entries):
        for c in layout.columns:
            value = getattr(v, c.key)
            if c.type == "date" and isinstance(value, str) and value:
                try:
                    value = datetime.datetime.strptime(value, "%d/%m/%Y")
                except ValueError:
                    pass  # kept as typed
            if isinstance(value, datetime.datetime):
                ws.write_datetime(first - 1 + i, c.position - 1, value, formats[c.key])
            else:
                write_value(ws, first - 1 + i, c.position - 1, value, formats[c.key])
        fit_row(ws, first - 1 + i, ((getattr(v, c.key), c.width) for c in layout.columns if c.key in wrapped))
    last = first + len(entries) + VARIATION_ROWS - 1
    for c in layout.columns:
        col0 = c.position - 1
        help_ = {"input_title": shorten(c.label, 32), "input_message": shorten(c.help or "", 255)}
        if c.type == "choice":
            ws.data_validation(first - 1, col0, last - 1, col0, {
                "validate": "list", "source": list(c.allowed), "error_title": c.label,
                "error_message": f"Valori ammessi: {', '.join(c.allowed)}.", **help_})
        elif c.type == "date":
            ws.data_validation(first - 1, col0, last - 1, col0, {
                "validate": "date", "criteria": ">=", "value": datetime.date(1990, 1, 1), "error_title": c.label,
                "error_message": c.error or f"«{c.label}» è una data.", **help_})
        elif c.help:
            ws.data_validation(first - 1, col0, last - 1, col0, {"validate": "any", **help_})
    ws.freeze_panes(layout.header_row, 0)
    ws.autofilter(h0, 0, max(last - 1, h0), len(layout.columns) - 1)
    title = " — ".join(str(x) for x in (layout.name, wb.info.get("settore"), wb.info.get("year")) if x)
    set_page(ws, title=title, landscape=True, header_row=h0)
