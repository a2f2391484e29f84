"""Reports of long, lossy sessions: display thinned, numbers exact (issue 17, goal 5)."""

from __future__ import annotations

import re

import numpy as np

import sensorkit as sk
from sensorkit.report.figures import _display_spans
from sensorkit.report.sections import MAX_GAP_ROWS, gaps_section


def test_display_spans_widen_then_merge_overlaps():
    start = np.array([10.0, 0.0, 10.5, 30.0])
    end = np.array([10.1, 1.0, 10.6, 30.0])
    # widths at least 2 s: [0, 2), [10, 12) absorbs [10.5, 12.5) -> [10, 12.5), [30, 32)
    assert _display_spans(start, end, 2.0) == [(0.0, 2.0), (10.0, 2.5), (30.0, 2.0)]
    assert _display_spans(np.array([]), np.array([]), 1.0) == []


def test_a_session_with_hundreds_of_gaps_lists_the_longest_and_counts_all():
    rec = sk.simulate(duration_s=60, seed=2, dropout=0.05)
    res = sk.analyze(rec)
    n = len(res.gaps)
    assert n > MAX_GAP_ROWS
    html = gaps_section(res, rec)
    rows = re.findall(r"<tr>", html)
    n_edge = sum(
        bool(
            g["start_s"] <= rec.time[0] + 1.5 / rec.rate_hz or g["end_s"] >= rec.time[-1] - 1.5 / rec.rate_hz
        )
        for g in res.gaps.to_dict(orient="records")
    )
    listed = max(MAX_GAP_ROWS, n_edge)
    assert len(rows) == listed + 1  # header + the listed gaps
    assert f"Listed: {listed} of the {n}, those at the start or end and the longest others" in html
    longest = float(res.gaps["n_missing"].max()) / rec.rate_hz  # time missing, not the interval
    assert f"<td>{longest:.3f}</td>" in html
    total = float(res.gaps["n_missing"].sum()) / rec.rate_hz
    assert f"({total:.2f} s missing in all, each insole's gaps counted)" in html


def test_the_gaps_table_and_figure_count_missing_frames_not_intervals():
    """Moticon 102114: the figure said "0.96 s missing" while the table's frames add up to 77
    (0.77 s at 100 Hz): a gap's interval runs from the last frame before it to the first after,
    one period longer than what is missing; a gap at the start began at "-0.010 s"."""
    from pathlib import Path

    from sensorkit.report.figures import gaps_timeline_figure

    rec = sk.read(Path(__file__).parent / "data" / "moticon-opengo" / "230927_102114.txt")
    res = sk.analyze(rec)
    assert int(res.gaps["n_missing"].sum()) == 77
    html = gaps_section(res, rec)
    assert "(0.77 s missing in all" in html
    first = re.search(r"<tbody><tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert first.groups() == ("0.000", "0.490", "0.500")  # the left insole's first 50 frames
    title = gaps_timeline_figure(res, rec).axes[0].get_title()
    assert "0.77 s missing" in title


def test_edge_gaps_stay_listed_however_short():
    import pandas as pd

    rec = sk.simulate(duration_s=60, seed=2, dropout=0.05)
    res = sk.analyze(rec)
    t0 = float(rec.time[0])
    edge = {"start_s": t0, "end_s": t0 + 0.001, "side": "right", "n_missing": 0, "reason": "time jump"}
    res.gaps = pd.concat([pd.DataFrame([edge]), res.gaps], ignore_index=True)  # a 1 ms gap at the start
    html = gaps_section(res, rec)
    assert "at the recording&#x27;s start/end" in html or "at the recording's start/end" in html
