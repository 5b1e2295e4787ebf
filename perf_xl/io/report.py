"""Render a validation :class:`~perf_xl.model.Report`: console table, JSON, workbook, CSV.

All show the same records. The workbook has one row per finding and a link that opens
the source workbook at the cell; the CSV has the workbook's columns and headers (from
``schemas/summary.toml``), for a user who filters the findings in their own sheet.
"""

from __future__ import annotations

import datetime
import json
import os
from collections import Counter
from pathlib import Path

import xlsxwriter

from ..model import ERROR, WARNING, Report
from ..schema import load_style
from ..wording import count, wrap
from .atomic import atomic_path, write_text_atomic
from .cells import write_value
from .csv_out import write_csv
from .printing import fit_row, set_page
from .summary import load_summary_layout


def counts(report: Report) -> dict:
    by = Counter(f.severity for f in report)
    return {"errors": by.get(ERROR, 0), "warnings": by.get(WARNING, 0), "total": len(report)}


def counts_sentence(c: dict) -> str:
    """``{"errors": 1, "warnings": 2}`` -> ``1 errore, 2 avvisi.``"""
    return f"{count(c['errors'], 'errore', 'errori')}, {count(c['warnings'], 'avviso', 'avvisi')}."


def report_dict(report: Report, files: list[str]) -> dict:
    """The JSON of ``validate`` and ``audit`` (and the head of the nightly's): keys in English,
    messages in Italian (see the README, *JSON outputs*)."""
    return {"files": files, "counts": counts(report), "valid": report.valid,
            "findings": [f.as_dict() for f in report]}


def write_report_json(path: str | Path, report: Report, files: list[str]) -> Path:
    return write_text_atomic(path, json.dumps(report_dict(report, files), ensure_ascii=False, indent=2) + "\n")


def write_report_csv(path: str | Path, report: Report) -> Path:
    """The findings for the office's own filtering in Excel: the report workbook's columns and headers
    (one list of labels), through the one injection-safe CSV writer."""
    cols = load_summary_layout()["report"]["columns"]
    keys = [col["key"] for col in cols]
    return write_csv(path, [col["label"] for col in cols],
                     ([d[k] for k in keys] for d in (f.as_dict() for f in report)))


MESSAGE_INDENT = " " * 8


def message_lines(message: str, width: int = 110, indent: str = MESSAGE_INDENT) -> list[str]:
    """A finding's message for the console: whole, wrapped at spaces into lines of ``width``
    characters; a message of several lines (an explanation) keeps each line on its own."""
    return [wrap(part, width=width, first_indent=indent, indent=indent + ("  " if part.startswith("- ") else ""))
            for part in message.split("\n") if part.strip()]


def more_findings(n: int) -> str:
    """The line that says how many findings the console did not show."""
    return "… e un'altra segnalazione" if n == 1 else f"… e altre {n} segnalazioni"


def format_table(report: Report, limit: int | None = None, width: int = 110) -> str:
    """A plain-text table for the console (no dependency on a terminal library): every message
    whole, wrapped at ``width`` characters, never cut."""
    rows = list(report)[:limit] if limit else list(report)
    lines = []
    for f in rows:
        where = ":".join(x for x in (Path(f.file).name if f.file else "", f.sheet, f.cell) if x)
        lines.append(f"{f.severity.upper():7} {where}  [{f.code}]")
        lines.extend(message_lines(f.message, width))
    if limit and len(report) > limit:
        lines.append(f"{more_findings(len(report) - limit)} (vedere --json o --report).")
    lines.append(counts_sentence(counts(report)))
    return "\n".join(lines)


def external_link(target: str, sheet: str, cell: str) -> str:
    """The ``external:`` link xlsxwriter writes for a cell of another workbook.

    xlsxwriter splits the link at its first ``#`` (file, then cell) and escapes a few characters
    only when the link holds no ``%XX`` yet; so the path is percent-encoded here, whole and once
    (``a#b.xlsx`` -> ``a%23b.xlsx``, ``100%.xlsx`` -> ``100%25.xlsx``, a space -> ``%20``), and the
    relationship's target, read back and decoded, is the file's own name.
    """
    path = target.replace("\\", "/")
    encoded = "".join(_URL_ESCAPES.get(ch, ch) for ch in path)
    return f"external:{encoded}#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"


# what xlsxwriter would escape, plus '#' (the link's own separator); one character at a time, so each once
_URL_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in '%#" <>[]^`{}'}


REPORT_TITLE = "Segnalazioni perf_xl"


def write_report_workbook(path: str | Path, report: Report, history: list[dict] | None = None) -> Path:
    """The findings, one row each with a link to the cell; with ``history`` (the nightly's cells changed
    since its previous run) a second sheet that lists them, each with a link to the cell."""
    lay = load_summary_layout()["report"]
    cols = lay["columns"]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        # a fixed creation date: the same findings give the same bytes (the run's date is in its file name)
        book.set_properties({"title": REPORT_TITLE, "created": datetime.datetime(2000, 1, 1)})
        ws = book.add_worksheet(lay["sheet"])
        style = load_style()
        head = book.add_format({"bold": True, "font_color": "white", "bg_color": style["header_fill"], "border": 1})
        wrapped = book.add_format({"text_wrap": True, "valign": "top"})
        link = book.add_format({"font_color": "blue", "underline": 1, "valign": "top"})
        sev = {ERROR: book.add_format({"bg_color": style["error_fill"], "valign": "top"}),
               WARNING: book.add_format({"bg_color": style["warning_fill"], "valign": "top"})}
        for j, col in enumerate(cols):
            ws.set_column(j, j, col["width"])
            ws.write_string(0, j, col["label"], head)
        base = Path(path).resolve().parent
        targets: dict[str, str] = {}  # one relative path per workbook, not per finding
        for i, f in enumerate(report, start=1):
            d = f.as_dict()
            fit_row(ws, i, ((d[col["key"]], col["width"]) for col in cols))
            for j, col in enumerate(cols):
                key = col["key"]
                if key == "cell" and f.cell and f.sheet and f.file and ":" not in f.cell and "," not in f.cell \
                        and not f.cell.startswith("riga"):
                    # relative to the report, so the link survives a shared drive mapped elsewhere
                    target = targets.get(f.file) or targets.setdefault(
                        f.file, os.path.relpath(Path(f.file).resolve(), base))
                    ws.write_url(i, j, external_link(target, f.sheet, f.cell), link, f.cell)
                elif key == "severity":
                    write_value(ws, i, j, d[key], sev.get(f.severity, wrapped))
                else:
                    write_value(ws, i, j, d[key], wrapped)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(report), 1), len(cols) - 1)
        set_page(ws, title=REPORT_TITLE, landscape=lay.get("orientation") == "landscape", header_row=0)
        if history is not None:
            _write_history(book, history, base, link)
        book.close()
    return Path(path)


def _write_history(book, history: list[dict], base: Path, link) -> None:
    """The sheet of the cells changed since the previous run (``[history]`` of summary.toml): times as
    dates, values as they were read, the cell a link to the workbook's cell."""
    lay = load_summary_layout()["history"]
    cols = lay["columns"]
    ws = book.add_worksheet(lay["sheet"])
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm", "valign": "top", "align": "left"})
    value = book.add_format({"text_wrap": True, "valign": "top", "align": "left"})  # a number beside its text
    style = load_style()
    head = book.add_format({"bold": True, "font_color": "white", "bg_color": style["header_fill"], "border": 1,
                            "text_wrap": True, "valign": "top"})
    fit_row(ws, 0, ((col["label"], col["width"]) for col in cols))
    for j, col in enumerate(cols):
        ws.set_column(j, j, col["width"])
        ws.write_string(0, j, col["label"], head)
    if not history:
        ws.write_string(1, 0, lay["none"])
    for i, row in enumerate(history, start=1):
        fit_row(ws, i, ((row[col["key"]], col["width"]) for col in cols if col["key"] not in ("run", "saved")))
        for j, col in enumerate(cols):
            v = row[col["key"]]
            if isinstance(v, datetime.datetime):
                ws.write_datetime(i, j, v, when)
            elif col["key"] == "cell" and row.get("path"):
                target = os.path.relpath(Path(row["path"]).resolve(), base)
                ws.write_url(i, j, external_link(target, row["sheet"], v), link, v)
            else:
                write_value(ws, i, j, v, value)
    ws.freeze_panes(1, 0)
    if history:
        ws.autofilter(0, 0, len(history), len(cols) - 1)
    set_page(ws, title=lay["sheet"], landscape=lay.get("orientation") == "landscape", header_row=0)
