"""``sensorkit recommend FILE [--mass KG --arch low|neutral|high --back-pain 0-10 --pain-weeks N ...] [--json]``.

``--back-pain`` (``--pain`` is the same option) is back pain only: the recommender's sources
are about insoles and back pain, and it asks about no other pain.

Analyses a recording and prints the insole advice for its activity (running, walking or
standing), with what was withheld and why, or the JSON result.
"""

from __future__ import annotations

import argparse
import json

from rich.panel import Panel
from rich.text import Text

import sensorkit as sk
from sensorkit.cli.analyze import first_run_note
from sensorkit.cli.console import console, printable
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.cli.report_options import working
from sensorkit.recommend.conventions import PAIN_SEVERE_MIN, PERSISTENT_PAIN_WEEKS
from sensorkit.recommend.runner import ARCH_TYPES, SURFACES

__all__ = ["add_parser", "run"]


def _pain(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 10.0:
        raise argparse.ArgumentTypeError(f"back pain must be on the 0-10 scale, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0.0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``recommend`` verb."""
    p = sub.add_parser(
        "recommend",
        help="insole advice for the recording's activity, with the evidence behind each item",
        description="Insole advice from a recording and what you state about yourself. Advice is given only "
        "for the activity the recording shows and only where the data support it; withheld topics say why. "
        "A suggestion, not a diagnosis: see a doctor or physical therapist for severe or persistent pain.",
    )
    p.add_argument(
        "file", metavar="FILE", help="a recording sensorkit can read (CSV, capture, PhysioNet ...)"
    )
    p.add_argument("--mass", type=float, metavar="KG", help="body mass in kg (default: the recording's)")
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON for raw-count captures (default: the capture's)",
    )
    add_read_options(p)
    p.add_argument(
        "--arch",
        choices=ARCH_TYPES,
        help="your arch type, from a wet-footprint test or a clinician (never inferred from the insoles)",
    )
    p.add_argument(
        "--arch-from",
        choices=("wet-footprint test", "clinician"),
        help="how you found your arch type",
    )
    g = p.add_argument_group(
        "back pain",
        "Back pain only: knee, foot or other pain is not asked about, and no advice here is for it. "
        "See a doctor or physical therapist for any pain that is severe or lasts.",
    )
    g.add_argument(
        "--back-pain",
        "--pain",
        dest="pain",
        type=_pain,
        metavar="0-10",
        help="how bad your back pain is, 0 (none) to 10 (worst); above 0 means you have back pain, "
        f"{PAIN_SEVERE_MIN:g} or more: see a professional first",
    )
    g.add_argument(
        "--pain-weeks",
        type=_non_negative,
        metavar="N",
        help=f"how many weeks the back pain has lasted; {PERSISTENT_PAIN_WEEKS:g} or more: see a professional first",
    )
    g.add_argument(
        "--other-symptoms",
        action="store_true",
        help="the back pain comes with numbness, tingling, weakness or pain down a leg: see a professional first",
    )
    p.add_argument("--surface", choices=SURFACES, help="usual running surface (recorded; no rule uses it)")
    p.add_argument("--weekly-km", type=_non_negative, metavar="N", help="usual weekly distance in km")
    p.add_argument(
        "--insole-age-months", type=_non_negative, metavar="N", help="age of your current insoles in months"
    )
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file`` and print the advice card (or JSON); returns the exit status."""
    with working(f"reading {args.file}"):
        rec = sk.read(args.file, **read_kwargs(args))
    with working(f"analysing {args.file}{first_run_note()}"):
        res = sk.analyze(rec, body_mass_kg=args.mass)
    adv = sk.recommend(
        res,
        recording=rec,
        body_mass_kg=args.mass,
        arch=args.arch,
        arch_source=args.arch_from or "not given",
        pain_severity=args.pain,
        pain_weeks=args.pain_weeks,
        other_symptoms=True if args.other_symptoms else None,
        surface=args.surface,
        weekly_km=args.weekly_km,
        insole_age_months=args.insole_age_months,
    )
    if args.json:
        from sensorkit.jsonable import to_jsonable

        out = {"sensorkit_version": sk.__version__, "params": res.params.to_dict(), **adv.to_dict()}
        print(json.dumps(to_jsonable(out), allow_nan=False, indent=1))
        return 0
    console.print(
        Panel(
            Text(adv.card(width=max(40, console.width - 4))),
            title=Text(printable(f"{args.file}: insole advice")),
            border_style="green" if adv.advice else "yellow",
            expand=False,
        )
    )
    return 0
