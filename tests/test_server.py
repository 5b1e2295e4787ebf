"""xlwings Server (Office.js): a real server process on 127.0.0.1, called over HTTP."""

import json
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request

import pytest
import xlwings

from conftest import ROOT, SHIPPED_2022
from perf_xl.excel.server import server_available

NO_SERVER = "needs xlwings Server, an optional extra: pip install '.[server]' from the repository folder"
needs_server = pytest.mark.skipif(not server_available(), reason=NO_SERVER)


def test_core_package_does_not_depend_on_the_server():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if "xlwings-server" in d]
    assert any("xlwings-server" in d for d in project["optional-dependencies"]["server"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not server_available():
        pytest.skip(NO_SERVER)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("server") / "server.log"
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "perf_xl.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/xlwings/custom-functions-meta", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        fh.close()


def _post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def _call(base, name, *args):
    body = {"client": "Office.js", "func_name": name, "args": list(args), "caller_address": "[prova.xlsx]Foglio1!A1",
            "version": xlwings.__version__, "runtime": "1.4", "culture_info_name": "it-IT",
            "date_format": "dd/mm/yyyy"}
    return _post(base + "/xlwings/custom-functions-call", body)["result"]


@needs_server
def test_custom_functions_meta_lists_the_udfs(server):
    with urllib.request.urlopen(server + "/xlwings/custom-functions-meta", timeout=10) as r:
        meta = json.loads(r.read())
    names = {f["name"] for f in meta["functions"]}
    assert names == {"PERF_RAGG", "PERF_SCOSTAMENTO", "PERF_BAROMETRO", "PERF_OBIETTIVO", "PERF_AREA"}
    ragg = next(f for f in meta["functions"] if f["name"] == "PERF_RAGG")
    assert "raggiungimento" in ragg["description"]


@needs_server
def test_custom_functions_compute_over_http(server):
    assert _call(server, "PERF_RAGG", [[80]], [[78]], [["crescente"]]) == [[97.5]]
    assert _call(server, "PERF_RAGG", [[10], [10]], [[2], [12.5]], [["decrescente"], ["decrescente"]]) == [[100], [80]]
    assert _call(server, "PERF_BAROMETRO", [[86.33]]) == [["giallo"]]
    assert _call(server, "PERF_OBIETTIVO", [[20], [40], [40]], [[100], [97.5], [0]]) == [[59]]
    assert _call(server, "PERF_RAGG", [[""]], [[78]], [["crescente"]]) == [[""]]  # nothing to compute yet
    assert _call(server, "PERF_RAGG", [["80"]], [[78]], [["crescente"]]) == [["errore"]]  # a number typed as text
    assert _call(server, "PERF_BAROMETRO", [["verde"]]) == [[{"type": "Error", "errorType": "Value"}]]


@needs_server
def test_consolida_script_over_http(server, tmp_path):
    config = [["Voce", "Valore"], ["Cartella delle cartelle di lavoro", str(SHIPPED_2022)], ["Anno", 2022],
              ["File della Relazione", str(tmp_path / "Relazione.xlsx")], ["File JSON", str(tmp_path / "r.json")],
              ["File impostazioni", ""]]
    book = {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": "Consolidatore.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
            "sheets": [{"name": "Consolida", "values": [[""]], "pictures": [], "tables": []},
                       {"name": "Config", "values": config, "pictures": [], "tables": []}]}
    actions = _post(server + "/xlwings/custom-scripts-call/consolida", book)["actions"]
    values = next(a for a in actions if a["func"] == "setValues")["values"]
    sport = next(r for r in values if r[0] == "Sport")
    assert sport[3] == 86.33 and sport[6] == "riprodotto"
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {a["short_name"]: a["score"] for a in data["areas"]}["Ambiente"] == 96.25
    assert (tmp_path / "Relazione.xlsx").exists()


def test_the_install_hint_names_what_pip_can_install():
    """There is no perf-xl on a public index: the hint installs the extra from the repository's folder."""
    from click.testing import CliRunner

    from perf_xl.cli import main
    from perf_xl.excel.server import INSTALL_HINT

    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    for text in (INSTALL_HINT, help_text):
        assert "pip install '.[server]'" in " ".join(text.split()) and "perf-xl[server]" not in text
