"""The monitoring report of an intermediate checkpoint (``perf-xl consolidate CARTELLA --periodo
2023-06-30``, and the Consolida button's «Periodo»).

Two passes of the one run (:func:`perf_xl.app.consolidate.consolidate_folder`): the workbooks scored at
the checkpoint (with validation: the missing corrective actions are its findings), then scored on the
consuntivi projected to the year end (:mod:`perf_xl.core.monitoring`). A workbook without the
checkpoint's columns is reported and counts as not used: the report says it is incomplete.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..core.monitoring import Period, PeriodError, parse_period
from ..model import Monitoring, RunResult
from ..schema import WorkbookSchema, load_schema
from ..settings import Settings, load_settings
from .consolidate import consolidate_folder

__all__ = ["MonitoringError", "PeriodError", "parse_period", "monitor_folder", "default_name"]


class MonitoringError(ValueError):
    """The monitoring report cannot be made (the message, in Italian, says why); nothing was written."""


def default_name(period: Period) -> str:
    """The report's file name when none is given: ``Monitoraggio_2023-06-30.xlsx``."""
    return f"Monitoraggio_{period.date.isoformat()}.xlsx"


def monitor_folder(folder: str | Path | None, period: Period, schema: WorkbookSchema | None = None,
                   settings: Settings | None = None, validate: bool = True, workers: int = 1,
                   detail: bool | None = None) -> tuple[RunResult, Monitoring]:
    """The run at ``period`` (its areas, findings and corrective actions) and the monitoring facts (the
    areas projected to the year end). :class:`MonitoringError` when the workbooks are of another year."""
    schema = schema or load_schema()
    settings = settings or load_settings()
    at = consolidate_folder(folder, schema, settings, validate=validate, workers=workers, detail=detail,
                            period=period)
    if at.year is not None and at.year != period.year:
        raise MonitoringError(f"Le cartelle di lavoro sono del {at.year}, il monitoraggio richiesto è al "
                              f"{_label(period, schema)}: indicare con --periodo una data del {at.year}. "
                              "Non è stato scritto nulla.")
    # the year end's consuntivi are not due at a checkpoint: only the checkpoint's missing ones are reported
    year_end = schema.indicators.column("actual").label
    at.report.findings[:] = [f for f in at.report.findings
                             if not (f.code == "consuntivo-mancante" and f.column == year_end)]
    projected = consolidate_folder(folder, schema, settings, validate=False, workers=workers, detail=detail,
                                   period=dataclasses.replace(period, projected=True))
    return at, Monitoring(date=period.date, label=_label(period, schema), projection=settings.projection,
                          elapsed=period.elapsed, projected=tuple(projected.areas))


def _label(period: Period, schema: WorkbookSchema) -> str:
    return schema.indicators.checkpoint.label_date(period.day, period.year)
