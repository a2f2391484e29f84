"""Impact peak, VALR and VILR: exact answers on analytic curves, and kernel vs reference."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit import kernels, reference

RATE_HZ = 1000.0
DEFAULTS = dict(
    impact_window_frac=0.3,
    impact_min_height_frac=0.2,
    impact_min_dip_frac=0.01,
    dip_window_frac=0.5,
    fallback=kernels.METHOD_13PCT,
    reference_stance_frac=0.13,
    window_lo_frac=0.03,
    window_hi_frac=0.12,
    level_lo_frac=0.2,
    level_hi_frac=0.8,
)


def _rates(force, time, starts, stops, impl=kernels, force_vilr=None, **kw):
    """(impact index, impact peak, VALR, VILR, method, window start, window end); VILR on
    ``force_vilr`` (the caller's low-passed force), on ``force`` itself when not given."""
    args = {**DEFAULTS, **kw}
    force = np.asarray(force, np.float32)
    return impl.loading_rates(
        force,
        force if force_vilr is None else np.asarray(force_vilr, np.float32),
        time,
        np.asarray(starts, np.int64),
        np.asarray(stops, np.int64),
        *args.values(),
    )


def _impact_curve(slope_n_s=30_000.0, peak_n=1200.0):
    """0 N, a linear ramp at slope to an impact peak, a dip, an active peak, back to 0."""
    t = np.arange(0, 0.4, 1 / RATE_HZ)
    t_peak = peak_n / slope_n_s
    f = np.interp(
        t, [0.0, 0.01, 0.01 + t_peak, 0.06, 0.13, 0.26, 0.27], [0, 0, peak_n, 0.8 * peak_n, 2000, 0, 0]
    )
    return t, f


def test_valr_on_linear_ramp_equals_slope():
    t, f = _impact_curve(slope_n_s=30_000.0)
    c = int(np.argmax(f >= 35.0))
    e = int(np.flatnonzero(f >= 28.0)[-1]) + 1
    _idx, peak, valr, vilr, method, w_lo, w_hi = _rates(f, t, [c], [e])
    assert method[0] == kernels.METHOD_IMPACT
    assert peak[0] == pytest.approx(1200.0)
    assert valr[0] == pytest.approx(30_000.0, rel=1e-4)
    assert vilr[0] == pytest.approx(30_000.0, rel=1e-4)
    # the window: 20 % (240 N) at 10 ms + 240/30000 s = 18 ms, 80 % (960 N) at 42 ms
    assert w_lo[0] == pytest.approx(0.018, abs=1e-9) and w_hi[0] == pytest.approx(0.042, abs=1e-9)


def test_vilr_is_the_steepest_sample_slope_inside_the_window():
    t = np.arange(0, 0.3, 1 / RATE_HZ)
    # ramp of 20 kN/s with one steeper 5 ms stretch at 60 kN/s inside the 20-80 % window
    knots_t = [0.0, 0.01, 0.03, 0.035, 0.05, 0.07, 0.15, 0.25]
    knots_f = [0.0, 0.0, 400.0, 700.0, 1000.0, 800.0, 1600.0, 0.0]
    f = np.interp(t, knots_t, knots_f)
    _idx, peak, valr, vilr, method, _, _ = _rates(f, t, [11], [250])
    assert method[0] == kernels.METHOD_IMPACT and peak[0] == pytest.approx(1000.0)
    assert vilr[0] == pytest.approx(60_000.0, rel=1e-4)
    assert valr[0] < vilr[0]


def test_vilr_is_measured_on_the_force_given_for_it_and_valr_on_the_raw_force():
    # VALR stays on the unfiltered force; VILR is read from the (caller's) low-passed force:
    # here a force scaled by 0.5 halves VILR and leaves VALR and the window unchanged
    t, f = _impact_curve(slope_n_s=30_000.0)
    c = int(np.argmax(f >= 35.0))
    e = int(np.flatnonzero(f >= 28.0)[-1]) + 1
    raw = _rates(f, t, [c], [e])
    half = _rates(f, t, [c], [e], force_vilr=0.5 * f)
    assert half[2][0] == raw[2][0] and half[5][0] == raw[5][0] and half[6][0] == raw[6][0]
    assert half[3][0] == pytest.approx(15_000.0, rel=1e-4)


def test_without_impact_peak_the_13pct_force_is_the_reference():
    t = np.arange(0, 0.3, 1 / RATE_HZ)
    f = np.interp(t, [0.0, 0.01, 0.11, 0.21], [0.0, 0.0, 2000.0, 0.0])  # triangle, no dip early
    c, e = 11, 210  # stance 10 ms .. 210 ms, 13 % point at 36 ms: force 520 N
    idx, peak, valr, _vilr, method, w_lo, w_hi = _rates(f, t, [c], [e])
    assert method[0] == kernels.METHOD_13PCT and np.isnan(peak[0]) and idx[0] == -1
    assert valr[0] == pytest.approx(20_000.0, rel=1e-4)
    # stance t[11] = 11 ms .. t[210] = 210 ms: 13 % point t_ref = 11 + 0.13 x 199 ms, where the
    # ramp (20 N/ms from 10 ms) reads ref = 20 (t_ref - 10); the 20 % / 80 % crossings of that
    # ramp are at 10 ms + 0.2 / 0.8 of (t_ref - 10 ms)
    t_ref = 0.011 + 0.13 * 0.199
    assert w_lo[0] == pytest.approx(0.01 + 0.2 * (t_ref - 0.01), abs=1e-9)
    assert w_hi[0] == pytest.approx(0.01 + 0.8 * (t_ref - 0.01), abs=1e-9)


def test_fixed_window_fallback_is_the_average_slope_over_3_to_12_pct():
    t = np.arange(0, 0.3, 1 / RATE_HZ)
    f = np.interp(t, [0.0, 0.01, 0.11, 0.21], [0.0, 0.0, 2000.0, 0.0])
    _idx, _peak, valr, vilr, method, w_lo, w_hi = _rates(f, t, [11], [210], fallback=kernels.METHOD_WINDOW)
    assert method[0] == kernels.METHOD_WINDOW
    # the window is the fixed 3-12 % of the stance t[11] = 11 ms .. t[210] = 210 ms
    assert w_lo[0] == pytest.approx(0.011 + 0.03 * 0.199, abs=1e-12)
    assert w_hi[0] == pytest.approx(0.011 + 0.12 * 0.199, abs=1e-12)
    assert valr[0] == pytest.approx(20_000.0, rel=1e-6)
    assert vilr[0] == pytest.approx(20_000.0, rel=1e-6)


def test_noise_wiggle_below_min_dip_is_not_an_impact_peak():
    t = np.arange(0, 0.3, 1 / RATE_HZ)
    f = np.interp(t, [0.0, 0.01, 0.11, 0.21], [0.0, 0.0, 2000.0, 0.0])
    f[30] += 22.0  # ramp is 20 N per sample: a local maximum followed by a 2 N dip (0.1 % of the peak)
    method = _rates(f, t, [11], [210])[4]
    assert method[0] == kernels.METHOD_13PCT
    method = _rates(f, t, [11], [210], impact_min_dip_frac=0.0)[4]
    assert method[0] == kernels.METHOD_IMPACT


def test_stance_shorter_than_three_frames_has_no_loading_rate():
    t = np.arange(10) / RATE_HZ
    _, _, valr, vilr, method, w_lo, w_hi = _rates(np.full(10, 100.0), t, [3], [5])
    assert np.isnan(valr[0]) and np.isnan(vilr[0]) and method[0] == kernels.METHOD_NONE
    assert np.isnan(w_lo[0]) and np.isnan(w_hi[0])


@pytest.mark.parametrize("fallback", [kernels.METHOD_13PCT, kernels.METHOD_WINDOW])
def test_loading_rates_match_reference_on_random_stances(fallback):
    rng = np.random.default_rng(fallback)
    n = 6000
    t = np.cumsum(rng.uniform(0.8, 1.2, n)) / RATE_HZ
    f = np.zeros(n)
    starts, stops = [], []
    k = 5
    while k < n - 400:
        length = int(rng.integers(5, 300))
        tau = np.linspace(0, 1, length)
        bump = np.sin(np.pi * tau) * rng.uniform(500, 2000)
        if rng.random() < 0.5:
            bump += np.exp(-(((tau - 0.1) / 0.03) ** 2)) * rng.uniform(100, 900)
        bump += rng.normal(0, rng.choice([0.0, 5.0, 30.0]), length)
        f[k : k + length] = np.maximum(bump, 0.0) + 60.0
        starts.append(k)
        stops.append(k + length)
        k += length + int(rng.integers(3, 80))
    f32 = f.astype(np.float32)
    f_vilr = kernels.moving_average(f32, int(rng.integers(0, 4)))  # VILR on a low-passed force
    got = _rates(f32, t, starts, stops, fallback=fallback, force_vilr=f_vilr)
    want = _rates(f32, t, starts, stops, impl=reference, fallback=fallback, force_vilr=f_vilr)
    assert len(got) == len(want) == 7
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[4], want[4])
    for g, w in zip(got[1:4] + got[5:], want[1:4] + want[5:], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, equal_nan=True)
