"""One statement of a recommendation (a choice, a side note or a caveat) with the findings behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sensorkit.recommend.findings import Finding

__all__ = ["Item"]


@dataclass(frozen=True)
class Item:
    """A recommendation statement and its evidence.

    Attributes
    ----------
    topic : str
        ``"arch_support"``, ``"cushioning"``, ``"rigidity"``, ``"material"``, ``"heel_insert"``,
        ``"side_note"``, or a caveat name (``"not_a_diagnosis"``, ``"replace"`` ...).
    choice : str
        The selected option (``"dense"``, ``"semi-rigid"``, ``"EVA"`` ...), or ``""`` for notes.
    statement : str
        The sentence shown to the runner.
    findings : tuple of Finding
        Measured values, runner inputs and rules that led to it (never empty).
    rules : tuple of str
        Identifiers of the docs/methods.md recommendation rules (or caveats) that fired.
    side : {"both", "left", "right"}
    rank : int
        Position among alternatives (materials: 1 = first choice); 0 otherwise.
    suitable : bool
        False for a ranked option that is listed but not advised (e.g. carbon fiber without
        a need for rigid support).
    """

    topic: str
    choice: str
    statement: str
    findings: tuple[Finding, ...]
    rules: tuple[str, ...] = ()
    side: str = "both"
    rank: int = 0
    suitable: bool = True

    def __post_init__(self) -> None:
        if not self.findings:
            raise ValueError(
                f"recommendation item {self.topic!r} has no findings (every statement needs one)"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "topic": self.topic,
            "choice": self.choice,
            "statement": self.statement,
            "side": self.side,
            "rank": self.rank,
            "suitable": self.suitable,
            "rules": list(self.rules),
            "findings": [f.to_dict() for f in self.findings],
        }
