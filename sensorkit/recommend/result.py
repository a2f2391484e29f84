"""The :class:`Recommendation` result: advice, what was withheld and why, caveats; as JSON, text or HTML."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sensorkit.recommend.advice import Advice, Suppressed
from sensorkit.recommend.runner import RunnerProfile

__all__ = ["SCHEMA", "Recommendation"]

SCHEMA = "sensorkit.recommendation/2"


@dataclass
class Recommendation:
    """Insole advice from :func:`sensorkit.recommend`.

    Attributes
    ----------
    activity : {"running", "walking", "standing", "none"}
        What the advice is for: the recording's main activity, "standing" for a recording of
        standing periods only, "none" when it supports no advice.
    advice : list of Advice
        Suggestions and descriptions of what was measured (``kind`` says which), each with its
        measured numbers, evidence grade and citations.
    suppressed : list of Suppressed
        Topics with no advice, each with the reason.
    caveats : list of Advice
        The guide's caveats, the back-pain evidence and when to see a professional.
    runner : RunnerProfile
        The user's inputs.
    no_advice_reason : str
        One sentence when the recording supports no advice at all ("" otherwise).
    replacement : dict
        ``interval_months``, ``due_date``, ``replace_now``, ``km_used``, ``budget_km``.
    notes : list of str
        How inputs were combined (body mass source, calibration, unused inputs).
    counts : dict
        Steady-state steps of the main activity per side.
    """

    activity: str
    advice: list[Advice]
    suppressed: list[Suppressed]
    caveats: list[Advice]
    runner: RunnerProfile
    no_advice_reason: str = ""
    replacement: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def items(self) -> list[Advice]:
        """Advice then caveats, in card order."""
        return [*self.advice, *self.caveats]

    def get(self, topic: str) -> Advice | None:
        """The first advice or caveat with this topic, or None."""
        return next((a for a in self.items() if a.topic == topic), None)

    def why_not(self, topic: str) -> str | None:
        """The reason a topic was suppressed, or None when it was not."""
        return next((s.reason for s in self.suppressed if s.topic == topic), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result (``json.dumps(adv.to_dict(), allow_nan=False)`` works)."""
        return _clean(
            {
                "schema": SCHEMA,
                "activity": self.activity,
                "no_advice_reason": self.no_advice_reason,
                "advice": [a.to_dict() for a in self.advice],
                "suppressed": [s.to_dict() for s in self.suppressed],
                "caveats": [c.to_dict() for c in self.caveats],
                "runner": self.runner.to_dict(),
                "replacement": dict(self.replacement),
                "notes": list(self.notes),
                "counts": dict(self.counts),
            }
        )

    def card(self, width: int = 96) -> str:
        """The plain-text card wrapped to ``width`` columns (``str(adv)`` uses 96)."""
        from sensorkit.recommend.card import render_card

        return render_card(self, width)

    def html(self) -> str:
        """The card as an HTML fragment (human names and units; every text escaped)."""
        from sensorkit.recommend.card import render_card_html

        return render_card_html(self)

    def __str__(self) -> str:
        return self.card()

    def __repr__(self) -> str:
        return (
            f"<Recommendation {self.activity}: {len(self.advice)} advice, {len(self.suppressed)} withheld, "
            f"{len(self.caveats)} caveats>"
        )


def _clean(value: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python ones, recursively."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
