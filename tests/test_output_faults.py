"""An output that cannot be replaced (open in Excel on Windows, a read-only folder) keeps its previous bytes,
leaves no temporary file, and the command says in Italian which file and what to do (exit 2, no traceback).

Tests run as root on Linux, where chmod does not stop a write, so the fault is injected where Windows raises
it: the rename of the finished temporary file onto the output (``os.replace`` in perf_xl.io.atomic).
"""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbook_factory as wf
from perf_xl.cli import main
from perf_xl.io import atomic

EXCEL_HAS_IT_OPEN = "il file è aperto in un altro programma (Excel?) o la cartella non è scrivibile"


def _refuse(monkeypatch, name: str, error: OSError) -> None:
    """``os.replace`` onto an output called ``name`` fails with ``error``; every other output is written."""
    real = os.replace

    def replace(src, dst):
        if Path(dst).name == name:
            raise error
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)


def _open_in_excel(dst: str) -> PermissionError:
    return PermissionError(13, "The process cannot access the file because it is being used by another process",
                           dst)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_refused(r, name: str, before: dict, folder: Path, kept: bool = True) -> None:
    assert r.exit_code == 2, r.output
    assert f"Impossibile scrivere «{name}»" in r.output and EXCEL_HAS_IT_OPEN in r.output
    assert ("il file precedente è rimasto intatto" if kept else "non è stato scritto nulla") in r.output
    assert "Traceback" not in r.output and isinstance(r.exception, SystemExit)
    after = _snapshot(folder)
    for rel, data in before.items():
        if rel.endswith(name):
            assert after[rel] == data, rel  # the previous output, byte for byte
    assert not [p for p in after if Path(p).name.endswith(".tmp")]  # no temporary left behind


@pytest.fixture
def folder(tmp_path):
    wf.write(tmp_path / "wb" / "s.xlsx")
    return tmp_path / "wb"


@pytest.mark.parametrize("layout", [[], ["--no-detail", "--workers", "2"]], ids=["comune", "large-run-forked-json"])
@pytest.mark.parametrize("name", ["Relazione_2024.xlsx", "relazione.json", "aree.csv"])
def test_consolidate_output_open_in_excel(tmp_path, folder, monkeypatch, name, layout):
    """Also with the layout of a large run, where the JSON is written by a forked child: the child's
    failure comes back to the command whole (the same message, the previous file intact)."""
    out = tmp_path / "out"
    args = ["consolidate", str(folder), "--out", str(out / "Relazione_2024.xlsx"),
            "--json", str(out / "relazione.json"), "--csv", str(out / "aree.csv"), *layout]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _snapshot(out)
    _refuse(monkeypatch, name, _open_in_excel(str(out / name)))
    _assert_refused(CliRunner().invoke(main, args), name, before, out)


@pytest.mark.parametrize("name", ["segnalazioni.xlsx", "segnalazioni.json", "segnalazioni.csv"])
def test_validate_output_open_in_excel(tmp_path, folder, monkeypatch, name):
    out = tmp_path / "out"
    args = ["validate", str(folder), "--report", str(out / "segnalazioni.xlsx"),
            "--json", str(out / "segnalazioni.json"), "--csv", str(out / "segnalazioni.csv")]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _snapshot(out)
    _refuse(monkeypatch, name, _open_in_excel(str(out / name)))
    _assert_refused(CliRunner().invoke(main, args), name, before, out)


@pytest.mark.parametrize("name", ["latest.xlsx", "latest.csv", "latest.json", "history.csv"])
def test_nightly_output_open_in_excel(tmp_path, folder, monkeypatch, name):
    reports = tmp_path / "rapporti"
    args = ["nightly", str(folder), "--reports", str(reports)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _snapshot(reports)
    wf.write(folder / "nuovo.xlsx")  # something changed on the share overnight
    _refuse(monkeypatch, name, _open_in_excel(str(reports / name)))
    _assert_refused(CliRunner().invoke(main, args), name, before, reports)
    monkeypatch.undo()
    assert CliRunner().invoke(main, args).exit_code == 0  # the lock was released: the next run works


def test_a_first_output_that_cannot_be_written_says_nothing_was_written(tmp_path, folder, monkeypatch):
    out = tmp_path / "out"
    _refuse(monkeypatch, "segnalazioni.csv", _open_in_excel(str(out / "segnalazioni.csv")))
    r = CliRunner().invoke(main, ["validate", str(folder), "--csv", str(out / "segnalazioni.csv")])
    _assert_refused(r, "segnalazioni.csv", {}, tmp_path, kept=False)
    assert not (out / "segnalazioni.csv").exists()


def test_a_folder_where_no_file_can_be_created(tmp_path, folder, monkeypatch):
    """The temporary file itself cannot be created (a read-only share): same message, nothing left behind."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "segnalazioni.xlsx").write_bytes(b"previous")

    def mkstemp(*a, **k):
        raise PermissionError(13, "Permission denied", str(out))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    r = CliRunner().invoke(main, ["validate", str(folder), "--report", str(out / "segnalazioni.xlsx")])
    _assert_refused(r, "segnalazioni.xlsx", {"segnalazioni.xlsx": b"previous"}, out)


def test_a_full_disk_is_said_in_italian(tmp_path, folder, monkeypatch):
    out = tmp_path / "out"
    args = ["consolidate", str(folder), "--out", str(out / "R.xlsx")]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = (out / "R.xlsx").read_bytes()
    _refuse(monkeypatch, "R.xlsx", OSError(28, "No space left on device"))
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "Impossibile scrivere «R.xlsx»" in r.output and "il disco è pieno" in r.output
    assert "il file precedente è rimasto intatto" in r.output and "Error:" not in r.output
    assert (out / "R.xlsx").read_bytes() == before


def test_a_disk_that_fills_up_while_the_workbook_is_written(tmp_path, folder, monkeypatch):
    """xlsxwriter wraps the OSError in its own exception: still the Italian message, not a traceback."""
    import xlsxwriter.workbook

    out = tmp_path / "out"
    args = ["validate", str(folder), "--report", str(out / "segnalazioni.xlsx")]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _snapshot(out)

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", full)
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "Traceback" not in r.output and isinstance(r.exception, SystemExit)
    assert "Impossibile scrivere «segnalazioni.xlsx»" in r.output and "il disco è pieno" in r.output
    assert _snapshot(out) == before


def test_a_nightly_cache_that_cannot_be_written_keeps_the_previous_one(tmp_path, folder, monkeypatch):
    """The cache is one SQLite transaction: a full disk at commit leaves the previous cache and reports whole."""
    import sqlite3

    from perf_xl.io.nightly_cache import NightlyCache

    reports = tmp_path / "rapporti"
    args = ["nightly", str(folder), "--reports", str(reports)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _snapshot(reports)
    wf.write(folder / "nuovo.xlsx")

    def full(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(NightlyCache, "commit", full)
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "Impossibile aggiornare la cache" in r.output and "intatti" in r.output
    assert "Traceback" not in r.output
    assert _snapshot(reports) == before  # not a byte changed: cache, latest, history
    monkeypatch.undo()
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0 and "1 controllata, 1 invariata" in r.output  # the old cache still knows s.xlsx
