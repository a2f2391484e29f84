"""Session calibration on simulated raw counts: swing detection, tare, drift, JSON replay."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.calibrate import (
    Calibration,
    apply_calibration,
    check_drift,
    detect_unloaded,
    load_response,
    tare_offsets,
)
from sensorkit.calibrate.drift import drift_at_load
from sensorkit.errors import CalibrationError
from sensorkit.simulate.raw import InsoleErrors, simulate_raw


@pytest.fixture(scope="module")
def running():
    rec = sk.simulate(duration_s=60, seed=4, speed_mps=3.0)
    insole = InsoleErrors.random(11, drift_sd_counts_per_min=3.0)
    return simulate_raw(rec, insole, seed=4)


def test_swing_detection_marks_only_truly_unloaded_frames(running):
    truth = running.recording.metadata["ground_truth"]
    for side in ("left", "right"):
        counts = running.left if side == "left" else running.right
        mask = detect_unloaded(running.time_s, counts, response=running.insole.response)
        unloaded = truth.sides[side].force_n == 0
        assert not (mask & ~unloaded).any()  # never a loaded frame
        assert mask.sum() > 0.75 * unloaded.sum()  # most of the swing is found


def test_quiet_standing_has_no_swing_frames():
    insole = InsoleErrors.random(1)
    t = np.arange(2000) / 100.0
    forces = np.full((t.size, 16), 21.5, dtype=np.float32)  # ~ half body weight on one insole
    counts = insole.counts("left", t, forces, np.random.default_rng(0))
    assert not detect_unloaded(t, counts, response=insole.response).any()
    assert not detect_unloaded(t, counts).any()  # without curves: no contrast, no swing


def test_tare_in_swing_recovers_offsets_within_2_percent(running):
    for side in ("left", "right"):
        counts = running.left if side == "left" else running.right
        res = tare_offsets(running.time_s, counts, response=running.insole.response, side=side)
        true = running.insole.offset_at(side, res.time_s)
        assert np.max(np.abs(res.offset_counts - true) / true) < 0.02


def test_tare_without_unloaded_frames_is_an_error():
    counts = np.full((100, 16), 2000.0)
    with pytest.raises(CalibrationError, match="cannot tare the left insole: only 0 unloaded frames"):
        tare_offsets(np.arange(100) / 100.0, counts, unloaded=np.zeros(100, bool), side="left")


def test_drift_check_measures_the_true_drift_and_flags_it(running):
    cal = Calibration.nominal()
    for side in ("left", "right"):
        counts = running.left if side == "left" else running.right
        sc = cal.side(side)
        res = check_drift(running.time_s, counts, sc, body_mass_kg=70.0)
        true_slope = running.insole.drift_counts_per_min[side]
        np.testing.assert_allclose(res.slope_counts_per_min, true_slope, atol=0.3)
        true_n = drift_at_load(sc, true_slope, 70.0 * 9.81 / 16)
        assert res.drift_n_per_min == pytest.approx(true_n, abs=0.15)
        strict = check_drift(running.time_s, counts, sc, body_mass_kg=70.0, limit_n_per_min=abs(true_n) / 2)
        lax = check_drift(running.time_s, counts, sc, body_mass_kg=70.0, limit_n_per_min=abs(true_n) * 2)
        assert strict.exceeds and not lax.exceeds


def test_drift_needs_a_long_enough_session(running):
    short = slice(0, 300)  # 3 s
    with pytest.raises(CalibrationError, match="too short to measure drift"):
        check_drift(running.time_s[short], running.left[short], Calibration.nominal().side("left"))


def test_calibration_json_round_trip_replays_identical_newtons(running, tmp_path):
    retared = apply_calibration(
        Calibration.nominal(), running.time_s, running.left, running.right, tare="swing"
    )
    applied = Calibration.from_dict(retared.metadata["calibration"])
    path = applied.save(tmp_path / "cal.json")
    again = Calibration.load(path)
    assert again.to_dict() == applied.to_dict()
    a = apply_calibration(applied, running.time_s, running.left, running.right)
    b = apply_calibration(again, running.time_s, running.left, running.right)
    np.testing.assert_array_equal(a.left, b.left)
    np.testing.assert_array_equal(a.right, b.right)
    np.testing.assert_array_equal(a.left, retared.left)


def test_json_rejects_a_foreign_file():
    with pytest.raises(CalibrationError, match=r"schema must be 'sensorkit\.calibration/1'"):
        Calibration.from_dict({"schema": "sensorkit.layout/1"})


def test_offsets_must_fit_the_adc():
    resp = load_response("ref16-fsr")
    spec = Calibration.nominal().to_dict()
    spec["sides"]["left"]["offset_counts"] = [4050.0] * resp.n_sensors
    with pytest.raises(CalibrationError, match=r"zero offsets must be counts in 0\.\.4000"):
        Calibration.from_dict(spec)
