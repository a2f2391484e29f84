"""Goal 4 of issue 17: 2 x 1024 sensels at 1 kHz analysed >= 300x faster than real time.

``sk.analyze`` of 60 s (``--seconds``) of a simulated pair of 1024-sensel force insoles at
1 kHz (2 N noise per sensel), best of ``--repeat`` after one warm-up call; then the share of
the two parts issue 17 named: the per-sensor baseline (``estimate_baseline_n``, both sides)
at 2 x 1024, and ``regional_loads`` (both sides) in ``sk.analyze`` of 1 h of 2 x 16 at 1 kHz.

Run: PYTHONPATH=. python benchmarks/bench_sensels.py [--seconds 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import best_time  # best wall time of repeated calls

import sensorkit as sk
from sensorkit.analysis.context import estimate_baseline_n
from sensorkit.analysis.params import AnalysisParams


def grid1024() -> sk.SensorLayout:
    """A 32 x 32 force-sensel insole (also used by bench_streaming.py)."""
    k = 1024
    return sk.SensorLayout(
        name="grid1024",
        x_mm=np.tile(np.linspace(-45, 45, 32), 32),
        y_mm=np.repeat(np.linspace(5, 260, 32), 32),
        area_mm2=np.full(k, 25.0),
        region=["heel"] * 256 + ["midfoot"] * 256 + ["forefoot"] * 384 + ["toes"] * 128,
        ml=(["lateral"] * 16 + ["medial"] * 16) * 32,
        foot_length_mm=265.0,
        foot_width_mm=100.0,
        outline_mm=np.zeros((0, 2)),
    )


def regional_share(repeat: int) -> tuple[float, float]:
    """Wall time of sk.analyze on 1 h of 2 x 16 at 1 kHz, and of its regional_loads calls."""
    from bench_analyze import synth

    import sensorkit.analysis.stances as stances

    rec = synth(1.0)
    sk.analyze(rec.slice_time(0, 10))
    spent = [0.0]
    original = stances.K.regional_loads

    def timed(*args):
        t0 = time.perf_counter()
        out = original(*args)
        spent[0] += time.perf_counter() - t0
        return out

    total = best_time(lambda: sk.analyze(rec), repeat)
    stances.K.regional_loads = timed
    try:
        spent[0] = 0.0
        sk.analyze(rec)
    finally:
        stances.K.regional_loads = original
    return total, spent[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rec = sk.simulate(duration_s=args.seconds, seed=1, rate_hz=1000, noise=2.0, layout=grid1024())
    sk.analyze(rec)  # warm-up: kernels loaded or compiled
    wall = best_time(lambda: sk.analyze(rec), args.repeat)
    params = AnalysisParams()
    base = best_time(
        lambda: [estimate_baseline_n(rec.forces_n(s), params) for s in ("left", "right")], args.repeat
    )
    total_16, regional_16 = regional_share(args.repeat)
    print(f"{'measure':<52} {'value':>10}  goal")
    print(f"{f'sk.analyze, {args.seconds:g} s of 2 x 1024 at 1 kHz':<52} {wall:>8.3f} s")
    print(f"{'  x real time':<52} {args.seconds / wall:>9.0f}x  >= 300x")
    print(f"{'  estimate_baseline_n, both sides':<52} {base:>8.3f} s  ({base / wall:.0%} of analyze)")
    print(f"{'sk.analyze, 1 h of 2 x 16 at 1 kHz':<52} {total_16:>8.3f} s")
    print(
        f"{'  regional_loads, both sides':<52} {regional_16:>8.3f} s  ({regional_16 / total_16:.0%} of analyze)"
    )


if __name__ == "__main__":
    main()
