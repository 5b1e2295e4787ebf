"""Lay out the schema's marks on the Indicatori sheet: conditional formats and their legend.

A wrong or missing value (a number typed as text, a polarity outside the list, a weight outside
its range, an objective whose weights do not sum to 100, a consuntivo still empty) is coloured in
its own cell by a native conditional format, so a dirigente sees it as they type, in any
spreadsheet program and with no add-in. What is marked, by which condition and in which colours
comes from ``[[indicators.marks]]`` in ``schemas/settore.toml``; the conditions are native
formulas of :mod:`perf_xl.formulas`; the legend's sentences come from the schema too.

The marks are written before the whole-number formats (a higher priority): where a program shows
only one true condition of a cell, or two set the same property, the mark is what is seen.
"""

from __future__ import annotations

from .. import formulas
from ..schema import SchemaDefinitionError, SheetLayout, at_checkpoint

LEGEND_GAP = 1  # empty columns between the table and its legend


def write_marks(book, ws, layout: SheetLayout, first: int, last: int) -> None:
    """The marks' conditional formats over rows ``first``..``last`` (1-based, the spare rows too)."""
    letters = layout.letters()
    for mark in layout.marks:
        # a checkpoint's mark reads that checkpoint's cells (its consuntivo, Barometro…)
        at = at_checkpoint(letters, mark.checkpoint) if mark.checkpoint else letters
        fmt = book.add_format({"bg_color": mark.fill, **({"font_color": mark.font} if mark.font else {})})
        rule = formulas.MARK_RULES.get(mark.rule)
        if rule is None:  # checked here, not in schema.py: the schema does not import the formulas
            raise SchemaDefinitionError(f"{layout.name}: mark {mark.key!r} has an unknown rule {mark.rule!r} "
                                        f"(one of {sorted(formulas.MARK_RULES)})")
        for key in mark.columns:
            col = layout.column(key)
            ws.conditional_format(first - 1, col.position - 1, last - 1, col.position - 1, {
                "type": "formula", "criteria": "=" + rule(at, key, first, col), "format": fmt})
    for col in layout.columns:
        if col.whole_format:
            ws.conditional_format(first - 1, col.position - 1, last - 1, col.position - 1, {
                "type": "formula", "criteria": "=" + formulas.whole_number(letters, col.key, first, col),
                "format": book.add_format({"num_format": col.whole_format})})


def legend_column(layout: SheetLayout) -> int:
    """The legend's first column (0-based, the swatches): to the right of the table, after a gap."""
    return len(layout.columns) + LEGEND_GAP


def write_legend(book, ws, layout: SheetLayout, header_format) -> None:
    """The legend: in the header row its two headings, then per mark a swatch (the mark's sample in
    its colours) and its sentence, then the note. The sentences do not wrap: a long one runs on into
    the empty cells to its right, so every line keeps the height of the table's row beside it. The
    legend is outside every column the reader reads, so it is never taken for data."""
    legend = layout.legend
    if legend is None:
        return
    swatch, text = legend_column(layout), legend_column(layout) + 1
    ws.set_column(swatch, swatch, legend.swatch_width)
    ws.set_column(text, text, legend.width)
    h0 = layout.header_row - 1
    ws.write_string(h0, swatch, legend.title, header_format)
    ws.write_string(h0, text, legend.heading, header_format)
    plain = book.add_format({"valign": "top"})
    row0 = h0 + 1
    seen = set()
    for mark in layout.marks:
        if mark.key in seen:  # a checkpoint's mark, repeated for each checkpoint: one line
            continue
        seen.add(mark.key)
        ws.write_string(row0, swatch, mark.sample, book.add_format({
            "bg_color": mark.fill, "border": 1, "align": "center", "valign": "top",
            **({"font_color": mark.font} if mark.font else {})}))
        ws.write_string(row0, text, mark.legend, plain)
        row0 += 1
    if legend.note:
        ws.write_string(row0, text, legend.note, book.add_format({"valign": "top", "italic": True}))
