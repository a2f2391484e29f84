"""sk.analyze runs the two feet of a long recording in two threads; the result is the one of
one foot after the other (analysis/batch.py, _side_pool)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import batch

DATA = Path(__file__).parent / "data"


def _frames_equal(a: pd.DataFrame | None, b: pd.DataFrame | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def _analyze(rec: sk.Recording, threaded: bool, monkeypatch) -> sk.Analysis:
    monkeypatch.setattr(batch, "_THREADED_VALUES", 0 if threaded else 1 << 62)
    return sk.analyze(rec)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sk.simulate(duration_s=30, seed=2, rate_hz=1000, dropout=0.01, asymmetry=0.1),
        lambda: sk.simulate(duration_s=30, seed=5, speed_mps=1.2, noise=3.0),
        lambda: sk.read(DATA / "physionet-gaitpdb" / "GaCo03_01.txt"),
    ],
    ids=["running-1kHz-loss", "walking-noise", "physionet"],
)
def test_two_threads_give_the_serial_result(make, monkeypatch):
    rec = make()
    seen = []
    original = batch.side_context

    def spy(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(batch, "side_context", spy)
    serial = _analyze(rec, False, monkeypatch)
    assert seen == ["MainThread", "MainThread"]
    seen.clear()
    threaded = _analyze(rec, True, monkeypatch)
    assert all(name.startswith("sensorkit-side") for name in seen) and len(seen) == 2
    for name in ("steps", "summary", "asymmetry", "standing", "gaps"):
        _frames_equal(getattr(serial, name), getattr(threaded, name))
    for side in rec.sides:
        for a, b in zip(serial._cop_arrays[side], threaded._cop_arrays[side], strict=True):
            assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
        assert serial.baseline_n[side].tobytes() == threaded.baseline_n[side].tobytes()


def test_short_one_sided_or_kpa_recordings_stay_in_the_calling_thread(monkeypatch):
    short = sk.simulate(duration_s=5, seed=1)
    assert isinstance(batch._side_pool(short), batch._Serial)
    long = sk.simulate(duration_s=300, seed=1, rate_hz=1000)  # 4.8 million values
    assert not isinstance(batch._side_pool(long), batch._Serial)
    one = sk.Recording.from_arrays(long.time, long.left, layout=long.layout)
    assert isinstance(batch._side_pool(one), batch._Serial)
    monkeypatch.setattr(batch, "_THREADED_VALUES", 0)  # long enough, whatever the length
    assert not isinstance(
        batch._side_pool(sk.read(DATA / "physionet-gaitpdb" / "GaCo03_01.txt")), batch._Serial
    )
    for kpa in ("pressure-mats/pedar_example.asc", "moticon-opengo/230927_102137.txt"):
        rec = sk.read(DATA / kpa)  # kPa: each thread would hold its side converted to N at once
        assert rec.units == "kPa" and isinstance(batch._side_pool(rec), batch._Serial)
