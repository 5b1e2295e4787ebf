"""Italian number text (``1.082.072``, ``24,29``, ``-0,71``) to floats, and floats to it.

Read by the Relazione importer, which reads text, and by validation, which tells a
dirigente that a number was typed as text and what to type instead; written by every
message and output that shows a number to an Italian reader.
"""

from __future__ import annotations

import re
from decimal import Decimal

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+(,\d+)?$")


def parse_italian_number(text: str) -> float | None:
    """The number an Italian-formatted string means, or None if it is not one.

    ``1.200`` is twelve hundred (a dot groups thousands), ``1,20`` is one point two.
    A trailing ``%`` is allowed and ignored.
    """
    s = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if not s:
        return None
    if _THOUSANDS.match(s):
        return float(s.replace(".", "").replace(",", "."))
    if _PLAIN.match(s):
        return float(s.replace(",", "."))
    return None


def format_italian(x: float, decimals: int | None = 2, grouping: bool = True) -> str:
    """``96.25`` -> ``96,25`` (for messages a dirigente reads).

    ``decimals=None`` writes every digit the float has and no more (``0.1`` -> ``0,1``, never
    an exponent) and ``grouping=False`` leaves out the thousands dots: what a CSV needs, so that
    Excel in Italian reads the number back exactly and other programs need not strip the dots.
    """
    if decimals is None:
        # the shortest text that reads back as the same float, in plain (not scientific) notation;
        # + 0.0 turns -0.0 into 0.0 (a "-0" would look like text starting with a minus)
        s = format(Decimal(repr(float(x) + 0.0)), ",f" if grouping else "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
    else:
        s = f"{x:{',' if grouping else ''}.{decimals}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


_EN_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_EN_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


def parse_number_text(text: str) -> float | None:
    """What a number typed as text means, Italian first (``1.200`` is twelve hundred), then English
    (``1,234.56``, ``24.29``): for telling the dirigente which number to type."""
    value = parse_italian_number(text)
    if value is not None:
        return value
    s = text.strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if _EN_THOUSANDS.match(s):
        return float(s.replace(",", ""))
    if _EN_DECIMAL.match(s):
        return float(s)
    return None
