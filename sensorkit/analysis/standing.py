"""Standing: periods with both feet loaded and no step, and the weight-bearing share per side.

Definition (docs/methods.md "Activity"): standing is both feet above the contact threshold
(on the event low-pass) continuously for at least ``params.min_standing_s``. Weight-bearing
share = mean left force / (mean left + mean right force) over those frames. Its symmetry index
has a 95 % interval from a bootstrap over 0.25 s blocks (frames within a block are not
independent). Needs both insoles and a batch recording (a live stream reports no standing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit.analysis.params import ASYMMETRY_LIMITS_PCT, AnalysisParams
from sensorkit.analysis.summary import _status, bootstrap_si

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
    with np.errstate(invalid="ignore"):
        both = (seg_left >= on_left_n) & (seg_right >= on_right_n)
    rows = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], both.view(np.int8), [0]))))
    limit = ASYMMETRY_LIMITS_PCT["standing_force_n"]
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a < 2 or time_s[b - 1] - time_s[a] < params.min_standing_s:
            continue
        t = time_s[a:b]
        fl = force_left[a:b].astype(np.float64)
        fr = force_right[a:b].astype(np.float64)
        ok = np.isfinite(fl) & np.isfinite(fr)
        if ok.sum() < 2:
            continue
        t, fl, fr = t[ok], fl[ok], fr[ok]
        block = np.floor((t - t[0]) / _BLOCK_S).astype(np.int64)
        counts = np.bincount(block)
        keep = counts > 0
        bl = (np.bincount(block, fl) / np.maximum(counts, 1))[keep]
        br = (np.bincount(block, fr) / np.maximum(counts, 1))[keep]
        ml, mr = float(fl.mean()), float(fr.mean())
        if bl.size >= params.min_steps_asymmetry:
            si, lo, hi = bootstrap_si(bl, br, params.bootstrap_resamples)
            status = _status(lo, hi, limit)[0]
        else:
            si = float(200.0 * (ml - mr) / (ml + mr)) if ml + mr > 0 else np.nan
            lo = hi = np.nan
            status = "not enough data"
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
