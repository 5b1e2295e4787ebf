"""A corpus of bad inputs, each run through the real command line in its own process.

The in-process tests check each finding's logic; this corpus checks what a user of
``perf-xl`` gets for every kind of bad input: a finding or error message in Italian that
says where (file, sheet, A1 cell; or the line of a Relazione text), in bounded time and
memory, with no traceback, the sources untouched, and the run going on with the good
workbook beside the bad one.

Each case is one row of CASES: the command, how the bad input is built, what must be
found and where. Inputs are built once per session (the heavy ones take a second each)
and copied into each case's own folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import bad_inputs as bi
import workbook_factory as wf
from cli_runner import PEAK_RSS_MB, WALL_SECONDS, Run, is_italian, run_cli
from conftest import ROOT, VALDORIA, deep_hashes

GOOD = "buono.xlsx"  # the good workbook beside every bad one
GOOD_CODES = {"OB91", "OB92"}  # its objectives (bi.good_rows), found in the consolidation

RELAZIONE_TEXT = VALDORIA.read_text(encoding="utf-8")
RELAZIONE_INDICATORS = 31


# --- the corpus ---

class Unplaced(AssertionError):
    """The finding does not say where (file, sheet, cell) as the case expects."""


class Unclear(AssertionError):
    """The message does not say what the case expects (or is not Italian)."""


class Cascade(AssertionError):
    """The bad input gives more findings than its one problem."""


class WrongExit(AssertionError):
    """The command ended normally but with another exit code than the case expects."""


# --- the corpus ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One bad input and what perf-xl must say about it.

    ``found``: every (code, sheet, cell) the bad file must give, and no other code; for a
    Relazione text the cell is ``riga N``. ``message``: a pattern the first finding's message
    (or, for import-relazione, the output) must match. ``exit``: the command's exit code.
    """

    id: str
    command: str  # validate | consolidate | nightly | import-relazione
    name: str  # the bad input's file name
    build: Callable[[Path], object]  # writes the bad input at the path given
    found: tuple[tuple[str, str, str], ...] = ()
    exit: int = 1
    message: str = ""
    indicators: int | None = None  # import-relazione: indicators that must still be imported
    soffice: bool = False  # the builder needs LibreOffice


def _from_clean(fn: Callable[[Path, Path], object]) -> Callable[[Path], object]:
    """A builder that breaks a freshly written clean workbook with ``fn(clean, dst)``."""
    def build(dst: Path):
        clean = wf.write(dst.with_name("pulito-" + dst.stem + ".xlsx"))
        fn(clean, dst)
        clean.unlink()
    return build


def _edited(fn: Callable) -> Callable[[Path], object]:
    """A clean workbook edited with openpyxl by ``fn(workbook)``, as a user's Excel would save it."""
    return lambda dst: wf.edit(wf.write(dst), fn)


def _cells(**values) -> Callable[[Path], object]:
    """Cells of the Indicatori sheet typed over (``K2=...``), as a user would."""
    def change(wb):
        for cell, v in values.items():
            wb["Indicatori"][cell] = v
    return _edited(change)


def _first_row(**change) -> Callable[[Path], object]:
    def build(dst: Path):
        rows = wf.clean_rows()
        rows[0] = wf.dataclasses.replace(rows[0], **change)
        wf.write(dst, rows)
    return build


def _bytes(data: bytes) -> Callable[[Path], object]:
    return lambda dst: dst.write_bytes(data)


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    return lambda dst: dst.write_bytes(text.encode(encoding, errors="replace"))


def _hide(wb):
    wb["Aree"].sheet_state = "hidden"
    wb["Info"].sheet_state = "veryHidden"
    wb["Indicatori"].row_dimensions[3].hidden = True
    wb["Indicatori"].row_dimensions[4].hidden = True


def _drop_column(wb):
    wb["Indicatori"].delete_cols(7)


def _extra_sheet(wb):
    wb.create_sheet("Appunti")["A1"] = "note mie"


def _date(wb):
    import datetime

    wb["Indicatori"]["K2"] = datetime.date(2024, 5, 1)


def _xls(dst: Path):
    from libreoffice import soffice_binary

    bi.legacy_xls(wf.write(dst.with_suffix(".xlsx")), dst, soffice_binary())
    dst.with_suffix(".xlsx").unlink()


LONG = ("Indicatore nettizzato per cause esterne. " * 800)[:32767]  # Excel's most per cell
RTL = "مؤشر الأداء السنوي – מדד ביצועים שנתי"
NOT_EXCEL = "Non sono un foglio di calcolo, ma una lettera.\n"
GARBAGE = bytes(b for b in range(256) if b not in b"\r\n") * 64  # one long line of binary bytes
FORM_FEEDS = "\n".join("\f" + line if line.startswith("Responsabile\tSettore") else line
                       for line in RELAZIONE_TEXT.split("\n"))  # a page break before each page's header


def _first_line_with(text: str, pred) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if pred(line))
IND = "Indicatori"
def _number_case(cid: str, text: str, typed: str, marks=()):
    """A number typed as text in the consuntivo: the message says which number to type instead."""
    return pytest.param(Case(cid, "validate", "testo-numero.xlsx", _first_row(actual=text),
                             (("numero-come-testo", IND, "L2"),),
                             message=rf"La cella L2 \(Target consuntivo\) contiene «{re.escape(text)}» scritto "
                                     rf"come testo: riscriverlo come numero \(({typed})\)"),
                        id=cid, marks=marks)


CASES = [
    # --- validate: files that are not (readable) workbooks
    Case("vuoto", "validate", "vuoto.xlsx", _bytes(b""), (("file-vuoto", "", ""),), message="vuoto"),
    Case("testo-rinominato", "validate", "lettera.xlsx", _text(NOT_EXCEL), (("file-non-excel", "", ""),)),
    Case("zip-troncato", "validate", "troncato.xlsx", _from_clean(bi.truncated), (("file-illeggibile", "", ""),)),
    Case("zip-directory-corrotta", "validate", "indice.xlsx", _from_clean(bi.corrupt_central_directory),
         (("file-illeggibile", "", ""),)),
    Case("zip-dati-corrotti", "validate", "settore.xlsx", _from_clean(bi.corrupt_middle),
         (("foglio-illeggibile", IND, ""),), message="«Indicatori» è danneggiato"),
    Case("protetto-password", "validate", "protetto.xlsx", _from_clean(bi.encrypted), (("file-protetto", "", ""),),
         message="password"),
    Case("xls-vero", "validate", "vecchio.xls", _xls, (("formato-xls", "", ""),), message=r"\.xls", soffice=True),
    Case("bomba-zip", "validate", "bomba.xlsx", _from_clean(bi.zip_bomb), (("file-sospetto", "", ""),),
         message=r"xl/media/zeros\.bin"),
    Case("entita-xml", "validate", "entita.xlsx", _from_clean(bi.billion_laughs), (("file-illeggibile", "", ""),)),
    Case("xml-non-utf8", "validate", "codifica.xlsx", _from_clean(bi.invalid_utf8_strings),
         (("file-illeggibile", "", ""),)),
    Case("xml-foglio-danneggiato", "validate", "danneggiato.xlsx", _from_clean(bi.damaged_sheet_xml),
         (("foglio-illeggibile", IND, ""),)),
    # --- validate: hostile sizes and layouts
    pytest.param(Case("milione-righe-vuote", "validate", "righe.xlsx", _from_clean(bi.million_empty_rows),
                      (("foglio-sovradimensionato", IND, ""),), exit=0, message="righe o colonne vuote"),
                 id="milione-righe-vuote"),
    Case("diecimila-colonne", "validate", "colonne.xlsx", _from_clean(bi.ten_thousand_columns), (), exit=0),
    Case("celle-unite", "validate", "unite.xlsx", _edited(lambda wb: wb["Indicatori"].merge_cells("C2:C3")),
         (("valore-mancante", IND, "C3"),), message="La cella C3 \\(Obiettivo\\) è obbligatoria"),
    Case("fogli-e-righe-nascosti", "validate", "nascosto.xlsx", _edited(_hide), (), exit=0),
    Case("foglio-mancante", "validate", "senza-aree.xlsx", _edited(lambda wb: wb.remove(wb["Aree"])),
         (("foglio-mancante", "Aree", ""),), message="Manca il foglio «Aree»"),
    Case("foglio-in-piu", "validate", "appunti.xlsx", _edited(_extra_sheet), (("foglio-in-piu", "Appunti", ""),),
         exit=0),
    pytest.param(Case("colonna-spostata", "validate", "spostata.xlsx",
                      lambda dst: wf.write(dst, schema=wf.moved_schema("note", "weight")),
                      (("colonna-spostata", IND, "N1"), ("colonna-spostata", IND, "O1")), exit=0,
                      message="letta comunque per intestazione"),
                 id="colonna-spostata"),
    Case("colonna-rinominata", "validate", "rinominata.xlsx", _cells(K1="Target"),
         (("colonna-rinominata", IND, "K1"),), message="«Target» invece di «Target atteso»"),
    Case("colonna-mancante", "validate", "senza-colonna.xlsx", _edited(_drop_column),
         (("colonna-mancante", IND, "G1"), ("colonna-spostata", IND, "G1"), ("colonna-spostata", IND, "H1"),
          ("colonna-spostata", IND, "I1"), ("colonna-spostata", IND, "J1"), ("colonna-spostata", IND, "K1"),
          ("colonna-spostata", IND, "L1"), ("colonna-spostata", IND, "M1"), ("colonna-spostata", IND, "N1"),
          ("colonna-spostata", IND, "O1"), ("colonna-spostata", IND, "P1"), ("colonna-spostata", IND, "Q1"),
          ("colonna-spostata", IND, "R1"), ("colonna-spostata", IND, "S1")),
         message="Manca la colonna «Indicatore»"),
    Case("macro", "validate", "macro.xlsx", _from_clean(bi.macros), (("macro-presenti", "", ""),), exit=0,
         message="non le esegue"),
    Case("collegamenti-esterni", "validate", "collegamenti.xlsx", _from_clean(bi.external_links),
         (("collegamenti-esterni", "", ""),), exit=0, message="non li segue"),
    Case("info-senza-anno", "validate", "senza-anno.xlsx", lambda dst: wf.write(dst, info={"year": None}),
         (("info-mancante", "Info", "B2"),)),
    Case("formula-sovrascritta", "validate", "formula.xlsx", _cells(P3=100), (("formula-sovrascritta", IND, "P3"),)),
    Case("errore-in-cache", "validate", "div0.xlsx", lambda dst: wf.set_cached_error(wf.write(dst), "P4"),
         (("errore-formula", IND, "P4"),), message="#DIV/0!"),
    # --- validate: cells
    Case("data-in-numero", "validate", "data.xlsx", _edited(_date), (("tipo-non-numerico", IND, "K2"),),
         message="una data"),
    pytest.param(Case("booleano-in-numero", "validate", "vero.xlsx", _cells(L3=True),
                      (("tipo-non-numerico", IND, "L3"),), message="VERO/FALSO"),
                 id="booleano-in-numero"),
    _number_case("testo-it-migliaia-decimali", "1.234,5", "1234,5|1.234,5"),
    _number_case("testo-it-decimali", "24,29", "24,29"),
    _number_case("testo-it-percento", "12%", "12"),
    _number_case("testo-it-spazio-migliaia", "1\u00a0234,5", "1234,5|1.234,5"),
    _number_case("testo-it-solo-migliaia", "1.082.072", r"1082072|1\.082\.072"),
    _number_case("testo-en-migliaia-decimali", "1,234.5", "1234,5|1.234,5"),
    _number_case("testo-en-decimali", "24.29", "24,29"),
    pytest.param(Case("testo-it-euro", "validate", "euro.xlsx", _first_row(actual="€ 1.000"),
                      (("valore-non-numerico", IND, "L2"),), message="deve contenere un numero, non «€ 1.000»"),
                 id="testo-it-euro"),
    Case("testo-lunghissimo-e-rtl", "validate", "testi.xlsx", _first_row(note=LONG, definizione=RTL, indicator=RTL),
         (), exit=0),
    # --- consolidate: the Relazione is written from the good workbook whatever the bad one is
    Case("c-zip-troncato", "consolidate", "troncato.xlsx", _from_clean(bi.truncated),
         (("file-illeggibile", "", ""),)),
    Case("c-protetto", "consolidate", "protetto.xlsx", _from_clean(bi.encrypted), (("file-protetto", "", ""),)),
    Case("c-bomba-zip", "consolidate", "bomba.xlsx", _from_clean(bi.zip_bomb), (("file-sospetto", "", ""),)),
    Case("c-entita-xml", "consolidate", "entita.xlsx", _from_clean(bi.billion_laughs),
         (("file-illeggibile", "", ""),)),
    pytest.param(Case("c-milione-righe-vuote", "consolidate", "righe.xlsx", _from_clean(bi.million_empty_rows),
                      (("foglio-sovradimensionato", IND, ""),), exit=0),
                 id="c-milione-righe-vuote"),
    Case("c-diecimila-colonne", "consolidate", "colonne.xlsx", _from_clean(bi.ten_thousand_columns), (), exit=0),
    Case("c-nascosti", "consolidate", "nascosto.xlsx", _edited(_hide), (), exit=0),
    Case("c-celle-unite", "consolidate", "unite.xlsx", _edited(lambda wb: wb["Indicatori"].merge_cells("C2:C3")),
         (("valore-mancante", IND, "C3"),), exit=0),
    Case("c-testo-lunghissimo-e-rtl", "consolidate", "testi.xlsx",
         _first_row(note=LONG, definizione=RTL, indicator=RTL), (), exit=0),
    Case("c-data-in-numero", "consolidate", "data.xlsx", _edited(_date), (("tipo-non-numerico", IND, "K2"),),
         exit=0),
    # --- nightly: the share walked, bad files among good ones in a subfolder
    Case("n-file-di-blocco", "nightly", "~$buono.xlsx", _bytes(b"lock"), (), exit=0),
    Case("n-blocco-libreoffice", "nightly", ".~lock.buono.xlsx#", _text("utente,pc,01.01.2024;"), (), exit=0),
    Case("n-zip-troncato", "nightly", "troncato.xlsx", _from_clean(bi.truncated), (("file-illeggibile", "", ""),)),
    Case("n-vuoto", "nightly", "vuoto.xlsx", _bytes(b""), (("file-vuoto", "", ""),)),
    Case("n-protetto", "nightly", "protetto.xlsx", _from_clean(bi.encrypted), (("file-protetto", "", ""),)),
    Case("n-xls-vero", "nightly", "vecchio.xls", _xls, (("formato-xls", "", ""),), soffice=True),
    Case("n-bomba-zip", "nightly", "bomba.xlsx", _from_clean(bi.zip_bomb), (("file-sospetto", "", ""),)),
    Case("n-testo-numero", "nightly", "testo-numero.xlsx", _cells(L2="24,29"), (("numero-come-testo", IND, "L2"),)),
    # --- import-relazione: the Valdoria text export, damaged
    Case("r-fine-riga-windows", "import-relazione", "relazione.txt", _text(RELAZIONE_TEXT.replace("\n", "\r\n")),
         exit=0, indicators=RELAZIONE_INDICATORS),
    Case("r-bom", "import-relazione", "relazione.txt", _text("\ufeff" + RELAZIONE_TEXT), exit=0,
         indicators=RELAZIONE_INDICATORS),
    Case("r-bom-e-windows", "import-relazione", "relazione.txt",
         _text("\ufeff" + RELAZIONE_TEXT.replace("\n", "\r\n")), exit=0, indicators=RELAZIONE_INDICATORS),
    Case("r-utf16", "import-relazione", "relazione.txt", _text(RELAZIONE_TEXT.replace("\n", "\r\n"), "utf-16"),
         exit=0, indicators=RELAZIONE_INDICATORS),
    Case("r-windows-1252", "import-relazione", "relazione.txt", _text(RELAZIONE_TEXT, "cp1252"),
         (("codifica-non-utf8", "testo", f"riga {_first_line_with(RELAZIONE_TEXT, lambda line: not line.isascii())}"),), exit=0, message="non è in UTF-8",
         indicators=RELAZIONE_INDICATORS),
    Case("r-senza-intestazione", "import-relazione", "relazione.txt", _text(bi.without_header(RELAZIONE_TEXT)),
         (("testo-senza-intestazione", "testo", "riga 1"),), exit=0, message="Nessuna riga di intestazione",
         indicators=RELAZIONE_INDICATORS),
    Case("r-ultima-riga-tagliata", "import-relazione", "relazione.txt", _text(bi.cut_last_line(RELAZIONE_TEXT)),
         (("riga-non-letta", "testo", f"riga {len(RELAZIONE_TEXT.split(chr(10)))}"),), exit=0,
         message="Riga non riconosciuta come indicatore", indicators=RELAZIONE_INDICATORS - 1),
    Case("r-salti-pagina-e-riga-tagliata", "import-relazione", "relazione.txt", _text(bi.cut_last_line(FORM_FEEDS)),
         (("riga-non-letta", "testo", f"riga {len(RELAZIONE_TEXT.split(chr(10)))}"),), exit=0,
         message="Riga non riconosciuta", indicators=RELAZIONE_INDICATORS - 1),
    Case("r-vuoto", "import-relazione", "relazione.txt", _bytes(b""), (("nessun-indicatore", "testo", "riga 1"),),
         message="nessuna riga di indicatore", indicators=0),
    Case("r-binario", "import-relazione", "relazione.txt", _bytes(GARBAGE), exit=2,
         message="«relazione.txt» non è un file di testo", indicators=0),
    Case("r-testo-rtl", "import-relazione", "relazione.txt",
         _text(RELAZIONE_TEXT.replace("Numero di controlli con etilometro", RTL)), exit=0,
         indicators=RELAZIONE_INDICATORS),
]


def _param(c) -> object:
    return c if isinstance(c, type(pytest.param(None))) else pytest.param(c, id=c.id)


# --- checks --------------------------------------------------------------------------------------

def check_findings(case: Case, findings: list[dict], bad_files: set[str]) -> None:
    """The bad file's findings are the case's, at its places, in Italian; no other file has any."""
    others = [f for f in findings if Path(f["file"]).name not in bad_files]
    assert not others, f"findings outside the bad input: {others}"
    got = {(f["code"], f["sheet"], f["cell"]) for f in findings}
    codes = {c for c, _, _ in case.found}
    for f in findings:
        if not is_italian(f["message"]):
            raise Unclear(f"not Italian: {f['message']!r}")
    extra = {f["code"] for f in findings} - codes
    if extra:
        raise Cascade(f"{case.id}: more than the expected {sorted(codes)}: {sorted(got)}")
    missing = set(case.found) - got
    if missing:
        raise Unplaced(f"{case.id}: expected {sorted(missing)}, got {sorted(got)}")
    if case.message:
        first = next(f for f in findings if (f["code"], f["sheet"], f["cell"]) == case.found[0])
        if not re.search(case.message, first["message"]):
            raise Unclear(f"{first['message']!r} does not say {case.message!r}")


@pytest.fixture(scope="session")
def inputs(tmp_path_factory):
    """Each bad input built once per session (by case id), copied into each case's folder."""
    folder = tmp_path_factory.mktemp("corpus-inputs")
    built: dict[str, Path] = {}

    def get(case: Case) -> Path:
        key = case.build
        if key not in built:
            dst = folder / f"{len(built)}" / case.name
            dst.parent.mkdir()
            case.build(dst)
            built[key] = dst
        return built[key]

    good = folder / GOOD
    bi.good_workbook(good)
    get.good = good
    return get


@pytest.fixture(scope="module", autouse=True)
def repository_untouched():
    """The corpus writes only under tmp_path: the repository's working tree is as before."""
    def status():
        if not (ROOT / ".git").exists() or shutil.which("git") is None:
            return None
        return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                              capture_output=True, text=True).stdout

    before = status()
    yield
    assert status() == before


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case: Case, inputs, tmp_path, request):
    if case.soffice:
        request.getfixturevalue("require_libreoffice")
    src = tmp_path / "in"
    if case.command == "nightly":
        top, sub = src / "2024", src / "2024" / "da-controllare"
        sub.mkdir(parents=True)
        shutil.copyfile(inputs.good, top / GOOD)
        # another good workbook in the subfolder (another settore: a copy of the first would be a finding)
        wf.write(sub / ("altro-" + GOOD), [wf.dataclasses.replace(r, objective_code=r.objective_code.replace("OB9", "OB8"),
                                                                 settore="Settore Altro") for r in bi.good_rows()],
                 info={"settore": "Settore Altro"})
        bad = sub / case.name
    else:
        src.mkdir()
        if case.command != "import-relazione":
            shutil.copyfile(inputs.good, src / GOOD)
        bad = src / case.name
    shutil.copyfile(inputs(case), bad)
    before = deep_hashes(src)
    out = tmp_path / "out"
    args = {
        "validate": ["validate", str(src), "--json", str(out / "v.json")],
        "consolidate": ["consolidate", str(src), "--out", str(out / "R.xlsx"), "--json", str(out / "r.json")],
        "nightly": ["nightly", str(src), "--reports", str(out)],
        "import-relazione": ["import-relazione", str(bad), "--out", str(out)],
    }[case.command]
    out.mkdir()
    run = run_cli(args, tmp_path)
    print(f"{case.id}: {run.seconds:.2f} s, {run.peak_rss_mb:.0f} MB")  # for the report (pytest -s)

    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-3000:]
    if run.exit != case.exit:
        raise WrongExit(f"exit {run.exit} instead of {case.exit}: {run.stdout[-2000:]} {run.stderr[-2000:]}")
    assert run.seconds < WALL_SECONDS, f"{case.id} took {run.seconds:.1f} s"
    assert run.peak_rss_mb < PEAK_RSS_MB, f"{case.id} peaked at {run.peak_rss_mb:.0f} MB"
    assert deep_hashes(src) == before, "the sources were modified"

    if case.command == "validate":
        data = json.loads((out / "v.json").read_text(encoding="utf-8"))
        assert sorted(Path(f).name for f in data["files"]) == sorted([GOOD, case.name])
        check_findings(case, data["findings"], {case.name})
    elif case.command == "consolidate":
        data = json.loads((out / "r.json").read_text(encoding="utf-8"))
        assert (out / "R.xlsx").stat().st_size > 0
        good = {o["code"]: o for a in data["areas"] for o in a["objective_scores"] if o["settore"] == "Settore Buono"}
        assert set(good) == GOOD_CODES and all(o["score"] == 100 for o in good.values())
        readable = not any(f["code"].startswith("file-") for f in data["findings"])
        assert data["totals"]["indicators"] == (8 if readable else 4)
        check_findings(case, data["findings"], {case.name})
    elif case.command == "nightly":
        data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
        good = {"2024/" + GOOD, "2024/da-controllare/altro-" + GOOD}
        assert good <= set(data["validated"])
        skipped = {Path(s["file"]).name: s["reason"] for s in data["skipped"]}
        if case.name.startswith(("~", ".")):
            assert skipped[case.name] in ("file di blocco di Office", "file temporaneo")
        else:
            assert "2024/da-controllare/" + case.name in data["files"] and not skipped
        check_findings(case, data["findings"], {case.name})
        assert sorted(p.name for p in out.iterdir()) == sorted(
            ["cache.sqlite", "history.csv", "latest.csv", "latest.json", "latest.xlsx", "runs",
             "storico-modifiche.csv"])
    else:
        check_import(case, run, out)


def check_import(case: Case, run: Run, out: Path) -> None:
    """The output says each finding's line; the rest of the text is still imported (or, for a file that
    is no text at all, one message and nothing written)."""
    if case.exit == 2:
        assert re.search(case.message, run.stdout + run.stderr) and is_italian(run.stderr), run.stderr
        assert not list(out.iterdir())
        return
    m = re.search(r"(\d+) indicatori, (\d+) cartelle di lavoro", run.stdout)
    assert m, run.stdout
    assert int(m.group(1)) == case.indicators
    assert len(list(out.glob("*.xlsx"))) == int(m.group(2)) == (4 if case.indicators else 0)
    assert "None" not in run.stdout
    for line in re.findall(r"^  \[(?:errore|avviso)\] (.*)$", run.stdout, re.M):
        if not is_italian(line):
            raise Unclear(f"not Italian: {line!r}")
    for code, _, where in case.found:
        hit = [line for line in run.stdout.splitlines() if f"testo {where}:" in line]
        if not hit:
            raise Unplaced(f"no finding at {where} ({code}) in {run.stdout}")
        if case.message and not any(re.search(case.message, h, re.I) for h in hit):
            raise Unclear(f"{hit} does not say {case.message!r}")


def test_the_corpus_covers_every_command_and_kind():
    """At least 40 cases, spread over the four commands (the issue's minimum)."""
    cases = [c.values[0] if hasattr(c, "values") else c for c in CASES]
    by = {cmd: sum(c.command == cmd for c in cases) for cmd in ("validate", "consolidate", "nightly",
                                                                  "import-relazione")}
    assert len(cases) >= 40 and min(by.values()) >= 5, by
    assert len({c.id for c in cases}) == len(cases)
