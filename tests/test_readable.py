"""What the PDF and the open data show of the source's text: LaTeX formulas as a person writes them,
no HTML tags; the seed's own formulas all come out without a LaTeX command or a dollar sign."""

from __future__ import annotations

import re

import pytest

from perf_xl.readable import readable


@pytest.mark.parametrize("source, shown", [
    (r"$n^{\circ} \text{ incidenti rilevati P.L.} / \text{totale } n^{\circ} \text{ incidenti rilevati da tutte "
     r"le Forze di Polizia compresa P.L.} * 100$",
     "n° incidenti rilevati P.L. / totale n° incidenti rilevati da tutte le Forze di Polizia compresa P.L. × 100"),
    (r"$(\text{Finanziamento accettato} / \text{Finanziamento richiesto}) * 100$",
     "(Finanziamento accettato / Finanziamento richiesto) × 100"),
    ("<p>Garantire la sicurezza</p><p>urbana</p>", "Garantire la sicurezza urbana"),
    ("Costo 5$ e a < b", "Costo 5$ e a < b"),  # one dollar is not maths, a lone < is not a tag
    ("  Testo   normale ", "Testo normale"),
    ("", ""),
    (None, ""),
])
def test_readable(source, shown):
    assert readable(source) == shown


def test_every_formula_of_the_seed_reads_as_text(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    formulas = re.findall(r"\$[^$\n]+\$", text)
    assert len(formulas) >= 10
    for f in formulas:
        out = readable(f)
        assert "\\" not in out and "$" not in out and "{" not in out and "^" not in out, (f, out)
