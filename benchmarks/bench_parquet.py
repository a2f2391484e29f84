"""Goal 2 of issue 17 (files): Parquet size, write and read time, and the memory peak of reading.

1 h (``--hours``) of 2 x 16 sensors at 1 kHz with 1 % of packets lost, on two kinds of data,
each measured in one run:

- ``simulated``: ``sk.simulate`` (running, sensors at zero in swing): its files compress like
  the real recordings in ../shared/data (lz4 + byte-stream split: 0.28x the raw arrays here;
  the Moticon exports 0.24x and 0.30x, PhysioNet GaCo01 0.37x);
- ``noise``: the same kind of load with 2 N of Gaussian noise on every value, which no real
  file here has (0.84x: almost nothing compresses), the worst case for decoding.

Measures: file size / raw arrays (goal <= 1); ``sk.read`` of the Parquet file / ``np.load``
of the same arrays saved as ``.npy`` (goal <= 3; the best of ``--repeat`` rounds that alternate the two); peak RSS increase while reading, in a fresh
process / raw arrays (was 3.6x).

Run: PYTHONPATH=. python benchmarks/bench_parquet.py [--hours 1] [--repeat 7] [--data simulated noise]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _timing import best_times_alternating, wall

import sensorkit as sk
from sensorkit.io.parquet import write_parquet

RATE_HZ = 1000.0

# VmHWM (peak RSS of this address space), not ru_maxrss: Linux carries ru_maxrss over exec
# from the parent, which holds the recording.
PEAK_SNIPPET = """
import sys
import numpy as np, pyarrow.parquet, pandas
import sensorkit as sk
import sensorkit.io.parquet
import sensorkit.recording

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

before = hwm()
rec = sk.read(sys.argv[1])
print(hwm() - before)
"""


def simulated(hours: float, seed: int = 1) -> sk.Recording:
    """``sk.simulate``: running, 2 x 16 at 1 kHz, 1 % of packets lost."""
    return sk.simulate(duration_s=hours * 3600, seed=seed, rate_hz=RATE_HZ, dropout=0.01)


def synth(hours: float, seed: int = 1) -> sk.Recording:
    """Running-like 2 x 16 at 1 kHz with 2 N noise and 1 % packets (10 frames) lost per side."""
    n = int(hours * 3600 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    rng = np.random.default_rng(seed)
    w = np.linspace(0.5, 1.5, 16).astype(np.float32)
    w /= w.sum()
    sides = []
    for off in (0.0, 0.35):
        phase = ((t + off) % 0.7).astype(np.float32)
        f = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1700.0, 0.0).astype(np.float32)
        v = f[:, None] * w[None, :]
        v += rng.normal(0.0, 2.0, v.shape).astype(np.float32)
        lost = rng.random(-(-n // 10)) < 0.01
        v[np.repeat(lost, 10)[:n]] = np.nan
        sides.append(v)
    return sk.Recording.from_arrays(t, sides[0], sides[1], layout="ref16", body_mass_kg=70, rate_hz=RATE_HZ)


def measure(rec: sk.Recording, label: str, hours: float, repeat: int) -> None:
    """Write ``rec`` as Parquet and print the goal's ratios for it."""
    raw = rec.time.nbytes + rec.left.nbytes + rec.right.nbytes
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.parquet"
        t0 = time.perf_counter()
        with warnings.catch_warnings():  # the simulator's ground truth is not stored: said once here
            warnings.filterwarnings("ignore", message=".*metadata not stored")
            write_parquet(rec, path)
        write_s = time.perf_counter() - t0
        size = path.stat().st_size
        npy = [Path(tmp) / f"{k}.npy" for k in ("time", "left", "right")]
        for p, a in zip(npy, (rec.time, rec.left, rec.right), strict=True):
            np.save(p, a)
        del rec
        # alternating rounds, best of each: this shared machine's speed drifts over seconds
        read_s, load_s = best_times_alternating(
            [wall(lambda: sk.read(path)), wall(lambda: [np.load(p) for p in npy])], repeat
        )
        peak = int(
            subprocess.run(
                [sys.executable, "-c", PEAK_SNIPPET, str(path)], capture_output=True, text=True, check=True
            ).stdout.split()[-1]
        )
    print(f"Parquet, {label}: {hours:g} h, 2 x 16 sensors at 1 kHz, raw arrays {raw / 1e6:.0f} MB")
    print(f"{'measure':<44} {'value':>10} {'ratio':>8}  goal")
    print(f"{'file size':<44} {size / 1e6:>8.0f} MB {size / raw:>7.2f}x  <= 1x raw")
    print(f"{'write_parquet':<44} {write_s:>8.2f} s")
    print(
        f"{'sk.read(parquet) vs np.load of the arrays':<44} {read_s:>8.2f} s {read_s / load_s:>7.2f}x  <= 3x ({load_s:.3f} s)"
    )
    print(f"{'peak RSS increase while reading':<44} {peak / 1e6:>8.0f} MB {peak / raw:>7.2f}x  (was 3.6x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--data", nargs="+", choices=("simulated", "noise"), default=["simulated", "noise"])
    args = ap.parse_args()
    makers = {"simulated": simulated, "noise": synth}
    labels = {
        "simulated": "simulated (compresses like the real files)",
        "noise": "2 N noise on every value (worst case)",
    }
    for k, name in enumerate(args.data):
        if k:
            print()
        measure(makers[name](args.hours), labels[name], args.hours, args.repeat)


if __name__ == "__main__":
    main()
