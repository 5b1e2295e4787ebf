"""Italian number text (``1.082.072``, ``24,29``, ``-0,71``) to floats.

Used by the Relazione importer, which reads text, and by validation, which tells a
dirigente that a number was typed as text and what to type instead.
"""

from __future__ import annotations

import re

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


def format_italian(x: float, decimals: int = 2) -> str:
    """``96.25`` -> ``96,25`` (for messages a dirigente reads)."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
