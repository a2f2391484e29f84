"""The recommender's rules: advice per activity, each gated by what the recording supports.

| topic | activity | decided from | grade | sources |
|---|---|---|---|---|
| cushioning | running | literature (comfort first; no denser foam for heavier runners) | expert opinion | Nigg 2015, Malisoux 2020, Mundermann 2003 |
| cushioning | walking | literature (comfort first; runners' studies, named as such) | expert opinion | Nigg 2015, Mundermann 2003 |
| loading_rate | running | measured mean VALR vs 66 BW/s | observational | Davis 2016, Renner 2019 |
| cadence | running | measured cadence vs 160 steps/min (sensorkit convention) | laboratory | Heiderscheit 2011 |
| arch_support, firmness | running, walking | the arch type the user states | guide | guide; Knapik 2014, Nielsen 2014 |
| foot_loading | running, walking | measured midfoot share and ML ratio vs the layout's uniform load | observational (a description, never a diagnosis) | De Cock 2008, Buldt 2018 |
| asymmetry | main activity | flagged symmetry indices (whole interval beyond the limit; every limit a sensorkit choice) | expert opinion (times), observational (forces, rates) | each limit's own: Sadeghi 2000 and Patterson 2008 (times), Herzog 1989 (forces; rates: a sensorkit widening of it) |
| standing | standing | weight-bearing share per standing period (description; its uneven-stance limit a sensorkit choice) | guide | guide; Prado-Rico 2019 when a period is uneven |
| material | running, walking | the guide's material descriptions | guide | guide |

Nothing here derives an arch type, a pronation label or a referral from a measurement.
"""

from __future__ import annotations

import math

import numpy as np

from sensorkit.analysis.params import ASYMMETRY_LIMITS_PCT
from sensorkit.analysis.summary import asymmetry_limit_source, bootstrap_means
from sensorkit.quantities import display_name
from sensorkit.recommend import conventions as C
from sensorkit.recommend.advice import Advice, Measure, Suppressed, fmt
from sensorkit.recommend.evidence import cite
from sensorkit.recommend.facts import Facts
from sensorkit.recommend.runner import RunnerProfile

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "activity_advice",
    "mean_interval",
    "standing_advice",
    "standing_suppressed",
]

#: Resamples of the bootstrap interval of a mean over steps (fixed seed: reproducible).
BOOTSTRAP_RESAMPLES = 2000
_SEED = 20261129

_ARCH_TEXT = {
    "low": (
        "arch support, in a semi-rigid insole",
        "The guide suggests supportive insoles with arch support for low arches or flat feet.",
        "semi-rigid",
    ),
    "neutral": (
        "moderate support and cushioning, semi-rigid",
        "The guide suggests moderate support and cushioning for neutral arches.",
        "semi-rigid",
    ),
    "high": (
        "a neutral or slightly accommodating shape with ample cushioning, flexible to semi-rigid",
        "The guide suggests cushioning and a neutral, accommodating shape for high arches, without forcing "
        "the foot inward.",
        "flexible to semi-rigid",
    ),
}


def mean_interval(values: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float]:
    """Mean of ``values`` and its 95 % percentile-bootstrap interval over the values (steps).

    The resampled means are those of the summary's intervals
    (:func:`sensorkit.analysis.summary.bootstrap_means`): drawn for up to 200 steps, from
    their normal limit above (docs/methods.md, "Asymmetry"), so an 8-hour session does not
    cost resamples x steps draws (4.4 s and 1.3 GB for 40 000 steps).

    Parameters
    ----------
    values : ndarray, shape (n,)
        Per-step values (NaN dropped).
    resamples : int

    Returns
    -------
    mean, low, high : float
        NaN when there are no finite values.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return math.nan, math.nan, math.nan
    means = bootstrap_means(v, resamples, np.random.default_rng(_SEED))
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(v.mean()), float(lo), float(hi)


def _summary(analysis, key: str) -> float:
    s = analysis.summary
    return float(s.loc[key, "both"]) if key in s.index else math.nan


def _stat(n: int, activity: str, extra: str = "") -> str:
    return f"mean of {n} steady-state {activity} steps{extra}, both feet, as in the summary"


def activity_advice(analysis, facts: Facts, runner: RunnerProfile) -> tuple[list[Advice], list[Suppressed]]:
    """Advice and suppressed topics for the recording's main activity (see the module table)."""
    advice: list[Advice] = []
    suppressed: list[Suppressed] = []
    act = facts.activity
    n_total = sum(facts.n_steps.values())
    if act not in ("running", "walking"):
        return advice, suppressed
    short = facts.steps_short()

    # Cushioning: comfort first (no measurement drives it).
    if act == "running":
        advice.append(
            Advice(
                "cushioning",
                "Cushioning",
                "Choose the cushioning that feels most comfortable when you run: comfort is the selection "
                "criterion with the most support. In the largest trial (848 runners, who ran in shoes with a "
                "softer or a harder midsole: shoes, not insoles), the softer shoe went with fewer injuries in "
                "lighter runners and made no difference in heavier ones, so a higher body mass is no reason to "
                "pick denser foam. Compare candidate insoles with "
                "'sensorkit compare' and your comfort ratings.",
                "running",
                "literature",
                "expert opinion",
                cite("nigg2015", "malisoux2020", "mundermann2003"),
                inputs={"body_mass_kg": runner.body_mass_kg},
            )
        )
    else:
        advice.append(
            Advice(
                "cushioning",
                "Cushioning",
                "Choose the cushioning that feels most comfortable when you walk; comfort is the selection "
                "criterion with the most support. No measured walking value points to a particular foam. "
                "Limit: the comfort criterion comes from studies of runners; it has not been tested on walkers.",
                "walking",
                "literature",
                "expert opinion",
                cite("nigg2015", "mundermann2003"),
            )
        )

    # Loading rate (running only).
    if act == "walking":
        suppressed.append(
            Suppressed(
                "loading_rate",
                "Impact loading",
                "walking: the running loading-rate reference (66 BW/s, Davis et al. 2016) does not apply to "
                "walking, so the walking loading rate drives no advice",
            )
        )
        suppressed.append(
            Suppressed(
                "cadence",
                "Cadence",
                f"walking ({fmt(facts.cadence_spm)} steps/min): the running cadence advice does not apply",
            )
        )
    else:
        advice.extend(_loading_rate(analysis, facts, suppressed))
        advice.extend(_cadence(facts, short, suppressed))

    # Arch support from the stated arch; the measured loading is described beside it.
    loading, loading_why = _foot_loading(facts, short)
    if loading is None:
        suppressed.append(Suppressed("foot_loading", "Foot loading pattern", loading_why))
    else:
        advice.append(loading)
    if runner.arch is None:
        suppressed.append(
            Suppressed(
                "arch_support",
                "Arch support",
                "no arch type stated: sensorkit does not infer arch type from insole loads (they do not "
                "identify it: De Cock et al. 2008, Buldt et al. 2018); give --arch low|neutral|high from a "
                "wet-footprint test or a clinician",
            )
        )
    else:
        advice.extend(_arch_support(runner, act, loading))
    advice.append(
        Advice(
            "material",
            "Material",
            "EVA foam is light and shock-absorbing; polyurethane is denser and more durable; gel absorbs shock "
            "and relieves pressure; carbon fibre is very rigid and light. Pick by comfort and durability; rigid "
            "shells are for problems a professional has assessed.",
            act,
            "guide",
            "guide",
            cite("guide"),
        )
    )
    advice.extend(_asymmetry(analysis, facts, short, suppressed))
    if facts.other_activity_steps:
        other = ", ".join(f"{n} {a}" for a, n in facts.other_activity_steps.items())
        suppressed.append(
            Suppressed(
                "other_activity",
                "Other activity",
                f"{other} steady-state steps were not used: the advice is for {act} ({n_total} steps), the "
                "activity with most steps; record the other activity on its own for advice on it",
            )
        )
    return advice, suppressed


def _loading_rate(analysis, facts: Facts, suppressed: list[Suppressed]) -> list[Advice]:
    why = None
    if facts.calibrated is False:
        why = f"uncalibrated insole ({facts.calibration_note}): force magnitudes are unknown"
    elif facts.body_mass_kg is None:
        why = (
            "body mass unknown: loading rates are in N/s and cannot be compared with the 66 BW/s reference; "
            "give the body mass (--mass KG, or body_mass_kg=)"
        )
    else:
        why = facts.valr_short()
    if why is not None:
        suppressed.append(Suppressed("loading_rate", "Impact loading", why))
        return []
    value = _summary(analysis, "valr_bw_s")
    n = sum(facts.n_reliable_valr.values())
    method = getattr(getattr(analysis, "info", None), "loading_rate_method", "")
    m = Measure(
        "valr_bw_s",
        "Average vertical loading rate (VALR)",
        value,
        "BW/s",
        _stat(n, "running", " with a reliable VALR") + f"; VALR reference: {method}",
        reference=f"{C.VALR_HIGH_BW_S:g} BW/s (force plate, Davis et al. 2016)",
    )
    if value > C.VALR_HIGH_BW_S:
        text = (
            f"Your loading rate ({fmt(value)} BW/s) is above the {C.VALR_HIGH_BW_S:g} BW/s that went with more "
            "injuries in female rearfoot runners measured on force plates; insoles read lower than force "
            "plates, so the true value is likely higher still. This is an association, not proof that "
            "lowering it prevents injury. Options: the most comfortable cushioning among insoles that lower "
            "it in a 'sensorkit compare' trial, and a gradual cadence increase."
        )
        kind = "advice"
    else:
        text = (
            f"Your loading rate ({fmt(value)} BW/s) is below the {C.VALR_HIGH_BW_S:g} BW/s force-plate figure. "
            "Insoles read lower than force plates, so this does not rule out high loading; no change is "
            "suggested from it."
        )
        kind = "description"
    return [
        Advice(
            "loading_rate",
            "Impact loading",
            text,
            "running",
            "measured",
            "observational",
            cite("davis2016", "renner2019"),
            (m,),
            kind=kind,
        )
    ]


def _cadence(facts: Facts, short: str | None, suppressed: list[Suppressed]) -> list[Advice]:
    if short is not None or not math.isfinite(facts.cadence_spm):
        suppressed.append(Suppressed("cadence", "Cadence", short or "cadence could not be measured"))
        return []
    cad = facts.cadence_spm
    m = Measure(
        "cadence_spm",
        "Cadence",
        cad,
        "steps/min",
        "120 / mean stride time of the steady-state running strides",
        reference=f"{C.LOW_RUNNING_CADENCE_SPM:g} steps/min (sensorkit convention)",
    )
    lo, hi = C.CADENCE_INCREASE_FRAC
    if cad < C.LOW_RUNNING_CADENCE_SPM:
        text = (
            f"Your running cadence is {cad:.0f} steps/min, below {C.LOW_RUNNING_CADENCE_SPM:g} (a sensorkit "
            f"convention). Raising it gradually by {lo:.0%}-{hi:.0%} (to about {cad * (1 + lo):.0f}-"
            f"{cad * (1 + hi):.0f}) reduced hip and knee loading in a laboratory study; try it with a coach "
            "or physical therapist."
        )
        kind = "advice"
    else:
        text = f"Your running cadence is {cad:.0f} steps/min; no change is suggested."
        kind = "description"
    return [
        Advice(
            "cadence",
            "Cadence",
            text,
            "running",
            "measured",
            "laboratory",
            cite("heiderscheit2011"),
            (m,),
            kind=kind,
        )
    ]


#: Differences from the uniform baseline smaller than this are float32 rounding, not loading (ratios).
_ROUNDING = 1e-6


def _relative(mean: float, lo: float, hi: float, base: float, more: str, less: str) -> str:
    """``more`` / ``less`` when the whole 95 % interval lies above / below ``base``."""
    if lo > base + _ROUNDING:
        return more
    if hi < base - _ROUNDING:
        return less
    return "not distinguishable from"


def _foot_loading(facts: Facts, short: str | None) -> tuple[Advice | None, str]:
    """A description of midfoot and medial-lateral loading relative to the layout's uniform load."""
    if facts.layout is None or facts.coverage is None or facts.baseline is None:
        return (
            None,
            "the insole layout is not known (pass the recording): its uniform-load baseline is needed",
        )
    if not facts.coverage.ok:
        return None, f"the {facts.layout.name} layout has {' and '.join(facts.coverage.missing)}"
    if facts.calibrated is False:
        return None, f"uncalibrated insole ({facts.calibration_note}): sensor loads cannot be compared"
    if short is not None:
        return None, short
    steps = facts.steps
    b = facts.baseline
    measures = []
    parts = []
    for key, label, base, unit_more, unit_less in (
        (
            "arch_indicator",
            "Midfoot share of heel + midfoot + forefoot load",
            b.arch_indicator,
            "more",
            "less",
        ),
        ("ml_ratio", "Medial-lateral ratio (+ medial)", b.ml_ratio, "more medial than", "more lateral than"),
    ):
        mean, lo, hi = mean_interval(steps[key].to_numpy(np.float64) if key in steps else np.array([]))
        if not math.isfinite(mean):
            continue
        n = int(np.isfinite(steps[key].to_numpy(np.float64)).sum())
        measures.append(
            Measure(
                key,
                label,
                mean,
                "",
                f"mean of {n} steady-state {facts.activity} steps, both feet; 95 % bootstrap interval "
                f"{fmt(lo)} to {fmt(hi)}",
                reference=f"{fmt(base)} under a uniform load on {b.layout}",
            )
        )
        rel = _relative(mean, lo, hi, base, unit_more, unit_less)
        if key == "arch_indicator":
            word = {"more": "more than", "less": "less than"}.get(rel, rel)
            parts.append(
                f"the midfoot carried {100 * mean:.1f} % of the heel, midfoot and forefoot load, {word} the "
                f"{100 * base:.1f} % a uniform load gives on this insole"
            )
        else:
            heavier = "medial" if mean > 0 else "lateral" if mean < 0 else "neither"
            parts.append(
                f"the medial-lateral ratio was {mean:+.3f} (the {heavier} side carried more), {rel} a uniform "
                f"load ({base:+.3f})"
                if heavier != "neither"
                else f"the medial-lateral ratio was 0 (both sides alike), {rel} a uniform load ({base:+.3f})"
            )
    if not measures:
        return None, "no step had the midfoot and medial-lateral loads measured"
    text = (
        "How load was spread over the sensors: "
        + "; ".join(parts)
        + ". This describes loading, not the arch: insole loading patterns do not identify foot type (a lower "
        "arch can even go with more lateral load). No foot type is inferred from it."
    )
    if facts.layout.positions_note:  # which sensors count as midfoot, medial or lateral rests on them
        text += (
            f" On the {facts.layout.name} layout the {facts.layout.positions_note}, so the split into midfoot, "
            "medial and lateral sensors is approximate too."
        )
    return (
        Advice(
            "foot_loading",
            "Foot loading pattern",
            text,
            facts.activity,
            "measured",
            "observational",
            cite("decock2008", "buldt2018"),
            tuple(measures),
            kind="description",
        ),
        "",
    )


def _arch_support(runner: RunnerProfile, act: str, loading: Advice | None) -> list[Advice]:
    support, guide_text, firmness = _ARCH_TEXT[runner.arch]
    how = "" if runner.arch_source == "not given" else f" (from a {runner.arch_source})"
    measured_note = (
        " The measured foot loading pattern (under 'What was measured') was not used to decide this, because it "
        "does not identify arch type."
        if loading is not None
        else ""
    )
    trial_note = (
        " Trials found that choosing footwear by arch type did not reduce injuries, so treat this as a starting "
        "point to try, and keep what is comfortable."
    )
    inputs = {"arch": runner.arch, "arch_source": runner.arch_source}
    return [
        Advice(
            "arch_support",
            "Arch support",
            f"You stated a {runner.arch} arch{how}: {support}. {guide_text}{trial_note}{measured_note}",
            act,
            "stated",
            "guide",
            cite("guide", "knapik2014", "nielsen2014"),
            inputs=inputs,
        ),
        Advice(
            "firmness",
            "Firmness",
            f"For a stated {runner.arch} arch the guide suggests a {firmness} insole; rigid insoles are for problems "
            "a professional has assessed.",
            act,
            "stated",
            "guide",
            cite("guide", "knapik2014"),
            inputs=inputs,
        ),
    ]


#: Per source of an asymmetry limit (:data:`sensorkit.analysis.params.ASYMMETRY_LIMIT_SOURCES`):
#: the citations a flag names, its grade and what the limit is.
_ASYMMETRY_LIMIT_BASIS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "sadeghi2000": (
        ("sadeghi2000", "patterson2008"),
        "expert opinion",
        "The limit (3-5 % for times) is sensorkit's own choice, not a published bound: healthy gait is "
        "not perfectly symmetric (Sadeghi et al. 2000, a review), and a normative range for a temporal "
        "symmetry ratio was 0.9-1.1 in 24 healthy controls (Patterson et al. 2008), a different measure "
        "whose range is wider than this limit.",
    ),
    "herzog1989": (
        ("herzog1989",),
        "observational",
        "The limit (10 % for forces) is sensorkit's own choice: in healthy walkers the limits of normal "
        "left-right difference depend on the variable, from about +/-4 % upward (Herzog et al. 1989).",
    ),
    "pradorico2019": (
        ("pradorico2019",),
        "observational",
        "The limit (10 % for standing loads) is sensorkit's own choice: healthy adults stand with a small "
        "left-right asymmetry on average and shift their weight between postures (Prado-Rico & Duarte "
        "2019), who give no limit.",
    ),
    "sensorkit": (
        ("herzog1989",),
        "observational",
        "The limit is sensorkit's own: its 10 % force limit (set against Herzog et al. 1989) widened to "
        "15 %, because a loading rate varies more from step to step than the force it rises to.",
    ),
}


def _asymmetry(analysis, facts: Facts, short: str | None, suppressed: list[Suppressed]) -> list[Advice]:
    asym = getattr(analysis, "asymmetry", None)
    if asym is None or not len(asym) or "status" not in asym:
        return []
    if short is not None:
        suppressed.append(Suppressed("asymmetry", "Left-right differences", short))
        return []
    if facts.calibrated is False:
        suppressed.append(
            Suppressed(
                "asymmetry",
                "Left-right differences",
                f"uncalibrated insoles ({facts.calibration_note}): the two insoles may read differently",
            )
        )
        return []
    out = []
    flagged = asym[asym["status"] == "asymmetric"]
    for metric, r in flagged.iterrows():
        if _bw_twin(str(metric)) in flagged.index:
            continue  # the same force in N and in BW has the same symmetry index: one item
        si = float(r["symmetry_index_pct"])
        larger = "left" if si > 0 else "right"
        name = display_name(str(metric))
        sources, grade, why_limit = _ASYMMETRY_LIMIT_BASIS[
            asymmetry_limit_source(str(metric)) or "herzog1989"
        ]
        out.append(
            Advice(
                "asymmetry",
                "Left-right difference",
                f"{name}: larger on the {larger} side, symmetry index {si:+.1f} % (95 % interval "
                f"{r['ci_low_pct']:+.1f} to {r['ci_high_pct']:+.1f} %, beyond the +/-{r['limit_pct']:g} % limit; "
                f"+ = left larger). {why_limit} Check that both insoles "
                "sit the same way and are calibrated alike (a difference between the two insoles' sensors "
                "looks the same), and re-record; mention it to a professional if pain is one-sided. No insole "
                "is shown to correct it.",
                facts.activity,
                "measured",
                grade,
                cite(*sources),
                (
                    Measure(
                        str(metric),
                        f"Symmetry index of {name}",
                        si,
                        "%",
                        f"(left - right) / mean, {int(r['n_left'])} left and {int(r['n_right'])} right steps",
                        reference=f"limit {r['limit_pct']:g} %",
                    ),
                ),
                kind="description",
                side=larger,
            )
        )
    return out


def standing_advice(facts: Facts) -> list[Advice]:
    """A description of standing weight bearing; no insole choice follows from it."""
    st = facts.standing
    if st is None or not len(st):
        return []
    share = st["left_share_pct"].to_numpy(np.float64)
    dur = (st["end_s"] - st["start_s"]).to_numpy(np.float64) if {"start_s", "end_s"} <= set(st) else None
    total = float(np.nansum(dur)) if dur is not None else math.nan
    mean_share = (
        float(np.nansum(share * dur) / total) if dur is not None and total > 0 else float(np.nanmean(share))
    )
    statuses = [str(s) for s in st["status"]]
    uneven = [s for s in statuses if s == "asymmetric"]
    m = Measure(
        "left_share_pct",
        "Left foot's share of the weight while standing",
        mean_share,
        "%",
        f"time-weighted mean of {len(st)} standing period(s), {fmt(total)} s",
        reference="50 % = even",
    )
    text = (
        f"While standing, the left foot carried {mean_share:.1f} % of the weight ({len(st)} period(s); "
        + (f"{len(uneven)} flagged as uneven). " if uneven else "none flagged as uneven). ")
        + "None of the sources behind this recommender covers choosing insoles from standing load, so no "
        "insole choice is made from it: pick what is comfortable for long standing, with a good fit."
    )
    if uneven:
        text += (
            f" Uneven: the whole interval of the symmetry index beyond +/-{ASYMMETRY_LIMITS_PCT['standing_force_n']:g} %, "
            "a limit of sensorkit's choosing (healthy adults stand with a small left-right asymmetry on average "
            "and shift their weight between postures; Prado-Rico & Duarte 2019). Check that both insoles sit "
            "the same way and are calibrated alike, and re-record; mention an uneven stance to a professional "
            "if you have pain."
        )
    return [
        Advice(
            "standing",
            "Standing",
            text,
            "standing",
            "measured",
            "guide",
            cite("guide", "pradorico2019") if uneven else cite("guide"),
            (m,),
            kind="description",
        )
    ]


def standing_suppressed(
    standing: list[Advice], runner: RunnerProfile
) -> tuple[list[Advice], list[Suppressed]]:
    """Standing advice plus the stated-arch advice, and the step-based topics a standing recording cannot support."""
    advice = list(standing)
    suppressed = [
        Suppressed(
            topic,
            title,
            "standing only: no steps, so nothing to measure it from",
        )
        for topic, title in (
            ("loading_rate", "Impact loading"),
            ("cadence", "Cadence"),
            ("foot_loading", "Foot loading pattern"),
        )
    ]
    if runner.arch is None:
        suppressed.append(
            Suppressed(
                "arch_support",
                "Arch support",
                "no arch type stated; give --arch low|neutral|high from a wet-footprint test or a clinician",
            )
        )
    else:
        advice.extend(_arch_support(runner, "standing", None))
    return advice, suppressed


#: Unit suffixes of a force-like metric in newtons and its twin in body weights.
_N_TO_BW = (("_n", "_bw"), ("_n_s", "_bw_s"), ("_Ns", "_BWs"))


def _bw_twin(metric: str) -> str | None:
    """The body-weight column of a metric in newtons (``peak_force_n`` -> ``peak_force_bw``,
    ``valr_n_s`` -> ``valr_bw_s``, ``impulse_Ns`` -> ``impulse_BWs``), None for others."""
    for n, bw in _N_TO_BW:
        if metric.endswith(n):
            return metric[: -len(n)] + bw
    return None
