"""What the Consolida button does, as plain Python: read the Config, consolidate, report.

The button's VBA calls ``RunPython`` → ``Consolidatore.main()`` →
:func:`perf_xl.excel.button.main`, which reads the Config sheet through xlwings and
calls :func:`run_consolida` here: the same consolidation, summary workbook and JSON
as ``perf-xl consolidate``. Everything here takes plain values, so it is tested
without Excel.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..app.consolidate import NotComparable, compare_years, consolidate_folder, read_previous
from ..app.provenance import write_run_manifest
from ..app.monitoring import MonitoringError, PeriodError, monitor_folder, parse_period
from ..app.failures import os_error_message
from ..model import Monitoring, RunResult
from ..io.lock import AlreadyRunning, output_lock
from ..io.outputs import OutputRefused, check_outputs, no_workbooks_message
from ..io.summary import (column_value, load_summary_layout, sintesi_notice, sintesi_rows, write_summary_json,
                          write_summary_workbook)
from ..schema import load_schema
from ..settings import load_settings

CONFIG_SHEET = "Config"
RESULT_SHEET = "Consolida"
_LAYOUT = load_summary_layout()["consolida"]
RESULT_ANCHOR = _LAYOUT["result_anchor"]  # where the result table lands on the Consolida sheet
STATUS_CELL = _LAYOUT["status_cell"]  # the last press: done, or what went wrong and what to do
ERROR_PREFIX = _LAYOUT["error_prefix"]
RESULT_ROWS = 2000  # how far down a previous table is cleared before a new one is written
UNEXPECTED = ("il consolidamento si è interrotto per un errore imprevisto del programma e non ha scritto nulla; "
              "il risultato precedente è rimasto. Riprovare; se si ripete, avvisare l'ufficio informatico "
              "(il dettaglio tecnico è nel registro di Python).")
log = logging.getLogger(__name__)
# (key, label in the Config sheet, help shown beside it)
CONFIG_FIELDS = (
    ("folder", "Cartella delle cartelle di lavoro", "Cartella condivisa con i file dei settori (percorso completo o relativo a questo file)."),
    ("year", "Anno", "Anno del piano."),
    ("output", "File della Relazione", "Dove scrivere la Relazione (.xlsx); relativo a questo file se non è un percorso completo."),
    ("json", "File JSON", "Facoltativo: gli stessi numeri in JSON."),
    ("settings", "File impostazioni", "Facoltativo: impostazioni del Comune (TOML); vuoto = quelle predefinite."),
    ("periodo", "Periodo", "Facoltativo: la data di un monitoraggio (per esempio 2023-06-30, una delle date delle "
                           "impostazioni) per il rapporto di monitoraggio a quella data; vuoto = fine anno (la Relazione)."),
    ("confronta", "Confronta con", "Facoltativo: il JSON di un anno precedente (scritto da perf-xl consolidate --json): "
                                   "la Relazione ha in più il foglio Confronto."),
    ("manifest", "File manifest", "Facoltativo: l'elenco dei file letti e scritti con le loro impronte SHA-256, per "
                                  "l'OIV (da verificare con perf-xl verifica)."),
)


class ConfigError(ValueError):
    """The Config sheet is incomplete or wrong (shown to the user in Italian)."""


def _period(periodo: str, settings):
    """The Config's «Periodo»: a monitoring checkpoint, or None (blank, or the year end)."""
    if not periodo:
        return None
    try:
        period = parse_period(periodo, settings)
    except PeriodError as exc:
        raise ConfigError(f"Nel foglio Config, Periodo: {exc}") from exc
    return None if period.year_end else period


def _previous(path: Path | None, typed: str) -> dict | None:
    """The Config's «Confronta con»: a previous year's JSON, read; None when blank."""
    if path is None:
        return None
    if not path.is_file():
        raise ConfigError(f"Nel foglio Config, Confronta con: il file «{typed}» non esiste.")
    try:
        return read_previous(path)
    except NotComparable as exc:
        raise ConfigError(f"Nel foglio Config, Confronta con: {exc}") from exc


@dataclass(frozen=True)
class ConsolidaConfig:
    folder: str
    year: int | None
    output: str
    json: str = ""
    settings: str = ""
    periodo: str = ""  # a monitoring checkpoint (AAAA-MM-GG); "" = the year end (the Relazione)
    confronta: str = ""  # a previous year's JSON: the Relazione gets its Confronto sheet (as --confronta)
    manifest: str = ""  # the run's manifest (as --manifest)


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
    periodo = values.get("periodo")
    # a date cell (Excel and openpyxl give a datetime) or the date typed as text
    periodo = periodo.date().isoformat() if isinstance(periodo, _dt.datetime) else (
        periodo.isoformat() if isinstance(periodo, _dt.date) else str(periodo or "").strip())
    default = f"Monitoraggio_{periodo}.xlsx" if periodo else f"Relazione_{year or 'performance'}.xlsx"
    output = str(values.get("output") or "").strip() or default
    text = lambda key: str(values.get(key) or "").strip()  # noqa: E731
    return ConsolidaConfig(folder=folder, year=year, output=output, json=text("json"), settings=text("settings"),
                           periodo=periodo, confronta=text("confronta"), manifest=text("manifest"))


def _resolve(p: str, base: Path, root: Path | None = None) -> Path:
    """A Config path, relative to ``base``; with a ``root`` (xlwings Server), only a path that stays
    inside it once every ``..`` and symbolic link is followed, or :class:`ConfigError`."""
    path = Path(p)
    path = path if path.is_absolute() else base / path
    if root is not None:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(Path(os.path.realpath(root))):
            raise ConfigError(f"Il percorso «{p}» del foglio Config porta fuori dalla cartella di lavoro del server: "
                              "indicare un percorso dentro quella cartella, relativo a essa (senza «..» e senza "
                              "collegamenti verso altre cartelle). Non è stato letto né scritto nulla.")
        return real
    return path


def _links_out(folder: Path, root: Path) -> list[str]:
    """The entries of ``folder`` that are symbolic links leading out of ``root`` (never read on the server)."""
    real_root = Path(os.path.realpath(root))
    return sorted(p.name for p in folder.iterdir()
                  if p.is_symlink() and not Path(os.path.realpath(p)).is_relative_to(real_root))


def run_consolida(config: ConsolidaConfig, base_dir: str | Path, root: str | Path | None = None) -> RunResult:
    """Consolidate as ``perf-xl consolidate`` does, with paths relative to the control workbook
    (``base_dir``). With ``root`` (xlwings Server) every path of the Config must stay inside it."""
    return _consolida(config, base_dir, root)[0]


def _consolida(config: ConsolidaConfig, base_dir: str | Path,
               root: str | Path | None = None) -> tuple[RunResult, Monitoring | None]:
    """:func:`run_consolida`, and the monitoring facts when the Config asks for a checkpoint."""
    base = Path(base_dir)
    root = Path(root) if root is not None else None
    settings = load_settings(_resolve(config.settings, base, root) if config.settings else None)
    folder = _resolve(config.folder, base, root)
    if not folder.is_dir():
        raise ConfigError(f"La cartella «{config.folder}» indicata nel foglio Config non esiste.")
    if root is not None and _links_out(folder, root):
        names = ", ".join(f"«{n}»" for n in _links_out(folder, root))
        raise ConfigError(f"Nella cartella «{config.folder}» ci sono collegamenti verso file fuori dalla cartella di "
                          f"lavoro del server ({names}): copiare lì le cartelle di lavoro al posto dei collegamenti. "
                          "Non è stato letto né scritto nulla.")
    empty = no_workbooks_message(folder)
    if empty:
        raise ConfigError(empty)
    previous_json = _resolve(config.confronta, base, root) if config.confronta else None
    previous = _previous(previous_json, config.confronta)
    period, monitoring = _period(config.periodo, settings), None
    if period is not None:  # the monitoring report of a checkpoint: the same run as --periodo
        try:
            c, monitoring = monitor_folder(folder, period, load_schema(), settings)
        except MonitoringError as exc:
            raise ConfigError(str(exc)) from exc
    else:
        c = consolidate_folder(folder, load_schema(), settings)
    refusal = c.nothing_usable_message()
    if refusal:
        raise ConfigError(refusal)
    try:
        comparison = compare_years(c, previous, previous_json) if previous is not None else None
    except NotComparable as exc:
        raise ConfigError(f"Nel foglio Config, Confronta con: {exc}") from exc
    out = _resolve(config.output, base, root)
    json_out = _resolve(config.json, base, root) if config.json else None
    manifest = _resolve(config.manifest, base, root) if config.manifest else None
    inputs = [*c.files, *([previous_json] if previous_json else [])]
    try:  # the button never writes onto a settore workbook or the previous year's JSON, nor one output onto another
        check_outputs([("Relazione", out, (".xlsx",), "una cartella di lavoro Excel"),
                       ("JSON", json_out, (".json",), "un file JSON"),
                       ("manifest", manifest, (".json",), "un file JSON")],
                      inputs=inputs)
    except OutputRefused as exc:
        raise ConfigError(str(exc)) from exc
    settings_file = _resolve(config.settings, base, root) if config.settings else None
    try:
        with output_lock(out):
            c.outputs.append(write_summary_workbook(out, c, settings, comparison=comparison, monitoring=monitoring))
            if json_out is not None:
                c.outputs.append(write_summary_json(json_out, c, comparison, monitoring=monitoring))
            if manifest is not None:  # last, once every output exists
                c.outputs.append(write_run_manifest(manifest, ["Consolida", str(base)], inputs, list(c.outputs),
                                                    settings, settings_file))
    except AlreadyRunning as exc:
        raise ConfigError(f"Un altro consolidamento sta scrivendo «{out}»: riprovare tra poco.") from exc
    return c, monitoring


@dataclass(frozen=True)
class Outcome:
    """What one press of Consolida shows: the status line, and the new result table (None when the
    run failed: the previous table stays where it is)."""

    status: str
    rows: list[list] | None = None

    @property
    def failed(self) -> bool:
        return self.rows is None


def press(pairs, base_dir: str | Path, root: str | Path | None = None) -> Outcome:
    """One press of Consolida, on the Config sheet's (label, value) rows: never raises, so that what
    the user sees is always an Italian sentence in the sheet, never a traceback."""
    try:
        c, monitoring = _consolida(parse_config(pairs), base_dir, root)
        rows = result_rows(c, monitoring)
    except ConfigError as exc:
        return Outcome(f"{ERROR_PREFIX} {exc}")
    except OSError as exc:  # an output open in Excel, a full disk, a share that went away
        return Outcome(f"{ERROR_PREFIX} {os_error_message(exc)}")
    except Exception:  # noqa: BLE001 - a bug must still end in a sentence; the detail goes to the log
        log.exception("Consolida failed")
        return Outcome(f"{ERROR_PREFIX} {UNEXPECTED}")
    names = [f"«{Path(p).name}»" for p in c.outputs]
    written = f"{'scritti' if len(names) > 1 else 'scritto'} {' e '.join(names)}"
    if c.trustworthy:
        return Outcome(f"Consolidamento riuscito: {written}. Il risultato è qui sotto.", rows)
    return Outcome(f"Consolidamento fatto ({written}), ma la Relazione non si può pubblicare così com'è: "
                   "le righe sotto la tabella delle aree dicono perché.", rows)


def result_rows(c: RunResult, monitoring: Monitoring | None = None) -> list[list]:
    """The table that lands on the Consolida sheet: the areas (the Sintesi's rows), the outputs, the findings.
    At a monitoring checkpoint the areas' columns are the score at the date and the projection to the
    year end, not the published score (the year end's, nothing to compare at a checkpoint)."""
    lay = load_summary_layout()["consolida"]
    cols = lay["columns"]
    if monitoring is not None:
        cols = [{**col, "label": col["label"].format(data=monitoring.label)} for col in lay["monitoring_columns"]]
    rows: list[list] = [[col["label"] for col in cols]]
    rows += [[column_value(values, col) for col in cols] for values in sintesi_rows(c, monitoring)]
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
