"""``perf-xl serve``: xlwings Server (Office.js) with perf_xl's custom functions and scripts.

An optional extra (``pip install 'perf-xl[server]'``); the core package does not
depend on it. xlwings Server is licensed under PolyForm Noncommercial 1.0.0 (which
permits use by a public institution) or a commercial xlwings licence; the
noncommercial key is the literal ``noncommercial``.

xlwings Server is configured through the environment *before* it is imported, so the
server always runs in its own process: :func:`server_environment` says how, and
:func:`serve` starts uvicorn with it.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent / "server_project"


def server_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("xlwings_server") is not None
    except (ImportError, ValueError):
        return False


def server_environment(base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    env["XLWINGS_ON_SERVER"] = "true"
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    env["XLWINGS_PROJECT_DIR"] = str(PROJECT_DIR)
    env.setdefault("XLWINGS_ENABLE_EXAMPLES", "false")
    env.setdefault("XLWINGS_ENVIRONMENT", "prod")
    return env


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:  # pragma: no cover - runs until stopped
    if not server_available():
        raise RuntimeError("xlwings Server non è installato: pip install 'perf-xl[server]'")
    os.environ.update(server_environment())
    import uvicorn

    uvicorn.run("xlwings_server.main:main_app", host=host, port=port, log_level="info")
