"""Import a Relazione text export into one settore workbook per settore.

Parsing and polarity inference are pure (:mod:`perf_xl.core.relazione.parser`); this
module groups the rows by settore and hands each group to the template writer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import finding
from ..model import AreaInfo, Finding, SettoreWorkbook, with_indicator_codes
from ..core.relazione.parser import parse_relazione, to_indicator_rows
from ..schema import WorkbookSchema, load_schema
from ..settings import Settings, load_settings
from ..wording import quoted, shorten
from ..io.template import write_settore_workbook


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


class NotRelazioneText(ValueError):
    """What was given is not a Relazione text export (a workbook, a PDF, a binary file), or does not
    match what the user said of it (``--year``): the command cannot run (exit 2). The message is Italian."""


_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.xls, .doc)
_WHAT_TO_GIVE = ("indicare il testo esportato dalla Relazione (un file .txt con i campi separati da "
                 "tabulazioni, salvato dal PDF).")
# C0 control characters except tab, LF, form feed (a page break) and CR, which a text export may hold
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_CONTROL_NAMES = {0: "NUL", 0x1a: "SUB (fine file di DOS)", 0x1b: "ESC", 0x0b: "tabulazione verticale"}


def _not_text(path: Path, data: bytes) -> str | None:
    """Why ``data`` is not a text export (an Italian sentence naming the file), or None."""
    name = f"«{path.name}»"
    head = data[:8192]
    if head.startswith(_ZIP):
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xltx", ".xltm") or b"xl/" in head:
            return f"{name} è una cartella di lavoro Excel, non il testo della Relazione: {_WHAT_TO_GIVE}"
        if path.suffix.lower() == ".ods" or b"opendocument.spreadsheet" in head:
            return f"{name} è un foglio di calcolo di LibreOffice, non il testo della Relazione: {_WHAT_TO_GIVE}"
        if b"word/" in head or path.suffix.lower() == ".docx":
            return f"{name} è un documento Word, non il testo della Relazione: {_WHAT_TO_GIVE}"
        return f"{name} è un archivio compresso (zip), non il testo della Relazione: {_WHAT_TO_GIVE}"
    if head.startswith(_OLE2):
        return (f"{name} è un file di Office in formato binario (.xls o .doc), non il testo della Relazione: "
                f"{_WHAT_TO_GIVE}")
    if head.startswith(b"%PDF"):
        return (f"{name} è un PDF, non il testo della Relazione: aprirlo, esportarne il testo "
                "(campi separati da tabulazioni) e indicare quel file .txt.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not head or _utf16_without_bom(head):
        return None
    controls = len(_CONTROL.findall(head.decode("latin-1")))
    if controls > max(8, len(head) // 20):  # a text has at most a stray control character or two
        return f"{name} non è un file di testo (contiene dati binari), non il testo della Relazione: {_WHAT_TO_GIVE}"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` looks like UTF-16 text saved without its BOM."""
    head = data[:4096]
    if len(head) < 16:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 3 and even < len(head) // 50:
        return "utf-16-le"
    if even > len(head) // 3 and odd < len(head) // 50:
        return "utf-16-be"
    return None


def _accented(line: str, most: int = 4) -> str:
    """The words of a line with letters outside ASCII, the ones to check: «Attività», «Città»."""
    words = list(dict.fromkeys(w for w in re.findall(r"\S+", line) if not w.isascii()))
    shown = ", ".join(quoted(w, 40) for w in words[:most])
    rest = len(words) - most
    return shown + ("" if rest <= 0 else " e un'altra" if rest == 1 else f" e altre {rest}") if words else "nessuna"


def _decode_by_line(data: bytes, path: Path, findings: list[Finding] | None) -> str:
    """UTF-8 line by line: a line that is not valid UTF-8 is read as Windows-1252 (the way Office
    saves "testo"), and reported with its line; every other line stays as it was written."""
    parts = []
    for lineno, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            parts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
            parts.append(line)
            if findings is not None:
                findings.append(finding("codifica-non-utf8", file=str(path), sheet="testo", cell=f"riga {lineno}",
                                        row=lineno, value=shorten(line, 120), accented=_accented(line)))
    return "".join(parts)


def _without_controls(text: str, path: Path, findings: list[Finding] | None) -> str:
    """Control characters (NUL and the other C0 characters but tab, line breaks and form feed) removed,
    each line that held some reported: they are invisible in an editor and must not reach a cell."""
    if not _CONTROL.search(text):
        return text
    lines = _LINE_PARTS.split(text)  # lines and their breaks, alternately (the parser's line numbers)
    for k in range(0, len(lines), 2):
        found = _CONTROL.findall(lines[k])
        if not found:
            continue
        lines[k] = _CONTROL.sub("", lines[k])
        if findings is not None:
            lineno = k // 2 + 1
            names = ", ".join(dict.fromkeys(_CONTROL_NAMES.get(ord(c), f"codice {ord(c)}") for c in found))
            many = {} if len(found) == 1 else {"variant": "molti", "count": len(found)}
            findings.append(finding("carattere-di-controllo", file=str(path), sheet="testo", cell=f"riga {lineno}",
                                    row=lineno, value=shorten(lines[k], 120), names=names, **many))
    return "".join(lines)


_LINE_PARTS = re.compile(r"(\r\n|\r|\n)")


def read_relazione_text(path: str | Path, findings: list[Finding] | None = None) -> str:
    """The export's text, decoded line by line.

    UTF-16 with its BOM (what Excel and Notepad call "Unicode text") is decoded whole; otherwise
    each line is UTF-8 (with or without BOM) and only a line that is not valid UTF-8 is read as
    Windows-1252 (reported with its line, ``codifica-non-utf8``). Control characters are removed
    and reported by line (``carattere-di-controllo``). A workbook, a PDF or a binary file raises
    :class:`NotRelazioneText` with a message for the user.
    """
    path = Path(path)
    data = path.read_bytes()
    why = _not_text(path, data)
    if why:
        raise NotRelazioneText(why)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text = data.decode(utf16, errors="replace")
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_by_line(data, path, findings)
    return _without_controls(text, path, findings)


def check_year(given: int | None, read: int | None, file: str) -> None:
    """``--year`` must agree with the year the text states (when it states one)."""
    if given is not None and read is not None and given != read:
        raise NotRelazioneText(
            f"«{Path(file).name}» è la Relazione sulla Performance {read}, ma è stato indicato --year {given}: "
            f"omettere --year (l'anno si legge dal testo) oppure indicare il file della Relazione {given}.")


def build_settore_workbooks(text: str, file: str, year: int | None, schema: WorkbookSchema) -> tuple[list[SettoreWorkbook], list[Finding], int | None]:
    """Pure: the Relazione's text -> one SettoreWorkbook per settore (in order of appearance)."""
    rel = parse_relazione(text, file=file)
    check_year(year, rel.year, file)
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
        books.append(SettoreWorkbook(info=info, areas=tuple(sorted(used, key=lambda a: a.number)),
                                     rows=tuple(with_indicator_codes(srows))))
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

    from ..io.outputs import same_file

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
