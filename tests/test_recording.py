import numpy as np
import pytest

import sensorkit as sk
from sensorkit.layout import SensorLayout

LAYOUT = sk.load_layout("ref16")


def _arrays(n=200, s=16, rate=100.0):
    t = np.arange(n) / rate
    v = np.random.default_rng(0).random((n, s)).astype(np.float32)
    return t, v


def test_from_arrays_is_zero_copy_for_float32_input():
    t, v = _arrays()
    rec = sk.Recording.from_arrays(t, left=v, layout=LAYOUT)
    assert rec.left is v or np.shares_memory(rec.left, v)
    assert rec.right is None and rec.sides == ("left",)
    assert rec.rate_hz == pytest.approx(100.0)
    assert rec.duration_s == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": np.arange(5)[::-1]}, "strictly increasing: frame 1"),
        ({"time": np.array([0, 1, np.nan, 3, 4.0])}, "not finite at frame 2"),
        ({"left": np.ones((5, 8))}, "8 sensors but layout 'ref16' has 16"),
        ({"left": np.ones((4, 16))}, "4 frames but time has 5"),
        ({"left": np.ones(5)}, "2-D array"),
        ({"units": "psi"}, "units must be 'N' or 'kPa'"),
        ({"units": "kPa"}, "contradict layout"),
        ({"body_mass_kg": 70000.0}, "outside 10-400 kg"),
        ({"left": None}, "at least one side"),
        ({"layout": None}, "layout is required"),
    ],
)
def test_from_arrays_names_the_problem(kwargs, message):
    args = {"time": np.arange(5) / 100.0, "left": np.ones((5, 16)), "layout": LAYOUT}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        sk.Recording.from_arrays(**args)


def test_infinite_value_is_rejected_with_frame_and_sensor():
    t, v = _arrays()
    v[17, 3] = np.inf
    with pytest.raises(ValueError, match="infinite at frame 17, sensor H4"):
        sk.Recording.from_arrays(t, left=v, layout=LAYOUT)


def test_partial_nan_frame_is_rejected():
    t, v = _arrays()
    v[9, 0] = np.nan
    with pytest.raises(ValueError, match="NaN at frame 9, sensor H1"):
        sk.Recording.from_arrays(t, left=v, layout=LAYOUT)


def test_missing_frames_become_gaps_and_stay_missing():
    t, v = _arrays()
    v[50:53] = np.nan
    rec = sk.Recording.from_arrays(t, left=v, right=v.copy(), layout=LAYOUT)
    assert len(rec.gaps) == 2
    gap = rec.gaps.iloc[0]
    assert gap.start_s == pytest.approx(0.49) and gap.end_s == pytest.approx(0.53)
    assert gap.n_missing == 3 and gap.reason == "dropout"
    assert np.isnan(rec.left[50:53]).all()  # never filled in


def test_time_jump_becomes_a_gap_of_both_sides():
    t, v = _arrays()
    keep = np.r_[0:100, 110:200]
    rec = sk.Recording.from_arrays(t[keep], left=v[keep], layout=LAYOUT)
    assert len(rec.gaps) == 1
    gap = rec.gaps.iloc[0]
    assert (gap.side, gap.n_missing, gap.reason) == ("both", 10, "time jump")
    assert gap.start_s == pytest.approx(0.99) and gap.end_s == pytest.approx(1.10)


def test_declared_gap_is_kept_and_not_duplicated():
    t, v = _arrays()
    v[50:53] = np.nan
    declared = [{"start_s": 0.4, "end_s": 0.6, "side": "left", "reason": "link lost"}]
    rec = sk.Recording.from_arrays(t, left=v, layout=LAYOUT, gaps=declared)
    assert rec.gaps.reason.tolist() == ["link lost"]


def test_slice_time_returns_views_and_clips_gaps():
    t, v = _arrays()
    v[150:152] = np.nan
    rec = sk.Recording.from_arrays(t, left=v, layout=LAYOUT)
    part = rec.slice_time(0.5, 1.0)
    assert part.n_frames == 50 and np.shares_memory(part.left, rec.left)
    assert len(part.gaps) == 0
    assert len(rec.slice_time(1.0, None).gaps) == 1


def test_to_dataframe_names_sensor_columns_per_side():
    t, v = _arrays()
    rec = sk.Recording.from_arrays(t, left=v, right=v, layout=LAYOUT)
    df = rec.to_dataframe()
    assert df.columns[0] == "time_s" and "L_H1" in df and "R_T3" in df
    assert df.shape == (200, 33)
    assert df.attrs["units"] == "N"


def test_forces_from_pressure_use_sensor_areas():
    lay = SensorLayout(
        "p3",
        [0, 10, -10],
        [10, 100, 200],
        [100.0, 200.0, 50.0],
        ["heel", "midfoot", "forefoot"],
        ["central", "medial", "lateral"],
        250,
        95,
        [],
        value_kind="pressure",
    )
    t = np.arange(3) / 100.0
    kpa = np.full((3, 3), 100.0, dtype=np.float32)  # 100 kPa on every sensor
    rec = sk.Recording.from_arrays(t, left=kpa, layout=lay)
    assert rec.units == "kPa"
    np.testing.assert_allclose(rec.forces_n("left")[0], [10.0, 20.0, 5.0])  # kPa * mm^2 * 1e-3


def test_body_mass_comes_from_metadata():
    t, v = _arrays()
    rec = sk.Recording.from_arrays(t, left=v, layout=LAYOUT, metadata={"body_mass_kg": "72.5"})
    assert rec.body_mass_kg == 72.5
    assert "body_mass_kg=72.5" in repr(rec)
