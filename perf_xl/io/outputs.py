"""The outputs of a command: checked before anything is written, and what was written when one fails.

A command refuses, before it writes anything, an output whose name does not end as what it
writes (``--out R.csv`` for a workbook), two outputs that are the same file (``--out X --json X``)
and an output that is one of its inputs (``--out FOLDER/<a source>.xlsx``): paths are compared
as the file system sees them, through symbolic links, hard links and, where the file system
ignores case, case. When a write fails midway, :class:`Snapshot` says which of the outputs were
written before it, so the message can say what was and was not written.

It also says whether a folder holds settore workbooks at all (and which of its subfolders do),
so that a wrong folder is an error instead of an empty, successful run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

from .reader import is_workbook_name


class OutputRefused(ValueError):
    """An output the command will not write (the message, in Italian, says why); nothing was written."""


def holds_workbooks(folder: str | Path, recursive: bool = False) -> bool:
    """Whether ``folder`` holds at least one spreadsheet file (below it too, when ``recursive``).
    Stops at the first one: on a share of thousands of files this costs one directory listing."""
    if not recursive:
        try:
            with os.scandir(folder) as it:
                return any(is_workbook_name(e.name) and e.is_file() for e in it)
        except OSError:
            return False
    for _root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(is_workbook_name(n) for n in files):
            return True
    return False


def subfolders_with_workbooks(folder: str | Path) -> list[str]:
    """The names of ``folder``'s direct subfolders that hold workbooks (sorted)."""
    try:
        with os.scandir(folder) as it:
            subs = sorted(e.name for e in it if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []
    return [s for s in subs if holds_workbooks(Path(folder) / s)]


def no_workbooks_message(folder: str | Path, recursive: bool = False) -> str | None:
    """None when ``folder`` holds workbooks; else the Italian message naming it and its subfolders
    that do (e.g. *Nessuna cartella di lavoro in «…/workbooks»; ne contiene la sottocartella «2022»:
    indicare quella.*)."""
    if holds_workbooks(folder, recursive):
        return None
    where = Path(folder).resolve()
    if recursive:
        return (f"Nessuna cartella di lavoro (.xlsx, .xlsm) in «{where}» né nelle sue sottocartelle: "
                "controllare il percorso. Non è stato scritto nulla.")
    subs = subfolders_with_workbooks(folder)
    head = f"Nessuna cartella di lavoro (.xlsx, .xlsm) in «{where}»"
    if not subs:
        return f"{head}: controllare il percorso. Non è stato scritto nulla."
    if len(subs) == 1:
        return f"{head}; ne contiene la sottocartella «{subs[0]}»: indicare quella. Non è stato scritto nulla."
    shown = ", ".join(f"«{s}»" for s in subs[:10]) + (", …" if len(subs) > 10 else "")
    return (f"{head}; ne contengono le sottocartelle {shown}: indicarne una. "
            "Non è stato scritto nulla.")


# --- comparing paths ------------------------------------------------------------------------------

def _case_insensitive(folder: Path) -> bool:
    """Whether the file system holding ``folder`` ignores case (Windows, macOS by default): the
    nearest existing folder with a letter in its name is looked up with the case swapped."""
    for p in (folder, *folder.parents):
        if p.name and p.name != p.name.swapcase() and p.exists():
            other = p.with_name(p.name.swapcase())
            try:
                return os.path.samefile(p, other)
            except OSError:
                return False
    return os.name == "nt"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (existing or not): through symbolic links,
    hard links and, where the file system ignores case, case."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    ra, rb = Path(os.path.realpath(a)), Path(os.path.realpath(b))
    if ra == rb:
        return True
    if ra.name.casefold() != rb.name.casefold():
        return False
    if ra.parent != rb.parent:
        try:
            if not os.path.samefile(ra.parent, rb.parent):
                return False
        except OSError:
            return False
    return _case_insensitive(ra.parent)


def _file_id(path: str | Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


def _label(option: str) -> str:
    """*Il file di --out*, or *Il file* for an output without an option (an argument, a Config cell)."""
    return f"Il file di {option}" if option.startswith("-") else "Il file"


def check_outputs(outputs: Sequence[tuple[str, str | Path | None, Sequence[str], str]],
                  inputs: Iterable[str | Path] = ()) -> None:
    """Raise :class:`OutputRefused` unless every output may be written.

    ``outputs``: (option, path or None when not asked, suffixes it may end with, what it is); each
    must end with one of its suffixes, no two may be the same file, and none may be an input.
    """
    given = [(opt, Path(p), sfx, what) for opt, p, sfx, what in outputs if p]
    for i, (opt_a, a, _, _) in enumerate(given):
        for opt_b, b, _, _ in given[i + 1:]:
            if same_file(a, b):
                raise OutputRefused(f"{opt_a} e {opt_b} indicano lo stesso file «{a}»: uno sostituirebbe l'altro. "
                                    "Indicare due file diversi. Non è stato scritto nulla.")
    for opt, p, sfx, what in given:
        if p.suffix.lower() not in sfx:
            ends = " o ".join(sfx)
            raise OutputRefused(f"{_label(opt)} «{p.name}» deve finire in {ends} ({what}): indicare per esempio "
                                f"«{p.stem or 'file'}{sfx[0]}». Non è stato scritto nulla.")
    existing = [(opt, p) for opt, p, _, _ in given if os.path.exists(p)]
    if not existing:
        return  # an output that does not exist yet cannot be an input
    ids = {opt: os.stat(p) for opt, p in existing}
    for src in inputs:
        try:
            st = os.stat(src)
        except OSError:
            continue
        for opt, p in existing:
            if os.path.samestat(st, ids[opt]):
                raise OutputRefused(f"{_label(opt)} «{p}» è uno dei file letti ({Path(src).name}): scriverlo lo "
                                    "sostituirebbe. Indicare un altro file. Non è stato scritto nulla.")


# --- what was written -----------------------------------------------------------------------------

class Snapshot:
    """The state of a command's outputs (named files, and every file of named folders) before it
    writes; :meth:`written` then lists the ones it replaced or created."""

    def __init__(self, files: Iterable[str | Path | None] = (), folders: Iterable[str | Path] = ()):
        self.files = [Path(p) for p in files if p]
        self.folders = [Path(d) for d in folders]
        self.before = {p: _file_id(p) for p in self._paths()}

    def _paths(self) -> list[Path]:
        paths = list(self.files)
        for d in self.folders:
            try:
                paths.extend(sorted(Path(e.path) for e in os.scandir(d) if e.is_file() and not e.name.startswith(".")))
            except OSError:
                pass
        return list(dict.fromkeys(paths))

    def written(self) -> list[Path]:
        return [p for p in self._paths() if _file_id(p) is not None and _file_id(p) != self.before.get(p)]

    def summary(self, failed: Path | None = None) -> str:
        """*Scritti: «a», «b»; non scritto: «c».* (or *Non è stato scritto nulla.*), for a failed run."""
        done = self.written()
        not_done = [p for p in self.files if p not in done]
        if failed is not None and failed not in not_done and not any(same_file(failed, p) for p in not_done):
            not_done.insert(0, failed)
        if not done:
            return "Non è stato scritto nulla."
        names = ", ".join(f"«{p}»" for p in done)
        text = f"{'Scritto' if len(done) == 1 else 'Scritti'}: {names}"
        if not_done:
            text += f"; {'non scritto' if len(not_done) == 1 else 'non scritti'}: " + ", ".join(f"«{p}»" for p in not_done)
        return text + "."

