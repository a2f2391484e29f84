"""``sensorkit serve [URL...]``: the browser live view (and ``stream --lsl``'s loop)."""

from __future__ import annotations

import argparse
import contextlib
import time
from typing import Any

from rich.markup import escape

__all__ = ["add_parser", "run", "run_live"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``serve`` verb."""
    p = sub.add_parser(
        "serve",
        help="live view in a web browser (phone, tablet) with recording, tags and biofeedback",
        description="Serves a page on 127.0.0.1 (or --host, then with an access token) showing both insoles, "
        "gait numbers and the link; the page can start and stop a recording and add tags.",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="device URL(s); two for a pair (default sim://)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1; others need a token)"
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    p.add_argument("--token", help="access token (generated for a non-loopback --host when not given)")
    p.add_argument("--mass", type=float, metavar="KG", help="body mass (BW units)")
    p.add_argument(
        "--record-dir", default=".", metavar="DIR", help="where recordings started from the page go"
    )
    p.add_argument("--lsl", action="store_true", help="also publish on Lab Streaming Layer")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument(
        "--cadence", metavar="MIN-MAX", help="biofeedback: cadence range in steps/min, e.g. 165-180"
    )
    p.add_argument(
        "--valr-max", type=float, metavar="X", help="biofeedback: loading-rate ceiling (BW/s with --mass)"
    )
    p.add_argument(
        "--asym-max", type=float, metavar="PCT", help="biofeedback: largest |SI| of contact time (%%)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the devices and serve until Ctrl-C or ``--duration``."""
    from sensorkit.devices import open as open_devices
    from sensorkit.live.hub import Targets

    targets = Targets(valr_max=args.valr_max, asymmetry_max_pct=args.asym_max)
    if args.cadence:
        lo, _, hi = args.cadence.partition("-")
        try:
            targets.cadence_min_spm, targets.cadence_max_spm = float(lo), float(hi or lo)
        except ValueError:
            raise ValueError(
                f"--cadence expects MIN-MAX steps/min, e.g. 165-180, not {args.cadence!r}"
            ) from None
    subject = {"body_mass_kg": args.mass} if args.mass else {}
    session = open_devices(*(args.urls or ["sim://"]), subject=subject)
    web = {"host": args.host, "port": args.port, "token": args.token, "record_dir": args.record_dir}
    return run_live(
        session, duration_s=args.duration, body_mass_kg=args.mass, lsl=args.lsl, web=web, targets=targets
    )


def run_live(
    session: Any,
    *,
    duration_s: float | None,
    body_mass_kg: float | None,
    lsl: bool,
    web: dict | None,
    targets: Any = None,
) -> int:
    """Run a :class:`~sensorkit.live.hub.LiveHub` on ``session`` with LSL and/or the web page."""
    from sensorkit.cli.console import console
    from sensorkit.live.hub import LiveHub

    outlet = server = None
    hub = None
    try:
        if lsl:
            from sensorkit.live.lsl import LslOutlet

            outlet = LslOutlet.for_session(session)
            console.print(
                f"LSL: streams '{outlet.name} left/right' and '{outlet.name} markers' are published"
            )
        hub = LiveHub(
            session,
            body_mass_kg=body_mass_kg,
            lsl=outlet,
            targets=targets,
            record_dir=(web or {}).get("record_dir", "."),
        )
        hub.start()
        if web is not None:
            from sensorkit.live.web import LiveServer

            server = LiveServer(hub, host=web["host"], port=web["port"], token=web["token"])
            url = server.start()
            console.print(f"live view: [link={url}]{escape(url)}[/link]  (Ctrl-C stops)")
        start = last = time.monotonic()
        while (duration_s is None or time.monotonic() - start < duration_s) and not hub.finished:
            time.sleep(0.2)
            if outlet is not None and web is None and time.monotonic() - last >= 1.0:
                last = time.monotonic()
                pushed = sum(outlet.samples_pushed.values())
                console.print(
                    f"{hub.state.elapsed_s:6.1f} s: {pushed} samples, {outlet.markers_pushed} markers on LSL"
                )
    except KeyboardInterrupt:
        pass
    finally:
        # each step runs even when one before it fails (a full disk while closing the capture)
        with contextlib.ExitStack() as cleanup:
            if outlet is not None:
                cleanup.callback(outlet.close)
            cleanup.callback(session.close)
            if hub is not None:
                cleanup.callback(_stop_recording, hub, session, console)
                cleanup.callback(hub.close)
            if server is not None:
                if hub is not None and hub.error is not None:
                    time.sleep(_ERROR_SHOWN_S)  # the page gets the snapshot that says why
                cleanup.callback(server.stop)
    if hub is not None and hub.error is not None:  # the device stopped: one error line, exit 1
        raise hub.error
    return 0


#: How long the page is left to show why acquisition stopped before the server stops (s).
_ERROR_SHOWN_S = 0.5


def _stop_recording(hub: Any, session: Any, console: Any) -> None:
    if getattr(session, "capture", None) is not None:
        path = hub.stop_recording()
        if path is not None:
            console.print(f"recorded to {escape(str(path))}")
