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
