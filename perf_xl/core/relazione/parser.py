"""Read a *Relazione sulla Performance* text export (tab-separated, from the PDF).

The layout is the published one (see ``docs`` in shared/ and the README): an area
starts at a ``LINEA STRATEGICA …`` or ``OBIETTIVI DI MANDATO`` line followed by its
published ``NN,NN%``; a header ``Responsabile\tSettore\tObiettivo…`` repeats on every
page; Responsabile, Settore, Obiettivo and Definizione are written on an objective's
first row only ("same as above" below it, across page breaks too).

A PDF extraction shifts cells, so a row is read from both ends: the last two
non-empty fields are Peso and % Ragg, the three numbers before the (possibly missing)
Note are atteso, consuntivo and scostamento, and the text fields before them are
aligned to the right (Finalità is always the last text field). Every deviation from
the plain 14-column row is kept as a finding with its line, and so is every line
that could not be read: the parser never drops data silently.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from ...findings import finding
from ...model import Finding, IndicatorRow
from ...numbers import parse_italian_number
from ...wording import number, shorten

TEXT_FIELDS = ("responsabile", "settore", "objective", "definizione", "indicator", "formula", "finalita")
HEADING = re.compile(r"^\s*(LINEA STRATEGICA\b.*|OBIETTIVI DI MANDATO\b.*)$", re.IGNORECASE)
PERCENT = re.compile(r"(\d{1,3}(?:,\d+)?)\s*%")
YEAR = re.compile(r"Relazione sulla Performance\s+(\d{4})", re.IGNORECASE)
COMUNE = re.compile(r"^\s*COMUNE DI\s+(.+?)\s*$", re.IGNORECASE)
BINARY_FORMULA = re.compile(r"\bfatto\b", re.IGNORECASE)
SHEET = "testo"  # the 'sheet' of a finding about a text file


@dataclass(frozen=True)
class RelazioneRow:
    """One indicator row as published, before polarity and codes are inferred."""

    line: int
    area: str
    responsabile: str
    settore: str
    objective: str
    definizione: str
    indicator: str
    formula: str
    finalita: str
    target: float
    actual: float
    published_deviation: float
    note: str
    weight: float
    published_achievement: float
    starts_objective: bool


@dataclass(frozen=True)
class RelazioneArea:
    number: int
    heading: str
    line: int
    published: float | None


@dataclass
class Relazione:
    """A parsed Relazione: areas in order, indicator rows, and what looked wrong."""

    file: str
    year: int | None = None
    comune: str = ""
    areas: list[RelazioneArea] = field(default_factory=list)
    rows: list[RelazioneRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _finding(code: str, file: str, line: int, value: object = None, variant: str | None = None, **fields) -> Finding:
    return finding(code, file=file, sheet=SHEET, cell=f"riga {line}", row=line, value=value, variant=variant,
                   **fields)


def _is_header(fields: list[str]) -> bool:
    return len(fields) >= 2 and fields[0].strip() == "Responsabile" and fields[1].strip() == "Settore"


def _split_numeric_tail(fields: list[str]):
    """Locate (atteso index, note) in a row with trailing empties removed; None if not a data row."""
    n = len(fields)
    if n < 6:
        return None
    if parse_italian_number(fields[-1]) is None or parse_italian_number(fields[-2]) is None:
        return None
    peso_at = n - 2
    for gap in (1, 0, 2):  # Note present (standard), Note missing, Note plus an extra empty cell
        i = peso_at - gap - 3
        if i < 1:
            continue
        if all(parse_italian_number(fields[j]) is not None for j in range(i, i + 3)):
            gap_fields = [fields[j].strip() for j in range(i + 3, peso_at)]
            if gap == 2 and all(gap_fields):
                continue
            return i, " ".join(g for g in gap_fields if g)
    return None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The text's lines as an editor numbers them: broken at CR LF, LF or CR only.

    Not ``str.splitlines``, which also breaks at form feeds (the page breaks a PDF
    extraction writes), vertical tabs and other separators: every line number after the
    first page would then differ from the one the user finds in an editor.
    """
    lines = _LINE_BREAK.split(text)
    if lines and not lines[-1]:
        lines.pop()  # a final line break ends the last line, it does not start another
    return lines


def parse_relazione(text: str, file: str = "") -> Relazione:
    """Parse the text of a Relazione export; never raises for bad data, reports it."""
    rel = Relazione(file=file)
    lines = split_lines(text.lstrip("\ufeff"))
    area: RelazioneArea | None = None
    waiting_score = False
    seen_header = False
    carry = dict.fromkeys(("responsabile", "settore", "objective", "definizione"), "")
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if rel.year is None and (m := YEAR.search(raw)):
            rel.year = int(m.group(1))
        if "\t" not in raw.strip("\t "):
            stripped = raw.strip()
            if HEADING.match(stripped):
                area = RelazioneArea(number=len(rel.areas) + 1, heading=" ".join(stripped.split()),
                                     line=lineno, published=None)
                rel.areas.append(area)
                waiting_score = True
                # a new area starts new objectives; people carry over (the seed relies on it)
                carry["objective"] = carry["definizione"] = ""
            elif waiting_score and area is not None and (m := PERCENT.search(stripped)):
                area = replace(area, published=parse_italian_number(m.group(1)))
                rel.areas[-1] = area
                waiting_score = False
            elif not rel.comune and (m := COMUNE.match(stripped)):
                rel.comune = m.group(1).strip().title()
            continue
        fields = raw.split("\t")
        if _is_header(fields):
            waiting_score = False
            seen_header = True
            continue
        waiting_score = False
        while fields and not fields[-1].strip():
            fields.pop()
        tail = _split_numeric_tail(fields)
        if tail is None:
            rel.findings.append(_finding("riga-non-letta", file, lineno, shorten(raw, 120)))
            continue
        i, note = tail
        texts = [f.strip() for f in fields[:i]]
        extra = len(texts) - len(TEXT_FIELDS)
        if extra > 0:
            lost = [t for t in texts[:extra] if t]
            if lost:
                rel.findings.append(_finding("testo-in-eccesso", file, lineno, lost[0], text=shorten(lost[0], 80),
                                             **({} if extra == 1 else {"variant": "campi", "count": extra})))
            texts = texts[extra:]
        elif extra < 0:
            texts = [""] * (-extra) + texts
        values = dict(zip(TEXT_FIELDS, texts))
        peso_at = len(fields) - 2
        if (i, peso_at) != (7, 11):
            moved = ([f"il target atteso è nel campo n. {i + 1} invece che nell'ottavo"] if i != 7 else []) + (
                [f"il peso è nel campo n. {peso_at + 1} invece che nel dodicesimo"] if peso_at != 11 else [])
            rel.findings.append(_finding("riga-spostata", file, lineno, moved=" e ".join(moved)))
        if area is None:
            area = RelazioneArea(number=1, heading="(area non indicata)", line=lineno, published=None)
            rel.areas.append(area)
            rel.findings.append(_finding("area-mancante", file, lineno))
        for key in ("responsabile", "settore"):
            if values[key]:
                carry[key] = values[key]
            else:
                values[key] = carry[key]
        starts = bool(values["objective"])
        if starts:
            carry["objective"] = values["objective"]
            carry["definizione"] = values["definizione"]
        else:
            if not carry["objective"]:
                rel.findings.append(_finding("obiettivo-mancante", file, lineno, values["indicator"]))
            values["objective"] = carry["objective"]
            if values["definizione"]:
                # a merged Definizione cell split by a page break: its text continues here
                carry["definizione"] = f"{carry['definizione']} {values['definizione']}".strip()
                rel.findings.append(_finding("definizione-continua", file, lineno,
                                             shorten(values["definizione"], 120)))
                _extend_definition(rel.rows, values["objective"], carry["definizione"])
            values["definizione"] = carry["definizione"]
        if not values["responsabile"] or not values["settore"]:
            rel.findings.append(_finding("settore-mancante", file, lineno, values["indicator"]))
        nums = [parse_italian_number(fields[j]) for j in (i, i + 1, i + 2)]
        rel.rows.append(RelazioneRow(
            line=lineno, area=area.heading, note=note,
            target=nums[0], actual=nums[1], published_deviation=nums[2],
            weight=parse_italian_number(fields[-2]), published_achievement=parse_italian_number(fields[-1]),
            starts_objective=starts, **values))
    if rel.rows and not seen_header:
        rel.findings.append(_finding("testo-senza-intestazione", file, 1))
    if not rel.rows:
        rel.findings.append(_finding("nessun-indicatore", file, max(len(lines), 1)))
    return rel


def _extend_definition(rows: list[RelazioneRow], objective: str, definizione: str) -> None:
    for k in range(len(rows) - 1, -1, -1):
        if rows[k].objective != objective:
            break
        rows[k] = replace(rows[k], definizione=definizione)
        if rows[k].starts_objective:
            break


def infer_polarity(row: RelazioneRow) -> tuple[str, bool]:
    """(polarity, consistent): binario from the formula text, else from the scostamento's sign.

    The published scostamento is positive when better than target, so
    ``consuntivo − atteso`` means crescente and ``atteso − consuntivo`` decrescente. A
    scostamento that matches neither leaves crescente and is reported.
    """
    if BINARY_FORMULA.search(row.formula):
        return "binario", True
    up = row.actual - row.target
    if math.isclose(row.published_deviation, up, abs_tol=0.005):
        return "crescente", True
    if math.isclose(row.published_deviation, -up, abs_tol=0.005):
        return "decrescente", True
    return "crescente", False


def to_indicator_rows(rel: Relazione) -> tuple[list[IndicatorRow], list[Finding]]:
    """Self-contained indicator rows with objective codes and inferred polarity."""
    out: list[IndicatorRow] = []
    findings: list[Finding] = []
    code = ""
    n = 0
    for r in rel.rows:
        if r.starts_objective or not code:
            n += 1
            code = f"OB{n:02d}"
        polarity, consistent = infer_polarity(r)
        if not consistent:
            findings.append(_finding("scostamento-incoerente", rel.file, r.line, r.published_deviation,
                                     published=number(r.published_deviation),
                                     difference=number(r.actual - r.target)))
        out.append(IndicatorRow(
            area=r.area, objective_code=code, objective=r.objective, responsabile=r.responsabile,
            settore=r.settore, indicator=r.indicator, polarity=polarity, target=r.target, actual=r.actual,
            weight=r.weight, definizione=r.definizione, formula=r.formula, finalita=r.finalita, note=r.note,
            published_achievement=r.published_achievement, source_ref=f"riga {r.line}",
            file=rel.file, sheet=SHEET, row=r.line))
    return out, findings
