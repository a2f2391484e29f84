"""The ``sensorkit`` command line: one module per verb, each with ``add_parser`` and ``run``.

Errors raised on purpose (:class:`sensorkit.errors.SensorkitError`) and bad arguments are
printed as one clear line plus a hint; ``--debug`` (before or after the verb) shows the
traceback instead. Warnings print as one ``warning: ...`` line; user text is never parsed as
rich markup.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sensorkit import __version__
from sensorkit.cli import (
    analyze,
    calibrate,
    convert,
    demo,
    devices,
    recommend,
    record,
    replay,
    report,
    simulate,
    stream,
)
from sensorkit.cli.console import one_line_warnings, print_error
from sensorkit.errors import SensorkitError

__all__ = ["build_parser", "main"]

COMMANDS = (demo, stream, record, replay, devices, analyze, report, recommend, calibrate, simulate, convert)
_DEBUG_HELP = "show tracebacks instead of one-line errors"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="sensorkit",
        description="Plantar-pressure insoles: stream, record, replay, analyse, recommend.",
        epilog="Run 'sensorkit demo' for a tour without hardware.",
    )
    parser.add_argument("--version", action="version", version=f"sensorkit {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    for verb in sub.choices.values():  # --debug after the verb too (SUPPRESS keeps the top-level value)
        verb.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sensorkit`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with one_line_warnings():
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
