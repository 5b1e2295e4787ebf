"""The dirigenti's schede di valutazione (``perf-xl schede FOLDER --out DIR``, issue 16).

One consolidation of FOLDER (the same run as ``consolidate``: the objectives' scores are never
computed anywhere else), its objectives grouped by Responsabile (names matched as a person reads them:
:func:`perf_xl.wording.as_read`), one scheda per Responsabile in DIR. A scheda already in DIR (found
by the name in its Dirigente cell) gives back the evaluator's inputs: objective weights (by code),
component weights, behaviour scores and notes, the colloquio; the rest is refreshed and the file
rewritten atomically. A scheda that cannot be read is left untouched (finding scheda-illeggibile),
and so is one whose dirigente has no objectives now (dirigente-senza-obiettivi).

Then the payroll CSV (names: personal data) and the riepilogo with the differentiation table (no names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core import evaluation as checks
from ..evaluation import Scheda, SchedaObjective, Valutazione, differentiation, ente_score, load_valutazione
from ..findings import finding
from ..io.csv_out import write_csv
from ..io.evaluation_sheet import SchedaInputs, SchedaUnreadable, cells_of, layout, read_scheda, scheda_files, scheda_name, \
    write_riepilogo, write_scheda
from ..model import Finding, RunResult
from ..schema import load_schema
from ..settings import Settings
from ..wording import as_read
from .consolidate import consolidate_folder


@dataclass
class SchedeResult:
    run: RunResult
    schede: list[Scheda] = field(default_factory=list)
    paths: dict = field(default_factory=dict)  # as_read(name) -> path of its scheda
    findings: list[Finding] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # schede left untouched
    written: list[Path] = field(default_factory=list)


def read_existing(out_dir: str | Path) -> tuple[dict[str, SchedaInputs], list[str], list[Finding]]:
    """The schede already in ``out_dir``: their inputs by dirigente, those that cannot be read, findings."""
    found, unreadable, out = {}, [], []
    if not Path(out_dir).is_dir():
        return found, unreadable, out
    for p in scheda_files(out_dir):
        try:
            inputs = read_scheda(p)
        except SchedaUnreadable as exc:
            unreadable.append(str(p))
            out.append(finding("scheda-illeggibile", file=str(p), error=str(exc)))
            continue
        found.setdefault(as_read(inputs.responsabile), inputs)
    return found, unreadable, out


def _group(c: RunResult) -> tuple[dict[str, tuple[str, list]], list[Finding]]:
    """Objectives by Responsabile (key: the name as read; value: the name as first written, and
    (area, objective) pairs in the Relazione's order); an objective without one is a finding."""
    groups: dict[str, tuple[str, list]] = {}
    out = []
    schema = load_schema()
    spellings = []  # each spelling of a Responsabile where it is first written, for checks.responsabili
    for a in c.areas:
        for o in a.objectives:
            name = " ".join(str(o.responsabile or "").split())
            row = o.indicators[0].row if o.indicators else None
            file = row.file if row else ""
            cell = schema.indicators.cell("responsabile", row.row) if row and row.row else ""
            if not name:
                out.append(finding("obiettivo-senza-responsabile", file=file, sheet=schema.indicators.name,
                                   cell=cell, objective_code=o.code, objective=o.name))
                continue
            key = as_read(name)
            if key not in groups:
                spellings.append(checks.NamedAt(name, file, schema.indicators.name, cell, o.code))
            groups.setdefault(key, (name, []))[1].append((a, o))
    return groups, out + checks.responsabili(spellings)


def _orphan_behaviours(old: SchedaInputs, v: Valutazione) -> list[Finding]:
    """The behaviours an existing scheda scored (or annotated) that the settings no longer list: their
    scores would be dropped in silence, so the scheda is left as it is and each is a finding naming its row."""
    listed = {as_read(item) for item in v.behaviours}
    sheet = layout()["comportamenti"]["sheet"]
    out = []
    for item, (score, note) in old.behaviours.items():
        if as_read(item) in listed or all(x in (None, "") for x in (score, note)):
            continue
        row = old.item_rows.get(item)
        out.append(finding("comportamento-non-previsto", file=old.file, sheet=sheet, cell=f"B{row}" if row else "",
                           row=row, value=item, item=item))
    return out


def build_schede(c: RunResult, existing: dict[str, SchedaInputs],
                 v: Valutazione) -> tuple[list[Scheda], list[Finding], set[str]]:
    """One scheda per Responsabile of ``c``, with the inputs of its existing scheda where there is one;
    the findings; the Responsabili (as read) whose existing scheda is left as it is, because it scores a
    behaviour the settings no longer list (a finding for each such behaviour)."""
    groups, out = _group(c)
    held: set[str] = set()
    ente = ente_score([a.score for a in c.areas])
    labels = {comp.label: comp.key for comp in v.components}
    schede = []
    for key, (name, pairs) in groups.items():
        old = existing.get(key)
        share = 100 / len(pairs)
        objectives = [SchedaObjective(o.code, o.name, a.name, o.settore, o.score,
                                      old.objective_weights.get(o.code, share) if old else share,
                                      v.is_payment_objective(o.code, o.name)) for a, o in pairs]
        weights = {comp.key: comp.weight for comp in v.components}
        behaviours = [(item, None, None) for item in v.behaviours]
        colloquio = {}
        if old:
            orphans = _orphan_behaviours(old, v)
            if orphans:
                out += orphans
                held.add(key)
                continue
            for label, w in old.component_weights.items():
                if label in labels:
                    weights[labels[label]] = w
            typed = {as_read(item): given for item, given in old.behaviours.items()}  # as a person reads the name
            behaviours = [(item, *typed.get(as_read(item), (None, None))) for item in v.behaviours]
            colloquio = dict(old.colloquio)
        schede.append(Scheda(name, c.year, c.comune, objectives, ente, weights, behaviours, colloquio,
                             file=old.file if old else ""))
    schede.sort(key=lambda s: as_read(s.responsabile))
    return schede, out, held


def evaluate(folder, out_dir, settings: Settings | None = None, v: Valutazione | None = None,
             workers: int = 1, validate: bool = True) -> SchedeResult:
    """The consolidation of ``folder`` and the schede it gives with the inputs of those in ``out_dir``;
    nothing written (``publish --schede`` uses this for the differentiation table)."""
    v = v or load_valutazione()
    c = consolidate_folder(folder, settings=settings, validate=validate, workers=workers, detail=True)
    return schede_of(c, out_dir, v)


def schede_of(c: RunResult, out_dir, v: Valutazione) -> SchedeResult:
    """The schede of the consolidation ``c``, with the inputs of those in ``out_dir``, and their checks."""
    existing, unreadable, out = read_existing(out_dir)
    schede, more, held = build_schede(c, existing, v)
    r = SchedeResult(c, schede, findings=[*checks.settings_weights(v), *more, *out], kept=list(unreadable))
    have = {as_read(s.responsabile) for s in schede}
    unreadable_names = set(unreadable)
    for key, inputs in existing.items():
        if key in held:
            r.kept.append(inputs.file)
        elif key not in have:
            r.kept.append(inputs.file)
            r.findings.append(finding("dirigente-senza-obiettivi", file=inputs.file, name=inputs.responsabile,
                                      where=f"della scheda «{Path(inputs.file).name}»"))
    for name in v.dirigenti:
        if as_read(name) not in have and as_read(name) not in existing:
            r.findings.append(finding("dirigente-senza-obiettivi", file=v.source, name=name,
                                      where="delle impostazioni ([valutazione] dirigenti)"))
    taken = {Path(p).name for p in unreadable_names} | {Path(i.file).name for i in existing.values()}
    for s in r.schede:
        if not s.file:
            s.file = str(Path(out_dir) / scheda_name(s.year, s.responsabile, taken))
            taken.add(Path(s.file).name)
    # a dirigente whose scheda cannot be read keeps that file; no new one is written beside it
    blocked = {str(Path(p)) for p in unreadable_names}
    r.schede = [s for s in r.schede if s.file not in blocked]
    sheet = layout()["scheda"]["sheet"]
    placed = []
    for s in r.schede:
        cells = cells_of(len(s.objectives), len(s.behaviours))
        r.findings.extend(checks.scheda_weights(s, sheet, cells.component_weights))
        placed.append((s, sheet, cells.weights))
    r.findings.extend(checks.payment_times(placed, v, c.folder))
    return r


def output_paths(year, out_dir: str | Path) -> tuple[Path, Path]:
    """The payroll CSV and the riepilogo workbook in ``out_dir``."""
    lay = layout()
    return Path(out_dir) / lay["payroll_file"].format(year=year or ""), Path(out_dir) / lay["riepilogo_file"].format(year=year or "")


def write_schede(r: SchedeResult, out_dir: str | Path, v: Valutazione | None = None) -> list[Path]:
    """Write every scheda of ``r`` (atomically, each replacing its previous file), the payroll CSV and
    the riepilogo; the paths written."""
    v = v or load_valutazione()
    written = [write_scheda(s.file, s, v) for s in r.schede]
    payroll, riepilogo = output_paths(r.run.year, out_dir)
    cols = layout()["payroll_columns"]
    written.append(write_csv(payroll, [cols["responsabile"], cols["score"], cols["band"]],
                             ([s.responsabile, s.final(v), s.band(v)] for s in r.schede)))
    rows, pending = differentiation([s.final(v) for s in r.schede], v.bands)
    written.append(write_riepilogo(riepilogo, rows, pending, r.run.year, r.run.comune))
    r.written = written
    return written


def differentiation_rows(r: SchedeResult, v: Valutazione | None = None) -> list[dict]:
    """The differentiation table as the open data write it (no names)."""
    v = v or load_valutazione()
    rows, _ = differentiation([s.final(v) for s in r.schede], v.bands)
    return [{"band": row.band or layout()["riepilogo"]["total"], "minimum": row.minimum, "count": row.count,
             "min": row.min, "mean": row.mean, "max": row.max} for row in rows]
