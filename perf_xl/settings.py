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
from pathlib import Path

from .schema import schema_file

DECREASING_RATIOS = ("plain", "gzoom")
LIGHTS = ("verde", "giallo", "rosso")
# the Barometro of an indicator with peso 0: it does not count, so it is neither green nor red
NEUTRALISED = "neutralizzato"
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
        if not isinstance(self.include_responsabile, bool):
            raise SettingsError(
                f"la chiave open_data.include_responsabile vale «{self.include_responsabile}», ma deve essere "
                "true (i nomi dei responsabili nei dati aperti) o false."
            )

    def color(self, light: str) -> str:
        return dict(self.colors)[light]


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
    _known(raw, "", ("decreasing_ratio", "traffic_light", "open_data", "valutazione"))
    tl = _table(raw, "traffic_light")
    _known(tl, "traffic_light", ("green", "yellow", "colors"))
    colors = _table(tl, "traffic_light.colors")
    _known(colors, "traffic_light.colors", LIGHTS)
    od = _table(raw, "open_data")
    _known(od, "open_data", ("license", "include_responsabile"))
    default = Settings()
    ratio = raw.get("decreasing_ratio", default.decreasing_ratio)
    return Settings(
        decreasing_ratio=ratio if isinstance(ratio, str) else repr(ratio),
        green=_number(tl, "traffic_light.green", default.green),
        yellow=_number(tl, "traffic_light.yellow", default.yellow),
        colors=tuple((name, str(colors.get(name, default.color(name))).lstrip("#")) for name in LIGHTS),
        license=od.get("license", default.license),
        include_responsabile=od.get("include_responsabile", default.include_responsabile),
    )


def load_settings(path: str | Path | None = None) -> Settings:
    p = Path(path) if path else schema_file("settings.toml")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError("il file non è in UTF-8: salvarlo in UTF-8 e riprovare.") from exc
    return parse_settings(text)
