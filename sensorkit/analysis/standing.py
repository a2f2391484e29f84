"""Standing: periods with both feet loaded and no step, and the weight-bearing share per side.

Definition (docs/methods.md "Activity"): standing is both feet above their contact thresholds
(on the event low-pass) for at least ``params.min_standing_s``, dips of either shorter than
0.2 s (weight shifts, sensor flicker) bridged, without the moments a foot is lifted: under
:data:`MIN_STANDING_SHARE` (10 %) of the two feet's load for less than :data:`MAX_LIFT_S`
(1 s). This keeps turns out: in the PhysioNet walks a foot lifted during a turn reads 20-60 N
(2-5 % of the load, just above the 20 N contact floor) for 0.3-0.5 s at a time, and turns were
reported as standing with a 59 % weight-bearing asymmetry. Leaning on one foot for longer
(8/92) is standing; leaning left and then right are two periods. The period is cut into
0.25 s blocks (a partial last block is dropped); each side's load is the median of its block
means, robust to the weight shift at the start of a step; weight-bearing share = left / (left +
right) and its symmetry index follow from those two numbers. The 95 % interval resamples whole blocks, the same blocks for both
feet (they are paired), so a quiet stance of a few seconds gives a wide interval, not a false one.
Needs both insoles and a batch recording (a live stream reports no standing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit.analysis.params import ASYMMETRY_LIMITS_PCT, AnalysisParams
from sensorkit.analysis.summary import _status

__all__ = ["STANDING_COLUMNS", "standing_periods"]

STANDING_COLUMNS = (
    "start_s",
    "end_s",
    "duration_s",
    "left_force_n",
    "right_force_n",
    "left_share_pct",
    "symmetry_index_pct",
    "ci_low_pct",
    "ci_high_pct",
    "status",
)
_BLOCK_S = 0.25
_MAX_DIP_S = 0.2
#: A foot bears weight while standing when it carries at least this fraction of both feet's load.
MIN_STANDING_SHARE = 0.10
#: A foot under that share for less than this is lifted (a step), longer is leaning on the other.
MAX_LIFT_S = 1.0
_SEED = 20261129


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops (int64, [start, stop)) of the runs of True in the (n,) bool ``mask``.

    One bool comparison of neighbours, no integer copy of the mask (a day-long recording's
    mask as int64 would be 8 bytes per frame).
    """
    if mask.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    bounds = np.concatenate(([0], np.flatnonzero(mask[1:] != mask[:-1]) + 1, [mask.size])).astype(np.int64)
    first = bounds[:-1]
    on = mask[first]
    return first[on], bounds[1:][on]


def _runs_mask(n: int, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """(n,) bool, True in the disjoint, increasing runs [starts[i], stops[i]).

    One int8 step array and its running sum (0 or 1, the runs being disjoint) instead of a
    Python loop over the runs: 8 h of running has 640 000 light runs per foot.
    """
    step = np.zeros(n + 1, dtype=np.int8)
    step[starts] = 1
    step[stops] -= 1  # (a run may start where the one before it stops)
    return np.cumsum(step[:-1], dtype=np.int8).view(bool)


def _bridge_short_dips(mask: np.ndarray, time_s: np.ndarray, max_dip_s: float) -> np.ndarray:
    """``mask`` with False runs shorter than ``max_dip_s`` between True runs set True."""
    a, b = true_runs(~mask)  # False runs [a, b)
    inner = (a > 0) & (b < mask.size)
    a, b = a[inner], b[inner]
    short = time_s[b] - time_s[a - 1] <= max_dip_s
    return mask | _runs_mask(mask.size, a[short], b[short])


def _standing_mask(
    time_s: np.ndarray,
    seg_left: np.ndarray,
    seg_right: np.ndarray,
    on_left_n: float,
    on_right_n: float,
    min_standing_s: float,
) -> np.ndarray:
    """Frames of standing: both feet above their thresholds (dips bridged), without the moments
    a foot is lifted and the stance's leaning side kept apart.

    A foot carrying under :data:`MIN_STANDING_SHARE` of the two feet's load for less than
    :data:`MAX_LIFT_S` is lifted (a step of a turn, gait initiation): those frames are not
    standing. Leaning on one foot for longer (8/92) is standing, and a stance that leans left
    and then right is two periods, so each share is of one posture.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        total = seg_left + seg_right
        total *= MIN_STANDING_SHARE  # the share's threshold, in place (4 bytes a frame)
        loaded = (seg_left >= on_left_n) & (seg_right >= on_right_n)
        light_left = seg_left < total
        light_right = seg_right < total
        del total
    lifted = np.zeros(loaded.shape, dtype=bool)
    for light in (light_left, light_right):
        a, b = true_runs(light)
        short = time_s[b - 1] - time_s[a] < MAX_LIFT_S
        lifted |= _runs_mask(lifted.size, a[short], b[short])
    both = _bridge_short_dips(loaded & ~lifted, time_s, _MAX_DIP_S)
    # -1 leaning left, 1 right, 0 neither, one byte a frame (two nested int64 np.where took 16:
    # 0.4 GB more at the peak of an 8 h analysis)
    lean = np.zeros(loaded.shape, dtype=np.int8)
    kept = np.logical_not(lifted, out=lifted)  # lifted's bytes, not a new array (not used again)
    del lifted
    lean[light_right & kept] = 1
    lean[light_left & kept] = -1  # left first, as before, when both are light
    for a, b in zip(*true_runs(both), strict=True):
        at = np.flatnonzero(lean[a:b])
        if at.size < 2:
            continue
        sides = lean[a:b][at]
        for k in np.flatnonzero(sides[1:] != sides[:-1]):  # leaning left, then right (or back)
            both[a + at[k] + 1 : a + at[k + 1]] = False  # the shift between the two postures
            both[a + at[k + 1]] = False
    return both


def standing_periods(
    time_s: np.ndarray,
    seg_left: np.ndarray,
    seg_right: np.ndarray,
    force_left: np.ndarray,
    force_right: np.ndarray,
    on_left_n: float,
    on_right_n: float,
    params: AnalysisParams,
) -> pd.DataFrame:
    """Standing periods of a two-insole recording.

    Parameters
    ----------
    time_s : ndarray (n,)
    seg_left, seg_right : ndarray (n,)
        Low-passed total force per side (N), as used for events.
    force_left, force_right : ndarray (n,)
        Unfiltered, baseline-corrected total force per side (N).
    on_left_n, on_right_n : float
        Contact thresholds (N).
    params : AnalysisParams

    Returns
    -------
    DataFrame
        One row per period, columns :data:`STANDING_COLUMNS` (SI positive = left larger).
    """
    both = _standing_mask(time_s, seg_left, seg_right, on_left_n, on_right_n, params.min_standing_s)
    rows = []
    limit = ASYMMETRY_LIMITS_PCT["standing_force_n"]
    rng = np.random.default_rng(_SEED)
    for a, b in zip(*true_runs(both), strict=True):
        if b - a < 2 or time_s[b - 1] - time_s[a] < params.min_standing_s:
            continue
        t = time_s[a:b]
        fl = force_left[a:b].astype(np.float64)
        fr = force_right[a:b].astype(np.float64)
        block = np.floor((t - t[0]) / _BLOCK_S).astype(np.int64)
        n_blocks = int(block[-1])  # the last (partial) block is dropped
        bl, br = np.full(n_blocks, np.nan), np.full(n_blocks, np.nan)
        for k in range(n_blocks):
            sel = block == k
            ok = sel & np.isfinite(fl) & np.isfinite(fr)
            if ok.sum() >= 2:
                bl[k], br[k] = fl[ok].mean(), fr[ok].mean()
        good = np.isfinite(bl) & np.isfinite(br)
        bl, br = bl[good], br[good]
        if bl.size < 2:
            continue
        ml, mr = float(np.median(bl)), float(np.median(br))
        si = 200.0 * (ml - mr) / (ml + mr) if ml + mr > 0 else np.nan
        lo = hi = np.nan
        status = "not enough data"
        if bl.size >= params.min_steps_asymmetry and np.isfinite(si):
            idx = rng.integers(0, bl.size, (params.bootstrap_resamples, bl.size))
            bml, bmr = np.median(bl[idx], axis=1), np.median(br[idx], axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = 200.0 * (bml - bmr) / (bml + bmr)
            boot = boot[np.isfinite(boot)]
            if boot.size:
                lo, hi = (float(v) for v in np.percentile(boot, (2.5, 97.5)))
                status = _status(lo, hi, limit)[0]
        rows.append(
            {
                "start_s": float(time_s[a]),
                "end_s": float(time_s[b - 1]),
                "duration_s": float(time_s[b - 1] - time_s[a]),
                "left_force_n": ml,
                "right_force_n": mr,
                "left_share_pct": 100.0 * ml / (ml + mr) if ml + mr > 0 else np.nan,
                "symmetry_index_pct": si,
                "ci_low_pct": lo,
                "ci_high_pct": hi,
                "status": status,
            }
        )
    if not rows:
        return pd.DataFrame(
            {c: pd.Series(dtype="object" if c == "status" else "float64") for c in STANDING_COLUMNS}
        )
    return pd.DataFrame(rows, columns=list(STANDING_COLUMNS))
