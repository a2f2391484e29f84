"""Statistics of an insole trial: per-metric differences from the baseline with bootstrap intervals over steps.

Pure numpy/pandas on step tables (no analysis code): :func:`difference_table` takes, per
condition, the step tables of its sessions and returns one tidy row per condition and metric.

Estimate. A condition's value of a metric is the mean over its sessions of each session's mean
over its steps (both feet), so every session weighs the same however many steps it has. An
asymmetry row is the mean over sessions of the absolute symmetry index
``|100 (L - R) / ((L + R) / 2)|`` of the session's left and right means.

Interval. A two-stage percentile bootstrap (Davison & Hinkley 1997, Bootstrap Methods and their
Application, Cambridge University Press, section 3.8 "Hierarchical data"): each resample
draws the sessions of each condition with replacement (when it has more than one) and, within
each drawn session, its steps with replacement (left and right separately for asymmetry);
the 2.5 and 97.5 percentiles of the resampled differences give the 95 % interval. With one
session per condition only the steps are resampled: the interval is then about this person
*in these sessions*, not about other days or other people. Repeated sessions per condition,
recorded in a randomised order, widen it honestly to day-to-day variation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TABLE_COLUMNS", "TrialMetric", "difference_table", "trial_metrics"]

#: Columns of :func:`difference_table`.
TABLE_COLUMNS = (
    "condition",
    "metric",
    "label",
    "unit",
    "role",
    "n_sessions",
    "n_steps",
    "value",
    "baseline_value",
    "difference",
    "ci_low",
    "ci_high",
    "difference_pct",
    "verdict",
)
_SEED = 16


@dataclass(frozen=True)
class TrialMetric:
    """One compared metric.

    Attributes
    ----------
    key : str
        Row name in the table (``"valr_bw_s"``, ``"peak_force_bw_abs_si_pct"``).
    column : str
        Steps column it is computed from.
    label : str
        Human name.
    unit : str
    role : {"loading", "asymmetry", "context"}
        ``loading`` and ``asymmetry`` rows judge whether a condition is worse (higher is worse);
        ``context`` rows are reported only.
    kind : {"mean", "abs_si"}
    reliable_only : bool
        Use only steps with ``valr_reliable``.
    """

    key: str
    column: str
    label: str
    unit: str
    role: str
    kind: str = "mean"
    reliable_only: bool = False


def trial_metrics(activity: str, force_units: str) -> tuple[TrialMetric, ...]:
    """The metrics compared for ``activity`` ("running" or "walking") in ``force_units`` ("BW" or "N")."""
    f = "bw" if force_units == "BW" else "n"
    fu = "BW" if force_units == "BW" else "N"
    context = (
        TrialMetric(f"peak_force_{f}", f"peak_force_{f}", "Peak force", fu, "context"),
        TrialMetric("contact_time_s", "contact_time_s", "Contact time", "s", "context"),
        TrialMetric("stride_time_s", "stride_time_s", "Stride time", "s", "context"),
    )
    peak_force_si = TrialMetric(
        f"peak_force_{f}_abs_si_pct",
        f"peak_force_{f}",
        "Left-right difference in peak force (|SI|)",
        "%",
        "asymmetry",
        "abs_si",
    )
    if activity == "running":
        return (
            TrialMetric(
                f"valr_{f}_s",
                f"valr_{f}_s",
                "Average vertical loading rate",
                f"{fu}/s",
                "loading",
                reliable_only=True,
            ),
            TrialMetric(f"impact_peak_{f}", f"impact_peak_{f}", "Impact peak", fu, "loading"),
            *context,
            TrialMetric(
                f"valr_{f}_s_abs_si_pct",
                f"valr_{f}_s",
                "Left-right difference in loading rate (|SI|)",
                "%",
                "asymmetry",
                "abs_si",
                True,
            ),
            peak_force_si,
        )
    if activity == "walking":
        return (
            TrialMetric(
                f"loading_rate_{f}_s",
                f"loading_rate_{f}_s",
                "Loading rate (20-80 % of first peak)",
                f"{fu}/s",
                "loading",
            ),
            TrialMetric(f"first_peak_{f}", f"first_peak_{f}", "First (loading-response) peak", fu, "loading"),
            *context,
            TrialMetric(
                f"loading_rate_{f}_s_abs_si_pct",
                f"loading_rate_{f}_s",
                "Left-right difference in loading rate (|SI|)",
                "%",
                "asymmetry",
                "abs_si",
            ),
            peak_force_si,
        )
    raise ValueError(f"an insole trial compares running or walking sessions, not {activity!r}")


def _values(steps: pd.DataFrame, m: TrialMetric, side: str | None = None) -> np.ndarray:
    if m.column not in steps or not len(steps):
        return np.zeros(0)
    part = steps
    if m.reliable_only and "valr_reliable" in part:
        part = part[part["valr_reliable"].to_numpy(bool)]
    if side is not None:
        part = part[part["side"] == side]
    v = part[m.column].to_numpy(np.float64)
    return v[np.isfinite(v)]


def _boot_means(v: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    if not v.size:
        return np.full(resamples, np.nan)
    idx = rng.integers(0, v.size, size=(resamples, v.size))
    return v[idx].mean(axis=1)


def _abs_si(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(100.0 * (left - right) / (0.5 * (left + right)))


def _session(
    steps: pd.DataFrame, m: TrialMetric, rng: np.random.Generator, resamples: int, min_per_side: int = 1
) -> tuple[float, np.ndarray, int]:
    """Point estimate, bootstrap replicates and step count of one session; a left-right index
    needs ``min_per_side`` values on each side (as :attr:`sensorkit.Analysis.asymmetry`)."""
    if m.kind == "mean":
        v = _values(steps, m)
        est = float(v.mean()) if v.size else math.nan
        return est, _boot_means(v, rng, resamples), int(v.size)
    left, right = _values(steps, m, "left"), _values(steps, m, "right")
    if left.size < max(min_per_side, 1) or right.size < max(min_per_side, 1):
        return math.nan, np.full(resamples, np.nan), int(left.size + right.size)
    est = float(_abs_si(np.array([left.mean()]), np.array([right.mean()]))[0])
    reps = _abs_si(_boot_means(left, rng, resamples), _boot_means(right, rng, resamples))
    return est, reps, int(left.size + right.size)


def _condition(
    sessions: Sequence[pd.DataFrame],
    m: TrialMetric,
    rng: np.random.Generator,
    resamples: int,
    min_per_side: int = 1,
) -> tuple[float, np.ndarray, int]:
    parts = [_session(s, m, rng, resamples, min_per_side) for s in sessions]
    ests = np.array([p[0] for p in parts])
    reps = np.vstack([p[1] for p in parts])  # (k, B)
    n = sum(p[2] for p in parts)
    if not np.all(np.isfinite(ests)):
        return math.nan, np.full(resamples, np.nan), n
    k = len(parts)
    if k == 1:
        return float(ests[0]), reps[0], n
    pick = rng.integers(0, k, size=(resamples, k))
    boot = reps[pick, np.arange(resamples)[:, None]].mean(axis=1)
    return float(ests.mean()), boot, n


def difference_table(
    conditions: Mapping[str, Sequence[pd.DataFrame]],
    metrics: Sequence[TrialMetric],
    *,
    baseline: str | None = None,
    resamples: int = 2000,
    seed: int = _SEED,
    not_comparable: Mapping[tuple[str, str], str] | None = None,
    min_steps_per_side: int = 5,
) -> pd.DataFrame:
    """Per condition and metric: value, difference from the baseline, and its 95 % bootstrap interval.

    Parameters
    ----------
    conditions : mapping
        Condition label -> list of step tables (one per session; only the steps to compare,
        e.g. steady-state steps of the main activity). The first is the baseline unless
        ``baseline`` names another.
    metrics : sequence of TrialMetric
        From :func:`trial_metrics`.
    baseline : str, optional
    resamples : int
        Bootstrap resamples (default 2000).
    seed : int
        Seed of the bootstrap (the same inputs give the same table).
    not_comparable : mapping, optional
        ``(condition, metric key) -> reason``: rows whose values are not comparable with the
        baseline (e.g. a different loading-rate method); their difference is NaN and the
        verdict says why.
    min_steps_per_side : int
        A left-right index (``kind="abs_si"``) of a session needs this many values on each
        side, as a session's own asymmetry table does (``AnalysisParams.min_steps_asymmetry``,
        default 5; docs/methods.md "Asymmetry"); with fewer it is "not enough data".

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`, one row per condition (baseline included, difference 0)
        and metric. ``difference_pct`` is the difference in % of the baseline value (NaN for a
        left-right |SI|, already in %: its ``difference`` is in percentage points).
        ``verdict``: "higher" (the whole interval above 0), "lower" (below 0), "no clear
        difference", "baseline", "not measured", "not enough data" (a left-right index with
        too few steps on a side) or "not comparable: <reason>".
    """
    names = list(conditions)
    if len(names) < 2:
        raise ValueError("an insole trial needs at least two conditions (a baseline and one candidate)")
    base = names[0] if baseline is None else baseline
    if base not in conditions:
        raise ValueError(f"baseline {base!r} is not one of the conditions {names}")
    for name, sessions in conditions.items():
        if not len(sessions):
            raise ValueError(f"condition {name!r} has no session")
    bad = dict(not_comparable or {})
    rows = []
    for j, m in enumerate(metrics):
        rng = np.random.default_rng([seed, j])
        results = {
            name: _condition(conditions[name], m, rng, resamples, min_steps_per_side) for name in names
        }
        short = {  # conditions with a session whose left-right index lacks steps on a side
            name
            for name in names
            if m.kind == "abs_si"
            and any(
                min(_values(s, m, "left").size, _values(s, m, "right").size) < min_steps_per_side
                for s in conditions[name]
            )
        }
        b_est, b_boot, _ = results[base]
        for name in names:
            est, boot, n = results[name]
            row = {
                "condition": name,
                "metric": m.key,
                "label": m.label,
                "unit": m.unit,
                "role": m.role,
                "n_sessions": len(conditions[name]),
                "n_steps": n,
                "value": est,
                "baseline_value": b_est,
                "difference": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "difference_pct": math.nan,
                "verdict": "",
            }
            if name == base and name in short:
                row["verdict"] = "not enough data"
            elif name == base:
                row.update(difference=0.0, ci_low=0.0, ci_high=0.0, difference_pct=0.0, verdict="baseline")
            elif (name, m.key) in bad:
                row["verdict"] = f"not comparable: {bad[(name, m.key)]}"
            elif name in short or base in short:
                row["verdict"] = "not enough data"
            elif not (math.isfinite(est) and math.isfinite(b_est)):
                row["verdict"] = "not measured"
            else:
                diff = boot - b_boot
                diff = diff[np.isfinite(diff)]
                lo, hi = np.percentile(diff, [2.5, 97.5]) if diff.size else (math.nan, math.nan)
                d = est - b_est
                row.update(
                    difference=d,
                    ci_low=float(lo),
                    ci_high=float(hi),
                    # a |SI| is already in %: its difference is in percentage points, and a
                    # relative change of it read "+198.5 %" for 0.2 -> 0.6 % (no clear difference)
                    difference_pct=100.0 * d / b_est if b_est and m.role != "asymmetry" else math.nan,
                    verdict="higher" if lo > 0 else ("lower" if hi < 0 else "no clear difference"),
                )
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["n_sessions"] = table["n_sessions"].astype("int64")
    table["n_steps"] = table["n_steps"].astype("int64")
    return table
