"""``sensorkit recommend FILE [--mass KG --surface S --weekly-km N --pain 0-10 --insole-age-months N] [--json]``.

Analyses a recording and prints an insole suggestion card (rich) or the JSON result.
"""

from __future__ import annotations

import argparse
import json

from rich.panel import Panel
from rich.text import Text

import sensorkit as sk
from sensorkit.cli.analyze import first_run_note
from sensorkit.cli.console import console
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.cli.report_options import working
from sensorkit.recommend.runner import SURFACES

__all__ = ["add_parser", "run"]


def _pain(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 10.0:
        raise argparse.ArgumentTypeError(f"pain must be on the 0-10 scale, got {text}")
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
        help="insole suggestion (arch support, cushioning, rigidity, materials) from a recording",
        description="Suggest insoles from a recording and what you tell about yourself. "
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
    p.add_argument("--surface", choices=SURFACES, help="usual running surface")
    p.add_argument("--weekly-km", type=_non_negative, metavar="N", help="usual weekly distance in km")
    p.add_argument("--pain", type=_pain, metavar="0-10", help="back-pain severity, 0 (none) to 10 (worst)")
    p.add_argument(
        "--insole-age-months", type=_non_negative, metavar="N", help="age of your current insoles in months"
    )
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file``, print the recommendation card (or JSON); returns the exit status."""
    with working(f"reading {args.file}"):
        rec = sk.read(args.file, **read_kwargs(args))
    with working(f"analysing {args.file} ({first_run_note()})"):
        res = sk.analyze(rec, body_mass_kg=args.mass)
    adv = sk.recommend(
        res,
        body_mass_kg=args.mass,
        surface=args.surface,
        weekly_km=args.weekly_km,
        pain_severity=args.pain,
        insole_age_months=args.insole_age_months,
    )
    if args.json:
        from sensorkit.jsonable import to_jsonable

        out = {
            "sensorkit_version": sk.__version__,
            "params": to_jsonable(res.params.to_dict()),
            **adv.to_dict(),
        }
        print(json.dumps(to_jsonable(out), allow_nan=False, indent=1))
        return 0
    low = bool(adv.low_confidence)
    title = f"{args.file}: insole suggestion" + (" (LOW confidence)" if low else "")
    console.print(
        Panel(
            Text(adv.card(width=console.width - 4)),
            title=Text(title),
            border_style="yellow" if low else "green",
            expand=False,
        )
    )
    return 0
