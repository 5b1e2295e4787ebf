"""perf-xl audit: a published Relazione's inconsistencies, with their lines, and nothing else."""

import json

from click.testing import CliRunner

from conftest import VALDORIA
from perf_xl.cli import main
from perf_xl.app.importer import read_relazione_text
from perf_xl.core.relazione.audit import audit_relazione


def test_audit_of_the_seed_lists_exactly_the_inconsistencies(seed_path, settings):
    report = audit_relazione(read_relazione_text(seed_path), str(seed_path), settings)
    got = sorted((f.code, f.row) for f in report)
    assert got == sorted([
        ("scostamento-incoerente", 164), ("scostamento-incoerente", 220), ("scostamento-incoerente", 221),
        ("scostamento-incoerente", 222), ("scostamento-incoerente", 228),
        ("pesi-somma", 226),
        ("area-non-coerente", 69), ("area-non-coerente", 178),
    ])
    weights = next(f for f in report if f.code == "pesi-somma")
    assert weights.cell == "righe 226–228" and weights.value == 82
    # the consistent areas and the correctly rounded % Ragg (93,75 -> 94; 97,5 -> 98) are not listed
    assert not [f for f in report if f.code == "ragg-non-coerente"]


def test_audit_finds_a_wrong_published_ragg_and_area(tmp_path, settings):
    text = read_relazione_text(VALDORIA)
    lines = text.split("\n")
    expected = json.loads(VALDORIA.with_suffix(".expected.json").read_text(encoding="utf-8"))
    area_line = next(i for i, l in enumerate(lines, 1) if l.strip() == expected["inconsistent_area"])
    assert sorted((f.code, f.row) for f in audit_relazione(text, "v.txt", settings)) == \
        [("area-non-coerente", area_line), ("scostamento-incoerente", 69)]
    fields = lines[25].split("\t")
    assert fields[-3:] == ["30", "75", ""]  # line 26: peso 30, % Ragg 75 (consuntivo 45 of atteso 60)
    fields[-2] = "85"  # published 85 instead of 75
    lines[25] = "\t".join(fields)
    report = audit_relazione("\n".join(lines), "v.txt", settings)
    assert sorted((f.code, f.row) for f in report) == \
        [("area-non-coerente", area_line), ("ragg-non-coerente", 26), ("scostamento-incoerente", 69)]
    ragg = next(f for f in report if f.code == "ragg-non-coerente")
    assert ragg.cell == "riga 26" and ragg.value == 85
    assert "pubblicata 85" in ragg.message and "atteso 60, consuntivo 45" in ragg.message
    assert ragg.message.endswith("le regole danno 75,00.")


def test_audit_cli(seed_path, tmp_path):
    r = CliRunner().invoke(main, ["audit", str(seed_path), "--json", str(tmp_path / "a.json")])
    assert r.exit_code == 1
    assert "riga 164" in r.output and "righe 226–228" in r.output
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["counts"]["total"] == 8


def test_import_and_audit_leave_the_text_untouched(tmp_path):
    import hashlib
    import shutil

    src = tmp_path / "relazione.txt"
    shutil.copy(VALDORIA, src)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    runner = CliRunner()
    audit = runner.invoke(main, ["audit", str(src)])
    assert audit.exit_code == 1 and "riga 69" in audit.output, audit.output  # it found what is wrong
    assert runner.invoke(main, ["import-relazione", str(src), "--out", str(tmp_path / "wb")]).exit_code == 0
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relazione.txt", "wb"]
