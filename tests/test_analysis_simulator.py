"""analyze() against the simulator's ground truth over seeds, foot types, strikes and gaits.

Error budgets (noise-free, 1 kHz unless stated) come from the distributions measured over
these cases; the report lists medians and 95th percentiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk

RATE_HZ = 1000.0
CASES = [
    (strike, foot, speed, seed)
    for strike in ("rearfoot", "midfoot", "forefoot")
    for foot in ("normal", "flat", "high")
    for speed, seed in ((3.0, 1), (1.2, 2))
]


def _matched(rec, res) -> pd.DataFrame:
    truth = rec.metadata["ground_truth"].steps
    # stances cut by the recording (or whose toe-off cannot be confirmed 50 ms before its end)
    inside = (truth["t_contact_threshold_s"] > 2.0 / rec.rate_hz) & (
        truth["t_toe_off_threshold_s"] < rec.time[-1] - 0.06
    )
    truth = truth[truth["complete"] & inside]
    got = res.steps[~res.steps["touches_gap"] & ~res.steps["truncated"]]
    rows = []
    for side in ("left", "right"):
        a = got[got["side"] == side].reset_index(drop=True)
        for _, t in truth[truth["side"] == side].iterrows():
            j = int(np.argmin(np.abs(a["t_contact_s"].to_numpy() - t["t_contact_threshold_s"])))
            assert abs(a.loc[j, "t_contact_s"] - t["t_contact_threshold_s"]) < 2.0 / rec.rate_hz
            rows.append((a.loc[j], t))
    return rows


@pytest.fixture(scope="module")
def matched():
    out = []
    for strike, foot, speed, seed in CASES:
        rec = sk.simulate(
            duration_s=6, seed=seed, rate_hz=RATE_HZ, foot_type=foot, strike=strike, speed_mps=speed
        )
        out.extend((strike, speed, s, t) for s, t in _matched(rec, sk.analyze(rec)))
    return out


def test_every_simulated_stance_is_found_once(matched):
    assert len(matched) > 200


def test_contact_time_is_within_one_sample_of_truth(matched):
    err = np.array(
        [
            s["contact_time_s"] - (t["t_toe_off_threshold_s"] - t["t_contact_threshold_s"])
            for _, _, s, t in matched
        ]
    )
    assert np.max(np.abs(err)) <= 1.0 / RATE_HZ + 1e-9


def test_loading_rate_method_matches_truth(matched):
    labels = {"impact_peak": "impact_peak", "13pct_stance": "13pct_stance"}
    assert all(labels[s["loading_rate_method"]] == t["loading_rate_method"] for _, _, s, t in matched)


def test_rearfoot_valr_is_within_2_percent_of_truth(matched):
    err = [abs(s["valr_bw_s"] / t["valr_bw_s"] - 1) for strike, _, s, t in matched if strike == "rearfoot"]
    assert np.median(err) < 0.01 and np.percentile(err, 95) < 0.02


def test_valr_without_impact_peak_is_within_4_percent_of_truth(matched):
    # both take the 13 % point of the stance between 5 % BW crossings (METHODS.md); measured
    # at 1 kHz without noise: median 0.7 %, 95th percentile 2.6 %
    err = [
        abs(s["valr_bw_s"] / t["valr_bw_s"] - 1)
        for _, _, s, t in matched
        if t["loading_rate_method"] == "13pct_stance"
    ]
    assert len(err) > 20 and np.median(err) < 0.015 and np.percentile(err, 95) < 0.04


def test_peak_force_is_within_3_percent_of_truth(matched):
    err = [abs(s["peak_force_bw"] / t["peak_force_bw"] - 1) for _, _, s, t in matched]
    assert np.percentile(err, 95) < 0.03


def test_strike_pattern_matches_truth(matched):
    agree = np.mean([s["strike_pattern"] == t["strike_pattern"] for _, _, s, t in matched])
    assert agree > 0.97


def test_arch_indicator_matches_truth_and_orders_foot_types(matched):
    err = [abs(s["arch_indicator"] - t["arch_indicator"]) for _, _, s, t in matched]
    assert np.percentile(err, 95) < 0.01


@pytest.mark.parametrize("asymmetry", [-0.1, 0.15])
def test_symmetry_index_recovers_simulated_asymmetry(asymmetry):
    rec = sk.simulate(duration_s=30, seed=7, rate_hz=500, asymmetry=asymmetry)
    res = sk.analyze(rec)
    truth = rec.metadata["ground_truth"].symmetry_index_pct
    assert res.summary.loc["peak_force_bw", "symmetry_index_pct"] == pytest.approx(truth, abs=2.0)


def test_arch_indicator_ranks_flat_normal_high_feet():
    means = {}
    for foot in ("flat", "normal", "high"):
        res = sk.analyze(sk.simulate(duration_s=10, seed=3, rate_hz=200, foot_type=foot))
        means[foot] = res.summary.loc["arch_indicator", "both"]
    assert means["flat"] > means["normal"] > means["high"]
