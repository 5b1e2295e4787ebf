"""Nothing good is lost, the command line speaks Italian, nothing is left behind (issue 10, part "out").

Each case runs ``perf-xl`` through the real command line, in its own process, with the time and
memory bounds of the corpus (tests/cli_runner.py), on real files in tmp_path: a folder without
workbooks over a good Relazione, an output onto a source (also through a symbolic link), two
outputs onto one file, a wrong suffix, an output that cannot be written after another was, a
read-only folder, ``new-workbook`` and ``import-relazione`` over existing workbooks, two settori
with the same file name, ``| head``, click's usage errors, a bad settings file, a busy port.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import relazione_writer as rw
import workbook_factory as wf
from cli_runner import ADDRESS_SPACE_BYTES, LAUNCHER, PEAK_RSS_MB, WALL_SECONDS, is_italian, run_cli
from conftest import VALDORIA, deep_hashes
from perf_xl.excel.server import server_available


def cli(args, cwd: Path, exit: int | None = None):
    r = run_cli([str(a) for a in args], cwd)
    assert r.seconds < WALL_SECONDS, (args, r.seconds)
    assert r.peak_rss_mb < PEAK_RSS_MB, (args, r.peak_rss_mb)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    if exit is not None:
        assert r.exit == exit, (args, r.exit, r.stdout[-2000:], r.stderr[-2000:])
    return r


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(r, *words: str) -> str:
    """Exit 2, one Italian message on stderr naming ``words``, nothing on stdout."""
    assert r.exit == 2, (r.exit, r.stdout, r.stderr)
    message = r.stderr.strip()
    # names and paths are quoted «…» (and pytest's folders have English names): the words around them
    assert message.startswith(("Errore:", "Uso:")) and is_italian(re.sub(r"«[^»]*»", "", message)), message
    for w in words:
        assert w in message, (w, message)
    return message


def visible(folder: Path) -> list[str]:
    """Every file below ``folder`` (hidden ones included: a lock or a temporary file would show)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name[0] != "~"
                  and not p.name.startswith(".std") and p.name != ".peak-rss")


@pytest.fixture
def src(tmp_path) -> Path:
    """A folder of two good settore workbooks."""
    folder = tmp_path / "settori"
    wf.write(folder / "2024_settore-prova.xlsx")
    other = [dataclasses.replace(r, settore="Settore Altro", objective_code=r.objective_code + "X")
             for r in wf.clean_rows()]
    wf.write(folder / "2024_settore-altro.xlsx", rows=other, info={"settore": "Settore Altro"})
    return folder


@pytest.fixture
def relazione(tmp_path, src) -> Path:
    """A good Relazione written by a first run (what a wrong second run must not destroy)."""
    out = tmp_path / "Relazione_2024.xlsx"
    cli(["consolidate", src, "--out", out], tmp_path, exit=0)
    return out


# --- 1. a folder without settore workbooks ----------------------------------------------------------

def test_empty_folder_over_a_good_relazione_writes_nothing(tmp_path, relazione):
    empty = tmp_path / "vuota"
    empty.mkdir()
    before = sha(relazione)
    r = cli(["consolidate", empty, "--out", relazione, "--json", tmp_path / "r.json"], tmp_path)
    refused(r, "Nessuna cartella di lavoro", str(empty.resolve()), "Non è stato scritto nulla")
    assert sha(relazione) == before and not (tmp_path / "r.json").exists()
    assert visible(tmp_path) == ["Relazione_2024.xlsx"] + [f"settori/{p.name}" for p in sorted((tmp_path / "settori").iterdir())]
    refused(cli(["validate", empty, "--json", tmp_path / "v.json"], tmp_path), "Nessuna cartella di lavoro")
    assert not (tmp_path / "v.json").exists()
    refused(cli(["nightly", empty, "--reports", tmp_path / "rapporti"], tmp_path), "Nessuna cartella di lavoro")
    assert not (tmp_path / "rapporti").exists()


def test_the_folder_one_level_too_high_names_the_subfolder(tmp_path, src):
    top = tmp_path / "workbooks"
    shutil.move(str(src), top / "2024")
    (top / "leggimi.txt").write_text("cartelle per anno", encoding="utf-8")
    hashes = deep_hashes(top)
    for cmd in (["validate", top], ["consolidate", top, "--out", tmp_path / "R.xlsx"]):
        msg = refused(cli(cmd, tmp_path), f"«{top.resolve()}»", "ne contiene la sottocartella «2024»: indicare quella")
        assert "0 cartelle" not in msg
    assert not (tmp_path / "R.xlsx").exists() and deep_hashes(top) == hashes
    (top / "2025").mkdir()
    wf.write(top / "2025" / "s.xlsx")
    refused(cli(["validate", top], tmp_path), "ne contengono le sottocartelle «2024», «2025»: indicarne una")


def test_a_folder_of_unreadable_workbooks_is_not_empty(tmp_path):
    """A folder holding only files perf_xl cannot check (.ods, .xls) is not "without workbooks":
    those files are reported (another part of issue 10), not called an empty folder."""
    folder = tmp_path / "ods"
    folder.mkdir()
    (folder / "settore.ods").write_bytes(b"PK\x03\x04 not really")
    r = cli(["validate", folder], tmp_path)
    assert "Nessuna cartella di lavoro" not in r.stderr


def test_a_folder_where_no_workbook_can_be_used_never_replaces_a_good_relazione(tmp_path, src):
    """Only an .ods and a damaged file: reported, and the good Relazione of an earlier run stays whole."""
    relazione = tmp_path / "Relazione_2024.xlsx"
    cli(["consolidate", src, "--out", relazione], tmp_path, exit=0)
    before = sha(relazione)
    folder = tmp_path / "inutilizzabili"
    folder.mkdir()
    (folder / "settore.ods").write_bytes(b"PK\x03\x04 not really")
    (folder / "rotto.xlsx").write_bytes(b"")
    r = cli(["consolidate", folder, "--out", relazione, "--json", tmp_path / "r.json"], tmp_path)
    refused(r, "Nessuna delle 2 cartelle di lavoro", "non è stato scritto nulla")
    said = " ".join(r.stdout.split())  # the reasons are shown, one for each file
    assert "[errore] rotto.xlsx: Il file è vuoto (0 byte)" in said
    assert "[errore] settore.ods: Il file è nel formato di LibreOffice (.ods)" in said and "salvarlo come .xlsx" in said
    assert sha(relazione) == before and not (tmp_path / "r.json").exists()


# --- 2. no overwrite without asking ---------------------------------------------------------------------

def test_new_workbook_never_replaces_a_filled_workbook_unless_asked(tmp_path, src):
    filled = src / "2024_settore-prova.xlsx"
    before = sha(filled)
    args = ["new-workbook", filled, "--settore", "Settore Prova", "--year", "2024"]
    refused(cli(args, tmp_path), f"«{filled}» esiste già", "--sovrascrivi", "Non è stato scritto nulla")
    assert sha(filled) == before
    r = cli(args + ["--sovrascrivi"], tmp_path, exit=0)
    assert sha(filled) != before and "Modello scritto" in r.stdout
    assert visible(src) == sorted(p.name for p in src.iterdir())  # no lock, no temporary file


def test_import_relazione_never_replaces_existing_workbooks_unless_asked(tmp_path):
    out = tmp_path / "wb"
    first = cli(["import-relazione", VALDORIA, "--out", out], tmp_path, exit=0)
    hashes = deep_hashes(out)
    names = sorted(hashes)
    assert len(names) >= 2 and f"{len(names)} cartelle di lavoro in" in first.stdout
    (out / names[0]).write_bytes(b"filled by a dirigente")  # the work of a year
    hashes = deep_hashes(out)
    msg = refused(cli(["import-relazione", VALDORIA, "--out", out], tmp_path), "--sovrascrivi",
                  "Non è stato scritto nulla", f"«{names[0]}»")
    assert f"Esistono già {len(names)} cartelle di lavoro" in msg
    assert deep_hashes(out) == hashes  # not one byte written, not even the workbooks that did not exist
    cli(["import-relazione", VALDORIA, "--out", out, "--sovrascrivi"], tmp_path, exit=0)
    assert sorted(deep_hashes(out)) == names and deep_hashes(out)[names[0]] != hashes[names[0]]


def test_import_relazione_never_replaces_its_input_text(tmp_path):
    out = tmp_path / "wb"
    cli(["import-relazione", VALDORIA, "--out", tmp_path / "prova"], tmp_path, exit=0)
    name = sorted(p.name for p in (tmp_path / "prova").iterdir())[0]
    out.mkdir()
    text = out / name  # the export saved under the name of a workbook the import writes
    shutil.copy(VALDORIA, text)
    before = sha(text)
    refused(cli(["import-relazione", text, "--out", out, "--sovrascrivi"], tmp_path), "testo della Relazione",
            "Non è stato scritto nulla")
    assert sha(text) == before and [p.name for p in out.iterdir()] == [name]


def _two_settori_one_name() -> str:
    def obj(name, settore, code):
        return rw.Obj(name, "Rossi Anna", settore, [rw.Ind(f"Indicatore {code}", "crescente", 10, 10, 100)])

    areas = [("LINEA STRATEGICA 1 - SULLA PROVA", [obj("Obiettivo uno", "Settore Prova", "A"),
                                                  obj("Obiettivo due", "SETTORE PROVA!", "B"),
                                                  obj("Obiettivo tre", "Settore Pròva", "C")])]
    text, _ = rw.render(areas, year=2024, shift=False)
    return text


def test_two_settori_with_the_same_file_name_get_two_files(tmp_path):
    text = tmp_path / "relazione.txt"
    text.write_text(_two_settori_one_name(), encoding="utf-8")
    r = cli(["import-relazione", text, "--out", tmp_path / "wb"], tmp_path, exit=0)
    names = sorted(p.name for p in (tmp_path / "wb").iterdir())
    assert names == ["2024_settore-prova-2.xlsx", "2024_settore-prova-3.xlsx", "2024_settore-prova.xlsx"], names
    assert "3 cartelle di lavoro" in r.stdout and "SETTORE PROVA!" in r.stdout and "2024_settore-prova-2.xlsx" in r.stdout
    r = cli(["validate", tmp_path / "wb", "--json", tmp_path / "v.json"], tmp_path)
    assert "3 cartelle di lavoro controllate" in r.stdout  # every settore kept its own workbook


# --- 3. outputs vs inputs, suffixes ---------------------------------------------------------------------

def test_out_onto_a_source_workbook_is_refused(tmp_path, src):
    hashes = deep_hashes(src)
    source = src / "2024_settore-prova.xlsx"
    refused(cli(["consolidate", src, "--out", source], tmp_path), "è uno dei file letti", "Non è stato scritto nulla")
    link = tmp_path / "link.xlsx"
    link.symlink_to(source)
    refused(cli(["consolidate", src, "--out", link], tmp_path), "è uno dei file letti")
    (tmp_path / "alias").symlink_to(src, target_is_directory=True)
    refused(cli(["consolidate", src, "--out", tmp_path / "alias" / source.name], tmp_path), "è uno dei file letti")
    refused(cli(["validate", src, "--report", source], tmp_path), "è uno dei file letti")
    refused(cli(["validate", source, "--report", link], tmp_path), "è uno dei file letti")
    assert deep_hashes(src) == hashes and link.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".json", ".csv") or p.name.startswith("Relazione")]


def test_two_outputs_onto_one_file_and_wrong_suffixes_are_refused(tmp_path, src):
    hashes = deep_hashes(src)
    refused(cli(["consolidate", src, "--out", tmp_path / "X", "--json", tmp_path / "X"], tmp_path),
            "--out e --json indicano lo stesso file")
    refused(cli(["consolidate", src, "--out", tmp_path / "R.xlsx", "--csv", tmp_path / "sub" / ".." / "R.xlsx"],
                tmp_path), "--out e --csv indicano lo stesso file")
    refused(cli(["consolidate", src, "--out", tmp_path / "R.csv"], tmp_path), "«R.csv» deve finire in .xlsx")
    refused(cli(["consolidate", src, "--json", tmp_path / "r.xlsx"], tmp_path), "deve finire in .json")
    refused(cli(["validate", src, "--report", tmp_path / "r.csv"], tmp_path), "deve finire in .xlsx")
    refused(cli(["validate", src, "--csv", tmp_path / "r.txt"], tmp_path), "deve finire in .csv")
    refused(cli(["new-workbook", tmp_path / "nuovo.csv", "--settore", "S", "--year", "2024"], tmp_path),
            "deve finire in .xlsx")
    refused(cli(["make-consolidatore", "--out", tmp_path / "Consolidatore.xlsx"], tmp_path), "deve finire in .xlsm")
    assert deep_hashes(src) == hashes
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["settori"]


# --- 4. and 5. no leftovers; what was and was not written -------------------------------------------

def test_a_run_leaves_no_lock_file(tmp_path, src):
    out = tmp_path / "out"
    cli(["consolidate", src, "--out", out / "R.xlsx", "--json", out / "r.json", "--csv", out / "r.csv"], tmp_path, exit=0)
    cli(["validate", src, "--report", out / "v.xlsx", "--json", out / "v.json"], tmp_path, exit=0)
    assert visible(out) == ["R.xlsx", "r.csv", "r.json", "v.json", "v.xlsx"]
    cli(["nightly", src, "--reports", tmp_path / "rapporti"], tmp_path, exit=0)
    assert not [p for p in visible(tmp_path / "rapporti") if p.endswith(".lock") or "/." in p or p.startswith(".")]


def test_json_that_cannot_be_written_says_the_relazione_was(tmp_path, src):
    r = cli(["consolidate", src, "--out", tmp_path / "R.xlsx", "--json", "/proc/x.json"], tmp_path)
    msg = refused(r, "Impossibile scrivere «x.json»", f"Scritto: «{tmp_path / 'R.xlsx'}»", "non scritto: «/proc/x.json»")
    assert "non è stato scritto nulla" not in msg.lower()
    assert (tmp_path / "R.xlsx").exists()


def _read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "sola-lettura"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    # root ignores permissions; /sys refuses new files even to root (EACCES)
    folder = Path("/sys")
    try:
        fd = os.open(folder / "perf-xl-probe", os.O_CREAT | os.O_WRONLY)
    except OSError:
        return folder
    os.close(fd)
    pytest.skip("no folder here refuses a new file to root (/sys accepted one)")


def test_read_only_output_folder_names_the_output_not_the_lock(tmp_path, src):
    folder = _read_only_folder(tmp_path)
    try:
        for out in (folder / "Relazione_2024.xlsx", folder / "sotto" / "Relazione_2024.xlsx"):
            msg = refused(cli(["consolidate", src, "--out", out], tmp_path), "Impossibile scrivere «Relazione_2024.xlsx»",
                          "non è stato scritto nulla")
            assert ".lock" not in msg and ".tmp" not in msg
        msg = refused(cli(["nightly", src, "--reports", folder / "rapporti"], tmp_path),
                      f"Impossibile scrivere nella cartella dei rapporti «{folder / 'rapporti'}»", "Non è stato scritto nulla")
        assert ".lock" not in msg
        msg = refused(cli(["nightly", src, "--reports", folder], tmp_path), "cartella dei rapporti")
        assert "nightly.lock" not in msg
        blocker = tmp_path / "un-file"
        blocker.write_text("x")
        msg = refused(cli(["validate", src, "--json", blocker / "v.json"], tmp_path), "Impossibile scrivere «v.json»")
        assert ".lock" not in msg and ".tmp" not in msg
    finally:
        if folder.parent == tmp_path:
            folder.chmod(0o755)


# --- 6. a closed pipe -------------------------------------------------------------------------------------

def _piped(args: list[str], head: list[str], cwd: Path):
    """``perf-xl ARGS | HEAD`` with two real processes; perf-xl's exit, stderr, seconds and peak memory."""
    rss = cwd / ".peak-rss-pipe"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    start = time.monotonic()
    def limit_memory():  # as run_cli: a hard stop for a runaway parser
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    writer = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(rss), *args], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_memory)
    reader = subprocess.Popen(head, stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # only head reads the pipe now
    shown, _ = reader.communicate(timeout=60)
    err = writer.stderr.read().decode("utf-8", "replace")
    code = writer.wait(timeout=60)
    seconds = time.monotonic() - start
    peak = int(rss.read_text()) / 1024
    return code, shown.decode("utf-8", "replace"), err, seconds, peak


def test_validate_into_head_ends_quietly(tmp_path):
    """Enough findings that the output outlasts head (200 KB): perf-xl meets the closed pipe for sure."""
    rows = [wf.row(indicator=f"I{i}", objective_code=f"OB{i:03d}", target=None, actual=None, weight=100.0)
            for i in range(900)]
    wf.write(tmp_path / "molti" / "s.xlsx", rows=rows)
    for head in (["head", "-1"], ["head", "-n", "0"]):
        code, shown, err, seconds, peak = _piped(["validate", "molti", "--limit", "5000", "--json", "v.json"],
                                                 head, tmp_path)
        assert code == 0 and err == "", (head, code, err)
        assert seconds < WALL_SECONDS and peak < PEAK_RSS_MB
        assert shown == ("1 cartella di lavoro controllata.\n" if head[-1] == "-1" else "")
        assert (tmp_path / "v.json").stat().st_size > 1000  # the file asked for is written all the same
        (tmp_path / "v.json").unlink()


# --- 7. and 8. click and settings in Italian ---------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["consolidate", "non-esiste"], ["la cartella «non-esiste» non esiste."]),
    (["validate"], ["manca l'argomento «PERCORSO...»"]),
    (["validate", ".", "--pippo"], ["l'opzione «--pippo» non esiste"]),
    (["consolidate", "--workers", "99"], ["«--workers»", "da 1 a 64"]),
    (["consolidate", "--workers", "due"], ["«due» non è un numero intero valido"]),
    (["new-workbook", "x.xlsx", "--year", "2024"], ["manca l'opzione obbligatoria «--settore»"]),
    (["import-relazione", "manca.txt", "--out", "wb"], ["il file «manca.txt» non esiste."]),
    (["consolidate", "--out"], ["l'opzione «--out» richiede un valore"]),
    (["comando-sbagliato"], ["il comando «comando-sbagliato» non esiste"]),
    (["consolidate", "a", "b"], ["la cartella «a» non esiste"]),
    (["audit", "relazione.txt", "altro.txt"], ["argomento in più non previsto: altro.txt."]),
    (["nightly", "."], ["manca l'opzione obbligatoria «--reports»"]),
], ids=lambda x: x[0] if isinstance(x, list) and x and x[0].startswith(("c", "v", "n", "i")) else None)
def test_click_usage_errors_in_italian(tmp_path, args, words):
    (tmp_path / "relazione.txt").write_text("testo", encoding="utf-8")
    r = cli(args, tmp_path)
    msg = refused(r, *words)
    assert "Error:" not in msg and "Usage" not in msg and "Invalid" not in msg and "Missing" not in msg
    if args[0] != "comando-sbagliato":
        assert f"Uso: perf-xl {args[0]} [OPZIONI]" in msg and f"Per l'aiuto: perf-xl {args[0]} --help" in msg


def test_settings_errors_in_italian(tmp_path, src):
    for text, words in [('decreasing_ratio = "boh"\n', ["decreasing_ratio", "«boh»", "«plain» e «gzoom»"]),
                        ('[traffic_light]\ngreen = 50\nyellow = 70\n', ["traffic_light.yellow", "traffic_light.green"]),
                        ('[traffic_light]\ngreen = "alto"\n', ["traffic_light.green", "«alto»", "numero"]),
                        ('soglia = 3\n', ["soglia", "decreasing_ratio, traffic_light"]),
                        ('decreasing_ratio = \n', ["TOML", "riga 1"])]:
        bad = tmp_path / "impostazioni.toml"
        bad.write_text(text, encoding="utf-8")
        refused(cli(["consolidate", src, "--settings", bad, "--out", tmp_path / "R.xlsx"], tmp_path),
                "Impostazioni non valide", *words)
    assert not (tmp_path / "R.xlsx").exists()


# --- 9. serve on a busy port --------------------------------------------------------------------------

@pytest.mark.skipif(not server_available(), reason="xlwings Server not installed: pip install '.[server]'")
def test_serve_on_a_busy_port(tmp_path, monkeypatch):
    monkeypatch.setenv("PERF_XL_SERVER_TOKEN", "un-token-abbastanza-lungo-per-il-server")  # the port is checked after it
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = cli(["serve", "--host", "127.0.0.1", "--port", port, "--root", tmp_path], tmp_path)
    refused(r, f"La porta {port} di 127.0.0.1 è già in uso", "--port")
    assert "uvicorn" not in r.stderr.lower() and "address already in use" not in r.stderr.lower()


# --- 10. counts in the CLI's own lines --------------------------------------------------------------

def test_one_workbook_is_said_in_the_singular(tmp_path):
    wf.write(tmp_path / "uno" / "s.xlsx")
    assert "1 cartella di lavoro controllata." in cli(["validate", "uno"], tmp_path, exit=0).stdout
    r = cli(["consolidate", "uno", "--out", "R.xlsx"], tmp_path, exit=0)
    assert r.stdout.startswith("1 cartella di lavoro, 2 obiettivi, 4 indicatori")
    r = cli(["nightly", "uno", "--reports", "rapporti"], tmp_path, exit=0)
    assert r.stdout.startswith("1 cartella di lavoro: 1 controllata, 0 invariate; 0 file saltati; 0 errori,")


def test_make_consolidatore_never_replaces_a_control_workbook_unless_asked(tmp_path):
    """The Segretario's Config sheet may be filled in: an existing Consolidatore.xlsm stays."""
    target = tmp_path / "Consolidatore.xlsm"
    cli(["make-consolidatore", "--out", target], tmp_path, exit=0)
    before = sha(target)
    refused(cli(["make-consolidatore", "--out", target], tmp_path), "Esistono già", "--sovrascrivi")
    assert sha(target) == before
    cli(["make-consolidatore", "--out", target, "--sovrascrivi"], tmp_path, exit=0)
