"""What a recommendation is made of: advice with its evidence, and advice withheld with the reason.

:class:`Measure`
    One number that drove an advice (or a description), with its unit and the statistic it is
    (e.g. "mean of 179 steady-state walking steps, both feet"), so the card and the summary
    table can be checked against each other.
:class:`Advice`
    One statement: its topic, the activity it is for, the measured numbers and the user's
    inputs behind it, what it was based on (``"measured"``, ``"stated"`` by the user,
    ``"guide"``), its evidence grade and its citations.
:class:`Suppressed`
    A topic on which no advice is given, and why ("fewer than 5 valid steps on the left").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sensorkit.recommend.evidence import GRADES, Citation

__all__ = ["BASES", "Advice", "Measure", "Suppressed", "fmt"]

#: What an advice rests on.
BASES = ("measured", "stated", "measured and stated", "literature", "guide")


def fmt(value: Any, digits: int = 3) -> str:
    """Compact text of a number (``digits`` significant digits; "n/a" for missing)."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        v = float(value)
        if not math.isfinite(v):
            return "n/a"
        return f"{v:.{digits}g}"
    return str(value)


def _clean(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Measure:
    """A measured number behind an advice.

    Attributes
    ----------
    key : str
        Machine name (the summary row or steps column, e.g. ``"valr_bw_s"``).
    label : str
        Human name ("Average vertical loading rate").
    value : float
    unit : str
        Unit of ``value`` ("BW/s", "%", "steps/min", "" for ratios).
    statistic : str
        What the number is ("mean of 120 steady-state running steps, both feet").
    side : {"both", "left", "right"}
    reference : str
        What it was compared with, when anything ("66 BW/s (force plate, Davis et al. 2016)").
    """

    key: str
    label: str
    value: float
    unit: str = ""
    statistic: str = ""
    side: str = "both"
    reference: str = ""

    def text(self) -> str:
        """``label = value unit (statistic)``."""
        unit = f" {self.unit}" if self.unit else ""
        stat = f" ({self.statistic})" if self.statistic else ""
        return f"{self.label} = {fmt(self.value)}{unit}{stat}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "key": self.key,
            "label": self.label,
            "value": _clean(self.value),
            "unit": self.unit,
            "statistic": self.statistic,
            "side": self.side,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class Advice:
    """One piece of advice (or a caveat, or a description of the measurements).

    Attributes
    ----------
    topic : str
        ``"cushioning"``, ``"arch_support"``, ``"firmness"``, ``"material"``, ``"loading_rate"``,
        ``"cadence"``, ``"foot_loading"``, ``"asymmetry"``, ``"standing"``, ``"back_pain"``,
        ``"professional"``, ``"break_in"``, ``"fit"``, ``"replace"``, ``"strength_mobility_form"``.
    title : str
        Human heading ("Cushioning").
    statement : str
        What the user reads.
    activity : {"running", "walking", "standing", "any"}
        The activity the advice is for.
    basis : str
        One of :data:`BASES`: what the advice was decided from (``"literature"``: published
        evidence alone, nothing measured or stated).
    grade : str
        Evidence grade (:data:`sensorkit.recommend.evidence.GRADES`) of the weakest link the
        advice relies on.
    citations : tuple of Citation
        Never empty.
    measured : tuple of Measure
        The measured numbers that drove it (empty when none did).
    inputs : dict
        The user's inputs it used (``{"arch": "high"}``).
    kind : {"advice", "description", "caveat"}
        A suggestion, a description of what was measured (never a diagnosis), or a caveat.
    side : {"both", "left", "right"}
    """

    topic: str
    title: str
    statement: str
    activity: str
    basis: str
    grade: str
    citations: tuple[Citation, ...]
    measured: tuple[Measure, ...] = ()
    inputs: dict = field(default_factory=dict)
    kind: str = "advice"
    side: str = "both"

    def __post_init__(self) -> None:
        if not self.citations:
            raise ValueError(f"advice {self.topic!r} has no citation (every statement needs its source)")
        if self.grade not in GRADES:
            raise ValueError(f"advice {self.topic!r}: grade {self.grade!r} is not one of {GRADES}")
        if self.basis not in BASES:
            raise ValueError(f"advice {self.topic!r}: basis {self.basis!r} is not one of {BASES}")
        if self.basis.startswith("measured") and not self.measured:
            raise ValueError(f"advice {self.topic!r} says it was measured but carries no measured numbers")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "topic": self.topic,
            "title": self.title,
            "statement": self.statement,
            "activity": self.activity,
            "kind": self.kind,
            "side": self.side,
            "basis": self.basis,
            "evidence_grade": self.grade,
            "citations": [c.to_dict() for c in self.citations],
            "measured": [m.to_dict() for m in self.measured],
            "inputs": {k: _clean(v) for k, v in self.inputs.items()},
        }


@dataclass(frozen=True)
class Suppressed:
    """A topic with no advice, and why.

    Attributes
    ----------
    topic : str
    title : str
    reason : str
        One sentence ("only 3 valid steps on the left; at least 5 per side are needed").
    """

    topic: str
    title: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"topic": self.topic, "title": self.title, "reason": self.reason}
