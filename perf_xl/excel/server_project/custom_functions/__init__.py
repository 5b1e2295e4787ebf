"""perf_xl's custom functions for xlwings Server (Office.js): the same UDFs as the add-in.

In Excel they are namespaced, e.g. ``=XLWINGS.PERF_RAGG(K2;L2;J2)``.
"""

from perf_xl.udf import PERF_AREA, PERF_BAROMETRO, PERF_OBIETTIVO, PERF_RAGG, PERF_SCOSTAMENTO  # noqa: F401

__all__ = ["PERF_AREA", "PERF_BAROMETRO", "PERF_OBIETTIVO", "PERF_RAGG", "PERF_SCOSTAMENTO"]  # re-exported for xlwings Server
