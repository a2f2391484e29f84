"""What a recording supports: the facts the recommender's gates read from an analysis.

Gates (docs/methods.md "Recommendation"):

* **activity** -- running advice only from running steps, walking advice only from walking
  steps (the summaries describe the main activity, ``Analysis.activity``); a recording without
  steps but with standing periods gets standing-specific text;
* **valid steps per side** -- at least ``AnalysisParams.min_steps_asymmetry`` steady-state steps
  of the main activity on each insole;
* **loading-rate reliability** -- only ``valr_reliable`` values, and at least that many of them per
  side (so a 100 Hz recording, whose impact windows hold one or two frames, gets none);
* **layout coverage** -- a foot-loading description needs midfoot and medial/lateral sensors
  (:func:`sensorkit.recommend.baseline.layout_coverage`);
* **calibration** -- a recording converted from raw counts with a nominal (never measured)
  calibration gets no statement that depends on force magnitudes or their distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.recommend.baseline import Coverage, UniformBaseline, layout_coverage, uniform_baseline
from sensorkit.recommend.conventions import MIN_RATE_HZ_LOADING

__all__ = ["Facts", "calibration_status", "gather_facts"]

_SIDES = ("left", "right")


@dataclass(frozen=True)
class Facts:
    """What the recommender knows about a recording (see the module docstring).

    Attributes
    ----------
    activity : {"running", "walking", "none"}
        Main activity of the summaries.
    steps : DataFrame
        Steady-state steps of the main activity (the summary's steps).
    n_steps : dict
        Those steps per side (``left``, ``right``).
    n_reliable_valr : dict
        Of those, steps with a reliable VALR, per side.
    other_activity_steps : dict
        Steady-state steps of other activities (not used), by activity.
    min_steps : int
        Steps needed per side.
    rate_hz : float
    body_mass_kg : float or None
    layout : SensorLayout or None
        None when the analysis' layout is not built in and no recording was given.
    coverage : Coverage or None
    baseline : UniformBaseline or None
    calibrated : bool or None
        False: raw counts converted with a nominal calibration; None: unknown.
    calibration_note : str
    standing : DataFrame or None
        Standing periods (``Analysis.standing``).
    cadence_spm : float
    sides : tuple of str
        The sides the recording has an insole for (``Analysis.baseline_n``).
    """

    activity: str
    steps: pd.DataFrame
    n_steps: dict
    n_reliable_valr: dict
    other_activity_steps: dict
    min_steps: int
    rate_hz: float
    body_mass_kg: float | None
    layout: SensorLayout | None
    coverage: Coverage | None
    baseline: UniformBaseline | None
    calibrated: bool | None
    calibration_note: str
    standing: pd.DataFrame | None
    cadence_spm: float
    sides: tuple[str, ...] = _SIDES

    def steps_short(self) -> str | None:
        """Why there are too few steps per side (None when there are enough)."""
        short = [f"{s} {self.n_steps.get(s, 0)}" for s in _SIDES if self.n_steps.get(s, 0) < self.min_steps]
        if not short:
            return None
        recorded = self.sides
        if len(recorded) == 1:  # "right 0 steps" read as if the right foot had been recorded
            return (
                f"only the {recorded[0]} insole was recorded; this needs at least {self.min_steps} "
                "steady-state steps of each foot"
            )
        what = f"{self.activity} " if self.activity in ("running", "walking") else ""
        return (
            f"not enough steps: {', '.join(short)} steady-state {what}steps; at least "
            f"{self.min_steps} per side are needed"
        )

    def valr_short(self) -> str | None:
        """Why loading rates cannot be used (None when they can)."""
        short = [s for s in _SIDES if self.n_reliable_valr.get(s, 0) < self.min_steps]
        if not short:
            return None
        total = sum(self.n_steps.get(s, 0) for s in _SIDES)
        good = sum(self.n_reliable_valr.get(s, 0) for s in _SIDES)
        rate = f"{self.rate_hz:g} Hz" if math.isfinite(self.rate_hz) else "an unknown rate"
        slow = self.rate_hz < MIN_RATE_HZ_LOADING if math.isfinite(self.rate_hz) else False
        why = f"{rate} is too slow for loading rate" if slow else "too few reliable loading rates"
        return (
            f"{why}: {good} of {total} steps had a reliable VALR (at least 3 samples in the 20-80 % "
            f"window); at least {self.min_steps} per side are needed"
        )


def calibration_status(recording: Any) -> tuple[bool | None, str]:
    """Whether a recording's values come from a measured calibration.

    A recording converted from raw counts carries ``metadata["calibration"]``. A calibration
    whose offsets are all zero and gains all 1 is the nominal one (``Calibration.nominal()``):
    the sensors' response curves as published, never checked on this insole; one whose
    procedure did not pass is no better. Recordings without that entry hold N or kPa as their
    file gives them: calibrated by the device or its software (F-Scan files are calibrated by
    the user in Tekscan's software, Moticon's by the maker), not by sensorkit.

    Returns
    -------
    calibrated : bool or None
        None when no recording was given.
    note : str
    """
    if recording is None:
        return None, "calibration unknown (no recording given): assumed to be in calibrated units"
    cal = (getattr(recording, "metadata", {}) or {}).get("calibration")
    if not cal:
        # the file's own unit may differ (Moticon exports N/cm², read as kPa): say what is known
        return (
            True,
            f"values in {getattr(recording, 'units', 'N')} as the file gives them (calibrated by the device or "
            "its software, not by sensorkit)",
        )
    sides = cal.get("sides", {}) if isinstance(cal, dict) else {}
    procedure = cal.get("procedure", {}) if isinstance(cal, dict) else {}
    if procedure.get("passed") is False:
        return False, "the calibration procedure did not pass its checks"
    nominal = bool(sides) and all(
        not np.any(np.asarray(s.get("offset_counts", [0.0]), dtype=np.float64))
        and float(s.get("gain", 1.0)) == 1.0
        for s in sides.values()
    )
    if nominal:
        return (
            False,
            "raw counts converted with the nominal calibration (zero offsets, unit gain): uncalibrated",
        )
    assumed = sorted(
        {name for s in sides.values() if (name := _builtin_curves(s.get("response"))) is not None}
    )
    if assumed:  # offsets and gains measured; the curves' shape assumed (a maker's peaks read 45 % high)
        return True, (
            "raw counts converted with a measured calibration (zero-load offsets and one gain per insole) through "
            f"the built-in response curves '{', '.join(assumed)}', not measured on these sensors: forces "
            "away from body weight (peaks, loading rates) are only as right as those curves"
        )
    return True, "raw counts converted with a measured calibration"


def _builtin_curves(response: Any) -> str | None:
    """The name of the built-in response curves a calibration's ``response`` entry is, or None:
    same name and same model numbers (a file of measured curves that kept the name is not)."""
    if not isinstance(response, dict):
        return None
    from sensorkit.calibrate.response import builtin_responses, load_response

    name = response.get("name")
    if name not in builtin_responses():
        return None
    return name if load_response(name).to_dict().get("model") == response.get("model") else None


def _layout(analysis: Any, recording: Any) -> SensorLayout | None:
    if recording is not None and getattr(recording, "layout", None) is not None:
        return recording.layout
    name = (getattr(analysis, "source", {}) or {}).get("layout")
    if name and name in builtin_layouts():
        return load_layout(str(name))
    return None


def gather_facts(analysis: Any, recording: Any = None) -> Facts:
    """The :class:`Facts` of an :class:`~sensorkit.Analysis` (and its recording, when given)."""
    steps: pd.DataFrame = analysis.steps
    activity = analysis.activity
    if len(steps):
        steady = steps["steady_state"].to_numpy(bool)
        main = steps[steady & (steps["activity"] == activity).to_numpy()]
        others = steps[steady & (steps["activity"] != activity).to_numpy()]
        other_counts = {str(k): int(v) for k, v in others["activity"].value_counts().items() if str(k)}
    else:
        main, other_counts = steps, {}
    n_steps = {s: int((main["side"] == s).sum()) if len(main) else 0 for s in _SIDES}
    if len(main) and "valr_reliable" in main:
        rel = main[main["valr_reliable"].to_numpy(bool)]
        n_rel = {s: int((rel["side"] == s).sum()) for s in _SIDES}
    else:
        n_rel = dict.fromkeys(_SIDES, 0)
    layout = _layout(analysis, recording)
    calibrated, note = calibration_status(recording)
    params = getattr(analysis, "params", None)
    return Facts(
        activity=activity,
        steps=main,
        n_steps=n_steps,
        n_reliable_valr=n_rel,
        other_activity_steps=other_counts,
        min_steps=int(getattr(params, "min_steps_asymmetry", 5)),
        rate_hz=float((getattr(analysis, "source", {}) or {}).get("rate_hz", math.nan)),
        body_mass_kg=analysis.body_mass_kg,
        layout=layout,
        coverage=None if layout is None else layout_coverage(layout),
        baseline=None if layout is None else uniform_baseline(layout),
        calibrated=calibrated,
        calibration_note=note,
        standing=getattr(analysis, "standing", None),
        cadence_spm=float(analysis.cadence_spm),
        sides=tuple(
            s for s in _SIDES if s in (getattr(analysis, "baseline_n", None) or dict.fromkeys(_SIDES))
        ),
    )
