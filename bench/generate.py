"""Generate N realistic settore workbooks from the schema, for the benchmark.

Each workbook has 20–200 indicators in objectives of 1–5 indicators, texts of realistic
length, all three polarities, and the template's formulas with cached values. About
5 % get a formula overwritten by a typed value, about 5 % a number typed as text, and
about 5 % an objective whose weights do not sum to 100 — the faults the nightly run
exists to find. Deterministic for a given seed.
"""

from __future__ import annotations

import dataclasses
import random
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema

AREAS = [f"LINEA STRATEGICA SU TEMA {i}" for i in range(1, 10)]
WORDS = ("servizio qualità cittadini pratiche digitale ambiente scuola sociale sicurezza tempo riduzione "
         "aumento progetto bando comunale settore risorse obiettivo attività rete territorio").split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def make_rows(rng: random.Random, k: int, n_rows: int) -> list[IndicatorRow]:
    rows, obj = [], 0
    while len(rows) < n_rows:
        obj += 1
        size = min(rng.randint(1, 5), n_rows - len(rows))
        weights = [100 // size] * size
        weights[-1] += 100 - sum(weights)
        area = rng.choice(AREAS)
        name = _text(rng, 8)
        definizione = _text(rng, 40)
        for w in weights:
            pol = rng.choices(("crescente", "decrescente", "binario"), (70, 10, 20))[0]
            if pol == "binario":
                target, actual = 1.0, float(rng.random() < 0.9)
            else:
                target = float(rng.choice((5, 10, 50, 80, 90, 100, 1500, 500000)))
                actual = round(target * rng.uniform(0.6, 1.4), 2)
            rows.append(IndicatorRow(
                area=area, objective_code=f"W{k:05d}-{obj:03d}", objective=name, responsabile=_text(rng, 2).title(),
                settore=f"Settore {k:05d}", indicator=_text(rng, 6), polarity=pol, target=target, actual=actual,
                weight=float(w), definizione=definizione, formula=_text(rng, 5), finalita=_text(rng, 10),
                note=_text(rng, 6) if rng.random() < 0.1 else ""))
    return rows


def _overwrite_formula(path: Path, cell: str, value: str) -> None:
    """Replace one formula cell with a typed number, editing the sheet XML (as Excel would store it)."""
    import re

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rf'<c r="{cell}"([^>]*?)(?: t="[a-z]+")?><f>.*?</f><v>[^<]*</v></c>'.encode(),
                              rf'<c r="{cell}"\1><v>{value}</v></c>'.encode(), data, count=1)
            zout.writestr(item, data)
    tmp.replace(path)


def make_one(args) -> str:
    folder, k, seed = args
    rng = random.Random(seed * 100_003 + k)
    n_rows = rng.randint(20, 200)
    rows = make_rows(rng, k, n_rows)
    fault = rng.random()
    if 0.05 <= fault < 0.10:  # a number typed as text
        i = rng.randrange(len(rows))
        rows[i] = dataclasses.replace(rows[i], actual=f"{rows[i].actual:.2f}".replace(".", ","))
    if 0.10 <= fault < 0.15:  # weights not summing to 100
        rows[0] = dataclasses.replace(rows[0], weight=(rows[0].weight or 0) + 7)
    schema = load_schema()
    info = {"year": 2025, "settore": f"Settore {k:05d}", "schema_version": schema.version, "comune": "Banco"}
    areas = tuple(AreaInfo(i + 1, a, None) for i, a in enumerate(AREAS))
    path = Path(folder) / f"settore_{k:05d}.xlsx"
    write_settore_workbook(path, SettoreWorkbook(info=info, areas=areas, rows=tuple(rows)), schema, spare_rows=5)
    if fault < 0.05:  # a formula overwritten by a typed value
        _overwrite_formula(path, f"P{rng.randint(2, n_rows + 1)}", "100")
    return str(path)


def generate(folder: str | Path, n: int, seed: int = 1, workers: int = 2) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder), k, seed) for k in range(1, n + 1)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return [Path(p) for p in pool.map(make_one, jobs, chunksize=16)]
    return [Path(make_one(j)) for j in jobs]


if __name__ == "__main__":
    import sys
    import time

    t = time.perf_counter()
    out = generate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
    print(f"{len(out)} workbooks in {time.perf_counter() - t:.1f} s")
