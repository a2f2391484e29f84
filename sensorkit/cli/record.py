"""``sensorkit record URL... -o FILE.skr [--duration S] [--mass KG] [--calibration FILE]``: write a raw capture file.

The file always holds the frames as received (raw ADC counts for a raw-count insole);
``--calibration`` stores the calibration in the header, so reading the file gives
newtons (and another calibration can be applied later).
"""

from __future__ import annotations

import argparse
import time

from sensorkit.cli.console import console
from sensorkit.cli.stream import (
    add_calibration_option,
    saturation_lines,
    standalone,
    stream_urls,
    summary_lines,
    units_notice,
)

__all__ = ["add_parser", "run"]

STATUS_PERIOD_S = 1.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``record`` command."""
    p = sub.add_parser("record", help="record insoles to a raw capture file (.skr); Ctrl-C stops")
    p.add_argument("urls", nargs="*", metavar="URL", help="device URL(s); two for a pair (default sim://)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.skr", help="capture file to write")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    p.add_argument("--mass", type=float, metavar="KG", help="subject body mass, stored in the header")
    p.add_argument("--subject", metavar="ID", help="subject id, stored in the header")
    p.add_argument("--reconnect", action="store_true", help="reconnect on a lost link instead of stopping")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    add_calibration_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Record until ``--duration`` or Ctrl-C; the file is closed cleanly either way."""
    from sensorkit.devices import open as open_devices

    subject = {}
    if args.mass:
        subject["body_mass_kg"] = args.mass
    if args.subject:
        subject["id"] = args.subject
    session = open_devices(*stream_urls(args.urls, args.calibration), record=args.output, subject=subject,
                           reconnect=True if args.reconnect else None,
                           calibration=args.calibration, overwrite=args.force)  # fmt: skip
    names = ", ".join(f"{d.side}={d.url}" for d in session.devices)
    console.print(
        f"recording {names} to {args.output} (Ctrl-C stops)", markup=False, highlight=False, soft_wrap=True
    )
    notice = units_notice(session)
    if notice:
        console.print(notice, markup=False, highlight=False, soft_wrap=True)
    start = time.monotonic()
    next_status = start + STATUS_PERIOD_S
    samples = 0
    error = None
    try:
        while args.duration is None or time.monotonic() - start < args.duration:
            chunk = session.read(timeout_s=0.1)
            if chunk is not None:
                samples += chunk.n
            now = time.monotonic()
            if now >= next_status:
                next_status += STATUS_PERIOD_S
                console.print(f"  {now - start:6.1f} s  {samples} samples  {session.capture.n_records} records",
                              markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    except (KeyboardInterrupt, StopIteration):
        pass
    except Exception as exc:
        error = exc
    finally:
        session.close()
    for line in summary_lines(session) + saturation_lines(session):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    cap = session.capture
    console.print(
        f"wrote {cap.path}: {cap.n_records} records, {cap.bytes_written} bytes",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if error is not None:
        raise error
    return 0


if __name__ == "__main__":
    raise SystemExit(standalone(add_parser, "record"))
