"""Lab-interchange files: C3D and OpenSim .mot export of 1 hour, XDF import of 10 minutes.

Run: PYTHONPATH=. python benchmarks/bench_interchange.py [hours]
Measured here (2 shared cores): write_c3d 0.9-1.5 s (58 MB), write_mot 1.1 s (40 MB) for 1 h of
2 x 16 sensors at 100 Hz; read_xdf 0.08 s for 10 min of one 32-channel stream (8 MB).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

import sensorkit as sk
from sensorkit.io.c3d import write_c3d
from sensorkit.io.opensim import write_mot
from sensorkit.io.xdf import read_xdf
from tests.xdf_writer import Stream, write_xdf  # the spec-based writer of the tests (run from the repo root)

RATE_HZ = 100.0
S = 16


def main(hours: float = 1.0) -> None:
    rng = np.random.default_rng(0)
    n = int(hours * 3600 * RATE_HZ)
    left = rng.uniform(0, 60, (n, S)).astype(np.float32)
    right = rng.uniform(0, 60, (n, S)).astype(np.float32)
    rec = sk.Recording.from_arrays(
        1.7e9 + np.arange(n) / RATE_HZ, left, right, layout="ref16", rate_hz=RATE_HZ
    )
    table = Table(title=f"interchange formats ({hours:g} h of 2 x {S} sensors at {RATE_HZ:g} Hz)")
    for col in ("operation", "data", "seconds", "file MB"):
        table.add_column(col)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_c3d(rec.slice_time(None, rec.time[100]), tmp / "warm.c3d")  # compile the COP kernel
        for name, fn, path in (
            ("write_c3d", write_c3d, tmp / "b.c3d"),
            ("write_mot", write_mot, tmp / "b.mot"),
        ):
            t = time.perf_counter()
            fn(rec, path)
            dt = time.perf_counter() - t
            table.add_row(name, f"{n} frames", f"{dt:.2f}", f"{path.stat().st_size / 1e6:.1f}")
        m = int(600 * RATE_HZ)
        labels = [f"L{k}" for k in range(1, S + 1)] + [f"R{k}" for k in range(1, S + 1)]
        stream = Stream(
            1,
            "InsolePair",
            "Pressure",
            2 * S,
            RATE_HZ,
            labels=labels,
            desc_extra={"layout": "ref16"},
            stamps=5000 + np.arange(m) / RATE_HZ,
            values=rng.uniform(0, 60, (m, 2 * S)).astype(np.float32),
        )
        path = write_xdf(tmp / "b.xdf", [stream], samples_per_chunk=100)
        t = time.perf_counter()
        got = read_xdf(path)
        dt = time.perf_counter() - t
        table.add_row(
            "read_xdf", f"{got.n_frames} frames (10 min)", f"{dt:.2f}", f"{path.stat().st_size / 1e6:.1f}"
        )
    Console().print(table)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
