"""The gap table of Recording.from_arrays equals the straightforward row-by-row definition.

Issue 17: the row-by-row check (every found gap against every earlier row) was quadratic;
from_arrays now decides it in bulk. These tests build the table the straightforward way
(a frame-by-frame scan for NaN runs, a loop over time steps for jumps, and each found gap
appended unless an earlier row of its side or "both" spans it to within 1e-9 s) and compare
it with what from_arrays returns, on random recordings with declared, overlapping and
nested gaps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit import recording
from sensorkit.recording import GAP_COLUMNS, find_gaps

TOL = 1e-9


def naive_nan_runs(t, values, side, period):
    rows, k = [], 0
    n = t.shape[0]
    while k < n:
        if np.isnan(values[k]).any():
            a = k
            while k < n and np.isnan(values[k]).any():
                k += 1
            start = t[a - 1] if a > 0 else t[0] - period
            end = t[k] if k < n else t[-1] + period
            rows.append(
                {
                    "start_s": float(start),
                    "end_s": float(end),
                    "side": side,
                    "n_missing": k - a,
                    "reason": "dropout",
                }
            )
        else:
            k += 1
    return rows


def naive_gap_table(t, sides, declared, rate_hz):
    period = 1.0 / rate_hz
    rows = [dict(g) for g in declared]

    def covered(g):
        return any(
            r["start_s"] <= g["start_s"] + TOL
            and r["end_s"] >= g["end_s"] - TOL
            and r["side"] in (g["side"], "both")
            for r in rows
        )

    for side, values in sides.items():
        for g in naive_nan_runs(t, values, side, period):
            if not covered(g):
                rows.append(g)
    for i in range(t.shape[0] - 1):
        step = t[i + 1] - t[i]
        if step > 1.5 * period:
            g = {
                "start_s": float(t[i]),
                "end_s": float(t[i + 1]),
                "side": "both",
                "n_missing": max(round(step / period) - 1, 1),
                "reason": "time jump",
            }
            if not covered(g):
                rows.append(g)
    df = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
    df = df.astype({"start_s": "float64", "end_s": "float64", "n_missing": "int64"})
    return df.sort_values(["start_s", "side"], kind="stable").reset_index(drop=True)


def random_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    rate = 100.0
    steps = np.full(n - 1, 1.0 / rate)
    jumps = rng.random(n - 1) < 0.05
    steps[jumps] *= rng.integers(2, 6, jumps.sum())
    t = np.concatenate(([rng.uniform(-5, 5)], rng.uniform(-5, 5) + np.cumsum(steps)))
    t[0] = t[1] - steps[0]
    sides = {}
    for side in ("left", "right"):
        v = rng.uniform(0, 50, (n, 16)).astype(np.float32)
        lost = rng.random(n) < rng.choice([0.0, 0.02, 0.2, 0.6])
        v[lost] = np.nan
        sides[side] = v
    declared = []
    for _ in range(int(rng.integers(0, 6))):
        a, b = np.sort(rng.choice(t, 2, replace=False))
        a -= rng.choice([0.0, 1e-10, 0.003])  # exact, within tolerance, wider
        b += rng.choice([0.0, -5e-10, 0.003])
        declared.append(
            {
                "start_s": float(a),
                "end_s": float(b),
                "side": str(rng.choice(["left", "right", "both"])),
                "n_missing": int(rng.integers(0, 9)),
                "reason": "declared",
            }
        )
    return t, sides, declared, rate


@pytest.fixture(params=[1 << 22, 48], ids=["one-block", "16-frame-blocks"])
def block_values(request, monkeypatch):
    """Validation block size: the default, and 3 frames of 16 sensors (blocks end mid-run)."""
    monkeypatch.setattr(recording, "_VALIDATE_BLOCK_VALUES", request.param)
    return request.param


@pytest.mark.parametrize("seed", range(100))
def test_gap_table_equals_the_row_by_row_definition(seed, block_values):
    t, sides, declared, rate = random_case(seed)
    rec = sk.Recording.from_arrays(
        t, sides["left"], sides["right"], layout="ref16", gaps=declared or None, rate_hz=rate
    )
    expected = naive_gap_table(t, sides, declared, rate)
    if len(expected) == 0:
        assert len(rec.gaps) == 0
        assert list(rec.gaps.columns) == list(GAP_COLUMNS)
    else:
        pd.testing.assert_frame_equal(rec.gaps, expected)


def test_a_declared_gap_spanning_found_ones_keeps_them_out_and_both_covers_each_side():
    t = np.arange(20) / 10.0
    left = np.ones((20, 16), dtype=np.float32)
    right = left.copy()
    left[3:5] = np.nan  # (0.2, 0.5)
    right[3:5] = np.nan
    right[10] = np.nan  # (0.9, 1.1)
    declared = [{"start_s": 0.2, "end_s": 0.5, "side": "both", "n_missing": 2, "reason": "link lost"}]
    rec = sk.Recording.from_arrays(t, left, right, layout="ref16", gaps=declared, rate_hz=10)
    assert rec.gaps[["start_s", "end_s", "side", "reason"]].values.tolist() == [
        [0.2, 0.5, "both", "link lost"],
        [0.9, 1.1, "right", "dropout"],
    ]


def test_find_gaps_marks_runs_at_both_ends_one_period_beyond():
    t = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    v = np.ones((5, 2))
    v[0] = v[3:] = np.nan
    assert find_gaps(t, v, "left", 0.1) == [
        {"start_s": -0.1, "end_s": 0.1, "side": "left", "n_missing": 1, "reason": "dropout"},
        {"start_s": 0.2, "end_s": 0.5, "side": "left", "n_missing": 2, "reason": "dropout"},
    ]


def test_frames_closer_than_the_tolerance_are_decided_row_by_row():
    # frames 1e-10 s apart: an earlier NaN run can span a later one within the 1e-9 s tolerance
    t = np.arange(12) * 1e-10
    v = np.ones((12, 16), dtype=np.float32)
    v[[2, 5, 8]] = np.nan
    rec = sk.Recording.from_arrays(t, v, None, layout="ref16", rate_hz=1e10)
    expected = naive_gap_table(t, {"left": v}, [], 1e10)
    pd.testing.assert_frame_equal(rec.gaps, expected)
    assert len(rec.gaps) < 3  # the rule did drop some: this case exercises the fallback


@pytest.mark.parametrize("block_values", [1 << 22, 48])
def test_an_infinity_anywhere_is_reported_before_a_partial_nan_frame(block_values, monkeypatch):
    monkeypatch.setattr(recording, "_VALIDATE_BLOCK_VALUES", block_values)
    t = np.arange(40) / 100.0
    v = np.ones((40, 16), dtype=np.float32)
    v[2, 5] = np.nan  # a partial frame early
    v[30, 7] = np.inf
    v[31, 3] = -np.inf
    with pytest.raises(ValueError, match=r"left value is infinite at frame 30, sensor "):
        sk.Recording.from_arrays(t, v, None, layout="ref16")
    v[30, 7] = v[31, 3] = 1.0
    v[20] = np.nan
    v[25, 9] = np.nan
    with pytest.raises(
        ValueError, match=r"left value is NaN at frame 2, sensor .* only whole missing frames"
    ):
        sk.Recording.from_arrays(t, v, None, layout="ref16")


@pytest.mark.parametrize("cut", [1, 17, 30, 31, 39])
def test_scans_of_consecutive_blocks_join_to_the_scan_of_the_whole(cut):
    """What a reader does when it scans each decoded row group (offset = its first frame)."""
    v = np.ones((40, 16), dtype=np.float32)
    v[[3, 4, 31]] = np.nan
    v[20, 6] = np.nan  # partly NaN
    whole = recording.scan_values(v)
    joined = recording.join_scans(
        v, [recording.scan_values(v[:cut]), recording.scan_values(v[cut:], offset=cut)]
    )
    assert whole.missing.tolist() == joined.missing.tolist() == [3, 4, 20, 31]  # and raised on
    assert whole.partial_at == joined.partial_at == (20, 6) and joined.inf_at is None
    v[33, 2] = np.inf
    joined = recording.join_scans(
        v, [recording.scan_values(v[:cut]), recording.scan_values(v[cut:], offset=cut)]
    )
    assert joined.inf_at == recording.scan_values(v).inf_at == (33, 2)


def _gaps_or_error(t, v, gaps):
    try:
        return sk.Recording.from_arrays(t, v, None, layout="ref16", gaps=gaps, rate_hz=100.0).gaps
    except ValueError as exc:
        return str(exc)


def test_declared_gaps_taken_column_wise_equal_the_row_by_row_check(monkeypatch):
    """A header's declared gaps are checked and tabled column-wise when they are plain; on
    plain, unusual and bad declarations the table or the error equals the row-by-row one."""
    t = np.arange(200) / 100.0
    v = np.ones((200, 16), dtype=np.float32)
    v[50:53] = np.nan
    plain = [{"start_s": 0.1 * k, "end_s": 0.1 * k + 0.05, "side": ["left", "right", "both"][k % 3],
              "n_missing": k % 4, "reason": "declared"} for k in range(12)]  # fmt: skip
    cases = [
        plain,
        [{k: g[k] for k in ("start_s", "end_s", "side")} for g in plain],  # defaults
        [{**g, "n_missing": None, "start_s": int(g["start_s"])} for g in plain],  # None = 0; ints
        [{**g, "reason": 7} for g in plain],  # a reason is kept as given
        pd.DataFrame(plain),
        [{**g, "start_s": np.float64(g["start_s"])} for g in plain],  # NumPy scalars
        [{**g, "start_s": str(g["start_s"])} for g in plain],  # numbers as text
        [{**g, "n_missing": True} for g in plain],
        [*plain, {"start_s": 0.5, "side": "left"}],  # no end
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": "middle"}],
        [*plain, {"start_s": 0.6, "end_s": 0.6, "side": "left"}],  # empty
        [*plain, {"start_s": float("nan"), "end_s": 0.6, "side": "left"}],
        [*plain, {"start_s": None, "end_s": 0.6, "side": "left"}],
        # found by a review: each fell out of the column-wise path with another exception
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": ["left"]}],
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": {"l": 1}}],
        [*plain, {"start_s": 10**400, "end_s": 0.6, "side": "left"}],
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": "left", "n_missing": np.array([1, 2])}],
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": "left", "n_missing": pd.NA}],
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": "left", "n_missing": -1}],
        [*plain, {"start_s": 0.5, "end_s": 0.6, "side": "left", "n_missing": 10**30}],
    ]
    real = recording._gap_columns
    taken = []
    monkeypatch.setattr(recording, "_gap_columns", lambda records: taken.append(real(records)) or taken[-1])
    fast = [_gaps_or_error(t, v, c) for c in cases]
    assert [taken[k] is not None for k in (0, 1, 2, 4)] == [True] * 4  # plain ones go column-wise
    monkeypatch.setattr(recording, "_gap_columns", lambda records: None)
    slow = [_gaps_or_error(t, v, c) for c in cases]
    for k, (a, b) in enumerate(zip(fast, slow, strict=True)):
        if isinstance(b, str) or isinstance(a, str):
            assert a == b, k
        else:
            pd.testing.assert_frame_equal(a, b, obj=f"case {k}")
    assert isinstance(slow[0], pd.DataFrame) and len(slow[0]) == 13  # 12 declared + the NaN run
    assert [isinstance(o, str) for o in slow[8:]] == [True] * 12 and "lacks end_s" in slow[8]
    # a gap that is not a number is a ValueError naming it (it was float()'s TypeError)
    assert (
        slow[12]
        == "gap 12 needs numbers: start_s and end_s in s, n_missing in frames (0 to 2^53; got None, 0.6, None)"
    )
