"""Response curves and counts <-> newtons: known answers, inverses, saturation, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorkit.calibrate import (
    Calibration,
    PowerLawModel,
    SaturationWarning,
    SensorResponse,
    TableModel,
    apply_calibration,
    body_weight_gain,
    builtin_responses,
    counts_to_values,
    load_response,
    values_to_counts,
)
from sensorkit.errors import CalibrationError
from sensorkit.layout import load_layout

FS = 4095


@pytest.fixture(scope="module")
def ref16() -> SensorResponse:
    return load_response("ref16-fsr")


def test_builtin_ref16_curves_match_the_layout(ref16):
    assert "ref16-fsr" in builtin_responses()
    assert ref16.n_sensors == load_layout("ref16").n_sensors == 16
    assert ref16.adc_bits == 12 and ref16.full_scale_counts == FS
    assert ref16.saturation_counts == 4000
    assert ref16.units == "N" and ref16.source and ref16.assumptions


def test_power_law_at_half_scale_gives_the_scale():
    # c = FS/2 -> g = c / (FS - c) = 1 -> value = scale, whatever the exponent.
    model = PowerLawModel([40.0, 10.0], [1.15, 2.0], FS)
    out = model.to_values(np.array([[FS / 2, FS / 2]]))
    np.testing.assert_allclose(out, [[40.0, 10.0]], rtol=1e-12)


def test_power_law_known_value():
    # c = 3 FS / 4 -> g = 3 -> value = 5 * 3**2 = 45
    model = PowerLawModel([5.0], [2.0], FS)
    assert model.to_values(np.array([[0.75 * FS]]))[0, 0] == pytest.approx(45.0)


@settings(max_examples=60, deadline=None)
@given(
    force=st.floats(0.0, 2500.0),
    scale=st.floats(5.0, 200.0),
    exponent=st.floats(0.6, 2.0),
    offset=st.floats(0.0, 300.0),
    gain=st.floats(0.6, 1.6),
)
def test_counts_to_values_inverts_values_to_counts(force, scale, exponent, offset, gain):
    resp = SensorResponse("t", PowerLawModel([scale], [exponent], FS), 12, FS)
    counts = values_to_counts(np.array([[force]]), resp, offset, gain)
    if counts[0, 0] >= 4000:  # the sensor saturates there: not a usable reading
        return
    back = counts_to_values(counts, resp, offset, gain).values
    assert back[0, 0] == pytest.approx(force, rel=1e-5, abs=1e-3)


def test_noise_below_the_offset_gives_small_negative_force_not_nan(ref16):
    counts = np.full((1, 16), 50.0)
    counts[0, 0] = 48.0
    out = counts_to_values(counts, ref16, offset_counts=50.0).values
    assert out[0, 0] < 0 and abs(out[0, 0]) < 0.1
    assert np.all(out[0, 1:] == 0)


def test_table_interpolates_and_inverts():
    model = TableModel([0.0, 1000.0, 3000.0], [[0.0, 100.0, 500.0]], None)
    np.testing.assert_allclose(
        model.to_values(np.array([[500.0], [2000.0], [-100.0]])), [[50.0], [300.0], [-10.0]]
    )
    np.testing.assert_allclose(model.to_counts(np.array([[300.0]])), [[2000.0]])
    np.testing.assert_allclose(model.sensitivity(np.array([[2000.0]])), [[0.2]])


def test_non_monotone_table_is_rejected_naming_sensor_and_breakpoints():
    with pytest.raises(CalibrationError, match=r"sensor 2 is not monotone: values go from 300 to 250"):
        TableModel([0.0, 1000.0, 2000.0], [[0.0, 100.0, 200.0], [0.0, 300.0, 250.0]], None)


def test_table_response_from_json_file(tmp_path):
    spec = {
        "schema": "sensorkit.sensor-response/1",
        "name": "bench",
        "adc_bits": 10,
        "saturation_counts": 1000,
        "units": "N",
        "model": {"type": "table", "counts": [0, 500, 1000], "values": [[0, 50, 200]] * 3},
    }
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(spec))
    resp = load_response(path)
    assert resp.full_scale_counts == 1023 and resp.n_sensors == 3
    out = counts_to_values(np.array([[250, 750, 1000]]), resp)
    np.testing.assert_allclose(out.values, [[25.0, 125.0, 200.0]])
    assert out.saturated.tolist() == [[False, False, True]]


def test_saturation_is_flagged_and_the_value_kept(ref16):
    counts = np.full((3, 16), 100.0)
    counts[1, 4] = 4000.0
    counts[2, 4] = 4095.0
    out = counts_to_values(counts, ref16)
    assert out.saturated.sum() == 2 and out.saturated[1, 4] and out.saturated[2, 4]
    assert out.saturated_per_sensor[4] == 2 and out.saturated_frames.tolist() == [1, 2]
    expected = ref16.model.to_values(np.array([[4000.0] * 16]))[0, 4]
    assert out.values[1, 4] == pytest.approx(expected, rel=1e-6)  # not clipped to anything
    assert np.isfinite(out.values).all() and out.values[2, 4] > out.values[1, 4]


def test_apply_warns_and_marks_saturated_samples(ref16):
    cal = Calibration.nominal()
    t = np.arange(5) / 100.0
    counts = np.full((5, 16), 60, dtype=np.uint16)
    counts[3, 0] = 4050
    with pytest.warns(SaturationWarning, match="left insole saturated"):
        rec = apply_calibration(cal, t, left=counts)
    assert rec.metadata["saturated"]["left"][3, 0]
    assert rec.metadata["saturated"]["left"].sum() == 1


def test_missing_frames_stay_nan_and_unflagged(ref16):
    counts = np.full((3, 16), 100.0)
    counts[1] = np.nan
    out = counts_to_values(counts, ref16)
    assert np.isnan(out.values[1]).all() and not out.saturated[1].any()


@pytest.mark.parametrize("value", [-1, 4096, 70000])
def test_counts_beyond_the_adc_range_are_an_error(ref16, value):
    counts = np.full((4, 16), 10, dtype=np.int64)
    counts[2, 5] = value
    with pytest.raises(
        CalibrationError, match=rf"count {value} at frame 2, sensor 6 is outside the 12-bit ADC range 0..4095"
    ):
        counts_to_values(counts, ref16, side="left")


def test_wrong_sensor_count_is_an_error(ref16):
    with pytest.raises(CalibrationError, match="counts have 8 sensors but response 'ref16-fsr' has 16"):
        counts_to_values(np.zeros((3, 8)), ref16)
    with pytest.raises(CalibrationError, match="has 16 sensors but layout 'physionet8' has 8"):
        Calibration.nominal("physionet8", "ref16-fsr")


def test_unknown_layout_and_unknown_response_are_errors():
    with pytest.raises(CalibrationError, match="unknown layout 'nosuch'"):
        Calibration.nominal("nosuch", "ref16-fsr")
    spec = Calibration.nominal().to_dict()
    spec["layout"] = "nosuch"
    with pytest.raises(CalibrationError, match="unknown layout 'nosuch'"):
        Calibration.from_dict(spec)
    with pytest.raises(CalibrationError, match="unknown sensor response curves 'nosuch'"):
        load_response("nosuch")


def test_missing_or_implausible_mass_is_an_error():
    with pytest.raises(CalibrationError, match="body mass is needed"):
        body_weight_gain(np.full(10, 600.0), None)
    with pytest.raises(CalibrationError, match="outside 10-400 kg"):
        body_weight_gain(np.full(10, 600.0), 700.0)


def test_gain_makes_the_mean_standing_force_body_weight():
    force = 600.0 + 20.0 * np.sin(np.linspace(0, 4 * np.pi, 400, endpoint=False))
    assert body_weight_gain(force, 70.0) == pytest.approx(70.0 * 9.81 / 600.0, rel=1e-9)


def test_bad_response_files_name_the_problem(tmp_path):
    good = load_response("ref16-fsr").to_dict()
    bad = dict(good, model=dict(good["model"], type="spline"))
    with pytest.raises(CalibrationError, match="unknown model type 'spline'"):
        SensorResponse.from_dict(bad)
    bad = dict(good, full_scale_counts=1023)
    with pytest.raises(CalibrationError, match="contradicts adc_bits=12"):
        SensorResponse.from_dict(bad)
    bad = {k: v for k, v in good.items() if k != "adc_bits"}
    with pytest.raises(CalibrationError, match="missing field 'adc_bits'"):
        SensorResponse.from_dict(bad)


def test_pressure_layout_gets_kpa_through_the_sensor_areas(ref16, tmp_path):
    spec = load_layout("ref16").to_dict()
    spec.update(name="ref16-kpa", value_kind="pressure", units="kPa")
    path = tmp_path / "ref16-kpa.json"
    path.write_text(json.dumps(spec))
    layout = load_layout(path)
    nominal = Calibration.nominal()
    cal = Calibration(layout, nominal.sides)
    counts = np.full((2, 16), FS / 2)
    rec = apply_calibration(cal, np.array([0.0, 0.01]), left=counts)
    assert rec.units == "kPa"
    expected_kpa = ref16.model.scale / (layout.area_mm2 * 1e-3)
    np.testing.assert_allclose(rec.left[0], expected_kpa, rtol=1e-5)
    again = Calibration.from_dict(cal.to_dict())  # custom layout is embedded in the file
    assert again.layout_for("left").name == "ref16-kpa"


def test_numba_kernel_agrees_with_the_numpy_reference(ref16):
    rng = np.random.default_rng(3)
    counts = rng.integers(0, FS + 1, (5000, 16)).astype(np.uint16)
    offsets = rng.uniform(0, 150, 16)
    fast = counts_to_values(counts, ref16, offsets, 0.9)  # >= 256 frames: Numba kernel
    ref_values = 0.9 * ref16.model.to_values(counts.astype(np.float64) - offsets)
    np.testing.assert_allclose(fast.values, ref_values.astype(np.float32), rtol=2e-6, atol=1e-6)
    np.testing.assert_array_equal(fast.saturated, counts >= ref16.saturation_counts)
    slow = [counts_to_values(counts[i : i + 100], ref16, offsets, 0.9) for i in range(0, 5000, 100)]
    np.testing.assert_allclose(np.concatenate([s.values for s in slow]), fast.values, rtol=2e-6, atol=1e-6)


def test_the_one_thread_and_the_all_core_kernels_give_the_same_float32(ref16):
    """Live chunks of one frame go through the one-thread kernel (the all-core one kept its idle
    workers spinning: a calibrated record used 24.6 s of CPU in 40 s), a long file through the
    all-core one: the same values bit for bit, so a stream's values do not depend on its chunks."""
    from sensorkit.calibrate._kernel import PARALLEL_MIN_FRAMES, _power_law_parallel, _power_law_serial

    rng = np.random.default_rng(5)
    counts = rng.integers(0, FS + 1, (PARALLEL_MIN_FRAMES + 7, 16)).astype(np.float64)
    offsets = rng.uniform(0, 150, 16)
    args = (counts, offsets, ref16.model.scale, ref16.model.exponent, ref16.model.full_scale_counts, 0.9,
            ref16.saturation_counts)  # fmt: skip
    outs = []
    for kernel in (_power_law_parallel, _power_law_serial):
        out, sat = np.empty(counts.shape, np.float32), np.empty(counts.shape, np.bool_)
        kernel(*args, out, sat)
        outs.append((out, sat))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    whole = counts_to_values(counts, ref16, offsets, 0.9, kernel=True).values  # all cores
    rows = [
        counts_to_values(counts[i : i + 1], ref16, offsets, 0.9, kernel=True).values for i in range(0, 400)
    ]
    np.testing.assert_array_equal(np.concatenate(rows), whole[:400])  # one thread, one frame at a time
    ref_values = 0.9 * ref16.model.to_values(counts - offsets)  # and the numpy reference
    np.testing.assert_allclose(whole, ref_values.astype(np.float32), rtol=2e-6, atol=1e-6)
