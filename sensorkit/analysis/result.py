"""The :class:`Analysis` result object."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.analysis.params import AnalysisParams
from sensorkit.jsonable import to_jsonable as _jsonable  # the one JSON conversion

__all__ = ["Analysis"]


class Analysis:
    """Result of :func:`sensorkit.analyze`: steps, COP, summary, gaps and the parameters used.

    Attributes
    ----------
    steps : DataFrame
        One row per stance (both sides, sorted by contact time), columns
        :data:`sensorkit.analysis.selection.STEP_COLUMNS` whether or not a body mass is
        known: force columns in N (``peak_force_n``, ``valr_n_s`` in N/s, ``impulse_Ns`` in
        N s) are always filled, their BW twins (``peak_force_bw``, ``valr_bw_s``,
        ``impulse_BWs``) are NaN without a mass. Every stance stays listed: ``valid`` says
        whether it is a step, ``steady_state`` whether it enters the summaries, and
        ``exclude_reason`` why not (docs/methods.md "Steps table").
    summary : DataFrame
        Per-side mean, SD and CV of the steady-state steps of the main activity, cadence,
        symmetry index with its bootstrap interval and symmetry angle (all float64; see
        :func:`sensorkit.analysis.summary.summarize`).
    asymmetry : DataFrame
        Per-metric symmetry index, interval, limit, counts, flag and status
        (:func:`sensorkit.analysis.summary.asymmetry_table`).
    trends : DataFrame
        Change over the session with intervals (fatigue check); empty when the session is too
        short (:func:`sensorkit.analysis.summary.trends`).
    standing : DataFrame or None
        Standing periods with the weight-bearing share per side (two insoles only).
    pressure : DataFrame or None
        For pressure insoles with anatomical masks (F-Scan, pedar, Moticon): per valid step
        (``step`` = row of :attr:`steps`) and mask, peak pressure (kPa), pressure-time integral
        (kPa s) and contact area (mm^2) of the pressures corrected with :attr:`baseline_n`
        (:mod:`sensorkit.analysis.pressure`); None otherwise.
    info : TrialInfo
        Main activity, the trial's loading-rate method, typical stance peak.
    selection : dict
        The analysed window and the steps the user excluded.
    gaps : DataFrame
        The recording's missing-data intervals.
    params : AnalysisParams
        Parameters that produced these results.
    body_mass_kg : float or None
        Body mass used for BW units; None when unknown.
    baseline_n : dict
        Per-sensor offset (N) removed per side.
    thresholds_n : dict
        ``{side: {"on": ..., "off": ...}}`` contact thresholds in N actually used.
    """

    def __init__(
        self,
        *,
        steps: pd.DataFrame,
        summary: pd.DataFrame,
        asymmetry: pd.DataFrame,
        trends: pd.DataFrame,
        standing: pd.DataFrame | None,
        gaps: pd.DataFrame,
        pressure: pd.DataFrame | None = None,
        params: AnalysisParams,
        body_mass_kg: float | None,
        baseline_n: dict[str, np.ndarray],
        thresholds_n: dict[str, dict[str, float]],
        cop_arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        info: Any = None,
        selection: dict[str, Any] | None = None,
        source: dict[str, Any] | None = None,
    ) -> None:
        self.steps = steps
        self.summary = summary
        self.asymmetry = asymmetry
        self.trends = trends
        self.standing = standing
        self.pressure = pressure
        self.info = info
        self.selection = dict(selection or {})
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
    def activity(self) -> str:
        """Main activity of the summaries: ``"walking"``, ``"running"`` or ``"none"``."""
        return getattr(self.info, "activity", "none")

    @property
    def counts(self) -> pd.DataFrame:
        """Stances, valid steps, steady-state steps and exclusions per side (int64).

        Index ``left``, ``right``, ``both``; columns ``n_stances``, ``n_valid``,
        ``n_steady_state``, ``n_excluded``.
        """
        st = self.steps
        rows = {}
        for key in ("left", "right", "both"):
            part = st if key == "both" else st[st["side"] == key]
            rows[key] = {
                "n_stances": len(part),
                "n_valid": int(part["valid"].sum()),
                "n_steady_state": int(part["steady_state"].sum()),
                "n_excluded": int((~part["steady_state"]).sum()),
            }
        return pd.DataFrame.from_dict(rows, orient="index").astype("int64")

    @property
    def cadence_spm(self) -> float:
        """Cadence in steps per minute: 2 x 60 / mean steady-state stride time (s).

        Over both feet; with one insole, from that foot's strides (see :attr:`cadence_basis`).
        """
        return (
            float(self.summary.loc["cadence_spm", "both"])
            if "cadence_spm" in self.summary.index
            else math.nan
        )

    @property
    def cadence_basis(self) -> str:
        """What :attr:`cadence_spm` is computed from, for labels: ``"both feet"``, or
        ``"left foot's strides only"`` when the steady-state steps are of one foot."""
        from sensorkit.analysis.summary import summary_steps

        use = summary_steps(self.steps, self.activity)  # the steps the cadence is computed from
        sides = sorted(set(use["side"])) if len(use) else []
        return f"{sides[0]} foot's strides only" if len(sides) == 1 else "both feet"

    @cached_property
    def cop(self) -> pd.DataFrame:
        """Per-frame COP of both sides: time_s, side, x_mm, y_mm, force_n (built on first access).

        ``x_mm``/``y_mm`` are NaN where the force is below the contact threshold (docs/methods.md);
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

    def cop_arrays_of(self, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-frame COP of one side as the arrays :attr:`cop` is built from (no copy).

        Returns
        -------
        time_s : ndarray (n,) float64
        x_mm, y_mm, force_n : ndarray (n,) float32
            As in :attr:`cop` (COP NaN below the contact threshold). Empty when the side is absent.
        """
        if side not in self._cop_arrays:
            empty = np.zeros(0, dtype=np.float32)
            return np.zeros(0), empty, empty, empty
        return self._cop_arrays[side]

    def plot_cop(self, layout=None):
        """COP paths of every step over the insole outlines, seen from above.

        Parameters
        ----------
        layout : SensorLayout, optional
            Layout to draw (default: the analysed recording's built-in layout).

        Returns
        -------
        matplotlib.figure.Figure
        Not registered with pyplot (no global state, no GUI backend needed): save it with
        ``fig.savefig("forces.png")``; ``plt.savefig`` would save pyplot's own current
        figure. In a notebook the returned figure shows itself.

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
        Not registered with pyplot (no global state, no GUI backend needed): save it with
        ``fig.savefig("forces.png")``; ``plt.savefig`` would save pyplot's own current
        figure. In a notebook the returned figure shows itself.
        """
        from sensorkit.report.figures import plot_forces

        return plot_forces(self)

    def plot_summary(self):
        """Left vs right means with symmetry indices (%), flagged metrics marked.

        Returns
        -------
        matplotlib.figure.Figure
        Not registered with pyplot (no global state, no GUI backend needed): save it with
        ``fig.savefig("forces.png")``; ``plt.savefig`` would save pyplot's own current
        figure. In a notebook the returned figure shows itself.
        """
        from sensorkit.report.figures import plot_summary

        return plot_summary(self)

    def to_dataframe(self) -> pd.DataFrame:
        """The steps table (a copy), with units and parameters in ``attrs``."""
        df = self.steps.copy()
        df.attrs.update(self.steps.attrs)
        return df

    def to_dict(self) -> dict:
        """JSON-ready result: parameters, summary, steps, per-mask pressures and gaps (NaN becomes None).

        ``pressure`` holds the rows of :attr:`pressure` (peak pressure in kPa, pressure-time
        integral in kPa s, contact area in mm^2 per valid step and mask), or None when the
        insole has no pressure sensors with anatomical masks.
        """
        summary = {
            metric: {k: _jsonable(v) for k, v in row.items()}
            for metric, row in self.summary.to_dict(orient="index").items()
        }
        return {
            "schema": "sensorkit.analysis/2",
            "force_units": self.force_units,
            "body_mass_kg": self.body_mass_kg,
            "activity": self.activity,
            "loading_rate_method": getattr(self.info, "loading_rate_method", "none"),
            "symmetry_index_sign": "positive = left larger: (L - R) / mean(L, R); SA signed like SI",
            "params": self.params.to_dict(),
            "selection": {k: _jsonable(v) for k, v in self.selection.items()},
            "thresholds_n": {s: {k: float(v) for k, v in d.items()} for s, d in self.thresholds_n.items()},
            "baseline_n": {k: [float(x) for x in v] for k, v in self.baseline_n.items()},
            "source": {k: _jsonable(v) for k, v in self.source.items()},
            "summary": summary,
            "asymmetry": {
                m: {k: _jsonable(v) for k, v in row.items()}
                for m, row in self.asymmetry.to_dict(orient="index").items()
            },
            "trends": {
                m: {k: _jsonable(v) for k, v in row.items()}
                for m, row in self.trends.to_dict(orient="index").items()
            },
            "standing": []
            if self.standing is None
            else [{k: _jsonable(v) for k, v in r.items()} for r in self.standing.to_dict(orient="records")],
            "steps": [{k: _jsonable(v) for k, v in r.items()} for r in self.steps.to_dict(orient="records")],
            "pressure": None
            if self.pressure is None
            else [{k: _jsonable(v) for k, v in r.items()} for r in self.pressure.to_dict(orient="records")],
            "gaps": [{k: _jsonable(v) for k, v in r.items()} for r in self.gaps.to_dict(orient="records")],
        }

    def __repr__(self) -> str:
        c = self.counts
        mass = "unknown" if self.body_mass_kg is None else f"{self.body_mass_kg:g} kg"
        return (
            f"<Analysis {self.activity}, {c.loc['both', 'n_valid']} valid steps of {len(self.steps)} stances "
            f"(left {c.loc['left', 'n_valid']}, right {c.loc['right', 'n_valid']}; "
            f"{c.loc['both', 'n_steady_state']} steady state), "
            f"cadence {self.cadence_spm:.1f} spm, "
            f"body mass {mass}, forces in {self.force_units}, gaps={len(self.gaps)}>"
        )
