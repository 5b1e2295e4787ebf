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
from .atomic import atomic_path, write_text_atomic
from .cells import write_value
from .csv_out import write_csv
from .summary import load_summary_layout


def counts(report: Report) -> dict:
    by = Counter(f.severity for f in report)
    return {"errori": by.get(ERROR, 0), "avvisi": by.get(WARNING, 0), "totale": len(report)}


def report_dict(report: Report, files: list[str]) -> dict:
    return {"files": files, "conteggi": counts(report), "valido": report.valid,
            "segnalazioni": [f.as_dict() for f in report]}


def write_report_json(path: str | Path, report: Report, files: list[str]) -> Path:
    return write_text_atomic(path, json.dumps(report_dict(report, files), ensure_ascii=False, indent=2) + "\n")


def write_report_csv(path: str | Path, report: Report) -> Path:
    """The findings for the office's own filtering in Excel: the report workbook's columns and headers
    (one list of labels), through the one injection-safe CSV writer."""
    cols = load_summary_layout()["report"]["columns"]
    keys = [col["key"] for col in cols]
    return write_csv(path, [col["label"] for col in cols],
                     ([d[k] for k in keys] for d in (f.as_dict() for f in report)))


def format_table(report: Report, limit: int | None = None, width: int = 110) -> str:
    """A plain-text table for the console (no dependency on a terminal library)."""
    rows = list(report)[:limit] if limit else list(report)
    lines = []
    for f in rows:
        where = ":".join(x for x in (Path(f.file).name if f.file else "", f.sheet, f.cell) if x)
        lines.append(f"{f.severity.upper():7} {where}  [{f.code}]")
        lines.append(f"        {f.message}"[:width * 3])
    c = counts(report)
    if limit and len(report) > limit:
        lines.append(f"… e altre {len(report) - limit} segnalazioni (vedere --json o --report).")
    lines.append(f"{c['errori']} errori, {c['avvisi']} avvisi.")
    return "\n".join(lines)


def write_report_workbook(path: str | Path, report: Report) -> Path:
    lay = load_summary_layout()["report"]
    cols = lay["columns"]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        # a fixed creation date: the same findings give the same bytes (the run's date is in its file name)
        book.set_properties({"title": "Segnalazioni perf_xl", "created": datetime.datetime(2000, 1, 1)})
        ws = book.add_worksheet(lay["sheet"])
        head = book.add_format({"bold": True, "font_color": "white", "bg_color": "#1F4E78", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        link = book.add_format({"font_color": "blue", "underline": 1, "valign": "top"})
        sev = {ERROR: book.add_format({"bg_color": "#F8696B", "valign": "top"}),
               WARNING: book.add_format({"bg_color": "#FFD966", "valign": "top"})}
        for j, col in enumerate(cols):
            ws.set_column(j, j, col["width"])
            ws.write_string(0, j, col["label"], head)
        base = Path(path).resolve().parent
        targets: dict[str, str] = {}  # one relative path per workbook, not per finding
        for i, f in enumerate(report, start=1):
            d = f.as_dict()
            for j, col in enumerate(cols):
                key = col["key"]
                if key == "cell" and f.cell and f.sheet and f.file and ":" not in f.cell and "," not in f.cell \
                        and not f.cell.startswith("riga"):
                    # relative to the report, so the link survives a shared drive mapped elsewhere
                    target = targets.get(f.file) or targets.setdefault(
                        f.file, os.path.relpath(Path(f.file).resolve(), base))
                    ws.write_url(i, j, f"external:{target}#'{f.sheet}'!{f.cell}", link, f.cell)
                elif key == "severity":
                    write_value(ws, i, j, d[key], sev.get(f.severity, wrap))
                else:
                    write_value(ws, i, j, d[key], wrap)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(report), 1), len(cols) - 1)
        book.close()
    return Path(path)
