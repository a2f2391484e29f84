"""The streaming analyser gives exactly the batch steps for any chunking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import StreamingAnalyzer


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
            cop[side].append(up.cop[side])
        i += k
    assert i >= rec.n_frames
    return sa, emitted, cop


@pytest.mark.parametrize(
    ("seed", "noise", "dropout", "max_chunk"),
    [(1, 0.0, 0.0, 50), (2, 3.0, 0.02, 17), (3, 1.0, 0.0, 400)],
)
def test_streaming_steps_equal_batch_steps_for_random_chunk_sizes(seed, noise, dropout, max_chunk):
    rec = sk.simulate(duration_s=8, seed=seed, rate_hz=200, noise=noise, dropout=dropout)
    res = sk.analyze(rec)
    rng = np.random.default_rng(seed)
    sa, emitted, _ = _stream(rec, res, rng.integers(1, max_chunk, rec.n_frames))
    pd.testing.assert_frame_equal(sa.steps, res.steps, check_exact=True)
    assert len(emitted) == len(res.steps)


def test_one_frame_chunks_give_batch_steps_and_live_cop_equals_batch_cop():
    rec = sk.simulate(duration_s=3, seed=4, rate_hz=100, strike="forefoot")
    res = sk.analyze(rec)
    sa, _emitted, cop = _stream(rec, res, [1] * rec.n_frames)
    pd.testing.assert_frame_equal(sa.steps, res.steps, check_exact=True)
    batch = res.cop[res.cop["side"] == "left"]
    np.testing.assert_array_equal(np.concatenate([c[0] for c in cop["left"]]), batch["x_mm"].to_numpy())


def test_steps_are_emitted_in_the_chunk_that_confirms_toe_off():
    rec = sk.simulate(duration_s=4, seed=5, rate_hz=100)
    res = sk.analyze(rec)
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    min_off = 5  # 50 ms at 100 Hz
    for i in range(rec.n_frames):
        up = sa.feed(rec.time[i : i + 1], rec.left[i : i + 1], rec.right[i : i + 1])
        for step in up.steps:
            assert rec.time[i] == pytest.approx(step["t_toe_off_s"] + (min_off - 1) / 100, abs=0.011)


def test_chunks_must_move_forward_in_time():
    rec = sk.simulate(duration_s=1, seed=1, rate_hz=100)
    sa = StreamingAnalyzer(rec.layout, rec.rate_hz, body_mass_kg=70)
    sa.feed(rec.time[:10], rec.left[:10], rec.right[:10])
    with pytest.raises(ValueError, match="not after the previous frame"):
        sa.feed(rec.time[:10], rec.left[:10], rec.right[:10])
