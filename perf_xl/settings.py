"""The comune's scoring settings (``schemas/settings.toml``).

They are the choices the domain leaves to the comune: how a *decrescente* indicator
scores past its target, and the Barometro thresholds. The Python scoring core and the
native Excel formulas of the templates both read this one object.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .schema import schemas_dir

DECREASING_RATIOS = ("plain", "gzoom")
LIGHTS = ("verde", "giallo", "rosso")


class SettingsError(ValueError):
    """The settings file is invalid."""


@dataclass(frozen=True)
class Settings:
    decreasing_ratio: str = "plain"
    green: float = 90.0
    yellow: float = 60.0
    colors: tuple[tuple[str, str], ...] = (("verde", "63BE7B"), ("giallo", "FFD966"), ("rosso", "F8696B"))

    def __post_init__(self) -> None:
        if self.decreasing_ratio not in DECREASING_RATIOS:
            raise SettingsError(
                f"decreasing_ratio must be one of {DECREASING_RATIOS}, not {self.decreasing_ratio!r}"
            )
        if not (0 <= self.yellow <= self.green <= 100):
            raise SettingsError("traffic_light thresholds need 0 <= yellow <= green <= 100")

    def color(self, light: str) -> str:
        return dict(self.colors)[light]


def parse_settings(text: str) -> Settings:
    raw = tomllib.loads(text)
    tl = raw.get("traffic_light", {})
    colors = tl.get("colors", {})
    default = Settings()
    return Settings(
        decreasing_ratio=raw.get("decreasing_ratio", default.decreasing_ratio),
        green=float(tl.get("green", default.green)),
        yellow=float(tl.get("yellow", default.yellow)),
        colors=tuple((name, str(colors.get(name, default.color(name))).lstrip("#")) for name in LIGHTS),
    )


def load_settings(path: str | Path | None = None) -> Settings:
    p = Path(path) if path else schemas_dir() / "settings.toml"
    return parse_settings(p.read_text(encoding="utf-8"))
