"""The dirigenti's individual evaluation (issue 16): the comune's rules (``[valutazione]`` of
``schemas/settings.toml``), the one rule that turns a scheda's numbers into a final score and a band,
and the native Excel formulas of that same rule.

Why here (base) and not in core: the scheda writer (io) writes the formulas and the app computes the
cached values and the payroll from the rule; io may not import core, so the rule and its formula text
live side by side in one base module, as :mod:`perf_xl.scoring` and :mod:`perf_xl.formulas` do for the
indicators. A test recalculates the schede in LibreOffice and compares with :func:`final_score`.

The rule, on a scheda:

* objectives component: Σ weight × score / Σ weight over the objectives that have a score (an
  objective whose indicators all have peso 0 has none, and does not count); empty when no weight counts;
* ente component: the simple mean of the areas' scores of the consolidation (written as a number);
* behaviours component: the mean of the behaviour scores divided by the top of the scale, × 100;
  empty until every behaviour has its score;
* final score: Σ component weight × component score / 100, rounded to the hundredth (as Excel's
  ROUND), empty until every component has a score;
* band: the first band (from the highest) whose minimum the final score reaches.
"""

from __future__ import annotations

import tomllib
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field
from pathlib import Path

from .schema import schema_file
from .settings import SettingsError
from .wording import as_read

COMPONENTS = ("obiettivi", "ente", "comportamenti")
SCOPES = ("ente", "dirigente")


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    weight: float


@dataclass(frozen=True)
class Band:
    name: str
    minimum: float


@dataclass(frozen=True)
class Valutazione:
    """``[valutazione]`` of the settings: see the comments there for each key."""

    components: tuple[Component, ...] = (Component("obiettivi", "Obiettivi individuali", 60.0),
                                         Component("ente", "Risultati dell'ente", 10.0),
                                         Component("comportamenti", "Comportamenti organizzativi", 30.0))
    behaviours: tuple[str, ...] = ("Capacità di programmazione e di organizzazione del lavoro",)
    scale_min: int = 1
    scale_max: int = 10
    bands: tuple[Band, ...] = (Band("Fascia A", 90.0), Band("Fascia B", 75.0), Band("Fascia C", 60.0),
                               Band("Fascia D", 0.0))
    payment_check: bool = True
    payment_minimum: float = 30.0
    payment_scope: str = "ente"
    payment_words: tuple[str, ...] = ("tempi di pagamento", "tempestività dei pagamenti")
    payment_codes: tuple[str, ...] = ()
    dirigenti: tuple[str, ...] = ()
    source: str = "schemas/settings.toml"

    def weight(self, key: str) -> float:
        return next(c.weight for c in self.components if c.key == key)

    def is_payment_objective(self, code: str, name: str) -> bool:
        """An objective about payment times: a word of the settings in its name, or its code listed."""
        text = as_read(name)
        return (as_read(code) in {as_read(c) for c in self.payment_codes}
                or any(as_read(w) in text for w in self.payment_words))


def _float(raw: dict, key: str, where: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"la chiave {where}.{key} vale «{value}», ma deve essere un numero.")
    return float(value)


def parse_valutazione(raw: dict, source: str = "schemas/settings.toml") -> Valutazione:
    """The ``[valutazione]`` table (``raw``) as a :class:`Valutazione`; missing keys take the defaults."""
    d = Valutazione()
    comps = raw.get("componenti", {})
    unknown = [k for k in comps if k not in COMPONENTS]
    if unknown:
        raise SettingsError(f"la componente valutazione.componenti.{unknown[0]} non è prevista: le componenti "
                            f"ammesse sono {', '.join(COMPONENTS)}.")
    components = tuple(Component(k, str(comps.get(k, {}).get("label", c.label)),
                                 _float(comps.get(k, {}), "weight", f"valutazione.componenti.{k}", c.weight))
                       for k, c in zip(COMPONENTS, d.components))
    beh = raw.get("comportamenti", {})
    items = tuple(str(i) for i in beh.get("items", d.behaviours))
    lo, hi = int(_float(beh, "scale_min", "valutazione.comportamenti", d.scale_min)), \
        int(_float(beh, "scale_max", "valutazione.comportamenti", d.scale_max))
    if not items or not 0 <= lo < hi:
        raise SettingsError("la sezione valutazione.comportamenti deve avere almeno un comportamento in items e "
                            "una scala con scale_min minore di scale_max (per esempio da 1 a 10).")
    bands = tuple(Band(str(b["name"]), _float(b, "minimum", "valutazione.fasce", 0))
                  for b in raw.get("fasce", ())) or d.bands
    bands = tuple(sorted(bands, key=lambda b: -b.minimum))
    if bands[-1].minimum != 0:
        raise SettingsError("l'ultima fascia di valutazione.fasce deve avere minimum = 0, perché ogni punteggio "
                            "finale abbia una fascia.")
    pt = raw.get("tempi_pagamento", {})
    scope = pt.get("scope", d.payment_scope)
    if scope not in SCOPES:
        raise SettingsError(f"la chiave valutazione.tempi_pagamento.scope vale «{scope}», ma i valori ammessi "
                            "sono «ente» e «dirigente».")
    return Valutazione(
        components=components, behaviours=items, scale_min=lo, scale_max=hi, bands=bands,
        payment_check=bool(pt.get("check", d.payment_check)),
        payment_minimum=_float(pt, "minimum", "valutazione.tempi_pagamento", d.payment_minimum),
        payment_scope=scope, payment_words=tuple(pt.get("words", d.payment_words)),
        payment_codes=tuple(str(c) for c in pt.get("codes", ())),
        dirigenti=tuple(str(n) for n in raw.get("dirigenti", ())), source=source)


def load_valutazione(path: str | Path | None = None) -> Valutazione:
    """``[valutazione]`` of the settings file ``path`` (default: the shipped one)."""
    p = Path(path) if path else schema_file("settings.toml")
    raw = tomllib.loads(p.read_text(encoding="utf-8"))
    return parse_valutazione(raw.get("valutazione", {}), source=str(p) if path else "schemas/settings.toml")


# --- the rule -------------------------------------------------------------------------------------

def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def objectives_score(scores: list, weights: list) -> float | None:
    """Σ w·s / Σ w over the objectives with a score; blank or text weights count 0 (as SUMPRODUCT)."""
    num = sum(s * w for s, w in zip(scores, weights) if _num(s) and _num(w))
    den = sum(w for s, w in zip(scores, weights) if _num(s) and _num(w))
    return None if den == 0 else num / den


def ente_score(area_scores: list) -> float | None:
    """The results of the whole ente: the simple mean of the areas' scores (areas without one left out)."""
    values = [s for s in area_scores if _num(s)]
    return sum(values) / len(values) if values else None


def behaviours_score(values: list, scale_max: int) -> float | None:
    """The mean of the behaviour scores over the top of the scale, × 100; None until all are given."""
    if not values or not all(_num(v) for v in values):
        return None
    return sum(values) / len(values) / scale_max * 100


def round_half_up(x: float, decimals: int = 2) -> float:
    """As Excel's ROUND: halves away from zero, on the number as its 15 significant digits show it."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(f"{x:.15g}").quantize(q, rounding=ROUND_HALF_UP))


def final_score(weights: list, scores: list) -> float | None:
    """Σ component weight × component score / 100, in the components' order, rounded to the hundredth
    (what the scheda shows, the payroll pays and the band is decided on); None while one is missing."""
    if not all(_num(s) for s in scores) or not all(_num(w) for w in weights):
        return None
    return round_half_up(sum(w * s for w, s in zip(weights, scores)) / 100)


def band(score: float | None, bands: tuple[Band, ...]) -> str | None:
    if score is None:
        return None
    return next((b.name for b in bands if score >= b.minimum), bands[-1].name)


# --- the same rule as native formulas (no leading "=") ---------------------------------------------

def objectives_formula(scores: str, weights: str) -> str:
    den = f"SUMPRODUCT(--ISNUMBER({scores}),{weights})"
    return f'IF({den}=0,"",SUMPRODUCT({scores},{weights})/{den})'


def behaviours_formula(values: str, count: int, scale_max: int) -> str:
    return f'IF(COUNT({values})<{count},"",AVERAGE({values})/{scale_max}*100)'


def final_formula(pairs: list[tuple[str, str]]) -> str:
    """``pairs``: (weight cell, score cell) per component, in order."""
    ok = ",".join(f"ISNUMBER({w}),ISNUMBER({s})" for w, s in pairs)
    total = "+".join(f"{w}*{s}" for w, s in pairs)
    return f'IF(AND({ok}),ROUND(({total})/100,2),"")'


def band_formula(score_cell: str, bands: tuple[Band, ...]) -> str:
    inner = f'"{bands[-1].name}"'
    for b in reversed(bands[:-1]):
        inner = f'IF({score_cell}>={b.minimum:g},"{b.name}",{inner})'
    return f'IF(ISNUMBER({score_cell}),{inner},"")'


# --- a scheda's data ------------------------------------------------------------------------------

@dataclass
class SchedaObjective:
    code: str
    name: str
    area: str
    settore: str
    score: float | None
    weight: float | None  # input: equal shares at first
    payment: bool = False


@dataclass
class Scheda:
    """One dirigente's scheda: what perf_xl writes (objectives, ente score) and the evaluator's inputs."""

    responsabile: str
    year: int | None
    comune: str
    objectives: list[SchedaObjective]
    ente: float | None
    component_weights: dict[str, float | None]
    behaviours: list[tuple[str, float | None, str]]  # (item, score, note)
    colloquio: dict[str, object] = field(default_factory=dict)
    file: str = ""

    def component_scores(self, v: Valutazione) -> dict[str, float | None]:
        return {"obiettivi": objectives_score([o.score for o in self.objectives], [o.weight for o in self.objectives]),
                "ente": self.ente,
                "comportamenti": behaviours_score([s for _, s, _ in self.behaviours], v.scale_max)}

    def final(self, v: Valutazione) -> float | None:
        scores = self.component_scores(v)
        return final_score([self.component_weights.get(k) for k in COMPONENTS], [scores[k] for k in COMPONENTS])

    def band(self, v: Valutazione) -> str | None:
        return band(self.final(v), v.bands)

    def payment_share(self, v: Valutazione) -> float | None:
        """The share of the final score (the result pay) that the payment-times objectives weigh, in %."""
        weights = [o.weight if _num(o.weight) else 0 for o in self.objectives]
        total = sum(weights)
        w = self.component_weights.get("obiettivi")
        if not total or not _num(w):
            return None
        return w * sum(x for x, o in zip(weights, self.objectives) if o.payment) / total


# --- the differentiation table (D.Lgs. 33/2013 art. 20): no names ---------------------------------

@dataclass(frozen=True)
class BandRow:
    band: str
    minimum: float | None
    count: int
    min: float | None
    mean: float | None
    max: float | None


def differentiation(finals: list, bands: tuple[Band, ...]) -> tuple[list[BandRow], int]:
    """Per band (from the highest) the number of dirigenti and the min/mean/max of their final scores,
    then a total row (band ``None``); and how many schede have no final score yet."""
    scored = [f for f in finals if _num(f)]

    def row(name, minimum, values):
        return BandRow(name, minimum, len(values), min(values) if values else None,
                       sum(values) / len(values) if values else None, max(values) if values else None)

    rows = [row(b.name, b.minimum, [f for f in scored if band(f, bands) == b.name]) for b in bands]
    rows.append(row(None, None, scored))
    return rows, len(finals) - len(scored)
