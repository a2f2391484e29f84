"""``sensorkit replay FILE.skr [--speed X] [--mass KG] [--layout NAME|FILE] [--plain]``: play a capture back through the live pipeline.

On a terminal it shows the live dashboard (as ``sensorkit stream`` did while recording);
with ``--plain`` or off a terminal it prints the same per-second lines as ``stream --plain``,
with a progress bar. ``--speed 0`` replays as fast as possible. ``--mass`` sets the body mass
for BW units when the capture header has none (or overrides it). A capture of raw-count
insoles is converted with the calibration in its header, or with ``--calibration FILE``.
A capture cut short prints one ``warning:`` line and replays up to the cut.
"""

from __future__ import annotations

import argparse
import warnings

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from sensorkit.cli.console import console, print_warning
from sensorkit.cli.stream import (
    add_calibration_option,
    live_view,
    saturation_lines,
    standalone,
    summary_lines,
    units_notice,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``replay`` command."""
    p = sub.add_parser("replay", help="replay a capture file (.skr) with the live view")
    p.add_argument("file", metavar="FILE.skr")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="1 = real time (default), 2 = twice as fast, 0 = as fast as possible")  # fmt: skip
    p.add_argument("--mass", type=float, metavar="KG", help="body mass in kg (default: the capture header's)")
    p.add_argument(
        "--plain", action="store_true", help="plain lines instead of the dashboard (automatic off a TTY)"
    )
    p.add_argument(
        "--layout",
        metavar="NAME|FILE",
        help="sensor layout (a built-in name or a layout JSON file) replacing the capture's, e.g. when "
        "it was recorded with a layout file this machine lacks",
    )
    add_calibration_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Replay and print the live view."""
    from sensorkit.devices import open as open_devices
    from sensorkit.io.capture import CaptureCutWarning

    if args.speed < 0:
        raise ValueError(f"--speed must be >= 0, got {args.speed}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureCutWarning)
        extra = {"layout": args.layout} if args.layout else {}
        session = open_devices(
            f"replay://{args.file}?speed={args.speed:g}", calibration=args.calibration, **extra
        )
        reader = session.reader
        notice = units_notice(session)
        if notice:
            console.print(notice, markup=False, highlight=False, soft_wrap=True)
        mass = (
            args.mass if args.mass is not None else (reader.header.get("subject") or {}).get("body_mass_kg")
        )
        if console.is_terminal and not args.plain:
            from sensorkit.dashboard.app import run_session_dashboard

            status = run_session_dashboard(session, body_mass_kg=mass, console=console)
            _warn_cut(caught, CaptureCutWarning)
            return status
        total = reader.file_size
        with Progress(TextColumn("replay"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeRemainingColumn(), console=console, transient=True) as progress:  # fmt: skip
            task = progress.add_task("replay", total=total)

            def emit(line: str) -> None:
                progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

            view = live_view(session, emit, mass)
            try:
                for chunk in session:
                    view.add(chunk)
                    progress.update(task, completed=min(d.transport.position for d in session.devices))
            except KeyboardInterrupt:
                pass
            finally:
                session.close()
            progress.update(task, completed=total)
            view.finish()
    for line in summary_lines(session) + saturation_lines(session):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    _warn_cut(caught, CaptureCutWarning)
    return 0


def _warn_cut(caught: list, category: type[Warning]) -> None:
    """Each caught cut warning as one ``warning:`` line (after the replay, so it is the last thing said)."""
    for w in caught:
        if issubclass(w.category, category):
            print_warning(w.message, w.category)


if __name__ == "__main__":
    raise SystemExit(standalone(add_parser, "replay"))
