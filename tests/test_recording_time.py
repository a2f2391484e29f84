"""The time checks of Recording.from_arrays in blocks, and the in-place median, against the
whole-array numpy definitions (issue 17: no (n,) temporaries for an 8 h recording)."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit import recording
from sensorkit._median import median_in_place

BLOCK = recording._TIME_BLOCK


@pytest.mark.parametrize("seed", range(4))
def test_median_in_place_is_np_median_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    pool = np.array([1e-3, 0.99e-3, 1.01e-3, 2e-3, -0.0, 0.0, np.inf, -np.inf, 1e300, -0.0])
    for n in range(1, 60):
        for x in (rng.normal(1e-3, 1e-5, n), rng.choice(pool, n)):
            if rng.random() < 0.2:
                x[rng.integers(0, n)] = np.nan
            with np.errstate(invalid="ignore"):
                want = np.median(x)
                got = median_in_place(x.copy())
            assert np.float64(got).tobytes() == np.float64(want).tobytes(), x
    with pytest.raises(ValueError, match="no values"):
        median_in_place(np.zeros(0))


def test_time_jumps_across_block_edges_are_the_whole_array_ones():
    # steps of 5, 2.4 and 1.51 periods on both sides of the block edges: the gaps found in
    # blocks are those of np.diff over the whole array
    n = 2 * BLOCK + 10
    rate = 1000.0
    steps = np.full(n - 1, 1.0 / rate)
    at = np.array([0, BLOCK - 2, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK, n - 2])
    steps[at] = np.resize(np.array([5.0, 2.4, 1.51, 1.49]) / rate, at.size)
    t = np.concatenate(([0.0], np.cumsum(steps)))
    rec = sk.Recording.from_arrays(t, np.ones((n, 1), np.float32), layout=_one_sensor(), rate_hz=rate)
    dt = np.diff(t)
    want = np.flatnonzero(dt > 1.5 / rate)
    jumps = rec.gaps[rec.gaps["reason"] == "time jump"]
    np.testing.assert_array_equal(jumps["start_s"].to_numpy(), t[want])
    np.testing.assert_array_equal(jumps["end_s"].to_numpy(), t[want + 1])
    np.testing.assert_array_equal(
        jumps["n_missing"].to_numpy(), np.maximum(np.rint(dt[want] * rate).astype(np.int64) - 1, 1)
    )
    assert set(at[np.resize([True, True, True, False], at.size)]) == set(want)


@pytest.mark.parametrize("i", [0, 5, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 3])
def test_first_bad_step_is_named_wherever_it_falls(i):
    n = 2 * BLOCK + 5
    t = np.arange(n, dtype=np.float64) / 1000.0
    t[i + 1] = t[i]  # frame i + 1 does not come after frame i
    t[-1] = t[-2] - 1.0  # a later one too: the first is named
    with pytest.raises(ValueError, match=rf"frame {i + 1} \(.*\) does not come after frame {i} "):
        sk.Recording.from_arrays(t, np.ones((n, 1), np.float32), layout=_one_sensor())


def test_a_non_finite_time_is_named_before_any_earlier_bad_step():
    # as a whole-array check: finiteness over every frame first, then the steps
    n = BLOCK + 100
    t = np.arange(n, dtype=np.float64) / 1000.0
    t[3] = t[2]
    t[BLOCK + 50] = np.nan
    with pytest.raises(ValueError, match=f"time is not finite at frame {BLOCK + 50} "):
        sk.Recording.from_arrays(t, np.ones((n, 1), np.float32), layout=_one_sensor())


def test_rate_from_the_median_step_is_np_median():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.9e-3, 1.1e-3, 20_001))
    rec = sk.Recording.from_arrays(t, np.ones((t.size, 1), np.float32), layout=_one_sensor())
    assert rec.metadata["rate_hz"] == round(1.0 / float(np.median(np.diff(t))), 6)


def _one_sensor():
    return sk.SensorLayout(
        name="one",
        x_mm=np.zeros(1),
        y_mm=np.full(1, 100.0),
        area_mm2=np.full(1, 100.0),
        region=["heel"],
        ml=["lateral"],
        foot_length_mm=265.0,
        foot_width_mm=100.0,
        outline_mm=np.zeros((0, 2)),
    )
