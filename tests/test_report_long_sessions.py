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
    assert len(rows) == MAX_GAP_ROWS + 1  # header + the listed gaps
    assert f"The {MAX_GAP_ROWS} longest of the {n} are listed" in html
    longest = float((res.gaps["end_s"] - res.gaps["start_s"]).max())
    assert f"{longest:.3f}" in html
