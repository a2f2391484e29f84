"""What the report figures draw, computed from an Analysis (and a Recording): plain numpy.

Kept apart from the drawing so each number can be tested on its own: per-step force
curves aligned at contact, the VALR windows the analysis measured, per-step COP paths and
their mean, and the per-sensor peak map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensorkit import kernels as K
from sensorkit.analysis.params import G_M_S2
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.summary import summary_steps
from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording, missing_time_s  # (re-exported: the report's figures use it)

__all__ = [
    "SensorPeaks",
    "StepCurves",
    "cop_step_paths",
    "flagged_metric_names",
    "force_scale",
    "layouts_for",
    "mean_cop_path",
    "missing_time_s",
    "sensor_peaks",
    "sides_of",
    "steady_steps",
    "step_curves",
    "valr_windows_s",
]


def sides_of(analysis: Analysis) -> tuple[str, ...]:
    """Sides that were analysed, left first."""
    return tuple(s for s in ("left", "right") if s in analysis.baseline_n)


def flagged_metric_names(analysis: Analysis) -> list[str]:
    """Columns of the metrics flagged asymmetric, in the analysis' force unit only (not their
    N/BW twins), in the asymmetry table's order: what the report's figures and the command
    line name as asymmetric."""
    other = ("_n", "_n_s", "_Ns") if analysis.force_units == "BW" else ("_bw", "_bw_s", "_BWs")
    asym = analysis.asymmetry
    return [m for m in asym.index[asym["flag"].to_numpy(bool)] if not m.endswith(other)]


def force_scale(analysis: Analysis) -> tuple[float, str]:
    """Factor from N to the analysis force unit, and that unit (``"BW"`` or ``"N"``).

    Examples
    --------
    >>> import sensorkit as sk
    >>> force_scale(sk.analyze(sk.simulate(duration_s=3, body_mass_kg=70)))[1]
    'BW'
    """
    if analysis.body_mass_kg is None:
        return 1.0, "N"
    return 1.0 / (analysis.body_mass_kg * G_M_S2), "BW"


def steady_steps(analysis: Analysis, side: str | None = None) -> pd.DataFrame:
    """Steps that count in the summary (:func:`sensorkit.analysis.summary.summary_steps`: the
    steady-state steps of the main activity), of ``side`` when given."""
    return summary_steps(analysis.steps, analysis.activity, side)


def layouts_for(
    analysis: Analysis, recording: Recording | None = None, layout: SensorLayout | str | None = None
) -> dict[str, SensorLayout]:
    """Layout of each analysed side: from ``layout``, else ``recording``, else the analysis source name.

    Raises
    ------
    ValueError
        When no layout can be found (give ``layout=`` or the recording).
    """
    if recording is not None and layout is None:
        return {s: recording.layout_for(s) for s in sides_of(analysis)}
    if layout is None:
        layout = analysis.source.get("layout")
    if layout is None:
        raise ValueError("no sensor layout to draw on: pass layout= or the recording")
    if isinstance(layout, str):
        layout = load_layout(layout)
    return {s: layout.for_side(s) for s in sides_of(analysis)}


def _side_frames(analysis: Analysis, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # the arrays themselves: building the per-frame DataFrame of an 8-hour session took 5 s
    return analysis.cop_arrays_of(side)


def _stance_bounds(time_s: np.ndarray, steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Frame ranges [i0, i1) of the steps' stances on ``time_s``."""
    i0 = np.searchsorted(time_s, steps["t_contact_s"].to_numpy(), side="left")
    i1 = np.searchsorted(time_s, steps["t_toe_off_s"].to_numpy(), side="left")
    return i0, np.maximum(i1, i0 + 1)


def _spread(n: int, k: int) -> np.ndarray:
    """At most ``k`` indices spread evenly over range(n)."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


@dataclass
class StepCurves:
    """Per-step total-force curves of one side, aligned at contact.

    Attributes
    ----------
    t_s : list of ndarray
        Time since contact (s) of each drawn step, starting one frame before contact.
    force : list of ndarray
        Total force in :attr:`unit` of each drawn step.
    steps : DataFrame
        The steps drawn (rows of ``analysis.steps``).
    n_total : int
        Steady-state steps of that side (``len(steps)`` is smaller when thinned).
    unit : str
        ``"BW"`` or ``"N"``.
    """

    t_s: list[np.ndarray]
    force: list[np.ndarray]
    steps: pd.DataFrame
    n_total: int
    unit: str

    def mean(self, grid_s: np.ndarray, min_fraction: float = 0.5) -> np.ndarray:
        """Mean curve on ``grid_s`` (s since contact); NaN where fewer than ``min_fraction`` of steps last."""
        if not self.t_s:
            return np.full(grid_s.shape, np.nan)
        stack = np.full((len(self.t_s), grid_s.shape[0]), np.nan)
        for k, (t, f) in enumerate(zip(self.t_s, self.force, strict=True)):
            inside = (grid_s >= t[0]) & (grid_s <= t[-1])
            stack[k, inside] = np.interp(grid_s[inside], t, f)
        count = np.sum(np.isfinite(stack), axis=0)
        out = np.full(grid_s.shape, np.nan)
        ok = count >= max(1, int(np.ceil(min_fraction * len(self.t_s))))
        out[ok] = np.nanmean(stack[:, ok], axis=0)
        return out


def step_curves(analysis: Analysis, side: str, max_steps: int = 300) -> StepCurves:
    """Total-force curve of each steady-state step of ``side``, from the frame before contact to toe-off.

    Parameters
    ----------
    analysis : Analysis
    side : {"left", "right"}
    max_steps : int
        Draw at most this many steps, spread evenly over the session.

    Examples
    --------
    >>> import sensorkit as sk
    >>> c = step_curves(sk.analyze(sk.simulate(duration_s=5, seed=1)), "left")
    >>> c.unit, float(c.t_s[0][1])
    ('BW', 0.0)
    """
    scale, unit = force_scale(analysis)
    steps = steady_steps(analysis, side)
    n_total = len(steps)
    steps = steps.iloc[_spread(n_total, max_steps)]
    t, _, _, f = _side_frames(analysis, side)
    i0, i1 = _stance_bounds(t, steps)
    ts, fs = [], []
    for a, b, tc in zip(i0, i1, steps["t_contact_s"].to_numpy(), strict=True):
        a = max(int(a) - 1, 0)
        seg_t = t[a : int(b) + 1] - tc
        seg_f = f[a : int(b) + 1].astype(np.float64) * scale
        ok = np.isfinite(seg_f)
        ts.append(seg_t[ok])
        fs.append(seg_f[ok])
    return StepCurves(ts, fs, steps, n_total, unit)


def valr_windows_s(steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (s since contact) of the window each step's VALR was measured over.

    Read from the steps table (``valr_window_start_s``/``valr_window_end_s``, host times the
    loading-rate kernel measured), never re-derived, so the drawn window is the analysis'
    window. NaN for steps without a loading rate.

    Parameters
    ----------
    steps : DataFrame
        Rows of ``analysis.steps``.

    Returns
    -------
    (ndarray, ndarray)
        Shape (n,) each, seconds since the step's initial contact.

    Examples
    --------
    >>> df = pd.DataFrame({"t_contact_s": [1.0], "valr_window_start_s": [1.02], "valr_window_end_s": [1.05]})
    >>> [np.round(a, 3).tolist() for a in valr_windows_s(df)]
    [[0.02], [0.05]]
    """
    if not len(steps) or "valr_window_start_s" not in steps:
        return np.full(len(steps), np.nan), np.full(len(steps), np.nan)
    tc = steps["t_contact_s"].to_numpy(np.float64)
    return (
        steps["valr_window_start_s"].to_numpy(np.float64) - tc,
        steps["valr_window_end_s"].to_numpy(np.float64) - tc,
    )


def cop_step_paths(
    analysis: Analysis, side: str, max_steps: int = 300
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Anatomical COP path (x_mm positive medial, y_mm) of each steady-state step of ``side``.

    Frames where the COP is undefined (force under threshold) are dropped; at most
    ``max_steps`` steps, spread over the session.
    """
    steps = steady_steps(analysis, side)
    steps = steps.iloc[_spread(len(steps), max_steps)]
    t, x, y, _ = _side_frames(analysis, side)
    i0, i1 = _stance_bounds(t, steps)
    paths = []
    for a, b in zip(i0, i1, strict=True):
        px, py = x[int(a) : int(b)], y[int(a) : int(b)]
        ok = np.isfinite(px) & np.isfinite(py)
        if ok.sum() >= 2:
            paths.append((px[ok].astype(np.float64), py[ok].astype(np.float64)))
    return paths


def mean_cop_path(
    paths: list[tuple[np.ndarray, np.ndarray]], n_points: int = 101
) -> tuple[np.ndarray, np.ndarray]:
    """Mean COP path: each path resampled to ``n_points`` over its stance (0-100 %), then averaged.

    Examples
    --------
    >>> p = [(np.array([0.0, 2.0]), np.array([0.0, 10.0])), (np.array([2.0, 4.0]), np.array([0.0, 20.0]))]
    >>> x, y = mean_cop_path(p, 3)
    >>> x.tolist(), y.tolist()
    ([1.0, 2.0, 3.0], [0.0, 7.5, 15.0])
    """
    if not paths:
        return np.array([]), np.array([])
    u = np.linspace(0.0, 1.0, n_points)
    xs = np.empty((len(paths), n_points))
    ys = np.empty((len(paths), n_points))
    for k, (px, py) in enumerate(paths):
        s = np.linspace(0.0, 1.0, px.shape[0])
        xs[k] = np.interp(u, s, px)
        ys[k] = np.interp(u, s, py)
    return xs.mean(axis=0), ys.mean(axis=0)


@dataclass
class SensorPeaks:
    """Typical per-step peak of each sensor of one insole.

    Attributes
    ----------
    values : ndarray (S,)
        Mean over steady-state steps of each sensor's peak in the step (baseline removed), or
        the session maximum when there are no steady-state steps.
    quantity : str
        ``"pressure"`` (kPa, pressure-sensing insoles) or ``"force"`` (N, force-sensing
        insoles: see :attr:`sensorkit.SensorLayout.measures_pressure`).
    unit : str
        ``"kPa"`` or ``"N"``.
    n_steps : int
        Steps averaged (0 means session maximum).
    """

    values: np.ndarray
    quantity: str
    unit: str
    n_steps: int


def sensor_peaks(recording: Recording, analysis: Analysis, side: str) -> SensorPeaks:
    """Mean per-step peak pressure of each sensor (pressure insoles), or peak force (force insoles).

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=5, seed=1)
    >>> p = sensor_peaks(rec, sk.analyze(rec), "left")
    >>> p.quantity, p.unit, p.values.shape
    ('force', 'N', (16,))
    """
    layout = recording.layout_for(side)
    forces = recording.forces_n(side)  # (n, S) N, the stored array when units are N
    baseline = np.asarray(analysis.baseline_n.get(side, np.zeros(layout.n_sensors)), dtype=np.float64)
    steps = steady_steps(analysis, side)
    if len(steps):
        i0, i1 = _stance_bounds(recording.time, steps)
        stop = np.minimum(i1, recording.n_frames - 1)
        # each stance's frames only, [a, stop) or frame a alone when that is empty (a Numba
        # kernel: one np.fmax.reduce per step took 0.59 s for the 2 x 82 000 steps of 8 h)
        peaks = K.sensor_peaks(forces, i0.astype(np.int64), stop.astype(np.int64))
        peak_n = np.nanmean(peaks, axis=0) - baseline
        n_steps = len(steps)
    else:
        peak_n = np.nanmax(forces, axis=0).astype(np.float64) - baseline
        n_steps = 0
    peak_n = np.maximum(peak_n, 0.0) + 0.0  # (+ 0.0: a zero peak reads 0, never -0)
    if layout.measures_pressure:
        return SensorPeaks(peak_n / layout.area_mm2 * 1e3, "pressure", "kPa", n_steps)
    return SensorPeaks(peak_n, "force", "N", n_steps)
