"""End to end: true forces -> raw counts of a mis-calibrated insole -> guided calibration ->
apply -> forces (and gait metrics) that match the simulator's ground truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.calibrate import apply_calibration, run_guided_calibration
from sensorkit.simulate.raw import InsoleErrors, simulate_guided_session, simulate_raw

MASS_KG = 68.0
BW_N = MASS_KG * 9.81


@pytest.fixture(scope="module")
def pipeline():
    insole = replace(
        InsoleErrors.random(21, drift_sd_counts_per_min=2.0), sensitivity={"left": 0.86, "right": 1.12}
    )
    guided = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=21)
    cal = run_guided_calibration(guided.chunks(0.1), body_mass_kg=MASS_KG)
    truth_rec = sk.simulate(duration_s=60, seed=21, body_mass_kg=MASS_KG, speed_mps=3.2)
    # the run starts right after the calibration: offsets have drifted since t = 0
    later = sk.Recording.from_arrays(
        truth_rec.time + guided.time_s[-1] + 1.0,
        truth_rec.left,
        truth_rec.right,
        layout=truth_rec.layout,
        body_mass_kg=MASS_KG,
        metadata=truth_rec.metadata,
    )
    raw = simulate_raw(later, insole, seed=21)
    calibrated = apply_calibration(cal, raw.time_s, raw.left, raw.right, tare="swing")
    uncalibrated = apply_calibration(sk.calibrate.Calibration.nominal(), raw.time_s, raw.left, raw.right)
    return insole, cal, later, calibrated, uncalibrated


def _total_force_rms_pct_bw(rec, truth, side):
    err = rec.values(side).sum(axis=1).astype(np.float64) - truth.values(side).sum(axis=1)
    return 100.0 * np.sqrt(np.mean(err**2)) / BW_N


def test_calibrated_forces_match_ground_truth(pipeline):
    insole, cal, truth, calibrated, uncalibrated = pipeline
    assert cal.passed
    for side in ("left", "right"):
        assert cal.side(side).gain == pytest.approx(insole.true_gain(side), rel=0.01)
        rms_cal = _total_force_rms_pct_bw(calibrated, truth, side)
        assert rms_cal < 0.5  # % BW
        assert _total_force_rms_pct_bw(uncalibrated, truth, side) > 5 * rms_cal  # calibration matters
        per_sensor = calibrated.values(side) - truth.values(side)
        assert np.sqrt(np.mean(per_sensor**2)) < 0.5  # N per sensor
    truth_gt = truth.metadata["ground_truth"]
    assert np.allclose(calibrated.left.sum(axis=1), truth_gt.sides["left"].force_n, atol=0.02 * BW_N)


def test_session_tare_tracks_the_drifted_offsets(pipeline):
    insole, _, _, calibrated, _ = pipeline
    for side in ("left", "right"):
        tare = calibrated.metadata["calibration"]["sides"][side]["procedure"]["session_tare"]
        true = insole.offset_at(side, tare["time_s"])
        assert np.max(np.abs(np.asarray(tare["offset_counts"]) - true) / true) < 0.02


def test_gait_metrics_from_calibrated_data_match_true_forces_within_2_percent(pipeline):
    analyze = pytest.importorskip("sensorkit.analysis").analyze
    _, _, truth, calibrated, _ = pipeline
    a = analyze(truth, body_mass_kg=MASS_KG).steps
    b = analyze(calibrated, body_mass_kg=MASS_KG).steps
    assert len(a) > 100 and len(a) == len(b)
    np.testing.assert_allclose(b["t_contact_s"], a["t_contact_s"], atol=0.011)
    for column in ("peak_force_bw", "contact_time_s", "valr_bw_s"):
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y)
        assert ok.sum() > 100
        rel = np.abs(y[ok] - x[ok]) / np.abs(x[ok])
        assert np.median(rel) < 0.02, column
        assert abs(np.mean(y[ok]) / np.mean(x[ok]) - 1.0) < 0.02, column
