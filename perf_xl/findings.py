"""The catalog of findings (``schemas/findings.toml``) and the one way a Finding is made.

Every code perf_xl reports is a table of the catalog: its group, its severity (one per code), an
Italian title, the message template and what the user should do. :func:`finding` builds a
:class:`~perf_xl.model.Finding` from a code, its place and the template's fields, so a call site
never chooses a severity or writes a message. ``python -m perf_xl.findings --markdown`` prints the
README's table of codes (a test checks that the README holds it verbatim).

Base layer: imports only the model, the schema's folder and the standard library.
"""

from __future__ import annotations

import string
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from .model import ERROR, WARNING, Finding
from .schema import schemas_dir

SEVERITIES = (ERROR, WARNING)

# the groups in the order the README lists them, with their heading there (the README is English)
GROUPS = {
    "file": "the file",
    "structure": "structure",
    "cells": "cells (pandera)",
    "rows": "objectives and rows",
    "copies": "copies (across workbooks)",
    "formulas": "formulas",
    "consolidation": "the consolidation of a folder",
    "relazione": "a Relazione text (`import-relazione`, `audit`; the cell is `riga N`)",
    "share": "the nightly's share (the file is skipped, never opened)",
    "plan": "the approved plan (`validate --piano`, `nightly --piano`)",
    "variations": "the register of changes (the Variazioni sheet, `validate --piano`, `nightly --piano`)",
    "cycle": "the year's cycle (`new-year`, `upgrade`)",
    "monitoring": "monitoring during the year (the checkpoints' columns, `consolidate --periodo`)",
    "history": "the nightly's change history (`nightly`)",
    "evaluation": "the dirigenti's schede di valutazione (`schede`)",
}

# the fields every template may use without the caller naming them: the finding's own place and value
PLACE_FIELDS = frozenset({"file", "sheet", "cell", "row", "column", "value"})


@dataclass(frozen=True)
class Entry:
    """One code of the catalog."""

    code: str
    group: str
    severity: str
    title: str
    todo: str
    # variant name -> template; the plain ``message`` is the variant None
    messages: MappingProxyType
    # variant -> the fields its template names beyond the place fields
    fields: MappingProxyType


def _fields(template: str) -> frozenset[str]:
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"template field {{{name}}} must be a plain name (format values at the call site)")
        names.add(name)
    return frozenset(names - PLACE_FIELDS)


def parse_catalog(text: str, source: str = "findings.toml") -> dict[str, Entry]:
    """The catalog's entries by code, checked (a malformed entry is an error at load, not at use)."""
    data = tomllib.loads(text)
    out: dict[str, Entry] = {}
    for code, t in data.items():
        where = f"{source} [{code}]"
        if not isinstance(t, dict):
            raise ValueError(f"{where}: a table per code is expected")
        extra = set(t) - {"group", "severity", "title", "message", "messages", "todo"}
        if extra:
            raise ValueError(f"{where}: unknown keys {sorted(extra)}")
        for key in ("group", "severity", "title", "message", "todo"):
            if not isinstance(t.get(key), str) or not t[key].strip():
                raise ValueError(f"{where}: '{key}' is required (a text)")
        if t["group"] not in GROUPS:
            raise ValueError(f"{where}: group {t['group']!r} is not one of {list(GROUPS)}")
        if t["severity"] not in SEVERITIES:
            raise ValueError(f"{where}: severity {t['severity']!r} is not one of {SEVERITIES}")
        messages = {None: t["message"], **t.get("messages", {})}
        if not all(isinstance(m, str) and m.strip() for m in messages.values()):
            raise ValueError(f"{where}: every message is a text")
        out[code] = Entry(code, t["group"], t["severity"], t["title"], t["todo"], MappingProxyType(messages),
                          MappingProxyType({v: _fields(m) for v, m in messages.items()}))
    return out


@lru_cache(maxsize=None)
def catalog() -> dict[str, Entry]:
    """The shipped catalog, loaded once."""
    path = schemas_dir() / "findings.toml"
    return parse_catalog(path.read_text(encoding="utf-8"), source=str(path))


def entry(code: str) -> Entry:
    try:
        return catalog()[code]
    except KeyError:
        raise KeyError(f"finding code {code!r} is not in schemas/findings.toml") from None


def finding(code: str, *, file: str = "", sheet: str = "", cell: str = "", row: int | None = None,
            column: str = "", value: object = None, variant: str | None = None, **fields) -> Finding:
    """The finding ``code`` at this place, with the catalog's severity and message.

    ``fields`` fill the template (``variant`` picks one of the code's named messages); the place
    (file, sheet, cell, row, column) and ``value`` fill it too. An unknown code or variant, a
    field missing or one the template does not use raise: they are mistakes in the program.
    """
    e = catalog().get(code) or entry(code)
    try:
        template = e.messages[variant]
    except KeyError:
        raise KeyError(f"finding code {code!r} has no message variant {variant!r}") from None
    wanted = e.fields[variant]
    if wanted.symmetric_difference(fields):
        missing, unused = sorted(wanted - fields.keys()), sorted(fields.keys() - wanted)
        raise ValueError(f"finding {code!r} (variant {variant!r}): fields missing {missing}, not used {unused}")
    message = template.format(file=file, sheet=sheet, cell=cell, row=row, column=column, value=value, **fields)
    return Finding(file, sheet, cell, row, column, code, e.severity, message, value)


def markdown() -> str:
    """The README's table of codes: one row per code, by group, with its severity, title and what to do."""
    by_group: dict[str, list[Entry]] = {g: [] for g in GROUPS}
    for e in catalog().values():
        by_group[e.group].append(e)
    lines = ["| group | code | severity | title | what to do (`todo`) |", "|---|---|---|---|---|"]
    for group, entries in by_group.items():
        for i, e in enumerate(entries):
            lines.append(f"| {GROUPS[group] if i == 0 else ''} | `{e.code}` | {e.severity} | {e.title} | {e.todo} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["--markdown"]:
        print("uso: python -m perf_xl.findings --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
