"""The comune's settings (``schemas/settings.toml``).

They are the choices the domain leaves to the comune: how a *decrescente* indicator
scores past its target, and the Barometro thresholds (the Python scoring core and the
native Excel formulas of the templates both read this one object); and, for the open data
(``io/open_data.py``), their licence and whether names of people (the Responsabile) are in them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path

from .schema import schema_file

DECREASING_RATIOS = ("plain", "gzoom")
LIGHTS = ("verde", "giallo", "rosso")
# the Barometro of an indicator with peso 0: it does not count, so it is neither green nor red
NEUTRALISED = "neutralizzato"
# how a consuntivo at an intermediate checkpoint is projected to the year end (settore.toml's «Proiezione»)
PROJECTIONS = ("lineare", "costante")
YEAR_END: str = "12-31"  # month-day (annotated: not a finding code)
_DAY = re.compile(r"(\d\d)-(\d\d)")
# a licence identifier as opendefinition.org and SPDX spell them (CC-BY-4.0, CC0-1.0, IODL-2.0)
_LICENSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


class SettingsError(ValueError):
    """The settings file is invalid."""


@dataclass(frozen=True)
class Settings:
    decreasing_ratio: str = "plain"
    green: float = 90.0
    yellow: float = 60.0
    colors: tuple[tuple[str, str], ...] = (("verde", "63BE7B"), ("giallo", "FFD966"), ("rosso", "F8696B"))
    # the open data: their licence, and whether the Responsabile's name is in them (personal data: no)
    license: str = "CC-BY-4.0"
    include_responsabile: bool = False
    # monitoring during the year: the checkpoints (month-day, in order; the last is the year end) and the
    # projection to the year end of an indicator whose «Proiezione» is blank
    checkpoints: tuple[str, ...] = ("06-30", YEAR_END)
    projection: str = "lineare"

    @property
    def intermediate_checkpoints(self) -> tuple[str, ...]:
        """The checkpoints before the year end: each has its column group in the settore workbook."""
        return self.checkpoints[:-1]

    def __post_init__(self) -> None:
        if self.decreasing_ratio not in DECREASING_RATIOS:
            raise SettingsError(
                f"la chiave decreasing_ratio vale «{self.decreasing_ratio}», ma i valori ammessi sono "
                + " e ".join(f"«{v}»" for v in DECREASING_RATIOS) + "."
            )
        if not (0 <= self.yellow <= self.green <= 100):
            raise SettingsError(
                f"le soglie traffic_light.yellow ({_n(self.yellow)}) e traffic_light.green ({_n(self.green)}) "
                "devono essere numeri tra 0 e 100, con yellow non maggiore di green."
            )
        for light, color in self.colors:
            if not re.fullmatch(r"[0-9A-Fa-f]{6}", color):
                raise SettingsError(
                    f"la chiave traffic_light.colors.{light} vale «{color}», ma deve essere un colore "
                    "RGB esadecimale di sei cifre, per esempio «63BE7B»."
                )
        if not isinstance(self.license, str) or not _LICENSE_ID.fullmatch(self.license):
            raise SettingsError(
                f"la chiave open_data.license vale «{self.license}», ma deve essere l'identificativo di una "
                "licenza senza spazi, per esempio «CC-BY-4.0» o «CC0-1.0»."
            )
        _check_checkpoints(self.checkpoints)
        if self.projection not in PROJECTIONS:
            raise SettingsError(f"la chiave monitoring.projection vale «{self.projection}», ma i valori ammessi sono "
                                + " e ".join(f"«{v}»" for v in PROJECTIONS) + ".")
        if not isinstance(self.include_responsabile, bool):
            raise SettingsError(
                f"la chiave open_data.include_responsabile vale «{self.include_responsabile}», ma deve essere "
                "true (i nomi dei responsabili nei dati aperti) o false."
            )

    def color(self, light: str) -> str:
        return dict(self.colors)[light]


def _check_checkpoints(days) -> None:
    """Month-day strings (``"06-30"``), real days, in order, the last the year end (``"12-31"``)."""
    example = "per esempio [\"06-30\", \"12-31\"]"
    if not isinstance(days, tuple) or not days or not all(isinstance(d, str) for d in days):
        raise SettingsError(f"la chiave monitoring.checkpoints deve essere un elenco di date mese-giorno, {example}.")
    for d in days:
        m = _DAY.fullmatch(d)
        try:
            ok = m is not None and _date(2024, int(m.group(1)), int(m.group(2))) is not None  # 2024: 29/02 exists
        except ValueError:
            ok = False
        if not ok:
            raise SettingsError(f"la data «{d}» di monitoring.checkpoints non è una data mese-giorno valida "
                                f"({example}).")
    if list(days) != sorted(set(days)):
        raise SettingsError("le date di monitoring.checkpoints devono essere in ordine, senza ripetizioni.")
    if days[-1] != YEAR_END:
        raise SettingsError(f"l'ultima data di monitoring.checkpoints è la fine dell'anno, «{YEAR_END}», "
                            f"non «{days[-1]}».")


def _n(x) -> str:
    from .wording import number

    return number(x)


def _number(raw: dict, key: str, default: float) -> float:
    value = raw.get(key.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"la chiave {key} vale «{value}», ma deve essere un numero tra 0 e 100 (per esempio 90).")
    return float(value)


def _table(raw: dict, key: str) -> dict:
    value = raw.get(key.rsplit(".", 1)[-1], {})
    if not isinstance(value, dict):
        raise SettingsError(f"la chiave {key} deve essere una sezione [{key}], non «{value}».")
    return value


def _known(raw: dict, where: str, keys: tuple[str, ...]) -> None:
    unknown = [k for k in raw if k not in keys]
    if unknown:
        prefix = f"{where}." if where else ""
        allowed = ", ".join(prefix + k for k in keys)
        raise SettingsError(f"la chiave {prefix}{unknown[0]} non è prevista: le chiavi ammesse sono {allowed}.")


def parse_settings(text: str) -> Settings:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f" (riga {line.group(1)})" if line else ""
        raise SettingsError(f"il file non è un TOML valido{where}: controllare virgolette, «=» e sezioni [ ].") from exc
    # [valutazione] is read by perf_xl.evaluation (the dirigenti's schede), from the same file
    _known(raw, "", ("decreasing_ratio", "traffic_light", "open_data", "monitoring", "valutazione"))
    tl = _table(raw, "traffic_light")
    _known(tl, "traffic_light", ("green", "yellow", "colors"))
    colors = _table(tl, "traffic_light.colors")
    _known(colors, "traffic_light.colors", LIGHTS)
    od = _table(raw, "open_data")
    _known(od, "open_data", ("license", "include_responsabile"))
    mon = _table(raw, "monitoring")
    _known(mon, "monitoring", ("checkpoints", "projection"))
    default = Settings()
    days = mon.get("checkpoints", default.checkpoints)
    ratio = raw.get("decreasing_ratio", default.decreasing_ratio)
    return Settings(
        decreasing_ratio=ratio if isinstance(ratio, str) else repr(ratio),
        green=_number(tl, "traffic_light.green", default.green),
        yellow=_number(tl, "traffic_light.yellow", default.yellow),
        colors=tuple((name, str(colors.get(name, default.color(name))).lstrip("#")) for name in LIGHTS),
        license=od.get("license", default.license),
        include_responsabile=od.get("include_responsabile", default.include_responsabile),
        checkpoints=tuple(days) if isinstance(days, list) else days,
        projection=mon.get("projection", default.projection),
    )


def load_settings(path: str | Path | None = None) -> Settings:
    p = Path(path) if path else schema_file("settings.toml")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError("il file non è in UTF-8: salvarlo in UTF-8 e riprovare.") from exc
    return parse_settings(text)
