"""Build small real settore workbooks in tmp_path, clean or broken in one precise way."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import openpyxl

from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema

SCHEMA = load_schema()
AREA = "LINEA STRATEGICA SULLA PROVA"


def row(**kw) -> IndicatorRow:
    base = dict(area=AREA, objective_code="OB01", objective="Obiettivo uno", responsabile="Rossi Anna",
                settore="Settore Prova", indicator="Indicatore", polarity="crescente", target=10.0, actual=9.0,
                weight=50.0, formula="nr. pratiche")
    base.update(kw)
    return IndicatorRow(**base)


def clean_rows() -> list[IndicatorRow]:
    # rows 2..5 of the sheet
    return [
        row(indicator="Pratiche evase", target=100.0, actual=120.0, weight=60.0),
        row(indicator="Tempo medio (giorni)", polarity="decrescente", target=30.0, actual=25.0, weight=40.0),
        row(objective_code="OB02", objective="Obiettivo due", indicator="Regolamento approvato",
            polarity="binario", target=1.0, actual=1.0, weight=100.0, formula="1 = fatto 0 = non fatto"),
        row(objective_code="OB02", objective="Obiettivo due", indicator="Indicatore nettizzato",
            target=5.0, actual=0.0, weight=0.0, note="Nettizzato: bando regionale annullato"),
    ]


def write(path: Path, rows=None, schema=None, info=None, spare_rows: int = 5) -> Path:
    info = {"year": 2024, "settore": "Settore Prova", "schema_version": SCHEMA.version, "comune": "Prova",
            **(info or {})}
    wb = SettoreWorkbook(info=info, areas=(AreaInfo(1, AREA, None),), rows=tuple(rows or clean_rows()))
    return write_settore_workbook(path, wb, schema=schema or SCHEMA, spare_rows=spare_rows)


def edit(path: Path, fn) -> Path:
    """Open with openpyxl, let ``fn(workbook)`` change it, save (as a user's editor would)."""
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def set_cached_error(path: Path, cell: str, error: str = "#DIV/0!") -> Path:
    """Rewrite one formula cell's cached value into an error, as Excel stores it."""
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, n = re.subn(rf'<c r="{cell}"([^>]*?)(?: t="[a-z]+")?>(<f>.*?</f>)<v>[^<]*</v></c>',
                                  rf'<c r="{cell}"\1 t="e">\2<v>{error}</v></c>', text)
                assert n == 1, f"cell {cell} not found"
                data = text.encode()
            zout.writestr(item, data)
    tmp.replace(path)
    return path


def moved_schema(a: str, b: str):
    """The schema with columns ``a`` and ``b`` swapped (as a user moving a column in Excel)."""
    cols = list(SCHEMA.indicators.columns)
    i = next(k for k, c in enumerate(cols) if c.key == a)
    j = next(k for k, c in enumerate(cols) if c.key == b)
    cols[i], cols[j] = cols[j], cols[i]
    cols = [dataclasses.replace(c, position=k + 1) for k, c in enumerate(cols)]
    return dataclasses.replace(SCHEMA, indicators=dataclasses.replace(SCHEMA.indicators, columns=tuple(cols)))
