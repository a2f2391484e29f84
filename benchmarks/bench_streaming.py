"""Streaming latency: per-chunk p50/p99 for 2 x 16 sensors at 1 kHz in 10-frame chunks, and a
1024-sensel insole pair at 1 kHz (real-time factor).

Run: PYTHONPATH=. python benchmarks/bench_streaming.py
Target: p99 < 1 ms per 10-frame chunk; the 1024-sensel stream faster than real time.
"""

from __future__ import annotations

import time

import numpy as np
from bench_sensels import grid1024  # the same 32 x 32 force-sensel insole
from rich.console import Console
from rich.table import Table

import sensorkit as sk
from sensorkit.analysis import StreamingAnalyzer

RATE_HZ = 1000.0


def gait(n: int, layout: sk.SensorLayout, off: float) -> np.ndarray:
    t = np.arange(n) / RATE_HZ
    phase = (t + off) % 0.7
    f = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1700.0, 0.0)
    w = np.ones(layout.n_sensors) / layout.n_sensors
    return (f[:, None] * w[None, :]).astype(np.float32)


def run(layout: sk.SensorLayout, seconds: float, chunk: int):
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    left, right = gait(n, layout, 0.0), gait(n, layout, 0.35)
    sa = StreamingAnalyzer(layout, RATE_HZ, body_mass_kg=70)
    sa.feed(t[:chunk], left[:chunk], right[:chunk])  # warm-up
    lat = []
    steps = 0
    start = time.perf_counter()
    for i in range(chunk, n, chunk):
        t0 = time.perf_counter()
        up = sa.feed(t[i : i + chunk], left[i : i + chunk], right[i : i + chunk])
        lat.append(time.perf_counter() - t0)
        steps += len(up.steps)
    total = time.perf_counter() - start
    return np.array(lat), steps, seconds / total


def main() -> None:
    ref16 = sk.load_layout("ref16")
    big = grid1024()
    table = Table(title="StreamingAnalyzer per-chunk latency (2 insoles, 1 kHz)")
    for col in ("case", "chunks", "steps", "p50 ms", "p99 ms", "max ms", "x real time"):
        table.add_column(col, justify="right")
    for name, layout, seconds, chunk in (
        ("2 x 16 sensors, 10-frame chunks", ref16, 60.0, 10),
        ("2 x 1024 sensels, 10-frame chunks", big, 20.0, 10),
    ):
        lat, steps, speed = run(layout, seconds, chunk)
        p50, p99 = np.percentile(lat, [50, 99]) * 1e3
        table.add_row(
            name,
            f"{lat.size:,}",
            f"{steps}",
            f"{p50:.3f}",
            f"{p99:.3f}",
            f"{lat.max() * 1e3:.2f}",
            f"{speed:.0f}x",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
