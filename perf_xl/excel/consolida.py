"""What the Consolida button does, as plain Python: read the Config, consolidate, report.

The button's VBA calls ``RunPython`` → ``Consolidatore.main()`` →
:func:`perf_xl.excel.button.main`, which reads the Config sheet through xlwings and
calls :func:`run_consolida` here: the same consolidation, summary workbook and JSON
as ``perf-xl consolidate``. Everything here takes plain values, so it is tested
without Excel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..app.consolidate import consolidate_folder
from ..model import RunResult
from ..io.lock import AlreadyRunning, output_lock
from ..io.outputs import OutputRefused, check_outputs, no_workbooks_message
from ..io.summary import (column_value, load_summary_layout, sintesi_notice, sintesi_row, write_summary_json,
                          write_summary_workbook)
from ..schema import load_schema
from ..settings import load_settings

CONFIG_SHEET = "Config"
RESULT_SHEET = "Consolida"
RESULT_ANCHOR = "A8"  # where the result table lands on the Consolida sheet
# (key, label in the Config sheet, help shown beside it)
CONFIG_FIELDS = (
    ("folder", "Cartella delle cartelle di lavoro", "Cartella condivisa con i file dei settori (percorso completo o relativo a questo file)."),
    ("year", "Anno", "Anno del piano."),
    ("output", "File della Relazione", "Dove scrivere la Relazione (.xlsx); relativo a questo file se non è un percorso completo."),
    ("json", "File JSON", "Facoltativo: gli stessi numeri in JSON."),
    ("settings", "File impostazioni", "Facoltativo: impostazioni del Comune (TOML); vuoto = quelle predefinite."),
)


class ConfigError(ValueError):
    """The Config sheet is incomplete or wrong (shown to the user in Italian)."""


@dataclass(frozen=True)
class ConsolidaConfig:
    folder: str
    year: int | None
    output: str
    json: str = ""
    settings: str = ""


def parse_config(pairs) -> ConsolidaConfig:
    """The Config sheet's (label, value) rows -> a config; labels from CONFIG_FIELDS."""
    by_label = {label: key for key, label, _ in CONFIG_FIELDS}
    values: dict[str, object] = {}
    for pair in pairs or ():
        if not pair or len(pair) < 2 or pair[0] is None:
            continue
        key = by_label.get(str(pair[0]).strip())
        if key:
            values[key] = pair[1]
    folder = str(values.get("folder") or "").strip()
    if not folder:
        raise ConfigError("Nel foglio Config manca la cartella delle cartelle di lavoro.")
    year = values.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Nel foglio Config l'anno deve essere un numero, non «{year}».") from exc
    output = str(values.get("output") or "").strip() or f"Relazione_{year or 'performance'}.xlsx"
    return ConsolidaConfig(folder=folder, year=year, output=output, json=str(values.get("json") or "").strip(),
                           settings=str(values.get("settings") or "").strip())


def _resolve(p: str, base: Path) -> Path:
    path = Path(p)
    return path if path.is_absolute() else base / path


def run_consolida(config: ConsolidaConfig, base_dir: str | Path) -> RunResult:
    """Consolidate as ``perf-xl consolidate`` does, with paths relative to the control workbook."""
    base = Path(base_dir)
    settings = load_settings(_resolve(config.settings, base) if config.settings else None)
    folder = _resolve(config.folder, base)
    if not folder.is_dir():
        raise ConfigError(f"La cartella «{folder}» indicata nel foglio Config non esiste.")
    empty = no_workbooks_message(folder)
    if empty:
        raise ConfigError(empty)
    c = consolidate_folder(folder, load_schema(), settings)
    refusal = c.nothing_usable_message()
    if refusal:
        raise ConfigError(refusal)
    out = _resolve(config.output, base)
    try:  # the button never writes onto a settore workbook, nor the JSON onto the Relazione
        check_outputs([("Relazione", out, (".xlsx",), "una cartella di lavoro Excel"),
                       ("JSON", _resolve(config.json, base) if config.json else None, (".json",), "un file JSON")],
                      inputs=c.files)
    except OutputRefused as exc:
        raise ConfigError(str(exc)) from exc
    try:
        with output_lock(out):
            c.outputs.append(write_summary_workbook(out, c, settings))
            if config.json:
                c.outputs.append(write_summary_json(_resolve(config.json, base), c))
    except AlreadyRunning as exc:
        raise ConfigError(f"Un altro consolidamento sta scrivendo «{out}»: riprovare tra poco.") from exc
    return c


def result_rows(c: RunResult) -> list[list]:
    """The table that lands on the Consolida sheet: the areas (the Sintesi's rows), the outputs, the findings."""
    cols = load_summary_layout()["consolida"]["columns"]
    rows: list[list] = [[col["label"] for col in cols]]
    for a in c.areas:
        values = sintesi_row(a)
        rows.append([column_value(values, col) for col in cols])
    rows.append([])
    for line in sintesi_notice(c):  # Relazione incompleta, areas to verify: as on the Sintesi
        rows.extend([[line] + [""] * 6, []])
    rows.extend([["Scritto:", str(p)] + [""] * 5 for p in c.outputs])
    rows.append([f"Segnalazioni: {len(c.findings)}"] + [""] * 6)
    for f in c.findings:
        rows.append([Path(f.file).name, f.sheet, f.cell, f.severity, f.message, "", ""])
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def read_config_from_workbook(path: str | Path) -> ConsolidaConfig:
    """Read the Config sheet of a Consolidatore.xlsm with openpyxl (no Excel needed)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, keep_vba=False, data_only=True)
    try:
        pairs = [tuple(r[:2]) for r in wb[CONFIG_SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()
    return parse_config(pairs)


def run_from_workbook(path: str | Path) -> RunResult:
    """What the button does, driven by the workbook file instead of a running Excel."""
    path = Path(path)
    return run_consolida(read_config_from_workbook(path), path.parent)
