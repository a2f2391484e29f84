"""Arch type, pronation tendency and impact category from an analysis, with the findings behind each.

Arch type (high / normal / flat)
    From the footprint arch index when the input measures contact area (Cavanagh & Rodgers
    1987: <= 0.21 high, >= 0.26 flat), otherwise from the sparse-insole arch indicator (midfoot
    share of the force-time integral without toes, docs/methods.md) with cut-points calibrated on
    simulated cohorts *per strike pattern*. The strike pattern is a covariate because the
    midfoot share depends on where the COP travels, not only on the arch: a forefoot striker's
    COP never rolls over the heel and midfoot, so their midfoot share is about half a rearfoot
    striker's on the same foot (simulated medians 0.16 vs 0.41 for a normal foot). One pooled
    cut-point would call most forefoot strikers high-arched; the cohort script reports the
    pooled-threshold accuracy next to the per-strike one.
Pronation tendency (supinated / neutral / pronated)
    A vote of three indicators, each with per-strike calibrated cut-points: the medial-lateral
    ratio (primary; breaks ties), the mid-stance COP medial shift (% of foot width) and CPEI
    (Song et al. 1996; a sparse-insole approximation, lower = more pronated). Indicators the
    calibration found unusable for a strike pattern do not vote. Opposite votes (one says
    pronated, another supinated) give "inconclusive" rather than a guess.
Impact category (high / typical)
    Median VALR against Davis et al. 2016 (> 66 BW/s); needs body weight units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sensorkit.analysis.params import G_M_S2
from sensorkit.recommend.features import Indicators, SideIndicators, extract_indicators
from sensorkit.recommend.findings import Finding
from sensorkit.recommend.thresholds import Cutpoints, Thresholds, load_thresholds

__all__ = ["Call", "Classification", "SideClassification", "classify"]

#: Pronation indicators in vote order (the first breaks ties).
PRONATION_INDICATORS = ("ml_ratio", "midstance_cop_x_pct", "cpei_pct")
_UNITS = {
    "arch_indicator": "",
    "arch_index": "",
    "ml_ratio": "",
    "midstance_cop_x_pct": "% foot width",
    "cpei_pct": "% foot width",
}
_LABELS = {
    "arch_indicator": "midfoot load share (arch indicator)",
    "arch_index": "arch index (footprint area)",
    "ml_ratio": "medial-lateral ratio",
    "midstance_cop_x_pct": "mid-stance COP medial shift",
    "cpei_pct": "CPEI (sparse-insole approximation)",
}
_OPPOSITE = {"supinated": "pronated", "pronated": "supinated"}


@dataclass(frozen=True)
class Call:
    """One classification with its evidence.

    Attributes
    ----------
    label : str
        The class ("flat", "neutral", "high" ...), "unknown" without data, "inconclusive"
        when indicators contradict each other.
    severe : bool
        The deciding indicator lies beyond the severe cut-point of its class.
    findings : tuple of Finding
        The values and thresholds that decided it.
    notes : tuple of str
        Why confidence is reduced, if it is.
    """

    label: str
    severe: bool = False
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """True unless the label is "unknown" or "inconclusive"."""
        return self.label not in ("unknown", "inconclusive")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "label": self.label,
            "severe": self.severe,
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SideClassification:
    """Arch type and pronation tendency of one side (or both pooled)."""

    side: str
    arch: Call
    pronation: Call

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"side": self.side, "arch": self.arch.to_dict(), "pronation": self.pronation.to_dict()}


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    overall : SideClassification
        From both sides pooled.
    sides : dict
        Per side (``"left"``, ``"right"``), when present.
    impact : Call
        "high", "typical" or "unknown".
    indicators : Indicators
    low_confidence : list of str
        Reasons the result is less certain (empty when none).
    sides_differ : bool
        Left and right got different arch or pronation labels.
    """

    overall: SideClassification
    sides: dict[str, SideClassification]
    impact: Call
    indicators: Indicators
    low_confidence: list[str] = field(default_factory=list)
    sides_differ: bool = False

    @property
    def arch(self) -> str:
        """Overall arch type label."""
        return self.overall.arch.label

    @property
    def pronation(self) -> str:
        """Overall pronation label."""
        return self.overall.pronation.label

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "overall": self.overall.to_dict(),
            "sides": {k: v.to_dict() for k, v in self.sides.items()},
            "impact": self.impact.to_dict(),
            "low_confidence": list(self.low_confidence),
            "sides_differ": self.sides_differ,
            "indicators": self.indicators.to_dict(),
        }


def classify(
    analysis: Any,
    *,
    body_mass_kg: float | None = None,
    thresholds: Thresholds | None = None,
) -> Classification:
    """Classify arch type, pronation tendency and impact from an analysis.

    Parameters
    ----------
    analysis : Analysis or Indicators
        A :class:`sensorkit.Analysis` (indicators are extracted from it) or ready-made
        :class:`~sensorkit.recommend.features.Indicators` (e.g. from plain numbers).
    body_mass_kg : float, optional
        Body mass given by the runner. Used to express loading rates in BW/s when the analysis
        had no mass (forces in N).
    thresholds : Thresholds, optional
        Default: the built-in ``thresholds.json``.

    Returns
    -------
    Classification
    """
    th = thresholds or load_thresholds()
    ind = analysis if isinstance(analysis, Indicators) else extract_indicators(analysis)
    overall = _classify_side(ind.both, th)
    sides = {name: _classify_side(s, th) for name, s in ind.sides.items()}
    impact = _impact(ind, body_mass_kg, th)
    low = _confidence(ind, overall, sides, th, getattr(analysis, "source", {}) or {})
    labels = {(c.arch.label, c.pronation.label) for c in sides.values()}
    differ = len(sides) == 2 and len(labels) > 1
    if differ:
        low.append(
            "left and right feet were classified differently: "
            + "; ".join(f"{k} {v.arch.label} arch, {v.pronation.label}" for k, v in sides.items())
        )
    return Classification(
        overall=overall, sides=sides, impact=impact, indicators=ind, low_confidence=low, sides_differ=differ
    )


def _classify_side(s: SideIndicators, th: Thresholds) -> SideClassification:
    return SideClassification(side=s.side, arch=_arch(s, th), pronation=_pronation(s, th))


def _strike_for(s: SideIndicators) -> tuple[str, tuple[str, ...]]:
    if s.strike_pattern in ("rearfoot", "midfoot", "forefoot"):
        return s.strike_pattern, ()
    return "any", ("strike pattern unknown: pooled (all-strike) cut-points used",)


def _finding(s: SideIndicators, name: str, value: float, cp: Cutpoints, label: str | None) -> Finding:
    strike = " (all strikes)" if cp.strike == "any" else f" ({cp.strike} strike)"
    severe = ""
    if label == cp.classes[0] and value <= cp.severe_lower:
        severe = f"; severe <= {cp.severe_lower:.4g}"
    elif label == cp.classes[2] and value >= cp.severe_upper:
        severe = f"; severe >= {cp.severe_upper:.4g}"
    return Finding(
        name=name,
        value=value,
        unit=_UNITS.get(name, ""),
        threshold=cp.rule_for(label) + strike + severe,
        source=cp.source,
        side=s.side,
        kind="measured",
        outcome=label or "unknown",
    )


def _arch(s: SideIndicators, th: Thresholds) -> Call:
    if math.isfinite(s.arch_index):
        cp = th.arch_index_cutpoints()
        label, severe = cp.classify(s.arch_index)
        return Call(label or "unknown", severe, (_finding(s, "arch_index", s.arch_index, cp, label),))
    strike, notes = _strike_for(s)
    cp = th.cutpoints("arch_indicator", strike)
    if cp is None:
        return Call("unknown", notes=(*notes, f"arch indicator not calibrated for {strike} strikes"))
    label, severe = cp.classify(s.arch_indicator)
    if label is None:
        return Call("unknown", notes=(*notes, "no valid steps with an arch indicator"))
    return Call(label, severe, (_finding(s, "arch_indicator", s.arch_indicator, cp, label),), notes)


def _pronation(s: SideIndicators, th: Thresholds) -> Call:
    strike, notes_t = _strike_for(s)
    notes = list(notes_t)
    votes: list[tuple[str, bool]] = []
    findings: list[Finding] = []
    for name in PRONATION_INDICATORS:
        cp = th.cutpoints(name, strike)
        value = float(getattr(s, name))
        if cp is None:
            if name == "cpei_pct" or strike == "any":
                notes.append(
                    f"{_LABELS[name]} not used for {strike} strikes (the calibration found it unreliable)"
                )
            continue
        label, severe = cp.classify(value)
        if label is None:
            continue
        votes.append((label, severe))
        findings.append(_finding(s, name, value, cp, label))
    if not votes:
        return Call("unknown", findings=tuple(findings), notes=(*notes, "no pronation indicator available"))
    labels = [v[0] for v in votes]
    if "pronated" in labels and "supinated" in labels:
        return Call(
            "inconclusive",
            findings=tuple(findings),
            notes=(*notes, "pronation indicators point in opposite directions; no tendency is claimed"),
        )
    counts = {lab: labels.count(lab) for lab in labels}
    top = max(counts.values())
    leaders = [lab for lab in labels if counts[lab] == top]
    label = labels[0] if labels[0] in leaders else leaders[0]  # ties: the primary (ML ratio) decides
    if len(counts) > 1:
        notes.append(f"pronation indicators partly disagree ({', '.join(labels)}); majority/primary used")
    severe = votes[0][0] == label and votes[0][1]
    return Call(label, severe, tuple(findings), tuple(notes))


def _impact(ind: Indicators, body_mass_kg: float | None, th: Thresholds) -> Call:
    limit = th.literature("valr_high_bw_s")
    s = ind.both
    value = s.valr
    notes: list[str] = []
    if s.force_units != "BW":
        if body_mass_kg is None:
            return Call(
                "unknown",
                notes=(
                    "body mass unknown: loading rates are in N/s, not BW/s, so the 66 BW/s "
                    "impact threshold cannot be applied",
                ),
            )
        value = value / (float(body_mass_kg) * G_M_S2)
        notes.append(f"VALR converted from N/s with the body mass given ({body_mass_kg:g} kg)")
    if not math.isfinite(value):
        return Call("unknown", notes=(*notes, "no valid loading-rate measurement"))
    label = "high" if value > float(limit.value) else "typical"
    rate = f"{ind.rate_hz:g} Hz" if math.isfinite(ind.rate_hz) else "unknown rate"
    finding = Finding(
        name="valr",
        value=value,
        unit="BW/s",
        threshold=f"> {float(limit.value):g} BW/s -> high",
        source=limit.source,
        side="both",
        kind="measured",
        outcome=label,
    )
    notes.append(
        f"insole-derived VALR (median of valid steps, reference '{s.loading_rate_method}', sampled at {rate}); "
        "insole values depend on method and sample rate and read lower than force plates, "
        "so compare like with like"
    )
    return Call(label, False, (finding,), tuple(notes))


def _confidence(
    ind: Indicators,
    overall: SideClassification,
    sides: dict[str, SideClassification],
    th: Thresholds,
    source: dict[str, Any],
) -> list[str]:
    reasons: list[str] = []
    min_steps = int(th.value("min_steps_per_side"))
    max_excl = float(th.value("max_excluded_frac"))
    min_share = float(th.value("min_strike_share"))
    duty_max = float(th.value("walking_duty_factor"))
    if len(ind.sides) < 2:
        reasons.append("only one insole: left-right differences cannot be checked")
    for name, s in ind.sides.items():
        if s.n_steps < min_steps:
            reasons.append(f"{name}: only {s.n_steps} valid steps (fewer than {min_steps})")
        total = s.n_steps + s.n_excluded
        if total and s.n_excluded / total > max_excl:
            reasons.append(
                f"{name}: {s.n_excluded} of {total} steps touch data gaps or the recording ends "
                f"(more than {max_excl:.0%})"
            )
    b = ind.both
    if b.strike_pattern == "unknown":
        reasons.append("strike pattern unknown")
    elif math.isfinite(b.strike_share) and b.strike_share < min_share:
        reasons.append(
            f"mixed strike pattern ({b.strike_share:.0%} {b.strike_pattern}, below {min_share:.0%})"
        )
    if math.isfinite(b.contact_time_s) and math.isfinite(b.stride_time_s) and b.stride_time_s > 0:
        duty = b.contact_time_s / b.stride_time_s
        if duty > duty_max:
            reasons.append(
                f"contact/stride time {duty:.2f} > {duty_max:g}: looks like walking, and the cut-points "
                "were calibrated on running"
            )
    if ind.body_mass_kg is None:
        reasons.append("body mass unknown to the analysis: forces are in N, not body weights")
    cal_layout = th.calibration.get("layout")
    layout = source.get("layout")
    if cal_layout and layout and layout != cal_layout:
        reasons.append(
            f"insole layout {layout!r} differs from the calibration layout {cal_layout!r}: "
            "the sparse-insole cut-points may not transfer"
        )
    a, p = overall.arch.label, overall.pronation.label
    if (a == "flat" and p == "supinated") or (a == "high" and p == "pronated"):
        reasons.append(
            f"arch type ({a}) and pronation tendency ({p}) disagree; De Cock et al. 2008 found a more "
            "lateral COP in low-arched runners, so neither is trusted alone"
        )
    for call in (overall.arch, overall.pronation):
        if call.label in ("unknown", "inconclusive"):
            reasons.extend(call.notes[-1:])
    return reasons
