"""perf_xl.io.outputs, perf_xl.io.lock and perf_xl.click_it in process (the CLI cases are in test_corpus_outputs)."""

import os
import threading

import pytest

from perf_xl import click_it
from perf_xl.io.atomic import OutputNotWritten
from perf_xl.io.lock import AlreadyRunning, exclusive_lock, output_lock
from perf_xl.io.outputs import OutputRefused, Snapshot, check_outputs, no_workbooks_message, same_file


def test_same_file_through_links_and_dots(tmp_path):
    a = tmp_path / "a.xlsx"
    a.write_bytes(b"x")
    (tmp_path / "link.xlsx").symlink_to(a)
    (tmp_path / "dir").mkdir()
    assert same_file(a, tmp_path / "link.xlsx")
    assert same_file(a, tmp_path / "dir" / ".." / "a.xlsx")
    assert same_file(tmp_path / "new.json", tmp_path / "dir" / ".." / "new.json")  # neither exists yet
    assert not same_file(a, tmp_path / "b.xlsx")
    os.link(a, tmp_path / "hard.xlsx")
    assert same_file(a, tmp_path / "hard.xlsx")


def test_check_outputs(tmp_path):
    src = tmp_path / "s.xlsx"
    src.write_bytes(b"x")
    ok = [("--out", tmp_path / "R.xlsx", (".xlsx",), "una cartella di lavoro"), ("--json", None, (".json",), "JSON")]
    check_outputs(ok, inputs=[src])
    with pytest.raises(OutputRefused, match="deve finire in .xlsx"):
        check_outputs([("--out", tmp_path / "R.XLSX.csv", (".xlsx",), "una cartella di lavoro")])
    check_outputs([("--out", tmp_path / "R.XLSX", (".xlsx",), "una cartella di lavoro")])  # case of the suffix
    with pytest.raises(OutputRefused, match="--out e --json indicano lo stesso file"):
        check_outputs([("--out", tmp_path / "X", (".xlsx",), ""), ("--json", tmp_path / "X", (".json",), "")])
    with pytest.raises(OutputRefused, match="è uno dei file letti"):
        check_outputs([("--out", src, (".xlsx",), "")], inputs=[src])


def test_no_workbooks_message(tmp_path):
    assert "controllare il percorso" in no_workbooks_message(tmp_path)
    (tmp_path / "2023").mkdir()
    (tmp_path / "2023" / "a.XLSX").write_bytes(b"x")
    (tmp_path / "2023" / "~$a.xlsx").write_bytes(b"x")
    assert "ne contiene la sottocartella «2023»" in no_workbooks_message(tmp_path)
    assert no_workbooks_message(tmp_path, recursive=True) is None
    (tmp_path / "b.ods").write_bytes(b"x")  # a format perf_xl reports is still a workbook
    assert no_workbooks_message(tmp_path) is None


def test_snapshot_says_what_was_written(tmp_path):
    old = tmp_path / "old.json"
    old.write_text("1")
    snap = Snapshot([tmp_path / "R.xlsx", old, tmp_path / "r.csv"])
    (tmp_path / "R.xlsx").write_bytes(b"new")
    assert snap.written() == [tmp_path / "R.xlsx"]
    assert snap.summary(old) == f"Scritto: «{tmp_path / 'R.xlsx'}»; non scritti: «{old}», «{tmp_path / 'r.csv'}»."
    assert Snapshot([tmp_path / "x"]).summary() == "Non è stato scritto nulla."


def test_the_lock_leaves_nothing_and_excludes_a_second_run(tmp_path):
    lock = tmp_path / ".R.xlsx.lock"
    with exclusive_lock(lock):
        assert lock.exists()
        with pytest.raises(AlreadyRunning):
            with exclusive_lock(lock):
                pass
    assert not lock.exists()
    with output_lock(tmp_path / "R.xlsx"):
        assert (tmp_path / ".R.xlsx.lock").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_run_that_waited_on_a_removed_lock_takes_the_new_one(tmp_path, monkeypatch):
    """Two runs never both hold the lock, even when one opened the file its holder then removed."""
    import perf_xl.io.lock as lock_mod

    lock = tmp_path / ".R.xlsx.lock"
    holding, release = threading.Event(), threading.Event()

    def first():
        with exclusive_lock(lock):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    holding.wait(5)
    real_lock = lock_mod._lock
    calls = []

    def slow_lock(fh, path):  # the holder leaves between this run's open() and its lock
        if not calls:
            calls.append(1)
            release.set()
            t.join(5)
        return real_lock(fh, path)

    monkeypatch.setattr(lock_mod, "_lock", slow_lock)
    with exclusive_lock(lock):
        assert lock.exists() and os.path.samefile(lock, lock)
    assert not lock.exists()


def test_a_lock_that_cannot_be_created_names_the_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritten) as err:
        with output_lock(blocker / "R.xlsx"):
            pass
    assert err.value.target.name == "R.xlsx"


@pytest.mark.parametrize("text, said", [("1<=x<=64", "da 1 a 64"), ("x>=0", "almeno 0"), ("0<x<1", "tra 0 e 1")])
def test_click_ranges_said_in_italian(text, said):
    assert click_it._range(text) == said


def test_click_templates_translate_the_words_click_fills_in():
    assert click_it.gettext("{value!r} is not a valid {number_type}.").format(value="x", number_type="integer") == \
        "«x» non è un numero intero valido."
    assert click_it.gettext("{name} {filename!r} does not exist.").format(name="Directory", filename="x") == \
        "la cartella «x» non esiste."
    assert click_it.gettext("a message click adds later") == "a message click adds later"


def test_case_is_ignored_where_the_file_system_ignores_it(tmp_path, monkeypatch):
    """On Windows or macOS «R.xlsx» and «r.XLSX» are one file; on Linux (here) two."""
    import perf_xl.io.outputs as outputs

    assert not same_file(tmp_path / "R.json", tmp_path / "r.JSON")
    monkeypatch.setattr(outputs, "_case_insensitive", lambda folder: True)
    assert same_file(tmp_path / "R.json", tmp_path / "r.JSON")
    with pytest.raises(OutputRefused, match="indicano lo stesso file"):
        check_outputs([("--json", tmp_path / "R.json", (".json",), ""), ("--csv", tmp_path / "r.JSON", (".json",), "")])
