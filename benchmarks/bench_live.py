"""Live data out at 2 x 16 sensors x 1 kHz (issue 19): added CPU of the LSL outlet and of the web
server with one browser-like client, as a share of one core, and the latency from a sample's
host time to its arrival in the client (p50/p99).

The WebSocket client runs in another process (its CPU is not counted) and stamps each snapshot
with ``time.monotonic``, the clock the sample times are on. LSL stays on this machine
(LSLAPICFG = tests/lsl_api.cfg).

Run: python benchmarks/bench_live.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("LSLAPICFG", str(Path(__file__).resolve().parents[1] / "tests" / "lsl_api.cfg"))

import numpy as np

import sensorkit as sk
from sensorkit.live.hub import LiveHub

CLIENT = r"""
import asyncio, json, sys, time, websockets
async def main(url, seconds):
    lat = []
    async with websockets.connect(url, max_size=None) as ws:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            msg = json.loads(await ws.recv())
            now = time.monotonic()
            if "host_time_s" in msg and msg["host_time_s"]:
                lat.append(now - msg["host_time_s"])
    print(json.dumps(lat))
asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def cpu_share(seconds: float, *, lsl: bool = False, web: bool = False) -> tuple[float, list[float]]:
    """CPU of this process as a share of one core while a hub runs ``seconds``; client latencies."""
    with sk.open("sim://?rate=1000&seed=1") as session:
        outlet = None
        if lsl:
            from sensorkit.live.lsl import LslOutlet

            outlet = LslOutlet.for_session(session, name="bench")
        hub = LiveHub(session, body_mass_kg=70, lsl=outlet)
        hub.start()
        server = proc = None
        if web:
            from sensorkit.live.web import LiveServer

            server = LiveServer(hub, port=0)
            server.start()
            url = f"ws://127.0.0.1:{server.port}/ws"
            proc = subprocess.Popen(
                [sys.executable, "-c", CLIENT, url, str(seconds)], stdout=subprocess.PIPE, text=True
            )
        time.sleep(1.0)  # warm up
        c0, w0 = time.process_time(), time.monotonic()
        time.sleep(seconds)
        c1, w1 = time.process_time(), time.monotonic()
        latencies = json.loads(proc.communicate(timeout=seconds + 30)[0]) if proc else []
        if server is not None:
            server.stop()
        hub.close()
    return (c1 - c0) / (w1 - w0), latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    base, _ = cpu_share(args.seconds)
    with_lsl, _ = cpu_share(args.seconds, lsl=True)
    with_web, lat = cpu_share(args.seconds, web=True)
    print("2 x 16 sensors x 1 kHz (sim://), share of one core (process CPU / wall time)")
    print(f"  hub alone (read, live numbers, streaming analysis): {100 * base:5.1f} %")
    print(f"  + LSL outlet:                                     {100 * (with_lsl - base):+5.1f} %")
    print(f"  + web server, one client (20 snapshots/s):        {100 * (with_web - base):+5.1f} %")
    if lat:
        ms = 1e3 * np.asarray(lat)
        print(
            f"  sample -> browser client latency: p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms "
            f"({len(ms)} snapshots; includes the 50 ms display period)"
        )


if __name__ == "__main__":
    main()
