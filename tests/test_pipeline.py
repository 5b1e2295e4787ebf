"""One pass for validation and consolidation: same results with 1 or 2 workers, with or without detail."""

import dataclasses
import json
import shutil

import pytest
from click.testing import CliRunner

import workbook_factory as wf
from conftest import SHIPPED_2022
from perf_xl.cli import main
from perf_xl.app.consolidate import consolidate_folder
from perf_xl.io.summary import summary_dict
from perf_xl.app.run import run
from perf_xl.app.validate import validate_paths


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The shipped workbooks plus broken ones: enough for several batches."""
    f = tmp_path_factory.mktemp("mixed")
    for p in SHIPPED_2022.glob("*.xlsx"):
        shutil.copy(p, f / p.name)
    rows = wf.clean_rows()
    rows[0] = dataclasses.replace(rows[0], actual="24,29")
    wf.write(f / "zz_testo.xlsx", rows)
    wf.edit(wf.write(f / "zz_formula.xlsx"), lambda wb: wb["Indicatori"].__setitem__("P3", 100))
    (f / "zz_rotto.xlsx").write_bytes(b"PK\x03\x04 non davvero")
    return f


def _normalised(d):
    d = dict(d)
    d.pop("folder", None)
    return d


def test_identical_whatever_the_workers_and_batches(folder, tmp_path):
    one = consolidate_folder(folder, workers=1)
    two = consolidate_folder(folder, workers=2)
    assert summary_dict(one) == summary_dict(two)
    small = run(sorted(folder.glob("*.xlsx")), batch_files=2, workers=2)
    assert [f.as_dict() for f in small.report] == [f.as_dict() for f in one.findings]
    codes = {f.code for f in one.findings}
    assert {"pesi-somma", "numero-come-testo", "formula-sovrascritta", "file-illeggibile"} <= codes
    assert one.unreadable and not one.complete


def test_cli_outputs_are_byte_identical_with_one_or_two_workers(folder, tmp_path):
    runner = CliRunner()
    consoles = {}
    for w in ("1", "2"):
        c = runner.invoke(main, ["consolidate", str(folder), "--workers", w, "--out", str(tmp_path / f"R{w}.xlsx"),
                                 "--json", str(tmp_path / f"r{w}.json")])
        v = runner.invoke(main, ["validate", str(folder), "--workers", w, "--json", str(tmp_path / f"v{w}.json"),
                                 "--report", str(tmp_path / f"v{w}.xlsx")])
        # done, but the data has errors (an unreadable workbook, errors in cells): exit 1 both, and said
        assert (c.exit_code, v.exit_code) == (1, 1), c.output + v.output
        assert "Relazione incompleta: 1 cartella di lavoro non usata" in c.output and "zz_rotto.xlsx" in c.output
        consoles[w] = (c.output.replace(f"R{w}.xlsx", "R.xlsx").replace(f"r{w}.json", "r.json"),
                       v.output.replace(f"v{w}.", "v."))
    assert consoles["1"] == consoles["2"]
    for name in ("R{}.xlsx", "v{}.xlsx", "v{}.json"):
        assert (tmp_path / name.format(1)).read_bytes() == (tmp_path / name.format(2)).read_bytes(), name
    assert _normalised(json.loads((tmp_path / "r1.json").read_text())) == \
        _normalised(json.loads((tmp_path / "r2.json").read_text()))


def test_validate_and_consolidate_share_one_pass(folder):
    both = run(sorted(folder.glob("*.xlsx")), validate=True, consolidate=True)
    only = validate_paths([folder])
    consolidation_only = {"anni-diversi", "area-discordante"}  # facts about merging, not about one workbook
    assert [f.as_dict() for f in both.report if f.code not in consolidation_only] == \
        [f.as_dict() for f in only.report]
    assert {f.code for f in both.report} - {f.code for f in only.report} == {"anni-diversi"}


def test_without_detail_the_scores_are_the_same(folder, tmp_path):
    detail = consolidate_folder(folder, detail=True)
    compact = consolidate_folder(folder, detail=False)
    assert [(a.name, a.score, a.indicator_count, len(a.explanation)) for a in detail.areas] == \
        [(a.name, a.score, a.indicator_count, len(a.explanation)) for a in compact.areas]
    op = next(a for a in compact.areas if "OPERE" in a.name)
    assert "riga 93" in " ".join(op.explanation)  # the weak indicator is still named
    assert all(not o.indicators for a in compact.areas for o in a.objectives)
    from perf_xl.io.summary import write_summary_workbook
    import openpyxl

    ws = openpyxl.load_workbook(write_summary_workbook(tmp_path / "c.xlsx", compact))["Sport"]
    assert ws["A3"].value.startswith("Troppe cartelle di lavoro")
    assert [c.value for c in ws[4]] == ["Settore", "Responsabile", "Obiettivi", "Indicatori", "% Raggiungimento",
                                        "Barometro"]
    assert ws["A5"].value == "Settore Sport, Provveditorato ed Economato" and ws["E5"].value == 86.33


def test_large_run_layout_is_identical_with_one_or_two_workers(folder, tmp_path, monkeypatch):
    """Without the detail (the layout of runs over hundreds of workbooks), with the objective parts in a
    temporary file as thousands of workbooks would have them: same Relazione, JSON and explanations with
    one process or two, and the same objectives' scores as the detailed run."""
    from perf_xl.io import part_store
    from perf_xl.io.summary import write_summary_outputs

    monkeypatch.setattr(part_store, "MEMORY_LIMIT", 0)
    out = {}
    for w in (1, 2):
        c = consolidate_folder(folder, detail=False, workers=w)
        xlsx, js = write_summary_outputs(c, tmp_path / f"c{w}.xlsx", tmp_path / f"c{w}.json")
        out[w] = (xlsx.read_bytes(), _normalised(json.loads(js.read_text())),
                  [(a.name, a.explanation, a.settori, len(a.objectives)) for a in c.areas])
    assert out[1] == out[2]
    assert any(explanation for _, explanation, _, _ in out[2][2])  # areas that do not reproduce are explained
    detail = summary_dict(consolidate_folder(folder, detail=True))
    # the detailed run also lists each objective's indicators (for a later year's --confronta)
    assert all("indicators" in o for a in detail["areas"] for o in a["objective_scores"])
    assert all("indicators" not in o for a in out[2][1]["areas"] for o in a["objective_scores"])
    assert [a["objective_scores"] for a in out[2][1]["areas"]] == \
        [[{k: v for k, v in o.items() if k != "indicators"} for o in a["objective_scores"]] for a in detail["areas"]]
