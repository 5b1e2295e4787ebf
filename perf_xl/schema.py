"""The settore workbook layout, loaded from ``schemas/settore.toml``.

This module is the only place that knows sheet names, header rows, column labels and
their positions; the template writer, the reader and validation all ask it, so a
label changes in one file and everywhere at once.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from openpyxl.utils import get_column_letter

COLUMN_TYPES = {"text", "integer", "number", "choice", "computed", "date"}

# a folder holding schema files (settore.toml, summary.toml, settings.toml, open_data.toml) that
# replace the shipped ones; a file it does not hold is taken from the shipped folder
SCHEMAS_ENV = "PERF_XL_SCHEMAS"


# the kinds of change the register names (``[variations.fields]``): a field of an indicator that
# changed, or an indicator or objective added or removed (the approved plan's differences)
VARIATION_KINDS = frozenset({"target", "weight", "polarity", "indicator-added", "indicator-removed",
                             "objective-added", "objective-removed"})


class SchemaDefinitionError(ValueError):
    """The schema file itself is wrong (a developer's mistake, not bad data)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str
    position: int  # 1-based column index in the sheet
    required: bool = False
    allowed: tuple[str, ...] = ()
    width: float = 12
    format: str | None = None
    rule: str | None = None
    input: bool = False
    help: str | None = None
    minimum: float | None = None  # a number column's allowed range (template validation and cell check)
    maximum: float | None = None
    error: str | None = None  # the message Excel shows when a typed value is out of the range
    whole_format: str | None = None  # the number format of a whole number (a conditional format)
    optional: bool = False  # a column a workbook may lack (added after workbooks were in use)
    reference: bool = False  # carried over from the previous year: read-only, shown as computed cells are
    # a column of an intermediate monitoring checkpoint (``[indicators.checkpoint]``): its month-day
    # (``"06-30"``) and the key of the year-end column it stands for (``"actual"``); "" for the others
    checkpoint: str = ""
    base: str = ""

    @property
    def letter(self) -> str:
        return get_column_letter(self.position)

    @property
    def computed(self) -> bool:
        return self.type == "computed"


@dataclass(frozen=True)
class Mark:
    """A conditional format that colours a wrong or missing value in its cell, and its legend line."""

    key: str
    rule: str  # a condition of perf_xl.formulas.MARK_RULES
    columns: tuple[str, ...]  # the keys of the columns whose cells it colours
    fill: str
    font: str | None
    legend: str
    sample: str = ""  # what the legend's swatch shows, coloured as a marked cell
    checkpoint: str = ""  # a mark of a checkpoint's columns: its month-day (its rule reads that checkpoint's cells)


@dataclass(frozen=True)
class Legend:
    """Where the marks are explained: two columns to the right of the table (swatches, sentences)."""

    title: str
    heading: str
    width: float = 90
    swatch_width: float = 10
    note: str | None = None


def checkpoint_key(key: str, day: str) -> str:
    """The key of the column that stands for ``key`` at the checkpoint ``day`` (``actual@06-30``)."""
    return f"{key}@{day}"


def at_checkpoint(letters: dict[str, str], day: str) -> dict[str, str]:
    """A letter map in which each year-end column that has a twin at checkpoint ``day`` is that twin:
    the same rule (:mod:`perf_xl.formulas`), handed this map, computes the checkpoint's cell."""
    suffix = "@" + day
    out = dict(letters)
    for key, letter in letters.items():
        if key.endswith(suffix):
            out[key[: -len(suffix)]] = letter
    return out


@dataclass(frozen=True)
class CheckpointGroup:
    """The columns (and their marks) repeated for each intermediate checkpoint (``[indicators.checkpoint]``):
    labels are templates with ``{data}``, keys those of the year-end columns they stand for."""

    columns: tuple[Column, ...] = ()
    marks: tuple[Mark, ...] = ()
    date_format: str = "%d/%m"
    date_format_long: str = "%d/%m/%Y"

    def label_date(self, day: str, year: int | None = None) -> str:
        """The checkpoint ``day`` (``"06-30"``) as a label writes it (``30/06``; with ``year``, ``30/06/2023``)."""
        month, d = (int(x) for x in day.split("-"))
        return date(year or 2000, month, d).strftime(self.date_format_long if year else self.date_format)


@dataclass(frozen=True)
class SheetLayout:
    name: str
    header_row: int
    columns: tuple[Column, ...]
    marks: tuple[Mark, ...] = ()
    legend: Legend | None = None
    checkpoint: CheckpointGroup = CheckpointGroup()

    @property
    def checkpoints(self) -> tuple[str, ...]:
        """The intermediate checkpoints this layout has columns for (month-day, in order)."""
        return tuple(dict.fromkeys(c.checkpoint for c in self.columns if c.checkpoint))

    def with_checkpoints(self, days) -> "SheetLayout":
        """This layout with the checkpoint group's columns and marks for each of ``days`` (month-day),
        after every other column (optional: a workbook without them is still read). Those of another
        set of checkpoints are replaced."""
        days = tuple(days)
        if days == self.checkpoints:
            return self
        cols = [c for c in self.columns if not c.checkpoint]
        marks = [m for m in self.marks if not m.checkpoint]
        for day in days:
            shown = self.checkpoint.label_date(day)
            for c in self.checkpoint.columns:
                cols.append(dataclasses.replace(c, key=checkpoint_key(c.key, day), label=c.label.format(data=shown),
                                                position=len(cols) + 1, optional=True, checkpoint=day, base=c.key))
            for m in self.checkpoint.marks:
                marks.append(dataclasses.replace(m, columns=tuple(checkpoint_key(k, day) for k in m.columns),
                                                 checkpoint=day))
        return dataclasses.replace(self, columns=tuple(cols), marks=tuple(marks))

    def letters_for(self, column: Column) -> dict[str, str]:
        """The letter map a rule of ``column`` is written with: a checkpoint's column reads its checkpoint's cells."""
        letters = self.letters()
        return at_checkpoint(letters, column.checkpoint) if column.checkpoint else letters

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"no column {key!r} in sheet {self.name!r}")

    def letters(self) -> dict[str, str]:
        """Column key -> column letter, as formulas need them."""
        return {c.key: c.letter for c in self.columns}

    def cell(self, key: str, row: int) -> str:
        return f"{self.column(key).letter}{row}"


@dataclass(frozen=True)
class InfoField:
    key: str
    label: str
    type: str
    required: bool = False
    format: str = ""  # the cell's number format (a ``date`` field's date format)
    help: str = ""  # the input message the template gives the value's cell
    error: str = ""  # the message Excel shows when a ``date`` field's cell gets something else


@dataclass(frozen=True)
class InfoLayout:
    """A key/value sheet: labels in column A, values in column B, from ``header_row + 1``."""

    name: str
    header_row: int
    header: tuple[str, str]
    fields: tuple[InfoField, ...]
    widths: tuple[float, float] = (20, 70)  # of the label and value columns

    def field(self, key: str) -> InfoField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def cell(self, key: str) -> tuple[str, int]:
        """(A1 cell, row) of a field's value."""
        row = self.header_row + 1 + [f.key for f in self.fields].index(key)
        return f"B{row}", row


@dataclass(frozen=True)
class ComputedMarks:
    """What a computed cell shows for a row it cannot compute (``[computed]`` of settore.toml)."""

    invalid: str = "errore"
    objective_invalid: str = "errore: riga {row}"


@dataclass(frozen=True)
class SettingsNames:
    """The workbook defined names that carry the settings a workbook was built with (``[names]``)."""

    green: str = "perf_verde"
    yellow: str = "perf_giallo"
    decreasing_ratio: str = "perf_decrescente"


@dataclass(frozen=True)
class Cycle:
    """The year's cycle (``[cycle]``): the «Stato target» of a target carried over by ``new-year``
    (``pending``) and of one the dirigente has confirmed (``confirmed``)."""

    pending: str = "da confermare"
    confirmed: str = "confermato"


@dataclass(frozen=True)
class WorkbookSchema:
    version: str
    indicators: SheetLayout
    areas: SheetLayout
    info: InfoLayout
    source: str = field(default="", compare=False)
    marks: ComputedMarks = ComputedMarks()
    names: SettingsNames = SettingsNames()
    cycle: Cycle = Cycle()
    # the register of changes (``[variations]``): an optional sheet, not among ``sheet_names`` (a
    # workbook without it is complete); ``variation_fields`` maps a kind of change to its «Campo» value
    variations: SheetLayout | None = None
    variation_fields: dict = field(default_factory=dict, compare=False)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """The sheets every settore workbook has."""
        return (self.indicators.name, self.areas.name, self.info.name)

    def with_checkpoints(self, days) -> "WorkbookSchema":
        """This schema with the columns of the intermediate checkpoints ``days`` (month-day, from the
        settings: :attr:`perf_xl.settings.Settings.intermediate_checkpoints`) in its Indicatori sheet."""
        indicators = self.indicators.with_checkpoints(days)
        return self if indicators is self.indicators else dataclasses.replace(self, indicators=indicators)

    @property
    def optional_sheet_names(self) -> tuple[str, ...]:
        """The sheets a workbook may lack (added after workbooks were in use): the template writes them."""
        return (self.variations.name,) if self.variations is not None else ()


def _columns(name: str, raw_columns: list) -> list[Column]:
    cols = []
    for i, c in enumerate(raw_columns, start=1):
        ctype = c.get("type", "text")
        if ctype not in COLUMN_TYPES:
            raise SchemaDefinitionError(f"{name}.{c.get('key')}: unknown type {ctype!r}")
        if ctype == "choice" and not c.get("allowed"):
            raise SchemaDefinitionError(f"{name}.{c['key']}: a choice column needs 'allowed'")
        if ctype == "computed" and not c.get("rule"):
            raise SchemaDefinitionError(f"{name}.{c['key']}: a computed column needs 'rule'")
        cols.append(
            Column(
                key=c["key"],
                label=c["label"],
                type=ctype,
                position=i,
                required=bool(c.get("required", False)),
                allowed=tuple(c.get("allowed", ())),
                width=float(c.get("width", 12)),
                format=c.get("format"),
                rule=c.get("rule"),
                input=bool(c.get("input", False)),
                help=c.get("help"),
                minimum=None if c.get("minimum") is None else float(c["minimum"]),
                maximum=None if c.get("maximum") is None else float(c["maximum"]),
                error=c.get("error"),
                whole_format=c.get("whole_format"),
                optional=bool(c.get("optional", False)),
                reference=bool(c.get("reference", False)),
            )
        )
    return cols


def _sheet(name: str, raw: dict) -> SheetLayout:
    cols = _columns(name, raw["columns"])
    keys = [c.key for c in cols]
    labels = [c.label for c in cols]
    if len(set(keys)) != len(keys) or len(set(labels)) != len(labels):
        raise SchemaDefinitionError(f"{name}: duplicate column key or label")
    marks = tuple(_mark(name, m, set(keys)) for m in raw.get("marks", ()))
    legend = Legend(**raw["legend"]) if "legend" in raw else None
    if marks and legend is None:
        raise SchemaDefinitionError(f"{name}: marks need a legend")
    group = CheckpointGroup()
    if "checkpoint" in raw:
        cp = raw["checkpoint"]
        cp_cols = _columns(f"{name}.checkpoint", cp.get("columns", ()))
        clash = [c.key for c in cp_cols if c.computed and c.key not in keys]
        if clash:
            raise SchemaDefinitionError(f"{name}.checkpoint: computed columns {clash} name no year-end column")
        cp_keys = {c.key for c in cp_cols}
        group = CheckpointGroup(columns=tuple(cp_cols),
                                marks=tuple(_mark(f"{name}.checkpoint", m, cp_keys) for m in cp.get("marks", ())),
                                date_format=cp.get("date_format", "%d/%m"),
                                date_format_long=cp.get("date_format_long", "%d/%m/%Y"))
    return SheetLayout(name=raw["sheet"], header_row=int(raw.get("header_row", 1)), columns=tuple(cols),
                       marks=marks, legend=legend, checkpoint=group)


def _mark(name: str, m: dict, keys: set[str]) -> Mark:
    unknown = [k for k in m["columns"] if k not in keys]
    if unknown:
        raise SchemaDefinitionError(f"{name}: mark {m['key']!r} names unknown columns {unknown}")
    return Mark(key=m["key"], rule=m["rule"], columns=tuple(m["columns"]), fill=m["fill"], font=m.get("font"),
                legend=m["legend"], sample=m.get("sample", ""))


def parse_schema(text: str, source: str = "") -> WorkbookSchema:
    raw = tomllib.loads(text)
    info_raw = raw["info"]
    info = InfoLayout(
        name=info_raw["sheet"],
        header_row=int(info_raw.get("header_row", 1)),
        header=tuple(info_raw.get("header", ("Voce", "Valore"))),
        fields=tuple(
            InfoField(f["key"], f["label"], f.get("type", "text"), bool(f.get("required", False)),
                      f.get("format", ""), f.get("help", ""), f.get("error", ""))
            for f in info_raw["fields"]
        ),
        widths=tuple(float(w) for w in info_raw.get("widths", (20, 70))),
    )
    indicators = _sheet("indicators", raw["indicators"])
    cycle = Cycle(**raw.get("cycle", {}))
    if "target_state" in indicators.letters():
        allowed = indicators.column("target_state").allowed
        if cycle.pending not in allowed or cycle.confirmed not in allowed:
            raise SchemaDefinitionError(f"[cycle]: {cycle.pending!r} and {cycle.confirmed!r} must be among the "
                                        f"allowed values of target_state {list(allowed)}")
    variations, fields = None, {}
    if "variations" in raw:
        variations = _sheet("variations", raw["variations"])
        fields = dict(raw["variations"].get("fields", {}))
        allowed = variations.column("field").allowed
        wrong = sorted(set(fields.values()) - set(allowed))
        if wrong or set(fields) - VARIATION_KINDS:
            raise SchemaDefinitionError(f"[variations.fields]: kinds must be among {sorted(VARIATION_KINDS)} and "
                                        f"values among the allowed values of «field» {list(allowed)} ({wrong})")
    return WorkbookSchema(
        variations=variations,
        variation_fields=fields,
        version=str(raw["schema_version"]),
        indicators=indicators,
        areas=_sheet("areas", raw["areas"]),
        info=info,
        source=source,
        marks=ComputedMarks(**raw.get("computed", {})),
        names=SettingsNames(**raw.get("names", {})),
        cycle=cycle,
    )


@lru_cache(maxsize=1)
def schemas_dir() -> Path:
    """Where the shipped ``schemas/`` folder is (inside the installed package; asked once: the formulas
    ask for the schema at every cell template, and importlib's answer costs 40 µs)."""
    return Path(str(resources.files("perf_xl.schemas")))


def schema_file(name: str) -> Path:
    """The schema file ``name`` (``settore.toml``, ``summary.toml``, ``settings.toml``, ``open_data.toml``):
    from the folder named by ``PERF_XL_SCHEMAS`` when it holds one, else the shipped one."""
    folder = os.environ.get(SCHEMAS_ENV)
    if folder:
        p = Path(folder) / name
        if p.is_file():
            return p
    return schemas_dir() / name


def load_layout(name: str = "summary.toml") -> dict:
    """A layout file of ``schemas/`` (``summary.toml``) as a new dict (the caller may change it)."""
    return tomllib.loads(schema_file(name).read_text(encoding="utf-8"))


def load_style() -> dict:
    """The colours of every workbook perf_xl writes (``[style]`` of ``summary.toml``): one place."""
    return _load_style(str(schema_file("summary.toml")))


@lru_cache(maxsize=None)
def _load_style(path: str) -> dict:
    return dict(tomllib.loads(Path(path).read_text(encoding="utf-8"))["style"])


def load_print() -> dict:
    """How every sheet perf_xl writes prints (``[print]`` of ``summary.toml``): paper, margins, footer."""
    return _load_print(str(schema_file("summary.toml")))


@lru_cache(maxsize=None)
def _load_print(path: str) -> dict:
    return dict(tomllib.loads(Path(path).read_text(encoding="utf-8"))["print"])


def load_schema(path: str | Path | None = None) -> WorkbookSchema:
    return _load_schema(str(path) if path else str(schema_file("settore.toml")))


@lru_cache(maxsize=None)
def _load_schema(path: str) -> WorkbookSchema:
    p = Path(path)
    return parse_schema(p.read_text(encoding="utf-8"), source=str(p))


# --- the open data (schemas/open_data.toml) ---------------------------------------------------

OPEN_DATA_TYPES = {"string", "integer", "number", "boolean", "year"}  # the Frictionless types it uses
OPEN_DATA_RESOURCES = ("areas", "objectives", "indicators", "differentiation")


@dataclass(frozen=True)
class OpenDataColumn:
    """One column of an open-data CSV: ``key`` names the value, ``name`` is the CSV header."""

    key: str
    name: str
    type: str
    title: str
    description: str
    required: bool = False
    personal: bool = False  # a person's name: written only when the settings allow it


@dataclass(frozen=True)
class OpenDataResource:
    key: str  # which rows: areas, objectives, indicators, differentiation (only with publish --schede)
    name: str
    path: str
    title: str
    description: str
    columns: tuple[OpenDataColumn, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[dict, ...] = ()  # {fields, resource, reference}


@dataclass(frozen=True)
class OpenDataSchema:
    package: dict  # name, title, description (templates with {year}, {comune}), keywords
    licenses: dict  # identifier -> {title, path}
    resources: tuple[OpenDataResource, ...]


def _open_data_resource(raw: dict) -> OpenDataResource:
    where = f"open_data.toml, resource {raw.get('name')!r}"
    if raw.get("key") not in OPEN_DATA_RESOURCES:
        raise SchemaDefinitionError(f"{where}: key must be one of {OPEN_DATA_RESOURCES}, not {raw.get('key')!r}")
    cols = []
    for c in raw["columns"]:
        if c.get("type") not in OPEN_DATA_TYPES:
            raise SchemaDefinitionError(f"{where}, column {c.get('name')!r}: unknown type {c.get('type')!r}")
        if not c.get("title") or not c.get("description"):
            raise SchemaDefinitionError(f"{where}, column {c.get('name')!r}: a title and a description are needed")
        cols.append(OpenDataColumn(key=c["key"], name=c["name"], type=c["type"], title=c["title"],
                                   description=c["description"], required=bool(c.get("required", False)),
                                   personal=bool(c.get("personal", False))))
    names = [c.name for c in cols]
    if len(set(names)) != len(names):
        raise SchemaDefinitionError(f"{where}: duplicate column name")
    keyed = {*raw.get("primary_key", ()), *(f for fk in raw.get("foreign_keys", ()) for f in fk["fields"])}
    personal = {c.name for c in cols if c.personal}
    if keyed - set(names) or keyed & personal:
        raise SchemaDefinitionError(f"{where}: a key field is not a column, or is personal: {sorted(keyed)}")
    return OpenDataResource(key=raw["key"], name=raw["name"], path=raw["path"], title=raw["title"],
                            description=raw["description"], columns=tuple(cols),
                            primary_key=tuple(raw.get("primary_key", ())),
                            foreign_keys=tuple(raw.get("foreign_keys", ())))


def load_open_data() -> OpenDataSchema:
    """``open_data.toml``: the open data's files, columns, types, titles and descriptions."""
    raw = load_layout("open_data.toml")
    return OpenDataSchema(package=raw["package"], licenses=raw.get("licenses", {}),
                          resources=tuple(_open_data_resource(r) for r in raw["resources"]))
