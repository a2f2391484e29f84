"""Per-stance kernels run span by span give the whole-array results bit for bit (issue 17).

measure_stances hands the loading-rate and COP-path kernels a span of whole stances at a time
(analysis/stances.py, _stance_spans) so their per-frame temporaries stay small. Spans of a few
stances (every stance edge a span edge) against one span holding every stance (what one call
on the whole arrays gives): every steps-table column equal, bit for bit, on simulated running
with loss, walking, and real files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import stances

DATA = __import__("pathlib").Path(__file__).parent / "data"


def _steps(rec: sk.Recording, span: int, monkeypatch) -> pd.DataFrame:
    monkeypatch.setattr(stances, "_SPAN_FRAMES", span)
    return sk.analyze(rec).steps


def _assert_same_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b) and len(a) > 10
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind in "fiub":
            assert x.tobytes() == y.tobytes(), c
        else:
            assert list(x) == list(y), c


@pytest.mark.parametrize(
    "make",
    [
        lambda: sk.simulate(duration_s=40, seed=3, rate_hz=1000, dropout=0.01),
        lambda: sk.simulate(duration_s=40, seed=4, speed_mps=1.3, noise=2.0, dropout=0.005),
        lambda: sk.read(DATA / "physionet-gaitpdb" / "GaCo01_01.txt"),
        lambda: sk.read(DATA / "moticon-opengo" / "230927_102114.txt"),
        lambda: sk.read(DATA / "pressure-mats" / "pedar_example.asc"),
    ],
    ids=["running-1kHz-loss", "walking", "physionet", "moticon", "pedar"],
)
def test_spans_of_a_few_stances_equal_one_span(make, monkeypatch):
    rec = make()
    whole = _steps(rec, 1 << 40, monkeypatch)
    for span in (1, 97, 1500):  # 1: one stance per span
        _assert_same_bits(_steps(rec, span, monkeypatch), whole)
    assert whole["valr_n_s"].notna().any() or whole["loading_rate_n_s"].notna().any()


def test_spans_cover_every_stance_once():
    starts = np.array([0, 10, 50, 300, 301, 900], np.int64)
    stops = np.array([8, 40, 250, 300, 800, 999], np.int64)
    old = stances._SPAN_FRAMES
    try:
        stances._SPAN_FRAMES = 100
        got = stances._stance_spans(starts, stops)
    finally:
        stances._SPAN_FRAMES = old
    # [0, 41) holds the first two (a third would end at 250 > 0 + 100); a stance longer than
    # the span is a span on its own
    assert got == [(0, 2, 0, 41), (2, 3, 50, 251), (3, 4, 300, 301), (4, 5, 301, 801), (5, 6, 900, 1000)]


@pytest.mark.parametrize("rate_hz", [100.0, 1000.0])
def test_rates_and_paths_by_span_equal_whole_array_kernel_calls(rate_hz, monkeypatch):
    # stances that start abruptly (the 20 % crossing lies between the frame before contact and
    # the contact frame) and the VILR low-pass's window reaching across the span's first frame
    from sensorkit import kernels as K
    from sensorkit.analysis.batch import side_context
    from sensorkit.analysis.params import AnalysisParams

    rec = sk.simulate(duration_s=5, seed=1, rate_hz=rate_hz)
    params = AnalysisParams()
    ctx = side_context(rec, "left", rec.forces_n("left"), params, None)[0]
    assert ctx.vilr_half_width >= (1 if rate_hz > 500 else 0)
    rng = np.random.default_rng(int(rate_hz))
    n = 5000
    t = np.arange(n) / rate_hz
    f = np.zeros(n, np.float32)
    starts, stops = [], []
    k = 5
    while k < n - 200:
        c, length = k, int(rng.integers(20, 150))
        shape = np.sin(np.linspace(0.15, np.pi - 0.1, length)) * rng.uniform(500, 2500)
        shape[: int(rng.integers(1, 6))] *= rng.uniform(0.3, 1.5)  # an impact-like first frames
        f[c : c + length] = shape
        starts.append(c)
        stops.append(c + length)
        k += length + int(rng.integers(1, 30))
    f[rng.random(n) < 0.003] = np.nan
    x = (rng.normal(0, 10, n)).astype(np.float32)
    y = np.linspace(0, 250, n).astype(np.float32) % 250
    starts, stops = np.array(starts, np.int64), np.array(stops, np.int64)
    p = ctx.params
    lo_frac, hi_frac = p.loading_levels_frac
    common = (p.impact_window_frac, p.impact_min_height_frac, p.impact_min_dip_frac, p.impact_dip_window_frac,
              ctx.fallback_code, p.fallback_reference_frac, *p.fallback_window_frac, lo_frac, hi_frac)  # fmt: skip
    no_impact = (*common[:1], stances._IMPOSSIBLE, *common[2:])
    f_vilr = K.moving_average(f, ctx.vilr_half_width)
    want_i = K.loading_rates(f, f_vilr, t, starts, stops, *common)
    want_f = K.loading_rates(f, f_vilr, t, starts, stops, *no_impact)
    xp, yp = K.cop_path_points(x, y, f, t, starts, stops, p.cop_path_min_force_frac, p.cop_path_bin_s)
    want_p = K.cop_path_metrics(
        xp, yp, t, starts, stops, ctx.foot_length_mm, ctx.foot_width_mm, p.cpei_distal_frac
    )
    for span in (1, 60, 1 << 40):
        monkeypatch.setattr(stances, "_SPAN_FRAMES", span)
        got_i, got_f, got_p = stances._rates_and_paths(ctx, f, x, y, t, starts, stops, common, no_impact)
        for got, want in ((got_i, want_i), (got_f, want_f), (got_p, want_p)):
            for g, w in zip(got, want, strict=True):
                assert g.tobytes() == np.asarray(w).tobytes()
    assert np.isfinite(want_i[2]).sum() > 20 and np.isfinite(want_i[3]).sum() > 20  # VALR and VILR measured
