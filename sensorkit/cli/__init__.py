"""The ``sensorkit`` command line: one module per verb, each with ``add_parser`` and ``run``.

Errors raised on purpose (:class:`sensorkit.errors.SensorkitError`) and bad arguments are
printed as one clear line plus a hint; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sensorkit import __version__
from sensorkit.cli import (
    analyze,
    batch,
    calibrate,
    compare,
    convert,
    demo,
    devices,
    recommend,
    record,
    replay,
    serve,
    simulate,
    stream,
)
from sensorkit.cli.console import print_error
from sensorkit.errors import SensorkitError

__all__ = ["build_parser", "main"]

COMMANDS = (
    demo,
    stream,
    serve,
    record,
    replay,
    devices,
    analyze,
    recommend,
    compare,
    batch,
    calibrate,
    simulate,
    convert,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="sensorkit",
        description="Plantar-pressure insoles: stream, record, replay, analyse, recommend.",
        epilog="Run 'sensorkit demo' for a tour without hardware.",
    )
    parser.add_argument("--version", action="version", version=f"sensorkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sensorkit`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except (SensorkitError, ValueError, OSError) as exc:
        if args.debug:
            raise
        print_error(str(exc), getattr(exc, "hint", None))
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
