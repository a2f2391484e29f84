"""The streaming analyser: once the stream has ended (``finish()``), its steps table equals
batch analysis of the same frames exactly, for any chunking; while live, steps are emitted as
soon as toe-off is confirmed, marked provisional."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import StreamingAnalyzer

#: Columns that depend only on the stance's own frames: exact while live, too.
LOCAL_COLUMNS = ("side", "t_contact_s", "t_toe_off_s", "peak_force_n", "impulse_Ns", "strike_index_pct")


def _stream(rec, res, chunk_sizes):
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    emitted, cop = [], {"left": [], "right": []}
    i = 0
    for k in chunk_sizes:
        if i >= rec.n_frames:
            break
        up = sa.feed(rec.time[i : i + k], rec.left[i : i + k], rec.right[i : i + k])
        emitted.extend(up.steps)
        for side in cop:
            if side in up.cop:
                cop[side].append(up.cop[side])
        i += k
    assert i >= rec.n_frames
    return sa, emitted, cop


@pytest.mark.parametrize(
    ("seed", "noise", "dropout", "max_chunk"),
    [(1, 0.0, 0.0, 50), (2, 3.0, 0.02, 17), (3, 1.0, 0.0, 400), (6, 5.0, 0.05, 90), (7, 0.0, 0.01, 3)],
)
def test_finished_stream_equals_batch_steps_for_random_chunk_sizes(seed, noise, dropout, max_chunk):
    # dropout: lost packets become missing frames and short holes bridged inside stances,
    # some of them across chunk boundaries
    rec = sk.simulate(duration_s=8, seed=seed, rate_hz=200, noise=noise, dropout=dropout)
    res = sk.analyze(rec)
    assert res.steps["valid"].sum() >= 10
    rng = np.random.default_rng(seed)
    sa, emitted, _ = _stream(rec, res, rng.integers(1, max_chunk, rec.n_frames))
    final = sa.finish()
    pd.testing.assert_frame_equal(final, res.steps, check_exact=True)
    # finish() is idempotent, and the stream takes no more frames
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
    with pytest.raises(ValueError, match="finished"):
        sa.feed(rec.time[-1:] + 1.0, rec.left[-1:], rec.right[-1:])
    # every step emitted while live is provisional and one of the final stances, with the
    # same stance-local values; only stances confirmed by the end of the data come later
    assert all(step["provisional"] for step in emitted)
    assert len(res.steps) - 2 <= len(emitted) <= len(res.steps)
    key = ["side", "t_contact_s"]
    live = pd.DataFrame(emitted)[list(LOCAL_COLUMNS)]
    both = live.merge(final[list(LOCAL_COLUMNS)], on=key, how="left", suffixes=("_live", ""), validate="1:1")
    for name in LOCAL_COLUMNS[2:]:
        np.testing.assert_array_equal(both[f"{name}_live"].to_numpy(float), both[name].to_numpy(float))


@pytest.mark.parametrize("noise", [0.0, 5.0])
def test_finished_stream_equals_batch_at_1_khz_with_and_without_event_re_timing(noise):
    # noise-free: events found on the 9-frame event low-pass are re-timed on the unfiltered
    # force (up to 4 frames earlier, before the buffered stance); 5 N per sensor: they are not
    rec = sk.simulate(duration_s=5, seed=21, rate_hz=1000, noise=noise, dropout=0.01)
    res = sk.analyze(rec)
    refined = all(res.params.threshold_noise_sd * d["noise_sd"] <= d["on"] for d in res.thresholds_n.values())
    assert refined == (noise == 0.0)
    rng = np.random.default_rng(21)
    sa, _, _ = _stream(rec, res, rng.integers(1, 120, rec.n_frames))
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)


def test_one_frame_chunks_give_batch_steps_and_live_cop_equals_batch_cop():
    rec = sk.simulate(duration_s=3, seed=4, rate_hz=100, strike="forefoot")
    res = sk.analyze(rec)
    sa, _emitted, cop = _stream(rec, res, [1] * rec.n_frames)
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
    for side in ("left", "right"):
        batch = res.cop[res.cop["side"] == side]
        for k, name in enumerate(("x_mm", "y_mm", "force_n")):
            np.testing.assert_array_equal(np.concatenate([c[k] for c in cop[side]]), batch[name].to_numpy())


def test_whole_recording_as_one_chunk_equals_batch():
    rec = sk.simulate(duration_s=5, seed=9, rate_hz=500, noise=2.0)
    res = sk.analyze(rec)
    sa, _, _ = _stream(rec, res, [rec.n_frames])
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)


def test_finished_stream_equals_batch_with_a_body_mass_and_without_one():
    rec = sk.simulate(duration_s=6, seed=11, rate_hz=200, noise=1.0)
    rec.metadata.pop("body_mass_kg", None)
    rng = np.random.default_rng(11)
    for mass in (None, 72.0):
        res = sk.analyze(rec, body_mass_kg=mass)
        sa, _, _ = _stream(rec, res, rng.integers(1, 40, rec.n_frames))
        final = sa.finish()
        pd.testing.assert_frame_equal(final, res.steps, check_exact=True)
        assert final["peak_force_bw"].notna().any() == (mass is not None)


def test_steps_are_emitted_in_the_chunk_that_confirms_toe_off():
    rec = sk.simulate(duration_s=4, seed=5, rate_hz=100)
    res = sk.analyze(rec)
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    # toe-off is confirmed min_swing_s (50 ms = 5 frames) after it, and the event low-pass
    # needs its half width of frames after each frame (0 at 100 Hz: 20 ms is one frame)
    min_off = 5
    n_emitted = 0
    for i in range(rec.n_frames):
        up = sa.feed(rec.time[i : i + 1], rec.left[i : i + 1], rec.right[i : i + 1])
        for step in up.steps:
            n_emitted += 1
            assert rec.time[i] == pytest.approx(step["t_toe_off_s"] + (min_off - 1) / 100, abs=0.011)
    assert n_emitted >= len(res.steps) - 2


def test_chunks_must_move_forward_in_time():
    rec = sk.simulate(duration_s=1, seed=1, rate_hz=100)
    sa = StreamingAnalyzer(rec.layout, rec.rate_hz, body_mass_kg=70)
    sa.feed(rec.time[:10], rec.left[:10], rec.right[:10])
    with pytest.raises(ValueError, match="not after the previous frame"):
        sa.feed(rec.time[:10], rec.left[:10], rec.right[:10])


def test_a_stream_where_one_foot_finishes_a_stance_first_does_not_fail():
    # regression: the first emitted step used to crash the provisional decision (pd.concat of
    # nothing) when the other foot had no stance yet
    rec = sk.simulate(duration_s=2, seed=3, rate_hz=100)
    sa = StreamingAnalyzer(rec.layout, rec.rate_hz)
    steps = []
    for i in range(0, rec.n_frames, 5):
        steps.extend(sa.feed(rec.time[i : i + 5], rec.left[i : i + 5], rec.right[i : i + 5]).steps)
    assert steps and len({s["side"] for s in steps[:1]}) == 1
    assert len(sa.finish()) >= len(steps)


def _standing_between_walks(
    stand_s: float,
    rate_hz: float = 1000.0,
    band_s: float = 0.0,
    holes: tuple = ((1.0, 20), (12.0, 30), (21.0, 5)),
    seed: int = 3,
):
    """Walk 4 s, stand ``stand_s`` (sway of +/-30 N on ~400 N a foot), walk 4 s again.

    ``holes``: (s into standing, frames) missing from the time axis (bridged: <= 100 ms); one
    NaN frame on the left foot follows the last. With ``band_s``, the left foot rests between
    the toe-off and contact thresholds (16-20 N) for that long from the middle of standing: the
    foot stays "down" with no loaded frame, then loads again.
    """
    a = sk.simulate(duration_s=4, seed=seed, rate_hz=rate_hz)
    b = sk.simulate(duration_s=4, seed=seed + 1, rate_hz=rate_hz)
    n = int(stand_s * rate_hz)
    ts = np.arange(n) / rate_hz
    weights = np.full(a.layout.n_sensors, 1.0 / a.layout.n_sensors, dtype=np.float32)
    total = {
        "left": 400.0 + 30.0 * np.sin(2 * np.pi * 0.3 * ts),
        "right": 420.0 - 30.0 * np.sin(2 * np.pi * 0.3 * ts),
    }
    if band_s:
        total["left"][n // 2 : n // 2 + int(band_s * rate_hz)] = 18.0
    stand = {s: (total[s][:, None] * weights[None, :]).astype(np.float32) for s in total}
    dt = 1.0 / rate_hz
    time = np.concatenate((a.time, a.time[-1] + dt + ts, a.time[-1] + 2 * dt + ts[-1] + b.time))
    left = np.concatenate((a.left, stand["left"], b.left))
    right = np.concatenate((a.right, stand["right"], b.right))
    keep = np.ones(time.size, bool)
    for at_s, frames in holes:
        at = a.n_frames + int(at_s * rate_hz)
        keep[at : at + frames] = False
    left[at + frames + int(0.5 * rate_hz)] = np.nan
    return sk.Recording.from_arrays(time[keep], left[keep], right[keep], layout=a.layout, rate_hz=rate_hz)


_EARLY = "missing data in early stance: loading and whole-stance metrics not measured"
_LATE = "missing data in stance: whole-stance metrics not measured"


@pytest.mark.parametrize(
    ("band_s", "holes", "note"),
    [(0.0, ((1.0, 20), (12.0, 30), (21.0, 5)), _EARLY), (4.0, ((18.0, 30), (23.0, 5)), _LATE)],
)
def test_a_foot_that_stays_down_is_held_in_bounded_memory_and_gives_the_batch_row(band_s, holes, note):
    # standing is one contact longer than max_contact_time_s: not a step, so only its events
    # and data-quality columns are measured, and the stream drops its middle frames
    rec = _standing_between_walks(30.0, band_s=band_s, holes=holes)
    res = sk.analyze(rec, threshold_floor_n=20.0)
    long = res.steps[res.steps["contact_time_s"] > res.params.max_contact_time_s]
    assert len(long) == 2 and long["contact_time_s"].between(29.9, 30.1).all()
    assert (long["exclude_reason"] == "contact too long (standing or not a step)").all()
    assert long["peak_force_n"].isna().all() and long["heel_impulse_Ns"].isna().all()
    assert (long["valr_samples"] == 0).all() and (long["loading_rate_samples"] == 0).all()
    # each stance's first hole lies among the frames a stream drops (early: before half of
    # stance; late: after it, which a stream that lost it would call early)
    assert long["gap_in_stance"].all() and (long["gap_note"] == note).all()
    rng = np.random.default_rng(7)
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    held = []
    i = 0
    for k in rng.integers(1, 120, rec.n_frames):
        if i >= rec.n_frames:
            break
        sa.feed(rec.time[i : i + k], rec.left[i : i + k], rec.right[i : i + k])
        held.append(max(sa.held_frames.values()))
        i += k
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
    # the buffers never grow past their first 4,096 frames (the 30 s of standing are 30,000):
    # frames no longer needed are dropped when room is made
    assert 3000 < max(held) <= 4096


def test_the_held_frames_do_not_grow_with_the_standing_time():
    peaks = []
    for stand_s in (40.0, 120.0):  # 8,000 and 24,000 frames of standing at 200 Hz
        rec = _standing_between_walks(stand_s, rate_hz=200.0, holes=((1.0, 10), (6.0, 20)))
        res = sk.analyze(rec, threshold_floor_n=20.0)
        sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
        peak = 0
        for i in range(0, rec.n_frames, 10):
            sa.feed(rec.time[i : i + 10], rec.left[i : i + 10], rec.right[i : i + 10])
            peak = max(peak, *sa.held_frames.values())
        pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
        peaks.append(peak)
    assert max(peaks) <= 4096  # the buffers' first capacity: they never grew


def test_the_stream_reads_the_event_state_at_the_kernel_s_indices():
    from sensorkit.analysis import streaming
    from sensorkit.kernels import events

    for name in ("_MODE", "_CAND", "_CONTACT", "_LAST_ON", "_RUN", "_RUN_START"):
        assert getattr(streaming, name) == getattr(events, name)


def _one_foot(total_n: np.ndarray, rate_hz: float = 200.0) -> sk.Recording:
    layout = sk.load_layout("ref16")
    left = (total_n[:, None] / layout.n_sensors * np.ones(layout.n_sensors)).astype(np.float32)
    return sk.Recording.from_arrays(
        np.arange(total_n.size) / rate_hz, left, None, layout=layout, rate_hz=rate_hz
    )


@pytest.mark.parametrize(
    "loaded",
    [np.full(60, 400.0), np.full(3, 40.0)],
    ids=["a 0.3 s contact", "a contact candidate too short to confirm"],
)
@pytest.mark.parametrize("then", ["unloads", "reloads"])
def test_a_foot_resting_between_the_thresholds_is_held_in_bounded_memory(loaded, then):
    # 60 s at 18 N: above the toe-off threshold (16 N) and below contact (20 N), so the stance
    # (or candidate) neither ends nor gets a loaded frame; then the foot unloads or loads again
    after = np.zeros(40) if then == "unloads" else np.concatenate((np.full(100, 300.0), np.zeros(40)))
    rec = _one_foot(np.concatenate((np.zeros(40), loaded, np.full(12_000, 18.0), after)))
    res = sk.analyze(rec, threshold_floor_n=20.0)
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    peak = 0
    for i in range(0, rec.n_frames, 10):
        sa.feed(rec.time[i : i + 10], rec.left[i : i + 10])
        peak = max(peak, sa.held_frames["left"])
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
    assert peak <= 4096  # 12,000 frames of resting
    if len(loaded) == 60:
        contact = res.steps["t_toe_off_s"] - res.steps["t_contact_s"]
        expected = 0.3 if then == "unloads" else 60.3 + 0.5  # ends at its last loaded frame, or reloads
        assert contact.iloc[0] == pytest.approx(expected, abs=0.011)


@pytest.mark.parametrize("split", [-1, 0, 1])
def test_the_frame_before_a_contact_survives_room_being_made_as_it_arrives(split):
    # a contact found in a chunk that does not fit: making room must keep the frame before the
    # (re-timed) contact, which the walking loading rate reads (it became NaN in the stream)
    t = np.arange(5000) / 200.0
    total = np.where((t >= 0.2) & (t < 1.2), 400 + 100 * np.sin(2 * np.pi * 2 * (t - 0.2)), 0.0)
    rec = _one_foot(total)
    res = sk.analyze(rec, threshold_floor_n=20.0)
    assert res.steps["loading_rate_n_s"].iloc[0] == pytest.approx(80_000.0)
    c = int(np.searchsorted(rec.time, res.steps["t_contact_s"].iloc[0])) + split
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    sa.feed(rec.time[:c], rec.left[:c])
    sa.feed(rec.time[c:], rec.left[c:])
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)


def test_a_long_stream_merges_its_stances_and_still_equals_batch():
    # more than 256 stances a side: the per-stance parts are merged into blocks (an all-day
    # stream held ~12 kB a stance before), and the final table is unchanged
    rec = sk.simulate(duration_s=400, seed=12, rate_hz=100, noise=1.0, dropout=0.005)
    res = sk.analyze(rec)
    assert (res.steps["side"] == "left").sum() > 2 * 256
    sa, emitted, _ = _stream(rec, res, [50] * (rec.n_frames // 50 + 1))
    pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)
    assert len(emitted) >= len(res.steps) - 2
