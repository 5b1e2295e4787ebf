"""Import a Relazione text export into one settore workbook per settore.

Parsing and polarity inference are pure (:mod:`perf_xl.relazione.parser`); this
module groups the rows by settore and hands each group to the template writer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .model import WARNING, AreaInfo, Finding, SettoreWorkbook
from .relazione.parser import line_number, parse_relazione, to_indicator_rows
from .schema import WorkbookSchema, load_schema
from .settings import Settings, load_settings
from .io.template import write_settore_workbook


@dataclass
class ImportResult:
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    indicators: int = 0
    objectives: int = 0
    areas: int = 0
    year: int | None = None
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (settore, name it would have had, name given)


class ImportRefused(ValueError):
    """The import would replace a file (an existing workbook, the input text): nothing was written."""


def slug(text: str, max_len: int = 60) -> str:
    """A file-name-safe ASCII slug: ``Settore Polizia Locale`` -> ``settore-polizia-locale``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(s) > max_len:
        s = s[: max_len + 1].rsplit("-", 1)[0]
    return s or "settore"


def read_relazione_text(path: str | Path, findings: list[Finding] | None = None) -> str:
    """The export's text: UTF-8 (with or without BOM), UTF-16 with its BOM (what Excel and Notepad call
    "Unicode text"), else Windows-1252 as Office saves it (reported)."""
    data = Path(path).read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if findings is not None:
            line = line_number(data[: exc.start].decode("utf-8"))
            findings.append(Finding(str(path), "testo", f"riga {line}", line, "", "codifica-non-utf8", WARNING,
                                    "Il file non è in UTF-8: letto come Windows-1252 (la codifica di Office). "
                                    "Controllare le lettere accentate; meglio esportare in UTF-8.", None))
        return data.decode("cp1252", errors="replace")


def build_settore_workbooks(text: str, file: str, year: int | None, schema: WorkbookSchema) -> tuple[list[SettoreWorkbook], list[Finding], int | None]:
    """Pure: the Relazione's text -> one SettoreWorkbook per settore (in order of appearance)."""
    rel = parse_relazione(text, file=file)
    rows, findings = to_indicator_rows(rel)
    findings = rel.findings + findings
    the_year = year or rel.year
    areas = {a.heading: AreaInfo(a.number, a.heading, a.published) for a in rel.areas}
    by_settore: dict[str, list] = {}
    for r in rows:
        by_settore.setdefault(r.settore, []).append(r)
    books = []
    for settore, srows in by_settore.items():
        used = [areas[name] for name in dict.fromkeys(r.area for r in srows)]
        info = {"year": the_year, "settore": settore, "schema_version": schema.version,
                "source": f"{Path(file).name} (Relazione sulla Performance {rel.year or ''})".strip(),
                "comune": rel.comune}
        books.append(SettoreWorkbook(info=info, areas=tuple(sorted(used, key=lambda a: a.number)), rows=tuple(srows)))
    return books, findings, the_year


def import_relazione(path: str | Path, out_dir: str | Path, year: int | None = None,
                     schema: WorkbookSchema | None = None, settings: Settings | None = None,
                     formula_mode: str = "native", overwrite: bool = False) -> ImportResult:
    """Write ``out_dir/<year>_<settore>.xlsx`` for every settore of the Relazione at ``path``.

    Nothing is written when a workbook would replace an existing file (unless ``overwrite``) or
    the input text (:class:`ImportRefused`); two settori never share a file (see :func:`file_names`)."""
    schema = schema or load_schema()
    settings = settings or load_settings()
    encoding: list[Finding] = []
    text = read_relazione_text(path, encoding)
    books, findings, the_year = build_settore_workbooks(text, str(path), year, schema)
    findings = encoding + findings
    result = ImportResult(findings=findings, year=the_year)
    out_dir = Path(out_dir)
    names = file_names(books, the_year, result.renamed)
    targets = [out_dir / name for name in names]
    _check_targets(Path(path), out_dir, targets, overwrite)
    for wb, target in zip(books, targets):
        result.written.append(write_settore_workbook(target, wb, schema, settings, formula_mode=formula_mode))
        result.indicators += len(wb.rows)
        result.objectives += len({(r.area, r.objective_code) for r in wb.rows})
    result.areas = len({a.name for wb in books for a in wb.areas})
    return result


def file_names(books: list[SettoreWorkbook], year: int | None, renamed: list | None = None) -> list[str]:
    """``<year>_<settore>.xlsx`` for each workbook, distinct: a settore whose name gives a file name
    already taken (two names that differ only in accents, punctuation or case, or past 60
    characters) gets ``-2``, ``-3``…, recorded in ``renamed``."""
    used: set[str] = set()
    names = []
    for wb in books:
        base = f"{year or 'anno'}_{slug(wb.info['settore'])}"
        stem, n = base, 2
        while stem.casefold() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.casefold())
        names.append(f"{stem}.xlsx")
        if stem != base and renamed is not None:
            renamed.append((wb.info["settore"], f"{base}.xlsx", f"{stem}.xlsx"))
    return names


def _check_targets(text: Path, out_dir: Path, targets: list[Path], overwrite: bool) -> None:
    """Before anything is written: no workbook may replace the input text, nor (without ``overwrite``)
    an existing file."""
    import os

    from .io.outputs import same_file

    for t in targets:
        if same_file(t, text):
            raise ImportRefused(f"Il testo della Relazione «{text}» sarebbe sostituito dalla cartella di lavoro "
                                f"«{t.name}»: indicare un'altra cartella con --out. Non è stato scritto nulla.")
    if overwrite:
        return
    existing = [t for t in targets if os.path.lexists(t)]
    if existing:
        shown = ", ".join(f"«{t.name}»" for t in existing[:10])
        if len(existing) > 10:
            shown += f" e altre {len(existing) - 10}"
        if len(existing) == 1:
            what, them = "Esiste già 1 cartella di lavoro che l'importazione sostituirebbe", "sostituirla"
        else:
            what, them = f"Esistono già {len(existing)} cartelle di lavoro che l'importazione sostituirebbe", "sostituirle"
        raise ImportRefused(
            f"{what}, in «{out_dir}»: {shown}. Non è stato scritto nulla: per {them} aggiungere --sovrascrivi, "
            "oppure indicare un'altra cartella con --out.")
