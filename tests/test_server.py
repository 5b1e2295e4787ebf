"""xlwings Server (Office.js): a real server process on 127.0.0.1, called over HTTP, with its token and
its root folder, as `perf-xl serve` starts it."""

import json
import os
import shutil
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
from perf_xl.excel.server import MANIFEST_IDS, TOKEN_ENV, server_available

NO_SERVER = "needs xlwings Server, an optional extra: pip install '.[server]' from the repository folder"
needs_server = pytest.mark.skipif(not server_available(), reason=NO_SERVER)


def test_core_package_does_not_depend_on_the_server():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if "xlwings-server" in d]
    assert any("xlwings-server" in d for d in project["optional-dependencies"]["server"])


TOKEN = "prova-token-di-perf-xl-0123456789"
XLWINGS_DEFAULT_IDS = {"0a856eb1-91ab-4f38-b757-23fbe1f73130", "9cda34b1-af68-4dc6-b97c-e63ef6284671",
                       "70428e53-8113-421c-8fe2-9b74fcb94ee5", "34041f4f-9cb4-4830-afb5-db44b2a70e0e",
                       "4f342d85-3a49-41cb-90a5-37b1f2219040"}  # xlwings Server's config.py


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The server's folder: the shipped workbooks in «settori», and a folder beside it that is not the server's."""
    base = tmp_path_factory.mktemp("share")
    shutil.copytree(SHIPPED_2022, base / "root" / "settori")
    shutil.copytree(SHIPPED_2022, base / "fuori")
    return base / "root"


@pytest.fixture(scope="module")
def server(tmp_path_factory, root):
    if not server_available():
        pytest.skip(NO_SERVER)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("server") / "server.log"
    fh = open(log, "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "PERF_XL_SERVER"))}
    env[TOKEN_ENV] = TOKEN
    proc = subprocess.Popen([sys.executable, "-m", "perf_xl.cli", "serve", "--port", str(port),  # default host
                             "--root", str(root)], stdout=fh, stderr=subprocess.STDOUT, env=env)
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


def _post(url, body, token=TOKEN):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"  # what the task pane's getAuth sends
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def _call_body(name, *args):
    return {"client": "Office.js", "func_name": name, "args": list(args), "caller_address": "[prova.xlsx]Foglio1!A1",
            "version": xlwings.__version__, "runtime": "1.4", "culture_info_name": "it-IT",
            "date_format": "dd/mm/yyyy"}


def _call(base, name, *args):
    return _post(base + "/xlwings/custom-functions-call", _call_body(name, *args))["result"]


def _refused(url, body, token):
    with pytest.raises(urllib.error.HTTPError) as e:
        _post(url, body, token=token)
    return e.value.code, json.loads(e.value.read())["detail"]


def _consolida(base, folder, output="Relazione.xlsx", json_file="r.json", token=TOKEN):
    """The consolida script on a Consolidatore whose Config names these paths; the values it writes back."""
    config = [["Voce", "Valore"], ["Cartella delle cartelle di lavoro", folder], ["Anno", 2022],
              ["File della Relazione", output], ["File JSON", json_file], ["File impostazioni", ""]]
    book = {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": "Consolidatore.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
            "sheets": [{"name": "Consolida", "values": [[""]], "pictures": [], "tables": []},
                       {"name": "Config", "values": config, "pictures": [], "tables": []}]}
    actions = _post(base + "/xlwings/custom-scripts-call/consolida", book, token=token)["actions"]
    return {a["start_row"] * 1000 + a["start_column"]: a["values"] for a in actions if a["func"] == "setValues"}


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
def test_consolida_script_over_http(server, root):
    """Paths relative to the server's root: the Relazione and the JSON are written there."""
    written = _consolida(server, "settori")
    status, table = written[5 * 1000 + 0], written[7 * 1000 + 0]  # A6, A8
    assert status == [["Consolidamento riuscito: scritti «Relazione.xlsx» e «r.json». Il risultato è qui sotto."]]
    sport = next(r for r in table if r[0] == "Sport")
    assert sport[3] == 86.33 and sport[6] == "riprodotto"
    data = json.loads((root / "r.json").read_text(encoding="utf-8"))
    assert {a["short_name"]: a["score"] for a in data["areas"]}["Ambiente"] == 96.25
    assert (root / "Relazione.xlsx").exists()


@needs_server
def test_calls_without_the_token_are_refused(server):
    """No anonymous call: a function or the script without the token, or with a wrong one, is a 401 whose
    detail tells the user, in Italian, where to write the token."""
    for token in (None, "", "sbagliato", TOKEN + "x"):
        code, detail = _refused(server + "/xlwings/custom-functions-call", _call_body("PERF_BAROMETRO", [[90]]), token)
        assert code == 401 and detail.startswith("Token di perf_xl mancante o sbagliato")
    with pytest.raises(urllib.error.HTTPError) as e:
        _consolida(server, "settori", output="mai.xlsx", json_file="", token=None)
    assert e.value.code == 401
    assert _call(server, "PERF_BAROMETRO", [[90]]) == [["verde"]]  # the same call with the token


@needs_server
@pytest.mark.parametrize("where", ["dotdot", "absolute", "symlink", "output", "json"])
def test_consolida_never_leaves_the_root(server, root, where):
    outside = root.parent / "fuori"
    before = sorted(p.name for p in outside.iterdir())
    if where == "symlink":
        link = root / "collegamento"
        if not link.exists():
            link.symlink_to(outside, target_is_directory=True)
    folder, output, json_file = {
        "dotdot": ("../fuori", "Relazione.xlsx", ""),
        "absolute": (str(outside), "Relazione.xlsx", ""),
        "symlink": ("collegamento", "Relazione.xlsx", ""),
        "output": ("settori", "../fuori/Relazione.xlsx", ""),
        "json": ("settori", "Relazione.xlsx", str(outside / "r.json")),
    }[where]
    written = _consolida(server, folder, output=output, json_file=json_file)
    status = written[5 * 1000 + 0][0][0]
    assert status.startswith("Errore: Il percorso «") and "porta fuori dalla cartella di lavoro del server" in status
    assert 7 * 1000 + 0 not in written  # no table written
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written outside


@needs_server
def test_a_symlinked_workbook_out_of_the_root_is_not_read(server, root):
    folder = root / "misto"
    folder.mkdir(exist_ok=True)
    target = root.parent / "fuori" / "2022_sport.xlsx"
    if not (folder / "sport.xlsx").exists():
        (folder / "sport.xlsx").symlink_to(target)
    status = _consolida(server, "misto")[5 * 1000 + 0][0][0]
    assert status.startswith("Errore: Nella cartella «misto» ci sono collegamenti verso file fuori") and "«sport.xlsx»" in status


@needs_server
def test_manifest_is_perf_xls_with_a_consolida_button(server):
    with urllib.request.urlopen(server + "/manifest.xml", timeout=10) as r:
        manifest = r.read().decode()
    assert f"<Id>{MANIFEST_IDS['prod']}</Id>" in manifest
    assert not [i for i in XLWINGS_DEFAULT_IDS if i in manifest]
    assert "<FunctionName>perf-xl-consolida</FunctionName>" in manifest and 'DefaultValue="Consolida"' in manifest
    with urllib.request.urlopen(server + "/taskpane.html", timeout=10) as r:
        taskpane = r.read().decode()
    assert 'xw-click="consolida"' in taskpane and 'id="perf-xl-token"' in taskpane
    with urllib.request.urlopen(server + "/static/js/auth.js", timeout=10) as r:
        assert 'provider: "perf_xl"' in r.read().decode()  # perf_xl's getAuth, not xlwings' empty one
    with urllib.request.urlopen(server + "/static/js/ribbon.js", timeout=10) as r:
        assert 'Office.actions.associate("perf-xl-consolida"' in r.read().decode()


def test_the_server_does_not_start_without_a_token(tmp_path, monkeypatch):
    """Refused before anything listens: exit 2 and an Italian sentence that says what to set."""
    from click.testing import CliRunner

    from perf_xl.cli import main

    if not server_available():
        pytest.skip(NO_SERVER)
    for token in (None, "corto"):
        if token is None:
            monkeypatch.delenv(TOKEN_ENV, raising=False)
        else:
            monkeypatch.setenv(TOKEN_ENV, token)
        r = CliRunner().invoke(main, ["serve", "--root", str(tmp_path), "--port", "1"])
        assert r.exit_code == 2 and "Traceback" not in r.output
        assert TOKEN_ENV in r.output and ("non parte senza un token" in r.output or "troppo corto" in r.output)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv("PERF_XL_SERVER_ROOT", raising=False)
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2 and "Indicare con --root" in r.output


def test_it_listens_only_on_this_computer_by_default():
    from click.testing import CliRunner

    from perf_xl.cli import main

    host = next(p for p in main.commands["serve"].params if p.name == "host")
    assert host.default == "127.0.0.1"  # the fixture's server, started without --host, answers there
    assert "[predefinito: 127.0.0.1]" in " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())


def test_an_empty_auth_provider_list_does_not_open_the_server():
    from perf_xl.excel.server import server_environment

    assert json.loads(server_environment({"XLWINGS_AUTH_PROVIDERS": "[]"})["XLWINGS_AUTH_PROVIDERS"]) == ["perf_xl"]
    assert json.loads(server_environment({})["XLWINGS_AUTH_PROVIDERS"]) == ["perf_xl"]
    assert json.loads(server_environment({"XLWINGS_AUTH_PROVIDERS": '["entraid"]'})["XLWINGS_AUTH_PROVIDERS"]) == ["entraid"]


def test_the_install_hint_names_what_pip_can_install():
    """There is no perf-xl on a public index: the hint installs the extra from the repository's folder."""
    from click.testing import CliRunner

    from perf_xl.cli import main
    from perf_xl.excel.server import INSTALL_HINT

    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    for text in (INSTALL_HINT, help_text):
        assert "pip install '.[server]'" in " ".join(text.split()) and "perf-xl[server]" not in text
