"""The plain-text card of a :class:`~sensorkit.recommend.Recommendation` (``str(adv)``).

The measured foot findings are listed once at the top; every statement is followed by the
other findings behind it ("because: ..."); sources are numbered once at the end.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from sensorkit.recommend.findings import Finding
from sensorkit.recommend.items import Item

if TYPE_CHECKING:  # pragma: no cover
    from sensorkit.recommend.result import Recommendation

__all__ = ["render_card"]

_WIDTH = 96
_INDENT = "    "
_FOOT_REF = "measured findings above"


def render_card(adv: Recommendation) -> str:
    """Render the card (plain text, ~96 columns)."""
    sources: dict[str, int] = {}
    c = adv.classification
    lines = [f"INSOLE SUGGESTION  (confidence: {'LOW' if adv.low_confidence else 'normal'}; not a diagnosis)"]
    lines.append("Runner: " + _runner_text(adv))
    lines.append("Measured (insole-derived):")
    shown: set[Finding] = set()
    for title, call in (("arch", c.overall.arch), ("pronation", c.overall.pronation), ("impact", c.impact)):
        lines.extend(_wrap(f"- {title}: {call.label}", "  ", "    "))
        for f in call.findings:
            lines.extend(_wrap(_ref(f, sources), "      ", "        "))
            shown.add(f)
        if title == "impact":
            for note in call.notes:
                lines.extend(_wrap(note, "      ", "        "))
    lines.append("")
    for title, item in (
        ("Arch support", adv.arch_support),
        ("Cushioning", adv.cushioning),
        ("Rigidity", adv.rigidity),
    ):
        lines.extend(_item_lines(f"{title}: {item.choice}", item, sources, shown))
    ranked = "  ".join(
        f"{m.rank}. {m.choice}" + ("" if m.suitable else " (not needed)") for m in adv.materials
    )
    lines.append(f"Materials: {ranked}")
    for m in adv.materials:
        lines.extend(_item_lines(None, m, sources, shown))
    for e in adv.extras:
        lines.extend(_item_lines(f"Extra: {e.choice}", e, sources, shown))
    if adv.side_notes:
        lines.append("Per-side notes:")
        for s in adv.side_notes:
            lines.extend(_item_lines(None, s, sources, set()))
    if adv.low_confidence:
        lines.append("Low confidence, because:")
        for reason in adv.low_confidence:
            lines.extend(_wrap("- " + reason, "  ", "    "))
    lines.append("Keep in mind:")
    for cav in adv.caveats:
        lines.extend(_item_lines(None, cav, sources, shown))
    lines.append("")
    lines.append("Sources:")
    for text, n in sources.items():
        lines.extend(_wrap(f"[{n}] {text}", "", "     "))
    return "\n".join(lines)


def _ref(f: Finding, sources: dict[str, int]) -> str:
    n = sources.setdefault(f.source or "runner input", len(sources) + 1)
    return f"{f.text()} [{n}]"


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


def _item_lines(title: str | None, item: Item, sources: dict[str, int], shown: set[Finding]) -> list[str]:
    side = "" if item.side == "both" else f"[{item.side}] "
    out = [title] if title else []
    out.extend(
        _wrap(
            ("" if title else "- ") + side + item.statement,
            _INDENT if title else "  ",
            _INDENT if title else "    ",
        )
    )
    refs = []
    for f in item.findings:
        if f.name in ("always", "rule"):
            continue
        refs.append(_FOOT_REF if f in shown else _ref(f, sources))
    for kind, label in (("always", "always advised"), ("rule", None)):
        group = [f for f in item.findings if f.name == kind]
        if group:
            n = sources.setdefault(group[0].source, len(sources) + 1)
            text = label or "rule " + ", ".join(dict.fromkeys(str(f.value) for f in group))
            refs.append(f"{text} [{n}]")
    if refs:
        out.extend(_wrap("because: " + "; ".join(dict.fromkeys(refs)), _INDENT + "  ", _INDENT + "    "))
    return out


def _wrap(text: str, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, width=_WIDTH, initial_indent=first, subsequent_indent=rest or first, break_on_hyphens=False
    ) or [first]
