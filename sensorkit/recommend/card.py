"""The card of a :class:`~sensorkit.recommend.Recommendation`: plain text (terminal) and HTML (report).

Both list, in order: what the advice is for and from how many steps; the advice, each with its
evidence grade, what it was based on, the measured numbers (human names, units and the
statistic) and its sources; the descriptions of what was measured; what was withheld and why;
the caveats; the numbered references.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

from sensorkit.recommend.advice import Advice
from sensorkit.recommend.evidence import CITATIONS, Citation

if TYPE_CHECKING:  # pragma: no cover
    from sensorkit.recommend.result import Recommendation

__all__ = ["CARD_WIDTH", "render_card", "render_card_html"]

CARD_WIDTH = 96
_MIN_WIDTH = 40
_ACTIVITY_TITLE = {
    "running": "running",
    "walking": "walking",
    "standing": "standing",
    "none": "this recording",
}


def _headline(adv: Recommendation) -> str:
    return (
        f"Insole advice for {_ACTIVITY_TITLE.get(adv.activity, adv.activity)} (a suggestion, not a diagnosis)"
    )


def _basis_line(adv: Recommendation) -> str:
    c = adv.counts
    if adv.activity in ("running", "walking"):
        return (
            f"From {c.get('left', 0) + c.get('right', 0)} steady-state {adv.activity} steps "
            f"(left {c.get('left', 0)}, right {c.get('right', 0)})."
        )
    if adv.activity == "standing":
        return "From the standing periods of the recording (no steps)."
    return ""


class _Refs:
    def __init__(self) -> None:
        self.order: dict[str, tuple[int, Citation]] = {}

    def n(self, c: Citation) -> int:
        if c.key not in self.order:
            self.order[c.key] = (len(self.order) + 1, c)
        return self.order[c.key][0]

    def inline(self, item: Advice) -> str:
        return "; ".join(f"{c.short} [{self.n(c)}]" for c in item.citations)

    def mention(self, text: str) -> None:
        """List the dated sources ``text`` names in short form (a reason for withholding advice
        can name one: "the running loading-rate reference (66 BW/s, Davis et al. 2016)")."""
        named = [
            (text.find(c.short), c) for c in CITATIONS.values() if c.year is not None and c.short in text
        ]
        for _, c in sorted(named, key=lambda pair: pair[0]):
            self.n(c)


def _side_label(item: Advice) -> str:
    """ " (larger on the right)" for a left-right difference, " (left foot)" for one side's item;
    a bare "(right)" read as "(correct)" to a patient."""
    if item.side == "both":
        return ""
    if item.topic == "asymmetry":
        return f" (larger on the {item.side})"
    return f" ({item.side} foot)"


def _first(adv: Recommendation) -> Advice | None:
    """The referral when the user's reported pain calls for a professional first."""
    ref = adv.get("professional")
    return ref if ref is not None and ref.title == "See a professional first" else None


def _groups(adv: Recommendation) -> list[tuple[str, list[Advice]]]:
    return [
        ("Advice", [a for a in adv.advice if a.kind == "advice"]),
        (
            "What was measured (descriptions, not diagnoses)",
            [a for a in adv.advice if a.kind == "description"],
        ),
        ("Keep in mind", list(adv.caveats)),
    ]


def render_card(adv: Recommendation, width: int = CARD_WIDTH) -> str:
    """The card as plain text, wrapped to ``width`` columns (at least 40)."""
    width = max(_MIN_WIDTH, int(width))
    refs = _Refs()

    def wrap(text: str, first: str = "", rest: str = "") -> list[str]:
        return textwrap.wrap(
            text, width=width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
        ) or [first]

    lines = wrap(_headline(adv))
    first = _first(adv)
    if first is not None:
        lines += wrap("!! " + first.statement, "", "   ")
    basis = _basis_line(adv)
    if basis:
        lines += wrap(basis)
    if adv.no_advice_reason:
        lines += wrap(adv.no_advice_reason)
    for title, items in _groups(adv):
        if not items:
            continue
        lines += ["", title + ":"]
        for a in items:
            side = _side_label(a)
            lines += wrap(f"- {a.title}{side} [evidence: {a.grade}; based on: {a.basis}]", "", "  ")
            lines += wrap(a.statement, "    ", "    ")
            for m in a.measured:
                ref = f"; compared with {m.reference}" if m.reference else ""
                lines += wrap(f"measured: {m.text()}{ref}", "    ", "      ")
            lines += wrap(f"sources: {refs.inline(a)}", "    ", "      ")
    if adv.suppressed:
        lines += ["", "Not advised, and why:"]
        for s in adv.suppressed:
            lines += wrap(f"- {s.title}: {s.reason}.", "", "  ")
    if adv.notes:
        lines += ["", "Notes:"]
        for note in adv.notes:
            lines += wrap(f"- {note}", "", "  ")
    for text in [s.reason for s in adv.suppressed] + list(adv.notes):
        refs.mention(text)
    if refs.order:
        lines += ["", "References:"]
        for n, c in refs.order.values():
            lines += wrap(f"[{n}] {c.text()} ({c.grade})", "", "    ")
    return "\n".join(lines)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_card_html(adv: Recommendation) -> str:
    """The card as an HTML fragment (``<section class="sk-card">``); every text is escaped.

    Measured numbers appear in a table with their human name, value, unit, the statistic they
    are (the summary's mean over steady-state steps, or a labelled other statistic) and what they
    were compared with.
    """
    from sensorkit.recommend.advice import fmt

    refs = _Refs()
    out = ['<section class="sk-card">', f"<h3>{_e(_headline(adv))}</h3>"]
    first = _first(adv)
    if first is not None:
        out.append(f'<p class="sk-first"><strong>{_e(first.statement)}</strong></p>')
    basis = _basis_line(adv)
    if basis:
        out.append(f"<p>{_e(basis)}</p>")
    if adv.no_advice_reason:
        out.append(f'<p class="sk-no-advice"><strong>{_e(adv.no_advice_reason)}</strong></p>')
    for title, items in _groups(adv):
        if not items:
            continue
        out.append(f"<h4>{_e(title)}</h4>")
        for a in items:
            side = _side_label(a)
            out.append('<div class="sk-advice">')
            out.append(
                f"<p><strong>{_e(a.title + side)}</strong> "
                f'<span class="sk-grade">evidence: {_e(a.grade)}; based on: {_e(a.basis)}</span></p>'
            )
            out.append(f"<p>{_e(a.statement)}</p>")
            if a.measured:
                out.append(
                    "<table><thead><tr><th>measured</th><th>value</th><th>unit</th><th>statistic</th>"
                    "<th>compared with</th></tr></thead><tbody>"
                )
                for m in a.measured:
                    out.append(
                        f"<tr><td>{_e(m.label)}</td><td>{_e(fmt(m.value))}</td><td>{_e(m.unit)}</td>"
                        f"<td>{_e(m.statistic)}</td><td>{_e(m.reference)}</td></tr>"
                    )
                out.append("</tbody></table>")
            out.append(f'<p class="sk-sources">Sources: {_e(refs.inline(a))}</p>')
            out.append("</div>")
    if adv.suppressed:
        out.append("<h4>Not advised, and why</h4><ul>")
        out.extend(f"<li><strong>{_e(s.title)}</strong>: {_e(s.reason)}.</li>" for s in adv.suppressed)
        out.append("</ul>")
    if adv.notes:
        out.append("<h4>Notes</h4><ul>")
        out.extend(f"<li>{_e(n)}</li>" for n in adv.notes)
        out.append("</ul>")
    for text in [s.reason for s in adv.suppressed] + list(adv.notes):
        refs.mention(text)
    if refs.order:
        out.append("<h4>References</h4><ol>")
        out.extend(f"<li>{_e(c.text())} <em>({_e(c.grade)})</em></li>" for _, c in refs.order.values())
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out)
