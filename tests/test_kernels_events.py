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
CONTACT_IN_HOLE, TOE_OFF_IN_HOLE = kernels.FLAG_CONTACT_IN_HOLE, kernels.FLAG_TOE_OFF_IN_HOLE
OPEN_END = kernels.FLAG_OPEN_END


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
    # detect_contacts reports closed stances only; the open one is left in the state for
    # open_stance (below), so that streaming can carry it into the next chunk
    f = np.zeros(50)
    f[30:] = 500.0
    assert _detect(f)[0].size == 0


def _open(force, min_on=5, min_off=5, missing=None, bridge=0, last_index=None):
    """open_stance after one detect_contacts call over ``force``."""
    force = np.asarray(force, dtype=np.float32)
    missing = np.zeros(force.size, np.int64) if missing is None else np.asarray(missing, np.int64)
    state = kernels.new_event_state()
    kernels.detect_contacts(force, missing, 0, ON, OFF, min_on, min_off, bridge, state)
    last = force.size - 1 if last_index is None else last_index
    return tuple(a.tolist() for a in kernels.open_stance(state, last))


def test_open_stance_is_the_stance_under_way_when_the_data_ends():
    f = np.zeros(50)
    f[30:] = 500.0
    assert _open(f) == ([30], [49], [OPEN_END], [0])  # toe-off = the last frame
    # loaded from the first frame to the last: truncated at both ends
    assert _open(np.full(50, 500.0)) == ([0], [49], [TRUNC | OPEN_END], [0])
    # the foot is lifting but the toe-off is not yet confirmed (3 frames < min_off 5): still open
    f = np.zeros(50)
    f[30:47] = 500.0
    assert _open(f) == ([30], [49], [OPEN_END], [0])
    # 5 frames below off: the stance closed inside detect_contacts, nothing is open
    f = np.zeros(50)
    f[30:45] = 500.0
    assert _open(f) == ([], [], [], [])
    # a contact candidate not yet confirmed (4 frames < min_on 5) is not a stance
    f = np.zeros(50)
    f[46:] = 500.0
    assert _open(f) == ([], [], [], [])
    # a stance already cut by a long hole is closed (GAP), nothing open after a long hole
    f = np.full(50, 500.0)
    f[45:] = np.nan
    assert _open(f, bridge=2) == ([], [], [], [])
    # a bridged hole inside the open stance keeps its flag; long holes before it are counted
    f = np.zeros(60)
    f[5:10] = np.nan  # long hole (5 > bridge 2) in the swing before
    f[20:] = 500.0
    f[40:42] = np.nan
    assert _open(f, bridge=2) == ([20], [59], [BRIDGED | OPEN_END], [1])
    # no frame after the contact: nothing to report
    f = np.zeros(50)
    f[30:] = 500.0
    assert _open(f, last_index=30) == ([], [], [], [])


def test_stance_under_way_after_missing_frames_at_the_very_start_is_truncated():
    # issue 12 review: NaN frames before the first valid frame are no "gap after data", the
    # data simply starts later: the stance loaded at the first valid frame is TRUNCATED, not GAP
    f = np.zeros(60)
    f[:4] = np.nan
    f[4:20] = 500.0
    for bridge in (0, 2, 10):  # whether the leading hole is "long" or not
        starts, stops, flags, holes = _detect(f, bridge=bridge)
        assert starts.tolist() == [4] and stops.tolist() == [20] and flags.tolist() == [TRUNC]
        want = reference.detect_contacts(f, ON, OFF, 5, 5, np.zeros(60, np.int64), bridge)
        assert want[2].tolist() == [TRUNC] and want[0].tolist() == [4]
        assert holes.tolist() == want[3].tolist()
    # unloaded at the first valid frame: an ordinary contact, no flag
    f[4:8] = 0.0
    assert _detect(f, bridge=10)[2].tolist() == [0]


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
    # the stance also spans (ends in) the bridged hole; it is the toe-off that is unknown
    assert flags.tolist() == [BRIDGED | IN_HOLE | TOE_OFF_IN_HOLE]
    # a second short hole before the toe-off is confirmed does not hide the first (the flag was
    # lost: the stance's toe-off time was then used as if known)
    f2 = f.copy()
    f2[44] = np.nan  # frames 42-43 valid and unloaded, then a second one-frame hole
    starts, stops, flags, _ = _detect(f2, bridge=5)
    assert stops.tolist() == [40] and flags.tolist() == [BRIDGED | IN_HOLE | TOE_OFF_IN_HOLE]
    got = reference.detect_contacts(f2.astype(np.float32), ON, OFF, 5, 5, np.zeros(100, np.int64), 5)
    assert got[2].tolist() == flags.tolist()
    # contact right after a hole the foot entered unloaded: the contact may lie in the hole
    f = np.zeros(100)
    f[20:22] = np.nan
    f[22:60] = 500.0
    starts, stops, flags, _ = _detect(f, bridge=5)
    assert starts.tolist() == [22] and stops.tolist() == [60]
    assert flags.tolist() == [IN_HOLE | CONTACT_IN_HOLE]
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


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    min_on=st.integers(1, 6),
    min_off=st.integers(1, 6),
    bridge=st.integers(0, 6),
    loaded_tail=st.booleans(),
)
def test_open_stance_matches_the_reference_closed_by_unloaded_frames(
    seed, min_on, min_off, bridge, loaded_tail
):
    # the stance open at the end is the one the reference state machine closes when the
    # signal is continued by min_off unloaded frames: same contact, flags and long-hole count
    # (its toe-off becomes the last frame, FLAG_OPEN_END); after chunked feeding too
    rng, f, missing = _random_case(seed)
    if loaded_tail:  # make an open stance likely
        f[-int(rng.integers(1, 40)) :] = 400.0
    f[-1] = np.nan_to_num(f[-1])  # the data ends on a valid frame
    n = f.size
    closed = reference.detect_contacts(f, ON, OFF, min_on, min_off, missing, bridge)
    pad = np.concatenate([f, np.zeros(min_off, np.float32)])
    padded = reference.detect_contacts(
        pad, ON, OFF, min_on, min_off, np.concatenate([missing, np.zeros(min_off, np.int64)]), bridge
    )
    extra = padded[0].size - closed[0].size
    assert extra in (0, 1)
    want = ([], [], [], [])
    if extra and padded[0][-1] < n - 1:
        c, stop, fl, nl = (int(a[-1]) for a in padded)
        at_hole_start = stop < n and (np.isnan(f[stop]) or missing[stop] > 0)
        if at_hole_start:  # the reference's toe-off "in a hole": the kernel's is the end of the data
            fl &= ~(IN_HOLE | TOE_OFF_IN_HOLE)
        want = ([c], [n - 1], [fl | OPEN_END], [nl])
    for chunks in (None, _chunks(rng, n)):
        state = kernels.new_event_state()
        lo = 0
        for k in chunks or [n]:
            kernels.detect_contacts(
                np.ascontiguousarray(f[lo : lo + k]),
                np.ascontiguousarray(missing[lo : lo + k]),
                lo,
                ON,
                OFF,
                min_on,
                min_off,
                bridge,
                state,
            )
            lo += k
        got = tuple(a.tolist() for a in kernels.open_stance(state, n - 1))
        if want[0] and at_hole_start:
            got = (got[0], got[1], [got[2][0] & ~IN_HOLE], got[3])
        assert got == want


def test_refine_events_keeps_the_toe_off_of_a_stance_open_at_the_end_on_the_last_frame():
    # the open stance's toe-off is the last frame (99). The unfiltered force is loaded up to it,
    # so the run from 99 - h - 1 reaches the end: "the frame after the run" would be 100, which
    # does not exist; the toe-off stays at the last frame. The contact moves from the low-pass
    # crossing (56 with h = 4) to the unfiltered one, 60.
    f = np.zeros(100, np.float32)
    f[60:] = 500.0
    lp = kernels.moving_average(f, 4)
    state = kernels.new_event_state()
    kernels.detect_contacts(lp, np.zeros(100, np.int64), 0, ON, OFF, 1, 1, 0, state)
    starts, stops, _, _ = kernels.open_stance(state, 99)
    assert starts.tolist() == [56] and stops.tolist() == [99]
    for impl in (kernels.refine_events, reference.refine_events):
        rs, re_ = impl(f, starts, stops, ON, 4)
        assert rs.tolist() == [60] and re_.tolist() == [99]
    # a closed stance whose unfiltered run ends exactly on the last frame is clamped the same way
    rs, re_ = kernels.refine_events(f, np.array([56]), np.array([97]), ON, 4)
    assert rs.tolist() == [60] and re_.tolist() == [99]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), half_width=st.integers(1, 8), noise=st.sampled_from([0.0, 10.0, 60.0]))
def test_refine_events_matches_reference_with_a_stance_open_at_the_end(seed, half_width, noise):
    # signals that end loaded: the last stance comes from open_stance and its re-timed toe-off
    # runs into the end of the data (the clamp); kernel and reference agree frame for frame
    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 400))
    f = np.zeros(n)
    k = int(rng.integers(0, 10))
    while k < n:
        length = min(int(rng.integers(2, 80)), n - k)
        f[k : k + length] = rng.uniform(100, 800) * np.sin(np.linspace(0.05, np.pi - 0.05, length))
        k += length + int(rng.integers(1, 40))
    f[-int(rng.integers(1, 3 * half_width + 2)) :] = rng.uniform(100, 800)
    f = (f + rng.normal(0.0, noise, n)).astype(np.float32)
    f[: n - 1][rng.random(n - 1) < 0.01] = np.nan
    lp = kernels.moving_average(f, half_width)
    state = kernels.new_event_state()
    parts = kernels.detect_contacts(lp, np.zeros(n, np.int64), 0, ON, OFF, 2, 2, 3, state)
    tail = kernels.open_stance(state, n - 1)
    starts, stops = (np.concatenate((a, b)) for a, b in zip(parts[:2], tail[:2], strict=True))
    got = kernels.refine_events(f, starts, stops, ON, half_width)
    want = reference.refine_events(f, starts, stops, ON, half_width)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert np.all(got[1] <= n - 1)  # every toe-off indexes an existing frame
    assert np.all(got[1] > got[0])


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


def _moving_average_plain(f, h):
    # the definition, one frame at a time: a float64 sum of the window's finite values, left
    # to right, divided by their count, rounded to float32
    out = np.empty(f.size, np.float32)
    for k in range(f.size):
        if np.isnan(f[k]):
            out[k] = np.nan
            continue
        acc, cnt = 0.0, 0
        for v in f[max(0, k - h) : k + h + 1]:
            if not np.isnan(v):
                acc += float(v)
                cnt += 1
        out[k] = acc / cnt
    return out


@pytest.mark.parametrize("h", [1, 3, 4, 12, 200])
@pytest.mark.parametrize("n", [0, 1, 5, 25, 256, 300, 1_100])
def test_moving_average_blocked_loop_gives_the_bits_of_the_plain_loop(h, n):
    # frames are summed in blocks of 256 (kernels/filters.py): the same adds in the same
    # order per frame, so the same bits, at the block edges, the array ends, windows longer
    # than the array, with -0.0, huge and tiny values whose sum depends on the order
    rng = np.random.default_rng(n * 1000 + h)
    # (1e20 - 1e20) + 3 = 3 but (3 - 1e20) + 1e20 = 0: a sum in another order differs
    f = rng.choice(np.array([1e20, -1e20, 3.0, 1.5, 1e-30, np.nan, -0.0], np.float32), n)
    got = kernels.moving_average(f, h)
    assert got.tobytes() == _moving_average_plain(f, h).tobytes()
    zeros = np.full(n, -0.0, np.float32)
    assert kernels.moving_average(zeros, h).tobytes() == _moving_average_plain(zeros, h).tobytes()


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
