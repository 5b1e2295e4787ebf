"""Bad Relazione text exports: each gives a finding with its line, and the rest is still read."""

from click.testing import CliRunner

import bad_inputs as bi
from conftest import VALDORIA
from perf_xl.cli import main
from perf_xl.core.relazione.parser import parse_relazione

TEXT = VALDORIA.read_text(encoding="utf-8")


def _codes(text):
    return {(f.code, f.row) for f in parse_relazione(text, "x.txt").findings}


def test_missing_header_lines():
    rel = parse_relazione(bi.without_header(TEXT), "x.txt")
    assert len(rel.rows) == 31
    assert ("testo-senza-intestazione", 1) in {(f.code, f.row) for f in rel.findings}


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
    said = " ".join(r.output.split())  # the console wraps long lines
    # each line that is not UTF-8 is named, with how it was read and the letters to check
    assert "La riga 98 non è in UTF-8: è stata letta come Windows-1252" in said
    assert "Controllare le lettere accentate della riga («tournée», «città»)" in said
    assert "31 indicatori" in r.output


def test_import_of_a_text_with_no_indicators_fails_clearly(tmp_path):
    src = tmp_path / "vuoto.txt"
    src.write_text("niente da vedere\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["import-relazione", str(src), "--out", str(tmp_path / "wb")])
    assert r.exit_code == 1 and "nessuna riga di indicatore" in r.output.lower()


# --- decoding: line by line, control characters, what is not a text -----------------------------------

def test_only_the_lines_that_are_not_utf8_are_read_as_windows_1252(tmp_path):
    from perf_xl.app.importer import read_relazione_text

    lines = ["Città di Valdoria", "Attività\tsvolte", "Qualità del servizio", "fine"]
    src = tmp_path / "misto.txt"
    src.write_bytes(b"\r\n".join(line.encode("cp1252" if i == 2 else "utf-8") for i, line in enumerate(lines)))
    findings = []
    assert read_relazione_text(src, findings).split("\r\n") == lines
    assert [(f.code, f.cell) for f in findings] == [("codifica-non-utf8", "riga 3")]
    assert "«Qualità»" in findings[0].message


def test_control_characters_are_removed_and_reported_by_line(tmp_path):
    from perf_xl.app.importer import read_relazione_text

    src = tmp_path / "nul.txt"
    src.write_bytes("uno\n\fdue\tcon\x00nul\r\ntre\x07\x07\n".encode("utf-8"))
    findings = []
    assert read_relazione_text(src, findings) == "uno\n\fdue\tconnul\r\ntre\n"  # form feed and tab kept
    assert [(f.code, f.cell) for f in findings] == [("carattere-di-controllo", "riga 2"),
                                                    ("carattere-di-controllo", "riga 3")]
    assert "un carattere di controllo (NUL)" in findings[0].message
    assert "2 caratteri di controllo (codice 7)" in findings[1].message


def test_utf16_with_and_without_bom(tmp_path):
    from perf_xl.app.importer import read_relazione_text

    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        src = tmp_path / f"{encoding}.txt"
        src.write_bytes(TEXT.encode(encoding))
        findings = []
        assert read_relazione_text(src, findings).lstrip("\ufeff") == TEXT and not findings


def test_a_workbook_or_a_binary_file_is_not_a_relazione_text(tmp_path):
    import pytest

    from perf_xl.app.importer import NotRelazioneText, read_relazione_text

    bi.good_workbook(tmp_path / "X.xlsx")
    (tmp_path / "relazione.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    (tmp_path / "dati.bin").write_bytes(bytes(range(256)) * 8)
    for name, says in (("X.xlsx", "è una cartella di lavoro Excel"), ("relazione.pdf", "è un PDF"),
                       ("dati.bin", "non è un file di testo")):
        with pytest.raises(NotRelazioneText, match=says):
            read_relazione_text(tmp_path / name)


def test_year_given_must_match_the_text():
    import pytest

    from perf_xl.app.importer import NotRelazioneText, build_settore_workbooks
    from perf_xl.schema import load_schema

    with pytest.raises(NotRelazioneText, match="Relazione sulla Performance 2023, ma è stato indicato --year 2022"):
        build_settore_workbooks(TEXT, "v.txt", 2022, load_schema())
    assert build_settore_workbooks(TEXT, "v.txt", 2023, load_schema())[2] == 2023
    assert build_settore_workbooks(TEXT, "v.txt", None, load_schema())[2] == 2023
