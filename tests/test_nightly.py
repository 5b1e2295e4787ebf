"""perf-xl nightly over a shared folder: skips, reports, re-reads only what changed, never writes there."""

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbook_factory as wf
from conftest import SHIPPED_2022, deep_hashes
from perf_xl.cli import main
from perf_xl.io.lock import exclusive_lock
from perf_xl.app.nightly import NightlyError, run_nightly


@pytest.fixture
def share(tmp_path):
    s = tmp_path / "condivisa"
    shutil.copytree(SHIPPED_2022, s / "2022")
    broken = s / "2022" / "da-controllare"
    broken.mkdir()
    wf.write(broken / "testo-numero.xlsx")
    wf.edit(broken / "testo-numero.xlsx", lambda wb: wb["Indicatori"].__setitem__("L2", "24,29"))
    wf.edit(wf.write(broken / "formula.xlsx"), lambda wb: wb["Indicatori"].__setitem__("P3", 100))
    (broken / "rinominato.xlsx").write_text("non sono excel", encoding="utf-8")
    (broken / "vuoto.xlsx").write_bytes(b"")
    (s / "2022" / "~$2022_settore-polizia-locale.xlsx").write_bytes(b"lock")
    (s / "2022" / "note.txt").write_text("appunti", encoding="utf-8")
    (s / "2022" / ".~lock.x.xlsx#").write_text("lo lock", encoding="utf-8")
    return s


def test_first_run_reports_every_broken_file_and_skips_locks(share, tmp_path):
    before = deep_hashes(share)
    r = CliRunner().invoke(main, ["nightly", str(share), "--reports", str(tmp_path / "rapporti")])
    assert r.exit_code == 1, r.output
    latest = json.loads((tmp_path / "rapporti" / "latest.json").read_text(encoding="utf-8"))
    codes = {(Path(f["file"]).name, f["code"], f["cell"]) for f in latest["findings"]}
    assert ("2022_settore-polizia-locale.xlsx", "pesi-somma", "O6:O8") in codes
    assert ("testo-numero.xlsx", "numero-come-testo", "L2") in codes
    assert ("formula.xlsx", "formula-sovrascritta", "P3") in codes
    assert ("rinominato.xlsx", "file-non-excel", "") in codes
    assert ("vuoto.xlsx", "file-vuoto", "") in codes
    assert len(latest["files"]) == 18
    skipped = {Path(s["file"]).name: s["reason"] for s in latest["skipped"]}
    assert skipped["~$2022_settore-polizia-locale.xlsx"] == "file di blocco di Office"
    assert "note.txt" in skipped and ".~lock.x.xlsx#" in skipped
    assert not any("~$" in f for f in latest["files"])
    assert deep_hashes(share) == before  # nothing written in the share, sources untouched
    assert (tmp_path / "rapporti" / "latest.xlsx").exists()
    with open(tmp_path / "rapporti" / "latest.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))  # the findings for Excel, same records as the JSON
    assert len(rows) == len(latest["findings"])
    assert {(Path(r["File"]).name, r["Codice"], r["Cella"]) for r in rows} == codes
    assert len(list((tmp_path / "rapporti" / "runs").glob("report-*.xlsx"))) == 1


def test_second_run_rereads_only_the_changed_file(share, tmp_path):
    reports = tmp_path / "rapporti"
    import datetime as dt

    first = run_nightly(share, reports, now=dt.datetime(2026, 11, 1, 2, 0))
    assert len(first.validated) == 18
    target = share / "2022" / "da-controllare" / "testo-numero.xlsx"
    wf.edit(target, lambda wb: wb["Indicatori"].__setitem__("L2", 24.29))  # the dirigente fixes it
    second = run_nightly(share, reports, now=dt.datetime(2026, 11, 2, 2, 0))
    assert second.validated == ["2022/da-controllare/testo-numero.xlsx"]
    assert len(second.reused) == 17
    codes = {(Path(f.file).name, f.code) for f in second.report}
    assert ("testo-numero.xlsx", "numero-come-testo") not in codes
    assert ("formula.xlsx", "formula-sovrascritta") in codes  # cached findings are still reported
    with open(reports / "history.csv", encoding="utf-8") as fh:
        history = list(csv.DictReader(fh))
    assert [(h["validated"], h["reused"]) for h in history] == [("18", "0"), ("1", "17")]
    assert int(history[1]["errors"]) == int(history[0]["errors"]) - 1
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [
        "report-2026-11-01T020000.csv", "report-2026-11-01T020000.json", "report-2026-11-01T020000.xlsx",
        "report-2026-11-02T020000.csv", "report-2026-11-02T020000.json", "report-2026-11-02T020000.xlsx"]
    assert (reports / "latest.csv").read_bytes() == (reports / "runs" / "report-2026-11-02T020000.csv").read_bytes()


def test_a_file_changing_while_read_is_reported_not_half_read(share, tmp_path, monkeypatch):
    victim = share / "2022" / "2022_settore-risorse-umane.xlsx"
    original = Path.read_bytes

    def growing(self):
        data = original(self)
        if self == victim:
            with open(self, "ab") as fh:  # another user's Excel is still saving
                fh.write(b"\0" * 10)
        return data

    monkeypatch.setattr(Path, "read_bytes", growing)
    result = run_nightly(share, tmp_path / "rapporti")
    (f,) = [f for f in result.report if f.code == "file-in-scrittura"]
    assert f.file == str(victim) and f.severity == "errore"
    assert "2022/2022_settore-risorse-umane.xlsx" not in result.validated
    monkeypatch.undo()
    again = run_nightly(share, tmp_path / "rapporti")
    assert "2022/2022_settore-risorse-umane.xlsx" in again.validated


def test_two_runs_do_not_overlap(share, tmp_path):
    reports = tmp_path / "rapporti"
    reports.mkdir()
    with exclusive_lock(reports / "nightly.lock"):
        r = CliRunner().invoke(main, ["nightly", str(share), "--reports", str(reports)])
    assert r.exit_code == 2 and "in corso" in r.output
    assert not (reports / "latest.json").exists()


def test_reports_inside_the_share_are_refused(share):
    with pytest.raises(NightlyError):
        run_nightly(share, share / "rapporti")
    r = CliRunner().invoke(main, ["nightly", str(share), "--reports", str(share / "rapporti")])
    assert r.exit_code == 2 and not (share / "rapporti").exists()


def test_a_touched_but_unchanged_file_is_not_validated_again(share, tmp_path):
    import os

    reports = tmp_path / "rapporti"
    run_nightly(share, reports)
    target = share / "2022" / "2022_settore-sport-provveditorato-ed-economato.xlsx"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))  # saved again, same content
    second = run_nightly(share, reports)
    assert second.validated == [] and len(second.reused) == 18
    third = run_nightly(share, reports)  # and the new time is remembered: not even hashed again
    assert third.validated == []


def _records(report):
    return [f.as_dict() for f in report]


def test_a_rerun_reports_exactly_what_a_fresh_run_reports(share, tmp_path):
    """The cache keeps findings and objective names per file; whatever changed, moved or vanished,
    the re-run's report equals the report of a run that reads everything again."""
    import datetime as dt

    extra = share / "2022" / "altri"
    extra.mkdir()
    wf.write(extra / "a.xlsx")
    other = [dataclasses.replace(r, objective="Un altro obiettivo") if r.objective_code == "OB01" else r
             for r in wf.clean_rows()]
    wf.write(extra / "b.xlsx", rows=other)  # the same settore and codes, other values: copies that differ
    reports = tmp_path / "rapporti"
    run_nightly(share, reports, now=dt.datetime(2026, 11, 1, 2, 0))
    (extra / "a.xlsx").unlink()  # gone: no longer a copy of b.xlsx ...
    wf.write(extra / "c.xlsx", rows=[dataclasses.replace(r, objective="Terzo nome") for r in wf.clean_rows()])
    wf.edit(share / "2022" / "da-controllare" / "formula.xlsx",
            lambda wb: wb["Indicatori"].__setitem__("L2", "1.234,5"))  # ... and a file changed
    again = run_nightly(share, reports, now=dt.datetime(2026, 11, 2, 2, 0))
    assert sorted(again.validated) == ["2022/altri/c.xlsx", "2022/da-controllare/formula.xlsx"]
    fresh = run_nightly(share, tmp_path / "da-zero", now=dt.datetime(2026, 11, 2, 2, 0))
    assert len(fresh.validated) == len(again.files)
    assert _records(again.report) == _records(fresh.report)
    across = [(Path(f.file).name, f.cell) for f in again.report if f.code == "copia-in-conflitto"]
    assert ("c.xlsx", "B3") in across and not any(name == "a.xlsx" for name, _ in across)
    assert not any("«a.xlsx»" in f.message for f in again.report)


def test_a_damaged_or_old_cache_costs_only_a_full_validation(share, tmp_path):
    import datetime as dt

    reports = tmp_path / "rapporti"
    first = run_nightly(share, reports, now=dt.datetime(2026, 11, 1, 2, 0))
    (reports / "cache.sqlite").write_bytes(b"non sono un database" * 100)
    (reports / "cache.json").write_text("{}", encoding="utf-8")  # the cache of an earlier version
    second = run_nightly(share, reports, now=dt.datetime(2026, 11, 2, 2, 0))
    assert len(second.validated) == len(first.validated) == 18
    assert _records(second.report) == _records(first.report)
    assert not (reports / "cache.json").exists()
    third = run_nightly(share, reports, now=dt.datetime(2026, 11, 3, 2, 0))
    assert third.validated == [] and _records(third.report) == _records(first.report)


def test_other_settings_validate_every_workbook_again(share, tmp_path):
    """A workbook's cached findings hold only for the rules they were made with: other settings (the
    comune moves to checkpoints at 30/04 and 31/08, whose columns a workbook must now have) validate every
    workbook again, and the same settings again reuse the cache."""
    import datetime as dt

    from perf_xl.settings import load_settings

    reports = tmp_path / "rapporti"
    first = run_nightly(share, reports, now=dt.datetime(2026, 11, 1, 2, 0))
    assert len(first.validated) == 18
    other = dataclasses.replace(load_settings(), checkpoints=("04-30", "08-31", "12-31"))
    second = run_nightly(share, reports, settings=other, now=dt.datetime(2026, 11, 2, 2, 0))
    assert len(second.validated) == 18 and not second.reused
    third = run_nightly(share, reports, settings=other, now=dt.datetime(2026, 11, 3, 2, 0))
    assert not third.validated and len(third.reused) == 18
    assert [(f.file, f.cell, f.code) for f in third.report] == [(f.file, f.cell, f.code) for f in second.report]
