"""Consolidate a folder of settore workbooks into the area summary.

Finds the folder's workbooks and runs them through :mod:`perf_xl.pipeline` (one pass
that reads, validates and scores each; one broken file never stops the others: it
becomes findings). The CLI and the Consolida button both call
:func:`consolidate_folder`; this module also shapes the result for machines (JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from ..model import ERROR, SCORE_ROW_FIELDS, AreaResult, Finding, score_row
from ..io.reader import find_workbooks
from ..schema import WorkbookSchema
from ..settings import Settings


@dataclass
class Consolidation:
    folder: str
    files: list[str] = field(default_factory=list)
    areas: list[AreaResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    year: int | None = None
    comune: str = ""
    unreadable: list[str] = field(default_factory=list)  # files that did not open
    detail: bool = True
    not_used: list[str] = field(default_factory=list)  # no indicators read: the Relazione lacks them
    excluded: list[str] = field(default_factory=list)  # copies of another workbook, not counted
    conflicts: list[dict] = field(default_factory=list)  # copies that differ from the one counted

    @property
    def complete(self) -> bool:
        """Every workbook's indicators were read (findings inside readable workbooks, and copies left
        out, do not make it incomplete)."""
        return bool(self.files) and not self.not_used

    @property
    def trustworthy(self) -> bool:
        """Complete, and no two versions of a workbook disagree (no area is «da verificare»)."""
        return self.complete and not self.conflicts

    @property
    def objective_count(self) -> int:
        return sum(len(a.objectives) for a in self.areas)

    @property
    def indicator_count(self) -> int:
        return sum(a.indicator_count for a in self.areas)


def shipped_workbooks(year: int = 2022) -> Path:
    """The settore workbooks shipped with perf_xl (Cremona's Relazione 2022)."""
    return Path(str(resources.files("perf_xl.workbooks"))) / str(year)


def consolidate_folder(folder: str | Path | None = None, schema: WorkbookSchema | None = None,
                       settings: Settings | None = None, validate: bool = True, workers: int = 1,
                       detail: bool | None = None) -> Consolidation:
    """Consolidate every workbook of ``folder`` (default: the shipped 2022 ones).

    With ``validate`` the same pass also runs every validation check, and its findings
    land in the Relazione's «Note e anomalie» sheet and in the JSON.
    """
    from .run import run

    folder = Path(folder) if folder else shipped_workbooks()
    files = find_workbooks(folder)
    r = run(files, validate=validate, consolidate=True, detail=detail, workers=workers,
            settings=settings, schema=schema)
    c = Consolidation(folder=str(folder), files=r.files, areas=r.areas, findings=list(r.report), year=r.year,
                      comune=r.comune, unreadable=r.unreadable, detail=r.detail, not_used=r.not_used,
                      excluded=r.excluded, conflicts=r.conflicts)
    if not files:
        c.findings.append(Finding(str(folder), "", "", None, "", "cartella-vuota", ERROR,
                                  "Nessuna cartella di lavoro .xlsx/.xlsm nella cartella indicata."))
    return c


def area_dict(a: AreaResult) -> dict:
    """One area's numbers for machines, with every objective's score."""
    return {
        "number": a.number,
        "name": a.name,
        "short_name": short_area_name(a.name),
        "objectives": len(a.objectives),
        "indicators": a.indicator_count,
        "score": None if a.score is None else round(a.score, 2),
        "score_unrounded": a.score,
        "traffic_light": a.traffic_light,
        "published": a.published,
        "difference": a.difference,
        "reproduces": a.reproduces,
        "explanation": list(a.explanation),
        "to_verify": list(a.to_verify),
        "objective_scores": [_score_dict(row) for row in _score_rows(a.objectives)],
    }


def _score_dict(row: tuple) -> dict:
    """An objective's entry in the JSON; with ``extra`` (column key -> one value per indicator) only when
    the schema has columns beyond the ones perf_xl scores (added to settore.toml)."""
    d = dict(zip(SCORE_ROW_FIELDS, row))
    if row[len(SCORE_ROW_FIELDS)] is not None:
        d["extra"] = row[len(SCORE_ROW_FIELDS)]
    return d


def _score_rows(objectives) -> Iterable[tuple]:
    """Every objective's score row; objectives spilled to disk give the rows their first pass stored."""
    if hasattr(objectives, "score_rows"):
        return objectives.score_rows()
    return map(score_row, objectives)


def summary_head(c: Consolidation) -> dict:
    return {
        "year": c.year,
        "comune": c.comune,
        "folder": c.folder,
        "workbooks": [Path(f).name for f in c.files],
        "complete": c.complete,
        "not_used": [Path(f).name for f in c.not_used],
        "excluded": [Path(f).name for f in c.excluded],
        "conflicts": c.conflicts,
        "totals": {"areas": len(c.areas), "objectives": c.objective_count, "indicators": c.indicator_count},
    }


def summary_dict(c: Consolidation) -> dict:
    """The consolidation's numbers for machines (the ``--json`` output)."""
    return {**summary_head(c), "areas": [area_dict(a) for a in c.areas],
            "findings": [f.as_dict() for f in c.findings]}


_PREPOSITIONS = ("SULL'", "SULLA ", "SULLE ", "SULLO ", "SUGLI ", "SUI ", "SUL ", "SU ", "DELL'", "DELLA ")
_ACRONYMS = {"PA", "UE", "PNRR", "ICT", "SDGS"}


def short_area_name(name: str) -> str:
    """``LINEA STRATEGICA SULLO SVILUPPO DELLA COMUNITA'`` -> ``Sviluppo della comunità``."""
    s = re.sub(r"^LINEA STRATEGICA\s+", "", name.strip(), flags=re.IGNORECASE)
    for p in _PREPOSITIONS:
        if s.upper().startswith(p):
            s = s[len(p):]
            break
    s = re.sub(r"([AEIOUaeiou])'(?=\s|$)", lambda m: {"a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"}[m.group(1).lower()], s)
    words = [w if w.upper().strip(",.") in _ACRONYMS else w.lower() for w in s.split()]
    out = " ".join(words)
    return out[:1].upper() + out[1:]
