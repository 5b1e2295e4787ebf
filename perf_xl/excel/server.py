"""``perf-xl serve``: xlwings Server (Office.js) with perf_xl's custom functions and scripts.

An optional extra (from the repository's folder: ``pip install '.[server]'``); the core
package does not depend on it. xlwings Server is licensed under PolyForm Noncommercial 1.0.0 (which
permits use by a public institution) or a commercial xlwings licence; the
noncommercial key is the literal ``noncommercial``.

xlwings Server is configured through the environment *before* it is imported, so the
server always runs in its own process: :func:`server_environment` says how, and
:func:`serve` starts uvicorn with it.

Safe by default, because a call runs perf_xl on the server's files:

- it listens on 127.0.0.1 unless ``--host`` says otherwise;
- every call to a function or a script must carry the token of ``PERF_XL_SERVER_TOKEN``
  (xlwings Server's custom auth provider ``perf_xl``, ``server_project/auth/perf_xl.py``):
  without a token configured the server does not start, and the provider refuses every
  call if it is started some other way;
- the ``consolida`` script reads and writes only inside one folder, the *root*
  (``--root`` or ``PERF_XL_SERVER_ROOT``): a Config path that leads out of it (``..``,
  an absolute path, a symbolic link) is refused;
- the Office add-in's manifest has perf_xl's own IDs, not xlwings' examples'.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent / "server_project"
INSTALL_HINT = ("xlwings Server non è installato: installarlo dalla cartella del repository di perf_xl con "
                "pip install '.[server]' e riprovare.")
TOKEN_ENV = "PERF_XL_SERVER_TOKEN"
ROOT_ENV = "PERF_XL_SERVER_ROOT"
AUTH_PROVIDER = "perf_xl"  # server_project/auth/perf_xl.py
MIN_TOKEN_LENGTH = 24
MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# perf_xl's own add-in IDs (an Office add-in is known by its ID: never xlwings' example IDs), one per
# environment as xlwings Server has them
MANIFEST_IDS = {
    "prod": "7d936643-647b-4e48-bf54-40891300f06d",
    "dev": "6f9dd851-3f8b-4418-80a9-3ac63d5c952e",
    "qa": "c81ee21f-479e-4a47-9266-956044d8e614",
    "uat": "f7415a53-c8bd-4880-aaf0-a70c00e4a544",
    "staging": "9c239087-b37b-41e7-985e-67107c9666b7",
}
PROJECT_NAME = "perf_xl"


def token_problem(token: str | None) -> str | None:
    """None when ``token`` may guard the server; else what to do, in Italian."""
    if not token:
        return (f"Il server non parte senza un token: impostare la variabile d'ambiente {TOKEN_ENV} con un "
                f"segreto di almeno {MIN_TOKEN_LENGTH} caratteri (per esempio quello che stampa {MAKE_TOKEN}) "
                "e darlo agli utenti, che lo scrivono una volta nel riquadro di perf_xl in Excel.")
    if len(token) < MIN_TOKEN_LENGTH:
        return (f"Il token di {TOKEN_ENV} è troppo corto ({len(token)} caratteri): ne servono almeno "
                f"{MIN_TOKEN_LENGTH}, per esempio quello che stampa {MAKE_TOKEN}.")
    return None


def token_matches(header: str | None, token: str) -> bool:
    """The ``Authorization`` header (``Bearer <token>`` or the token alone) against the server's token."""
    given = (header or "").strip()
    if given[:7].lower() == "bearer ":
        given = given[7:].strip()
    return bool(token) and secrets.compare_digest(given.encode(), token.encode())


def root_problem(root: str | Path | None) -> str | None:
    """None when ``root`` is a folder the scripts may work in; else what to do, in Italian."""
    if not root:
        return (f"Indicare con --root (o con la variabile d'ambiente {ROOT_ENV}) la cartella in cui il server "
                "legge le cartelle di lavoro e scrive la Relazione: fuori da essa non legge né scrive nulla.")
    if not Path(root).is_dir():
        return f"La cartella «{root}» indicata con --root non esiste: crearla o indicarne un'altra."
    return None


def server_root() -> Path | None:
    """The folder the server's scripts work in (set by :func:`serve`), or None when it is not set."""
    root = os.environ.get(ROOT_ENV, "")
    return Path(root) if root and not root_problem(root) else None


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


def server_environment(base: dict | None = None, root: str | Path | None = None) -> dict:
    """The environment xlwings Server is imported with: perf_xl's project, auth provider and IDs.

    An auth provider chosen in ``XLWINGS_AUTH_PROVIDERS`` (e.g. ``["entraid"]``) is kept; an
    empty list (anonymous calls) is not: perf_xl's token provider takes its place."""
    env = dict(os.environ if base is None else base)
    env["XLWINGS_ON_SERVER"] = "true"
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    env["XLWINGS_PROJECT_DIR"] = str(PROJECT_DIR)
    env.setdefault("XLWINGS_ENABLE_EXAMPLES", "false")
    env.setdefault("XLWINGS_ENVIRONMENT", "prod")
    env.setdefault("XLWINGS_PROJECT_NAME", PROJECT_NAME)
    for name, uuid in MANIFEST_IDS.items():
        env[f"XLWINGS_MANIFEST_ID_{name.upper()}"] = uuid
    try:
        chosen = json.loads(env.get("XLWINGS_AUTH_PROVIDERS") or "[]")
    except ValueError:
        chosen = []
    if not (isinstance(chosen, list) and chosen):
        env["XLWINGS_AUTH_PROVIDERS"] = json.dumps([AUTH_PROVIDER])
    if root is not None:
        env[ROOT_ENV] = str(Path(root).resolve())
    return env


def serve(host: str = "127.0.0.1", port: int = 8000, root: str | Path | None = None) -> None:  # pragma: no cover
    """Run xlwings Server until stopped (the checks of ``perf-xl serve`` come first)."""
    if not server_available():
        raise RuntimeError(INSTALL_HINT)
    os.environ.update(server_environment(root=root))
    import uvicorn

    uvicorn.run("xlwings_server.main:main_app", host=host, port=port, log_level="info")
