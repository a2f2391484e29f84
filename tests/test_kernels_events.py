"""Contact / toe-off state machine against the reference and hand-made signals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorkit import kernels, reference

ON, OFF = 50.0, 40.0
GAP, TRUNC, BRIDGED = kernels.FLAG_GAP, kernels.FLAG_TRUNCATED, kernels.FLAG_BRIDGED
IN_HOLE = kernels.FLAG_EVENT_IN_HOLE


def _detect(force, min_on=5, min_off=5, chunks=None, missing=None, bridge=0):
    """Kernel output (contact, toe-off, flags, long_holes), in one call or chunk by chunk."""
    force = np.asarray(force, dtype=np.float32)
    missing = np.zeros(force.size, np.int64) if missing is None else np.asarray(missing, np.int64)
    state = kernels.new_event_state()
    if chunks is None:
        return kernels.detect_contacts(force, missing, 0, ON, OFF, min_on, min_off, bridge, state)
    out = [[], [], [], []]
    i = 0
    for k in chunks:
        res = kernels.detect_contacts(
            np.ascontiguousarray(force[i : i + k]),
            np.ascontiguousarray(missing[i : i + k]),
            i,
            ON,
            OFF,
            min_on,
            min_off,
            bridge,
            state,
        )
        for acc, r in zip(out, res, strict=True):
            acc.extend(r.tolist())
        i += k
    return tuple(np.array(a, dtype=np.int64) for a in out)


def test_square_pulse_gives_exact_contact_and_toe_off_frames():
    f = np.zeros(100)
    f[20:60] = 500.0
    starts, stops, flags, holes = _detect(f)
    assert starts.tolist() == [20] and stops.tolist() == [60] and flags.tolist() == [0]
    assert holes.tolist() == [0]


def test_blip_shorter_than_min_contact_is_not_a_step():
    f = np.zeros(100)
    f[20:24] = 500.0  # 4 frames < 5
    assert _detect(f)[0].size == 0


def test_dip_between_thresholds_does_not_split_a_step():
    f = np.zeros(100)
    f[10:80] = 500.0
    f[40:50] = 45.0  # below on, above off: hysteresis keeps the stance
    starts, stops, _, _ = _detect(f)
    assert starts.tolist() == [10] and stops.tolist() == [80]


def test_short_drop_below_off_threshold_does_not_end_a_step():
    f = np.zeros(100)
    f[10:80] = 500.0
    f[40:43] = 0.0  # 3 frames < min_off
    starts, stops, _, _ = _detect(f)
    assert starts.tolist() == [10] and stops.tolist() == [80]


def test_step_open_at_the_end_is_not_reported():
    f = np.zeros(50)
    f[30:] = 500.0
    assert _detect(f)[0].size == 0


def test_missing_frame_longer_than_the_bridge_ends_step_with_gap_flag_and_next_step_is_flagged_too():
    # max_bridge_frames = 0 bridges nothing: the old behaviour, kept for holes too long to bridge
    f = np.zeros(100)
    f[10:70] = 500.0
    f[40] = np.nan
    starts, stops, flags, holes = _detect(f, bridge=0)
    assert starts.tolist() == [10, 41] and stops.tolist() == [40, 70]
    assert flags.tolist() == [GAP, GAP]
    # one long hole between the two contacts: strides across it are not measurable
    assert holes.tolist() == [0, 1]


def test_short_hole_inside_a_stance_is_bridged_not_split():
    # issue 12: "a single missing row splits a stance". A 3-frame hole with a 5-frame bridge
    # leaves one stance 10..70, flagged as bridged (its metrics over the hole are not measured).
    f = np.zeros(100)
    f[10:70] = 500.0
    f[40:43] = np.nan
    starts, stops, flags, holes = _detect(f, bridge=5)
    assert starts.tolist() == [10] and stops.tolist() == [70]
    assert flags.tolist() == [BRIDGED] and holes.tolist() == [0]
    # one frame longer than the bridge: split at the hole, both halves flagged GAP
    f[40:46] = np.nan  # 6 frames > 5
    starts, stops, flags, holes = _detect(f, bridge=5)
    assert starts.tolist() == [10, 46] and stops.tolist() == [40, 70]
    assert flags.tolist() == [GAP, GAP] and holes.tolist() == [0, 1]


def test_frames_absent_from_the_time_axis_are_a_hole_like_nan_frames():
    f = np.zeros(100)
    f[10:70] = 500.0
    missing = np.zeros(100, np.int64)
    missing[40] = 3  # 3 frames absent before frame 40 (a time jump), no NaN
    starts, stops, flags, holes = _detect(f, missing=missing, bridge=5)
    assert starts.tolist() == [10] and stops.tolist() == [70]
    assert flags.tolist() == [BRIDGED] and holes.tolist() == [0]
    # bridging 2 frames only: the stance ends at the hole (frame 40 is the first frame after
    # it) and the next one starts at frame 40, its contact time unknown (GAP)
    starts, stops, flags, holes = _detect(f, missing=missing, bridge=2)
    assert starts.tolist() == [10, 40] and stops.tolist() == [40, 70]
    assert flags.tolist() == [GAP, GAP] and holes.tolist() == [0, 1]


def test_events_next_to_a_bridged_hole_have_unknown_times():
    # toe-off into a hole: the last loaded frame is 39, the hole 40-41 is bridged; the foot
    # may have left the ground anywhere in the hole, so the toe-off time is unknown
    f = np.zeros(100)
    f[10:40] = 500.0
    f[40:42] = np.nan
    starts, stops, flags, _ = _detect(f, bridge=5)
    assert starts.tolist() == [10] and stops.tolist() == [40]
    assert flags.tolist() == [BRIDGED | IN_HOLE]  # the stance also spans (ends in) the bridged hole
    # contact right after a hole the foot entered unloaded: the contact may lie in the hole
    f = np.zeros(100)
    f[20:22] = np.nan
    f[22:60] = 500.0
    starts, stops, flags, _ = _detect(f, bridge=5)
    assert starts.tolist() == [22] and stops.tolist() == [60]
    assert flags.tolist() == [IN_HOLE]
    # after a hole too long to bridge the contact may lie anywhere in it: GAP, one long hole
    starts, stops, flags, holes = _detect(f, bridge=1)
    assert starts.tolist() == [22] and flags.tolist() == [GAP] and holes.tolist() == [1]


def test_step_under_way_at_first_frame_is_truncated():
    f = np.zeros(60)
    f[:20] = 500.0
    _, _, flags, _ = _detect(f)
    assert flags.tolist() == [TRUNC]


def _random_case(seed, n=400):
    """Force with NaN runs of 1-8 frames and random time jumps (frames absent before a frame)."""
    rng = np.random.default_rng(seed)
    f = rng.choice([0.0, 30.0, 45.0, 60.0, 400.0], size=n, p=[0.3, 0.1, 0.1, 0.1, 0.4]).astype(np.float32)
    for start in np.flatnonzero(rng.random(n) < 0.02):
        f[start : start + int(rng.integers(1, 9))] = np.nan
    missing = np.where(rng.random(n) < 0.02, rng.integers(1, 8, n), 0).astype(np.int64)
    return rng, f, missing


def _chunks(rng, n):
    chunks = rng.integers(1, 30, 100)
    chunks = chunks[np.cumsum(chunks) <= n].tolist()
    chunks.append(n - sum(chunks))
    return chunks


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    min_on=st.integers(1, 6),
    min_off=st.integers(1, 6),
    bridge=st.integers(0, 6),
    holes=st.booleans(),
)
def test_detect_contacts_matches_reference_and_chunking(seed, min_on, min_off, bridge, holes):
    rng, f, missing = _random_case(seed)
    if not holes:
        f = np.where(np.isnan(f), 0.0, f).astype(np.float32)
        missing[:] = 0
    want = reference.detect_contacts(f, ON, OFF, min_on, min_off, missing, bridge)
    got = _detect(f, min_on, min_off, missing=missing, bridge=bridge)
    got_chunked = _detect(f, min_on, min_off, _chunks(rng, f.size), missing=missing, bridge=bridge)
    assert len(want) == len(got) == len(got_chunked) == 4
    for w, g, c in zip(want, got, got_chunked, strict=True):
        np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(c, w)


@pytest.mark.parametrize("seed", range(20))
def test_chunked_detection_equals_one_call_with_one_frame_chunks(seed):
    _rng, f, missing = _random_case(seed, n=300)
    whole = _detect(f, 3, 4, missing=missing, bridge=4)
    ones = _detect(f, 3, 4, [1] * f.size, missing=missing, bridge=4)
    for w, c in zip(whole, ones, strict=True):
        np.testing.assert_array_equal(c, w)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs_give_no_steps(n):
    assert _detect(np.full(n, 500.0))[0].size == 0


def test_toe_off_is_timed_at_the_contact_threshold_not_the_hysteresis_threshold():
    f = np.concatenate([np.zeros(10), np.full(30, 500.0), np.linspace(60.0, 0.0, 31), np.zeros(20)])
    _starts, stops, _, _ = _detect(f)
    last_above_on = int(np.flatnonzero(f >= ON)[-1])
    assert stops.tolist() == [last_above_on + 1]
    assert f[stops[0]] < ON <= f[stops[0] - 1]


# ---------------------------------------------------------------------------------------
# Event low-pass (moving average) against its reference
# ---------------------------------------------------------------------------------------


def test_moving_average_exact_values_and_missing_frames_stay_missing():
    f = np.array([0.0, 3.0, 6.0, np.nan, 9.0], np.float32)
    got = kernels.moving_average(f, 1)
    # windows: [0,3] -> 1.5; [0,3,6] -> 3; [3,6,nan] -> 4.5; nan stays nan; [nan,9] -> 9
    np.testing.assert_array_equal(got, np.array([1.5, 3.0, 4.5, np.nan, 9.0], np.float32))
    np.testing.assert_array_equal(kernels.moving_average(f, 0), f)
    assert kernels.moving_average(np.zeros(0, np.float32), 3).shape == (0,)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), half_width=st.integers(0, 12), n=st.integers(0, 300))
def test_moving_average_matches_reference(seed, half_width, n):
    rng = np.random.default_rng(seed)
    f = rng.normal(100.0, 80.0, n).astype(np.float32)
    f[rng.random(n) < 0.1] = np.nan
    got = kernels.moving_average(f, half_width)
    want = reference.moving_average(f, half_width)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(f))


@pytest.mark.parametrize("seed", range(5))
def test_moving_average_of_a_window_with_its_halo_equals_one_call(seed):
    # streaming computes the event force of frames [a, b) from frames [a - h, b + h): each
    # value depends only on its window, so the result is bit-identical to one call
    rng = np.random.default_rng(seed)
    f = rng.normal(100.0, 80.0, 500).astype(np.float32)
    f[rng.random(500) < 0.05] = np.nan
    h = int(rng.integers(1, 11))
    whole = kernels.moving_average(f, h)
    for a in range(0, 500, 37):
        b = min(500, a + 37)
        lo, hi = max(0, a - h), min(500, b + h)
        part = kernels.moving_average(np.ascontiguousarray(f[lo:hi]), h)[a - lo : b - lo]
        np.testing.assert_array_equal(part, whole[a:b])


# ---------------------------------------------------------------------------------------
# Re-timing events on the unfiltered force against its reference
# ---------------------------------------------------------------------------------------


def test_refine_events_moves_low_pass_events_to_the_unfiltered_crossings():
    # a sharp square stance 20..59 seen through a 9-frame moving average (h = 4) crosses 50 N
    # early and leaves late; re-timing on the unfiltered force gives back 20 and 60 exactly
    f = np.zeros(100, np.float32)
    f[20:60] = 500.0
    lp = kernels.moving_average(f, 4)
    starts, stops, _, _ = _detect(lp, 1, 1)
    assert starts[0] < 20 and stops[0] > 60
    rs, re_ = kernels.refine_events(f, starts, stops, ON, 4)
    assert rs.tolist() == [20] and re_.tolist() == [60]
    # h = 0: nothing to re-time
    rs, re_ = kernels.refine_events(f, starts, stops, ON, 0)
    assert rs.tolist() == starts.tolist() and re_.tolist() == stops.tolist()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), half_width=st.integers(0, 8), noise=st.sampled_from([0.0, 10.0, 60.0]))
def test_refine_events_matches_reference(seed, half_width, noise):
    rng = np.random.default_rng(seed)
    n = 600
    f = np.zeros(n)
    k = int(rng.integers(0, 10))
    while k < n - 20:
        length = min(int(rng.integers(2, 80)), n - k)
        f[k : k + length] = rng.uniform(100, 800) * np.sin(np.linspace(0.05, np.pi - 0.05, length))
        k += length + int(rng.integers(1, 40))
    f = (f + rng.normal(0.0, noise, n)).astype(np.float32)
    f[rng.random(n) < 0.01] = np.nan
    lp = kernels.moving_average(f, half_width)
    starts, stops, _, _ = _detect(lp, 2, 2, bridge=3)
    got = kernels.refine_events(f, starts, stops, ON, half_width)
    want = reference.refine_events(f, starts, stops, ON, half_width)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert np.all(got[1] > got[0])  # a stance never shrinks below one frame
