"""analyze() on the three real PhysioNet gaitpdb control walks (older adults, ~1.1 m/s)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk

DATA = Path(__file__).parent / "data" / "physionet-gaitpdb"
MASS_KG = {"GaCo01_01": 83.0, "GaCo03_01": 101.0, "GaCo04_02": 65.0}


@pytest.fixture(scope="module", params=sorted(MASS_KG))
def walk(request):
    rec = sk.read(DATA / f"{request.param}.txt")
    return rec, sk.analyze(rec, body_mass_kg=MASS_KG[request.param])


def test_cadence_is_plausible_for_older_adults_walking(walk):
    _, res = walk
    assert 85.0 <= res.cadence_spm <= 125.0


def test_contact_times_are_plausible_for_walking(walk):
    _, res = walk
    ct = res.summary.loc["contact_time_s", ["left", "right"]].to_numpy(float)
    stride = res.summary.loc["stride_time_s", ["left", "right"]].to_numpy(float)
    assert np.all((ct > 0.55) & (ct < 1.0))
    assert np.all((ct / stride > 0.55) & (ct / stride < 0.72))  # stance ~ 60-65 % of the gait cycle


def test_left_and_right_step_counts_agree(walk):
    _, res = walk
    counts = res.steps["side"].value_counts()
    assert abs(counts["left"] - counts["right"]) <= 2
    assert counts.sum() > 150  # ~2 min of walking


def test_walking_loading_is_plausible(walk):
    _, res = walk
    peak = res.summary.loc["peak_force_bw", "both"]
    assert 0.9 < peak < 1.6
    assert (res.steps["strike_pattern"] == "rearfoot").mean() > 0.9


def test_reanalysis_gives_identical_results(walk):
    rec, res = walk
    again = sk.analyze(rec, body_mass_kg=res.body_mass_kg)
    pd.testing.assert_frame_equal(res.steps, again.steps, check_exact=True)
    pd.testing.assert_frame_equal(res.summary, again.summary, check_exact=True)
