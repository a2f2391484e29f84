"""Stream a simulated insole pair and call a function for every completed step.

Runs without hardware (``sim://``); give a real device URL to stream from insoles. Stops
after ``--duration`` seconds.

    python examples/stream_callback.py --duration 5
    python examples/stream_callback.py serial:///dev/ttyUSB0 --duration 60 --mass 72
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import sensorkit as sk
from sensorkit.layout import load_layout


def print_step(step: dict) -> None:
    """The callback: one line per step (forces in BW when the mass is known).

    ``step`` has the columns of ``Analysis.steps`` (times on the host clock) plus
    ``t_since_start_s``, the contact time since the session was opened.
    """
    valr = step.get("valr_bw_s", step.get("valr_n_s", math.nan))
    print(
        f"{step['side']:>5} step at {step['t_since_start_s']:6.2f} s: contact {1000 * step['contact_time_s']:4.0f} ms, "
        f"VALR {valr:6.1f}, strike {step['strike_pattern']}"
        + ("" if step.get("valid", True) else f"  (not a step: {step.get('exclude_reason')})")
    )


def stream(url: str, duration_s: float, body_mass_kg: float, on_step: Callable[[dict], None]) -> int:
    """Feed every chunk of ``url`` to a streaming analyser per side; return the number of steps."""
    if hasattr(sk, "open"):
        opener = sk.open
    else:  # the device layer before sk.open was exported at the top level
        from sensorkit.devices import open as opener
    n_steps = 0
    with opener(url) as session:
        analysers = {
            dev.side: sk.StreamingAnalyzer(
                load_layout(dev.info.layout),
                dev.info.sample_rate_hz,
                body_mass_kg=body_mass_kg,
                sides=(dev.side,),
            )
            for dev in session.devices
        }
        stop_at = time.monotonic() + duration_s
        while time.monotonic() < stop_at:
            chunk = session.read(timeout_s=0.2)
            if chunk is None or chunk.side not in analysers:
                continue
            for step in analysers[chunk.side].feed(chunk.time, **{chunk.side: chunk.values}).steps:
                on_step({**step, "t_since_start_s": step["t_contact_s"] - session.host_t0_s})
                n_steps += 1
    return n_steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url", nargs="?", default="sim://?seed=1&mass=70", help="device URL (default: simulated pair)"
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds to stream (default 5)")
    parser.add_argument("--mass", type=float, default=70.0, help="body mass in kg (default 70)")
    args = parser.parse_args(argv)
    n = stream(args.url, args.duration, args.mass, print_step)
    print(f"{n} steps in {args.duration:g} s")
    return 0 if n else 1


if __name__ == "__main__":
    raise SystemExit(main())
