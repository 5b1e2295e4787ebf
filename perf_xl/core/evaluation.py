"""The checks of the dirigenti's schede (pure rules, no I/O): component weights that do not sum to
100, the payment-times rule of DL 13/2023 art. 4-bis, and Responsabili written in several ways or
naming several people. Each finding names the file and the cells;
the cells' places are given by the caller (the scheda's layout is io's business).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..evaluation import COMPONENTS, Scheda, Valutazione, _num
from ..findings import finding
from ..model import Finding
from ..wording import as_read, number, percent


def settings_weights(v: Valutazione) -> list[Finding]:
    """The settings' component weights must sum to 100."""
    total = sum(c.weight for c in v.components)
    if abs(total - 100) < 1e-9:
        return []
    return [finding("pesi-componenti", file=v.source, total=number(total),
                    where="impostazioni, sezione [valutazione.componenti]")]


def scheda_weights(s: Scheda, sheet: str, cells: str) -> list[Finding]:
    """A scheda's component weights (as the evaluator may have changed them) must sum to 100."""
    weights = [s.component_weights.get(k) for k in COMPONENTS]
    total = sum(w for w in weights if _num(w))
    if abs(total - 100) < 1e-9 and all(_num(w) for w in weights):
        return []
    return [finding("pesi-componenti", file=s.file, sheet=sheet, cell=cells, total=number(total),
                    where=f"foglio {sheet}, celle {cells}")]


def payment_times(schede: list[tuple[Scheda, str, str]], v: Valutazione, folder: str = "") -> list[Finding]:
    """DL 13/2023 art. 4-bis: a payment-times objective weighing at least ``v.payment_minimum`` % of the
    result pay. ``schede``: (scheda, sheet, the objective weights' cells); ``folder``: the workbooks read. With scope "ente" one finding
    when no dirigente has such an objective; with "dirigente" one per dirigente without it; either way
    one per scheda whose payment-times objectives weigh too little."""
    if not v.payment_check:
        return []
    out = []
    minimum = percent(v.payment_minimum, 0)
    having = [(s, sheet, cells) for s, sheet, cells in schede if any(o.payment for o in s.objectives)]
    if v.payment_scope == "ente" and not having and schede:
        out.append(finding("tempi-pagamento-assente", file=folder, minimum=minimum))
    if v.payment_scope == "dirigente":
        out.extend(finding("tempi-pagamento-assente", file=s.file, variant="dirigente",
                           name=s.responsabile, minimum=minimum) for s, _, _ in schede if not any(o.payment for o in s.objectives))
    for s, sheet, cells in having:
        share = s.payment_share(v)
        if share is not None and share < v.payment_minimum - 1e-9:
            codes = ", ".join(o.code for o in s.objectives if o.payment)
            out.append(finding("tempi-pagamento-peso", file=s.file, sheet=sheet, cell=cells, name=s.responsabile,
                               codes=codes, share=percent(share), minimum=minimum))
    return out


# --- the names in the Responsabile column -------------------------------------------------------------

_REMARK = re.compile(r"\([^)]*\)")  # «(ad interim)», «(f.f.)»: a remark on the role, not the person
_JOINT = re.compile(r"\s*[/;&]\s*")  # «Ghilardi Lamberto / Di Girolamo Gabriella»: two people


class NamedAt(NamedTuple):
    """A spelling of a Responsabile and where it is first written (an objective's Responsabile cell)."""

    name: str
    file: str
    sheet: str
    cell: str
    objective_code: str


def person_key(name: str) -> tuple[str, ...]:
    """Who a Responsabile names, as a person tells it: remarks in brackets, case, spacing and the order
    of the words do not count (``Di Girolamo (ad interim) Gabriella`` = ``Gabriella Di Girolamo``)."""
    return tuple(sorted(as_read(_REMARK.sub(" ", name)).split()))


def responsabili(spellings: list[NamedAt]) -> list[Finding]:
    """The spellings of the Responsabile column that are one person written in different ways (each
    spelling gets its own scheda: an avviso on every spelling but the first) and those that name more
    than one person (their objectives go to one scheda under the joint name)."""
    out = []
    first: dict[tuple[str, ...], NamedAt] = {}
    for s in spellings:
        where = dict(file=s.file, sheet=s.sheet, cell=s.cell, value=s.name)
        if len([p for p in _JOINT.split(s.name) if p.strip()]) > 1:
            out.append(finding("responsabile-congiunto", objective_code=s.objective_code, name=s.name, **where))
            continue
        key = person_key(s.name)
        seen = first.setdefault(key, s)
        if seen is not s and key:
            out.append(finding("responsabile-in-piu-forme", name=s.name, other=seen.name,
                               other_where=f"{Path(seen.file).name}, foglio {seen.sheet}, cella {seen.cell}",
                               **where))
    return out
