"""Per-side summaries, variability, left-right asymmetry with bootstrap intervals, and trends.

Definitions: docs/methods.md ("Temporal parameters", "Asymmetry", "Trends").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit.analysis.params import ASYMMETRY_LIMIT_SOURCES, ASYMMETRY_LIMITS_PCT, AnalysisParams
from sensorkit.analysis.selection import RUNNING_ONLY, WALKING_ONLY
from sensorkit.kernels import symmetry_angle, symmetry_index

__all__ = [
    "ASYMMETRY_COLUMNS",
    "BOTH_FEET_METRICS",
    "SUMMARY_COLUMNS",
    "TREND_METRICS",
    "asymmetry_limit_source",
    "asymmetry_table",
    "bootstrap_means",
    "bootstrap_si",
    "missing_reasons",
    "recorded_sides",
    "summarize",
    "trends",
]

#: Columns of :attr:`Analysis.summary` (all float64; units in the row names).
SUMMARY_COLUMNS = (
    "left",
    "right",
    "both",
    "left_sd",
    "right_sd",
    "both_sd",
    "left_cv_pct",
    "right_cv_pct",
    "both_cv_pct",
    "symmetry_index_pct",
    "si_ci_low_pct",
    "si_ci_high_pct",
    "symmetry_angle_pct",
)
#: Columns of :attr:`Analysis.asymmetry`.
ASYMMETRY_COLUMNS = (
    "symmetry_index_pct",
    "ci_low_pct",
    "ci_high_pct",
    "symmetry_angle_pct",
    "limit_pct",
    "n_left",
    "n_right",
    "flag",
    "status",
)
#: Rows of the summary, in order (metrics absent from the steps table are skipped).
_METRICS = (
    "contact_time_s",
    "stride_time_s",
    "swing_time_s",
    "step_time_s",
    "stance_pct_gait_cycle",
    "double_support_s",
    "flight_time_s",
    "peak_force_n",
    "peak_force_bw",
    "impulse_Ns",
    "impulse_BWs",
    "first_peak_n",
    "first_peak_bw",
    "first_peak_pct_stance",
    "valley_n",
    "valley_bw",
    "valley_pct_stance",
    "second_peak_n",
    "second_peak_bw",
    "second_peak_pct_stance",
    "loading_rate_n_s",
    "loading_rate_bw_s",
    "unloading_rate_n_s",
    "unloading_rate_bw_s",
    "impact_peak_n",
    "impact_peak_bw",
    "valr_n_s",
    "valr_bw_s",
    "vilr_n_s",
    "vilr_bw_s",
    "strike_index_pct",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "cop_path_length_mm",
    "cop_velocity_mm_s",
    "cpei_pct",
    "arch_indicator",
    "ml_ratio",
    "heel_impulse_Ns",
    "midfoot_impulse_Ns",
    "forefoot_impulse_Ns",
    "toes_impulse_Ns",
    "heel_peak_force_n",
    "midfoot_peak_force_n",
    "forefoot_peak_force_n",
    "toes_peak_force_n",
    "heel_peak_pressure_kpa",
    "midfoot_peak_pressure_kpa",
    "forefoot_peak_pressure_kpa",
    "toes_peak_pressure_kpa",
)
#: Signed or location metrics: a symmetry index is meaningless for them (docs/methods.md).
_NO_SI = ("ml_ratio", "cpei_pct", "strike_index_pct", "flight_time_s", "double_support_s")
#: Metrics that need the contacts of both feet (docs/methods.md, Temporal parameters).
BOTH_FEET_METRICS = (
    "step_time_s",
    "initial_double_support_s",
    "terminal_double_support_s",
    "double_support_s",
    "flight_time_s",
)
_UNRELIABLE = "unreliable: too few samples in the rate's 20-80 % window (sampling rate)"
#: Signed metrics: their mean can sit near 0, so a CV (SD / |mean|) is meaningless (GaCo01's
#: medial-lateral ratio had a CV of 99.6 % and 131.8 % on the left).
_NO_CV = ("ml_ratio", "cpei_pct")
#: Fewer values give no CV: two strides of F-Scan's 32 ms frames gave "0.0 %" (docs/methods.md,
#: Temporal parameters). The same count as a symmetry index needs per side by default.
MIN_CV_VALUES = 5
#: Metrics the session's activity does not measure: never "not enough data" for it.
_OTHER_ACTIVITY = {"walking": RUNNING_ONLY, "running": WALKING_ONLY}
_LOADING = ("valr_n_s", "valr_bw_s", "vilr_n_s", "vilr_bw_s")
#: Metrics followed over the session (fatigue check).
TREND_METRICS = ("contact_time_s", "peak_force_n", "valr_n_s", "loading_rate_n_s")
_SECONDS_PER_MIN = 60.0
_STEPS_PER_STRIDE = 2.0
_CI = (2.5, 97.5)
_SEED = 20261129  # fixed: intervals are reproducible
_Z95 = 1.959964  # two-sided 95 % normal quantile
_EXACT_BOOTSTRAP_N = 200  # above this many steps a side, the resampled mean's normal limit is used
_BOOTSTRAP_BLOCK = 8192  # indices drawn at once by the exact bootstrap (64 kB)
#: Samples a rate needs in its 20-80 % window (= AnalysisParams.min_valr_samples default).
MIN_RATE_SAMPLES = 3


def summary_steps(steps: pd.DataFrame, activity: str, side: str | None = None) -> pd.DataFrame:
    """The steps a summary uses: steady-state steps of ``activity`` (of ``side`` when given)."""
    if not len(steps):
        return steps
    keep = steps["steady_state"] & (steps["activity"] == activity)
    if side is not None:
        keep &= steps["side"] == side  # one selection of the rows (8 h: 164 000), not two
    return steps[keep]


def _values(frame: pd.DataFrame, name: str, reliable_only: bool = True) -> np.ndarray:
    """Finite values of a metric; rates only from windows with enough samples (docs/methods.md)."""
    v = frame[name].to_numpy(np.float64)
    if reliable_only:
        ok = reliable_mask(frame, name)
        if ok is not None:
            v = np.where(ok, v, np.nan)
    return v[np.isfinite(v)]


def reliable_mask(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    """Steps whose rate ``name`` rests on enough samples in its 20-80 % window (VALR, VILR:
    ``valr_reliable``; walking loading and unloading rates: their sample counts), as every
    summary uses them; None for a metric that is not such a rate.

    Parameters
    ----------
    frame : DataFrame
        Rows of :attr:`Analysis.steps`.
    name : str
        A steps column.

    Returns
    -------
    ndarray of bool, shape (len(frame),), or None
    """
    if name in _LOADING and "valr_reliable" in frame:
        return frame["valr_reliable"].to_numpy(bool)
    for prefix in ("loading_rate_", "unloading_rate_"):
        col = f"{prefix}samples"
        if name.startswith(prefix) and not name.endswith("samples") and col in frame:
            return frame[col].to_numpy(np.int64) >= MIN_RATE_SAMPLES
    return None


def summarize(
    steps: pd.DataFrame, activity: str, params: AnalysisParams, asymmetry: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per-side means, SD and CV, symmetry index with its bootstrap interval, symmetry angle.

    Parameters
    ----------
    steps : DataFrame
        :attr:`Analysis.steps`.
    activity : str
        Summarise the steady-state steps of this activity (``"walking"``, ``"running"``).
    params : AnalysisParams
    asymmetry : DataFrame, optional
        :func:`asymmetry_table` of the same steps, when already computed.

    Returns
    -------
    DataFrame
        Rows: metrics (units in the names) and ``cadence_spm``; columns
        :data:`SUMMARY_COLUMNS`, all float64. Loading rates use reliable values only
        (``valr_reliable``). SI is positive when left is larger; NaN with fewer than
        ``params.min_steps_asymmetry`` values per side (see :func:`asymmetry_table`). The CV
        is NaN for signed metrics (medial-lateral ratio, CPEI), whose mean can be near zero,
        and from fewer than :data:`MIN_CV_VALUES` values.
    """
    use = summary_steps(steps, activity)
    by_side = {s: use[use["side"] == s] for s in ("left", "right")} if len(use) else {}
    rows: dict[str, dict[str, float]] = {}
    for name in _METRICS:
        if name not in steps:
            continue
        row: dict[str, float] = {}
        for col, frame in (("left", by_side.get("left")), ("right", by_side.get("right")), ("both", use)):
            v = _values(frame, name) if frame is not None and len(frame) else np.empty(0)
            mean = float(v.mean()) if v.size else np.nan
            sd = float(v.std(ddof=1)) if v.size > 1 else np.nan
            row[col] = mean
            row[f"{col}_sd"] = sd
            cv_ok = v.size >= MIN_CV_VALUES and mean != 0 and name not in _NO_CV
            row[f"{col}_cv_pct"] = 100.0 * sd / abs(mean) if cv_ok else np.nan
        rows[name] = row
    stride = rows.get("stride_time_s", {})
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["cadence_spm"] = {
            c: _STEPS_PER_STRIDE * _SECONDS_PER_MIN / stride.get(c, np.nan) for c in ("left", "right", "both")
        }
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=SUMMARY_COLUMNS[:9])
    asym = asymmetry_table(steps, activity, params) if asymmetry is None else asymmetry
    for col, src in (
        ("symmetry_index_pct", "symmetry_index_pct"),
        ("si_ci_low_pct", "ci_low_pct"),
        ("si_ci_high_pct", "ci_high_pct"),
        ("symmetry_angle_pct", "symmetry_angle_pct"),
    ):
        table[col] = asym[src].reindex(table.index).astype(np.float64)
    table.index.name = "metric"
    return table[list(SUMMARY_COLUMNS)].astype(np.float64)


def bootstrap_si(
    left: np.ndarray, right: np.ndarray, resamples: int, seed: int = _SEED
) -> tuple[float, float, float]:
    """Symmetry index of the means and its 95 % percentile-bootstrap interval over steps.

    Steps of each side are resampled with replacement, independently (the inference is
    about this person in this session, not about people).

    Parameters
    ----------
    left, right : ndarray
        Per-step values of each side (finite).
    resamples : int
    seed : int

    Returns
    -------
    si, low, high : float
        In % (positive = left larger); NaN when undefined.
    """
    si = float(symmetry_index(np.array([left.mean()]), np.array([right.mean()]))[0])
    rng = np.random.default_rng(seed)
    ml = bootstrap_means(left, resamples, rng)
    mr = bootstrap_means(right, resamples, rng)
    boot = symmetry_index(ml, mr)
    boot = boot[np.isfinite(boot)]
    if boot.size < resamples // 2:
        return si, np.nan, np.nan
    low, high = np.percentile(boot, _CI)
    return si, float(low), float(high)


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``resamples`` bootstrap resamples of ``values`` (n,), as a (resamples,) array.

    Up to :data:`_EXACT_BOOTSTRAP_N` values the resamples are drawn (percentile bootstrap);
    above, the resampled mean is drawn from its normal limit N(mean, var / n), which the
    bootstrap distribution of a mean approaches at those sizes (central limit theorem), so
    hour-long recordings do not cost resamples x steps (docs/methods.md "Asymmetry").
    """
    n = values.size
    if n == 0:
        return np.full(resamples, np.nan)
    if n <= _EXACT_BOOTSTRAP_N:
        # drawn in blocks of at most _BOOTSTRAP_BLOCK indices: the same stream of draws (and
        # means) as one (resamples, n) array, without a multi-MB temporary per call, whose
        # fresh pages cost more than the arithmetic (tested equal in test_bootstrap_blocks)
        per = max(1, _BOOTSTRAP_BLOCK // n)
        out = np.empty(resamples)
        for a in range(0, resamples, per):
            b = min(a + per, resamples)
            out[a:b] = values[rng.integers(0, n, (b - a, n))].mean(axis=1)
        return out
    sd = values.std(ddof=0)  # the bootstrap's own variance (plug-in), as resampling would give
    return values.mean() + rng.standard_normal(resamples) * sd / np.sqrt(n)


def asymmetry_table(steps: pd.DataFrame, activity: str, params: AnalysisParams) -> pd.DataFrame:
    """Per-metric symmetry index with interval, limit, counts, flag and a plain status.

    Status is one of ``"asymmetric"`` (the whole 95 % interval beyond the metric's limit:
    the only case flagged), ``"within limit"`` (the whole interval inside it),
    ``"inconclusive"``, ``"no limit set"``, ``"not enough data"`` (fewer than
    ``params.min_steps_asymmetry`` values on a side), ``"not measured: ..."`` (enough steps,
    but the metric has no value in any: no body mass for BW metrics, no sensor areas for
    pressures, a rate too low for VILR), ``"unreliable: ..."`` (enough steps, but
    their loading rates rest on fewer than 3 samples in the 20-80 % window) or
    ``"not applicable"`` (signed or location metrics, and the metrics of the other activity:
    VALR, VILR and impact peak of a walking session, the walking force features of a running
    one). Limits: :data:`sensorkit.analysis.params.ASYMMETRY_LIMITS_PCT`
    (BW twins share their N metric's limit).

    Returns
    -------
    DataFrame
        Index: metric; columns :data:`ASYMMETRY_COLUMNS` (``n_left``/``n_right`` int64,
        ``flag`` bool, ``status`` str, the rest float64).
    """
    use = summary_steps(steps, activity)
    by_side = {k: use[use["side"] == k] for k in ("left", "right")} if len(use) else {}
    rows = {}
    for name in _METRICS:
        if name not in steps:
            continue
        limit = ASYMMETRY_LIMITS_PCT.get(_n_twin(name), np.nan)
        left = _values(by_side["left"], name) if len(use) else np.empty(0)
        right = _values(by_side["right"], name) if len(use) else np.empty(0)
        row = {
            "symmetry_index_pct": np.nan,
            "ci_low_pct": np.nan,
            "ci_high_pct": np.nan,
            "symmetry_angle_pct": np.nan,
            "limit_pct": limit,
            "n_left": int(left.size),
            "n_right": int(right.size),
            "flag": False,
        }
        if name in _NO_SI or _n_twin(name) in _OTHER_ACTIVITY.get(activity, ()):
            row["status"] = "not applicable"
        elif min(left.size, right.size) < params.min_steps_asymmetry:
            raw_l = _values(by_side["left"], name, reliable_only=False) if len(use) else left
            raw_r = _values(by_side["right"], name, reliable_only=False) if len(use) else right
            unreliable = min(raw_l.size, raw_r.size) >= params.min_steps_asymmetry
            steps_each = min(len(by_side["left"]), len(by_side["right"])) if len(use) else 0
            if unreliable:
                row["status"] = _UNRELIABLE
            elif raw_l.size == raw_r.size == 0 and steps_each >= params.min_steps_asymmetry:
                row["status"] = _not_measured(name, use, params)  # enough steps, no values at all
            else:
                row["status"] = "not enough data"
        else:
            si, lo, hi = bootstrap_si(left, right, params.bootstrap_resamples)
            row["symmetry_index_pct"], row["ci_low_pct"], row["ci_high_pct"] = si, lo, hi
            row["symmetry_angle_pct"] = float(
                symmetry_angle(np.array([left.mean()]), np.array([right.mean()]))[0]
            )
            row["status"], row["flag"] = _status(lo, hi, limit)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(ASYMMETRY_COLUMNS))
    table.index.name = "metric"
    return table.astype({"n_left": "int64", "n_right": "int64", "flag": "bool"})


def recorded_sides(summary: pd.DataFrame) -> list[str]:
    """The sides with a value in ``Analysis.summary`` (``["left"]`` for a left insole alone)."""
    return [side for side in ("left", "right") if np.isfinite(summary[side].to_numpy(np.float64)).any()]


def missing_reasons(steps: pd.DataFrame, activity: str, params: AnalysisParams, side: str) -> pd.Series:
    """Why each summary metric has no value on one side: the note of a one-insole summary.

    The reasons of :func:`asymmetry_table`, judged on ``side`` alone (whose asymmetry status
    is "not enough data" for every metric when the other insole is missing), and "not
    measured: needs both insoles" for :data:`BOTH_FEET_METRICS` without the other side's steps.

    Parameters
    ----------
    steps : DataFrame
        ``Analysis.steps``.
    activity : str
        ``Analysis.activity``.
    params : AnalysisParams
    side : {"left", "right"}

    Returns
    -------
    Series
        Index: metric (the summary's rows); the reason, or ``""`` where ``side`` has a value.
    """
    use = summary_steps(steps, activity)
    mine = use[use["side"] == side] if len(use) else use
    other_steps = int((use["side"] != side).sum()) if len(use) else 0
    out = {}
    for name in _METRICS:
        if name not in steps:
            continue
        kept = _values(mine, name) if len(mine) else np.empty(0)
        raw = _values(mine, name, reliable_only=False) if len(mine) else np.empty(0)
        if kept.size:
            out[name] = ""
        elif name in BOTH_FEET_METRICS and other_steps == 0:
            out[name] = "not measured: needs both insoles"
        elif _n_twin(name) in _OTHER_ACTIVITY.get(activity, ()):
            out[name] = "not applicable"
        elif raw.size >= params.min_steps_asymmetry:
            out[name] = _UNRELIABLE
        elif raw.size == 0 and len(mine) >= params.min_steps_asymmetry:
            out[name] = _not_measured(name, use, params)
        else:
            out[name] = "not enough data"
    return pd.Series(out, dtype=object, name="reason")


def _not_measured(name: str, use: pd.DataFrame, params: AnalysisParams) -> str:
    """Why a metric has no value in any of enough summarised steps (``use``), from what the
    steps do hold: its N twin measured (no body mass), its region's force measured (no sensor
    areas), VALR measured (a rate below VILR's minimum); else no reason is given."""

    def measured(col: str) -> bool:
        return col in use and bool(np.isfinite(use[col].to_numpy(np.float64)).any())

    n_twin = _n_twin(name)
    if n_twin != name:  # a BW metric: its N metric says why, unless only the mass is missing
        return "not measured: no body mass" if measured(n_twin) else _not_measured(n_twin, use, params)
    if name.endswith("_peak_pressure_kpa") and measured(name.replace("_peak_pressure_kpa", "_peak_force_n")):
        return "not measured: no sensor areas (force insole)"
    if name.startswith("vilr_") and measured(name.replace("vilr_", "valr_")):
        return f"not measured: below {params.vilr_min_rate_hz:g} Hz"
    return "not measured"


def asymmetry_limit_source(name: str) -> str | None:
    """Where the asymmetry limit of metric ``name`` comes from (BW twins: their N metric's).

    Returns
    -------
    str or None
        A key of ``sensorkit.recommend.evidence.CITATIONS``, ``"sensorkit"`` for a sensorkit
        choice, None for a metric without a limit.

    Examples
    --------
    >>> asymmetry_limit_source("swing_time_s"), asymmetry_limit_source("peak_force_bw")
    ('sadeghi2000', 'herzog1989')
    """
    return ASYMMETRY_LIMIT_SOURCES.get(_n_twin(name))


def _n_twin(name: str) -> str:
    for bw, n in (("_bw_s", "_n_s"), ("_BWs", "_Ns"), ("_bw", "_n")):
        if name.endswith(bw):
            return name[: -len(bw)] + n
    return name


def _status(low: float, high: float, limit: float) -> tuple[str, bool]:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not enough data", False
    if not np.isfinite(limit):
        return "no limit set", False
    if low > limit or high < -limit:
        return "asymmetric", True
    if -limit <= low and high <= limit:
        return "within limit", False
    return "inconclusive", False


def trends(steps: pd.DataFrame, activity: str, params: AnalysisParams) -> pd.DataFrame:
    """Linear change of per-step metrics over the session, with a 95 % interval (fatigue check).

    Only when the summarised steps span at least ``params.min_trend_s`` and each side has at
    least ``params.min_trend_steps`` of them; otherwise an empty table. The slope is an
    ordinary least-squares fit of value against contact time over both feet; its interval is
    a percentile bootstrap over steps (above 200 steps, the slope's normal limit from its OLS
    standard error).

    Returns
    -------
    DataFrame
        Index: metric; columns ``slope_per_min``, ``ci_low_per_min``, ``ci_high_per_min``
        (metric units per minute), ``change_pct_per_min`` (slope / mean x 100), ``n_steps``.
    """
    cols = ["slope_per_min", "ci_low_per_min", "ci_high_per_min", "change_pct_per_min", "n_steps"]
    use = summary_steps(steps, activity)
    empty = pd.DataFrame(columns=cols, dtype=np.float64).astype({"n_steps": "int64"})
    if not len(use):
        return empty
    span = float(use["t_contact_s"].max() - use["t_contact_s"].min())
    counts = use["side"].value_counts()
    if (
        span < params.min_trend_s
        or min(counts.get("left", 0), counts.get("right", 0)) < params.min_trend_steps
    ):
        return empty
    rng = np.random.default_rng(_SEED)
    rows = {}
    for name in TREND_METRICS:
        if name not in use:
            continue
        v = use[name].to_numpy(np.float64)
        ok = reliable_mask(use, name)
        if ok is not None:
            v = np.where(ok, v, np.nan)
        t = use["t_contact_s"].to_numpy(np.float64) / _SECONDS_PER_MIN
        ok = np.isfinite(v)
        if ok.sum() < params.min_trend_steps:
            continue
        t, v = t[ok], v[ok]
        slope = _ols_slope(t, v)
        if t.size <= _EXACT_BOOTSTRAP_N:
            idx = rng.integers(0, t.size, (params.bootstrap_resamples, t.size))
            boot = np.array([_ols_slope(t[i], v[i]) for i in idx])
            lo, hi = np.percentile(boot, _CI)
        else:  # many steps: the slope's normal limit (OLS standard error), as the bootstrap approaches
            tc = t - t.mean()
            resid = v - v.mean() - slope * tc
            se = float(np.sqrt(resid.var(ddof=2) / np.dot(tc, tc)))
            lo, hi = slope - _Z95 * se, slope + _Z95 * se
        rows[name] = [slope, lo, hi, 100.0 * slope / abs(v.mean()), int(t.size)]
    if not rows:
        return empty
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).astype({"n_steps": "int64"})


def _ols_slope(t: np.ndarray, v: np.ndarray) -> float:
    tc = t - t.mean()
    den = float(np.dot(tc, tc))
    return float(np.dot(tc, v - v.mean()) / den) if den > 0 else np.nan
