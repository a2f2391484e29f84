"""Shared fixtures: paths to the bundled real data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
PHYSIONET_DIR = DATA_DIR / "physionet-gaitpdb"
#: Subject body masses (kg) from the gaitpdb demographics table (see the data README).
PHYSIONET_MASS_KG = {"GaCo01_01": 83.0, "GaCo03_01": 101.0, "GaCo04_02": 65.0}


@pytest.fixture(scope="session")
def physionet_files() -> list[Path]:
    """The three bundled PhysioNet gaitpdb control walks."""
    files = sorted(PHYSIONET_DIR.glob("GaCo*.txt"))
    assert len(files) == 3, f"bundled PhysioNet files missing from {PHYSIONET_DIR}"
    return files
