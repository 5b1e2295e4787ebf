"""``perf-xl serve``: xlwings Server (Office.js) with perf_xl's custom functions and scripts.

An optional extra (from the repository's folder: ``pip install '.[server]'``); the core
package does not depend on it. xlwings Server is licensed under PolyForm Noncommercial 1.0.0 (which
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
INSTALL_HINT = ("xlwings Server non è installato: installarlo dalla cartella del repository di perf_xl con "
                "pip install '.[server]' e riprovare.")


def port_problem(host: str, port: int) -> str | None:
    """None when ``host:port`` can be listened on; else why not, in Italian (checked by binding a
    socket there, as the server will, before anything is started)."""
    import errno
    import socket

    from ..wording import os_reason

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        return f"L'indirizzo «{host}» non è valido o non si trova: indicarne un altro con --host (es. 127.0.0.1)."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"La porta {port} di {host} è già in uso (da un altro programma o da un altro perf-xl serve): "
                        f"chiuderlo, oppure indicare un'altra porta con --port (es. --port {port + 1 if port < 65535 else 8000}).")
            if exc.errno in (errno.EACCES, errno.EPERM):
                return (f"Non è permesso usare la porta {port} di {host} (sotto la 1024 servono i privilegi "
                        "di amministratore): indicare un'altra porta con --port (es. --port 8000).")
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"L'indirizzo {host} non appartiene a questo computer: indicarne un altro con --host (es. 127.0.0.1)."
            return f"Impossibile usare la porta {port} di {host}: {os_reason(exc)}."
    return None


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
        raise RuntimeError(INSTALL_HINT)
    os.environ.update(server_environment())
    import uvicorn

    uvicorn.run("xlwings_server.main:main_app", host=host, port=port, log_level="info")
