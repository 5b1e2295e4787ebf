"""Render a Relazione text export in the published layout, quirks included, for round-trip tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

HEADER = ["Responsabile", "Settore", "Obiettivo", "Definizione", "Indicatore", "Formula", "Finalità",
          "Target atteso", "Target Consuntivo", "Scostamento", "Note", "Peso", "% Ragg", "Barometro"]


@dataclass
class Ind:
    name: str
    polarity: str  # crescente / decrescente / binario
    target: float
    actual: float
    weight: float
    note: str = ""


@dataclass
class Obj:
    name: str
    responsabile: str
    settore: str
    indicators: list[Ind]


def it(x: float, decimals: int = 2) -> str:
    """Italian number text: thousands with dots, decimals with a comma."""
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.{decimals}f}".replace(",", "§").replace(".", ",").replace("§", ".")


def ragg(ind: Ind) -> float:
    if ind.polarity == "binario":
        return 100.0 if ind.actual >= 1 else 0.0
    if ind.polarity == "decrescente":
        return 100.0 if ind.actual <= ind.target else max(0.0, min(100.0, ind.target / ind.actual * 100))
    return max(0.0, min(100.0, ind.actual / ind.target * 100))


def render(areas: list[tuple[str, list[Obj]]], year: int = 2024, rng: random.Random | None = None,
           shift: bool = True) -> tuple[str, dict[str, float]]:
    """The text, and each area's score as the rules give it (published to two decimals)."""
    rng = rng or random.Random(0)
    lines = ["COMUNE DI PROVALANDIA", "", f"Relazione sulla Performance {year}"]
    scores: dict[str, float] = {}
    for heading, objectives in areas:
        obj_scores = []
        for o in objectives:
            num = sum(i.weight * ragg(i) for i in o.indicators if i.weight)
            den = sum(i.weight for i in o.indicators if i.weight)
            if den:
                obj_scores.append(num / den)
        score = sum(obj_scores) / len(obj_scores)
        scores[heading] = round(score, 2)
        lines += [f"Relazione sulla Performance {year}", heading, "", "% Raggiungimento obiettivi per area strategica",
                  " ", f"{it(round(score, 2))}%", "", "\t".join(HEADER)]
        for k, o in enumerate(objectives):
            if k and rng.random() < 0.3:
                lines.append("\t".join(HEADER) + ("\t" if rng.random() < 0.5 else ""))
            for j, i in enumerate(o.indicators):
                dev = i.actual - i.target if i.polarity != "decrescente" else i.target - i.actual
                formula = "1 = fatto 0 = non fatto" if i.polarity == "binario" else f"misura di {i.name}"
                head = [o.responsabile, o.settore, o.name, f"Definizione di {o.name}"] if j == 0 else ["", "", "", ""]
                fields = head + [i.name, formula, f"Finalità di {i.name}", it(i.target), it(i.actual), it(dev),
                                 i.note, it(i.weight), str(round(ragg(i))), ""]
                if shift:
                    r = rng.random()
                    if r < 0.1 and not i.note:
                        del fields[10]  # the Note cell missing: peso and % Ragg shift left
                    elif r < 0.2:
                        fields.insert(11, "")  # an extra empty cell after the Note
                    elif r < 0.3:
                        fields += ["", ""]  # trailing tabs
                lines.append("\t".join(fields))
        lines.append("")
    return "\n".join(lines), scores
