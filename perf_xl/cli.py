"""The ``perf-xl`` command line: thin wrappers, one library call each.

Exit codes: 0 done, 1 done but the data has errors, 2 the command could not run.
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click

from . import __version__
from .io.atomic import OutputNotWritten
from .numbers import format_italian
from .schema import load_schema
from .settings import SettingsError, load_settings
from .wording import count, wrap


class CommandError(click.ClickException):
    """The command itself could not run (exit code 2), as opposed to data with errors (1)."""

    exit_code = 2

    def show(self, file=None) -> None:
        # click would say "Error:"; the whole line is for an Italian office
        click.echo(f"Errore: {self.format_message()}", file=file, err=file is None)


_OS_REASONS = {
    errno.ENOSPC: "il disco è pieno",
    errno.EROFS: "il disco è di sola lettura",
    errno.ENOENT: "il file o la cartella non esiste (spostato o cancellato?)",
    errno.ENOTDIR: "una parte del percorso è un file, non una cartella",
    errno.EEXIST: "una parte del percorso è un file, non una cartella",
    errno.EACCES: "accesso negato",
    errno.EPERM: "accesso negato",
}


def os_error_message(exc: OSError) -> str:
    """What a user reads when a file cannot be read or written: which file, why, what to do."""
    reason = _OS_REASONS.get(exc.errno, exc.strerror or str(exc))
    if isinstance(exc, OutputNotWritten):
        where = f"«{exc.target.name}» in {exc.target.resolve().parent}"
        kept = "il file precedente è rimasto intatto" if exc.previous_kept else "non è stato scritto nulla"
        if isinstance(exc.cause, PermissionError):
            return (f"Impossibile scrivere {where}: il file è aperto in un altro programma (Excel?) o la cartella "
                    f"non è scrivibile. Chiuderlo e riprovare: {kept}.")
        if exc.errno == errno.ENOSPC:
            return f"Impossibile scrivere {where}: il disco è pieno. Liberare spazio e riprovare: {kept}."
        return f"Impossibile scrivere {where}: {reason}. Controllare il percorso e riprovare: {kept}."
    name = f" «{exc.filename}»" if exc.filename else ""
    return f"Impossibile accedere a{name}: {reason}."


class _Group(click.Group):
    """Turns I/O failures (an output open in Excel, a full disk, a vanished file) into a clear
    Italian message and exit 2, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            raise CommandError(os_error_message(exc)) from exc


udf_option = click.option(
    "--udf", "udf", is_flag=True, default=False,
    help="Computed cells call the xlwings UDFs (PERF_RAGG, …), wrapped in IFERROR with the native formula.")

workers_option = click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True,
    help="Worker processes (pays off with hundreds of workbooks; results are identical).")

settings_option = click.option(
    "--settings", "settings_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Settings file (TOML) with the comune's scoring choices; default: the shipped schemas/settings.toml.")


def _settings(path):
    try:
        return load_settings(path)
    except (SettingsError, ValueError) as exc:
        raise CommandError(f"Impostazioni non valide ({path}): {exc}") from exc


def _print_findings(findings, limit: int = 30) -> None:
    from .io.report import more_findings

    for f in findings[:limit]:
        where = " ".join(x for x in (Path(f.file).name if f.file else "", f.sheet, f.cell) if x)
        # whole, wrapped at spaces (never cut); an explanation's lines one under the other
        for k, part in enumerate(p for p in f.message.split("\n") if p.strip()):
            click.echo(wrap(f"  [{f.severity}] {where}: {part}" if k == 0 else part, width=110, first_indent="" if k == 0
                            else "      ", indent="      "))
    if len(findings) > limit:
        click.echo(f"  {more_findings(len(findings) - limit)}.")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perf-xl")
def main() -> None:
    """perf_xl: the comune's performance plan in Excel.

    Settore workbooks -> scores -> the area summary workbook (Relazione sulla Performance).
    """


@main.command("import-relazione")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, default=None,
              help="Year of the plan (default: read from the text; a year that differs from the text's is refused).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder where one workbook per settore is written.")
@udf_option
@settings_option
def import_relazione_cmd(file, year, out_dir, udf, settings_path):
    """Import a Relazione text export (tab-separated) into one settore workbook per settore.

    Example: perf-xl import-relazione relazione_2022.txt --year 2022 --out workbooks/2022
    """
    from .importer import NotRelazioneText, import_relazione

    try:
        result = import_relazione(file, out_dir, year=year, settings=_settings(settings_path),
                                  formula_mode="udf" if udf else "native")
    except NotRelazioneText as exc:
        raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    click.echo(f"Anno {result.year or 'non indicato'}: {result.areas} aree, {result.objectives} obiettivi, "
               f"{result.indicators} indicatori, {len(result.written)} cartelle di lavoro in {out_dir}")
    for p in result.written:
        click.echo(f"  {p}")
    if result.findings:
        click.echo(f"{count(len(result.findings), 'segnalazione', 'segnalazioni')} sulla Relazione:")
        _print_findings(result.findings)
    if not result.written:
        sys.exit(1)


@main.command("consolidate")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Area summary workbook to write (default: Relazione_<year>.xlsx in the current folder).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the same numbers as JSON.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the area scores (the Sintesi table) as CSV for Excel (';', UTF-8, decimal comma).")
@click.option("--detail/--no-detail", default=None,
              help="List every indicator in the area sheets (default: yes up to 100 workbooks, else objectives only).")
@click.option("--no-validate", "no_validate", is_flag=True, default=False,
              help="Skip the validation checks (by default the same pass validates every workbook).")
@workers_option
@settings_option
def consolidate_cmd(folder, out_file, json_file, csv_file, detail, no_validate, workers, settings_path):
    """Merge every settore workbook of FOLDER into the area summary workbook.

    FOLDER defaults to the shipped 2022 workbooks. Example:
    perf-xl consolidate workbooks/2022 --out Relazione_2022.xlsx --json relazione_2022.json --csv aree_2022.csv
    """
    from .consolidator import consolidate_folder, short_area_name
    from .io.summary import write_summary_outputs

    from .io.lock import AlreadyRunning, output_lock

    settings = _settings(settings_path)
    c = consolidate_folder(folder, load_schema(), settings, validate=not no_validate, workers=workers, detail=detail)
    out = Path(out_file or f"Relazione_{c.year or 'performance'}.xlsx")
    try:
        with output_lock(out):
            write_summary_outputs(c, out, json_file, csv_file, settings, workers=workers)
    except AlreadyRunning as exc:
        raise CommandError(f"Un altro consolidamento sta scrivendo {out} (blocco {exc}): riprovare più tardi.") from exc
    click.echo(f"{len(c.files)} cartelle di lavoro, {c.objective_count} obiettivi, {c.indicator_count} indicatori")
    click.echo(f"{'N.':>3}  {'Area':<32} {'Ob.':>4} {'Ind.':>5} {'Calcolato':>10} {'Pubblicato':>11}  Barometro")
    for a in c.areas:
        score = "—" if a.score is None else format_italian(a.score)
        pub = "—" if a.published is None else format_italian(a.published)
        flag = "  da verificare" if a.to_verify else "" if a.reproduces in (True, None) else "  ≠ pubblicato"
        click.echo(f"{a.number:>3}  {short_area_name(a.name)[:32]:<32} {len(a.objectives):>4} {a.indicator_count:>5} "
                   f"{score:>10} {pub:>11}  {a.traffic_light or '—'}{flag}")
        for line in (*a.to_verify, *a.explanation):
            click.echo(wrap(line, width=110, first_indent="       - ", indent="         "))
    for line in consolidation_warnings(c):
        click.echo(line)
    if c.findings:
        click.echo(f"Segnalazioni ({len(c.findings)}):")
        _print_findings(c.findings)
    click.echo(f"Relazione scritta in {out.resolve()}")
    if json_file:
        click.echo(f"JSON scritto in {Path(json_file).resolve()}")
    if csv_file:
        click.echo(f"CSV scritto in {Path(csv_file).resolve()}")
    if not c.trustworthy:
        sys.exit(1)


def consolidation_warnings(c) -> list[str]:
    """What the console says after the areas when the Relazione is incomplete or has copies."""
    from .wording import count

    lines = []
    if c.files and c.not_used:
        n = count(len(c.not_used), "cartella di lavoro non usata", "cartelle di lavoro non usate")
        lines.append(f"Relazione incompleta: {n} (non si legge il file o il suo foglio Indicatori):")
        lines.extend(f"  {Path(f).name}" for f in c.not_used)
    if c.excluded:
        lines.append(f"Non conteggiate perché copie di un'altra cartella di lavoro: "
                     f"{', '.join(Path(f).name for f in c.excluded)}.")
    if c.conflicts:
        lines.append(f"Da verificare prima di pubblicare: "
                     f"{count(len(c.conflicts), 'copia diversa', 'copie diverse')} della stessa cartella di lavoro "
                     "(vedere le segnalazioni copia-in-conflitto).")
    return lines


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None, help="Write the findings as JSON.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Write the findings as a workbook (.xlsx), one row per finding with a link to the cell.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Write the findings as CSV for Excel (';', UTF-8, decimal comma), same columns as --report.")
@click.option("--limit", type=int, default=200, show_default=True, help="Findings shown on the console.")
@workers_option
@settings_option
def validate_cmd(paths, json_file, report_file, csv_file, limit, workers, settings_path):
    """Validate settore workbooks (files or folders): what is wrong, and where.

    Exit 0 when there is no error, 1 when there are errors, 2 when the command could not run.
    Example: perf-xl validate workbooks/2022 --json findings.json --report findings.xlsx --csv findings.csv
    """
    from .io.report import format_table, write_report_csv, write_report_json, write_report_workbook
    from .validate import validate_paths

    v = validate_paths(paths, load_schema(), _settings(settings_path), workers=workers)
    click.echo(f"{len(v.files)} cartelle di lavoro controllate.")
    click.echo(format_table(v.report, limit=limit))
    if json_file:
        write_report_json(json_file, v.report, v.files)
        click.echo(f"JSON scritto in {Path(json_file).resolve()}")
    if report_file:
        write_report_workbook(report_file, v.report)
        click.echo(f"Rapporto scritto in {Path(report_file).resolve()}")
    if csv_file:
        write_report_csv(csv_file, v.report)
        click.echo(f"CSV scritto in {Path(csv_file).resolve()}")
    sys.exit(0 if v.report.valid else 1)


@main.command("audit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None, help="Write the findings as JSON.")
@settings_option
def audit_cmd(file, json_file, settings_path):
    """Audit a published Relazione text export: list what does not add up, with the line.

    Exit 0 when everything is consistent, 1 when something is not.
    Example: perf-xl audit relazione_2022.txt --json audit.json
    """
    from .importer import NotRelazioneText, read_relazione_text
    from .io.report import format_table, write_report_json
    from .relazione.audit import audit_relazione

    encoding: list = []
    try:
        text = read_relazione_text(file, encoding)
    except NotRelazioneText as exc:
        raise CommandError(str(exc)) from exc
    report = audit_relazione(text, str(file), _settings(settings_path))
    report.findings[:0] = encoding
    click.echo(format_table(report))
    if json_file:
        write_report_json(json_file, report, [str(file)])
        click.echo(f"JSON scritto in {Path(json_file).resolve()}")
    sys.exit(0 if not len(report) else 1)


@main.command("nightly")
@click.argument("share", type=click.Path(exists=True, file_okay=False))
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for reports, cache, history and lock (never inside SHARE).")
@workers_option
@settings_option
def nightly_cmd(share, reports_dir, workers, settings_path):
    """Validate every settore workbook on the shared drive, re-reading only what changed.

    Writes reports/runs/report-<time>.json, .xlsx and .csv, reports/latest.json, .xlsx and .csv and appends to
    reports/history.csv. Exit 0 without errors, 1 with errors, 2 when the run could not start
    (for example another run is still going). Example: perf-xl nightly /srv/performance --reports /var/lib/perf-xl
    """
    from .io.lock import AlreadyRunning
    from .io.report import counts
    from .nightly import NightlyError, run_nightly

    try:
        result = run_nightly(share, reports_dir, load_schema(), _settings(settings_path), workers=workers)
    except AlreadyRunning as exc:
        raise CommandError(f"Un'altra esecuzione notturna è in corso (blocco {exc}): riprovare più tardi.") from exc
    except NightlyError as exc:
        raise CommandError(str(exc)) from exc
    c = counts(result.report)
    click.echo(f"{len(result.files)} cartelle di lavoro: {len(result.validated)} controllate, "
               f"{len(result.reused)} invariate; {len(result.skipped)} file saltati; "
               f"{c['errors']} errori, {c['warnings']} avvisi.")
    for p in result.outputs:
        click.echo(f"  {p}")
    sys.exit(0 if result.report.valid else 1)


@main.command("make-consolidatore")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default="Consolidatore.xlsm", show_default=True,
              help="The control workbook to write (.xlsm); its .py twin is written beside it.")
@click.option("--folder", default="", help="Shared folder with the settore workbooks (written into the Config sheet).")
@click.option("--year", type=int, default=None, help="Year of the plan (Config sheet).")
@click.option("--relazione", "output", default="", help="Where the button writes the Relazione (Config sheet).")
@click.option("--json", "json_path", default="", help="Where the button also writes the JSON (Config sheet).")
def make_consolidatore_cmd(out_file, folder, year, output, json_path):
    """Write Consolidatore.xlsm, the control workbook with the Consolida button.

    Example: perf-xl make-consolidatore --out Consolidatore.xlsm --folder "\\\\server\\Performance\\2022" --year 2022
    """
    from .excel.consolidatore import make_consolidatore

    try:
        paths = make_consolidatore(out_file, folder=folder, year=year, output=output, json_path=json_path)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    for p in paths:
        click.echo(f"Scritto {Path(p).resolve()}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
def serve_cmd(host, port):
    """Start xlwings Server (Office.js) with perf_xl's custom functions and the consolida script.

    Needs the optional extra: pip install 'perf-xl[server]'. Licence: PolyForm Noncommercial 1.0.0
    (XLWINGS_LICENSE_KEY=noncommercial, allowed for a public institution) or a commercial xlwings licence.
    Example: perf-xl serve --host 127.0.0.1 --port 8000
    """
    from .excel.server import serve, server_available

    if not server_available():
        raise CommandError("xlwings Server non è installato: pip install 'perf-xl[server]'")
    serve(host=host, port=port)


@main.command("new-workbook")
@click.argument("out_file", type=click.Path(dir_okay=False))
@click.option("--settore", required=True, help="Name of the settore.")
@click.option("--year", type=int, required=True, help="Year of the plan.")
@click.option("--comune", default="", help="Name of the comune.")
@click.option("--rows", type=int, default=100, show_default=True, help="Empty indicator rows to prepare.")
@udf_option
@settings_option
def new_workbook_cmd(out_file, settore, year, comune, rows, udf, settings_path):
    """Write an empty settore workbook (the template) for a dirigente to fill in.

    Example: perf-xl new-workbook 2023_polizia-locale.xlsx --settore "Settore Polizia Locale" --year 2023
    """
    from .io.template import write_settore_workbook
    from .model import SettoreWorkbook

    schema = load_schema()
    wb = SettoreWorkbook(info={"year": year, "settore": settore, "schema_version": schema.version,
                               "source": "modello vuoto", "comune": comune}, areas=(), rows=())
    write_settore_workbook(out_file, wb, schema, _settings(settings_path), spare_rows=rows,
                           formula_mode="udf" if udf else "native")
    click.echo(f"Modello scritto in {Path(out_file).resolve()}")


if __name__ == "__main__":  # pragma: no cover
    main()
