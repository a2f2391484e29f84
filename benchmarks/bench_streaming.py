"""Goal 3 of issue 17: streaming latency and memory, whatever the wearer does.

Walking: per-chunk p50/p99 of ``StreamingAnalyzer.feed`` for 2 x 16 sensors and for a pair of
1024-sensel insoles at 1 kHz in 10-frame chunks. Standing: 5 s of gait, then both feet down
for ``--standing-min`` minutes (sway of +/-30 N), per-chunk latency and the memory held: the
frames buffered (``held_frames``) and the process's resident memory (VmRSS) after 1 minute of
standing and at the end. Before the bounded buffers, standing at 2 x 1024 added 443 MB a
minute (issue 17).

Run: PYTHONPATH=. python benchmarks/bench_streaming.py [--standing-min 10]
Targets: p99 < 1 ms a chunk at 2 x 16 and < 5 ms at 2 x 1024; memory that does not grow while
standing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_record_memory import rss_mb
from bench_sensels import grid1024  # the same 32 x 32 force-sensel insole
from rich.console import Console
from rich.table import Table

import sensorkit as sk
from sensorkit.analysis import StreamingAnalyzer

RATE_HZ = 1000.0
CHUNK = 10


def gait(n: int, layout: sk.SensorLayout, off: float, first: int = 0) -> np.ndarray:
    """Half-sine stances of 0.25 s every 0.7 s, frames ``first`` to ``first + n``."""
    t = (first + np.arange(n)) / RATE_HZ
    phase = (t + off) % 0.7
    f = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1700.0, 0.0)
    w = np.ones(layout.n_sensors) / layout.n_sensors
    return (f[:, None] * w[None, :]).astype(np.float32)


def standing(n: int, layout: sk.SensorLayout, first: int, sign: float) -> np.ndarray:
    t = (first + np.arange(n)) / RATE_HZ
    f = 400.0 + sign * 30.0 * np.sin(2 * np.pi * 0.3 * t)
    w = np.ones(layout.n_sensors) / layout.n_sensors
    return (f[:, None] * w[None, :]).astype(np.float32)


def walking(layout: sk.SensorLayout, seconds: float):
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    left, right = gait(n, layout, 0.0), gait(n, layout, 0.35)
    warm = StreamingAnalyzer(layout, RATE_HZ, body_mass_kg=70)
    for i in range(0, min(n, 3000), CHUNK):  # warm-up: kernels compiled or loaded, steps emitted
        warm.feed(t[i : i + CHUNK], left[i : i + CHUNK], right[i : i + CHUNK])
    sa = StreamingAnalyzer(layout, RATE_HZ, body_mass_kg=70)
    sa.feed(t[:CHUNK], left[:CHUNK], right[:CHUNK])
    lat = []
    steps = 0
    start = time.perf_counter()
    for i in range(CHUNK, n, CHUNK):
        t0 = time.perf_counter()
        up = sa.feed(t[i : i + CHUNK], left[i : i + CHUNK], right[i : i + CHUNK])
        lat.append(time.perf_counter() - t0)
        steps += len(up.steps)
    total = time.perf_counter() - start
    return np.array(lat), steps, seconds / total


def stand(layout: sk.SensorLayout, minutes: float):
    """Latencies while standing, and (held frames, RSS MB) after 1 min and at the end."""
    sa = StreamingAnalyzer(layout, RATE_HZ, body_mass_kg=70)
    walk = int(5 * RATE_HZ)
    t = np.arange(walk) / RATE_HZ
    left, right = gait(walk, layout, 0.0), gait(walk, layout, 0.35)
    for i in range(0, walk, CHUNK):
        sa.feed(t[i : i + CHUNK], left[i : i + CHUNK], right[i : i + CHUNK])
    n = int(minutes * 60 * RATE_HZ)
    block = int(60 * RATE_HZ)  # generate a minute at a time
    lat = []
    marks = {}
    rss0 = rss_mb()
    for a in range(0, n, block):
        k = min(block, n - a)
        tt = (walk + a + np.arange(k)) / RATE_HZ
        left, right = standing(k, layout, walk + a, 1.0), standing(k, layout, walk + a, -1.0)
        for i in range(0, k, CHUNK):
            t0 = time.perf_counter()
            sa.feed(tt[i : i + CHUNK], left[i : i + CHUNK], right[i : i + CHUNK])
            lat.append(time.perf_counter() - t0)
        del left, right
        if a == 0:
            marks["1 min"] = (max(sa.held_frames.values()), rss_mb() - rss0)
    marks["end"] = (max(sa.held_frames.values()), rss_mb() - rss0)
    steps = sa.finish()
    # standing runs to the end of the data: an open stance, whose contact time is not known
    length = steps["t_toe_off_s"] - steps["t_contact_s"]
    long = int((length > sa.params.max_contact_time_s).sum())
    return np.array(lat), marks, long


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--standing-min", type=float, default=10.0, help="minutes of standing (default 10)")
    ap.add_argument("--walk-s", type=float, default=60.0, help="seconds of walking at 2 x 16 (default 60)")
    args = ap.parse_args()
    ref16 = sk.load_layout("ref16")
    big = grid1024()
    console = Console()
    table = Table(title="Walking: StreamingAnalyzer per-chunk latency (2 insoles, 1 kHz, 10-frame chunks)")
    for col in ("case", "chunks", "steps", "p50 ms", "p99 ms", "max ms", "x real time", "p99 goal"):
        table.add_column(col, justify="right")
    for name, layout, seconds, goal in (
        ("2 x 16 sensors", ref16, args.walk_s, 1.0),
        ("2 x 1024 sensels", big, args.walk_s / 3, 5.0),
    ):
        lat, steps, speed = walking(layout, seconds)
        p50, p99 = np.percentile(lat, [50, 99]) * 1e3
        table.add_row(
            name,
            f"{lat.size:,}",
            f"{steps}",
            f"{p50:.3f}",
            f"{p99:.3f}",
            f"{lat.max() * 1e3:.2f}",
            f"{speed:.0f}x",
            f"< {goal:g} ms: {'met' if p99 < goal else 'NOT met'}",
        )
    console.print(table)

    table = Table(title=f"Standing {args.standing_min:g} min after 5 s of gait (1 kHz, 10-frame chunks)")
    for col in (
        "case",
        "p50 ms",
        "p99 ms",
        "max ms",
        "held frames 1 min / end",
        "RSS +MB 1 min / end",
        "long contacts",
    ):
        table.add_column(col, justify="right")
    for name, layout in (("2 x 16 sensors", ref16), ("2 x 1024 sensels", big)):
        lat, marks, long = stand(layout, args.standing_min)
        p50, p99 = np.percentile(lat, [50, 99]) * 1e3
        (h1, r1), (h2, r2) = marks["1 min"], marks["end"]
        table.add_row(
            name,
            f"{p50:.3f}",
            f"{p99:.3f}",
            f"{lat.max() * 1e3:.2f}",
            f"{h1:,} / {h2:,}",
            f"{r1:.0f} / {r2:.0f}",
            f"{long}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
