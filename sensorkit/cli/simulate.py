"""``sensorkit simulate``: write a simulated recording to a file."""

from __future__ import annotations

import argparse

from sensorkit.cli.console import say
from sensorkit.cli.report_options import working
from sensorkit.io import write_generic_csv
from sensorkit.io.outputs import check_output
from sensorkit.simulate import simulate


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``simulate`` command."""
    p = sub.add_parser("simulate", help="write a simulated insole recording (generic CSV)")
    p.add_argument("-o", "--output", required=True, help="output file (.csv)")
    p.add_argument("--duration", type=float, default=60.0, metavar="S", help="length in seconds (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rate", type=float, default=100.0, metavar="HZ", help="sampling rate (default 100 Hz)")
    p.add_argument("--foot", choices=("normal", "flat", "high"), default="normal", help="arch type")
    p.add_argument("--strike", choices=("rearfoot", "midfoot", "forefoot"), default="rearfoot")
    p.add_argument("--cadence", type=float, default=None, metavar="SPM", help="steps per minute")
    p.add_argument("--speed", type=float, default=3.0, metavar="M/S", help="speed; below 2 m/s walks")
    p.add_argument("--mass", type=float, default=70.0, metavar="KG", help="body mass")
    p.add_argument("--asym", type=float, default=0.0, help="left/right force asymmetry (0.1 = 10%%)")
    p.add_argument("--noise", type=float, default=0.0, metavar="N", help="sensor noise sd in N")
    p.add_argument("--dropout", type=float, default=0.0, help="probability of losing a 10 ms packet")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and write the file."""
    check_output(args.output, overwrite=args.force)
    with working(f"simulating {args.duration:g} s"):
        rec = simulate(
            duration_s=args.duration,
            seed=args.seed,
            rate_hz=args.rate,
            foot_type=args.foot,
            strike=args.strike,
            cadence_spm=args.cadence,
            speed_mps=args.speed,
            body_mass_kg=args.mass,
            asymmetry=args.asym,
            noise=args.noise,
            dropout=args.dropout,
        )
    with working(f"writing {args.output}"):
        write_generic_csv(rec, args.output)
    say(f"wrote {args.output}: {rec!r}")
    return 0
