"""Two output writers side by side (a forked child for one): results and failures come back whole."""

import os
from pathlib import Path

import pytest

from perf_xl.io import beside
from perf_xl.io.atomic import OutputNotWritten


def test_both_results_come_back_and_the_child_really_ran_elsewhere(tmp_path):
    here = os.getpid()
    main, side = beside.run_beside(lambda: os.getpid(), lambda: os.getpid())
    assert main == here and side != here


def test_the_childs_failure_is_raised_here_with_its_details(tmp_path):
    def side():
        raise OutputNotWritten(tmp_path / "relazione.json", PermissionError(13, "in uso"), True)

    with pytest.raises(OutputNotWritten) as info:
        beside.run_beside(lambda: "fatto", side)
    assert info.value.target == tmp_path / "relazione.json" and info.value.previous_kept
    assert isinstance(info.value.cause, PermissionError)


def test_mains_failure_wins_and_the_child_is_still_waited_for(tmp_path):
    marker = tmp_path / "figlio.txt"

    def main():
        raise ValueError("principale")

    with pytest.raises(ValueError, match="principale"):
        beside.run_beside(main, lambda: Path(marker).write_text("scritto") and None)
    assert marker.read_text() == "scritto"  # the child finished before run_beside returned


def test_without_fork_the_two_run_one_after_the_other(monkeypatch):
    monkeypatch.setattr(beside, "can_fork", lambda: False)
    assert beside.run_beside(lambda: os.getpid(), lambda: os.getpid()) == (os.getpid(), os.getpid())
