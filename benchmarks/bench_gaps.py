"""Goal 1 of issue 17: building a Recording with 1 % packet loss costs about as much as a clean one.

``Recording.from_arrays`` on 2 x 16 sensors at 1 kHz, clean and with 1 % of the 10 ms packets
of each side lost (NaN frames, drawn independently per side, as ``sk.simulate(dropout=0.01)``
does), each timed in the same process (best of ``--repeat``). The goal is lossy / clean
<= 1.5 at 4 h.

Run: PYTHONPATH=. python benchmarks/bench_gaps.py [--hours 1 2 4] [--repeat 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import sensorkit as sk

RATE_HZ = 1000.0
FRAMES_PER_PACKET = 10  # 10 ms packets at 1 kHz
LOSS = 0.01


def arrays(hours: float, loss: float, seed: int = 1):
    """Time (n,) and left/right (n, 16) float32 arrays; ``loss`` of the packets of each side are NaN."""
    n = int(hours * 3600 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    rng = np.random.default_rng(seed)
    out = []
    for off in (0.0, 0.35):
        phase = ((t + off) % 0.7).astype(np.float32)
        f = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1700.0, 0.0).astype(np.float32)
        v = np.repeat(f[:, None] / 16.0, 16, axis=1)
        if loss > 0:
            lost = rng.random(-(-n // FRAMES_PER_PACKET)) < loss
            v[np.repeat(lost, FRAMES_PER_PACKET)[:n]] = np.nan
        out.append(v)
    return t, out[0], out[1]


def load(repeat: int, t, left, right) -> tuple[float, sk.Recording]:
    """Best wall time of ``Recording.from_arrays`` over ``repeat`` runs, and the recording."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = sk.Recording.from_arrays(t, left, right, layout="ref16")
        best = min(best, time.perf_counter() - t0)
    return best, result


def analyze_time(rec: sk.Recording) -> float:
    """Wall time of ``sk.analyze`` (the gaps reach the stance detection as NaN frames)."""
    sk.analyze(rec, end_s=60.0)  # kernels loaded
    t0 = time.perf_counter()
    sk.analyze(rec)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--analyze", action="store_true", help="also sk.analyze of the clean and the lossy recording"
    )
    args = ap.parse_args()
    print(f"Recording.from_arrays, 2 x 16 sensors at {RATE_HZ:g} Hz, {LOSS:.0%} packet loss per side")
    print(f"{'hours':>6} {'gaps':>9} {'clean s':>9} {'lossy s':>9} {'lossy/clean':>12}  goal <= 1.5 at 4 h")
    for hours in args.hours:
        t, left, right = arrays(hours, 0.0)
        clean, rec = load(args.repeat, t, left, right)
        a_clean = analyze_time(rec) if args.analyze else None
        del t, left, right, rec
        t, left, right = arrays(hours, LOSS)
        lossy, rec = load(args.repeat, t, left, right)
        n_gaps = len(rec.gaps)
        a_lossy = analyze_time(rec) if args.analyze else None
        del t, left, right, rec
        print(f"{hours:>6g} {n_gaps:>9,} {clean:>9.2f} {lossy:>9.2f} {lossy / clean:>11.1f}x")
        if a_clean is not None:
            print(
                f"{'':>6} sk.analyze: clean {a_clean:.2f} s, lossy {a_lossy:.2f} s ({a_lossy / a_clean:.2f}x)"
            )


if __name__ == "__main__":
    main()
