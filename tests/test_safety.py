"""Hostile or unusual content: reported, never run; outputs never turn text into formulas; no network."""

import csv
import json
import os
import subprocess
import sys
import zipfile

import openpyxl
from click.testing import CliRunner

import bad_inputs as bi
import workbook_factory as wf

from perf_xl.cli import main
from perf_xl.io.lock import exclusive_lock
from perf_xl.numbers import parse_italian_number
from perf_xl.app.validate import validate_paths

INJECTIONS = ["=HYPERLINK(\"http://example.invalid\";\"clic\")", "+1+1", "-2+3", "@SUM(A1:A2)",
              "=cmd|' /C calc'!A0"]


def test_user_text_that_looks_like_a_formula_stays_text_in_every_output(tmp_path):
    folder = tmp_path / "wb"
    folder.mkdir()
    rows = wf.clean_rows()
    rows = [wf.dataclasses.replace(r, note=INJECTIONS[k % len(INJECTIONS)], objective=INJECTIONS[0])
            if k < 2 else r for k, r in enumerate(rows)]
    rows[0] = wf.dataclasses.replace(rows[0], actual="=1+1")  # a formula typed as text in a number cell
    wf.write(folder / "s.xlsx", rows)
    r = CliRunner().invoke(main, ["consolidate", str(folder), "--out", str(tmp_path / "R.xlsx"),
                                  "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv")])
    assert r.exit_code == 0, r.output
    v = CliRunner().invoke(main, ["validate", str(folder), "--report", str(tmp_path / "v.xlsx"),
                                  "--json", str(tmp_path / "v.json"), "--csv", str(tmp_path / "v.csv")])
    # the one error: the text «=1+1» in a number cell, reported as text (never computed)
    assert v.exit_code == 1 and "1 errore, 0 avvisi." in v.output, v.output
    assert "La cella L2 (Target consuntivo) deve contenere un numero, non «=1+1»." in v.output
    for out in ("r.csv", "v.csv"):
        with open(tmp_path / out, encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
        for c in cells:  # a cell Excel would read as a formula must be a plain number
            assert c[:1] not in ("=", "+", "-", "@", "\t", "\r") or parse_italian_number(c) is not None, (out, c)
    assert "'=1+1" in cells  # the formula typed as text in a number cell: the finding's value, as text
    for out in ("R.xlsx", "v.xlsx"):
        wb = openpyxl.load_workbook(tmp_path / out)
        for ws in wb:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value[:1] in "=+-@":
                        assert c.data_type == "s", (out, ws.title, c.coordinate, c.value)
        with zipfile.ZipFile(tmp_path / out) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert b"HYPERLINK" not in zf.read(name), (out, name)  # never a live formula
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert json.loads(text)["areas"][0]["objective_scores"][0]["name"] == INJECTIONS[0]


def test_macros_and_external_links_are_reported_not_run(tmp_path):
    p = bi.external_links(bi.macros(wf.write(tmp_path / "s.xlsx"), tmp_path / "m.xlsx"), tmp_path / "s.xlsx")
    codes = {(f.code, f.severity) for f in validate_paths([p]).report}
    assert {("macro-presenti", "avviso"), ("collegamenti-esterni", "avviso")} <= codes


def test_two_consolidations_on_one_output_do_not_interleave(tmp_path):
    out = tmp_path / "Relazione.xlsx"
    with exclusive_lock(tmp_path / ".Relazione.xlsx.lock"):
        r = CliRunner().invoke(main, ["consolidate", "--out", str(out)])
    assert r.exit_code == 2 and "Un altro consolidamento" in r.output
    assert not out.exists()
    assert CliRunner().invoke(main, ["consolidate", "--out", str(out)]).exit_code == 0


def test_the_main_job_runs_with_the_network_blocked(tmp_path):
    code = (
        "import socket\n"
        "def deny(*a, **k):\n"
        "    raise OSError('network blocked by the test')\n"
        "socket.socket.connect = deny\nsocket.socket.connect_ex = deny\nsocket.create_connection = deny\n"
        "socket.getaddrinfo = deny\n"
        "import sys\nfrom perf_xl.cli import main\n"
        "sys.argv = ['perf-xl', 'consolidate', '--out', sys.argv[1], '--json', sys.argv[2]]\nmain()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "R.xlsx"), str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "NO_PROXY": "*"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["totals"]["indicators"] == 139
