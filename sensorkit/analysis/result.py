"""The :class:`Analysis` result object."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.analysis.params import AnalysisParams

__all__ = ["Analysis"]


class Analysis:
    """Result of :func:`sensorkit.analyze`: steps, COP, summary, gaps and the parameters used.

    Attributes
    ----------
    steps : DataFrame
        One row per stance phase (both sides, sorted by contact time). Force columns are in
        body weights (``peak_force_bw``, ``valr_bw_s`` ...) when body mass is known, in
        newtons (``peak_force_n``, ``valr_n_s`` ...) otherwise; ``steps.attrs["force_units"]``
        says which. ``touches_gap`` / ``truncated`` steps are listed but left out of
        :attr:`summary`.
    summary : DataFrame
        Per-side means, cadence, symmetry index / angle and asymmetry flags (see
        :func:`sensorkit.analysis.summary.summarize`).
    gaps : DataFrame
        The recording's missing-data intervals.
    params : AnalysisParams
        Parameters that produced these results.
    body_mass_kg : float or None
        Body mass used for BW units; None when unknown.
    baseline_n : dict
        Per-sensor offset (N) removed per side.
    thresholds_n : dict
        ``{"on": ..., "off": ...}`` contact thresholds in N actually used.
    """

    def __init__(
        self,
        *,
        steps: pd.DataFrame,
        summary: pd.DataFrame,
        gaps: pd.DataFrame,
        params: AnalysisParams,
        body_mass_kg: float | None,
        baseline_n: dict[str, np.ndarray],
        thresholds_n: dict[str, float],
        cop_arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        source: dict[str, Any] | None = None,
    ) -> None:
        self.steps = steps
        self.summary = summary
        self.gaps = gaps
        self.params = params
        self.body_mass_kg = body_mass_kg
        self.baseline_n = baseline_n
        self.thresholds_n = thresholds_n
        self.source = dict(source or {})
        self._cop_arrays = cop_arrays

    @property
    def force_units(self) -> str:
        """``"BW"`` when body mass is known, else ``"N"``."""
        return "BW" if self.body_mass_kg is not None else "N"

    @property
    def cadence_spm(self) -> float:
        """Cadence in steps per minute (both feet)."""
        return (
            float(self.summary.loc["cadence_spm", "both"])
            if "cadence_spm" in self.summary.index
            else math.nan
        )

    @cached_property
    def cop(self) -> pd.DataFrame:
        """Per-frame COP of both sides: time_s, side, x_mm, y_mm, force_n (built on first access).

        ``x_mm``/``y_mm`` are NaN where the force is below the contact threshold (METHODS.md);
        ``force_n`` is the baseline-corrected total force.
        """
        parts = []
        for side, (t, x, y, f) in self._cop_arrays.items():
            parts.append(
                pd.DataFrame(
                    {
                        "time_s": t,
                        "side": pd.Categorical.from_codes(
                            np.full(t.shape[0], 0 if side == "left" else 1, dtype=np.int8),
                            categories=["left", "right"],
                        ),
                        "x_mm": x,
                        "y_mm": y,
                        "force_n": f,
                    }
                )
            )
        if not parts:
            return pd.DataFrame(columns=["time_s", "side", "x_mm", "y_mm", "force_n"])
        return pd.concat(parts, ignore_index=True)

    def plot_cop(self, layout=None):
        """COP paths of every step over the insole outlines, seen from above.

        Parameters
        ----------
        layout : SensorLayout, optional
            Layout to draw (default: the analysed recording's built-in layout).

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> sk.analyze(sk.simulate(duration_s=10)).plot_cop()  # doctest: +SKIP
        """
        from sensorkit.report.figures import plot_cop

        return plot_cop(self, layout=layout)

    def plot_forces(self):
        """Vertical force of every step (BW or N) aligned at contact, VALR window shaded.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from sensorkit.report.figures import plot_forces

        return plot_forces(self)

    def plot_summary(self):
        """Left vs right means with symmetry indices (%), flagged metrics marked.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from sensorkit.report.figures import plot_summary

        return plot_summary(self)

    def to_dataframe(self) -> pd.DataFrame:
        """The steps table (a copy), with units and parameters in ``attrs``."""
        df = self.steps.copy()
        df.attrs.update(self.steps.attrs)
        return df

    def to_dict(self) -> dict:
        """JSON-ready result: parameters, summary, steps and gaps (NaN becomes None)."""
        summary = {
            metric: {k: _jsonable(v) for k, v in row.items()}
            for metric, row in self.summary.to_dict(orient="index").items()
        }
        return {
            "schema": "sensorkit.analysis/1",
            "force_units": self.force_units,
            "body_mass_kg": self.body_mass_kg,
            "symmetry_index_sign": "positive = left larger (Robinson 1987, (L - R) / mean)",
            "params": self.params.to_dict(),
            "thresholds_n": {k: float(v) for k, v in self.thresholds_n.items()},
            "baseline_n": {k: [float(x) for x in v] for k, v in self.baseline_n.items()},
            "source": {k: _jsonable(v) for k, v in self.source.items()},
            "summary": summary,
            "steps": [{k: _jsonable(v) for k, v in r.items()} for r in self.steps.to_dict(orient="records")],
            "gaps": [{k: _jsonable(v) for k, v in r.items()} for r in self.gaps.to_dict(orient="records")],
        }

    def __repr__(self) -> str:
        counts = self.steps["side"].value_counts() if len(self.steps) else {}
        mass = "unknown" if self.body_mass_kg is None else f"{self.body_mass_kg:g} kg"
        return (
            f"<Analysis {len(self.steps)} steps (left {int(counts.get('left', 0))}, "
            f"right {int(counts.get('right', 0))}), cadence {self.cadence_spm:.1f} spm, "
            f"body mass {mass}, forces in {self.force_units}, gaps={len(self.gaps)}>"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
