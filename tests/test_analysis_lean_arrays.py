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


def _straightforward_standing_mask(time_s, seg_left, seg_right, on_left_n, on_right_n):
    """standing._standing_mask as first written (float totals, nested int64 np.where, a Python
    loop over the runs)."""
    from sensorkit.analysis import standing as st

    with np.errstate(invalid="ignore", divide="ignore"):
        total = seg_left + seg_right
        loaded = (seg_left >= on_left_n) & (seg_right >= on_right_n)
        light_left = seg_left < st.MIN_STANDING_SHARE * total
        light_right = seg_right < st.MIN_STANDING_SHARE * total
    lifted = np.zeros(loaded.shape, dtype=bool)
    for light in (light_left, light_right):
        for a, b in zip(*true_runs(light), strict=True):
            if time_s[b - 1] - time_s[a] < st.MAX_LIFT_S:
                lifted[a:b] = True
    both = loaded & ~lifted
    for a, b in zip(*true_runs(~both), strict=True):  # dips shorter than 0.2 s bridged
        if 0 < a and b < both.size and time_s[b] - time_s[a - 1] <= st._MAX_DIP_S:
            both[a:b] = True
    lean = np.where(light_left & ~lifted, -1, np.where(light_right & ~lifted, 1, 0))
    for a, b in zip(*true_runs(both), strict=True):
        at = np.flatnonzero(lean[a:b])
        if at.size < 2:
            continue
        sides = lean[a:b][at]
        for k in np.flatnonzero(sides[1:] != sides[:-1]):
            both[a + at[k] + 1 : a + at[k + 1]] = False
            both[a + at[k + 1]] = False
    return both


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_standing_mask_equals_the_straightforward_one_in_a_third_of_the_memory(dtype):
    import tracemalloc

    from sensorkit.analysis.standing import _standing_mask

    rng = np.random.default_rng(11)
    n = 200_000
    t = np.arange(n) / 100.0
    # stretches of standing, leaning either way, lifting a foot, walking, and missing frames
    share = np.repeat(rng.choice([0.5, 0.3, 0.05, 0.95, 0.0, 1.0], n // 50), 50)
    load = np.repeat(rng.uniform(0, 900, n // 50), 50) + rng.normal(0, 5, n)
    # short lifts and dips on their own: runs of one frame, at the ends, back to back
    share[:3] = 0.0
    share[-2:] = 1.0
    share[1000:1003] = [0.0, 0.5, 0.0]
    load[2000:2020:2] = 0.0
    left, right = (load * share).astype(dtype), (load * (1 - share)).astype(dtype)
    left[rng.random(n) < 0.01] = np.nan
    want = _straightforward_standing_mask(t, left, right, 20.0, 20.0)
    tracemalloc.start()
    got = _standing_mask(t, left, right, 20.0, 20.0, 1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert want.sum() > n // 10 and (~want).sum() > n // 10  # both kinds of frames
    np.testing.assert_array_equal(got, want)
    # was 26 bytes a frame at float32 (two nested int64 np.where)
    assert peak / n < (12 if dtype == np.float32 else 16)
