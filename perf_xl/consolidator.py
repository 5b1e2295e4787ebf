"""Consolidate a folder of settore workbooks into the area summary.

Reads every workbook (one broken file never stops the others: it becomes findings),
merges the areas' published scores, and calls the pure consolidation core. The CLI,
the Consolida button and the nightly job all call :func:`consolidate_folder`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .core.consolidation import consolidate
from .model import ERROR, WARNING, AreaInfo, AreaResult, Finding, IndicatorRow
from .io.reader import find_workbooks, read_settore_workbook
from .schema import WorkbookSchema, load_schema
from .settings import Settings, load_settings


@dataclass
class Consolidation:
    folder: str
    files: list[str] = field(default_factory=list)
    areas: list[AreaResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    year: int | None = None
    comune: str = ""

    @property
    def objective_count(self) -> int:
        return sum(len(a.objectives) for a in self.areas)

    @property
    def indicator_count(self) -> int:
        return sum(a.indicator_count for a in self.areas)


def shipped_workbooks(year: int = 2022) -> Path:
    """The settore workbooks shipped with perf_xl (Cremona's Relazione 2022)."""
    return Path(str(resources.files("perf_xl.workbooks"))) / str(year)


def merge_areas(tables: list[tuple[str, tuple[AreaInfo, ...]]]) -> tuple[list[AreaInfo], list[Finding]]:
    """One area table from every workbook's Aree sheet; disagreements are findings."""
    merged: dict[str, AreaInfo] = {}
    where: dict[str, str] = {}
    findings = []
    for file, areas in tables:
        for a in areas:
            prev = merged.get(a.name)
            if prev is None:
                merged[a.name], where[a.name] = a, file
            elif (prev.number, prev.published) != (a.number, a.published):
                findings.append(Finding(
                    file, "Aree", "", None, "Linea strategica", "area-discordante", WARNING,
                    f"L'area «{a.name}» ha numero o % pubblicata diversi da quelli di {Path(where[a.name]).name}: "
                    f"usati quelli di {Path(where[a.name]).name}.", a.name))
    return sorted(merged.values(), key=lambda a: a.number), findings


def consolidate_folder(folder: str | Path | None = None, schema: WorkbookSchema | None = None,
                       settings: Settings | None = None) -> Consolidation:
    schema = schema or load_schema()
    settings = settings or load_settings()
    folder = Path(folder) if folder else shipped_workbooks()
    result = Consolidation(folder=str(folder))
    rows: list[IndicatorRow] = []
    tables = []
    years = set()
    for path in find_workbooks(folder):
        read = read_settore_workbook(path, schema)
        result.files.append(str(path))
        result.findings.extend(read.findings)
        if read.workbook is None:
            continue
        rows.extend(read.workbook.rows)
        tables.append((str(path), read.workbook.areas))
        if read.workbook.info.get("year"):
            years.add(read.workbook.info["year"])
        result.comune = result.comune or read.workbook.info.get("comune", "")
    if not result.files:
        result.findings.append(Finding(str(folder), "", "", None, "", "cartella-vuota", ERROR,
                                       "Nessuna cartella di lavoro .xlsx/.xlsm nella cartella indicata."))
    areas, area_findings = merge_areas(tables)
    result.findings.extend(area_findings)
    if len(years) > 1:
        result.findings.append(Finding(str(folder), "Info", "B2", 2, "Anno", "anni-diversi", WARNING,
                                       f"Le cartelle di lavoro hanno anni diversi: {sorted(years)}.", str(sorted(years))))
    result.year = min(years) if years else None
    result.areas = consolidate(rows, areas, settings)
    return result


def summary_dict(c: Consolidation) -> dict:
    """The consolidation's numbers for machines (the ``--json`` output)."""
    return {
        "year": c.year,
        "comune": c.comune,
        "folder": c.folder,
        "workbooks": [Path(f).name for f in c.files],
        "totals": {"areas": len(c.areas), "objectives": c.objective_count, "indicators": c.indicator_count},
        "areas": [
            {
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
                "objective_scores": [
                    {"code": o.code, "name": o.name, "settore": o.settore, "score": o.score,
                     "weight_sum": o.weight_sum, "traffic_light": o.traffic_light}
                    for o in a.objectives
                ],
            }
            for a in c.areas
        ],
        "findings": [f.as_dict() for f in c.findings],
    }


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
