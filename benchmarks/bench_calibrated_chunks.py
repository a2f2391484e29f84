"""CPU of converting a calibrated live stream chunk by chunk (raw counts -> N), per kernel.

A live insole delivers one to a few frames at a time. The power-law conversion ran on all
cores for every chunk, and the idle worker threads kept spinning between chunks: a
calibrated ``sensorkit record`` used 24.6 s of CPU in 40 s (1.9 s without ``--calibration``).
Small inputs now run on one thread (``sensorkit.calibrate._kernel.PARALLEL_MIN_FRAMES``).
This prints the CPU time of 1-frame chunks at a live pace through the one-thread kernel,
the all-core kernel and NumPy, in the same process, and the ratios.

Run: python benchmarks/bench_calibrated_chunks.py [--chunks 5000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from sensorkit.calibrate._kernel import _power_law_parallel, _power_law_serial
from sensorkit.calibrate.response import load_response


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=5000, help="1-frame chunks per run")
    ap.add_argument("--pace-ms", type=float, default=0.5, help="sleep between chunks (a live stream waits)")
    args = ap.parse_args()
    resp = load_response("ref16-fsr")
    m = resp.model
    counts = np.full((1, resp.n_sensors), 1500.0)
    offsets = np.full(resp.n_sensors, 80.0)
    out = np.empty(counts.shape, np.float32)
    sat = np.empty(counts.shape, np.bool_)

    def run_kernel(kernel) -> None:
        kernel(
            counts, offsets, m.scale, m.exponent, m.full_scale_counts, 1.0, resp.saturation_counts, out, sat
        )

    def run_numpy() -> None:
        m.to_values(counts - offsets)

    rows = []
    for name, fn in (("one thread", lambda: run_kernel(_power_law_serial)),
                     ("all cores", lambda: run_kernel(_power_law_parallel)),
                     ("numpy", run_numpy)):  # fmt: skip
        fn()  # compile / warm
        c0, t0 = _cpu_s(), time.perf_counter()
        for _ in range(args.chunks):
            fn()
            time.sleep(args.pace_ms / 1000.0)
        rows.append((name, _cpu_s() - c0, time.perf_counter() - t0))
    ref = rows[2][1]
    print(f"{args.chunks} chunks of 1 frame x {resp.n_sensors} sensors, {args.pace_ms:g} ms apart")
    print(f"{'kernel':<12} {'CPU s':>8} {'wall s':>8} {'CPU vs numpy':>13}")
    for name, cpu, wall in rows:
        print(f"{name:<12} {cpu:8.2f} {wall:8.2f} {cpu / ref:12.2f}x")


if __name__ == "__main__":
    main()
