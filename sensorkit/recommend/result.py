"""The :class:`Recommendation` result: choices, caveats and the findings behind each, as JSON or a card."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sensorkit.recommend.card import CARD_WIDTH, render_card
from sensorkit.recommend.classify import Classification
from sensorkit.recommend.items import Item
from sensorkit.recommend.runner import RunnerProfile

__all__ = ["Recommendation"]

SCHEMA = "sensorkit.recommendation/1"


@dataclass
class Recommendation:
    """Insole suggestion from :func:`sensorkit.recommend`.

    Attributes
    ----------
    classification : Classification
        Arch type, pronation tendency and impact category with their findings.
    runner : RunnerProfile
        The runner's inputs (body mass: the runner's, else the analysis').
    arch_support, cushioning, rigidity : Item
        The three choices (``.choice``: "neutral/accommodating" | "moderate" | "strong pronation
        control"; "soft" | "moderate" | "dense"; "flexible" | "semi-rigid" | "rigid").
    materials : list of Item
        EVA, polyurethane, gel and carbon fiber ranked (``rank`` 1 first; ``suitable`` False for
        an option listed but not advised).
    extras : list of Item
        Add-ons such as a gel heel pad.
    side_notes : list of Item
        Per-side notes when the feet differ or a left-right asymmetry is flagged.
    caveats : list of Item
        Always present: not a diagnosis, break in gradually, replacement (interval and date), fit,
        professional advice, strength / mobility / running form with the measured cadence; plus
        custom orthotics when indicators are severe and see-a-professional-first for severe pain.
    low_confidence : list of str
        Why the result is uncertain (empty when it is not).
    rules_fired : list of str
        docs/methods.md rule identifiers that applied.
    replacement : dict
        ``interval_months``, ``due_date``, ``replace_now``, ``km_used``, ``budget_km``.
    notes : list of str
        How inputs were combined (e.g. body mass taken from the analysis).
    thresholds_origin : str
        Where the thresholds came from.
    """

    classification: Classification
    runner: RunnerProfile
    arch_support: Item
    cushioning: Item
    rigidity: Item
    materials: list[Item]
    extras: list[Item] = field(default_factory=list)
    side_notes: list[Item] = field(default_factory=list)
    caveats: list[Item] = field(default_factory=list)
    low_confidence: list[str] = field(default_factory=list)
    rules_fired: list[str] = field(default_factory=list)
    replacement: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    thresholds_origin: str = "builtin"

    @property
    def confidence(self) -> str:
        """``"low"`` when any low-confidence reason applies, else ``"normal"``."""
        return "low" if self.low_confidence else "normal"

    def items(self) -> list[Item]:
        """Every statement of the recommendation, in card order."""
        return [
            self.arch_support,
            self.cushioning,
            self.rigidity,
            *self.materials,
            *self.extras,
            *self.side_notes,
            *self.caveats,
        ]

    def caveat(self, topic: str) -> Item | None:
        """The caveat with this topic (``"replace"``, ``"professional"`` ...), or None."""
        return next((c for c in self.caveats if c.topic == topic), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result (``json.dumps(adv.to_dict(), allow_nan=False)`` works)."""
        return _clean(
            {
                "schema": SCHEMA,
                "confidence": self.confidence,
                "low_confidence": list(self.low_confidence),
                "foot": {
                    "arch_type": self.classification.arch,
                    "pronation": self.classification.pronation,
                    "impact": self.classification.impact.label,
                    "sides_differ": self.classification.sides_differ,
                },
                "runner": self.runner.to_dict(),
                "arch_support": self.arch_support.to_dict(),
                "cushioning": self.cushioning.to_dict(),
                "rigidity": self.rigidity.to_dict(),
                "materials": [m.to_dict() for m in self.materials],
                "extras": [e.to_dict() for e in self.extras],
                "side_notes": [s.to_dict() for s in self.side_notes],
                "caveats": [c.to_dict() for c in self.caveats],
                "replacement": dict(self.replacement),
                "rules_fired": list(self.rules_fired),
                "notes": list(self.notes),
                "classification": self.classification.to_dict(),
                "thresholds": self.thresholds_origin,
            }
        )

    def card(self, width: int = CARD_WIDTH) -> str:
        """The readable card, wrapped to ``width`` columns (``str(adv)`` uses 96)."""
        return render_card(self, width)

    def __str__(self) -> str:
        return render_card(self)

    def __repr__(self) -> str:
        mats = ">".join(m.choice for m in self.materials if m.suitable)
        return (
            f"<Recommendation {self.classification.arch} arch, {self.classification.pronation}: "
            f"{self.arch_support.choice} support, {self.cushioning.choice} cushioning, {self.rigidity.choice}; "
            f"{mats}; confidence {self.confidence}>"
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
