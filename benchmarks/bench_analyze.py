"""Full sk.analyze on 1 hour of 2 x 16 sensors at 1 kHz: wall time and peak memory.

Run: PYTHONPATH=. python benchmarks/bench_analyze.py [hours]
Targets: < 2 s on a 2-core machine; peak extra memory < 3x the raw arrays (tracemalloc).
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
from rich.console import Console
from rich.table import Table

import sensorkit as sk

RATE_HZ = 1000.0


def synth(hours: float):
    """A 1 kHz running-like pair: 0.25 s stances every 0.7 s, load spread over the 16 sensors."""
    n = int(hours * 3600 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    layout = sk.load_layout("ref16")
    w = np.linspace(0.5, 1.5, layout.n_sensors).astype(np.float32)
    w /= w.sum()
    out = {}
    for side, off in (("left", 0.0), ("right", 0.35)):
        phase = ((t + off) % 0.7).astype(np.float32)
        f = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1700.0, 0.0).astype(np.float32)
        out[side] = f[:, None] * w[None, :]
    return sk.Recording.from_arrays(
        t, out["left"], out["right"], layout=layout, body_mass_kg=70, rate_hz=RATE_HZ
    )


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rec = synth(hours)
    raw = rec.left.nbytes + rec.right.nbytes
    sk.analyze(rec.slice_time(0, 10))  # warm the Numba cache / JIT
    t0 = time.perf_counter()
    res = sk.analyze(rec)
    wall = time.perf_counter() - t0
    tracemalloc.start()
    sk.analyze(rec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = time.perf_counter()
    _ = res.cop
    cop_s = time.perf_counter() - t0
    table = Table(title=f"sk.analyze: {hours:g} h, 2 x 16 sensors at 1 kHz ({rec.n_frames:,} frames)")
    for col in ("measure", "value", "target"):
        table.add_column(col, justify="right")
    table.add_row("steps found", f"{len(res.steps):,}", "")
    table.add_row("analyze wall time", f"{wall:.2f} s", "< 2 s")
    table.add_row("raw arrays", f"{raw / 1e6:.0f} MB", "")
    table.add_row("peak traced allocation during analyze", f"{peak / 1e6:.0f} MB", "")
    table.add_row("peak / raw", f"{peak / raw:.2f}x", "< 3x")
    table.add_row("Analysis.cop DataFrame (lazy, first access)", f"{cop_s:.2f} s", "")
    Console().print(table)


if __name__ == "__main__":
    main()
