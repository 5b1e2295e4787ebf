"""Provenance for the Nucleo/OIV: a manifest names every workbook read and every file written with its
SHA-256; ``verifica`` says exactly which changed since; the manifest's command, run again on the same
workbooks, gives the same bytes (the PDF included)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_runner import is_italian, run_cli
from conftest import SHIPPED_2022


@pytest.fixture()
def workbooks(tmp_path) -> Path:
    folder = tmp_path / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    return folder


def test_verifica_names_the_workbook_that_changed(workbooks, tmp_path):
    r = run_cli(["consolidate", str(workbooks), "--out", "R.xlsx", "--json", "R.json", "--manifest", "M.json"],
                cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    manifest = json.loads((tmp_path / "M.json").read_text(encoding="utf-8"))
    roles = [e["role"] for e in manifest["files"]]
    assert roles.count("input") == 14 and roles.count("output") == 2
    assert manifest["command"][:2] == ["perf-xl", "consolidate"] and manifest["perf_xl_version"]
    assert manifest["settings"]["green"] == 90.0

    ok = run_cli(["verifica", "M.json"], cwd=tmp_path)
    assert ok.exit == 0 and "Nessun file è cambiato: 16 file verificati" in ok.stdout, ok.stdout + ok.stderr

    victim = workbooks / "2022_settore-sport-provveditorato-ed-economato.xlsx"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 1  # one byte
    victim.write_bytes(bytes(data))
    changed = run_cli(["verifica", "M.json"], cwd=tmp_path)
    assert changed.exit == 1, changed.stdout + changed.stderr
    lines = [line for line in changed.stdout.splitlines() if line.startswith(("CAMBIATO", "MANCANTE"))]
    assert len(lines) == 1 and victim.name in lines[0] and "cartella di lavoro letta" in lines[0]
    assert "1 file è cambiato o manca su 16 dal manifest." in changed.stdout

    (tmp_path / "R.json").unlink()
    gone = run_cli(["verifica", "M.json"], cwd=tmp_path)
    assert gone.exit == 1 and any(line.startswith("MANCANTE") and "R.json" in line for line in gone.stdout.splitlines())


def test_the_manifests_command_gives_the_same_bytes_again(workbooks, tmp_path):
    r = run_cli(["publish", str(workbooks), "--out", "pubblicazione", "--manifest", "M.json"], cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    manifest = json.loads((tmp_path / "M.json").read_text(encoding="utf-8"))
    first = {e["path"]: e["sha256"] for e in manifest["files"] if e["role"] == "output"}
    assert {Path(p).suffix for p in first} == {".pdf", ".xlsx", ".csv", ".json"}
    shutil.rmtree(tmp_path / "pubblicazione")
    again = run_cli(manifest["command"][1:], cwd=Path(manifest["cwd"]))
    assert again.exit == 0, again.stdout + again.stderr
    assert run_cli(["verifica", "M.json"], cwd=tmp_path).exit == 0  # every output byte for byte as before


def test_verifica_of_a_file_that_is_not_a_manifest(tmp_path):
    (tmp_path / "x.json").write_text('{"year": 2022}', encoding="utf-8")
    for name in ("x.json", "manca.json"):
        r = run_cli(["verifica", name], cwd=tmp_path)
        assert r.exit == 2 and "Traceback" not in r.stderr
        assert is_italian(r.stdout + r.stderr), r.stdout + r.stderr
