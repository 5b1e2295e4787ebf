"""Shared fixtures: the seed, the second Relazione, settings, and LibreOffice detection."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from libreoffice import soffice_binary
from perf_xl.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED = ROOT.parent / "shared" / "seed" / "000_e550016561fda9ee.txt"
VALDORIA = DATA / "relazione_valdoria_2023.txt"
SHIPPED_2022 = ROOT / "workbooks" / "2022"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.exists():
        if os.environ.get("PERF_XL_REQUIRE_SEED") == "1":
            pytest.fail(f"the seed is required here (PERF_XL_REQUIRE_SEED=1) but missing at {SEED}")
        pytest.skip(f"needs the seed, the published Relazione 2022 text the shipped workbooks were imported from, "
                    f"expected at {SEED} (the shared/ folder beside the repository, present in CI; "
                    f"PERF_XL_REQUIRE_SEED=1 makes its absence a failure)")
    return SEED


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def require_libreoffice() -> str:
    """LibreOffice is mandatory in CI (PERF_XL_REQUIRE_LIBREOFFICE=1); elsewhere the test skips."""
    binary = soffice_binary()
    if binary is None:
        if os.environ.get("PERF_XL_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice is required here (PERF_XL_REQUIRE_LIBREOFFICE=1) but soffice is missing")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return binary


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def deep_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by path relative to it (sources must stay untouched)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
