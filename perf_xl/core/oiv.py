"""The OIV's *scheda di validazione*: what perf_xl checked on a Relazione and what is still open.

The OIV or Nucleo di Valutazione validates the Relazione (D.Lgs. 150/2009 art. 14 c. 4 lett. c: data
understandable, compliant, reliable; DFP Linee guida n. 3/2018). Its checklist here is made from what
the pack's run already found, never checked again: the workbooks read (or not), the validation's
findings counted by their catalog group (``plan`` for the approved plan, ``variations`` for the
register of changes, the rest for the workbooks themselves), the areas' recomputed scores against the
published ones, the audit of the published text when there is one, and the manifest. Every sentence
comes from ``[oiv]`` of ``summary.toml``; a group the catalog does not have yet (``variations``,
before the register exists) gets no line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..findings import catalog, entry
from ..model import ERROR, ISSUES, NOT_DONE, OK, WARNING, CheckLine, Finding, Report, RunResult, ValidationSheet
from ..wording import count, short_area_name

PLAN, VARIATIONS = "plan", "variations"


@dataclass(frozen=True)
class PackFacts:
    """What the pack's run knows beside the consolidation: the plan compared (None: not given), the
    published text audited (None: not given), the pack's file names and the manifest's counts."""

    date: str  # dd/mm/yyyy
    version: str
    findings_file: str
    manifest_file: str
    inputs: int  # files the manifest records as read (workbooks, the plan, the published text)
    outputs: int  # files of the pack the manifest records (all but the manifest itself)
    plan_findings: tuple[Finding, ...] | None = None
    plan_file: str = ""
    plan_date: str = ""  # dd/mm/yyyy
    audit: Report | None = None
    audit_source: str = ""
    audit_file: str = ""


def group_of(f: Finding) -> str:
    return entry(f.code).group


def _counts(findings: list[Finding]) -> tuple[int, int]:
    by = Counter(f.severity for f in findings)
    return by.get(ERROR, 0), by.get(WARNING, 0)


def _counts_text(errors: int, warnings: int) -> str:
    """*1 errore e 2 avvisi*, *3 errori*, *1 avviso*."""
    parts = [count(errors, "errore", "errori")] if errors else []
    if warnings:
        parts.append(count(warnings, "avviso", "avvisi"))
    return " e ".join(parts)


def _one_many(template: dict, n: int, **fields) -> str:
    return template["one" if n == 1 else "many"].format(n=n, **fields)


def _names(paths: list[str], limit: int = 5) -> str:
    names = [Path(p).name for p in paths]
    return ", ".join(names[:limit]) + (f" e altre {len(names) - limit}" if len(names) > limit else "")


def all_findings(c: RunResult, plan_findings: Iterable[Finding] | None) -> list[Finding]:
    """The run's findings and the plan's differences: what the pack's findings files list."""
    return [*c.findings, *(plan_findings or ())]


def blocked(c: RunResult, plan_findings: Iterable[Finding] | None) -> bool:
    """The pack's run exits 1: a workbook could not be used, two versions of one disagree, or the checks
    (the plan's included) found errori."""
    return not c.trustworthy or any(f.severity == ERROR for f in all_findings(c, plan_findings))


def validation_sheet(c: RunResult, facts: PackFacts, lay: dict) -> ValidationSheet:
    """The scheda of a pack's run, from ``lay`` (``[oiv]`` of summary.toml)."""
    checks, opened = lay["checks"], lay["open"]
    outcome_word = lay["outcomes"]
    groups = lay["groups"]
    findings = all_findings(c, facts.plan_findings)
    by_group: dict[str, list[Finding]] = {}
    for f in findings:
        by_group.setdefault(group_of(f), []).append(f)
    workbook_findings = [f for g, fs in by_group.items() if g not in (PLAN, VARIATIONS) for f in fs]
    lines: list[CheckLine] = []
    open_points: list[str] = []

    def line(key: str, outcome: str, sentences: list[str]) -> None:
        lines.append(CheckLine(key, checks[f"{key}_label"], outcome, outcome_word[outcome], " ".join(sentences)))

    # the workbooks read
    total = len(c.files)
    sentences = []
    if c.not_used:
        sentences.append(_one_many(checks["read_missing"], len(c.not_used), total=total, names=_names(c.not_used)))
        open_points.append(opened["unreadable"].format(names=_names(c.not_used)))
    else:
        sentences.append(checks["read_ok"].format(folder=Path(c.folder).name or c.folder,
                                                  workbooks=count(len(c.used), "cartella di lavoro",
                                                                  "cartelle di lavoro")))
    if c.excluded:
        sentences.append(_one_many(checks["read_copies"], len(c.excluded), names=_names(c.excluded)))
    if c.conflicts:
        sentences.append(checks["read_conflicts"])
        open_points.append(opened["conflicts"])
    line("read", OK if c.trustworthy else ISSUES, sentences)

    # the workbooks' own checks
    errors, warnings = _counts(workbook_findings)
    if errors or warnings:
        per_group: dict[str, list[Finding]] = {}
        for f in workbook_findings:
            per_group.setdefault(group_of(f), []).append(f)
        order = catalog_groups()
        named = "; ".join(f"{groups.get(g, g)}: {_counts_text(*_counts(per_group[g]))}"
                          for g in sorted(per_group, key=order.index))
        line("validation", ISSUES if errors else OK,
             [checks["validation_found"].format(counts=_counts_text(errors, warnings), groups=named,
                                                findings=facts.findings_file)])
        if errors:
            open_points.append(opened["errors"].format(errors=count(errors, "errore", "errori"),
                                                       findings=facts.findings_file))
    else:
        line("validation", OK, [checks["validation_ok"]])

    # the approved plan
    if facts.plan_findings is None:
        line("plan", NOT_DONE, [checks["plan_none"]])
        open_points.append(opened["no_plan"])
    else:
        errors, warnings = _counts(by_group.get(PLAN, []))
        where = {"date": facts.plan_date, "plan": facts.plan_file}
        if errors or warnings:
            meaning = [_one_many(checks["plan_errors_meaning"], errors)] if errors else []
            if warnings:
                meaning.append(_one_many(checks["plan_warnings_meaning"], warnings))
            line("plan", ISSUES if errors else OK,
                 [checks["plan_found"].format(counts=_counts_text(errors, warnings), meaning=", ".join(meaning),
                                              findings=facts.findings_file, **where)])
            if errors:
                open_points.append(opened["plan"].format(errors=count(errors, "errore", "errori")))
        else:
            line("plan", OK, [checks["plan_ok"].format(**where)])

    # the register of changes (once the catalog has its group)
    if any(e.group == VARIATIONS for e in catalog().values()):
        errors, warnings = _counts(by_group.get(VARIATIONS, []))
        if errors or warnings:
            line("variations", ISSUES if errors else OK,
                 [checks["variations_found"].format(counts=_counts_text(errors, warnings),
                                                    findings=facts.findings_file)])
            if errors:
                open_points.append(opened["variations"].format(errors=count(errors, "errore", "errori")))
        else:
            line("variations", OK, [checks["variations_ok"]])

    # the areas' published scores
    differ = [a for a in c.areas if a.reproduces is False]
    unpublished = [a for a in c.areas if a.published is None]
    area_names = lambda areas: ", ".join(short_area_name(a.name) for a in areas)  # noqa: E731
    sentences = []
    if differ:
        sentences.append(_one_many(checks["areas_differ"], len(differ), total=len(c.areas), names=area_names(differ)))
        open_points.append(opened["areas"].format(names=area_names(differ)))
    if unpublished:
        sentences.append(_one_many(checks["areas_unpublished"], len(unpublished), names=area_names(unpublished)))
    if not sentences:
        sentences.append(checks["areas_ok"].format(areas=count(len(c.areas), "area", "aree")))
    line("areas", ISSUES if differ or unpublished else OK, sentences)

    # the published text
    if facts.audit is None:
        line("audit", NOT_DONE, [checks["audit_none"]])
        open_points.append(opened["no_audit"])
    else:
        errors, warnings = _counts(list(facts.audit))
        if errors or warnings:
            text = _counts_text(errors, warnings)
            line("audit", ISSUES, [checks["audit_found"].format(file=facts.audit_source, counts=text,
                                                                audit=facts.audit_file)])
            open_points.append(opened["audit"].format(counts=text, audit=facts.audit_file))
        else:
            line("audit", OK, [checks["audit_ok"].format(file=facts.audit_source)])

    # the manifest
    line("manifest", OK, [checks["manifest_text"].format(
        manifest=facts.manifest_file, inputs=count(facts.inputs, "file letto", "file letti"),
        outputs=count(facts.outputs, "file", "file"))])

    alerts = []
    if not c.complete:
        alerts.append(lay["alert_unreadable"])
    errors = sum(1 for f in findings if f.severity == ERROR)
    if errors:
        alerts.append(lay["alert_errors"].format(errors=count(errors, "errore", "errori")))
    year = c.year or ""
    return ValidationSheet(
        title=lay["title"], subtitle=lay["subtitle"].format(year=year),
        ente=lay["ente"].format(comune=c.comune) if c.comune else "", date=facts.date,
        intro=lay["intro"].format(year=year), alerts=tuple(alerts), lines=tuple(lines),
        open_points=tuple(open_points) or (lay["open_none"],), footer=lay["produced_by"].format(version=facts.version))


def catalog_groups() -> list[str]:
    """The catalog's groups in the order the catalog first names them (the scheda lists them so)."""
    return list(dict.fromkeys(e.group for e in catalog().values()))
