"""The OIV pack (issue 15, item 5), through the real command line: ``approva`` the shipped 2022 workbooks,
then ``oiv`` writes into one folder the Relazione (as ``publish`` writes it), the findings, the audit of
the published text, the scheda di validazione (one A4 page, PDF/A) and a manifest that ``verifica``
accepts; the manifest's command gives the same bytes again; a target changed in a copy is an open
point on the scheda."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

pypdf = pytest.importorskip("pypdf")

from cli_runner import is_italian, run_cli  # noqa: E402
from conftest import SHIPPED_2022  # noqa: E402
from perf_xl.core.oiv import PackFacts, validation_sheet  # noqa: E402
from perf_xl.io.pdf import pdf_unavailable  # noqa: E402
from perf_xl.io.summary import load_summary_layout  # noqa: E402
from perf_xl.model import RunResult  # noqa: E402
from perf_xl.schema import load_schema  # noqa: E402

if pdf_unavailable():  # pragma: no cover - a machine without Pango
    if os.environ.get("PERF_XL_REQUIRE_PDF") == "1":
        pytest.fail(f"the PDF is required here (PERF_XL_REQUIRE_PDF=1): {pdf_unavailable()}", pytrace=False)
    pytest.skip(f"{pdf_unavailable()} (PERF_XL_REQUIRE_PDF=1 makes this a failure)", allow_module_level=True)

OIV = load_summary_layout()["oiv"]
CHECKS = OIV["checks"]
SPORT = "2022_settore-sport-provveditorato-ed-economato.xlsx"
LAYOUT = load_schema().indicators
PACK = ["Audit_Relazione_pubblicata_2022.json", "Audit_Relazione_pubblicata_2022.xlsx", "Manifest_2022.json",
        "Relazione_2022.json", "Relazione_2022.pdf", "Relazione_2022.xlsx", "Scheda_validazione_2022.pdf",
        "Scheda_validazione_2022.xlsx", "Segnalazioni_2022.csv", "Segnalazioni_2022.xlsx"]


def flat(text: str) -> str:
    """Text as one line of single spaces (a sentence wrapped in the PDF compares equal)."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def scheda_text(pdf: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(str(pdf))
    return len(reader.pages), flat(" ".join(p.extract_text() for p in reader.pages))


@pytest.fixture(scope="module")
def pack(tmp_path_factory, seed_path):
    """The shipped workbooks approved on 31/01/2022, then their pack with the published text audited."""
    tmp = tmp_path_factory.mktemp("oiv")
    folder = tmp / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    assert run_cli(["approva", str(folder), "--out", "piano.json", "--data", "2022-01-31"], cwd=tmp).exit == 0
    r = run_cli(["oiv", str(folder), "--piano", "piano.json", "--out", "oiv", "--relazione-pubblicata",
                 str(seed_path), "--data", "2023-05-15"], cwd=tmp)
    return tmp, r


def test_the_pack_has_every_piece_and_says_why_it_exits_1(pack):
    tmp, r = pack
    # the shipped workbooks carry one errore (OB43's weights sum to 82): the run says so first, exit 1
    assert r.exit == 1, r.stdout + r.stderr
    assert r.stdout.startswith("Attenzione: i controlli hanno trovato 1 errore"), r.stdout
    assert sorted(p.name for p in (tmp / "oiv").iterdir()) == PACK
    assert "Pacchetto per l'OIV scritto in" in r.stdout and not r.stderr
    rows = list(csv.reader((tmp / "oiv" / "Segnalazioni_2022.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert any("pesi-somma" in row for row in rows[1:]) and not any(any("piano-" in c for c in row) for row in rows)
    audit = json.loads((tmp / "oiv" / "Audit_Relazione_pubblicata_2022.json").read_text(encoding="utf-8"))
    assert audit["counts"] == {"errors": 3, "warnings": 5, "total": 8}


def test_the_manifest_covers_the_pack_and_verifies(pack):
    tmp, _ = pack
    manifest = json.loads((tmp / "oiv" / "Manifest_2022.json").read_text(encoding="utf-8"))
    outputs = sorted(Path(e["path"]).name for e in manifest["files"] if e["role"] == "output")
    assert outputs == sorted(set(PACK) - {"Manifest_2022.json"})
    inputs = [Path(e["path"]).name for e in manifest["files"] if e["role"] == "input"]
    assert len(inputs) == 16 and "piano.json" in inputs and inputs[-1].endswith(".txt")
    ok = run_cli(["verifica", "oiv/Manifest_2022.json"], cwd=tmp)
    assert ok.exit == 0 and "Nessun file è cambiato: 25 file verificati" in ok.stdout, ok.stdout + ok.stderr


def test_the_relazione_of_the_pack_is_the_one_publish_writes(pack):
    tmp, _ = pack
    r = run_cli(["publish", str(tmp / "settori"), "--out", "pub"], cwd=tmp)
    assert r.exit == 0, r.stdout + r.stderr
    for name in ("Relazione_2022.pdf", "Relazione_2022.xlsx"):
        assert (tmp / "pub" / name).read_bytes() == (tmp / "oiv" / name).read_bytes(), name


def test_the_scheda_is_one_a4_page_pdfa_with_the_checklist(pack):
    tmp, _ = pack
    pdf = tmp / "oiv" / "Scheda_validazione_2022.pdf"
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(?:="|>)3', xmp) and re.search(r'pdfaid:conformance(?:="|>)A', xmp)
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "it"
    _, text = scheda_text(pdf)
    # the alert at the top, before the checklist
    assert text.index("Attenzione: i controlli hanno trovato 1 errore") < text.index(OIV["checked_heading"])
    assert text.startswith("COMUNE DI CREMONA Scheda di validazione Relazione sulla Performance 2022")
    assert "Data della scheda: 15/05/2023" in text
    for key in ("read", "validation", "plan", "areas", "audit", "manifest"):
        assert flat(CHECKS[f"{key}_label"]) in text, key
    assert flat(CHECKS["plan_ok"].format(date="31/01/2022", plan="piano.json")) in text
    assert "2 aree su 9 non riproducono il punteggio pubblicato" in text
    assert "3 errori e 5 avvisi, elencati in «Audit_Relazione_pubblicata_2022.xlsx»" in text
    assert "16 file letti e di 9 file di questa cartella" in text
    assert OIV["open_heading"] in text and OIV["signature_heading"] in text
    assert all(choice in text for choice in OIV["signature_choices"])
    # the same lines in the workbook
    ws = openpyxl.load_workbook(tmp / "oiv" / "Scheda_validazione_2022.xlsx")[OIV["sheet"]]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert CHECKS["plan_label"] in cells and OIV["outcomes"]["issues"] in cells
    assert ws.print_title_rows and ws.page_setup.paperSize == 9


def test_the_manifests_command_gives_the_same_bytes(pack):
    tmp, _ = pack
    before = {p.name: p.read_bytes() for p in (tmp / "oiv").iterdir()}
    manifest = json.loads(before["Manifest_2022.json"])
    assert manifest["command"][-2:] == ["--data", "2023-05-15"]
    shutil.rmtree(tmp / "oiv")
    again = run_cli(manifest["command"][1:], cwd=Path(manifest["cwd"]))
    assert again.exit == 1, again.stdout + again.stderr
    after = {p.name: p.read_bytes() for p in (tmp / "oiv").iterdir()}
    assert after.keys() == before.keys()
    assert [n for n in before if before[n] != after[n]] == []


def test_a_changed_target_is_an_open_point(tmp_path, seed_path):
    folder = tmp_path / "settori"
    shutil.copytree(SHIPPED_2022, folder)
    assert run_cli(["approva", str(folder), "--out", "piano.json", "--data", "2022-01-31"], cwd=tmp_path).exit == 0
    wb = openpyxl.load_workbook(folder / SPORT)
    ws = wb[LAYOUT.name]
    target = LAYOUT.cell("target", 5)
    ws[target] = ws[target].value + 5  # 10 -> 15 hours of use
    wb.save(folder / SPORT)
    (tmp_path / "oiv").mkdir()
    (tmp_path / "oiv" / "appunti.txt").write_text("già qui", encoding="utf-8")
    refused = run_cli(["oiv", str(folder), "--piano", "piano.json", "--out", "oiv"], cwd=tmp_path)
    assert refused.exit == 2 and "non è vuota" in refused.stderr and "--sovrascrivi" in refused.stderr
    assert is_italian(refused.stderr) and sorted(os.listdir(tmp_path / "oiv")) == ["appunti.txt"]

    first = run_cli(["oiv", str(folder), "--piano", "piano.json", "--out", "oiv", "--sovrascrivi",
                     "--relazione-pubblicata", str(seed_path)], cwd=tmp_path)
    assert first.exit == 1 and (tmp_path / "oiv" / "Audit_Relazione_pubblicata_2022.xlsx").exists()
    # again without the published text: the earlier pack's audit goes, the notes stay
    r = run_cli(["oiv", str(folder), "--piano", "piano.json", "--out", "oiv", "--sovrascrivi"], cwd=tmp_path)
    assert r.exit == 1, r.stdout + r.stderr
    pages, text = scheda_text(tmp_path / "oiv" / "Scheda_validazione_2022.pdf")
    assert pages == 1
    assert "i controlli hanno trovato 2 errori" in text  # OB43's weights and the target
    assert ("Il confronto con il piano approvato il 31/01/2022 («piano.json») ha dato 1 errore: l'errore è "
            "una differenza senza una variazione approvata") in text
    assert flat(OIV["open"]["plan"].format(errors="1 errore")) in text
    # without the published text: the line says it was not done, and it is an open point
    squeezed = text.replace(" ", "")  # the PDF may break a line after a hyphen of --relazione-pubblicata
    assert CHECKS["audit_none"].replace(" ", "") in squeezed and flat(OIV["open"]["no_audit"]) in text
    names = sorted(os.listdir(tmp_path / "oiv"))
    assert "appunti.txt" in names and not any(n.startswith("Audit_") for n in names)
    rows = list(csv.reader((tmp_path / "oiv" / "Segnalazioni_2022.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert [row for row in rows if "piano-valore-cambiato" in row]
    assert run_cli(["verifica", "oiv/Manifest_2022.json"], cwd=tmp_path).exit == 0


def test_a_wrong_plan_or_text_stops_before_anything_is_written(tmp_path):
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    r = run_cli(["oiv", str(SHIPPED_2022), "--piano", "x.json", "--out", "oiv"], cwd=tmp_path)
    assert r.exit == 2 and "non è un piano approvato" in r.stderr and "Traceback" not in r.stderr
    shutil.copy(SHIPPED_2022 / SPORT, tmp_path / "non_testo.txt")
    r = run_cli(["oiv", str(SHIPPED_2022), "--out", "oiv", "--relazione-pubblicata", "non_testo.txt"], cwd=tmp_path)
    assert r.exit == 2 and "Traceback" not in r.stderr and is_italian(r.stderr), r.stderr
    assert not (tmp_path / "oiv").exists()


def test_the_scheda_of_an_incomplete_run():
    """The core alone: a workbook not used puts the alert at the top and the read line «con rilievi»."""
    c = RunResult(files=["a.xlsx", "b.xlsx"], folder="settori", not_used=["b.xlsx"], year=2022, comune="Valdoria")
    facts = PackFacts(date="01/02/2023", version="0", findings_file="S.xlsx", manifest_file="M.json", inputs=2,
                      outputs=8)
    sheet = validation_sheet(c, facts, OIV)
    assert sheet.alerts[0] == OIV["alert_unreadable"] and sheet.ente == "Comune di Valdoria"
    read = sheet.lines[0]
    assert (read.key, read.word) == ("read", OIV["outcomes"]["issues"])
    assert read.text.startswith("Una cartella di lavoro su 2 non si è potuta usare (b.xlsx)")
    assert [line.word for line in sheet.lines if line.key in ("plan", "audit")] == [OIV["outcomes"]["not_done"]] * 2
    assert all(is_italian(p) for p in sheet.open_points)


def test_approved_changes_are_counted_but_not_open():
    """The plan's avvisi (changes approved and registered, once the register exists) are counted on the
    plan's line, which stays «conforme»; only its errori are open points."""
    from perf_xl.model import Finding

    c = RunResult(files=["a.xlsx"], folder="settori", year=2022, comune="Valdoria")
    approved = Finding("a.xlsx", "Indicatori", "K5", 5, "Target atteso", "piano-valore-cambiato", "avviso", "…", 15)
    facts = PackFacts(date="01/02/2023", version="0", findings_file="S.xlsx", manifest_file="M.json", inputs=2,
                      outputs=8, plan_findings=(approved,), plan_file="piano.json", plan_date="31/01/2022")
    sheet = validation_sheet(c, facts, OIV)
    plan = next(line for line in sheet.lines if line.key == "plan")
    assert plan.word == OIV["outcomes"]["ok"] and "ha dato 1 avviso: l'avviso è una variazione approvata" in plan.text
    assert not sheet.alerts and not any("piano approvato" in p for p in sheet.open_points)


def test_a_copy_of_the_pack_sent_elsewhere_is_verified_where_it_is(pack):
    """The pack goes to the OIV as a folder: its files are found beside the manifest, wherever the folder is
    now; a byte changed in the copy is named at its new place."""
    tmp, _ = pack
    sent = tmp / "inviato_oiv"
    shutil.copytree(tmp / "oiv", sent)
    shutil.rmtree(tmp / "oiv")
    try:
        ok = run_cli(["verifica", str(sent / "Manifest_2022.json")], cwd=tmp)
        assert ok.exit == 0 and "Nessun file è cambiato: 25 file verificati" in ok.stdout, ok.stdout + ok.stderr
        victim = sent / "Relazione_2022.xlsx"
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 1
        victim.write_bytes(bytes(data))
        changed = run_cli(["verifica", str(sent / "Manifest_2022.json")], cwd=tmp)
        lines = [line for line in changed.stdout.splitlines() if line.startswith(("CAMBIATO", "MANCANTE"))]
        assert changed.exit == 1 and len(lines) == 1 and str(victim) in lines[0], changed.stdout
        data[len(data) // 2] ^= 1
        victim.write_bytes(bytes(data))
    finally:
        shutil.copytree(sent, tmp / "oiv")  # the module's other tests read the pack where it was made
