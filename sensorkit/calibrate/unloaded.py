"""Find the frames in which an insole carries no load (swing phases, a lifted foot) from raw counts.

No calibration is needed: the method works on the counts themselves.

1. Per window (default 10 s), each sensor's baseline is a low percentile of its counts
   (running and walking leave each foot unloaded 38-65 % of the time).
2. The excess ``e(t) = sum_s (counts_s(t) - baseline_s)`` is near zero when unloaded.
3. A frame is unloaded when ``e`` is below ``max(noise_factor * sigma, fraction * p99(e))``,
   with ``sigma`` a robust noise estimate from the frame-to-frame differences of ``e``.
4. Windows whose baselines themselves are loaded (quiet standing: no swing) are skipped,
   judged by the nominal response curve when one is given, otherwise by the lack of
   contrast between baseline and loading.
5. Unloaded runs shorter than ``min_duration_s`` are dropped and each run is shortened by
   ``margin_s`` at both ends, away from the loading transients.
"""

from __future__ import annotations

import itertools

import numpy as np

from sensorkit.calibrate import defaults as D
from sensorkit.calibrate.response import SensorResponse
from sensorkit.errors import CalibrationError

__all__ = ["detect_unloaded", "runs_of"]

_CONTRAST_FACTOR = 10.0  # loading must exceed the noise threshold this many times (no response given)


def detect_unloaded(
    time_s: np.ndarray,
    counts: np.ndarray,
    *,
    response: SensorResponse | None = None,
    window_s: float = D.UNLOADED_WINDOW_S,
    base_percentile: float = D.UNLOADED_BASE_PERCENTILE,
    fraction: float = D.UNLOADED_FRACTION,
    noise_factor: float = D.UNLOADED_NOISE_FACTOR,
    min_duration_s: float = D.UNLOADED_MIN_DURATION_S,
    margin_s: float = D.UNLOADED_MARGIN_S,
    max_base_force_n: float = D.UNLOADED_MAX_BASE_FORCE_N,
) -> np.ndarray:
    """Boolean mask (n,) of unloaded frames of one insole.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Frame times in s, increasing.
    counts : ndarray, shape (n, S)
        Raw ADC counts; whole-NaN rows (missing frames) are never unloaded.
    response : SensorResponse, optional
        Nominal response curves, used only to reject windows without any unloaded phase.
    window_s : float
        Baseline window in s.
    base_percentile : float
        Percentile (0-100) of each sensor's counts taken as its baseline.
    fraction : float
        Threshold as a fraction of the window's loaded level (99th percentile of the excess).
    noise_factor : float
        Threshold as a multiple of the robust noise standard deviation of the excess.
    min_duration_s, margin_s : float
        Shortest kept unloaded run, and trim at each end of a run, in s.
    max_base_force_n : float
        With ``response``: a window whose baselines read more than this total force (N,
        nominal curve, no offset) holds no unloaded phase.
    """
    t = np.asarray(time_s, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 2 or t.shape != (c.shape[0],):
        raise CalibrationError(f"need time (n,) and counts (n, S); got {t.shape} and {c.shape}")
    n = t.size
    mask = np.zeros(n, dtype=bool)
    if n < 3:
        return mask
    valid = np.isfinite(c).all(axis=1)
    starts = _window_starts(t, window_s)
    for lo, hi in itertools.pairwise(starts):
        rows = np.flatnonzero(valid[lo:hi]) + lo
        if rows.size < 3:
            continue
        cw = c[rows]
        base = np.percentile(cw, base_percentile, axis=0)
        excess = (cw - base).sum(axis=1)
        sigma = 1.4826 * np.median(np.abs(np.diff(excess))) / np.sqrt(2.0)
        level = np.percentile(excess, 99.0)
        noise_thr = noise_factor * max(sigma, 0.5)  # counts are integers: at least half a count
        if response is not None:
            base_force = float(np.sum(response.model.to_values(base[None, :])))
            if base_force > max_base_force_n:
                continue
        elif level < _CONTRAST_FACTOR * noise_thr:
            continue
        mask[rows] = excess < max(noise_thr, fraction * level)
    return _clean_runs(t, mask, min_duration_s, margin_s)


def runs_of(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop indices ``[start, stop)`` of the runs of True in a boolean mask."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges[0::2], edges[1::2]


def _window_starts(t: np.ndarray, window_s: float) -> np.ndarray:
    """Indices splitting ``t`` into windows of ``window_s``; a short tail joins the last window."""
    if not window_s > 0:
        raise CalibrationError(f"window_s must be positive, got {window_s!r}")
    edges = np.arange(t[0], t[-1], window_s)[1:]
    starts = np.searchsorted(t, edges)
    if starts.size and t[-1] - t[starts[-1]] < 0.5 * window_s:
        starts = starts[:-1]
    return np.concatenate(([0], starts, [t.size])).astype(np.int64)


def _clean_runs(t: np.ndarray, mask: np.ndarray, min_duration_s: float, margin_s: float) -> np.ndarray:
    """Drop runs shorter than ``min_duration_s``; trim ``margin_s`` where a run meets a loaded frame."""
    out = np.zeros_like(mask)
    for a, b in zip(*runs_of(mask), strict=True):
        if t[b - 1] - t[a] < min_duration_s:
            continue
        ta = t[a] + margin_s if a > 0 else t[a]
        tb = t[b - 1] - margin_s if b < t.size else t[b - 1]
        lo = int(np.searchsorted(t, ta, side="left"))
        hi = int(np.searchsorted(t, tb, side="right"))
        out[lo:hi] = True
    return out
