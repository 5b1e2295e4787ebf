"""The open data of a consolidation: ``aree.csv``, ``obiettivi.csv``, ``indicatori.csv`` and ``datapackage.json``.

Why. A comune publishes its Relazione sulla Performance (D.Lgs. 33/2013 asks for open formats); a
data portal wants CSV files that any program reads the same way and a description of them. So:

* The files, their columns, types, Italian titles and descriptions are ``schemas/open_data.toml``
  (:func:`perf_xl.schema.load_open_data`); nothing of them is written here. ``datapackage.json``
  (Frictionless Data Package) is built from it with frictionless's own objects (``Package``,
  ``Resource``, ``Schema``), which also put in each file's size and SHA-256 hash, so a portal or a
  reader can tell that a CSV is the one described.
* The values are those of the ``--json`` output: the areas' entries are :func:`io.summary.area_dict`,
  the objectives' the same :func:`model.score_row`; indicators add what the JSON leaves out.
* Text from the workbooks goes through :func:`perf_xl.readable.readable` (no LaTeX, no HTML tags);
  the workbooks keep the original.
* The CSV dialect is :data:`io.csv_out.OPEN_DATA` (``,``, decimal point, UTF-8 without BOM, CRLF),
  written by the one CSV writer, with its guard against formulas (see ``csv_out``).
* Names of people are personal data (GDPR): a column marked ``personal`` (the Responsabile) is
  left out, of the CSV and of ``datapackage.json``, unless ``settings.include_responsabile``.
* The licence is ``settings.license`` (default CC-BY-4.0), with its title and address when
  ``open_data.toml`` knows it.

Identifiers (stable across runs on the same workbooks): an area's is its number, an objective's
its code, an indicator's the code, ``-`` and its two-digit position among the objective's
indicators (``OB01-02``), in the order of the workbooks' file names and of their rows.

Every file is written atomically (``io/atomic.py``); the CSVs first, ``datapackage.json`` last, so
a ``datapackage.json`` never describes files that were not written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from frictionless import Package, Resource, Schema
from slugify import slugify

from ..model import INDICATOR_FIELDS, SCORE_ROW_FIELDS, RunResult, score_row
from ..readable import readable
from ..schema import OpenDataColumn, OpenDataResource, SchemaDefinitionError, load_open_data
from ..settings import Settings
from .atomic import write_text_atomic
from .csv_out import OPEN_DATA, write_csv
from .summary import area_dict

DATAPACKAGE = "datapackage.json"


def indicator_id(objective_code: str, position: int) -> str:
    """An indicator's identifier: its objective's code and its 1-based position (``OB01-02``)."""
    return f"{objective_code}-{position:02d}"


def _area_rows(c: RunResult) -> Iterator[dict]:
    for a in c.areas:
        yield area_dict(a)


def _objective_rows(c: RunResult) -> Iterator[dict]:
    for a in c.areas:
        for o in a.objectives:
            first = o.indicators[0].row if o.indicators else None
            yield {**dict(zip(SCORE_ROW_FIELDS, score_row(o))), "id": o.code, "area_number": a.number,
                   "definizione": first.definizione if first else "", "responsabile": o.responsabile,
                   "indicators": o.indicator_count}


def _indicator_rows(c: RunResult) -> Iterator[dict]:
    for a in c.areas:
        for o in a.objectives:
            for position, s in enumerate(o.indicators, start=1):
                values = {f: getattr(s.row, f) for f in INDICATOR_FIELDS}
                values.update(s.row.extra or {})
                values.update(id=indicator_id(o.code, position), objective_id=o.code, area_number=a.number,
                              position=position, deviation=s.deviation, achievement=s.achievement,
                              traffic_light=s.traffic_light)
                yield values


ROWS = {"areas": _area_rows, "objectives": _objective_rows, "indicators": _indicator_rows}


def _cell(value, col: OpenDataColumn):
    """One value as the open data write it: text readable, booleans ``true``/``false``, whole numbers
    of an integer column as integers; numbers otherwise as they are (the CSV writer writes every digit)."""
    if value is None:
        return None
    if col.type == "boolean":
        return "true" if value else "false"
    if col.type in ("integer", "year") and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return readable(value)
    return value


def _values(rows: Iterator[dict], res: OpenDataResource, cols: list[OpenDataColumn], common: dict) -> Iterator[list]:
    for row in rows:
        row = {**common, **row}
        missing = [col.key for col in cols if col.key not in row]
        if missing:
            raise SchemaDefinitionError(f"open_data.toml, resource {res.name!r}: no value is called {missing}")
        yield [_cell(row[col.key], col) for col in cols]


def _field(col: OpenDataColumn) -> dict:
    field = {"name": col.name, "type": col.type, "title": col.title, "description": col.description}
    if col.required:
        field["constraints"] = {"required": True}
    return field


def _resource(res: OpenDataResource, cols: list[OpenDataColumn]) -> Resource:
    descriptor: dict = {"fields": [_field(col) for col in cols]}
    if res.primary_key:
        descriptor["primaryKey"] = list(res.primary_key)
    if res.foreign_keys:
        descriptor["foreignKeys"] = [{"fields": list(fk["fields"]),
                                      "reference": {"resource": fk["resource"], "fields": list(fk["reference"])}}
                                     for fk in res.foreign_keys]
    return Resource(path=res.path, name=res.name, title=res.title, description=res.description,
                    format="csv", mediatype="text/csv", encoding=OPEN_DATA.encoding,
                    schema=Schema.from_descriptor(descriptor))


def _license(settings: Settings, known: dict) -> dict:
    return {"name": settings.license, **known.get(settings.license, {})}


def _resources(differentiation: bool) -> list[OpenDataResource]:
    """The resources written: the differentiation of the evaluations only when the schede are given."""
    return [res for res in load_open_data().resources if differentiation or res.key != "differentiation"]


def open_data_paths(out_dir: str | Path, differentiation: bool = False) -> list[Path]:
    """The files :func:`write_open_data` writes into ``out_dir``, in the order it writes them."""
    folder = Path(out_dir)
    return [folder / res.path for res in _resources(differentiation)] + [folder / DATAPACKAGE]


def write_open_data(c: RunResult, out_dir: str | Path, settings: Settings,
                    differentiation: list[dict] | None = None) -> list[Path]:
    """Write the open data of ``c`` into ``out_dir``: one CSV per resource of ``open_data.toml`` and
    ``datapackage.json``; the paths written, in that order.

    ``c`` must keep every indicator (a run with ``detail=True``: the indicators are part of the data).
    ``differentiation``: the rows of the dirigenti's differentiation table (``publish --schede``, no
    names); its resource is written only when given.
    """
    if not c.detail:
        raise ValueError("the open data need every indicator: consolidate with detail=True")
    spec = load_open_data()
    folder = Path(out_dir)
    common = {"year": c.year, "comune": c.comune}
    written, resources = [], []
    rows = {**ROWS, "differentiation": lambda _: iter(differentiation or ())}
    for res in _resources(differentiation is not None):
        cols = [col for col in res.columns if settings.include_responsabile or not col.personal]
        written.append(write_csv(folder / res.path, [col.name for col in cols],
                                 _values(rows[res.key](c), res, cols, common), OPEN_DATA))
        resources.append(_resource(res, cols))
    words = {"year": "" if c.year is None else c.year, "comune": c.comune}
    head = spec.package
    told = head if c.comune else head.get("without_comune", head)  # no "Comune di " with nothing after it
    package = Package(name=slugify(head["name"].format(**words)), title=told["title"].format(**words).strip(),
                      description=told["description"].format(**words), keywords=list(head.get("keywords", ())),
                      licenses=[_license(settings, spec.licenses)], resources=resources, basepath=str(folder))
    package.infer(stats=True)  # each file's bytes, SHA-256 hash, fields and rows, as written
    text = json.dumps(package.to_dict(), ensure_ascii=False, indent=2) + "\n"
    written.append(write_text_atomic(folder / DATAPACKAGE, text))
    return written
