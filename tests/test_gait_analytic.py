"""Contact time, VALR, VILR and strike index against analytic stances whose true values come
from the continuous curve (sensorkit.simulate.analytic), at 100, 200 and 1000 Hz with sensor
noise: each value within its stated tolerance, or flagged unreliable (issue 12).
The full table: python benchmarks/bench_gait_accuracy.py (figures in docs/methods.md)."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.simulate.analytic import WAVEFORMS, analytic_run, true_metrics

LINEAR, SMOOTH, FAST = WAVEFORMS


def _errors(wave, rate_hz, noise_n, phases=(0.0, 0.5)):
    out = {"contact_ms": [], "valr_pct": [], "reliable": [], "vilr_pct": [], "strike_pts": [], "n": []}
    for i, phase in enumerate(phases):
        rec, strike_true = analytic_run(wave, rate_hz, noise_n=noise_n, phase_s=phase / rate_hz, seed=i)
        res = sk.analyze(rec)
        st = res.steps[res.steps["valid"]]
        truth = true_metrics(wave, res.thresholds_n["left"]["on"])
        out["n"].append(len(st))
        out["contact_ms"] += list(1e3 * (st["contact_time_s"] - truth["contact_time_s"]))
        out["valr_pct"] += list(100 * (st["valr_n_s"] / truth["valr_n_s"] - 1))
        out["reliable"] += list(st["valr_reliable"])
        out["vilr_pct"] += list(100 * (st["vilr_n_s"] / truth["vilr_n_s"] - 1))
        out["strike_pts"] += list(st["strike_index_pct"] - strike_true)
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


@pytest.mark.parametrize("wave", WAVEFORMS, ids=lambda w: w.name)
@pytest.mark.parametrize(("rate_hz", "noise_n"), [(100.0, 2.0), (200.0, 5.0), (1000.0, 0.0), (1000.0, 5.0)])
def test_every_stance_is_found_and_timed_within_15_ms(wave, rate_hz, noise_n):
    # before: with 5 N per sensor steps merged (+0.3 to +2.4 s) and at 1 kHz none was valid.
    # The median error may reach 0.6 of a frame at 100 Hz (sampling phase), else 5 ms.
    e = _errors(wave, rate_hz, noise_n)
    assert (e["n"] == 40).all()
    assert abs(np.median(e["contact_ms"])) <= max(5.0, 600.0 / rate_hz)
    assert np.max(np.abs(e["contact_ms"])) <= 15.0
    assert np.max(np.abs(e["strike_pts"])) <= 6.0  # force-weighted early-stance COP


@pytest.mark.parametrize("wave", WAVEFORMS, ids=lambda w: w.name)
def test_valr_at_100_hz_is_flagged_unreliable(wave):
    # before: -2.6 % (linear), -9.5 % (smooth), -25.6 % (fast, worst -43 %) used as if exact
    e = _errors(wave, 100.0, 0.0)
    assert not e["reliable"].astype(bool).any()


@pytest.mark.parametrize("wave", WAVEFORMS, ids=lambda w: w.name)
@pytest.mark.parametrize(("rate_hz", "noise_n"), [(200.0, 0.0), (1000.0, 0.0), (1000.0, 2.0), (1000.0, 5.0)])
def test_reliable_valr_is_within_4_pct_median_and_15_pct_worst(wave, rate_hz, noise_n):
    e = _errors(wave, rate_hz, noise_n)
    rel = e["reliable"].astype(bool)
    if wave is FAST and rate_hz == 200.0:
        assert not rel.any()  # a 12 ms rise leaves < 3 samples in the window at 200 Hz
        return
    v = e["valr_pct"][rel]
    assert v.size >= 20
    assert abs(np.median(v)) <= 4.0
    assert np.max(np.abs(v)) <= 15.0


def test_vilr_needs_500_hz():
    e = _errors(SMOOTH, 200.0, 0.0)
    assert np.isnan(e["vilr_pct"]).all()


@pytest.mark.parametrize("noise_n", [0.0, 2.0, 5.0])
def test_vilr_at_1_khz_survives_sensor_noise(noise_n):
    # before: +12 % to +351 % with 2 N of noise (unfiltered sample-to-sample slopes)
    for wave, (lo, hi) in ((LINEAR, (-5, 12)), (SMOOTH, (-5, 8)), (FAST, (-16, -10))):
        v = _errors(wave, 1000.0, noise_n)["vilr_pct"]
        assert lo <= np.median(v) <= hi, (wave.name, np.median(v))
        assert np.max(np.abs(v)) <= 25.0


def test_one_loading_rate_method_per_trial():
    rec, _ = analytic_run(SMOOTH, 1000.0)
    res = sk.analyze(rec)
    methods = set(res.steps.loc[res.steps["activity"] == "running", "loading_rate_method"])
    assert methods == {"impact_peak"} and res.info.loading_rate_method == "impact_peak"
