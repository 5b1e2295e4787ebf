"""The checks of the dirigenti's schede (pure rules, no I/O): component weights that do not sum to
100, and the payment-times rule of DL 13/2023 art. 4-bis. Each finding names the file and the cells;
the cells' places are given by the caller (the scheda's layout is io's business).
"""

from __future__ import annotations

from ..evaluation import COMPONENTS, Scheda, Valutazione, _num
from ..findings import finding
from ..model import Finding
from ..wording import number, percent


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
