"""Test helper: recalculate workbooks in LibreOffice headless and save the results.

Not part of the package: perf_xl itself never starts LibreOffice. The tests use it to
check that the templates' native formulas give the same values as the Python core.
LibreOffice keeps the cached values of an .xlsx by default, so a private profile forces
a recalculation on load (``OOXMLRecalcMode`` = 0); without it a test would compare
Python with itself. LibreOffice's output is for reading values only, never a file to
ship (it rewrites unknown function names, for one).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    pass


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate_many(sources: list[str | Path], out_dir: str | Path, timeout: float = 600) -> list[Path]:
    """Load each source in LibreOffice (one start for all: much faster than one each), recalculate
    every formula, save it as .xlsx in ``out_dir``; the paths written, in order."""
    return _convert(sources, out_dir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", timeout)


def print_to_pdf(sources: list[str | Path], out_dir: str | Path, timeout: float = 600) -> list[Path]:
    """Each source as LibreOffice prints it (File > Esporta in PDF, with its page settings), formulas
    recalculated first; the PDFs written, in order."""
    return _convert(sources, out_dir, "pdf:calc_pdf_Export", ".pdf", timeout)


def _convert(sources, out_dir, target: str, suffix: str, timeout: float) -> list[Path]:
    binary = soffice_binary()
    if binary is None:
        raise LibreOfficeError("LibreOffice (soffice) non trovato")
    sources, out_dir = [Path(s) for s in sources], Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perfxl-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
        cmd = [binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    outs = [out_dir / (s.stem + suffix) for s in sources]
    missing = [o for o in outs if not o.exists()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(f"soffice failed ({proc.returncode}), missing {missing}: {proc.stderr.strip()[:500]}")
    return outs
