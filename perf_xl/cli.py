"""The ``perf-xl`` command line: options, the checks on outputs before anything is written, the
lock, what the console prints (in Italian) and the exit code. The work itself is done by library
functions tested on their own (the runs of ``perf_xl.app``, the writers of ``perf_xl.io``).

Exit codes: 0 done, 1 done but the data has errors, 2 the command could not run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path

import click

from . import __version__, click_it
from .app.failures import os_error_message
from .io.atomic import OutputNotWritten
from .io.outputs import OutputRefused, Snapshot, check_outputs, no_workbooks_message
from .numbers import format_italian
from .schema import load_schema
from .settings import SettingsError, load_settings
from .wording import count, os_reason, shorten, wrap

click_it.install()  # click's own messages (usage errors, bad values) in Italian, before the commands are built

XLSX = (".xlsx",)
WORKBOOK = "una cartella di lavoro Excel"


class CommandError(click.ClickException):
    """The command itself could not run (exit code 2), as opposed to data with errors (1)."""

    exit_code = 2

    def show(self, file=None) -> None:
        # click would say "Error:"; the whole line is for an Italian office
        with contextlib.suppress(OSError):
            click.echo(f"Errore: {self.format_message()}", file=file, err=file is None)


@contextlib.contextmanager
def _writing(outputs: Snapshot):
    """Around a command's writes: an I/O failure says which outputs were and were not written."""
    try:
        yield
    except OSError as exc:
        if _is_broken_pipe(exc):
            raise
        raise CommandError(os_error_message(exc, outputs)) from exc


def _refused(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except OutputRefused as exc:
        raise CommandError(str(exc)) from exc


# --- a closed pipe (perf-xl validate … | head) ------------------------------------------------------

_pipe = {"closed": False}


def _is_broken_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def _pipe_closed() -> None:
    """The reader of our output went away: what is still printed goes nowhere, quietly (also the
    interpreter's last flush), and the command goes on writing the files it was asked for."""
    _pipe["closed"] = True
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def echo(message: str = "") -> None:
    """``click.echo`` to the console, where a closed pipe is not an error."""
    if _pipe["closed"]:
        return
    try:
        click.echo(message)
    except OSError as exc:
        if not _is_broken_pipe(exc):
            raise
        _pipe_closed()


class _Command(click.Command):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPZIONI]")
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    """Turns I/O failures (an output open in Excel, a full disk, a vanished file) into a clear
    Italian message and exit 2, never a traceback; shows click's usage errors in Italian; ends
    quietly with exit 0 when the reader of the output has gone (``| head``)."""

    command_class = _Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPZIONI]")
        kwargs.setdefault("subcommand_metavar", "COMANDO [ARGOMENTI]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if _is_broken_pipe(exc):
                raise
            raise CommandError(os_error_message(exc)) from exc

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        prog_name = prog_name or "perf-xl"  # also as python -m perf_xl.cli, or perf-xl.exe on Windows
        _pipe["closed"] = False
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            try:
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
                code = rv if isinstance(rv, int) else 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except click.UsageError as exc:
                argv = list(args) if args is not None else sys.argv[1:]
                text = click_it.usage_error_text(exc, self, prog_name, argv)
                click.echo(text, err=True)
                code = exc.exit_code
            except click.ClickException as exc:
                exc.show()
                code = exc.exit_code
            except (click.Abort, KeyboardInterrupt, EOFError):
                click.echo("Interrotto.", err=True)
                code = 1
        except OSError as exc:
            if not _is_broken_pipe(exc):
                raise
            _pipe_closed()
            code = 0
        if _pipe["closed"] and code == 1:
            code = 0  # the reader closed the pipe (| head): not a failure of the command
        sys.exit(code)


udf_option = click.option(
    "--udf", "udf", is_flag=True, default=False,
    help="Le celle calcolate chiamano le UDF di xlwings (PERF_RAGG, …), dentro SE.ERRORE con la formula nativa.")

workers_option = click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True,
    help="Processi di lavoro (conviene con centinaia di cartelle di lavoro; i risultati sono identici).")

settings_option = click.option(
    "--settings", "settings_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="File delle impostazioni (TOML) con le scelte di punteggio del comune; predefinito: schemas/settings.toml fornito con perf_xl.")
manifest_option = click.option(
    "--manifest", "manifest", type=click.Path(dir_okay=False), default=None,
    help="Scrive anche un manifesto (JSON): lo SHA-256 di ogni cartella di lavoro letta e di ogni file scritto, le "
         "impostazioni, la versione di perf_xl e il comando; si controlla poi con perf-xl verifica.")


def _settings(path):
    try:
        return load_settings(path)
    except (SettingsError, ValueError) as exc:
        where = f"«{path}»" if path else "schemas/settings.toml"
        raise CommandError(f"Impostazioni non valide in {where}: {exc}") from exc


def _print_findings(findings, limit: int = 30) -> None:
    from .io.report import more_findings

    for f in findings[:limit]:
        where = " ".join(x for x in (Path(f.file).name if f.file else "", f.sheet, f.cell) if x)
        # whole, wrapped at spaces (never cut); an explanation's lines one under the other
        for k, part in enumerate(p for p in f.message.split("\n") if p.strip()):
            echo(wrap(f"  [{f.severity}] {where}: {part}" if k == 0 else part, width=110, first_indent="" if k == 0
                            else "      ", indent="      "))
    if len(findings) > limit:
        echo(f"  {more_findings(len(findings) - limit)}.")


def _require_workbooks(folder, recursive: bool = False) -> None:
    """A folder without settore workbooks is a wrong folder, not an empty success (exit 2)."""
    message = no_workbooks_message(folder, recursive=recursive)
    if message:
        raise CommandError(message)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perf-xl")
def main() -> None:
    """perf_xl: il piano della performance del comune in Excel.

    Cartelle di lavoro dei settori -> punteggi -> cartella di riepilogo per aree (Relazione sulla Performance).
    """


@main.command("import-relazione")
@click.argument("file", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, default=None,
              help="Anno del piano (predefinito: letto dal testo; un anno diverso da quello del testo è rifiutato).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Cartella in cui si scrive una cartella di lavoro per ogni settore.")
@click.option("--sovrascrivi", "overwrite", is_flag=True, default=False,
              help="Sostituisce le cartelle di lavoro già presenti nella cartella (in mancanza, nulla viene sostituito).")
@udf_option
@settings_option
def import_relazione_cmd(file, year, out_dir, overwrite, udf, settings_path):
    """Importa un'esportazione di testo della Relazione (separata da tabulazioni) in una cartella di lavoro per settore.

    Le cartelle di lavoro esistenti non vengono mai sostituite senza --sovrascrivi; due settori i cui
    nomi danno lo stesso nome di file ricevono nomi distinti (-2, -3, …).

    \b
    Esempio:
    perf-xl import-relazione relazione_2022.txt --year 2022 --out workbooks/2022
    """
    from .app.importer import ImportRefused, NotRelazioneText, import_relazione

    settings = _settings(settings_path)
    outputs = Snapshot(folders=[out_dir])
    try:
        with _writing(outputs):
            result = import_relazione(file, out_dir, year=year, settings=settings,
                                      formula_mode="udf" if udf else "native", overwrite=overwrite)
    except ImportRefused as exc:
        raise CommandError(str(exc)) from exc
    except NotRelazioneText as exc:
        raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    echo(f"Anno {result.year or 'non indicato'}: {count(result.areas, 'area', 'aree')}, "
         f"{count(result.objectives, 'obiettivo', 'obiettivi')}, {count(result.indicators, 'indicatore', 'indicatori')}, "
         f"{count(len(result.written), 'cartella di lavoro', 'cartelle di lavoro')} in {out_dir}")
    for p in result.written:
        echo(f"  {p}")
    for settore, wanted, name in result.renamed:
        echo(f"Nota: «{settore}» darebbe lo stesso nome di file di un altro settore ({wanted}): scritto in {name}.")
    if result.findings:
        echo(f"{count(len(result.findings), 'segnalazione', 'segnalazioni')} sulla Relazione:")
        _print_findings(result.findings)
    if not result.written:
        sys.exit(1)


@main.command("consolidate")
@click.argument("folder", metavar="[CARTELLA]", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Cartella di riepilogo per aree da scrivere (predefinita: Relazione_<anno>.xlsx nella cartella corrente).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None,
              help="Scrive anche gli stessi numeri in JSON.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Scrive anche i punteggi delle aree (la tabella Sintesi) in CSV per Excel (';', UTF-8, virgola decimale).")
@click.option("--detail/--no-detail", default=None,
              help="Elenca ogni indicatore nei fogli delle aree (predefinito: sì fino a 100 cartelle di lavoro, altrimenti solo gli obiettivi).")
@click.option("--no-validate", "no_validate", is_flag=True, default=False,
              help="Salta i controlli di validazione (in mancanza, la stessa lettura valida ogni cartella di lavoro).")
@click.option("--confronta", "previous_json", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Il JSON di un anno precedente (scritto da consolidate --json): aggiunge il foglio Confronto e la "
                   "sezione di confronto del JSON (aree, obiettivi e indicatori dei due anni, nuovi e soppressi).")
@click.option("--periodo", "periodo", default=None, metavar="AAAA-MM-GG",
              help="Una data di monitoraggio delle impostazioni (ad es. 2023-06-30): il rapporto di monitoraggio a quella "
                   "data, con la proiezione a fine anno e le azioni correttive (predefinita: la fine dell'anno).")
@workers_option
@settings_option
@manifest_option
def consolidate_cmd(folder, out_file, json_file, csv_file, detail, no_validate, previous_json, periodo, workers,
                    settings_path, manifest):
    """Riunisce ogni cartella di lavoro di settore di CARTELLA nella cartella di riepilogo per aree.

    In mancanza di CARTELLA si usano le cartelle di lavoro 2022 fornite con perf_xl. Gli output devono
    terminare in .xlsx, .json e .csv, essere distinti e non coincidere con una delle cartelle di lavoro
    lette (né con il file di --confronta); non si scrive nulla quando CARTELLA non contiene cartelle di
    lavoro, o quando il file di --confronta non è il JSON di un anno precedente dello stesso comune.

    \b
    Esempio:
    perf-xl consolidate workbooks/2022 --out Relazione_2022.xlsx --json relazione_2022.json --csv aree_2022.csv
    """
    from .app.consolidate import NotComparable, compare_years, consolidate_folder, read_previous
    from .io.lock import AlreadyRunning, output_lock
    from .io.summary import write_summary_outputs

    def outputs(out):
        return [("--out", out, XLSX, WORKBOOK), ("--json", json_file, (".json",), "un file JSON"),
                ("--csv", csv_file, (".csv",), "un file CSV per Excel"), ("--manifest", manifest, (".json",),
                                                                        "un file JSON")]

    from .io.reader import find_workbooks

    if folder:
        _require_workbooks(folder)
    previous_inputs = [previous_json] if previous_json else []
    # before reading anything (the default --out, named after the year, is checked once it is known)
    _refused(check_outputs, outputs(out_file), inputs=[*(find_workbooks(folder) if folder else ()), *previous_inputs])
    settings = _settings(settings_path)
    try:
        previous = read_previous(previous_json) if previous_json else None
    except NotComparable as exc:
        raise CommandError(str(exc)) from exc
    period, monitoring = _period(periodo, settings), None
    if period is not None:
        from .app.monitoring import MonitoringError, default_name, monitor_folder

        try:
            c, monitoring = monitor_folder(folder, period, load_schema(), settings, validate=not no_validate,
                                           workers=workers, detail=detail)
        except MonitoringError as exc:
            raise CommandError(str(exc)) from exc
        out_file = out_file or default_name(period)
    else:
        c = consolidate_folder(folder, load_schema(), settings, validate=not no_validate, workers=workers,
                               detail=detail)
    refusal = c.nothing_usable_message()
    if refusal:
        _print_findings(c.findings)
        raise CommandError(refusal)
    try:
        comparison = compare_years(c, previous, previous_json) if previous is not None else None
    except NotComparable as exc:
        raise CommandError(str(exc)) from exc
    out = Path(out_file or f"Relazione_{c.year or 'performance'}.xlsx")
    _refused(check_outputs, outputs(out), inputs=[*c.files, *previous_inputs])
    written = Snapshot([out, json_file, csv_file, manifest])
    try:
        with _writing(written), output_lock(out):
            files = write_summary_outputs(c, out, json_file, csv_file, settings, comparison=comparison,
                                          monitoring=monitoring)
            if manifest:
                _write_manifest(manifest, c, files, settings, settings_path, extra_inputs=previous_inputs)
    except AlreadyRunning as exc:
        raise CommandError(f"Un altro consolidamento sta scrivendo «{out}» in questo momento: riprovare più tardi. "
                           "Non è stato scritto nulla.") from exc
    _print_consolidation(c, comparison, monitoring)
    if monitoring is not None:
        _print_monitoring(c, monitoring)
    echo(f"Monitoraggio scritto in {out.resolve()}" if monitoring is not None
         else f"Relazione scritta in {out.resolve()}")
    if json_file:
        echo(f"JSON scritto in {Path(json_file).resolve()}")
    if csv_file:
        echo(f"CSV scritto in {Path(csv_file).resolve()}")
    if manifest:
        echo(f"Manifest scritto in {Path(manifest).resolve()} (verificarlo con: perf-xl verifica {manifest})")
    if not c.trustworthy:
        sys.exit(1)


def _period(periodo, settings):
    """``--periodo``: an intermediate checkpoint of the settings (None for none, or for the year end: the
    Relazione itself); an Italian error naming the allowed dates otherwise."""
    if periodo is None:
        return None
    from .core.monitoring import PeriodError, parse_period

    try:
        period = parse_period(periodo, settings)
    except PeriodError as exc:
        raise CommandError(str(exc)[0].upper() + str(exc)[1:]) from exc
    return None if period.year_end else period


def _print_monitoring(c, m) -> None:
    """The monitoring's own lines (the areas' table has the scores at the date and projected): how the
    projection was made, and the corrective actions."""
    echo(f"Monitoraggio al {m.label}: la colonna «Fine anno» è la proiezione a fine anno "
         f"(impostazione «{m.projection}»).")
    missing = sum(1 for x in c.actions if not x.actions)
    echo(f"{count(len(c.actions), 'indicatore rosso o giallo', 'indicatori rossi o gialli')}, "
         f"{count(missing, 'senza azioni correttive', 'senza azioni correttive')}.")


def _write_manifest(path, c, outputs, settings, settings_path, extra_inputs=()) -> None:
    """The run's manifest, last: every file read (the workbooks, a previous year's JSON) and every file
    written, with its SHA-256."""
    from .app.provenance import write_run_manifest

    command = ["perf-xl", *sys.argv[1:]]
    write_run_manifest(path, command, [*c.files, *extra_inputs], outputs, settings, settings_path)


def _print_consolidation(c, comparison=None, monitoring=None) -> None:
    """What a consolidation found, on the console: counts, the areas' table with the explanations,
    the warnings of an incomplete run, the comparison with a previous year (when asked) and the
    findings (``consolidate`` and ``publish``). A monitoring report's table has the scores at the
    date and projected to the year end, where the Relazione's has the computed and published ones."""
    from .io.summary import sintesi_rows

    left_out = f" ({count(len(c.excluded), 'copia non conteggiata', 'copie non conteggiate')})" if c.excluded else ""
    echo(f"{count(len(c.files), 'cartella di lavoro', 'cartelle di lavoro')}{left_out}, "
         f"{count(c.objective_count, 'obiettivo', 'obiettivi')}, {count(c.indicator_count, 'indicatore', 'indicatori')}")
    if monitoring is None:
        heads, second = ("Calcolato", "Pubblicato"), "published"
    else:
        heads, second = (f"Al {monitoring.date:%d/%m}", "Fine anno"), "projected_score"
    echo(f"{'N.':>3}  {'Area':<32} {'Ob.':>4} {'Ind.':>5} {heads[0]:>10} {heads[1]:>11}  Barometro")
    flags = {"da verificare": "  da verificare", "NON riprodotto": "  ≠ pubblicato"}
    for a, row in zip(c.areas, sintesi_rows(c, monitoring)):  # the Sintesi's rows: the same values on the console
        score = "—" if row["score"] is None else format_italian(row["score"])
        other = "—" if row[second] is None else format_italian(row[second])
        echo(f"{row['number']:>3}  {shorten(row['short_name'], 32):<32} {row['objectives']:>4} {row['indicators']:>5} "
             f"{score:>10} {other:>11}  {row['traffic_light'] or '—'}{flags.get(row['check'], '')}")
        for line in (*a.to_verify, *a.explanation):
            echo(wrap(line, width=110, first_indent="       - ", indent="         "))
    for line in consolidation_warnings(c):
        echo(line)
    if comparison is not None:
        echo(wrap(comparison.sentence, width=110))
    if c.findings:
        echo(f"Segnalazioni ({len(c.findings)}):")
        _print_findings(c.findings)


@main.command("publish")
@click.argument("folder", metavar="[CARTELLA]", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Cartella in cui si scrivono la cartella di lavoro della Relazione, il PDF della Relazione e i dati "
                   "aperti (Relazione_<anno>.xlsx, Relazione_<anno>.pdf, …); creata se manca.")
@click.option("--no-validate", "no_validate", is_flag=True, default=False,
              help="Salta i controlli di validazione (in mancanza, la stessa lettura valida ogni cartella di lavoro).")
@click.option("--schede", "schede_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Cartella delle schede dei dirigenti (scritte da perf-xl schede): aggiunge ai dati aperti la "
                   "differenziazione delle loro valutazioni (differenziazione.csv, senza nomi).")
@workers_option
@settings_option
@manifest_option
def publish_cmd(folder, out_dir, no_validate, schede_dir, workers, settings_path, manifest):
    """Pubblica la Relazione di CARTELLA: la sua cartella di lavoro, il suo PDF (PDF/A, con tag) e i dati aperti.

    In mancanza di CARTELLA si usano le cartelle di lavoro 2022 fornite con perf_xl; ogni indicatore è
    elencato. Il PDF richiede la libreria di sistema Pango. Un'esecuzione che non ha potuto leggere ogni
    cartella di lavoro lo dice con il codice di uscita (1) e nella prima pagina del PDF; in CARTELLA non
    si scrive nulla, e nessun output sostituisce una cartella di lavoro letta.

    \b
    Esempio:
    perf-xl publish workbooks/2022 --out pubblicazione_2022
    """
    from .app.consolidate import shipped_workbooks
    from .app.publish import publication_paths, publish_folder, write_publication
    from .io.lock import AlreadyRunning, output_lock
    from .io.outputs import same_file
    from .io.pdf import PdfUnavailable, pdf_unavailable

    missing = pdf_unavailable()  # before reading anything
    if missing:
        raise CommandError(f"{missing} Non è stato scritto nulla.")
    if folder:
        _require_workbooks(folder)
    source = Path(folder) if folder else shipped_workbooks()
    if Path(out_dir).exists() and same_file(out_dir, source):
        raise CommandError(f"La cartella di --out «{out_dir}» è quella delle cartelle di lavoro lette: la Relazione "
                           "scritta lì sarebbe letta come una cartella di lavoro alla prossima esecuzione. Indicare "
                           "un'altra cartella. Non è stato scritto nulla.")
    settings = _settings(settings_path)
    c = publish_folder(folder, load_schema(), settings, validate=not no_validate, workers=workers)
    refusal = c.nothing_usable_message()
    if refusal:
        _print_findings(c.findings)
        raise CommandError(refusal)
    differentiation = None
    if schede_dir:
        from .app.publish import differentiation_of

        _valutazione(settings_path)  # a clear message for invalid settings, before anything is written
        differentiation = differentiation_of(c, schede_dir, settings_path)
    paths = publication_paths(c, out_dir, differentiation is not None)
    _refused(check_outputs, [("--out", paths.workbook, XLSX, WORKBOOK), ("--out", paths.pdf, (".pdf",), "un PDF"),
                             *(("--out", p, (p.suffix,), "un file dei dati aperti") for p in paths.open_data),
                             ("--manifest", manifest, (".json",), "un file JSON")],
             inputs=c.files)
    written = Snapshot([*paths.all, manifest])
    try:
        with _writing(written), output_lock(paths.workbook):
            files = write_publication(c, out_dir, settings, differentiation)
            if manifest:
                _write_manifest(manifest, c, files, settings, settings_path)
    except AlreadyRunning as exc:
        raise CommandError(f"Un'altra pubblicazione sta scrivendo «{paths.workbook}» in questo momento: riprovare "
                           "più tardi. Non è stato scritto nulla.") from exc
    except PdfUnavailable as exc:
        raise CommandError(f"{exc} {written.summary()}") from exc
    _print_consolidation(c)
    echo(f"Pubblicazione scritta in {Path(out_dir).resolve()}:")
    for p in files:
        echo(f"  {Path(p).name}")
    if manifest:
        echo(f"Manifest scritto in {Path(manifest).resolve()} (verificarlo con: perf-xl verifica {manifest})")
    if not c.complete:
        echo("La Relazione è incompleta: lo dice anche la prima pagina del PDF.")
    if not c.trustworthy:
        sys.exit(1)


@main.command("oiv")
@click.argument("folder", metavar="CARTELLA", type=click.Path(exists=True, file_okay=False))
@click.option("--piano", "plan_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Il piano approvato (scritto da perf-xl approva): le differenze sono elencate e contate nella "
                   "scheda (senza, la scheda dice che il confronto non è stato fatto).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Cartella del fascicolo (creata se manca; una cartella esistente deve essere vuota, salvo --sovrascrivi).")
@click.option("--relazione-pubblicata", "published_text", type=click.Path(exists=True, dir_okay=False), default=None,
              help="La Relazione pubblicata come esportazione di testo (come per perf-xl audit): verificata riga per "
                   "riga; senza, la scheda dice che il testo pubblicato non è stato controllato.")
@click.option("--data", "date", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None,
              help="La data della scheda (predefinita: oggi; il manifesto la registra, così il suo comando dà gli stessi byte).")
@click.option("--sovrascrivi", "overwrite", is_flag=True, default=False,
              help="Scrive in una cartella non vuota, sostituendo i file di un fascicolo precedente.")
@workers_option
@settings_option
def oiv_cmd(folder, plan_file, out_dir, published_text, date, overwrite, workers, settings_path):
    """Scrive il fascicolo OIV di CARTELLA: ciò che serve all'OIV o al Nucleo di Valutazione per validare la Relazione.

    In --out: la Relazione (cartella di lavoro, PDF e JSON, come li scrive publish), le segnalazioni
    della validazione e del confronto con il piano approvato (cartella di lavoro e CSV), la verifica del
    testo pubblicato (con --relazione-pubblicata), una scheda di validazione di una pagina (PDF/A e
    cartella di lavoro: che cosa è stato controllato, che cosa resta aperto, un riquadro per la firma
    dell'OIV) e un manifesto di ogni file letto e scritto (da controllare con perf-xl verifica). Esce
    con 1 se una cartella di lavoro non ha potuto essere usata o i controlli hanno trovato errori (la
    scheda lo dice in alto), con 2 se il comando non ha potuto essere eseguito.

    \b
    Esempio:
    perf-xl oiv workbooks/2023 --piano piano_2023.json --out oiv_2023 --relazione-pubblicata relazione.txt
    """
    import datetime as _dt

    from .app.importer import NotRelazioneText
    from .app.oiv import pack_paths, run_oiv, write_oiv_pack
    from .io.lock import AlreadyRunning, output_lock
    from .io.outputs import same_file
    from .io.pdf import PdfUnavailable, pdf_unavailable
    from .io.summary import load_summary_layout
    from .io.tagged_json import TaggedFileError

    missing = pdf_unavailable()  # before reading anything
    if missing:
        raise CommandError(f"{missing} Non è stato scritto nulla.")
    _require_workbooks(folder)
    out = Path(out_dir)
    if out.exists() and same_file(out, folder):
        raise CommandError(f"La cartella di --out «{out_dir}» è quella delle cartelle di lavoro lette: indicare "
                           "un'altra cartella. Non è stato scritto nulla.")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise CommandError(f"La cartella di --out «{out_dir}» non è vuota: indicare una cartella nuova o vuota, "
                           "oppure aggiungere --sovrascrivi per sostituire i file di un pacchetto precedente. "
                           "Non è stato scritto nulla.")
    settings = _settings(settings_path)
    try:
        run = run_oiv(folder, plan_file, published_text, settings, load_schema(), workers=workers)
    except TaggedFileError as exc:
        raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    except NotRelazioneText as exc:
        raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    c = run.result
    refusal = c.nothing_usable_message()
    if refusal:
        _print_findings(c.findings)
        raise CommandError(refusal)
    paths = pack_paths(c, out_dir)
    inputs = [*c.files, *(p for p in (plan_file, published_text) if p)]
    _refused(check_outputs, [("--out", p, (p.suffix,), "un file del pacchetto per l'OIV") for p in paths.all],
             inputs=inputs)
    day = date.date() if date else _dt.date.today()
    command = ["perf-xl", *sys.argv[1:], *([] if date else ["--data", day.isoformat()])]
    written = Snapshot(paths.all)
    try:
        with _writing(written), output_lock(paths.manifest):
            files = write_oiv_pack(run, out_dir, day, command, settings, settings_path)
    except AlreadyRunning as exc:
        raise CommandError(f"Un altro pacchetto per l'OIV si sta scrivendo in «{out_dir}» in questo momento: "
                           "riprovare più tardi. Non è stato scritto nulla.") from exc
    except PdfUnavailable as exc:
        raise CommandError(f"{exc} {written.summary()}") from exc
    sheet = run.sheet
    for line in sheet.alerts:
        echo(wrap(line, width=110))
    echo(f"{sheet.title} ({sheet.subtitle}):")
    for line in sheet.lines:
        echo(wrap(f"[{line.word}] {line.label}: {line.text}", width=110, first_indent="  ", indent="      "))
    echo(f"{load_summary_layout()['oiv']['open_heading']}:")
    for point in sheet.open_points:
        echo(wrap(point, width=110, first_indent="  - ", indent="    "))
    echo(f"Pacchetto per l'OIV scritto in {out.resolve()}:")
    for p in files:
        echo(f"  {Path(p).name}")
    echo(f"Verificarlo con: perf-xl verifica {paths.manifest}")
    if run.blocked:
        sys.exit(1)


def consolidation_warnings(c) -> list[str]:
    """What the console says after the areas when the Relazione is incomplete or has copies."""
    lines = []
    if c.files and c.not_used:
        n = count(len(c.not_used), "cartella di lavoro non usata", "cartelle di lavoro non usate")
        # why is each one's finding (an unreadable file or sheet; in a monitoring report, perhaps only
        # the checkpoint's columns missing), as in the Sintesi's notice
        why = "il motivo è nella sua segnalazione" if len(c.not_used) == 1 else "il motivo di ciascuna è nelle segnalazioni"
        lines.append(f"Relazione incompleta: {n} ({why}):")
        lines.extend(f"  {Path(f).name}" for f in c.not_used)
    if c.excluded:
        lines.append(f"Non conteggiate perché copie di un'altra cartella di lavoro: "
                     f"{', '.join(Path(f).name for f in c.excluded)}.")
    if c.conflicts:
        lines.append(f"Da verificare prima di pubblicare: "
                     f"{count(len(c.conflicts), 'copia diversa', 'copie diverse')} della stessa cartella di lavoro "
                     "(vedere le segnalazioni copia-in-conflitto).")
    return lines


@main.command("schede")
@click.argument("folder", metavar="CARTELLA", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Cartella delle schede (una Scheda_<anno>_<nome>.xlsx per Responsabile), del CSV per gli stipendi e "
                   "del riepilogo; creata se manca. Le schede già presenti conservano i dati del valutatore.")
@click.option("--no-validate", "no_validate", is_flag=True, default=False,
              help="Salta i controlli di validazione (in mancanza, la stessa lettura valida ogni cartella di lavoro).")
@workers_option
@settings_option
def schede_cmd(folder, out_dir, no_validate, workers, settings_path):
    """Scrive le schede di valutazione dei dirigenti dalla Relazione di CARTELLA.

    Una cartella di lavoro per Responsabile con i suoi obiettivi e punteggi (dal consolidamento), le
    componenti e i pesi di [valutazione] delle impostazioni, i comportamenti a cui il valutatore dà un
    punteggio, il punteggio finale e la fascia come formule native, e il colloquio. Si può eseguire di
    nuovo dopo che il valutatore le ha compilate: i dati inseriti restano e i punteggi degli obiettivi
    vengono aggiornati. Scrive anche il CSV per gli stipendi (con i nomi: dati personali) e il riepilogo
    con la tabella di differenziazione (senza nomi).

    \b
    Esempio:
    perf-xl schede workbooks/2022 --out schede_2022
    """
    from .app.schede import evaluate, output_paths, write_schede
    from .io.lock import AlreadyRunning, output_lock
    from .io.outputs import same_file

    _require_workbooks(folder)
    if Path(out_dir).exists() and same_file(out_dir, folder):
        raise CommandError(f"La cartella di --out «{out_dir}» è quella delle cartelle di lavoro lette: le schede "
                           "scritte lì sarebbero lette come cartelle di lavoro. Indicare un'altra cartella. "
                           "Non è stato scritto nulla.")
    settings = _settings(settings_path)
    v = _valutazione(settings_path)
    r = evaluate(folder, out_dir, settings, v, workers=workers, validate=not no_validate)
    c = r.run
    refusal = c.nothing_usable_message()
    if refusal:
        _print_findings(c.findings)
        raise CommandError(refusal)
    payroll, riepilogo = output_paths(c.year, out_dir)
    paths = [s.file for s in r.schede] + [payroll, riepilogo]
    _refused(check_outputs, [("--out", p, (Path(p).suffix,), "un file delle schede") for p in paths], inputs=c.files)
    written = Snapshot(paths)
    try:
        with _writing(written), output_lock(riepilogo):
            files = write_schede(r, out_dir, v)
    except AlreadyRunning as exc:
        raise CommandError(f"Un'altra esecuzione sta scrivendo le schede in «{out_dir}» in questo momento: riprovare "
                           "più tardi. Non è stato scritto nulla.") from exc
    findings = [*r.findings, *c.findings]
    echo(f"{count(len(r.schede), 'scheda di valutazione', 'schede di valutazione')} in {Path(out_dir).resolve()}:")
    for p in files:
        echo(f"  {Path(p).name}")
    if r.kept:
        echo("Lasciate come erano (vedere le segnalazioni): " + ", ".join(Path(p).name for p in r.kept) + ".")
    for line in consolidation_warnings(c):
        echo(line)
    if findings:
        echo(f"Segnalazioni ({len(findings)}):")
        _print_findings(findings)
    if not c.trustworthy or any(f.severity == "errore" for f in r.findings):
        sys.exit(1)


def _valutazione(path):
    from .evaluation import load_valutazione

    try:
        return load_valutazione(path)
    except (SettingsError, ValueError, KeyError, TypeError) as exc:
        where = f"«{path}»" if path else "schemas/settings.toml"
        raise CommandError(f"Impostazioni della valutazione non valide in {where}: {exc}") from exc


@main.command("validate")
@click.argument("paths", metavar="PERCORSO...", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None, help="Scrive le segnalazioni in JSON.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Scrive le segnalazioni in una cartella di lavoro (.xlsx), una riga per segnalazione con il collegamento alla cella.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Scrive le segnalazioni in CSV per Excel (';', UTF-8, virgola decimale), con le stesse colonne di --report.")
@click.option("--limit", type=click.IntRange(0), default=200, show_default=True, help="Segnalazioni mostrate sulla console.")
@click.option("--piano", "plan_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Il piano approvato (scritto da perf-xl approva): ogni target, peso o polarità che ne differisce, "
                   "ogni indicatore o obiettivo aggiunto o tolto, è un errore.")
@workers_option
@settings_option
def validate_cmd(paths, json_file, report_file, csv_file, limit, plan_file, workers, settings_path):
    """Valida le cartelle di lavoro dei settori (file o cartelle): che cosa è sbagliato, e dove.

    Esce con 0 se non ci sono errori, con 1 se ci sono errori, con 2 se il comando non ha potuto essere
    eseguito (anche per una cartella senza cartelle di lavoro, o per un output che sostituirebbe un input).

    \b
    Esempio:
    perf-xl validate workbooks/2022 --json findings.json --report findings.xlsx --csv findings.csv
    """
    from .io.report import format_table, write_report_csv, write_report_json, write_report_workbook
    from .app.validate import validate_paths

    outputs = [("--json", json_file, (".json",), "un file JSON"), ("--report", report_file, XLSX, WORKBOOK),
               ("--csv", csv_file, (".csv",), "un file CSV per Excel")]
    _refused(check_outputs, outputs)
    for p in paths:
        if Path(p).is_dir():
            _require_workbooks(p)
    if plan_file:
        from .io.plan_file import read_plan
        from .io.tagged_json import TaggedFileError

        try:
            read_plan(plan_file)  # before reading any workbook
        except TaggedFileError as exc:
            raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    v = validate_paths(paths, load_schema(), _settings(settings_path), workers=workers)
    if plan_file:
        from .app.plan import plan_findings

        v.report.extend(plan_findings(v.files, plan_file, load_schema()))
    _refused(check_outputs, outputs, inputs=v.files)
    written = Snapshot([json_file, report_file, csv_file])
    echo(f"{count(len(v.files), 'cartella di lavoro controllata', 'cartelle di lavoro controllate')}.")
    echo(format_table(v.report, limit=limit))
    with _writing(written):
        if json_file:
            write_report_json(json_file, v.report, v.files)
            echo(f"JSON scritto in {Path(json_file).resolve()}")
        if report_file:
            write_report_workbook(report_file, v.report)
            echo(f"Rapporto scritto in {Path(report_file).resolve()}")
        if csv_file:
            write_report_csv(csv_file, v.report)
            echo(f"CSV scritto in {Path(csv_file).resolve()}")
    sys.exit(0 if v.report.valid else 1)


@main.command("audit")
@click.argument("file", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None, help="Scrive le segnalazioni in JSON.")
@settings_option
def audit_cmd(file, json_file, settings_path):
    """Verifica un'esportazione di testo di una Relazione pubblicata: elenca ciò che non torna, con la riga.

    Esce con 0 se tutto è coerente, con 1 se qualcosa non lo è.

    \b
    Esempio:
    perf-xl audit relazione_2022.txt --json audit.json
    """
    from .app.importer import NotRelazioneText, read_relazione_text
    from .io.report import format_table, write_report_json
    from .core.relazione.audit import audit_relazione

    _refused(check_outputs, [("--json", json_file, (".json",), "un file JSON")], inputs=[file])
    encoding: list = []
    try:
        text = read_relazione_text(file, encoding)
    except NotRelazioneText as exc:
        raise CommandError(str(exc)) from exc
    report = audit_relazione(text, str(file), _settings(settings_path))
    report.findings[:0] = encoding
    echo(format_table(report))
    if json_file:
        with _writing(Snapshot([json_file])):
            write_report_json(json_file, report, [str(file)])
        echo(f"JSON scritto in {Path(json_file).resolve()}")
    sys.exit(0 if not len(report) else 1)


@main.command("nightly")
@click.argument("share", metavar="CONDIVISA", type=click.Path(exists=True, file_okay=False))
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), required=True,
              help="Cartella per rapporti, cache, storico e blocco (mai dentro CONDIVISA).")
@click.option("--piano", "plan_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Il piano approvato (scritto da perf-xl approva): come validate --piano, per ogni cartella di "
                   "lavoro di CONDIVISA, anche quelle non cambiate dall'ultima esecuzione.")
@workers_option
@settings_option
def nightly_cmd(share, reports_dir, plan_file, workers, settings_path):
    """Valida ogni cartella di lavoro di settore sul disco condiviso, rileggendo solo ciò che è cambiato.

    Scrive reports/runs/report-<ora>.json, .xlsx e .csv, reports/latest.json, .xlsx e .csv, aggiunge righe
    a reports/history.csv e, per ogni cella cambiata dall'ultima esecuzione (con l'ultimo autore della
    modifica della cartella di lavoro), a reports/storico-modifiche.csv; una cella cambiata dopo la
    convalida del dirigente (Info: «Validato dal dirigente il») è un avviso. Esce con 0 senza errori, con
    1 con errori, con 2 se l'esecuzione non è potuta partire (per esempio un'altra esecuzione è ancora in
    corso, o CONDIVISA non contiene alcuna cartella di lavoro).

    \b
    Esempio:
    perf-xl nightly /srv/performance --reports /var/lib/perf-xl --piano piano_2023.json
    """
    from .io.lock import AlreadyRunning
    from .io.report import counts
    from .app.nightly import NightlyError, run_nightly
    from .io.summary import load_summary_layout

    from .io.tagged_json import TaggedFileError

    settings = _settings(settings_path)
    _require_workbooks(share, recursive=True)
    reports = Path(reports_dir)
    written = Snapshot([reports / f"latest{s}" for s in (".json", ".xlsx", ".csv")]
                       + [reports / "history.csv", reports / load_summary_layout()["history"]["file"]],
                       folders=[reports / "runs"])
    try:
        with _writing(written):
            try:
                result = run_nightly(share, reports_dir, load_schema(), settings, plan=plan_file)
            except OSError as exc:
                inside = exc.filename is None or Path(os.path.abspath(exc.filename)).is_relative_to(
                    Path(os.path.abspath(reports)))
                if isinstance(exc, OutputNotWritten) or _is_broken_pipe(exc) or not inside:
                    raise
                # the folder, its lock or its cache: the user asked for the folder, so name it
                raise CommandError(f"Impossibile scrivere nella cartella dei rapporti «{reports.resolve()}»: "
                                   f"{os_reason(exc)}. Controllare il percorso e i permessi e riprovare. "
                                   f"{written.summary()}") from exc
    except AlreadyRunning as exc:
        raise CommandError(f"Un'altra esecuzione notturna è in corso sulla cartella dei rapporti «{reports}»: "
                           "riprovare più tardi. Non è stato scritto nulla.") from exc
    except NightlyError as exc:
        raise CommandError(str(exc)) from exc
    except TaggedFileError as exc:  # --piano is not a plan: found before any workbook is read (the
        # plan is parsed only when it is not the one the cache holds, so a re-run stays cheap)
        raise CommandError(f"{exc} Non è stato scritto nulla.") from exc
    c = counts(result.report)
    echo(f"{count(len(result.files), 'cartella di lavoro', 'cartelle di lavoro')}: "
         f"{count(len(result.validated), 'controllata', 'controllate')}, {count(len(result.reused), 'invariata', 'invariate')}; "
         f"{count(len(result.skipped), 'file saltato', 'file saltati')}; "
         f"{count(c['errors'], 'errore', 'errori')}, {count(c['warnings'], 'avviso', 'avvisi')}.")
    for p in result.outputs:
        echo(f"  {p}")
    sys.exit(0 if result.report.valid else 1)


@main.command("make-consolidatore")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default="Consolidatore.xlsm", show_default=True,
              help="La cartella di controllo da scrivere (.xlsm); il suo gemello .py viene scritto accanto.")
@click.option("--folder", default="", help="Cartella condivisa con le cartelle di lavoro dei settori (scritta nel foglio Config).")
@click.option("--year", type=int, default=None, help="Anno del piano (foglio Config).")
@click.option("--relazione", "output", default="", help="Dove il pulsante scrive la Relazione (foglio Config).")
@click.option("--json", "json_path", default="", help="Dove il pulsante scrive anche il JSON (foglio Config).")
@click.option("--sovrascrivi", "overwrite", is_flag=True, default=False,
              help="Sostituisce la cartella di controllo e il suo gemello .py se esistono (in mancanza, nulla viene sostituito).")
def make_consolidatore_cmd(out_file, folder, year, output, json_path, overwrite):
    """Scrive Consolidatore.xlsm, la cartella di controllo con il pulsante Consolida.

    Una cartella di controllo esistente (o il suo gemello .py) non viene mai sostituita senza --sovrascrivi.


    \b
    Esempio:
    perf-xl make-consolidatore --out Consolidatore.xlsm --folder "\\\\server\\Performance\\2022" --year 2022
    """
    from .excel.consolidatore import make_consolidatore

    _refused(check_outputs, [("--out", out_file, (".xlsm",),
                              "la cartella di lavoro di controllo, con la macro del pulsante Consolida")])
    out = Path(out_file)
    existing = [p for p in (out, out.with_suffix(".py")) if os.path.lexists(p)]
    if existing and not overwrite:
        names = " e ".join(f"«{p}»" for p in existing)
        raise CommandError(f"{'Esistono già' if len(existing) > 1 else 'Esiste già'} {names} e non "
                           f"{'sono stati toccati' if len(existing) > 1 else 'è stato toccato'}: per sostituire "
                           "la cartella di lavoro di controllo (e la sua configurazione) aggiungere --sovrascrivi, "
                           "oppure indicare un altro nome con --out. Non è stato scritto nulla.")
    written = Snapshot([out, out.with_suffix(".py")])
    try:
        with _writing(written):
            paths = make_consolidatore(out_file, folder=folder, year=year, output=output, json_path=json_path)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    for p in paths:
        echo(f"Scritto {Path(p).resolve()}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Indirizzo su cui restare in ascolto (in mancanza, solo questo computer; un altro indirizzo solo dietro HTTPS).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Porta su cui restare in ascolto.")
@click.option("--root", type=click.Path(file_okay=False), envvar="PERF_XL_SERVER_ROOT",
              help="L'unica cartella che lo script consolida legge e scrive (oppure PERF_XL_SERVER_ROOT).")
def serve_cmd(host, port, root):
    """Avvia xlwings Server (Office.js) con le funzioni personalizzate di perf_xl e lo script consolida.

    Richiede il componente opzionale, installato dalla cartella del repository: pip install '.[server]'.
    Ogni chiamata richiede il token della variabile d'ambiente PERF_XL_SERVER_TOKEN (almeno 24
    caratteri): senza, il server non parte. Lo script consolida lavora solo dentro --root. Licenza:
    PolyForm Noncommercial 1.0.0 (XLWINGS_LICENSE_KEY=noncommercial, ammessa per un ente pubblico) o una
    licenza commerciale di xlwings. Una porta già in uso è un errore (uscita 2).

    \b
    Esempio:
    PERF_XL_SERVER_TOKEN=... perf-xl serve --root /srv/performance --port 8000
    """
    from .excel.server import (INSTALL_HINT, TOKEN_ENV, port_problem, root_problem, serve, server_available,
                               token_problem)

    if not server_available():
        raise CommandError(INSTALL_HINT)
    problem = token_problem(os.environ.get(TOKEN_ENV)) or root_problem(root) or port_problem(host, port)
    if problem:
        raise CommandError(problem)
    serve(host=host, port=port, root=root)


@main.command("new-workbook")
@click.argument("out_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--settore", required=True, help="Nome del settore.")
@click.option("--year", type=int, required=True, help="Anno del piano.")
@click.option("--comune", default="", help="Nome del comune.")
@click.option("--rows", type=click.IntRange(0, 100000), default=100, show_default=True,
              help="Righe vuote di indicatori da preparare.")
@click.option("--sovrascrivi", "overwrite", is_flag=True, default=False,
              help="Sostituisce FILE se esiste già (in mancanza, un file esistente non viene mai sostituito).")
@udf_option
@settings_option
def new_workbook_cmd(out_file, settore, year, comune, rows, overwrite, udf, settings_path):
    """Scrive una cartella di lavoro di settore vuota (il modello) che un dirigente compilerà.

    Un file esistente non viene mai sostituito senza --sovrascrivi.

    \b
    Esempio:
    perf-xl new-workbook 2023_polizia-locale.xlsx --settore "Settore Polizia Locale" --year 2023
    """
    from .io.template import write_settore_workbook
    from .model import SettoreWorkbook

    _refused(check_outputs, [("FILE", out_file, XLSX, WORKBOOK)])
    if os.path.lexists(out_file) and not overwrite:
        raise CommandError(f"Il file «{out_file}» esiste già e non è stato toccato: per sostituirlo con un modello "
                           "vuoto (i dati che contiene andrebbero persi) aggiungere --sovrascrivi, oppure indicare "
                           "un altro nome. Non è stato scritto nulla.")
    schema = load_schema()
    settings = _settings(settings_path)
    wb = SettoreWorkbook(info={"year": year, "settore": settore, "schema_version": schema.version,
                               "source": "modello vuoto", "comune": comune}, areas=(), rows=())
    with _writing(Snapshot([out_file])):
        write_settore_workbook(out_file, wb, schema, settings, spare_rows=rows,
                               formula_mode="udf" if udf else "native")
    echo(f"Modello scritto in {Path(out_file).resolve()}")


@main.command("approva")
@click.argument("folder", metavar="CARTELLA", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True,
              help="Il piano approvato da scrivere (.json).")
@click.option("--data", "date", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None,
              help="La data di adozione del piano (predefinita: oggi), ad es. 2023-01-31.")
@click.option("--sovrascrivi", "overwrite", is_flag=True, default=False,
              help="Sostituisce il file del piano se esiste (in mancanza, nulla viene sostituito).")
def approva_cmd(folder, out_file, date, overwrite):
    """Registra come adottato il piano di CARTELLA: la base con cui validate --piano confronta.

    Per ogni cartella di lavoro: il suo SHA-256, il Settore e l'anno, ogni obiettivo con target, peso e
    polarità dei suoi indicatori, e la data di adozione. Esce con 1 se una cartella di lavoro non ha
    potuto essere letta (viene esclusa, e indicata per nome).

    \b
    Esempio:
    perf-xl approva workbooks/2023 --out piano_2023.json --data 2023-01-31
    """
    from .app.plan import approve
    from .io.reader import find_workbooks

    _require_workbooks(folder)
    paths = find_workbooks(folder)
    _refused(check_outputs, [("--out", out_file, (".json",), "un file JSON")], inputs=paths)
    if Path(out_file).exists() and not overwrite:
        raise CommandError(f"«{out_file}» esiste già: per sostituirlo aggiungere --sovrascrivi. Non è stato "
                           "scritto nulla.")
    with _writing(Snapshot([out_file])):
        written, left_out = approve(paths, out_file, date.date() if date else None, load_schema())
    echo(f"Piano approvato scritto in {Path(written).resolve()}: "
         f"{count(len(paths) - len(left_out), 'cartella di lavoro', 'cartelle di lavoro')}.")
    for p in left_out:
        echo(f"  Non letta, quindi non nel piano: {Path(p).name} (vedere perf-xl validate).")
    sys.exit(1 if left_out else 0)


@main.command("verifica")
@click.argument("manifest", metavar="MANIFEST", type=click.Path(dir_okay=False))
def verifica_cmd(manifest):
    """Controlla che i file indicati da un manifesto siano ancora quelli che un'esecuzione ha letto e scritto.

    MANIFEST è il file scritto da consolidate o publish con --manifest. Di ogni cartella di lavoro letta,
    del file delle impostazioni e di ogni output si ricalcola l'impronta (SHA-256). Esce con 0 se nessuno
    è cambiato, con 1 se qualcuno è cambiato o manca (ognuno è indicato per nome), con 2 se il manifesto
    non può essere letto.

    \b
    Esempio:
    perf-xl verifica manifest_2022.json
    """
    from .app.provenance import INPUT, OUTPUT, verify
    from .io.tagged_json import TaggedFileError

    try:
        v = verify(manifest)
    except TaggedFileError as exc:
        raise CommandError(str(exc)) from exc
    roles = {INPUT: "cartella di lavoro letta", OUTPUT: "file prodotto", "settings": "file delle impostazioni"}
    for e in v.changed:
        echo(f"CAMBIATO  {e['path']} ({roles.get(e.get('role'), 'file')}): il contenuto non è più quello del manifest.")
    for e in v.missing:
        echo(f"MANCANTE  {e['path']} ({roles.get(e.get('role'), 'file')}): il file non c'è più o non si legge.")
    total = len(v.unchanged) + len(v.changed) + len(v.missing)
    if v.intact:
        echo(f"Nessun file è cambiato: {count(total, 'file verificato', 'file verificati')} "
             f"(perf_xl {v.manifest.get('perf_xl_version', '?')}, comando: {' '.join(v.manifest.get('command', []))}).")
        return
    n = len(v.changed) + len(v.missing)
    echo(f"{count(n, 'file è cambiato o manca', 'file sono cambiati o mancano')} su {total} dal manifest.")
    sys.exit(1)


@main.command("new-year")
@click.argument("folder", metavar="CARTELLA", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Cartella in cui si scrivono le cartelle di lavoro dell'anno successivo (i file esistenti non vengono mai sostituiti).")
@click.option("--year", type=click.IntRange(1990, 2200), default=None,
              help="Il nuovo anno (predefinito: l'anno di ogni cartella di lavoro + 1).")
@settings_option
def new_year_cmd(folder, out_dir, year, settings_path):
    """Prepara le cartelle di lavoro dei settori dell'anno successivo da quelle di quest'anno, una per settore.

    Obiettivi, indicatori (stessi codici), formule, polarità e pesi restano; ogni target resta ed è
    segnato «da confermare»; i consuntivi sono vuoti; il consuntivo e la % Ragg dell'anno precedente
    restano accanto a ogni indicatore come riferimento in sola lettura. Nulla viene mai sostituito: se
    una cartella di lavoro da scrivere esiste già in --out, non si scrive nulla. Una cartella di lavoro
    che non può essere usata viene segnalata e le altre vengono scritte (uscita 1).

    \b
    Esempio:
    perf-xl new-year workbooks/2022 --year 2023 --out workbooks/2023
    """
    from .app.new_year import OutputsExist, new_year
    from .io.outputs import same_file

    _require_workbooks(folder)
    if same_file(out_dir, folder):
        raise CommandError(f"--out indica la cartella stessa delle cartelle di lavoro da cui partire («{folder}»): "
                           "quelle del nuovo anno vi si mescolerebbero. Indicare un'altra cartella con --out. "
                           "Non è stato scritto nulla.")
    settings = _settings(settings_path)
    try:
        with _writing(Snapshot(folders=[out_dir])):
            result = new_year(folder, out_dir, year=year, settings=settings)
    except OutputsExist as exc:
        raise CommandError(str(exc)) from exc
    _cycle_summary(result, "preparata", "preparate")
    if result.not_written:
        sys.exit(1)


@main.command("upgrade")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@settings_option
def upgrade_cmd(files, settings_path):
    """Riscrive nel formato attuale le cartelle di lavoro di settore di un formato precedente, accanto a ogni file.

    Ogni FILE di una versione precedente dello schema dà «<nome> (aggiornato).xlsx» nella sua cartella,
    con gli stessi dati; il file stesso non viene mai modificato, e un file «(aggiornato)» esistente non
    viene mai sostituito. Una cartella di lavoro già nel formato attuale resta com'è; una di un formato
    più recente è rifiutata (uscita 1).

    \b
    Esempio:
    perf-xl upgrade workbooks/2022/2022_settore-polizia-locale.xlsx
    """
    from .app.new_year import OutputsExist, upgrade_files, upgraded_path

    settings = _settings(settings_path)
    try:
        with _writing(Snapshot([upgraded_path(Path(f)) for f in files])):
            result = upgrade_files(files, settings=settings)
    except OutputsExist as exc:
        raise CommandError(str(exc)) from exc
    _cycle_summary(result, "aggiornata", "aggiornate")
    for p in result.current:
        echo(f"Già nella versione {load_schema().version} dello schema, lasciata com'è: {p}")
    if result.not_written:
        sys.exit(1)


def _cycle_summary(result, done_one: str, done_many: str) -> None:
    """What new-year and upgrade say: the workbooks written, then why any was not."""
    echo(f"{count(len(result.written), 'cartella di lavoro ' + done_one, 'cartelle di lavoro ' + done_many)}: "
         f"{count(result.objectives, 'obiettivo', 'obiettivi')}, {count(result.indicators, 'indicatore', 'indicatori')}.")
    for src, dst in result.written:
        echo(f"  {Path(src).name} -> {dst}")
    if result.not_written:
        echo(f"Non {'scritta' if len(result.not_written) == 1 else 'scritte'}: "
             f"{', '.join(Path(p).name for p in result.not_written)}.")
    if result.findings:
        echo(f"Segnalazioni ({len(result.findings)}):")
        _print_findings(result.findings)


if __name__ == "__main__":  # pragma: no cover
    main()
