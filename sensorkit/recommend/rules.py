"""The recommendation rules of docs/methods.md (table "Recommendation rules"), applied to a classification.

| rule id | finding | suggestion |
|---|---|---|
| ``high_arch_supination`` | high arch / supination | ample, softer cushioning; neutral or accommodating shape; flexible to semi-rigid |
| ``flat_pronation`` | flat / low arch / pronation | strong arch support, pronation control; semi-rigid to rigid; denser foam |
| ``neutral`` | neutral (also the safe default for unknown or conflicting indicators) | moderate support and cushioning; semi-rigid |
| ``high_loading`` | high loading rate, heavy runner, hard surface (at least ``load_factors_min`` of the three) | denser cushioning (polyurethane), gel in the heel |
| ``soft_unstable`` | soft cushioning with unstable COP (large ML sway) | firmer, more stable cushioning |
| ``severe`` | severe indicators | rigid support (flat / pronated feet), and a podiatrist about custom orthotics |

Precedence (sensorkit choices, each stated on the card when it applies): the foot rule sets the
base; ``high_loading`` makes cushioning one step denser, except that a high-arched runner who
is not heavy keeps the soft cushioning the guide asks for and gets the gel heel for shock;
``soft_unstable`` then firms soft cushioning; ``severe`` makes a flat/pronated foot's support
rigid (a high, supinating foot is not put in a rigid shell: the referral covers it).
Arch type and pronation pointing opposite ways fall back to ``neutral``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sensorkit.recommend.classify import Call, Classification
from sensorkit.recommend.findings import Finding
from sensorkit.recommend.items import Item
from sensorkit.recommend.runner import RunnerProfile
from sensorkit.recommend.thresholds import Thresholds

__all__ = ["CUSHIONING_LEVELS", "RULE_TEXT", "Choices", "FootCategory", "choose", "foot_category"]

_METHODS = "docs/methods.md recommendation rules (after the insole-selection guide)"
RULE_TEXT = {
    "high_arch_supination": "high arch / supination -> ample, softer cushioning; neutral or accommodating "
    "shape; flexible to semi-rigid",
    "flat_pronation": "flat / low arch / pronation -> strong arch support, pronation control; semi-rigid to "
    "rigid; denser foam",
    "neutral": "neutral -> moderate support and cushioning; semi-rigid is a safe default",
    "high_loading": "high loading rate, heavy runner, hard surface -> denser cushioning (polyurethane), "
    "shock-absorbing gel in the heel",
    "soft_unstable": "soft cushioning with unstable COP (large ML sway) -> firmer, more stable cushioning",
    "severe": "severe indicators -> rigid support, and see a podiatrist about custom orthotics",
}
CUSHIONING_LEVELS = ("soft", "moderate", "dense")
_ARCH_SUPPORT = {
    "high_arch_supination": "neutral/accommodating",
    "neutral": "moderate",
    "flat_pronation": "strong pronation control",
}
_BASE_CUSHIONING = {"high_arch_supination": "soft", "neutral": "moderate", "flat_pronation": "dense"}
_MATERIAL_ORDER = ("EVA", "polyurethane", "gel", "carbon fiber")
_MATERIAL_TEXT = {
    "EVA": "EVA foam: light and shock-absorbing",
    "polyurethane": "polyurethane: denser and more durable cushioning than EVA",
    "gel": "gel: shock absorption and pressure relief",
    "carbon fiber": "carbon fiber: very rigid and light, for maximum support and energy return",
}


@dataclass(frozen=True)
class FootCategory:
    """Which foot rule applies to one side (or both pooled)."""

    rule: str
    findings: tuple[Finding, ...]
    conflict: bool = False
    severe: bool = False
    side: str = "both"


@dataclass
class Choices:
    """Output of :func:`choose`."""

    arch_support: Item
    cushioning: Item
    rigidity: Item
    materials: list[Item]
    extras: list[Item] = field(default_factory=list)
    side_notes: list[Item] = field(default_factory=list)
    rules_fired: list[str] = field(default_factory=list)
    category: FootCategory | None = None
    severe_findings: tuple[Finding, ...] = ()


def _rule_finding(rule: str) -> Finding:
    return Finding(
        name="rule", value=rule, threshold=RULE_TEXT[rule], source=_METHODS, kind="derived", outcome="applies"
    )


def foot_category(arch: Call, pronation: Call, side: str = "both") -> FootCategory:
    """The foot rule of one side from its arch and pronation calls (see the module docstring)."""
    flat_like = arch.label == "flat" or pronation.label == "pronated"
    high_like = arch.label == "high" or pronation.label == "supinated"
    findings = (*arch.findings, *pronation.findings)
    if not findings:
        findings = (
            Finding(
                name="foot_indicators",
                value="unknown",
                threshold="no arch or pronation indicator could be classified",
                source=_METHODS + ": neutral is the safe default",
                side=side,
                kind="derived",
                outcome="neutral default",
            ),
        )
    if flat_like and high_like:
        return FootCategory("neutral", findings, conflict=True, side=side)
    if flat_like:
        severe = (arch.label == "flat" and arch.severe) or (
            pronation.label == "pronated" and pronation.severe
        )
        return FootCategory("flat_pronation", findings, severe=severe, side=side)
    if high_like:
        severe = (arch.label == "high" and arch.severe) or (
            pronation.label == "supinated" and pronation.severe
        )
        return FootCategory("high_arch_supination", findings, severe=severe, side=side)
    return FootCategory("neutral", findings, side=side)


def _mass_finding(runner: RunnerProfile, th: Thresholds, mass_from: str) -> tuple[Finding, bool | None]:
    heavy = th.convention("heavy_runner_kg")
    if runner.body_mass_kg is None:
        return (
            Finding(
                "body_mass_kg",
                None,
                "kg",
                f">= {heavy.value:g} kg -> heavy",
                heavy.source,
                kind="input",
                outcome="unknown",
            ),
            None,
        )
    is_heavy = float(runner.body_mass_kg) >= float(heavy.value)
    return (
        Finding(
            "body_mass_kg",
            float(runner.body_mass_kg),
            "kg",
            f">= {heavy.value:g} kg -> heavy",
            heavy.source,
            kind=mass_from,
            outcome="heavy" if is_heavy else "not heavy",
        ),
        is_heavy,
    )


def _surface_finding(runner: RunnerProfile, th: Thresholds) -> tuple[Finding, bool | None]:
    hard = th.convention("hard_surfaces")
    rule = "hard: " + ", ".join(hard.value)
    if runner.surface is None:
        return Finding("surface", None, "", rule, hard.source, kind="input", outcome="unknown"), None
    is_hard = runner.surface in hard.value
    return (
        Finding(
            "surface",
            runner.surface,
            "",
            rule,
            hard.source,
            kind="input",
            outcome="hard" if is_hard else "not hard",
        ),
        is_hard,
    )


def choose(
    cls: Classification,
    runner: RunnerProfile,
    th: Thresholds,
    *,
    mass_from: str = "input",
    asymmetry: list[Finding] | None = None,
) -> Choices:
    """Apply the rules to a classification and the runner's inputs.

    Parameters
    ----------
    cls : Classification
    runner : RunnerProfile
        With the effective body mass (the runner's, else the analysis').
    th : Thresholds
    mass_from : {"input", "measured"}
        Where the body mass came from (for the findings).
    asymmetry : list of Finding, optional
        Flagged left-right asymmetries (from the analysis summary) for the side notes.

    Returns
    -------
    Choices
    """
    cat = foot_category(cls.overall.arch, cls.overall.pronation)
    fired = [cat.rule]
    mass_f, heavy = _mass_finding(runner, th, mass_from)
    surf_f, hard = _surface_finding(runner, th)
    impact_high = cls.impact.label == "high"
    factors: list[Finding] = []
    if impact_high:
        factors.extend(cls.impact.findings)
    if heavy:
        factors.append(mass_f)
    if hard:
        factors.append(surf_f)
    need = int(th.value("load_factors_min"))
    loading = len(factors) >= need
    if loading:
        fired.append("high_loading")
    rule_f = _rule_finding(cat.rule)

    # Arch support.
    conflict_txt = (
        " Arch type and pronation tendency point opposite ways, so the safe neutral default is used."
        if cat.conflict
        else ""
    )
    support_text = {
        "neutral/accommodating": "Neutral or slightly accommodating arch shape that does not push the foot "
        "inward; the high arch needs comfort and shock absorption more than correction.",
        "moderate": "Moderate arch support." + conflict_txt,
        "strong pronation control": "Strong arch support with pronation control, to limit inward roll "
        "and keep the arch from collapsing.",
    }
    arch_choice = _ARCH_SUPPORT[cat.rule]
    arch_item = Item(
        "arch_support", arch_choice, support_text[arch_choice], (*cat.findings, rule_f), (cat.rule,)
    )

    # Cushioning.
    cushion = _BASE_CUSHIONING[cat.rule]
    c_findings: list[Finding] = [*cat.findings, rule_f]
    c_rules = [cat.rule]
    c_text = {
        "soft": "Ample, softer cushioning to absorb shock on a foot that absorbs little itself.",
        "moderate": "Moderate cushioning.",
        "dense": "Denser foam that gives stability and support and holds its shape.",
    }[cushion]
    if loading:
        c_rules.append("high_loading")
        c_findings.extend(factors)
        c_findings.append(_rule_finding("high_loading"))
        if cat.rule == "high_arch_supination" and not heavy:
            c_findings.append(mass_f)
            c_text += (
                " Loading is high, but for a high arch in a runner who is not heavy the softer cushioning "
                "stays; the gel heel pad takes the impact."
            )
        else:
            cushion = CUSHIONING_LEVELS[min(CUSHIONING_LEVELS.index(cushion) + 1, 2)]
            c_text = (
                f"{cushion.capitalize()} cushioning: loading is high ("
                + ", ".join(f.outcome if f.name != "valr" else "high loading rate" for f in factors)
                + "), so denser, durable foam (polyurethane) that does not bottom out."
            )
    unstable_f = _unstable_finding(cls, th)
    unstable = cushion == "soft" and unstable_f is not None and unstable_f.outcome == "large"
    if unstable:
        cushion = "moderate"
        fired.append("soft_unstable")
        c_rules.append("soft_unstable")
        c_findings.extend([unstable_f, _rule_finding("soft_unstable")])
        c_text = (
            "Moderate, firmer cushioning: the centre of pressure sways widely side to side, and very soft "
            "foam would make the foot less stable."
        )
    cushion_item = Item("cushioning", cushion, c_text, tuple(c_findings), tuple(dict.fromkeys(c_rules)))

    # Rigidity.
    r_findings: list[Finding] = [*cat.findings, rule_f]
    r_rules = [cat.rule]
    if cat.rule == "high_arch_supination":
        rigidity, r_text = "flexible", "Flexible insole that conforms to the foot."
        if unstable or heavy:
            rigidity = "semi-rigid"
            why = []
            if unstable:
                why.append("wide side-to-side sway")
                r_findings.append(unstable_f)
                r_rules.append("soft_unstable")
            if heavy:
                why.append("higher body mass")
                r_findings.append(mass_f)
            r_text = f"Semi-rigid rather than flexible because of {' and '.join(why)}."
    elif cat.rule == "flat_pronation":
        rigidity, r_text = (
            "semi-rigid",
            "Semi-rigid: support that holds the arch without feeling like a brace.",
        )
    else:
        rigidity, r_text = (
            "semi-rigid",
            "Semi-rigid: a good balance of support and flexibility (the safe default).",
        )
    if cat.severe:
        fired.append("severe")
        r_rules.append("severe")
        r_findings.append(_rule_finding("severe"))
        if cat.rule == "flat_pronation":
            rigidity = "rigid"
            r_text = (
                "Rigid support: the indicators are beyond the severe cut-points (see the orthotics advice)."
            )
        else:
            r_text += (
                " Indicators are beyond the severe cut-points, but a rigid shell is not suggested for a high, "
                "supinating foot; see the orthotics advice."
            )
    rigidity_item = Item("rigidity", rigidity, r_text, tuple(r_findings), tuple(dict.fromkeys(r_rules)))

    extras: list[Item] = []
    if loading or impact_high:
        h_findings = tuple(factors) if loading else tuple(cls.impact.findings)
        if loading:
            h_findings = (*factors, _rule_finding("high_loading"))
            h_rules: tuple[str, ...] = ("high_loading",)
            h_text = "A shock-absorbing gel pad under the heel."
        else:  # a high loading rate alone: only the gel part of the loading rule
            h_findings, h_rules = tuple(cls.impact.findings), ()
            h_text = "A shock-absorbing gel pad under the heel, for the high loading rate."
        extras.append(Item("heel_insert", "gel heel pad", h_text, h_findings, h_rules))
    materials = _materials(cushion, rigidity, cat, loading, impact_high, heavy, mass_f, extras)
    side_notes = _side_notes(cls, asymmetry or [])
    return Choices(
        arch_support=arch_item,
        cushioning=cushion_item,
        rigidity=rigidity_item,
        materials=materials,
        extras=extras,
        side_notes=side_notes,
        rules_fired=list(dict.fromkeys(fired)),
        category=cat,
        severe_findings=tuple(cat.findings) if cat.severe else (),
    )


def _unstable_finding(cls: Classification, th: Thresholds) -> Finding | None:
    entry = th.calibration.get("cop_ml_excursion_pct_unstable")
    value = cls.indicators.both.cop_ml_excursion_pct
    if not entry or not math.isfinite(value):
        return None
    limit = float(entry["value"])
    return Finding(
        "cop_ml_excursion_pct",
        value,
        "% foot width",
        f"> {limit:.3g} % -> large sway",
        entry["source"],
        kind="measured",
        outcome="large" if value > limit else "typical",
    )


def _materials(
    cushion: str,
    rigidity: str,
    cat: FootCategory,
    loading: bool,
    impact_high: bool,
    heavy: bool | None,
    mass_f: Finding,
    extras: list[Item],
) -> list[Item]:
    """Rank EVA, polyurethane, gel and carbon fiber by simple additive scores (ties: fixed order)."""
    c_f = Finding("cushioning", cushion, "", "chosen above", _METHODS, kind="derived", outcome=cushion)
    r_f = Finding("rigidity", rigidity, "", "chosen above", _METHODS, kind="derived", outcome=rigidity)
    score = {m: 0 for m in _MATERIAL_ORDER}
    why: dict[str, list[Finding]] = {m: [] for m in _MATERIAL_ORDER}
    roles = {
        "EVA": "main foam layer",
        "polyurethane": "main foam layer",
        "gel": "heel pad / pressure relief",
        "carbon fiber": "rigid shell",
    }
    if cushion in ("soft", "moderate"):
        score["EVA"] += 3
        why["EVA"].append(c_f)
    else:
        score["EVA"] += 1
        score["polyurethane"] += 3
        why["polyurethane"].append(c_f)
    if heavy:
        score["polyurethane"] += 1
        why["polyurethane"].append(mass_f)
    elif heavy is False:
        score["EVA"] += 1
        why["EVA"].append(mass_f)
    if loading or impact_high:
        score["gel"] += 2
        why["gel"].extend(extras[0].findings if extras else ())
    if cat.rule == "high_arch_supination":
        score["gel"] += 1
        why["gel"].extend(cat.findings)
    if rigidity == "rigid":
        score["carbon fiber"] += 3
        why["carbon fiber"].append(r_f)
    order = sorted(_MATERIAL_ORDER, key=lambda m: (-score[m], _MATERIAL_ORDER.index(m)))
    items = []
    for rank, m in enumerate(order, start=1):
        suitable = score[m] > 0
        findings = tuple(why[m]) or ((r_f,) if m == "carbon fiber" else (c_f,))
        if m == "carbon fiber" and not suitable:
            text = _MATERIAL_TEXT[m] + "; not needed, since rigid support is not indicated."
        elif m == "gel" and not suitable:
            text = _MATERIAL_TEXT[m] + "; optional, no high loading was found."
        elif m == "EVA" and cushion == "dense":
            text = _MATERIAL_TEXT[m] + "; fine as a top layer, with a denser base for the dense cushioning."
        else:
            text = f"{_MATERIAL_TEXT[m]} ({roles[m]})."
        items.append(Item("material", m, text, findings, (), rank=rank, suitable=suitable))
    return items


def _side_notes(cls: Classification, asymmetry: list[Finding]) -> list[Item]:
    notes: list[Item] = []
    if cls.sides_differ:
        for side, sc in cls.sides.items():
            cat = foot_category(sc.arch, sc.pronation, side)
            notes.append(
                Item(
                    "side_note",
                    _ARCH_SUPPORT[cat.rule],
                    f"{side.capitalize()} foot: {sc.arch.label} arch, {sc.pronation.label} -> "
                    f"{_ARCH_SUPPORT[cat.rule]} arch support, {_BASE_CUSHIONING[cat.rule]} cushioning. "
                    "Feet that differ can take different inserts; check both insoles sit the same way in the "
                    "shoes and re-record before acting on a one-sided difference.",
                    (*cat.findings, _rule_finding(cat.rule)),
                    (cat.rule,),
                    side=side,
                )
            )
    for f in asymmetry:
        larger = "left" if float(f.value) > 0 else "right"
        notes.append(
            Item(
                "side_note",
                "",
                f"{f.name.replace('_', ' ')} is {abs(float(f.value)):.0f} % larger on the {larger} side. "
                "Worth mentioning to a professional if pain is one-sided.",
                (f,),
                (),
                side=larger,
            )
        )
    return notes
