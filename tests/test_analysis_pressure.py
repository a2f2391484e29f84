"""Pressure metrics per anatomical mask and stance, on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.analysis.pressure import mask_pressure_metrics

RATE_HZ = 100.0


def _layout():
    return sk.SensorLayout(
        name="four",
        x_mm=[0.0, 10.0, 20.0, -20.0],
        y_mm=[20.0, 20.0, 200.0, 200.0],
        area_mm2=[100.0, 200.0, 50.0, 25.0],
        region=["heel", "heel", "toes", "toes"],
        ml=["central", "central", "medial", "lateral"],
        foot_length_mm=250.0,
        foot_width_mm=90.0,
        outline_mm=np.zeros((0, 2)),
        value_kind="pressure",
        mask=["heel", "heel", "hallux", "lesser_toes"],
    )


def _recording():
    """Heel: a triangle pulse 0 -> 300 -> 0 kPa over 0.2-0.6 s on sensor 1, 50 kPa flat on sensor 2
    from 0.2 to 0.6 s; hallux: 120 kPa from 0.5 to 0.7 s; lesser toes: 5 kPa (below contact) always."""
    t = np.arange(0, 1.0, 1 / RATE_HZ)
    p = np.zeros((t.size, 4))
    p[:, 0] = np.clip(300.0 - np.abs(t - 0.4) * 1500.0, 0.0, None)
    p[(t >= 0.2 - 1e-9) & (t <= 0.6 + 1e-9), 1] = 50.0
    p[(t >= 0.5 - 1e-9) & (t <= 0.7 + 1e-9), 2] = 120.0
    p[:, 3] = 5.0
    return sk.Recording.from_arrays(t, left=p, layout=_layout(), units="kPa", rate_hz=RATE_HZ)


def test_peak_pti_and_area_match_the_analytic_values():
    table = mask_pressure_metrics(_recording(), "left", [0.0], [0.99])
    heel, hallux, lesser = (table.set_index("mask").loc[m] for m in ("heel", "hallux", "lesser_toes"))
    assert heel["peak_pressure_kpa"] == pytest.approx(300.0)
    # heel peak curve = max(triangle, 50 on 0.2-0.6): integral of the triangle (0.5 x 0.4 s x 300 kPa)
    # plus the flat 50 kPa where it exceeds the triangle (two corners of 1/30 s each: 2 x 0.5 x 50 x 1/30)
    expected = 0.5 * 0.4 * 300.0 + 50.0 / 30.0
    assert heel["pti_kpa_s"] == pytest.approx(expected, rel=0.01)
    assert heel["contact_area_mm2"] == 300.0  # both heel sensors above 10 kPa at once
    assert hallux["peak_pressure_kpa"] == 120.0
    assert hallux["pti_kpa_s"] == pytest.approx(120.0 * 0.2 + 120.0 * 0.01, rel=1e-9)  # trapezoid edges
    assert hallux["contact_area_mm2"] == 50.0
    assert lesser["peak_pressure_kpa"] == 5.0 and lesser["contact_area_mm2"] == 0.0
    assert set(table["n_sensors"]) == {2, 1} and not table["has_gap"].any()


def test_stances_are_separate_rows_and_windows_clip_the_data():
    table = mask_pressure_metrics(_recording(), "left", [0.0, 0.45], [0.3, 0.55], contact_threshold_kpa=100.0)
    heel = table[table["mask"] == "heel"].reset_index(drop=True)
    assert heel["stance"].tolist() == [0, 1]
    assert heel.loc[0, "peak_pressure_kpa"] == pytest.approx(150.0)  # the triangle at 0.3 s
    assert heel.loc[1, "peak_pressure_kpa"] == pytest.approx(225.0)  # 0.45 s: the window misses the 0.4 s top
    assert heel.loc[0, "contact_area_mm2"] == 100.0  # only sensor 1 passes 100 kPa


def test_a_stance_over_a_gap_is_not_bridged():
    rec = _recording()
    left = rec.left.copy()
    left[40] = np.nan
    rec = sk.Recording.from_arrays(rec.time, left=left, layout=rec.layout, units="kPa", rate_hz=RATE_HZ)
    table = mask_pressure_metrics(rec, "left", [0.0, 0.6], [0.5, 0.9])
    assert table.loc[table["stance"] == 0, "has_gap"].all()
    assert table.loc[table["stance"] == 0, "pti_kpa_s"].isna().all()
    assert not table.loc[table["stance"] == 1, "has_gap"].any()


def test_refuses_force_layouts_and_layouts_without_masks():
    with pytest.raises(ValueError, match="need values in kPa"):
        mask_pressure_metrics(sk.simulate(duration_s=2, seed=1), "left", [0.0], [1.0])
    with pytest.raises(ValueError, match="ends before it starts"):
        mask_pressure_metrics(_recording(), "left", [0.5], [0.4])


def test_runs_on_a_real_fscan_step():
    rec = sk.read("tests/data/pressure-mats/fscan_testL.asf")
    table = mask_pressure_metrics(rec, "left", [0.0], [rec.time[-1]])
    assert set(table["mask"]) == set(sk.layout.MASKS)
    heel = table.set_index("mask").loc["heel"]
    assert heel["peak_pressure_kpa"] == 760.0
    assert 0 < heel["contact_area_mm2"] <= heel["n_sensors"] * 25.8064


# --- baseline correction: pressures are corrected with the forces' per-sensor swing offset ---


def _kpa_to_n(layout, kpa):
    """Offsets in kPa as the forces hold them (N): kPa x area x 1e-3."""
    return np.asarray(kpa, dtype=np.float64) * layout.area_mm2 * 1e-3


def test_a_given_baseline_is_removed_before_peak_pti_and_area():
    """The analytic recording of the first test with 20 kPa added to every sensor: given that
    offset, every metric is the offset-free one (without it, the lesser toes read 25 kPa and
    count as in contact, the hallux peaks at 140 kPa)."""
    clean = _recording()
    offset = np.array([20.0, 20.0, 20.0, 20.0])
    rec = sk.Recording.from_arrays(
        clean.time, left=clean.left + offset, layout=clean.layout, units="kPa", rate_hz=RATE_HZ
    )
    want = mask_pressure_metrics(clean, "left", [0.0], [0.99]).set_index("mask")
    got = mask_pressure_metrics(
        rec, "left", [0.0], [0.99], baseline_n=_kpa_to_n(rec.layout, offset)
    ).set_index("mask")
    for col in ("peak_pressure_kpa", "pti_kpa_s", "contact_area_mm2"):
        np.testing.assert_allclose(got[col], want[col], rtol=0, atol=1e-4, err_msg=col)
    assert got.loc["lesser_toes", "contact_area_mm2"] == 0.0
    assert got.loc["hallux", "peak_pressure_kpa"] == pytest.approx(120.0, abs=1e-4)


def test_a_reading_below_its_baseline_is_zero_pressure_not_negative():
    """Lesser toes read 5 kPa throughout; with a 10 kPa baseline they are at 0 kPa, not -5:
    peak 0, PTI 0 (a negative peak-pressure curve would subtract from the integral)."""
    rec = _recording()
    table = mask_pressure_metrics(
        rec, "left", [0.0], [0.99], baseline_n=_kpa_to_n(rec.layout, [0.0, 0.0, 0.0, 10.0])
    ).set_index("mask")
    assert table.loc["lesser_toes", "peak_pressure_kpa"] == 0.0
    assert table.loc["lesser_toes", "pti_kpa_s"] == 0.0
    assert table.loc["heel", "peak_pressure_kpa"] == pytest.approx(300.0)  # other sensors untouched


def test_baseline_needs_one_value_per_sensor():
    with pytest.raises(ValueError, match="one per sensor"):
        mask_pressure_metrics(_recording(), "left", [0.0], [0.99], baseline_n=np.zeros(3))


def _offset_walk(offset_kpa):
    """Ten box-shaped stances, 0.2-0.8 s of every second, with a constant per-sensor offset.

    True pressures: heel sensor 0 (100 mm^2) 300 kPa over the whole stance, heel sensor 1
    (200 mm^2) unloaded, hallux (50 mm^2) 120 kPa over 0.5-0.8 s, lesser toes (25 mm^2)
    unloaded; 0 kPa everywhere in swing. The recording adds ``offset_kpa`` to every frame.
    """
    t = np.arange(0, 10.0, 1 / RATE_HZ)
    phase = np.round((t % 1.0) * RATE_HZ).astype(int)  # frame within the second
    stance = (phase >= 20) & (phase <= 80)
    p = np.zeros((t.size, 4))
    p[stance, 0] = 300.0
    p[(phase >= 50) & (phase <= 80), 2] = 120.0
    rec = sk.Recording.from_arrays(
        t, left=p + np.asarray(offset_kpa), layout=_layout(), units="kPa", rate_hz=RATE_HZ
    )
    return rec


def test_analyze_reports_offset_free_pressures_for_a_recording_with_a_swing_offset():
    """sk.analyze on the box walk with 20 kPa on heel sensor 1, the hallux and the lesser toes
    (their swing reading): the per-mask table equals the offset-free analytic values. Before
    the fix: heel area 300 mm^2 (sensor 1 counted), hallux peak 140 kPa and PTI 49.4 kPa s, heel PTI 181.6 kPa s,
    lesser toes in contact (25 mm^2) with a 20 kPa peak and 12.2 kPa s."""
    offset = [0.0, 20.0, 20.0, 20.0]
    res = sk.analyze(_offset_walk(offset))
    lay = _layout()
    np.testing.assert_allclose(res.baseline_n["left"], _kpa_to_n(lay, offset), rtol=1e-6)
    steps = res.steps[res.steps["valid"]]
    assert len(steps) == 10
    # each stance window runs from the first loaded frame (0.20 s into the second) to the
    # first unloaded one (0.81 s: toe-off is timed where the force is below the threshold)
    np.testing.assert_allclose(steps["t_contact_s"] % 1.0, 0.20, atol=1e-9)
    np.testing.assert_allclose(steps["t_toe_off_s"] % 1.0, 0.81, atol=1e-9)
    p = res.pressure
    assert set(p["step"]) == set(steps.index)
    by = {m: p[p["mask"] == m] for m in ("heel", "hallux", "lesser_toes")}
    dt = 1 / RATE_HZ
    # heel: sensor 0 alone, 300 kPa on 0.20-0.80 s, 0 at 0.81 s (trapezoid: half a frame of fall)
    np.testing.assert_allclose(by["heel"]["peak_pressure_kpa"], 300.0, atol=1e-4)
    np.testing.assert_allclose(by["heel"]["pti_kpa_s"], 300.0 * (0.6 + 0.5 * dt), atol=1e-4)
    np.testing.assert_array_equal(by["heel"]["contact_area_mm2"], 100.0)
    # hallux: 0 kPa to 0.49 s, 120 kPa on 0.50-0.80 s, 0 at 0.81 s (half a frame of rise and of fall)
    np.testing.assert_allclose(by["hallux"]["peak_pressure_kpa"], 120.0, atol=1e-4)
    np.testing.assert_allclose(by["hallux"]["pti_kpa_s"], 120.0 * (0.3 + dt), atol=1e-4)
    np.testing.assert_array_equal(by["hallux"]["contact_area_mm2"], 50.0)
    # lesser toes: unloaded
    np.testing.assert_allclose(by["lesser_toes"]["peak_pressure_kpa"], 0.0, atol=1e-4)
    np.testing.assert_allclose(by["lesser_toes"]["pti_kpa_s"], 0.0, atol=1e-4)
    np.testing.assert_array_equal(by["lesser_toes"]["contact_area_mm2"], 0.0)


def test_analyze_without_an_offset_is_unchanged_by_the_correction():
    """No offset: the baseline is zero and the table is the readings' own."""
    rec = _offset_walk([0.0, 0.0, 0.0, 0.0])
    res = sk.analyze(rec)
    assert not res.baseline_n["left"].any()
    steps = res.steps[res.steps["valid"]]
    raw = mask_pressure_metrics(rec, "left", steps["t_contact_s"], steps["t_toe_off_s"])
    cols = ["peak_pressure_kpa", "pti_kpa_s", "contact_area_mm2"]
    np.testing.assert_array_equal(res.pressure[cols].to_numpy(), raw[cols].to_numpy())


PEDAR = "tests/data/pressure-mats/pedar_example.asc"


def test_real_pedar_swing_reads_no_contact_once_the_baseline_is_removed():
    """The pedar sample's left insole has four sensors (26, 47, 54, 61; heel, midfoot x 2,
    MTH4-5) reading 20 kPa in swing: counted as in contact, the median mid-swing frame had
    767 mm^2 of contact area. With the analysis' baseline removed the median frame has none,
    and those four sensors read 0 kPa in mid-swing. (Other sensors flicker between 0 and
    15-20 kPa, pedar's lowest non-zero reading, on single frames; they are noise, not an
    offset, and the right insole shows the same.)"""
    rec = sk.read(PEDAR)
    res = sk.analyze(rec)
    lay = rec.layout_for("left")
    base_kpa = res.baseline_n["left"] / (lay.area_mm2 * 1e-3)
    offset = np.flatnonzero(base_kpa > 1.0)
    assert offset.tolist() == [25, 46, 53, 60]
    np.testing.assert_allclose(base_kpa[offset], 20.0, rtol=1e-6)
    # mid-swing frames of the left foot: 0.1 s after toe-off to 0.1 s before the next contact
    steps = res.steps[res.steps["side"] == "left"]
    c, o = steps["t_contact_s"].to_numpy(), steps["t_toe_off_s"].to_numpy()
    t = rec.time
    mid = np.zeros(t.size, dtype=bool)
    for k in range(len(c) - 1):
        mid |= (t >= o[k] + 0.1) & (t <= c[k + 1] - 0.1)
    assert mid.sum() > 200
    frames = t[mid]
    # one-frame windows: the contact area of each mid-swing frame, summed over the masks
    table = mask_pressure_metrics(rec, "left", frames, frames, baseline_n=res.baseline_n["left"])
    area = table.groupby("stance")["contact_area_mm2"].sum().to_numpy()
    assert area.size == frames.size
    assert np.median(area) == 0.0
    assert area.mean() < 150.0  # the flicker; 745 mm^2 with the offset sensors counted
    sensor_peak = table.groupby("mask")["peak_pressure_kpa"].max()
    assert sensor_peak.max() <= 20.0  # the flicker's level; the offset sensors reached 27.5 kPa


def test_the_report_names_the_sensors_whose_swing_offset_was_removed():
    """The pedar report said an offset was removed but not where (new-user tester): four left
    sensors read 20 kPa with the foot in the air."""
    from pathlib import Path

    import sensorkit as sk
    from sensorkit.report.sections import pressure_table

    rec = sk.read(Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc")
    text = pressure_table(sk.analyze(rec), rec)
    assert (
        "Offsets removed" in text and "left S26 (20 kPa), S47 (20 kPa), S54 (20 kPa), S61 (20 kPa)." in text
    )
    assert "right S" not in text  # the right insole's baseline is zero
