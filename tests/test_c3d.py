"""C3D export, read back with ezc3d (an independent reader): values, rate, labels, units, events."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import OutputExistsError, SensorkitError
from sensorkit.io.c3d import FORMAT, write_c3d
from sensorkit.layout import SensorLayout, load_layout
from tests.conftest import PHYSIONET_DIR
from tests.interchange_helpers import with_events

ezc3d = pytest.importorskip("ezc3d", reason="ezc3d (the 'c3d' extra) is not installed")

T0 = 1_700_000_000.123456  # a Unix-time axis: C3D floats alone would lose its microseconds
RATE = 100.0
SLOTS = np.array([0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13])  # slots 7 and 8 absent: a time jump


def _known_recording() -> sk.Recording:
    """Two insoles with hand-made frames whose force and COP are known exactly."""
    lay = load_layout("ref16")
    rng = np.random.default_rng(3)
    n = SLOTS.size
    left = rng.uniform(0.0, 50.0, (n, 16)).astype(np.float32)
    right = rng.uniform(0.0, 50.0, (n, 16)).astype(np.float32)
    left[2] = np.nan  # the left insole dropped frame 2
    left[4] = 0.0
    left[4, 3] = 100.0  # one loaded sensor: COP is that sensor's position
    left[5] = 0.0  # unloaded: COP undefined
    right[7] = np.nan
    return sk.Recording.from_arrays(
        T0 + SLOTS / RATE,
        left,
        right,
        layout=lay,
        rate_hz=RATE,
        body_mass_kg=72.5,
        metadata={"subject": {"id": "S07", "body_mass_kg": 72.5}},
    )


def _param(c3d, group: str, name: str):
    return c3d["parameters"][group][name]["value"]


def _channel(c3d, label: str) -> np.ndarray:
    labels = _param(c3d, "ANALOG", "LABELS")
    return c3d["data"]["analogs"][0, labels.index(label), :]


def test_values_rate_labels_units_and_missing_frames_round_trip(tmp_path):
    rec = _known_recording()
    path = write_c3d(rec, tmp_path / "walk.c3d")
    c3d = ezc3d.c3d(str(path))

    sensors = [f"L{i}" for i in range(1, 17)] + [f"R{i}" for i in range(1, 17)]
    derived = ["L_FZ", "L_COPX", "L_COPY", "R_FZ", "R_COPX", "R_COPY", "L_VALID", "R_VALID"]
    assert _param(c3d, "ANALOG", "LABELS") == sensors + derived
    assert _param(c3d, "ANALOG", "UNITS") == ["N"] * 32 + ["N", "mm", "mm"] * 2 + ["", ""]
    assert float(_param(c3d, "ANALOG", "RATE")[0]) == RATE
    assert c3d["header"]["analogs"]["frame_rate"] == RATE
    assert c3d["data"]["analogs"].shape == (1, 40, 14)  # 12 frames on 14 slots

    for side, values in (("L", rec.left), ("R", rec.right)):
        for j in range(16):
            got = _channel(c3d, f"{side}{j + 1}")
            np.testing.assert_array_equal(got[SLOTS], values[:, j])  # float32 exact, NaN where missing
            assert np.isnan(got[[7, 8]]).all()  # the time jump's slots are missing, not zero

    valid_l, valid_r = _channel(c3d, "L_VALID"), _channel(c3d, "R_VALID")
    expected_l = np.zeros(14)
    expected_l[SLOTS] = 1.0
    expected_r = expected_l.copy()
    expected_l[SLOTS[2]] = 0.0
    expected_r[SLOTS[7]] = 0.0
    np.testing.assert_array_equal(valid_l, expected_l)
    np.testing.assert_array_equal(valid_r, expected_r)

    fz = _channel(c3d, "L_FZ")[SLOTS]
    np.testing.assert_allclose(fz, rec.left.astype(np.float64).sum(axis=1), rtol=1e-6, atol=1e-3)
    lay = rec.layout
    assert fz[4] == 100.0
    assert _channel(c3d, "L_COPX")[SLOTS[4]] == pytest.approx(lay.x_mm[3], abs=1e-3)
    assert _channel(c3d, "L_COPY")[SLOTS[4]] == pytest.approx(lay.y_mm[3], abs=1e-3)
    assert fz[5] == 0.0 and np.isnan(_channel(c3d, "L_COPX")[SLOTS[5]])
    # COP of a loaded frame: the force-weighted mean position, checked in float64
    f = rec.right[0].astype(np.float64)
    assert _channel(c3d, "R_COPY")[0] == pytest.approx((f * lay.y_mm).sum() / f.sum(), abs=1e-3)
    assert _channel(c3d, "R_COPX")[0] == pytest.approx((f * lay.x_mm).sum() / f.sum(), abs=1e-3)


def test_metadata_time_origin_subject_and_gaps(tmp_path):
    rec = _known_recording()
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "walk.c3d")))
    assert float(_param(c3d, "SENSORKIT", "TIME_ORIGIN_S")[0]) == T0  # exact, to the microsecond
    assert _param(c3d, "SENSORKIT", "LAYOUT") == ["ref16"]
    assert _param(c3d, "SENSORKIT", "UNITS") == ["N"]
    assert _param(c3d, "SENSORKIT", "SIDES") == ["left", "right"]
    assert _param(c3d, "SUBJECTS", "NAMES") == ["S07"]
    assert float(_param(c3d, "PROCESSING", "Bodymass")[0]) == 72.5
    assert float(_param(c3d, "SENSORKIT", "BODY_MASS_KG")[0]) == 72.5
    np.testing.assert_allclose(_param(c3d, "SENSORKIT", "SENSOR_Y_MM"), rec.layout.y_mm, atol=1e-4)
    assert float(_param(c3d, "SENSORKIT", "TIME_MAX_ERROR_S")[0]) < 1e-6
    np.testing.assert_allclose(
        _param(c3d, "SENSORKIT", "GAP_START_S"), rec.gaps["start_s"] - T0, rtol=1e-6, atol=1e-6
    )
    assert _param(c3d, "SENSORKIT", "GAP_REASON") == list(rec.gaps["reason"])
    assert "time jump" in _param(c3d, "SENSORKIT", "GAP_REASON")


def test_events_go_into_the_event_group(tmp_path):
    events = pd.DataFrame(
        {
            "time_s": [T0 + 0.0312, T0 + 0.1, T0 + 75.25],
            "label": ["trial start", "tare", "Foot Strike"],
            "source": ["user", "device", "moticon"],
        }
    )
    rec = with_events(_known_recording(), events)
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "walk.c3d")))
    assert int(np.ravel(_param(c3d, "EVENT", "USED"))[0]) == 3
    times = np.asarray(_param(c3d, "EVENT", "TIMES"), dtype=np.float64)  # (2, k): minutes, seconds
    assert times.shape == (2, 3)
    np.testing.assert_allclose(times[0] * 60 + times[1], [0.0312, 0.1, 75.25], atol=2e-6)
    assert list(times[0]) == [0.0, 0.0, 1.0]
    assert _param(c3d, "EVENT", "LABELS") == ["trial start", "tare", "Foot Strike"]
    assert _param(c3d, "EVENT", "DESCRIPTIONS") == ["user", "device", "moticon"]
    assert _param(c3d, "EVENT", "CONTEXTS") == ["General"] * 3


def test_no_events_no_event_group_and_too_many_events_is_an_error(tmp_path):
    rec = _known_recording()
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "plain.c3d")))
    assert "EVENT" not in c3d["parameters"] or len(_param(c3d, "EVENT", "LABELS")) == 0
    many = pd.DataFrame({"time_s": T0 + np.arange(256) * 0.001, "label": "x", "source": "test"})
    busy = with_events(rec, many)
    with pytest.raises(SensorkitError, match="256 events; a C3D EVENT group holds at most 255"):
        write_c3d(busy, tmp_path / "busy.c3d")
    assert not (tmp_path / "busy.c3d").exists()
    write_c3d(busy, tmp_path / "busy.c3d", include_events=False)
    c3d = ezc3d.c3d(str(tmp_path / "busy.c3d"))
    assert "EVENT" not in c3d["parameters"] or len(_param(c3d, "EVENT", "LABELS")) == 0


def test_real_physionet_walk_round_trips(tmp_path):
    path = PHYSIONET_DIR / "GaCo01_01.txt"
    rec = sk.read(path, body_mass_kg=83)
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "GaCo01_01.c3d")))
    n = rec.n_frames
    assert c3d["data"]["analogs"].shape == (1, 8 + 8 + 8, n)
    # this device's clock runs a little fast (8.5 ms in 2 min): the file runs at the fitted rate
    rate = float(_param(c3d, "ANALOG", "RATE")[0])
    assert rate == pytest.approx(100.007, abs=0.001)
    assert float(_param(c3d, "SENSORKIT", "NOMINAL_RATE_HZ")[0]) == rec.rate_hz == 100.0
    c3d_time = float(_param(c3d, "SENSORKIT", "TIME_ORIGIN_S")[0]) + np.arange(n) / rate
    max_err = np.abs(c3d_time - rec.time).max()
    assert max_err < 0.25 / rate  # the stated tolerance
    assert float(_param(c3d, "SENSORKIT", "TIME_MAX_ERROR_S")[0]) == pytest.approx(
        max_err, abs=1e-5
    )  # the file stores the rate as float32
    for j in range(8):
        np.testing.assert_array_equal(_channel(c3d, f"L{j + 1}"), rec.left[:, j])
        np.testing.assert_array_equal(_channel(c3d, f"R{j + 1}"), rec.right[:, j])
    total = rec.right.astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(_channel(c3d, "R_FZ"), total, rtol=1e-5, atol=1e-2)
    assert float(_param(c3d, "SENSORKIT", "TIME_ORIGIN_S")[0]) == rec.time[0]


def test_pressure_channels_keep_kpa_and_force_is_pressure_times_area(tmp_path):
    lay = dataclasses.replace(load_layout("ref16"), name="ref16-kpa", value_kind="pressure", _region_masks={})
    kpa = np.random.default_rng(5).uniform(0.0, 300.0, (20, 16)).astype(np.float32)
    rec = sk.Recording.from_arrays(
        np.arange(20) / 50.0, kpa, None, layout=lay, rate_hz=50.0, metadata={"subject": "P12"}
    )
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "p.c3d")))
    assert _param(c3d, "SUBJECTS", "NAMES") == ["P12"]  # a reader's subject id string
    assert "PROCESSING" not in c3d["parameters"]  # no body mass, no Bodymass
    assert _param(c3d, "ANALOG", "UNITS")[:17] == ["kPa"] * 16 + ["N"]
    assert "R1" not in _param(c3d, "ANALOG", "LABELS")  # no right insole, no right channels
    expected_n = (kpa.astype(np.float64) * lay.area_mm2 * 1e-3).sum(axis=1)  # kPa x mm^2 = mN
    np.testing.assert_allclose(_channel(c3d, "L_FZ"), expected_n, rtol=1e-5)
    np.testing.assert_array_equal(_channel(c3d, "L1"), kpa[:, 0])


def test_irregular_time_is_an_error_naming_the_frame(tmp_path):
    t = np.arange(10) / RATE
    t[6] += 0.4 / RATE  # 4 ms off a 10 ms grid
    rec = sk.Recording.from_arrays(t, np.ones((10, 16)), layout="ref16", rate_hz=RATE)
    with pytest.raises(
        SensorkitError, match=r"frame 6 \(t = 0\.064 s\) is 3\.\d+ ms off the 99\.\d+ Hz grid"
    ) as err:
        write_c3d(rec, tmp_path / "x.c3d")
    # the hint names what works (sensorkit has no resampler: "resample first" could not be followed)
    assert "CSV or Parquet" in err.value.hint and "resample" not in err.value.hint
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_existing_file_is_kept_unless_overwrite_and_the_name_is_used_as_given(tmp_path):
    rec = _known_recording()
    path = tmp_path / "TRIAL.C3D"  # ezc3d alone would write TRIAL.C3D.c3d
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match=r"TRIAL\.C3D exists"):
        write_c3d(rec, path)
    assert path.read_bytes() == b"keep me"
    assert write_c3d(rec, path, overwrite=True) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["TRIAL.C3D"]
    assert ezc3d.c3d(str(path))["data"]["analogs"].shape == (1, 40, 14)


def test_big_grid_needs_per_sensor_false_and_lists_what_was_not_stored(tmp_path):
    s = 300
    xs = np.tile(np.arange(15) * 5.0 - 35.0, 20)
    ys = np.repeat(np.arange(20) * 12.0 + 5.0, 15)
    grid = SensorLayout(
        name="grid300",
        x_mm=xs,
        y_mm=ys,
        area_mm2=np.full(s, 25.0),
        region=["heel"] * s,
        ml=["central"] * s,
        foot_length_mm=250.0,
        foot_width_mm=90.0,
        outline_mm=np.zeros((0, 2)),
        value_kind="pressure",
    )
    kpa = np.zeros((5, s), np.float32)
    kpa[:, 17] = 1000.0  # 25 N: above the 20 N COP threshold
    rec = sk.Recording.from_arrays(np.arange(5) / RATE, kpa, None, layout=grid, rate_hz=RATE)
    with pytest.raises(SensorkitError, match="304 analog channels") as err:
        write_c3d(rec, tmp_path / "g.c3d")
    assert "per_sensor=False" in err.value.hint
    c3d = ezc3d.c3d(str(write_c3d(rec, tmp_path / "g.c3d", per_sensor=False)))
    assert _param(c3d, "ANALOG", "LABELS") == ["L_FZ", "L_COPX", "L_COPY", "L_VALID"]
    np.testing.assert_allclose(_channel(c3d, "L_FZ"), 1000.0 * 25.0 * 1e-3, rtol=1e-6)
    np.testing.assert_allclose(_channel(c3d, "L_COPX"), xs[17], atol=1e-4)
    not_stored = _param(c3d, "SENSORKIT", "NOT_STORED")
    assert any(item.startswith("SENSOR_X_MM (300 values") for item in not_stored)


def test_missing_ezc3d_gives_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ezc3d", None)  # what an environment without it looks like
    with pytest.raises(SensorkitError, match="needs the ezc3d package") as err:
        write_c3d(_known_recording(), tmp_path / "x.c3d")
    assert "sensorkit[c3d]" in err.value.hint
    assert not Path(tmp_path / "x.c3d").exists()


def test_an_independent_pure_python_reader_sees_the_same_file(tmp_path):
    """The 'c3d' package (a pure-Python implementation, not ezc3d) reads what ezc3d wrote."""
    c3d_pkg = pytest.importorskip("c3d", reason="the 'c3d' package (test extra) is not installed")
    events = pd.DataFrame({"time_s": [T0 + 0.0312, T0 + 75.25], "label": ["a", "bb"], "source": ["u", "v"]})
    rec = with_events(_known_recording(), events)
    path = write_c3d(rec, tmp_path / "walk.c3d")
    with path.open("rb") as fh, pytest.warns(UserWarning, match="No point data"):
        reader = c3d_pkg.Reader(fh)
        labels = [s.strip() for s in reader.analog_labels]
        analog = np.concatenate([frame[2] for frame in reader.read_frames()], axis=1)  # (channels, frames)
        assert reader.analog_rate == RATE
        assert [u.strip() for u in reader.get("ANALOG:UNITS").string_array][:33] == ["N"] * 33
        times = reader.get("EVENT:TIMES").float_array.reshape(-1)  # minutes, seconds per event
        assert [s.strip() for s in reader.get("EVENT:LABELS").string_array] == ["a", "bb"]
        assert [s.strip() for s in reader.get("SUBJECTS:NAMES").string_array] == ["S07"]
        origin = float(reader.get("SENSORKIT:TIME_ORIGIN_S").string_array[0])
    assert labels[:2] == ["L1", "L2"] and labels[-2:] == ["L_VALID", "R_VALID"]
    assert analog.shape == (40, 14)
    np.testing.assert_array_equal(analog[labels.index("R5")][SLOTS], rec.right[:, 4])
    assert np.isnan(analog[labels.index("L1")][[2, 7, 8]]).all()  # a dropped frame and the time jump
    np.testing.assert_array_equal(analog[labels.index("L_VALID")][[0, 2, 7]], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(times[0::2] * 60 + times[1::2], [0.0312, 75.25], atol=2e-6)
    assert origin == T0


@pytest.mark.skipif(FORMAT is None, reason="the format table (issue 14, other branch) is not merged yet")
def test_sk_write_picks_c3d_from_the_extension_and_read_says_it_does_not(tmp_path):
    from sensorkit.errors import FileFormatError

    path = tmp_path / "walk.c3d"
    path.write_bytes(b"old")
    with pytest.raises(OutputExistsError):  # as for every format, only when asked
        sk.write(_known_recording(), path)
    assert path.read_bytes() == b"old"
    sk.write(_known_recording(), path, overwrite=True)
    assert ezc3d.c3d(str(path))["data"]["analogs"].shape == (1, 40, 14)
    with pytest.raises(FileFormatError, match="writes C3D files but does not read them"):
        sk.read(path, format="c3d")
