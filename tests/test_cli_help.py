"""Every command has --help (its docstring, with an example) and is documented in the README."""

from pathlib import Path

from click.testing import CliRunner

from perf_xl.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_a_readme_section():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for name in main.commands:
        r = runner.invoke(main, [name, "--help"])
        assert r.exit_code == 0 and "Esempio" in r.output, name
        assert f"perf-xl {name}" in README, name


def test_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    cmd = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    assert cmd in ci and cmd in README


def test_command_failures_exit_2(tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text('decreasing_ratio = "boh"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["consolidate", "--settings", str(bad), "--out", str(tmp_path / "R.xlsx")])
    assert r.exit_code == 2 and "Impostazioni non valide" in r.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["consolidate", "--out", str(blocker / "R.xlsx")])
    assert r.exit_code == 2 and "Error" in r.output


ENGLISH_MARKS = (" the ", " of ", " and ", "Write ", "Read ", " default", " when ", " with ", " is ", " every ",
                 "Example", " which ", " must ")


def test_no_help_text_is_left_in_english():
    """Every command's description and every option's help reads in Italian (click's chrome is in click_it)."""
    runner = CliRunner()
    texts = {"perf-xl": runner.invoke(main, ["--help"], terminal_width=1000).output}
    for name, command in main.commands.items():
        texts[name] = runner.invoke(main, [name, "--help"], terminal_width=1000).output
        texts.update({f"{name} {p.name}": f" {p.help} " for p in command.params if getattr(p, "help", None)})
    left = {where: mark for where, text in texts.items() for mark in ENGLISH_MARKS if mark in text}
    assert not left, left
