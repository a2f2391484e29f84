"""Lean per-frame helpers of day-long analyses give the straightforward results (issue 17, goal 2)."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit.analysis import stances
from sensorkit.analysis.standing import true_runs


def _edges_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return edges[::2], edges[1::2]


@pytest.mark.parametrize("seed", range(8))
def test_true_runs_equal_the_edge_pairs_of_the_integer_mask(seed):
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 7, 1000):
        mask = rng.random(n) < (0.1, 0.5, 0.9)[seed % 3]
        got, want = true_runs(mask), _edges_runs(mask)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert [r.tolist() for r in true_runs(np.array([True, True, False, True]))] == [[0, 3], [2, 4]]


def test_hole_markers_in_blocks_equal_one_pass(monkeypatch):
    rng = np.random.default_rng(3)
    t = np.cumsum(np.where(rng.random(10_000) < 0.01, rng.integers(2, 40, 10_000), 1) * 1e-3)

    def one_pass(time_s, prev, rate_hz, max_dt_s):
        dt = np.diff(time_s, prepend=prev)
        with np.errstate(invalid="ignore"):
            jump = dt > max_dt_s
        out = np.zeros(time_s.shape[0], dtype=np.int64)
        out[jump] = np.maximum(1, np.rint(dt[jump] * rate_hz).astype(np.int64) - 1)
        return out

    monkeypatch.setattr(stances, "_HOLE_BLOCK", 777)  # blocks boundaries everywhere
    for prev in (np.nan, t[0] - 0.005):
        got = stances.hole_markers(t, prev, 1000.0, 0.0015)
        np.testing.assert_array_equal(got, one_pass(t, prev, 1000.0, 0.0015))
    assert got.sum() > 100  # the test has holes to find
