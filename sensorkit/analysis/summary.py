"""Per-side summaries and left-right asymmetry of a steps table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit.analysis.params import AnalysisParams
from sensorkit.kernels import symmetry_angle, symmetry_index

__all__ = ["SUMMARY_COLUMNS", "summarize"]

#: Columns of :attr:`Analysis.summary`.
SUMMARY_COLUMNS = ("left", "right", "both", "symmetry_index_pct", "symmetry_angle_pct", "asymmetry_flag")
#: Signed metrics: a symmetry index is meaningless when values can cross zero (METHODS.md).
_SIGNED = ("ml_ratio", "cpei_pct")
_NOT_METRICS = {"side", "t_contact_s", "t_toe_off_s", "loading_rate_method", "strike_pattern"}
_SECONDS_PER_MIN = 60.0
_STEPS_PER_STRIDE = 2.0


def summarize(steps: pd.DataFrame, params: AnalysisParams) -> pd.DataFrame:
    """Per-side means, cadence and asymmetry of a steps table.

    Steps that touch a gap or are truncated are left out. Rows are metrics (units in the
    name); columns :data:`SUMMARY_COLUMNS`: means for left, right and both sides,
    Robinson symmetry index (positive = left larger) and Zifchock symmetry angle in %, and
    ``asymmetry_flag`` = |SI| > ``params.asymmetry_flag_pct``.

    ``cadence_spm`` (steps per minute of both feet) is 120 / mean stride time over the
    valid strides of both feet, i.e. METHODS.md's 60 x steps / time measured over gap-free
    strides; its per-side values are the cadence each foot's rhythm implies, 120 / mean
    stride time of that foot, so all three columns are steps per minute.
    """
    flags = [c for c in ("touches_gap", "truncated") if c in steps]
    valid = steps[~steps[flags].any(axis=1)] if len(steps) else steps
    metrics = [c for c in steps.columns if c not in _NOT_METRICS and c not in flags]
    rows: dict[str, dict[str, float]] = {}
    by_side = {s: valid[valid["side"] == s] for s in ("left", "right")}
    rows["n_steps"] = {
        "left": float(len(by_side["left"])),
        "right": float(len(by_side["right"])),
        "both": float(len(valid)),
    }
    rows["n_steps_excluded"] = {
        "left": float((steps["side"] == "left").sum() - len(by_side["left"])) if len(steps) else 0.0,
        "right": float((steps["side"] == "right").sum() - len(by_side["right"])) if len(steps) else 0.0,
        "both": float(len(steps) - len(valid)),
    }
    for name in metrics:
        rows[name] = {
            "left": _mean(by_side["left"], name),
            "right": _mean(by_side["right"], name),
            "both": _mean(valid, name),
        }
    stride = rows.get("stride_time_s", {"left": np.nan, "right": np.nan, "both": np.nan})
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["cadence_spm"] = {
            "left": _STEPS_PER_STRIDE * _SECONDS_PER_MIN / stride["left"],
            "right": _STEPS_PER_STRIDE * _SECONDS_PER_MIN / stride["right"],
            "both": _STEPS_PER_STRIDE * _SECONDS_PER_MIN / stride["both"],
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "metric"
    left = table["left"].to_numpy(np.float64)
    right = table["right"].to_numpy(np.float64)
    si = symmetry_index(left, right)
    sa = symmetry_angle(left, right)
    no_si = table.index.isin(["n_steps", "n_steps_excluded", "cadence_spm", *_SIGNED])
    si[no_si] = np.nan
    sa[no_si] = np.nan
    table["symmetry_index_pct"] = si
    table["symmetry_angle_pct"] = sa
    table["asymmetry_flag"] = np.abs(si) > params.asymmetry_flag_pct
    return table[list(SUMMARY_COLUMNS)]


def _mean(frame: pd.DataFrame, name: str) -> float:
    values = frame[name].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else np.nan
