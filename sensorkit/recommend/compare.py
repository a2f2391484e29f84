"""``sk.compare``: an insole trial. Sessions of one person with different insoles or shoes, compared
with the baseline, and the most comfortable option that does not worsen loading or asymmetry.

Comfort first (Nigg et al. 2015; Mundermann et al. 2003): the user rates each option's comfort
(0-10); the measurements only rule out options that make impact loading or left-right
asymmetry clearly worse than the baseline (the whole 95 % interval of the difference above
zero). Statistics: :mod:`sensorkit.recommend.trial`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.analysis.summary import summary_steps
from sensorkit.quantities import display_unit, format_difference, format_value
from sensorkit.recommend.evidence import Citation, cite
from sensorkit.recommend.trial import TrialMetric, difference_table, trial_metrics

__all__ = ["Comparison", "compare"]

INFERENCE_NOTE = (
    "The intervals are over steps (and over sessions when a condition has several): they describe this "
    "person in these sessions, not people in general. Record two or more sessions per insole, in a "
    "randomised order, to include day-to-day variation."
)


@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    table : DataFrame
        Tidy per-condition, per-metric table (:data:`sensorkit.recommend.trial.TABLE_COLUMNS`).
    conditions : DataFrame
        One row per condition: ``condition``, ``n_sessions``, ``n_steps``, ``comfort``,
        ``loading_rate_method``, ``worsens`` (bool), ``n_checked`` (loading and asymmetry rows
        compared with the baseline; an option with none is "not checked", never suggested as
        not worsening), ``worse_metrics``, ``better_metrics``.
    baseline : str
    activity : {"running", "walking"}
    suggested : str or None
        The suggested option (None without comfort ratings or eligible options).
    suggestion : str
        The suggestion, or why there is none, in one or two sentences.
    notes : list of str
    citations : tuple of Citation
    warnings : list of str
        What makes the sessions no insole trial of one person, first: different subject
        identifiers, or body masses further apart than one person's weight changes within a
        trial (:data:`MASS_TOLERANCE`). The terminal text, the JSON and the report put them first.
        Identifiers are compared stripped and case-folded (``"P07"`` and ``"p07 "`` are one);
        identifiers that are only file names (``subject_from_file_name`` without the dataset's
        own naming: ``P07-week1.txt`` and ``P07-week2.txt`` may be copies of one walk) are weak
        evidence: when only they differ, a warning says so and nothing is withheld.
    people : dict
        ``same_person`` (True, False, or None when nothing tells), ``stated`` (True when the
        caller said they are one person: ``same_person=True``, ``--same-person``), and per
        condition ``subjects`` (as written), ``subject_evidence`` (``"recorded"``,
        ``"dataset file name"``, ``"file name"`` or None),
        ``body_mass_kg`` (the mass used) and ``recording_body_mass_kg`` (the recording's own;
        one entry per session, None when unknown). A mass given (``--mass``,
        ``body_mass_kg=``) more than :data:`MASS_TOLERANCE` from a recording's own is warned of.
    """

    table: pd.DataFrame
    conditions: pd.DataFrame
    baseline: str
    activity: str
    suggested: str | None
    suggestion: str
    notes: list[str] = field(default_factory=list)
    citations: tuple[Citation, ...] = ()
    warnings: list[str] = field(default_factory=list)
    people: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        from sensorkit.recommend.result import _clean

        return _clean(
            {
                "schema": "sensorkit.comparison/1",
                "warnings": list(self.warnings),
                "people": self.people,
                "baseline": self.baseline,
                "activity": self.activity,
                "suggested": self.suggested,
                "suggestion": self.suggestion,
                "conditions": self.conditions.to_dict(orient="records"),
                "table": self.table.to_dict(orient="records"),
                "notes": list(self.notes),
                "citations": [c.to_dict() for c in self.citations],
            }
        )

    def text(self) -> str:
        """Plain-text rendering for the terminal."""
        lines = [f"Insole trial ({self.activity}); baseline: {self.baseline}", ""]
        if self.warnings:
            lines[1:1] = ["", *("WARNING: " + w for w in self.warnings)]
        cond = self.conditions
        lines.append("condition          sessions  steps  comfort  worsens")
        for r in cond.itertuples(index=False):
            comfort = (
                "-" if r.comfort is None or not math.isfinite(float(r.comfort)) else f"{float(r.comfort):g}"
            )
            worse = worsens_text(r._asdict(), self.baseline)
            lines.append(
                f"{str(r.condition)[:18]:<18} {r.n_sessions:>8}  {r.n_steps:>5}  {comfort:>7}  {worse}"
            )
        lines.append("")
        for name in cond["condition"]:
            if name == self.baseline:
                continue
            lines.append(f"{name} - {self.baseline} (95 % bootstrap interval):")
            for r in self.table[self.table["condition"] == name].itertuples(index=False):
                if str(r.verdict).startswith(("not ", "baseline")):
                    lines.append(f"  {r.label:<46} {r.verdict}")
                    continue
                unit = display_unit(r.metric)
                lines.append(
                    f"  {r.label:<46} {format_value(r.metric, r.value):>7} vs "
                    f"{format_value(r.metric, r.baseline_value):>7} {unit:<5} "
                    f"diff {format_difference(r.metric, r.difference)} [{format_difference(r.metric, r.ci_low)}, "
                    f"{format_difference(r.metric, r.ci_high)}]  {r.verdict}"
                )
        lines += ["", "Suggestion: " + self.suggestion, "", *("Note: " + n for n in self.notes)]
        lines.append("Sources: " + "; ".join(c.short for c in self.citations))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _is_analysis(obj: Any) -> bool:
    return hasattr(obj, "steps") and hasattr(obj, "summary")


def _as_analysis(obj: Any, analyze_kwargs: dict) -> Any:
    """An Analysis as given; a Recording, a file path or a DataFrame analysed (as ``sk.analyze`` does)."""
    if _is_analysis(obj):
        return obj
    if isinstance(obj, (str, os.PathLike, pd.DataFrame)) or (hasattr(obj, "time") and hasattr(obj, "layout")):
        from sensorkit.analysis import analyze

        return analyze(obj, **analyze_kwargs)
    raise TypeError(
        "compare takes, per session, the result of sk.analyze(...) (an Analysis), a Recording, a file "
        f"path or a DataFrame, not {type(obj).__name__}"
    )


def _groups(sessions: Any, labels: Sequence[str] | None) -> dict[str, list[Any]]:
    if isinstance(sessions, (str, os.PathLike)):  # not a sequence of one-letter file names
        raise TypeError(
            f"compare takes a list of sessions, the baseline first (sk.compare([base, option])), not one "
            f"{type(sessions).__name__}"
        )
    if isinstance(sessions, Mapping):
        if labels is not None:
            raise ValueError("give labels either as the mapping's keys or as labels=, not both")
        items = [(str(k), v) for k, v in sessions.items()]
    else:
        items = []
        seq = list(sessions)
        if labels is not None and len(labels) != len(seq):
            raise ValueError(f"{len(labels)} labels for {len(seq)} conditions")
        for i, v in enumerate(seq):
            items.append(
                (str(labels[i]) if labels is not None else ("baseline" if i == 0 else f"option {i}"), v)
            )
    out: dict[str, list[Any]] = {}
    for name, v in items:
        if name in out:
            raise ValueError(f"condition label {name!r} is used twice")
        out[name] = list(v) if isinstance(v, (list, tuple)) else [v]
    return out


def compare(
    sessions: Sequence[Any] | Mapping[str, Any],
    *,
    comfort: Sequence[float] | Mapping[str, float] | None = None,
    labels: Sequence[str] | None = None,
    resamples: int = 2000,
    seed: int = 16,
    same_person: bool = False,
    **analyze_kwargs: Any,
) -> Comparison:
    """Compare sessions of one person with different insoles (or shoes) against the first, the baseline.

    Parameters
    ----------
    sessions : sequence or mapping
        One entry per condition, the baseline first: an Analysis, a Recording, a file path or a
        DataFrame (analysed with :func:`sensorkit.analyze`, as ``sk.recommend`` and ``sk.report``
        take them), or a list of them (repeated sessions of that condition). A mapping gives
        the labels as keys (``{"own": "own.txt", "A": [rec1, rec2]}``).
    comfort : sequence or mapping of float, optional
        Comfort rating 0-10 of each condition, in order (or by label).
    labels : sequence of str, optional
        Condition labels (default "baseline", "option 1", ...).
    resamples : int
        Bootstrap resamples.
    seed : int
        Bootstrap seed.
    same_person : bool
        The sessions are of one person, whatever their subject identifiers or body masses say
        (a subject renamed between sessions, files named by date): they are compared as one
        person's, and the warnings say that this was stated and what it overrides.
    **analyze_kwargs
        Passed to :func:`sensorkit.analyze` for what is not yet an Analysis (e.g. ``body_mass_kg``).

    Returns
    -------
    Comparison

    Raises
    ------
    TypeError
        A session that is none of these, or one path instead of a list of sessions.
    ValueError
        Fewer than two conditions, sessions of different activities, no running or walking
        steps, comfort ratings that do not match the conditions or lie outside 0-10.

    Examples
    --------
    >>> import sensorkit as sk
    >>> hard = sk.simulate(duration_s=30, seed=1, rate_hz=500, impact_scale=1.5)
    >>> soft = sk.simulate(duration_s=30, seed=2, rate_hz=500, impact_scale=1.2, impact_tau_peak=0.1)
    >>> cmp = sk.compare([hard, soft], labels=["own", "soft"], comfort=[6, 7])
    >>> cmp.suggested
    'soft'
    """
    groups = _groups(sessions, labels)
    if len(groups) < 2:
        raise ValueError("compare needs at least two conditions: a baseline and one candidate")
    analyses = {k: [_as_analysis(s, analyze_kwargs) for s in v] for k, v in groups.items()}
    acts = {(k, i): a.activity for k, v in analyses.items() for i, a in enumerate(v)}
    kinds = set(acts.values())
    if len(kinds) != 1 or next(iter(kinds)) not in ("running", "walking"):
        detail = ", ".join(f"{k}#{i + 1}: {a}" for (k, i), a in acts.items())
        raise ValueError(
            f"sessions must all be running or all walking to be compared ({detail}); record each option "
            "doing the same activity"
        )
    activity = next(iter(kinds))
    units = {a.force_units for v in analyses.values() for a in v}
    force_units = "BW" if units == {"BW"} else "N"
    notes = [INFERENCE_NOTE]
    people, warnings = _people(analyses, stated_same=bool(same_person))
    if units != {"BW"}:
        if people["same_person"] is False:
            unknown = [k for k, v in analyses.items() if any(a.force_units != "BW" for a in v)]
            warnings.append(
                "forces and loading rates are compared in N and N/s, not in body weights: no body mass for "
                f"{', '.join(unknown)}. Between people of different size a difference in N is mostly their "
                "weight; give each condition's mass (--mass KG1,KG2,...) to compare in BW"
            )
        else:
            notes.append("not every session has a body mass: forces and rates are compared in N and N/s")
    elif people["same_person"] is False:
        notes.append("forces and loading rates are in body weights (BW) of each session's own body mass")
    metrics: tuple[TrialMetric, ...] = trial_metrics(activity, force_units)
    steps = {k: [summary_steps(a.steps, activity) for a in v] for k, v in analyses.items()}
    names = list(groups)
    base = names[0]
    methods = {
        k: sorted({str(getattr(a.info, "loading_rate_method", "")) for a in v}) for k, v in analyses.items()
    }
    bad: dict[tuple[str, str], str] = {}
    if activity == "running":
        for k in names[1:]:
            if methods[k] != methods[base]:
                reason = (
                    f"loading-rate method {'/'.join(methods[k])} vs {'/'.join(methods[base])} in the baseline"
                )
                for m in metrics:
                    if m.reliable_only:
                        bad[(k, m.key)] = reason
                notes.append(f"{k}: {reason}, so its loading rates are not compared")
    min_per_side = min(int(a.params.min_steps_asymmetry) for v in analyses.values() for a in v)
    paced = _pace_differs(steps, names, base)
    for k, reason in paced.items():
        for m in metrics:  # every force (peak force too): the times show the pace itself
            if m.role == "loading" or (m.role == "context" and m.key.startswith("peak_force")):
                bad.setdefault((k, m.key), reason)
        notes.append(
            f"{k}: {reason}; peak force and loading rate rise with speed (Keller et al. 1996), so its "
            "forces are not compared: record each option at the same pace"
        )
    if people["same_person"] is False and force_units == "N":
        for k in names[1:]:  # a force in N between people of different size compares their weights
            for m in metrics:
                if m.unit in ("N", "N/s"):
                    bad.setdefault((k, m.key), "different people, no body mass (N, not BW)")
    table = difference_table(
        steps,
        metrics,
        baseline=base,
        resamples=resamples,
        seed=seed,
        not_comparable=bad,
        min_steps_per_side=min_per_side,
    )
    ratings = _comfort(comfort, names)
    rows = []
    for k in names:
        part = table[table["condition"] == k]
        judged = part[part["role"].isin(("loading", "asymmetry"))]
        checked = judged["verdict"].isin(_COMPARED)  # the baseline's rows say "baseline"
        worse = judged[judged["verdict"] == "higher"]["label"].tolist()
        better = judged[judged["verdict"] == "lower"]["label"].tolist()
        rows.append(
            {
                "condition": k,
                "n_sessions": len(groups[k]),
                "n_steps": int(sum(len(s) for s in steps[k])),
                "comfort": ratings.get(k, math.nan),
                "loading_rate_method": "/".join(methods[k]),
                "worsens": bool(worse) and k != base,
                "n_checked": int(checked.sum()),
                "worse_metrics": "; ".join(worse) if k != base else "",
                "better_metrics": "; ".join(better) if k != base else "",
            }
        )
    cond = pd.DataFrame(rows)
    min_steps = min(int(getattr(a.params, "min_steps_asymmetry", 5)) for v in analyses.values() for a in v)
    short = [k for k in names if any(len(s) < 2 * min_steps for s in steps[k])]
    if short:
        notes.append(
            f"few steady-state steps in {', '.join(short)}: intervals are wide; record longer sessions"
        )
    if all(len(groups[k]) == 1 for k in names):
        notes.append(
            "one session per condition: a difference may also be day-to-day variation, which these intervals do not cover"
        )
    suggested, text = _suggest(cond, base, bool(ratings), table)
    if people["same_person"] is False:  # differences between people are not an insole's effect
        suggested = None
        text = (
            "No suggestion: these sessions are not of one person (see the warning), so their differences "
            "are differences between people, not between insoles. Compare sessions of one person."
        )
    return Comparison(
        table=table,
        conditions=cond,
        baseline=base,
        activity=activity,
        suggested=suggested,
        suggestion=text,
        notes=notes,
        citations=cite(
            "nigg2015",
            "mundermann2003",
            *(("keller1996",) if paced else ()),
            *(("orsama2014", "turicchi2020") if people["masses_differ"] else ()),
        ),
        warnings=warnings,
        people={k: v for k, v in people.items() if k != "masses_differ"},
    )


#: Body masses of one person's sessions further apart than this fraction (of the smaller) are taken
#: for different people or a wrong mass. Body weight rises at weekends and falls on weekdays
#: (Orsama et al. 2014), within-week fluctuations of 0.35 % in 1,421 adults of a trial (Turicchi
#: et al. 2020), and it varies within a day (meals, fluids). A convention of this module, many
#: times the within-week fluctuation, not a published limit.
MASS_TOLERANCE = 0.05


def subject_key(subject: Any) -> str:
    """A subject identifier as compared: stripped and case-folded (``" p07 "`` and ``"P07"`` are one
    person); ``""`` for none."""
    return "" if subject is None else str(subject).strip().casefold()


def _weak_subject(source: Mapping[str, Any]) -> bool:
    """True when the session's subject identifier is only a file name (a reader took it from the
    name of a file that is not in its dataset's own naming): a renamed copy of one recording
    carries another one."""
    return bool(source.get("subject_from_file_name")) and not source.get("subject_naming")


def _people(
    analyses: Mapping[str, Sequence[Any]], *, stated_same: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Who the sessions are of: subject identifiers and body masses per condition, and warnings
    when they are not one person (``stated_same``: the user said they are)."""
    sources = {k: [a.source or {} for a in v] for k, v in analyses.items()}
    subjects = {k: [src.get("subject") for src in v] for k, v in sources.items()}
    masses = {k: [a.body_mass_kg for a in v] for k, v in analyses.items()}
    ids = [(subject_key(src.get("subject")), _weak_subject(src)) for v in sources.values() for src in v]
    known = {key for key, _ in ids if key}
    strong = {key for key, weak in ids if key and not weak}
    weights = [float(m) for v in masses.values() for m in v if m is not None]
    spread = max(weights) / min(weights) - 1.0 if len(weights) > 1 else 0.0
    masses_differ = spread > MASS_TOLERANCE
    warnings = []

    def listing(values: Mapping[str, list[Any]], unit: str = "") -> str:
        return ", ".join(
            f"{k}: {'/'.join('?' if x is None else f'{x:g}{unit}' if unit else str(x) for x in v)}"
            for k, v in values.items()
        )

    def id_listing() -> str:
        return ", ".join(
            f"{k}: "
            + "/".join(
                "?"
                if not src.get("subject")
                else str(src["subject"]) + (" (file name)" if _weak_subject(src) else "")
                for src in v
            )
            for k, v in sources.items()
        )

    one_id = len(known) == 1 and all(key for key, _ in ids)  # on every session
    same_hint = "; if they are one person, say so with --same-person (same_person=True)"
    if stated_same:
        differ = [
            what
            for what, yes in (
                (f"subject identifiers ({id_listing()})", len(known) > 1),
                (f"body masses ({listing(masses, ' kg')})", masses_differ),
            )
            if yes
        ]
        warnings.append(
            "ONE PERSON, as stated (--same-person, same_person=True): compared as one person's sessions"
            + (f", although their {' and '.join(differ)} differ" if differ else "")
        )
    elif len(strong) > 1:
        warnings.append(
            f"DIFFERENT PEOPLE: the sessions carry different subject identifiers ({id_listing()}). "
            "An insole trial compares one person's sessions; differences between people (body size, age, "
            "gait) are not an insole's effect" + same_hint
        )
    elif len(known) > 1:  # they differ only through identifiers that are file names
        warnings.append(
            f"subject identifiers differ ({id_listing()}), but only through file names, not through "
            "anything recorded: copies of one recording named differently differ too. If these sessions "
            "are not of one person, this is no insole trial (differences between people are not an "
            "insole's effect)" + same_hint
        )
    if masses_differ:
        warnings.append(
            f"body masses differ by {100.0 * spread:.0f} % ({listing(masses, ' kg')}), more than one "
            f"person's weight changes within a trial ({100.0 * MASS_TOLERANCE:.0f} %): "
            + (
                "a wrong mass? (stated to be one person; BW values depend on it)"
                if stated_same
                else "different people"
                if len(strong) > 1
                else f"a wrong mass? (every session is of {_first_subject(subjects)}; BW values depend on it)"
                if one_id
                else "probably different people" + same_hint
            )
        )
    own = {k: [src.get("recording_body_mass_kg") for src in v] for k, v in sources.items()}
    overridden = [
        (k, float(o), float(m))
        for k in masses
        for o, m in zip(own[k], masses[k], strict=True)
        if o is not None and m is not None and max(o, m) / min(o, m) - 1.0 > MASS_TOLERANCE
    ]
    if overridden:  # a --mass for every condition over the files' own: one of them is wrong
        warnings.append(
            "the body mass given differs from the recording's own by more than "
            f"{100.0 * MASS_TOLERANCE:.0f} % ("
            + ", ".join(
                f"{k}: {m:g} kg given, {o:g} kg in the recording ({100.0 * (max(o, m) / min(o, m) - 1.0):.0f} %)"
                for k, o, m in overridden
            )
            + "): BW values use the mass given; check --mass (body_mass_kg=)"
        )
    if stated_same:
        same: bool | None = True
    elif len(strong) > 1 or (masses_differ and not one_id):
        same = False
    else:
        same = True if one_id else None
    people = {
        "same_person": same,
        "stated": stated_same,
        "subjects": subjects,
        "subject_evidence": {k: [_evidence(src) for src in v] for k, v in sources.items()},
        "body_mass_kg": masses,
        "recording_body_mass_kg": own,
        "masses_differ": masses_differ,
    }
    return people, warnings


def _evidence(source: Mapping[str, Any]) -> str | None:
    """Where a session's subject identifier comes from: ``"recorded"`` (the file's content or the
    recording's metadata), ``"dataset file name"`` (a file named in its dataset's own form),
    ``"file name"`` (weak evidence), None without an identifier."""
    if not subject_key(source.get("subject")):
        return None
    if not source.get("subject_from_file_name"):
        return "recorded"
    return "dataset file name" if source.get("subject_naming") else "file name"


def _first_subject(subjects: Mapping[str, Sequence[Any]]) -> str:
    """The first subject identifier given, as written."""
    return next(str(s).strip() for v in subjects.values() for s in v if s)


#: Verdicts of a row that was compared with the baseline (the others: not comparable, not
#: measured, not enough data, baseline).
_COMPARED = ("higher", "lower", "no clear difference")


def worsens_text(row: Mapping[str, Any], baseline: str) -> str:
    """The "worsens" cell of an option (a row of :attr:`Comparison.conditions`): ``baseline``,
    ``yes: <metrics>``, ``not checked`` (no loading or asymmetry row could be compared) or ``no``."""
    if row["condition"] == baseline:
        return "baseline"
    if row["worsens"]:
        return "yes: " + str(row["worse_metrics"])
    return "no" if int(row.get("n_checked", 0)) > 0 else "not checked"


#: A condition whose mean stride or contact time differs from the baseline's by more than this
#: fraction was walked or run at another pace (a convention of this module, not a published limit).
PACE_TOLERANCE = 0.10


def _pace_differs(steps: Mapping[str, Sequence[pd.DataFrame]], names: list[str], base: str) -> dict[str, str]:
    """``condition -> reason`` for the conditions at another pace than the baseline.

    Loading rates and force peaks depend on speed; a trial whose pace changed (one Moticon
    walk's stride was 59 % longer than the other's) would credit the insole with the pace.
    Walkers change speed mostly through their stride time, runners through stride length, which
    shows in the contact time (a run at 4.5 against 3.0 m/s: stride time -6 %, contact time
    -31 %): either one more than :data:`PACE_TOLERANCE` from the baseline's is another pace.
    """

    def mean(k: str, column: str) -> float:
        v = np.concatenate([s[column].to_numpy(np.float64) for s in steps[k] if column in s])
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else math.nan

    out: dict[str, str] = {}
    for column, label in (("stride_time_s", "stride time"), ("contact_time_s", "contact time")):
        ref = mean(base, column)
        for k in names:
            if k == base or k in out or not ref > 0:
                continue
            change = mean(k, column) / ref - 1.0
            if math.isfinite(change) and abs(change) > PACE_TOLERANCE:
                out[k] = f"pace differs ({label} {100.0 * change:+.0f} % vs the baseline)"
    return out


def _comfort(comfort: Any, names: list[str]) -> dict[str, float]:
    if comfort is None:
        return {}
    if isinstance(comfort, Mapping):
        unknown = set(comfort) - set(names)
        if unknown:
            raise ValueError(f"comfort given for unknown conditions {sorted(unknown)}")
        values = {str(k): float(v) for k, v in comfort.items()}
    else:
        seq = [float(v) for v in comfort]
        if len(seq) != len(names):
            raise ValueError(
                f"{len(seq)} comfort ratings for {len(names)} conditions: give one per condition"
            )
        values = dict(zip(names, seq, strict=True))
    for k, v in values.items():
        if not (math.isfinite(v) and 0.0 <= v <= 10.0):
            raise ValueError(f"comfort of {k!r} must be on the 0-10 scale, got {v:g}")
    missing = [k for k in names if k not in values]
    if missing:
        raise ValueError(f"no comfort rating for {', '.join(missing)}")
    return values


def _suggest(
    cond: pd.DataFrame, base: str, rated: bool, table: pd.DataFrame | None = None
) -> tuple[str | None, str]:
    worse = cond[cond["worsens"]]
    excluded = "; ".join(f"{r.condition} (higher {r.worse_metrics})" for r in worse.itertuples(index=False))
    if not rated:
        text = (
            "No comfort ratings: rate each option 0-10 (--comfort) to get a suggestion; comfort comes first."
        )
        if excluded:
            text += f" Measured: {excluded} worsened loading or asymmetry."
        return None, text
    ok = cond[~cond["worsens"]].copy()
    ok["n_better"] = ok["better_metrics"].map(lambda s: len([x for x in s.split("; ") if x]))
    ok["order"] = range(len(ok))
    best = ok.sort_values(["comfort", "n_better", "order"], ascending=[False, False, True]).iloc[0]
    name = str(best["condition"])
    if name != base and int(best["n_checked"]) == 0:  # "not found to worsen" would claim a check
        open_ = _not_checked(table, name) if table is not None else ""
        text = (
            f"No suggestion: {name} was rated the most comfortable ({float(best['comfort']):g}/10), but none of its "
            "impact loading or left-right asymmetry could be compared with the baseline."
            + (f" Not checked: {open_}." if open_ else "")
            + " Record it again like the baseline (same pace, enough steps a side) to check it."
        )
        if excluded:
            text += f" Ruled out: {excluded}."
        return None, text
    if name != base:
        text = (
            f"{name}: the most comfortable option ({float(best['comfort']):g}/10) not found to worsen impact "
            "loading or left-right asymmetry against the baseline."
        )
    else:
        text = (
            f"keep {name} (comfort {float(best['comfort']):g}/10): no other option is more comfortable without "
            "a measured worsening of impact loading or left-right asymmetry."
        )
    if best["better_metrics"]:
        text += f" It lowered: {best['better_metrics']}."
    if table is not None:  # what "not found to worsen" could not check for it
        open_ = _not_checked(table, name)
        if open_:
            text += f" Not checked for it: {open_}."
    if excluded:
        text += f" Ruled out: {excluded}."
    return name, text


def _not_checked(table: pd.DataFrame, name: str) -> str:
    """The loading and asymmetry rows of ``name`` not compared with the baseline, with why."""
    judged = table[(table["condition"] == name) & table["role"].isin(("loading", "asymmetry"))]
    open_ = judged[~judged["verdict"].isin((*_COMPARED, "baseline"))]
    return "; ".join(
        f"{r.label}: {r.verdict.removeprefix('not comparable: ')}" for r in open_.itertuples(index=False)
    )
