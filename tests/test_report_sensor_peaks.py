"""The report's per-sensor step peaks equal the reduceat over the stance bounds they replaced (issue 17, goal 5)."""

from __future__ import annotations

import numpy as np

import sensorkit as sk
from sensorkit.report.data import _stance_bounds, sensor_peaks, steady_steps


def test_sensor_peaks_equal_the_reduceat_definition():
    rec = sk.simulate(duration_s=20, seed=3, noise=2.0)
    res = sk.analyze(rec)
    for side in ("left", "right"):
        steps = steady_steps(res, side)
        i0, i1 = _stance_bounds(rec.time, steps)
        bounds = np.empty(2 * len(steps), dtype=np.int64)
        bounds[0::2], bounds[1::2] = i0, np.minimum(i1, rec.n_frames - 1)
        forces = rec.forces_n(side)
        want = np.fmax.reduceat(forces, bounds, axis=0)[0::2].astype(np.float64)
        want = np.maximum(np.nanmean(want, axis=0) - res.baseline_n[side], 0.0)
        got = sensor_peaks(rec, res, side)
        assert got.n_steps == len(steps) > 5
        np.testing.assert_array_equal(got.values, want)
