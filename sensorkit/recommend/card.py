"""The plain-text card of a :class:`~sensorkit.recommend.Recommendation` (``str(adv)``).

The measured findings are listed once at the top; every statement is followed by the other
findings behind it ("because: ..."); sources are numbered once at the end.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from sensorkit.recommend.findings import Finding
from sensorkit.recommend.items import Item

if TYPE_CHECKING:  # pragma: no cover
    from sensorkit.recommend.result import Recommendation

__all__ = ["CARD_WIDTH", "render_card"]

#: Default card width in columns.
CARD_WIDTH = 96
_MIN_WIDTH = 40
_INDENT = "    "
_SHOWN_REF = "measured findings above"


def render_card(adv: Recommendation, width: int = CARD_WIDTH) -> str:
    """Render the card as plain text.

    Parameters
    ----------
    adv : Recommendation
    width : int
        Line width in columns (at least 40).
    """
    return _Card(max(_MIN_WIDTH, int(width))).render(adv)


class _Card:
    def __init__(self, width: int) -> None:
        self.width = width
        self.sources: dict[str, int] = {}
        self.shown: set[Finding] = set()

    def render(self, adv: Recommendation) -> str:
        c = adv.classification
        conf = "LOW" if adv.low_confidence else "normal"
        lines = self.wrap(f"INSOLE SUGGESTION  (confidence: {conf}; a suggestion, not a diagnosis)", "", "  ")
        first = adv.caveat("see_professional_first")
        if first is not None:
            lines.extend(self.wrap("!! " + first.statement, "", "   "))
        lines.extend(self.wrap("Runner: " + _runner_text(adv), "", "  "))
        lines.append("Measured (insole-derived):")
        for title, call in (
            ("arch", c.overall.arch),
            ("pronation", c.overall.pronation),
            ("impact", c.impact),
        ):
            lines.extend(self.wrap(f"- {title}: {call.label}", "  ", "    "))
            for f in call.findings:
                lines.extend(self.wrap(self.ref(f), "      ", "        "))
                self.shown.add(f)
            notes = call.notes if title == "impact" else ()
            for note in notes:
                lines.extend(self.wrap(note, "      ", "        "))
        lines.append("")
        for title, item in (
            ("Arch support", adv.arch_support),
            ("Cushioning", adv.cushioning),
            ("Rigidity", adv.rigidity),
        ):
            lines.extend(self.item(f"{title}: {item.choice}", item))
        ranked = "  ".join(
            f"{m.rank}. {m.choice}" + ("" if m.suitable else " (not needed)") for m in adv.materials
        )
        lines.extend(self.wrap(f"Materials: {ranked}", "", "  "))
        for m in adv.materials:
            lines.extend(self.item(None, m))
        for e in adv.extras:
            lines.extend(self.item(f"Extra: {e.choice}", e))
        if adv.side_notes:
            lines.append("Per-side notes:")
            for s in adv.side_notes:
                lines.extend(self.item(None, s))
        if adv.low_confidence:
            lines.append("Low confidence, because:")
            for reason in adv.low_confidence:
                lines.extend(self.wrap("- " + reason, "  ", "    "))
        lines.append("Keep in mind:")
        for cav in adv.caveats:
            lines.extend(self.item(None, cav))
        lines.append("")
        lines.append("Sources:")
        for text, n in self.sources.items():
            lines.extend(self.wrap(f"[{n}] {text}", "", "     "))
        return "\n".join(lines)

    def ref(self, f: Finding) -> str:
        n = self.sources.setdefault(f.source or "runner input", len(self.sources) + 1)
        return f"{f.text()} [{n}]"

    def item(self, title: str | None, item: Item) -> list[str]:
        side = "" if item.side == "both" else f"[{item.side}] "
        out = self.wrap(title, "", "  ") if title else []
        indent = _INDENT if title else "  "
        rest = _INDENT if title else "    "
        out.extend(self.wrap(("" if title else "- ") + side + item.statement, indent, rest))
        refs = [
            _SHOWN_REF if f in self.shown else self.ref(f)
            for f in item.findings
            if f.name not in ("always", "rule")
        ]
        for kind in ("always", "rule"):
            group = [f for f in item.findings if f.name == kind]
            if group:
                n = self.sources.setdefault(group[0].source, len(self.sources) + 1)
                label = (
                    "always advised"
                    if kind == "always"
                    else "rule " + ", ".join(dict.fromkeys(str(f.value) for f in group))
                )
                refs.append(f"{label} [{n}]")
        if refs:
            out.extend(
                self.wrap("because: " + "; ".join(dict.fromkeys(refs)), _INDENT + "  ", _INDENT + "    ")
            )
        return out

    def wrap(self, text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(
            text, width=self.width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
        ) or [first]


def _runner_text(adv: Recommendation) -> str:
    r = adv.runner
    parts = [
        "mass unknown" if r.body_mass_kg is None else f"{r.body_mass_kg:g} kg",
        r.surface or "surface not given",
        "weekly distance not given" if r.weekly_km is None else f"{r.weekly_km:g} km/week",
    ]
    if r.pain_severity is not None:
        parts.append(f"back pain {r.pain_severity:g}/10")
    elif r.back_pain is not None:
        parts.append("back pain" if r.back_pain else "no back pain")
    if r.insole_age_months is not None:
        parts.append(f"insoles {r.insole_age_months:g} months old")
    cad = adv.classification.indicators.cadence_spm
    if math.isfinite(cad):
        parts.append(f"cadence {cad:.0f} steps/min")
    return ", ".join(parts)
