"""The rule for copies of a settore workbook (perf_xl.duplicates), in-process."""

from __future__ import annotations

import os

import pytest

import workbook_factory as wf
from perf_xl.core.duplicates import Identity, find_duplicates, looks_like_copy
from perf_xl.wording import as_read
from perf_xl.app.validate import collect_paths


@pytest.mark.parametrize("name", [
    "Copia di X.xlsx", "copy of X.xlsx", "X - Copia.xlsx", "X - Copia (2).xlsx", "X (1).xlsx", "X(2).xlsx",
    "X_old.xlsx", "X old.xlsx", "X - backup.xlsx", "X_backup.xlsx", "Xbak.xlsx", "X copia.xlsx", "X_OLD.xlsm"])
def test_names_that_look_like_copies(name):
    assert looks_like_copy(name)


@pytest.mark.parametrize("name", [
    "2022_settore-sport-provveditorato-ed-economato.xlsx", "bold.xlsx", "copiatrici.xlsx", "Settore 2022.xlsx",
    "oldham.xlsx"])
def test_names_that_do_not(name):
    assert not looks_like_copy(name)


def test_settore_names_compare_as_a_person_reads_them():
    assert as_read("Settore  Sport, Provveditorato ") == as_read("settore sport, provveditorato")
    assert as_read("Servizio dell’Ambiente") == as_read("Servizio dell'Ambiente")
    assert as_read("Settore Sport") != as_read("Settore Sporte")


def ident(file, settore="Settore A", year="2022", digest="d1", codes=("OB1",), areas=("AREA 1",)):
    return Identity(file, settore, year, "Info", "B3", digest,
                    tuple((c, "Indicatori", f"B{i + 2}") for i, c in enumerate(codes)), areas)


def test_the_original_is_used_whatever_the_order():
    d = find_duplicates([ident("/s/Copia di X.xlsx"), ident("/s/X.xlsx"), ident("/s/X (1).xlsx", digest="d2")])
    assert d.excluded == {"/s/Copia di X.xlsx", "/s/X (1).xlsx"}
    codes = {(f.file, f.code, f.severity) for f in d.findings}
    assert codes == {("/s/Copia di X.xlsx", "copia-identica", "avviso"), ("/s/X (1).xlsx", "copia-in-conflitto", "errore")}
    assert [c["used"] for c in d.conflicts] == ["X.xlsx"]
    assert d.to_verify == {"AREA 1": [d.to_verify["AREA 1"][0]]} and "«X (1).xlsx»" in d.to_verify["AREA 1"][0]


def test_several_originals_or_none_first_by_file_name():
    d = find_duplicates([ident("/s/b.xlsx"), ident("/s/a.xlsx", digest="d2")])
    assert d.excluded == {"/s/b.xlsx"}
    d = find_duplicates([ident("/s/Copy of b.xlsx"), ident("/s/a_old.xlsx")])
    assert d.excluded == {"/s/a_old.xlsx"}


def test_groups_are_the_union_of_both_relations():
    # a and b: same settore; b and c: a shared code; c is another settore in name, but b's copy
    a = ident("/s/a.xlsx", codes=("OB1",))
    b = ident("/s/b.xlsx", codes=("OB2",), digest="d2")
    c = ident("/s/c.xlsx", settore="Settore C", codes=("OB2",), digest="d3", areas=("AREA 2",))
    d = find_duplicates([c, b, a])
    assert d.excluded == {"/s/b.xlsx", "/s/c.xlsx"}
    (on_c,) = [f for f in d.findings if f.file == "/s/c.xlsx"]
    assert "«c.xlsx» e «b.xlsx»" in on_c.message and "OB2 in Indicatori!B2 e Indicatori!B2" in on_c.message
    assert "usa «a.xlsx»" in on_c.message and (on_c.sheet, on_c.cell) == ("Indicatori", "B2")
    assert set(d.to_verify) == {"AREA 1", "AREA 2"}


def test_other_years_are_other_workbooks():
    d = find_duplicates([ident("/s/2022/a.xlsx"), ident("/s/2023/a.xlsx", year="2023", digest="d2")])
    assert not d.findings and not d.excluded


def test_no_settore_no_code_no_group():
    d = find_duplicates([ident("/s/a.xlsx", settore="", codes=()), ident("/s/b.xlsx", settore="", codes=())])
    assert not d.findings


def test_same_name_in_two_folders_is_named_by_path():
    d = find_duplicates([ident("/s/uno/X.xlsx"), ident("/s/due/X.xlsx", digest="d2")])
    (f,) = d.findings
    assert f.file == "/s/uno/X.xlsx" and "«/s/uno/X.xlsx» e «/s/due/X.xlsx»" in f.message


def test_collect_paths_counts_each_file_once(tmp_path):
    a = wf.write(tmp_path / "a.xlsx")
    link = tmp_path / "sub"
    link.mkdir()
    os.symlink(a, link / "link.xlsx")
    got = collect_paths([a, a, tmp_path, link / "link.xlsx", link])
    assert got == [a]


def _areas(result):
    return [(a.name, a.score, a.indicator_count, len(list(a.objectives))) for a in result.areas]


@pytest.mark.parametrize("detail,workers", [(True, 1), (False, 1), (False, 2)])
def test_copies_are_left_out_in_memory_on_disk_and_with_workers(tmp_path, detail, workers):
    import dataclasses
    import shutil

    import bad_inputs as bi
    from perf_xl.app.run import run

    folder = tmp_path / "cartella"
    folder.mkdir()
    a = wf.write(folder / "a.xlsx")
    wf.write(folder / "b.xlsx", rows=bi.good_rows(), info={"settore": "Settore Buono"})
    alone = run(sorted(folder.iterdir()), detail=detail, workers=workers)
    shutil.copyfile(a, folder / "Copia di a.xlsx")  # sorts before a.xlsx: read first, left out afterwards
    rows = [dataclasses.replace(r, actual=1.0) if r.row == 0 and r.indicator == "Pratiche evase" else r
            for r in wf.clean_rows()]
    wf.write(folder / "a (1).xlsx", rows=rows)
    both = run(sorted(folder.iterdir()), detail=detail, workers=workers)
    assert _areas(both) == _areas(alone)
    assert [p.rsplit("/", 1)[-1] for p in both.excluded] == ["Copia di a.xlsx", "a (1).xlsx"]
    assert {f.code for f in both.report if f.code.startswith("copia")} == {"copia-identica", "copia-in-conflitto"}
    (area,) = both.areas
    assert len(area.to_verify) == 1 and "«a (1).xlsx»" in area.to_verify[0]


def test_the_values_digest_ignores_where_the_rows_are_and_the_file():
    import dataclasses

    from perf_xl.core.duplicates import value_digest
    from perf_xl.model import AreaInfo

    rows, areas = wf.clean_rows(), [AreaInfo(1, "X", None), AreaInfo(2, "Y", 96.25)]
    moved = [dataclasses.replace(r, row=r.row + 7, file="altro.xlsx") for r in reversed(rows)]
    assert value_digest(rows, areas) == value_digest(moved, list(reversed(areas)))
    changed = [dataclasses.replace(rows[0], actual=121.0)] + rows[1:]
    assert value_digest(rows, areas) != value_digest(changed, areas)
    assert value_digest(rows, areas) != value_digest(rows, [AreaInfo(1, "X", None), AreaInfo(2, "Y", 96.26)])
