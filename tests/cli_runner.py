"""Run ``perf-xl`` through the real command line, in its own process, with time and memory bounds.

Shared by every corpus module (test_bad_input_corpus and the corpus_* modules): each case is
one process under an address-space limit, timed, with its own peak resident memory measured.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# --- bounds --------------------------------------------------------------------------------------
# Measured on a 2-core machine: a workbook command starts in ~1.3 s (importing pandas and pandera)
# and peaks at ~105 MB resident for two small workbooks; import-relazione (no pandas) ~0.5 s and
# ~42 MB; the heaviest input (a million formatted empty rows) ~2.6 s and ~200 MB. The bounds keep
# about 3-4x the typical case (2x the heaviest), so a slower or busier CI machine passes, but a
# parser that expands a zip bomb or an entity bomb, or materialises a million rows, does not.
WALL_SECONDS = 10.0  # per case, from start to exit (measured 0.4-2.6 s)
PEAK_RSS_MB = 400  # per case, the CLI process's own peak resident memory (measured 42-200 MB)
# The address-space limit the CLI runs under: a hard stop for a runaway parser (it gets
# MemoryError or is killed instead of taking the machine). Virtual size is far above resident
# (~240 MB for a normal run: shared libraries, thread stacks, malloc arenas), hence 2 GiB.
ADDRESS_SPACE_BYTES = 2 * 1024 ** 3
HARD_KILL_SECONDS = 120  # a hung case is killed, not waited on forever

# The CLI is started by a tiny launcher (python -S, a few MB), which forks it and collects it
# with os.wait4. The test cannot wait4 the CLI directly: on Linux a child's ru_maxrss includes
# the memory it inherited at fork, and a child forked from pytest (hundreds of MB with pandas
# and the corpus loaded) would report pytest's size, not its own. Forked from the launcher, the
# CLI's ru_maxrss is its own. The launcher writes it to a file and exits with the CLI's status.
LAUNCHER = r"""
import os, sys
rss_file = sys.argv[1]
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "perf_xl.cli", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(rss_file, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


# --- running one command ----------------------------------------------------------------------------

@dataclass
class Run:
    exit: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def run_cli(args: list[str], cwd: Path) -> Run:
    """``perf-xl ARGS`` in its own process under an address-space limit; its time and own peak memory."""
    rss_file = cwd / ".peak-rss"
    out, err = cwd / ".stdout", cwd / ".stderr"

    def limit_memory():  # runs in the launcher; inherited by the CLI it forks
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
    with open(out, "wb") as fo, open(err, "wb") as fe:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(rss_file), *args], cwd=cwd, env=env,
                                stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, preexec_fn=limit_memory,
                                start_new_session=True)
        killer = threading.Timer(HARD_KILL_SECONDS, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = int(rss_file.read_text()) / 1024 if rss_file.exists() else float("inf")
    for p in (rss_file,):
        p.unlink(missing_ok=True)
    return Run(proc.returncode, out.read_text(encoding="utf-8", errors="replace"),
               err.read_text(encoding="utf-8", errors="replace"), seconds, rss)


_IT_WORDS = {"il", "lo", "la", "le", "gli", "di", "del", "della", "dei", "non", "è", "un", "una", "che", "per",
             "con", "da", "in", "nel", "nella", "manca", "cella", "foglio", "riga", "salvarlo", "contiene",
             "i", "dell", "nell", "dalle", "senza"}
_EN_WORDS = {"the", "is", "are", "cannot", "could", "error", "failed", "invalid", "missing", "and", "of", "not",
             "none", "true", "false", "traceback"}


def is_italian(message: str) -> bool:
    words = set(re.findall(r"[^\W\d_]+", message.lower()))
    return len(words & _IT_WORDS) >= 2 and not words & _EN_WORDS


