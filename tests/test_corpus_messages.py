"""Messages whole, Italian and right; Relazione texts decoded by line; JSON keys in one language.

Each case runs ``perf-xl`` through the real command line, in its own process, with the corpus's
time and memory bounds (tests/cli_runner.py), on real files written in tmp_path; the sources'
bytes must be unchanged afterwards.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

import bad_inputs as bi
import workbook_factory as wf
from cli_runner import PEAK_RSS_MB, WALL_SECONDS, is_italian, run_cli
from conftest import VALDORIA, deep_hashes

CONSOLE_WIDTH = 110  # io.report.format_table and cli._print_findings wrap at this width
LONG_NAME = ("Gestione integrata del Servizio di Polizia Locale in un'ottica di maggiore vicinanza ai cittadini, "
             "con presidio dei quartieri, educazione stradale nelle scuole e controllo del territorio notturno")
VALDORIA_TEXT = VALDORIA.read_text(encoding="utf-8")


def _run(args, cwd: Path, sources: Path | None = None, exit: int | None = None):
    before = deep_hashes(sources) if sources else None
    run = run_cli([str(a) for a in args], cwd)
    print(f"{args[0]}: {run.seconds:.2f} s, {run.peak_rss_mb:.0f} MB")  # for the report (pytest -s)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr[-3000:]
    assert run.seconds < WALL_SECONDS, f"took {run.seconds:.1f} s"
    assert run.peak_rss_mb < PEAK_RSS_MB, f"peaked at {run.peak_rss_mb:.0f} MB"
    if sources:
        assert deep_hashes(sources) == before, "the sources were modified"
    if exit is not None:
        assert run.exit == exit, (run.exit, run.stdout[-3000:], run.stderr[-3000:])
    return run


def _flat(text: str) -> str:
    """Console text with its wrapping undone (every run of spaces and line breaks -> one space)."""
    return " ".join(text.split())


def _no_long_lines(text: str) -> None:
    long = [line for line in text.splitlines() if len(line) > CONSOLE_WIDTH and " " in line.strip()]
    assert not long, f"lines not wrapped: {long}"


def _cells(folder: Path) -> list[str]:
    out = []
    for p in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(p, read_only=True)
        for ws in wb.worksheets:
            out.extend(v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str))
        wb.close()
    return out


# --- 1. no message cut -----------------------------------------------------------------------------

def test_long_objective_name_is_whole_or_shortened_at_a_word_and_the_console_wraps(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    wf.write(src / "lungo.xlsx", [wf.row(objective=LONG_NAME, indicator="Controlli", weight=13.2),
                                  wf.row(objective=LONG_NAME, indicator="Pattuglie", weight=27.4)])
    run = _run(["validate", src, "--json", tmp_path / "v.json"], tmp_path, src, exit=1)
    (f,) = [f for f in json.loads((tmp_path / "v.json").read_text("utf-8"))["findings"] if f["code"] == "pesi-somma"]
    name = re.search(r"«(.*?)»", f["message"]).group(1)
    if name != LONG_NAME:  # shortened: with "…", at a word boundary, and still long enough to recognise
        assert name.endswith("…") and len(name) >= 60
        kept = name[:-1]
        assert LONG_NAME.startswith(kept) and LONG_NAME[len(kept)] in " ,"
    # the sum as a person writes it (13.2 + 27.4 is 40.599999999999994 in floating point)
    assert "sommano a 40,6 invece di 100" in f["message"] and "40,59999" not in run.stdout
    assert f["value"] == pytest.approx(40.6)
    # the console line is the whole message, wrapped at spaces, never cut
    _no_long_lines(run.stdout)
    assert _flat(f["message"]) in _flat(run.stdout)
    assert is_italian(f["message"])


def test_audit_of_the_seed_lists_every_line_of_every_explanation(seed_path, tmp_path, settings):
    from perf_xl.app.importer import read_relazione_text
    from perf_xl.core.relazione.audit import audit_relazione

    shared = tmp_path / "testo"
    shared.mkdir()
    text = shared / seed_path.name
    shutil.copyfile(seed_path, text)
    run = _run(["audit", text, "--json", tmp_path / "a.json"], tmp_path, shared, exit=1)
    _no_long_lines(run.stdout)
    flat = _flat(run.stdout)
    expected = audit_relazione(read_relazione_text(text), str(text), settings)
    areas = [f for f in expected if f.code == "area-non-coerente"]
    assert len(areas) == 2
    for f in expected:  # every finding and every line of each explanation, whole
        for line in f.message.split("\n"):
            assert _flat(line) in flat, line
    for code in ("OB14", "OB17", "OB39", "OB40", "OB43", "OB44"):
        assert f"Obiettivo {code} «" in flat
    assert "righe 92–94" in flat and "righe 101–102" in flat and "righe 226–228" in flat
    assert "la media degli 8 obiettivi" in flat and "la media dei 9 obiettivi" in flat
    assert "al 98,75 %" in flat and "3 errori, 5 avvisi." in run.stdout
    data = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert data["counts"] == {"errors": 3, "warnings": 5, "total": 8}
    assert [f["message"] for f in data["findings"] if f["code"] == "area-non-coerente"] == [f.message for f in areas]


# --- 2. grammar ------------------------------------------------------------------------------------

def test_one_finding_is_singular(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rows = wf.clean_rows()
    rows[0] = wf.dataclasses.replace(rows[0], actual=None)  # consuntivo not yet typed: one avviso
    wf.write(src / "uno.xlsx", rows)
    run = _run(["validate", src], tmp_path, src, exit=0)
    assert "0 errori, 1 avviso." in run.stdout and "1 avvisi" not in run.stdout

    wf.write(src / "uno.xlsx", [wf.row(weight=60.0), wf.row(indicator="Altro", weight=30.0)])  # one errore
    run = _run(["validate", src, "--limit", "1"], tmp_path, src, exit=1)
    assert "1 errore, 0 avvisi." in run.stdout and "1 errori" not in run.stdout


def test_findings_left_off_the_console_are_counted_in_the_singular(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rows = wf.clean_rows()
    rows[0] = wf.dataclasses.replace(rows[0], actual=None)
    rows[1] = wf.dataclasses.replace(rows[1], actual=None)
    wf.write(src / "due.xlsx", rows)
    run = _run(["validate", src, "--limit", "1"], tmp_path, src, exit=0)
    assert "… e un'altra segnalazione (vedere --json o --report)." in run.stdout
    assert "0 errori, 2 avvisi." in run.stdout


def test_one_finding_on_a_relazione_is_singular(tmp_path):
    lines = VALDORIA_TEXT.split("\n")[:30]  # the first area, read without any finding
    lines[-1] = lines[-1].replace("\t", "\x00\t", 1)  # one control character: one avviso
    src = tmp_path / "testo"
    src.mkdir()
    (src / "breve.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _run(["import-relazione", src / "breve.txt", "--out", tmp_path / "wb"], tmp_path, src, exit=0)
    assert "1 segnalazione sulla Relazione:" in run.stdout and "1 segnalazioni" not in run.stdout
    assert "testo riga 30: La riga 30 conteneva un carattere di controllo (NUL)" in _flat(run.stdout)


def test_shifted_row_warning_is_a_sentence(tmp_path):
    lines = VALDORIA_TEXT.split("\n")
    k = next(i for i, line in enumerate(lines) if line.count("\t") >= 12 and not line.startswith("Responsabile"))
    fields = lines[k].split("\t")
    lines[k] = "\t".join(fields[:1] + [""] + fields[1:])  # one extra empty cell at the front: shifted by one
    src = tmp_path / "testo"
    src.mkdir()
    (src / "spostata.txt").write_text("\n".join(lines), encoding="utf-8")
    run = _run(["import-relazione", src / "spostata.txt", "--out", tmp_path / "wb"], tmp_path, src, exit=0)
    hit = _flat(run.stdout)
    assert f"testo riga {k + 1}: Colonne spostate nell'estrazione del PDF: il target atteso è nel campo n. 9 " \
           "invece che nell'ottavo e il peso è nel campo n. 13 invece che nel dodicesimo" in hit
    assert "8°" not in run.stdout


# --- 3. JSON keys in one language ----------------------------------------------------------------

ITALIAN_KEYS = {"conteggi", "valido", "segnalazioni", "errori", "avvisi", "totale", "file_saltati", "aree"}


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


def test_json_keys_of_validate_consolidate_nightly_and_audit_are_english(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    bi.good_workbook(src / "buono.xlsx")
    wf.write(src / "pesi.xlsx", [wf.row(weight=60.0), wf.row(indicator="Altro", weight=30.0)])
    out = tmp_path / "out"
    _run(["validate", src, "--json", out / "v.json"], tmp_path, src, exit=1)
    v = json.loads((out / "v.json").read_text("utf-8"))
    assert set(v) == {"files", "counts", "valid", "findings"}
    assert v["counts"] == {"errors": 1, "warnings": 0, "total": 1} and v["valid"] is False

    _run(["consolidate", src, "--out", out / "R.xlsx", "--json", out / "r.json"], tmp_path, src)
    r = json.loads((out / "r.json").read_text("utf-8"))
    assert {"year", "areas", "findings", "totals", "workbooks"} <= set(r)

    _run(["nightly", src, "--reports", out / "notte"], tmp_path, src, exit=1)
    n = json.loads((out / "notte" / "latest.json").read_text("utf-8"))
    assert {"files", "counts", "valid", "findings", "run", "validated", "reused", "skipped"} <= set(n)
    assert n["counts"]["errors"] == 1
    history = (out / "notte" / "history.csv").read_text("utf-8").splitlines()
    assert history[0] == "run,files,validated,reused,skipped,errors,warnings" and history[1].endswith(",1,0")

    texts = tmp_path / "testo"
    texts.mkdir()
    shutil.copyfile(VALDORIA, texts / VALDORIA.name)
    _run(["audit", texts / VALDORIA.name, "--json", out / "a.json"], tmp_path, texts)
    a = json.loads((out / "a.json").read_text("utf-8"))
    assert set(a) == {"files", "counts", "valid", "findings"}

    for data in (v, r, n, a):
        keys = _keys(data)
        assert not keys & ITALIAN_KEYS, keys & ITALIAN_KEYS
        assert all(re.fullmatch(r"[a-z_]+", k) for k in keys), keys


# --- 4. report links ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a#b.xlsx", "100% prova #2.xlsx"])
def test_report_link_opens_the_right_file_at_the_cell(tmp_path, name):
    src = tmp_path / "in cartella"
    src.mkdir()
    rows = wf.clean_rows()
    rows[0] = wf.dataclasses.replace(rows[0], actual=None)  # one finding at a single cell (L2)
    wf.write(src / name, rows)
    reports = tmp_path / "rapporti"
    _run(["validate", src, "--report", reports / "segnalazioni.xlsx"], tmp_path, src, exit=0)
    ws = openpyxl.load_workbook(reports / "segnalazioni.xlsx").active
    links = [c.hyperlink for row in ws.iter_rows() for c in row if c.hyperlink is not None]
    assert len(links) == 1
    (link,) = links
    target = unquote(link.target).replace("\\", "/")
    assert (reports / target).resolve() == (src / name).resolve()
    assert link.location == "'Indicatori'!L2"


# --- 5. Relazione texts decoded line by line --------------------------------------------------------

def _accented_line_numbers(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n"), start=1) if not line.isascii() and "\t" in line]


def test_one_windows_1252_line_among_utf8_lines(tmp_path):
    lines = VALDORIA_TEXT.split("\n")
    accented = _accented_line_numbers(VALDORIA_TEXT)
    bad = accented[1]
    data = b"\n".join(line.encode("cp1252" if i == bad else "utf-8") for i, line in enumerate(lines, start=1))
    src = tmp_path / "testo"
    src.mkdir()
    (src / "misto.txt").write_bytes(data)
    run = _run(["import-relazione", src / "misto.txt", "--out", tmp_path / "wb"], tmp_path, src, exit=0)
    reported = re.findall(r"testo riga (\d+): La riga \d+ non è in UTF-8", run.stdout)
    assert reported == [str(bad)], run.stdout  # only that line
    assert "31 indicatori" in run.stdout
    cells = "\n".join(_cells(tmp_path / "wb"))
    assert "Ã" not in cells and "\ufffd" not in cells  # no line garbled, the bad one included
    words = {w for n in accented for w in lines[n - 1].split() if not w.isascii()}
    assert words and all(w.strip(",.;:()") in cells for w in words), words - set(cells.split())

    # audit reads the same way: one avviso, with its line
    _run(["audit", src / "misto.txt", "--json", tmp_path / "a.json"], tmp_path, src)
    found = json.loads((tmp_path / "a.json").read_text("utf-8"))["findings"]
    assert [(f["code"], f["cell"]) for f in found if f["code"] == "codifica-non-utf8"] == [("codifica-non-utf8",
                                                                                          f"riga {bad}")]


def test_a_nul_byte_is_removed_and_reported_by_line(tmp_path):
    lines = VALDORIA_TEXT.split("\n")
    k = next(i for i, line in enumerate(lines) if "Numero di controlli con etilometro" in line)
    lines[k] = lines[k].replace("Numero di controlli", "Numero di\x00 controlli\x1b", 1)
    src = tmp_path / "testo"
    src.mkdir()
    (src / "nul.txt").write_text("\n".join(lines), encoding="utf-8")
    run = _run(["import-relazione", src / "nul.txt", "--out", tmp_path / "wb"], tmp_path, src, exit=0)
    flat = _flat(run.stdout)
    assert f"testo riga {k + 1}: La riga {k + 1} conteneva 2 caratteri di controllo (NUL, ESC)" in flat
    assert "31 indicatori" in run.stdout
    cells = _cells(tmp_path / "wb")
    assert not any(re.search("[\x00-\x08\x0b\x0e-\x1f]", c) for c in cells)
    assert any("Numero di controlli con etilometro" in c for c in cells)


# --- 6. a workbook or a binary file given as the text; --year ------------------------------------------

@pytest.mark.parametrize("command", ["import-relazione", "audit"])
def test_a_workbook_given_as_the_relazione_text_is_one_clear_message(tmp_path, command):
    src = tmp_path / "in"
    src.mkdir()
    bi.good_workbook(src / "X.xlsx")
    (src / "binario.txt").write_bytes(bytes(range(256)) * 64)
    for name, says in (("X.xlsx", "«X.xlsx» è una cartella di lavoro Excel, non il testo della Relazione"),
                       ("binario.txt", "«binario.txt» non è un file di testo")):
        args = [command, src / name] + (["--out", tmp_path / "wb"] if command == "import-relazione" else [])
        run = _run(args, tmp_path, src, exit=2)
        message = run.stdout + run.stderr
        assert says in message and is_italian(message)
        assert "Riga non riconosciuta" not in message and message.count("Errore:") == 1
        assert not (tmp_path / "wb").exists()


def test_year_that_differs_from_the_text_is_refused(tmp_path):
    src = tmp_path / "testo"
    src.mkdir()
    shutil.copyfile(VALDORIA, src / VALDORIA.name)
    run = _run(["import-relazione", src / VALDORIA.name, "--year", "2022", "--out", tmp_path / "wb"], tmp_path,
               src, exit=2)
    message = run.stdout + run.stderr
    assert "Relazione sulla Performance 2023" in message and "--year 2022" in message and "omettere --year" in message
    assert is_italian(message) and not (tmp_path / "wb").exists()
    run = _run(["import-relazione", src / VALDORIA.name, "--year", "2023", "--out", tmp_path / "wb"], tmp_path,
               src, exit=0)
    assert "Anno 2023" in run.stdout
