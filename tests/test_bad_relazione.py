"""Bad Relazione text exports: each gives a finding with its line, and the rest is still read."""

from click.testing import CliRunner

import bad_inputs as bi
from conftest import VALDORIA
from perf_xl.cli import main
from perf_xl.relazione.parser import parse_relazione

TEXT = VALDORIA.read_text(encoding="utf-8")


def _codes(text):
    return {(f.code, f.row) for f in parse_relazione(text, "x.txt").findings}


def test_missing_header_lines():
    rel = parse_relazione(bi.without_header(TEXT), "x.txt")
    assert len(rel.rows) == 31
    assert ("intestazione-mancante", 1) in {(f.code, f.row) for f in rel.findings}


def test_cut_off_last_line():
    rel = parse_relazione(bi.cut_last_line(TEXT), "x.txt")
    assert len(rel.rows) == 30
    assert ("riga-non-letta", len(TEXT.split("\n"))) in {(f.code, f.row) for f in rel.findings}


def test_empty_and_unrelated_text():
    assert {c for c, _ in _codes("")} == {"nessun-indicatore"}
    assert {c for c, _ in _codes("Gentile utente,\nin allegato la relazione.\n")} == {"nessun-indicatore"}


def test_windows_1252_text_is_read_and_reported(tmp_path):
    src = tmp_path / "relazione.txt"
    src.write_bytes(TEXT.replace("\n", "\r\n").encode("cp1252", errors="replace"))
    r = CliRunner().invoke(main, ["import-relazione", str(src), "--out", str(tmp_path / "wb")])
    assert r.exit_code == 0, r.output
    assert "codifica-non-utf8" in r.output or "non è in UTF-8" in r.output
    assert "31 indicatori" in r.output


def test_import_of_a_text_with_no_indicators_fails_clearly(tmp_path):
    src = tmp_path / "vuoto.txt"
    src.write_text("niente da vedere\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["import-relazione", str(src), "--out", str(tmp_path / "wb")])
    assert r.exit_code == 1 and "nessuna riga di indicatore" in r.output.lower()
