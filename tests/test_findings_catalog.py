"""The catalog of findings (schemas/findings.toml): every code used is in it and every code in it is
used, every message renders and is Italian, one severity per code, the README's table is the
catalog's, and a finding is made only through perf_xl.findings.finding()."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from cli_runner import is_italian
from perf_xl import findings
from perf_xl.findings import PLACE_FIELDS, catalog, finding, markdown, parse_catalog
from perf_xl.model import ERROR, WARNING

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "perf_xl"
CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


def _sources() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def _called(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _literal_codes_made() -> set[str]:
    """Every code written where a finding is made: a code-like literal given to finding(…) / _finding(…)
    (first argument) or to the reader's sink.add(…) / the nightly's odd_one(…); the first item of a
    problem tuple (``("file-vuoto", None, {})``); a module constant (``IDENTICAL = "copia-identica"``)."""
    out = set()
    for tree in _sources().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in ("finding", "_finding", "add", "odd_one"):
                args = node.args[:1] if _called(node) == "_finding" else node.args
                out.update(a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                           and CODE.match(a.value))
            elif isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant):
                first = node.elts[0].value
                if isinstance(first, str) and CODE.match(first) and len(node.elts) >= 3:
                    out.add(first)
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                  and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str) and CODE.match(node.value.value)):
                out.add(node.value.value)
    return out


def _string_constants() -> set[str]:
    return {n.value for tree in _sources().values() for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_every_code_made_is_in_the_catalog_and_every_code_is_made():
    made = _literal_codes_made()
    assert made - catalog().keys() == set()  # (an unknown code also raises when the finding is made)
    assert catalog().keys() - made == set()


def test_no_dead_code_in_the_catalog():
    """Every code of the catalog is written somewhere in the package (a call, a problem tuple, a constant)."""
    assert catalog().keys() - _string_constants() == set()


def test_codes_are_codes_and_one_severity_each():
    for code, e in catalog().items():
        assert CODE.match(code), code
        assert e.severity in (ERROR, WARNING)
        assert e.group in findings.GROUPS


def _sample(template: str) -> dict[str, object]:
    return {name: "7" for _, name, _, _ in string.Formatter().parse(template) if name}


# a message made only of text written elsewhere (the area's explanation, in Italian, from the core)
WHOLLY_FIELDS = {"area-non-coerente"}


def test_every_message_renders_with_its_fields_and_is_italian():
    for code, e in catalog().items():
        assert is_italian(e.title + " " + e.todo) and is_italian(e.todo), (code, e.todo)
        for variant, template in e.messages.items():
            fields = _sample(template)
            place = {k: fields.pop(k) for k in list(fields) if k in PLACE_FIELDS}
            f = finding(code, variant=variant, **place, **fields)
            assert f.code == code and f.severity == e.severity
            assert "{" not in f.message and "}" not in f.message, (code, variant)
            if code not in WHOLLY_FIELDS:
                assert is_italian(f.message), (code, variant, f.message)


def test_a_finding_takes_the_catalog_severity_and_wording():
    f = finding("valore-mancante", file="a.xlsx", sheet="Indicatori", cell="M4", row=4, column="Atteso")
    assert (f.file, f.sheet, f.cell, f.row, f.column, f.code, f.severity) == (
        "a.xlsx", "Indicatori", "M4", 4, "Atteso", "valore-mancante", ERROR)
    assert f.message == "La cella M4 (Atteso) è obbligatoria: inserire un valore."
    v = finding("tipo-non-numerico", cell="N5", column="Consuntivo", variant="vero-falso", value=True)
    assert v.message == "La cella N5 (Consuntivo) contiene VERO/FALSO: scrivere un numero." and v.value is True
    assert finding("file-in-scrittura", variant="notturno").severity == ERROR


def test_mistakes_in_the_program_raise():
    with pytest.raises(KeyError, match="non-esiste"):
        finding("non-esiste")
    with pytest.raises(KeyError, match="variant"):
        finding("valore-mancante", variant="boh")
    with pytest.raises(ValueError, match="missing"):
        finding("numero-come-testo", cell="A1", column="Peso", value="24,29")  # {number} not given
    with pytest.raises(ValueError, match="not used"):
        finding("valore-mancante", cell="A1", column="Peso", numero=3)


def test_a_malformed_catalog_is_refused_at_load():
    good = '[x-y]\ngroup = "file"\nseverity = "errore"\ntitle = "T"\nmessage = "M"\ntodo = "D"\n'
    assert parse_catalog(good)["x-y"].severity == ERROR
    for bad in (good.replace('"errore"', '"grave"'), good.replace('"file"', '"altro"'),
                good.replace('todo = "D"\n', ""), good + 'colore = "rosso"\n',
                good.replace('"M"', '"{n:.2f}"')):
        with pytest.raises(ValueError):
            parse_catalog(bad)


def test_the_readme_holds_the_generated_table():
    table = markdown()
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")
    for code in catalog():
        assert f"`{code}`" in table


def test_the_markdown_command(capsys):
    assert findings.main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown()
    assert findings.main([]) == 2


def test_findings_are_made_only_through_the_catalog():
    """``Finding(`` appears only in the catalog's loader, and where the nightly reads its cache back."""
    made = {}
    for p, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) == "Finding":
                made.setdefault(p.relative_to(PACKAGE).as_posix(), []).append(node.lineno)
    assert set(made) <= {"findings.py", "nightly.py", "app/nightly.py"}, made
    for p in ("nightly.py", "app/nightly.py"):
        if p in made:  # Finding(**d): a cached finding read back, made by finding() when it was found
            src = (PACKAGE / p).read_text(encoding="utf-8")
            assert src.count("Finding(") == src.count("Finding(**d)") == 1


def test_findings_is_a_base_module():
    tree = ast.parse((PACKAGE / "findings.py").read_text(encoding="utf-8"))
    local = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert local <= {"model", "schema", "wording", "settings", "numbers"}
