"""CSV outputs (validate --csv, consolidate --csv, the nightly's): for Italian Excel, and user text stays text."""

import csv
import dataclasses
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import workbook_factory as wf
from perf_xl.cli import main
from perf_xl.io.csv_out import EXCEL_IT, csv_cell, write_csv
from perf_xl.io.summary import load_summary_layout
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, SettoreWorkbook

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"
TYPED = {  # what a dirigente typed into a cell that wants a number or a polarity -> the finding's value
    ("target", 0): "-2+3", ("actual", 0): DDE, ("polarity", 1): "@SUM(A1)", ("weight", 1): "+1+1",
    ("actual", 2): HYPERLINK, ("polarity", 3): "\t=1+1",
}
INJECTED = set(TYPED.values())


def _workbook(folder: Path, area: str = wf.AREA, published: float | None = None, typed: bool = True) -> Path:
    rows = wf.clean_rows()
    if typed:
        for (field, k), text in TYPED.items():
            rows[k] = dataclasses.replace(rows[k], **{field: text})
        rows[1] = dataclasses.replace(rows[1], target=-5.0)  # a real negative number: atteso-negativo
    rows[0] = dataclasses.replace(rows[0], note=HYPERLINK, objective=HYPERLINK)
    rows = [dataclasses.replace(r, area=area) for r in rows]
    info = {"year": 2024, "settore": "Settore Città", "schema_version": wf.SCHEMA.version, "comune": "Prova"}
    wb = SettoreWorkbook(info=info, areas=(AreaInfo(1, area, published),), rows=tuple(rows))
    folder.mkdir(parents=True, exist_ok=True)
    return write_settore_workbook(folder / "s.xlsx", wb, schema=wf.SCHEMA, spare_rows=2)


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def _validate_csv(tmp_path) -> Path:
    folder = tmp_path / "wb"
    _workbook(folder)
    out = tmp_path / "segnalazioni.csv"
    r = CliRunner().invoke(main, ["validate", str(folder), "--csv", str(out)])
    assert r.exit_code == 1, r.output
    return out


def test_csv_cell_rule():
    for text in ("=1+1", "+1", "-2+3", "@SUM(A1)", DDE, "\t=1+1", "\r=1+1", "\n=1+1", " =1+1", "\u00a0@x"):
        assert csv_cell(text) == "'" + text, repr(text)
    assert csv_cell("Nettizzato: bando annullato") == "Nettizzato: bando annullato"
    assert csv_cell("a=b-c") == "a=b-c"  # only the first character matters
    assert csv_cell(-0.36) == "-0,36" and csv_cell(-5.0) == "-5" and csv_cell(1082072.5) == "1082072,5"
    assert csv_cell(0.1) == "0,1" and csv_cell(1e-5) == "0,00001" and csv_cell(-0.0) == "0"
    assert csv_cell(True) == "True" and csv_cell(None) == "" and csv_cell(float("nan")) == ""
    assert csv_cell(-0.36, decimal=".") == "-0.36"


def test_validate_csv_has_the_report_columns_and_user_text_as_text(tmp_path):
    out = _validate_csv(tmp_path)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # BOM for Excel, CRLF
    rows = _read(out)
    labels = [c["label"] for c in load_summary_layout()["report"]["columns"]]
    assert rows[0] == labels and "Gravità" in labels  # the xlsx report's headers, accents intact
    values = {r[labels.index("Valore")] for r in rows[1:]}
    assert {"'" + t for t in INJECTED} <= values  # each typed text, prefixed, read back by csv
    assert not values & INJECTED  # and never unprefixed
    (neg,) = [r for r in rows[1:] if r[labels.index("Codice")] == "atteso-negativo"]
    assert neg[labels.index("Valore")] == "-5"  # a real number: not prefixed, Italian
    assert neg[labels.index("Gravità")] == "errore" and neg[labels.index("Riga")] == "3"
    for r in rows[1:]:
        assert r[labels.index("File")].endswith("s.xlsx")


def test_consolidate_csv_is_the_sintesi_table(tmp_path):
    _workbook(tmp_path / "wb", area=HYPERLINK, published=100.5, typed=False)  # an area named like a formula
    out = tmp_path / "aree.csv"
    r = CliRunner().invoke(main, ["consolidate", str(tmp_path / "wb"), "--out", str(tmp_path / "R.xlsx"),
                                  "--csv", str(out)])
    assert r.exit_code == 0, r.output
    rows = _read(out)
    cols = load_summary_layout()["sintesi"]["columns"]
    assert rows[0] == [c["label"] for c in cols] and len(rows) == 2
    row = dict(zip([c["key"] for c in cols], rows[1]))
    assert row["area"] == "'" + HYPERLINK and row["short_name"].startswith("'=")
    assert (row["number"], row["objectives"], row["indicators"]) == ("1", "2", "4")
    assert (row["score"], row["published"], row["difference"]) == ("100", "100,5", "-0,5")  # numbers: no prefix
    assert row["check"] == "NON riprodotto"


def test_shipped_areas_csv_has_accents_and_negative_differences_unprefixed(tmp_path):
    out = tmp_path / "aree.csv"
    r = CliRunner().invoke(main, ["consolidate", "--out", str(tmp_path / "R.xlsx"), "--csv", str(out)])
    assert r.exit_code == 0, r.output
    rows = _read(out)
    by_name = {row[1]: row for row in rows[1:]}
    assert len(by_name) == 9 and "Sviluppo della comunità" in by_name
    diff = rows[0].index("Differenza")
    assert by_name["Opere pubbliche"][diff] == "-0,36"
    assert by_name["Sviluppo della comunità"][diff] == "-0,44"
    assert by_name["Ambiente"][rows[0].index("% Raggiungimento")] == "96,25"


def test_history_csv_keeps_its_format(tmp_path):
    from perf_xl.io.csv_out import HISTORY, append_csv

    p = tmp_path / "history.csv"
    p.write_text("run,files\n2026-01-01T020000,3\n", encoding="utf-8")  # written by an older version
    append_csv(p, ["run", "files"], [["2026-01-02T020000", 4], ["=1+1", 5]], HISTORY)
    assert p.read_text(encoding="utf-8") == "run,files\n2026-01-01T020000,3\n2026-01-02T020000,4\n'=1+1,5\n"


def _libreoffice_open(binary: str, csv_path: Path, out_dir: Path) -> openpyxl.Workbook:
    """Open the CSV as Italian Excel users would (';', UTF-8, Italian numbers) and save it as xlsx."""
    profile = out_dir / "profile"
    proc = subprocess.run([binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--infilter=CSV:59,34,76,1,,1040", "--convert-to", "xlsx", "--outdir", str(out_dir),
                           str(csv_path)], capture_output=True, text=True, timeout=180)
    xlsx = out_dir / (csv_path.stem + ".xlsx")
    assert xlsx.exists(), proc.stderr
    return openpyxl.load_workbook(xlsx)


def test_libreoffice_opens_the_csv_with_text_as_text(tmp_path, require_libreoffice):
    control = tmp_path / "controllo.csv"
    control.write_text("a\r\n=1+1\r\n", encoding="utf-8-sig")  # unprotected: LibreOffice makes it a formula
    assert _libreoffice_open(require_libreoffice, control, tmp_path).active["A2"].data_type == "f"
    findings = _libreoffice_open(require_libreoffice, _validate_csv(tmp_path), tmp_path).active
    cells = [c for row in findings.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    shown = {c.value for c in cells if c.data_type == "s"}
    assert {"'" + t for t in INJECTED} <= shown and "Gravità" in shown
    assert -5 in {c.value for c in cells if c.data_type == "n"}  # the real negative number is a number
    areas = tmp_path / "aree.csv"
    assert CliRunner().invoke(main, ["consolidate", "--out", str(tmp_path / "R.xlsx"), "--csv", str(areas)]).exit_code == 0
    ws = _libreoffice_open(require_libreoffice, areas, tmp_path).active
    assert "Sviluppo della comunità" in {ws.cell(r, 2).value for r in range(2, 11)}
    diff_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(1, c).value == "Differenza")
    diffs = {ws.cell(r, diff_col).value for r in range(2, 11)}
    assert -0.36 in diffs and -0.44 in diffs  # decimal comma read as numbers by an Italian spreadsheet


@pytest.mark.parametrize("rows", [[], [["x", 1.5]]])
def test_write_csv_is_atomic_and_excel_shaped(tmp_path, rows):
    p = write_csv(tmp_path / "t.csv", ["Città", "Peso"], rows)
    assert p.read_bytes() == ("\ufeffCittà;Peso\r\n" + "".join(f"{a};1,5\r\n" for a, _ in rows)).encode("utf-8")
    assert EXCEL_IT.delimiter == ";"
    assert [q.name for q in tmp_path.iterdir()] == ["t.csv"]
