"""Read a previous year's ``consolidate --json`` for ``--confronta``: the file, and only its shape.

A file that cannot be read, is not JSON, is another JSON of perf_xl (``validate --json``, the
nightly's) or lacks what the comparison needs raises :class:`PreviousNotUsable` with an Italian
message that names the file and what to give instead: the command stops before it writes anything.
Whether the two years may be compared (another comune, the same year) is a rule of
:mod:`perf_xl.core.comparison`, not of this reader.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..wording import os_reason

MAX_BYTES = 512 * 1024 ** 2  # a JSON of tens of thousands of workbooks is tens of MB; more is not ours
_GIVE = "indicare il file scritto da perf-xl consolidate --json per l'anno precedente. Non è stato scritto nulla."


class PreviousNotUsable(ValueError):
    """The previous year's JSON cannot be used (the message, in Italian, says why and what to do)."""


def _fail(path: Path, why: str) -> PreviousNotUsable:
    return PreviousNotUsable(f"Il file da confrontare «{path.name}» {why}: {_GIVE}")


def read_previous_summary(path: str | Path) -> dict:
    """The previous year's JSON as a dict, its shape checked (areas, objectives, optional indicators)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _fail(path, "è troppo grande per essere il JSON di un consolidamento")
        raw = path.read_bytes()
    except OSError as exc:
        raise PreviousNotUsable(f"Impossibile leggere il file da confrontare «{path}»: {os_reason(exc)}. "
                                f"Controllare il percorso e riprovare. Non è stato scritto nulla.") from exc
    if raw[:4] == b"PK\x03\x04":
        raise _fail(path, "è una cartella di lavoro Excel (per esempio la Relazione), non il suo file JSON")
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise _fail(path, "non è un file JSON leggibile" + (f" (errore alla riga {line})" if line else "")) from None
    if not isinstance(data, dict):
        raise _fail(path, "non è il JSON di un consolidamento (non contiene le aree)")
    if "areas" not in data:
        if {"counts", "valid"} <= data.keys() or "findings" in data:
            raise _fail(path, "contiene le segnalazioni di una verifica (perf-xl validate, audit o il controllo "
                              "notturno), non i punteggi di un consolidamento")
        raise _fail(path, "non è il JSON di un consolidamento (non contiene le aree, chiave «areas»)")
    _check(path, data)
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _text(v) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _check(path: Path, data: dict) -> None:
    """What the comparison reads, with the place of the first thing wrong."""
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise _fail(path, "non indica l'anno della Relazione (chiave «year»), che il confronto deve conoscere")
    if not isinstance(data.get("comune", ""), (str, type(None))):
        raise _fail(path, "non ha il nome del comune come testo (chiave «comune»)")
    areas = data["areas"]
    if not isinstance(areas, list):
        raise _fail(path, "non ha l'elenco delle aree (chiave «areas»)")
    for i, a in enumerate(areas, 1):
        where = f"l'area n. {i} dell'elenco"
        if not isinstance(a, dict) or not isinstance(a.get("number"), int) or isinstance(a.get("number"), bool) \
                or not _text(a.get("name")):
            raise _fail(path, f"ha un'area senza numero o senza nome ({where})")
        score = a.get("score_unrounded", a.get("score"))
        if score is not None and not _number(score):
            raise _fail(path, f"ha un punteggio che non è un numero ({where}, «{a['name']}»)")
        objectives = a.get("objective_scores")
        if not isinstance(objectives, list):
            raise _fail(path, f"non elenca gli obiettivi dell'area «{a['name']}» (chiave «objective_scores»)")
        for o in objectives:
            if not isinstance(o, dict) or not _text(o.get("code")) or not isinstance(o.get("name"), str):
                raise _fail(path, f"ha un obiettivo senza codice o senza nome nell'area «{a['name']}»")
            if o.get("score") is not None and not _number(o["score"]):
                raise _fail(path, f"ha un punteggio che non è un numero (obiettivo {o['code']})")
            indicators = o.get("indicators")
            if indicators is None:
                continue
            if not isinstance(indicators, list):
                raise _fail(path, f"ha gli indicatori dell'obiettivo {o['code']} in una forma sconosciuta")
            for ind in indicators:
                if not isinstance(ind, dict) or not isinstance(ind.get("name"), str) \
                        or any(ind.get(k) is not None and not _number(ind[k]) for k in ("achievement", "weight")):
                    raise _fail(path, f"ha un indicatore senza nome o con un valore che non è un numero "
                                      f"(obiettivo {o['code']})")
