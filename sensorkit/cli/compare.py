"""``sensorkit compare BASE A [B ...] [--comfort 6,8,7] [--labels own,A,B] [--same-person] [--report out.html] [--json]``.

An insole trial: sessions of one person with different insoles or shoes, each compared with
the first (the baseline). Repeated sessions of one condition: join files with "+" in one
argument (``own1.skr+own2.skr``) or give ``label=file1,file2``. Prints the per-metric
differences with 95 % bootstrap intervals and suggests the most comfortable option that does
not worsen impact loading or left-right asymmetry.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import sensorkit as sk
from sensorkit.cli.console import console
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.recording import validate_body_mass_kg

__all__ = ["add_parser", "parse_condition", "run"]


def parse_condition(text: str) -> tuple[str | None, list[str]]:
    """``"label=f1,f2"`` -> ("label", [f1, f2]); ``"f1+f2"`` -> (None, [f1, f2]); ``"f"`` -> (None, [f])."""
    label = None
    files = text
    if "=" in text:
        label, files = text.split("=", 1)
        label = label.strip()
        if not label:
            raise argparse.ArgumentTypeError(f"empty label in {text!r}")
        parts = [f for f in files.split(",") if f]
    else:
        parts = [f for f in files.split("+") if f]
    if not parts:
        raise argparse.ArgumentTypeError(f"no file in {text!r}")
    return label, parts


def _numbers(text: str, expected: str) -> list[float]:
    """Comma-separated numbers of an option; ``expected`` says what they must be, for the error."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None


def _ratings(text: str) -> list[float]:
    values = _numbers(text, "comfort ratings must be numbers 0-10 separated by commas")
    for v in values:
        if not 0.0 <= v <= 10.0:
            raise argparse.ArgumentTypeError(f"comfort ratings must be on the 0-10 scale, got {v:g}")
    return values


def _masses(text: str) -> list[float]:
    """``"70"`` (every condition) or ``"83,101,65"`` (one per condition, in order), in kg."""
    values = _numbers(
        text, "--mass takes kilograms, one for all conditions or one per condition separated by commas"
    )
    try:
        return [validate_body_mass_kg(v) for v in values]
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``compare`` verb."""
    p = sub.add_parser(
        "compare",
        help="insole trial: compare sessions with different insoles against a baseline, comfort first",
        description="Compare sessions of one person with different insoles or shoes. The first condition is "
        "the baseline. Each condition is a file, several files joined with '+', or label=file1,file2 "
        "(repeated sessions, ideally recorded in a randomised order). Intervals are bootstrap intervals over "
        "steps (and sessions): they are about you in these sessions, not about people in general.",
    )
    p.add_argument(
        "conditions",
        nargs="+",
        metavar="CONDITION",
        type=parse_condition,
        help="a file, f1+f2, or label=f1,f2",
    )
    p.add_argument(
        "--comfort",
        type=_ratings,
        metavar="R1,R2,...",
        help="comfort rating 0-10 of each condition, in order",
    )
    p.add_argument(
        "--labels", metavar="L1,L2,...", help="labels of the conditions, in order (default: file names)"
    )
    p.add_argument(
        "--mass",
        type=_masses,
        metavar="KG[,KG,...]",
        help="body mass in kg, one for all conditions or one per condition (default: each recording's)",
    )
    p.add_argument(
        "--same-person",
        action="store_true",
        help="the sessions are of one person, whatever their subject identifiers or body masses say "
        "(a renamed subject, files named by date); the output says it was stated",
    )
    p.add_argument("--calibration", metavar="FILE", help="calibration JSON for raw-count captures")
    add_read_options(p)
    p.add_argument(
        "--report", metavar="OUT.html", help="also write the comparison as a self-contained HTML page"
    )
    p.add_argument("--force", action="store_true", help="replace an existing --report file")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read and compare the conditions; print the table and suggestion; returns the exit status."""
    conditions = args.conditions
    if len(conditions) < 2:
        raise ValueError("compare needs at least two conditions: a baseline and one candidate")
    labels = [label or "+".join(Path(f).stem for f in files) for label, files in conditions]
    if args.labels:
        given = [s.strip() for s in args.labels.split(",")]
        if len(given) != len(conditions):
            raise ValueError(f"{len(given)} labels for {len(conditions)} conditions")
        labels = given
    if len(set(labels)) != len(labels):
        raise ValueError(f"condition labels must differ: {labels} (use --labels or label=file)")
    if args.report:  # before any work: an existing page is kept unless --force, a recording always
        from sensorkit.report.api import check_report_outputs

        if Path(args.report).suffix.lower() not in (".html", ".htm"):
            raise ValueError(
                f"--report {args.report}: the report is an HTML file; give a name ending in .html"
            )
        check_report_outputs(
            args.report, overwrite=args.force, inputs=[f for _, files in conditions for f in files]
        )
    masses = args.mass or [None]
    if len(masses) == 1:
        masses = masses * len(conditions)
    elif len(masses) != len(conditions):
        raise ValueError(
            f"{len(masses)} body masses for {len(conditions)} conditions: give one, or one per condition"
        )
    kwargs = read_kwargs(args)
    sessions = {}
    for label, (_, files), mass in zip(labels, conditions, masses, strict=True):
        sessions[label] = [sk.analyze(sk.read(f, **kwargs), body_mass_kg=mass) for f in files]
    cmp = sk.compare(sessions, comfort=args.comfort, same_person=args.same_person)
    if args.report:
        from sensorkit.report.compare import write_compare_report

        write_compare_report(cmp, args.report)
    if args.json:
        print(json.dumps(cmp.to_dict(), allow_nan=False, indent=1))
        return 0
    console.print(cmp.text(), markup=False, highlight=False, soft_wrap=True)
    if args.report:
        console.print(f"report written to {args.report}", markup=False)
    return 0
