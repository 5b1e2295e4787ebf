"""The OIV pack (``perf-xl oiv``): in one folder, what the OIV or Nucleo di Valutazione needs to validate
the Relazione, and a one-page *scheda di validazione* of what was checked and what is open.

Nothing here is a second copy of another run: the consolidation with validation is ``publish``'s
(:func:`perf_xl.app.publish.publish_folder`), the differences from the approved plan are ``validate
--piano``'s (:func:`perf_xl.app.plan.plan_findings`), the audit of the published text is ``audit``'s
(:func:`perf_xl.core.relazione.audit.audit_relazione`), the findings files are the validation report's
writers, the Relazione's workbook and PDF are ``publish``'s (same bytes: the OIV validates the document
the comune publishes; the register of changes and its annex come with it), and the manifest is
``--manifest``'s (:func:`perf_xl.app.provenance.write_run_manifest`), covering every file of the pack.
The scheda is the core's (:mod:`perf_xl.core.oiv`), written by :mod:`perf_xl.io.validation_sheet`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..core.oiv import PackFacts, all_findings, blocked, validation_sheet
from ..core.relazione.audit import audit_relazione
from ..io.pdf import write_relazione_pdf
from ..io.plan_file import read_plan
from ..io.report import write_report_csv, write_report_json, write_report_workbook
from ..io.validation_sheet import write_scheda_pdf, write_scheda_workbook
from ..io.summary import load_summary_layout, write_summary_outputs
from ..model import Finding, Report, RunResult, ValidationSheet
from ..schema import WorkbookSchema, load_schema
from ..settings import Settings, load_settings
from .importer import read_relazione_text
from .plan import plan_findings
from .provenance import write_run_manifest
from .publish import publish_folder, relazione_name


@dataclass(frozen=True)
class PackPaths:
    """The pack's files, named after the run's year (``[oiv] files`` of summary.toml)."""

    relazione_pdf: Path
    relazione_xlsx: Path
    relazione_json: Path
    findings_xlsx: Path
    findings_csv: Path
    audit_xlsx: Path
    audit_json: Path
    scheda_pdf: Path
    scheda_xlsx: Path
    manifest: Path

    def written(self, audit: bool) -> list[Path]:
        """The files a pack writes, in order, the manifest last (it records the others)."""
        out = [self.relazione_pdf, self.relazione_xlsx, self.relazione_json, self.findings_xlsx, self.findings_csv]
        if audit:
            out += [self.audit_xlsx, self.audit_json]
        return [*out, self.scheda_pdf, self.scheda_xlsx, self.manifest]

    @property
    def all(self) -> list[Path]:
        return self.written(audit=True)


def pack_paths(c: RunResult, out_dir: str | Path) -> PackPaths:
    out_dir = Path(out_dir)
    names = {k: v.format(year=c.year or "performance") for k, v in load_summary_layout()["oiv"]["files"].items()}
    return PackPaths(relazione_pdf=out_dir / relazione_name(c, ".pdf"),
                     relazione_xlsx=out_dir / relazione_name(c, ".xlsx"),
                     relazione_json=out_dir / relazione_name(c, ".json"),
                     findings_xlsx=out_dir / f"{names['findings']}.xlsx",
                     findings_csv=out_dir / f"{names['findings']}.csv",
                     audit_xlsx=out_dir / f"{names['audit']}.xlsx", audit_json=out_dir / f"{names['audit']}.json",
                     scheda_pdf=out_dir / f"{names['scheda']}.pdf", scheda_xlsx=out_dir / f"{names['scheda']}.xlsx",
                     manifest=out_dir / names["manifest"])


@dataclass
class OivRun:
    """What the pack is made of before anything is written."""

    result: RunResult
    plan_file: str | None = None
    plan_findings: list[Finding] | None = None
    plan_date: str = ""
    published_text: str | None = None
    audit: Report | None = None
    written: list[Path] = field(default_factory=list)
    sheet: ValidationSheet | None = None

    @property
    def findings(self) -> Report:
        """The run's findings and the plan's differences: the pack's findings files."""
        return Report(all_findings(self.result, self.plan_findings))

    @property
    def blocked(self) -> bool:
        """Exit 1: a workbook could not be used, or the checks (the plan's included) found errori."""
        return blocked(self.result, self.plan_findings)


def audit_text(path: str | Path, settings: Settings) -> Report:
    """``perf-xl audit`` of the published Relazione text (raises
    :class:`~perf_xl.app.importer.NotRelazioneText` when it is not one): read before any workbook."""
    encoding: list = []
    text = read_relazione_text(path, encoding)
    report = audit_relazione(text, str(path), settings)
    report.findings[:0] = encoding
    return report


def run_oiv(folder: str | Path, plan_file: str | Path | None = None, published_text: str | Path | None = None,
            settings: Settings | None = None, schema: WorkbookSchema | None = None, workers: int = 1) -> OivRun:
    """Consolidate and validate ``folder`` as ``publish`` does, compare it with the approved plan as
    ``validate --piano`` does, and audit the published text as ``audit`` does. The plan and the text
    are read first: a wrong one stops the run before any workbook is read."""
    settings = settings or load_settings()
    schema = schema or load_schema()
    plan = read_plan(plan_file) if plan_file else None
    audit = audit_text(published_text, settings) if published_text else None
    c = publish_folder(folder, schema, settings, validate=True, workers=workers)
    run = OivRun(c, plan_file=str(plan_file) if plan_file else None,
                 published_text=str(published_text) if published_text else None, audit=audit)
    if plan is not None:
        run.plan_findings = plan_findings(c.files, plan_file, schema)
        run.plan_date = _dt.date.fromisoformat(plan["approved_on"]).strftime("%d/%m/%Y")
    return run


def write_oiv_pack(run: OivRun, out_dir: str | Path, date: _dt.date, command: list[str],
                   settings: Settings | None = None, settings_file: str | Path | None = None) -> list[Path]:
    """Write the pack into ``out_dir`` (each file atomically; the manifest last, recording every other
    file of the pack and every file read); returns the files written, in order. A file of an earlier
    pack this run does not write (an audit, when no text is given now) is removed, so the folder holds
    exactly what the manifest names."""
    settings = settings or load_settings()
    c = run.result
    paths = pack_paths(c, out_dir)
    audit = run.audit is not None
    files = paths.written(audit)
    written = [write_relazione_pdf(paths.relazione_pdf, c, settings)]
    written += write_summary_outputs(c, paths.relazione_xlsx, paths.relazione_json, None, settings)
    findings = run.findings
    written.append(write_report_workbook(paths.findings_xlsx, findings))
    written.append(write_report_csv(paths.findings_csv, findings))
    if audit:
        written.append(write_report_workbook(paths.audit_xlsx, run.audit))
        written.append(write_report_json(paths.audit_json, run.audit, [run.published_text]))
    inputs = [*c.files, *(p for p in (run.plan_file, run.published_text) if p)]
    facts = PackFacts(date=date.strftime("%d/%m/%Y"), version=__version__, findings_file=paths.findings_xlsx.name,
                      manifest_file=paths.manifest.name, inputs=len(inputs) + (1 if settings_file else 0),
                      outputs=len(files) - 1,
                      plan_findings=tuple(run.plan_findings) if run.plan_findings is not None else None,
                      plan_file=Path(run.plan_file).name if run.plan_file else "", plan_date=run.plan_date,
                      audit=run.audit, audit_source=Path(run.published_text).name if run.published_text else "",
                      audit_file=paths.audit_xlsx.name)
    run.sheet = validation_sheet(c, facts, load_summary_layout()["oiv"])
    written.append(write_scheda_pdf(paths.scheda_pdf, run.sheet))
    written.append(write_scheda_workbook(paths.scheda_xlsx, run.sheet))
    for stale in set(paths.all) - set(files):
        stale.unlink(missing_ok=True)
    written.append(write_run_manifest(paths.manifest, command, inputs, written, settings, settings_file))
    run.written = written
    return written
