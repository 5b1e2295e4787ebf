"""Copies of a settore workbook on a shared drive: found, reported, never summed.

The rule (README, *Copies of a workbook*): two or more workbooks are **the same settore's
workbook** when their Info sheets give the same Settore and year (compared as a person reads
them: case, spaces, typographic apostrophes) or when they share an objective code in the same
year. Such workbooks form a group (the union of both relations), and only **one** of them is
used: the one whose file name does not look like a copy (``Copia di …``, ``… (1)``,
``…_old``, ``… - backup`` …); when none or several do, the first by file name. The others
are left out of the consolidation whole:

* a copy with the same values as the one used (byte- or value-identical) is an *avviso*
  ``copia-identica``: nothing changes;
* a copy that differs is an *errore* ``copia-in-conflitto`` naming every file and cell
  involved, and each area holding an objective of either version is marked *da verificare*.

Each workbook is summarised by a small :class:`Identity` (made where it is read, in a worker
if any, and cached by the nightly run), so the check across workbooks never needs the rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import re
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Callable, Iterable

from openpyxl.utils import get_column_letter

from ..findings import finding
from ..model import Finding, Identity, IndicatorRow
from ..schema import WorkbookSchema, load_schema
from ..wording import as_read

IDENTICAL = "copia-identica"
CONFLICT = "copia-in-conflitto"


def _normal_code(code: str) -> str:
    return " ".join(str(code).split()).upper()


# the row's fields, without ``extra`` (a dict, digested only when the schema has extra columns, so a
# digest stays the same as before for the shipped schema and in the nightly cache)
_DATA_NAMES = [f.name for f in dataclasses.fields(IndicatorRow) if f.compare and f.name != "extra"]
_DATA_FIELDS = attrgetter(*_DATA_NAMES)
_ROW_ORDER = itemgetter(*(_DATA_NAMES.index(k) for k in ("area", "objective_code", "indicator")))


def value_digest(rows: Iterable[IndicatorRow], areas: Iterable) -> str:
    """A digest of what a workbook says (its areas and its indicator rows as data), the same
    whatever the file's name and wherever the rows are in the sheet. Built in C (attrgetter, a
    sort by text keys, marshal's version 2, which writes values only, never references)."""
    rows = rows if isinstance(rows, (list, tuple)) else list(rows)
    if any(r.extra for r in rows):
        data = sorted(((*_DATA_FIELDS(r), sorted((r.extra or {}).items())) for r in rows), key=_ROW_ORDER)
    else:
        data = sorted(map(_DATA_FIELDS, rows), key=_ROW_ORDER)
    table = sorted(((a.number, a.name, a.published) for a in areas), key=repr)
    try:
        raw = marshal.dumps((data, table), 2)
    except ValueError:  # a value marshal does not write (never from the reader): its text
        raw = repr((data, table)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


def identity_of(path: str, info: dict, areas, rows, columns: dict[str, int], schema, digest: bool = True) -> Identity:
    """The identity of a workbook the reader read (``columns``: where each column was found).

    Without ``digest`` the values' digest is left empty, to be computed only for the few workbooks
    that turn out to have a copy (:func:`find_duplicates`' ``digest_of``)."""
    letter = get_column_letter(columns["objective_code"] + 1) if "objective_code" in columns else "A"
    sheet = schema.indicators.name
    codes: dict[str, tuple[str, str, str]] = {}
    area_names: dict[str, None] = {}
    for r in rows:
        if r.objective_code and r.objective_code not in codes:
            codes[r.objective_code] = (_normal_code(r.objective_code), sheet, f"{letter}{r.row}")
        area_names.setdefault(r.area)
    keys = [f.key for f in schema.info.fields]
    at = keys.index("settore") if "settore" in keys else 0
    year = info.get("year")
    return Identity(file=str(path), settore=str(info.get("settore") or "").strip(),
                    year="" if year is None else str(year).strip(), settore_sheet=schema.info.name,
                    settore_cell=f"B{schema.info.header_row + 1 + at}",
                    digest=value_digest(rows, areas) if digest else "",
                    codes=tuple(codes.values()), areas=tuple(a for a in area_names if a))


_COPY_NAME = re.compile(
    r"^(copia di|copy of)\b"  # Copia di X, Copy of X (Windows Explorer, Italian and English)
    r"|(\(\d+\)|[ _-]+(old|backup|bak|copia|copy)|bak)(\s*\(\d+\))?$",  # X (1), X_old, X - Copia (2), Xbak
    re.IGNORECASE)


def looks_like_copy(file: str) -> bool:
    """Whether a file name looks like a copy of another (``Copia di X.xlsx``, ``X (1).xlsx`` …)."""
    stem = Path(file).stem.strip()
    return bool(_COPY_NAME.search(stem))


@dataclass
class Duplicates:
    """The result of the check across workbooks."""

    findings: list[Finding] = field(default_factory=list)
    excluded: set[str] = field(default_factory=set)  # files left out of the consolidation
    conflicts: list[dict] = field(default_factory=list)  # one per copy that differs (for the JSON)
    to_verify: dict[str, list[str]] = field(default_factory=dict)  # area -> why it must be checked


def _keys(d: Identity) -> list[tuple]:
    keys = []
    if d.settore:
        keys.append(("settore", as_read(d.settore), d.year))
    keys.extend(("codice", code, d.year) for code, _, _ in d.codes)
    return keys


def _groups(idents: list[Identity]) -> list[list[int]]:
    parent = list(range(len(idents)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, d in enumerate(idents):
        for k in _keys(d):
            j = first.setdefault(k, i)
            if j != i:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(idents)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _chosen(members: list[Identity]) -> Identity:
    originals = [m for m in members if not looks_like_copy(m.file)]
    return min(originals or members, key=lambda m: (Path(m.file).name, m.file))


def _shared(a: Identity, b: Identity) -> tuple[bool, list[tuple[str, tuple, tuple]]]:
    """(same Settore and year, [(code, where in a, where in b)]) of two workbooks."""
    same = bool(a.settore) and a.year == b.year and as_read(a.settore) == as_read(b.settore)
    codes = []
    if a.year == b.year:
        in_b = {code: (sheet, cell) for code, sheet, cell in b.codes}
        codes = [(code, (sheet, cell), in_b[code]) for code, sheet, cell in a.codes if code in in_b]
    return same, codes


def _relation(a: Identity, b: Identity, same: bool, codes: list) -> str:
    parts = []
    if same:
        year = f", {b.year}" if b.year else ""
        parts.append(f"{' '.join(b.settore.split())}{year} in {a.settore_sheet}!{a.settore_cell} e {b.settore_sheet}!{b.settore_cell}")
    if codes:
        listed = ", ".join(f"{code} in {sa}!{ca} e {sb}!{cb}" for code, (sa, ca), (sb, cb) in codes)
        parts.append(f"{'obiettivo' if len(codes) == 1 else 'obiettivi'} {listed}")
    return "; ".join(parts)


def find_duplicates(idents: Iterable[Identity], digest_of: Callable[[str], str] | None = None,
                    schema: WorkbookSchema | None = None) -> Duplicates:
    """Group the workbooks that are the same settore's, choose the one used in each group and say
    what happens to the others (findings, the files left out, the conflicts, the areas to check).

    An identity without its digest gets it from ``digest_of(file)`` when it is compared (only the
    workbooks with a copy are). ``schema`` names the columns in the findings (default: the schema
    in use)."""
    schema = schema or load_schema()
    settore_label = schema.info.field("settore").label
    code_label = schema.indicators.column("objective_code").label
    first: dict[str, Identity] = {}
    for d in idents:
        first.setdefault(d.file, d)  # a file given twice is one file
    idents = list(first.values())
    out = Duplicates()
    memo: dict[str, str] = {}

    def digest(d: Identity) -> str:
        if d.digest or digest_of is None:
            return d.digest
        if d.file not in memo:
            memo[d.file] = digest_of(d.file)
        return memo[d.file]

    for group in _groups(idents):
        members = [idents[i] for i in group]
        used = _chosen(members)
        names = [Path(m.file).name for m in members]
        label = {m.file: (Path(m.file).name if names.count(Path(m.file).name) == 1 else m.file) for m in members}
        for e in members:
            if e is used:
                continue
            out.excluded.add(e.file)
            partner = used
            same, codes = _shared(e, used)
            if not same and not codes:  # related to the one used through a third workbook
                for m in members:
                    if m is not e:
                        same, codes = _shared(e, m)
                        if same or codes:
                            partner = m
                            break
            if same:
                sheet, cell, column = e.settore_sheet, e.settore_cell, settore_label
            else:
                sheet, cell, column = codes[0][1][0], codes[0][1][1], code_label
            row = int(re.sub(r"\D", "", cell) or 0) or None
            ue, up, uu = f"«{label[e.file]}»", f"«{label[partner.file]}»", f"«{label[used.file]}»"
            where = dict(file=e.file, sheet=sheet, cell=cell, row=row, column=column)
            if digest(e) == digest(used):
                out.findings.append(finding(IDENTICAL, **where, value=label[used.file], copy=label[e.file],
                                            used=label[used.file]))
                continue
            conflict = finding(CONFLICT, **where, value=label[partner.file], copy=label[e.file],
                               other=label[partner.file], used=label[used.file],
                               relation=_relation(e, partner, same, codes))
            message = conflict.message
            out.findings.append(conflict)
            areas = list(dict.fromkeys(used.areas + e.areas))
            reason = (f"Da verificare: {ue} è un'altra versione, con valori diversi, di {up}; "
                      f"è stata contata solo {uu}.")
            for area in areas:
                reasons = out.to_verify.setdefault(area, [])
                if reason not in reasons:
                    reasons.append(reason)
            out.conflicts.append({
                "used": label[used.file], "ignored": label[e.file], "other": label[partner.file],
                "settore": e.settore, "year": e.year,
                "codes": [code for code, _, _ in codes],
                "cells": ([{"file": label[e.file], "sheet": e.settore_sheet, "cell": e.settore_cell},
                           {"file": label[partner.file], "sheet": partner.settore_sheet,
                            "cell": partner.settore_cell}] if same else [])
                + [c for code, (sa, ca), (sb, cb) in codes
                   for c in ({"file": label[e.file], "sheet": sa, "cell": ca},
                             {"file": label[partner.file], "sheet": sb, "cell": cb})],
                "areas": areas, "message": message})
    return out

