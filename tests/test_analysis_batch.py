"""analyze() on analytic recordings with exactly known answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import AnalysisParams

RATE_HZ = 1000.0
MASS_KG = 70.0
BW_N = MASS_KG * 9.81
SLOPE_BW_S = 60.0
LAYOUT = sk.load_layout("ref16")
HEEL = LAYOUT.sensor_names.index("H1")
FORE = LAYOUT.sensor_names.index("F2")


def _stance_force_n(tau_s: np.ndarray, scale: float) -> np.ndarray:
    """Rearfoot-like curve: 60 BW/s ramp to a 1.2 BW impact peak, dip, active peak, down."""
    t_peak = 1.2 / SLOPE_BW_S
    knots_t = [0.0, t_peak, t_peak + 0.02, 0.12, 0.25]
    knots_f = [0.0, 1.2, 1.0, 2.4, 0.0]
    return np.interp(tau_s, knots_t, knots_f, left=0.0, right=0.0) * BW_N * scale


def _recording(duration_s=6.0, stride_s=0.8, scale=(1.1, 0.9), nan_frames=()):
    time = np.arange(int(duration_s * RATE_HZ)) / RATE_HZ
    values = {}
    for side, offset, k in (("left", 0.1, scale[0]), ("right", 0.5, scale[1])):
        v = np.zeros((time.size, LAYOUT.n_sensors), dtype=np.float64)
        phase = (time - offset) % stride_s
        active = time >= offset
        force = np.where(active, _stance_force_n(phase, k), 0.0)
        frac = np.clip((phase - 0.05) / 0.15, 0.0, 1.0)  # COP moves heel -> forefoot sensor
        v[:, HEEL] = force * (1 - frac)
        v[:, FORE] = force * frac
        for i in nan_frames:
            v[i] = np.nan
        values[side] = v
    return sk.Recording.from_arrays(
        time, values["left"], values["right"], layout=LAYOUT, body_mass_kg=MASS_KG, rate_hz=RATE_HZ
    )


@pytest.fixture(scope="module")
def result():
    return sk.analyze(_recording())


def test_valr_of_analytic_ramp_is_within_2_percent(result):
    valr = result.steps["valr_bw_s"] / np.where(result.steps["side"] == "left", 1.1, 0.9)
    assert np.all(np.abs(valr / SLOPE_BW_S - 1) < 0.02)
    assert set(result.steps["loading_rate_method"]) == {"impact_peak"}


def test_contact_time_is_within_one_sample_of_threshold_crossings(result):
    for side, k in (("left", 1.1), ("right", 0.9)):
        tau = np.arange(0, 0.3, 1e-6)
        above = tau[_stance_force_n(tau, k) >= 0.05 * BW_N]
        exact = above[-1] - above[0]
        got = result.steps.loc[result.steps["side"] == side, "contact_time_s"]
        assert np.all(np.abs(got - exact) <= 1.0 / RATE_HZ + 1e-9)


def test_cop_path_runs_from_heel_sensor_to_forefoot_sensor(result):
    steps = result.steps
    exact_ap = LAYOUT.y_mm[FORE] - LAYOUT.y_mm[HEEL]
    np.testing.assert_allclose(steps["cop_ap_excursion_mm"], exact_ap, rtol=1e-4)
    np.testing.assert_allclose(
        steps["strike_index_pct"], 100 * LAYOUT.y_mm[HEEL] / LAYOUT.foot_length_mm, rtol=1e-4
    )
    assert set(steps["strike_pattern"]) == {"rearfoot"}


def test_symmetry_index_of_scaled_sides_is_exact(result):
    si = result.summary["symmetry_index_pct"]
    exact = (1.1 - 0.9) / 1.0 * 100
    for metric in ("peak_force_bw", "valr_bw_s", "impulse_bw_s", "impact_peak_bw"):
        assert si[metric] == pytest.approx(exact, abs=0.5)
    assert bool(result.summary.loc["peak_force_bw", "asymmetry_flag"])
    assert abs(si["stride_time_s"]) < 0.5


def test_cadence_and_stride_time_match_the_generated_gait(result):
    assert result.cadence_spm == pytest.approx(2 * 60 / 0.8, rel=1e-3)
    # per-side values are the cadence each foot's stride implies, in the same units
    for side in ("left", "right"):
        assert result.summary.loc["cadence_spm", side] == pytest.approx(2 * 60 / 0.8, rel=1e-3)
    strides = result.steps["stride_time_s"].dropna()
    np.testing.assert_allclose(strides, 0.8, atol=1.0 / RATE_HZ + 1e-9)


def test_without_body_mass_forces_are_in_newtons():
    rec = _recording(duration_s=3.0)
    rec.metadata.pop("body_mass_kg")
    res = sk.analyze(rec)
    assert {"peak_force_n", "valr_n_s", "impulse_n_s"} <= set(res.steps.columns)
    assert "peak_force_bw" not in res.steps.columns
    assert res.force_units == "N" and res.thresholds_n["on"] == 20.0
    assert res.steps.attrs["force_units"] == "N"


def test_steps_touching_missing_frames_are_flagged_and_left_out_of_summary():
    rec = _recording(nan_frames=range(2150, 2160))  # inside the third right stance (2.10-2.35 s)
    res = sk.analyze(rec)
    flagged = res.steps[res.steps["touches_gap"]]
    gap_t = 2.150
    assert (flagged["side"] == "right").any()
    assert all((flagged["t_contact_s"] <= gap_t + 0.011) & (flagged["t_toe_off_s"] >= gap_t - 0.001))
    assert res.summary.loc["n_steps_excluded", "both"] == len(
        res.steps[res.steps["touches_gap"] | res.steps["truncated"]]
    )
    assert len(res.gaps) >= 1


def test_params_are_recorded_and_keyword_overrides_apply():
    res = sk.analyze(_recording(duration_s=3.0), threshold_bw=0.1)
    assert res.params.threshold_bw == 0.1
    assert res.thresholds_n["on"] == pytest.approx(0.1 * BW_N)
    with pytest.raises(TypeError, match="unknown analysis parameter"):
        sk.analyze(_recording(duration_s=3.0), threshold=0.1)
    with pytest.raises(ValueError, match="off_threshold_frac"):
        AnalysisParams(off_threshold_frac=1.5)


def test_to_dict_is_json_ready_and_repr_names_counts(result):
    text = json.dumps(result.to_dict(), allow_nan=False)
    back = json.loads(text)
    assert back["force_units"] == "BW" and len(back["steps"]) == len(result.steps)
    assert back["params"]["threshold_bw"] == 0.05
    assert "steps (left" in repr(result)
    assert isinstance(result.to_dataframe(), pd.DataFrame)


def test_cop_table_has_one_row_per_frame_and_side(result):
    cop = result.cop
    assert list(cop.columns) == ["time_s", "side", "x_mm", "y_mm", "force_n"]
    assert len(cop) == 2 * 6000
    swing = cop["force_n"] < result.thresholds_n["on"]  # METHODS: COP undefined below the contact threshold
    assert cop.loc[swing, "x_mm"].isna().all() and cop.loc[~swing, "x_mm"].notna().all()


def test_reanalysis_is_identical(result):
    again = sk.analyze(_recording())
    pd.testing.assert_frame_equal(result.steps, again.steps)
