"""Text as a reader of the published Relazione reads it: no LaTeX, no HTML tags.

The source of the 2022 data is a PDF turned into text by a converter that wrote indicator formulas as
LaTeX (``$n^{\\circ} \\text{ incidenti rilevati P.L.} / \\text{totale } n^{\\circ} … * 100$``) and left
a few ``<p>`` tags. The workbooks keep that text as it was (it is the source); what perf_xl publishes
for people (the PDF) and for machines (the open data) uses :func:`readable`. LaTeX is read by
pylatexenc, HTML by the standard library's parser; only the few signs a converter spells in maths
(``^{\\circ}`` for °, ``*`` for ×) are turned into what a person writes.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from pylatexenc.latex2text import LatexNodes2Text

_MATH = re.compile(r"\$([^$]+)\$")
_SPACES = re.compile(r"[ \t\u00a0]+")
# what maths spells differently from prose: a degree sign as a superscript circle, * for times
_SIGNS = (("^∘", "°"), ("^°", "°"), ("∘", "°"), (" * ", " × "))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append(" ")


@functools.lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def _maths(formula: str) -> str:
    text = _latex().latex_to_text(formula)
    for sign, plain in _SIGNS:
        text = text.replace(sign, plain)
    return text


def readable(text: str | None) -> str:
    """``text`` without HTML tags, with each ``$…$`` LaTeX formula as plain text; spaces tidied.
    Text with neither is returned as it is (apart from runs of spaces)."""
    if not text:
        return ""
    text = str(text)
    if "<" in text and ">" in text:
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    if "$" in text:
        text = _MATH.sub(lambda m: _maths(m.group(1)), text)
    return _SPACES.sub(" ", text).strip()
