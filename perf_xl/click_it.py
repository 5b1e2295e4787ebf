"""click's own messages in Italian: usage errors, type errors, the usage line.

click marks every message it prints with gettext (``_()``, ``ngettext()``) for translation.
:func:`install` puts an Italian catalog in their place in click's modules (only in this
process: the command line imports it before it builds its commands), and
:func:`usage_error_text` renders a usage error as an Italian office reads it::

    Uso: perf-xl consolidate [OPZIONI] [CARTELLA]
    Per l'aiuto: perf-xl consolidate --help
    Errore: la cartella «x» non esiste.

A message click adds in a later version and this catalog does not know stays in English;
``tests/test_corpus_outputs.py`` runs the common usage errors through the real command line.
"""

from __future__ import annotations

import re

import click

# Words click passes into its templates (type names, Path kinds) and their Italian.
_WORDS = {
    "integer": "numero intero", "float": "numero", "integer range": "numero intero", "float range": "numero", "boolean": "valore sì/no", "text": "testo",
    "File": "il file", "Directory": "la cartella", "Path": "il percorso",
    "argument": "l'argomento", "option": "l'opzione", "parameter": "il parametro",
}

_CATALOG = {
    # exceptions.py
    "Error: {message}": "Errore: {message}",
    "Try '{command} {option}' for help.": "Per l'aiuto: {command} {option}",
    "Invalid value: {message}": "valore non valido: {message}",
    "Invalid value for {param_hint}: {message}": "valore non valido per {param_hint}: {message}",
    "Missing argument": "manca l'argomento",
    "Missing option": "manca l'opzione obbligatoria",
    "Missing parameter": "manca il parametro",
    "Missing {param_type}": "manca {param_type}",
    "Missing parameter: {param_name}": "manca il parametro {param_name}",
    "No such option {name!r}.": "l'opzione «{name}» non esiste.",
    "No such command {name!r}.": "il comando «{name}» non esiste.",
    "Could not open file {filename!r}: {message}": "impossibile aprire il file «{filename}»: {message}",
    "unknown error": "errore sconosciuto",
    "Aborted!": "Interrotto.",
    # core.py
    "Missing command.": "manca il comando.",
    "Value must be an iterable.": "il valore deve essere un elenco.",
    "Options": "Opzioni",
    "Commands": "Comandi",
    "Positional arguments": "Argomenti",
    "default: {default}": "predefinito: {default}",
    "required": "obbligatorio",
    # parser.py
    "Option {name!r} does not take a value.": "l'opzione «{name}» non accetta un valore.",
    "Argument {name!r} takes {nargs} values.": "l'argomento «{name}» richiede {nargs} valori.",
    "Invalid start character for option ({option})": "carattere iniziale non valido per un'opzione ({option})",
    # types.py
    "{value!r} is not a valid {number_type}.": "«{value}» non è un {number_type} valido.",
    "{value} is not in the range {range}.": "{value} è fuori intervallo (deve essere {range}).",
    "{value!r} is not a valid boolean.": "«{value}» non è un valore sì/no valido.",
    "{value!r} is not a valid UUID.": "«{value}» non è un UUID valido.",
    "Choose from:\n\t{choices}": "Scegliere tra:\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} «{filename}» non esiste.",
    "{name} {filename!r} is a file.": "«{filename}» è un file, non una cartella.",
    "{name} {filename!r} is a directory.": "«{filename}» è una cartella, non un file.",
    "{name} {filename!r} is not readable.": "{name} «{filename}» non si può leggere (permessi).",
    "{name} {filename!r} is not writable.": "{name} «{filename}» non si può scrivere (permessi).",
    "{name} {filename!r} is not executable.": "{name} «{filename}» non si può eseguire.",
    # formatting.py, decorators.py
    "Usage:": "Uso:",
    "Show this message and exit.": "Mostra questo aiuto ed esce.",
    "Show the version and exit.": "Mostra la versione ed esce.",
    "%(prog)s, version %(version)s": "%(prog)s, versione %(version)s",
}

_PLURALS = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Forse si intendeva {possibility}?", "(Forse si intendeva una di queste: {possibilities}?)"),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("argomento in più non previsto: {args}.", "argomenti in più non previsti: {args}."),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("l'opzione «{name}» richiede un valore.", "l'opzione «{name}» richiede {nargs} valori."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("richiede {nargs} valori, ne è stato dato 1.", "richiede {nargs} valori, ne sono stati dati {len}."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("«{value}» non è ammesso: il valore deve essere {choice}.", "«{value}» non è tra i valori ammessi: {choices}."),
}


class _Template(str):
    """An Italian template: the words click fills in (type names, Path kinds) are translated too."""

    def format(self, *args, **kwargs):  # noqa: A003 - str.format, as click calls it
        words = {k: _WORDS.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
        if isinstance(words.get("range"), str):
            words["range"] = _range(words["range"])
        return str.format(self, *args, **words)


def _range(text: str) -> str:
    """click's ``1<=x<=64`` as a person says it: ``da 1 a 64``."""
    m = re.fullmatch(r"([-\d.]+)<(=?)x<(=?)([-\d.]+)", text)
    if m:
        return f"da {m.group(1)} a {m.group(4)}" if m.group(2) and m.group(3) else f"tra {m.group(1)} e {m.group(4)}"
    m = re.fullmatch(r"x(>=?|<=?)([-\d.]+)", text)
    if m:
        word = {">=": "almeno", ">": "più di", "<=": "al massimo", "<": "meno di"}[m.group(1)]
        return f"{word} {m.group(2)}"
    return text


def gettext(message: str) -> str:
    it = _CATALOG.get(message)
    return message if it is None else _Template(it)


def ngettext(singular: str, plural: str, n: int) -> str:
    it = _PLURALS.get((singular, plural))
    if it is None:
        return singular if n == 1 else plural
    return _Template(it[0] if n == 1 else it[1])


def install() -> None:
    """Put the Italian catalog in place of gettext in click's modules (idempotent)."""
    import importlib

    for name in ("core", "exceptions", "types", "parser", "decorators", "formatting", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


_QUOTED_HINT = re.compile(r"'(--?[\w-]+|\[?[A-ZÀ-Ý_]+\]?(?:\.\.\.)?)'")


def _context_of(group: click.Group | None, prog_name: str, args: list[str]) -> click.Context | None:
    """The context of the command in ``args``, for an error click raised without one (an option
    without its value is found by the parser before the command has a context)."""
    if group is None:
        return None
    top = click.Context(group, info_name=prog_name)
    command = group.commands.get(args[0]) if args else None
    return click.Context(command, info_name=args[0], parent=top) if command is not None else top


def usage_error_text(exc: click.UsageError, group: click.Group | None = None, prog_name: str = "perf-xl",
                     args: list[str] | None = None) -> str:
    """The usage line, where to find help, and the error, in Italian."""
    lines = []
    ctx = exc.ctx or _context_of(group, prog_name, args or [])
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(f"Per l'aiuto: {ctx.command_path} --help")
    if (isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter)
            and isinstance(getattr(exc.param, "type", None), click.Path)):
        message = exc.message  # "la cartella «x» non esiste." says it all
    else:
        message = exc.format_message()
    message = _QUOTED_HINT.sub(r"«\1»", message)
    lines.append(f"Errore: {message}")
    return "\n".join(lines)
