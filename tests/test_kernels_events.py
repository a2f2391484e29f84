"""Contact / toe-off state machine against the reference and hand-made signals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorkit import kernels, reference

ON, OFF = 50.0, 40.0


def _detect(force, min_on=5, min_off=5, chunks=None):
    force = np.asarray(force, dtype=np.float32)
    state = kernels.new_event_state()
    if chunks is None:
        return kernels.detect_contacts(force, 0, ON, OFF, min_on, min_off, state)
    out = [[], [], []]
    i = 0
    for k in chunks:
        res = kernels.detect_contacts(force[i : i + k], i, ON, OFF, min_on, min_off, state)
        for acc, r in zip(out, res, strict=True):
            acc.extend(r.tolist())
        i += k
    return tuple(np.array(a, dtype=np.int64) for a in out)


def test_square_pulse_gives_exact_contact_and_toe_off_frames():
    f = np.zeros(100)
    f[20:60] = 500.0
    starts, stops, flags = _detect(f)
    assert starts.tolist() == [20] and stops.tolist() == [60] and flags.tolist() == [0]


def test_blip_shorter_than_min_contact_is_not_a_step():
    f = np.zeros(100)
    f[20:24] = 500.0  # 4 frames < 5
    assert _detect(f)[0].size == 0


def test_dip_between_thresholds_does_not_split_a_step():
    f = np.zeros(100)
    f[10:80] = 500.0
    f[40:50] = 45.0  # below on, above off: hysteresis keeps the stance
    starts, stops, _ = _detect(f)
    assert starts.tolist() == [10] and stops.tolist() == [80]


def test_short_drop_below_off_threshold_does_not_end_a_step():
    f = np.zeros(100)
    f[10:80] = 500.0
    f[40:43] = 0.0  # 3 frames < min_off
    starts, stops, _ = _detect(f)
    assert starts.tolist() == [10] and stops.tolist() == [80]


def test_step_open_at_the_end_is_not_reported():
    f = np.zeros(50)
    f[30:] = 500.0
    assert _detect(f)[0].size == 0


def test_missing_frame_ends_step_with_gap_flag_and_next_step_is_flagged_too():
    f = np.zeros(100)
    f[10:70] = 500.0
    f[40] = np.nan
    starts, stops, flags = _detect(f)
    assert starts.tolist() == [10, 41] and stops.tolist() == [40, 70]
    assert flags.tolist() == [kernels.FLAG_GAP, kernels.FLAG_GAP]


def test_step_under_way_at_first_frame_is_truncated():
    f = np.zeros(60)
    f[:20] = 500.0
    _, _, flags = _detect(f)
    assert flags.tolist() == [kernels.FLAG_TRUNCATED]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    min_on=st.integers(1, 6),
    min_off=st.integers(1, 6),
    nan_rate=st.sampled_from([0.0, 0.02]),
)
def test_detect_contacts_matches_reference_and_chunking(seed, min_on, min_off, nan_rate):
    rng = np.random.default_rng(seed)
    f = rng.choice([0.0, 30.0, 45.0, 60.0, 400.0], size=400, p=[0.3, 0.1, 0.1, 0.1, 0.4]).astype(np.float32)
    f[rng.random(400) < nan_rate] = np.nan
    want = reference.detect_contacts(f, ON, OFF, min_on, min_off)
    got = _detect(f, min_on, min_off)
    chunks = rng.integers(1, 30, 100)
    chunks = chunks[np.cumsum(chunks) <= 400].tolist()
    chunks.append(400 - sum(chunks))
    got_chunked = _detect(f, min_on, min_off, chunks)
    for w, g, c in zip(want, got, got_chunked, strict=True):
        np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(c, w)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs_give_no_steps(n):
    assert _detect(np.full(n, 500.0))[0].size == 0


def test_toe_off_is_timed_at_the_contact_threshold_not_the_hysteresis_threshold():
    f = np.concatenate([np.zeros(10), np.full(30, 500.0), np.linspace(60.0, 0.0, 31), np.zeros(20)])
    _starts, stops, _ = _detect(f)
    last_above_on = int(np.flatnonzero(f >= ON)[-1])
    assert stops.tolist() == [last_above_on + 1]
    assert f[stops[0]] < ON <= f[stops[0] - 1]
