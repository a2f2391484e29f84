"""How well the foot-loading description separates the simulator's flat / normal / high feet.

The recommender fits no cut-points and never names a foot type; it describes the midfoot share
(``arch_indicator``) and the medial-lateral ratio relative to a uniform load. This script
simulates a cohort per foot type (varied strike, speed, body mass, noise, sample rate) and prints
the concordance (c-index, :func:`sensorkit.recommend.agreement.concordance`) of each indicator
with the simulator's truth, per strike pattern and pooled. It is agreement with the simulator's
own rule (flat = more midfoot load and a more medial path), an upper bound, not accuracy on
real feet.

    PYTHONPATH=. python benchmarks/recommend_cohort.py [--per-type 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import sensorkit as sk
from sensorkit.recommend.agreement import concordance

FOOT_TYPES = ("high", "normal", "flat")  # expected order of both indicators, low to high
STRIKES = ("rearfoot", "midfoot", "forefoot")


def cohort(per_type: int, seed0: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed0)
    rows = []
    for strike in STRIKES:
        for ft in FOOT_TYPES:
            for i in range(per_type):
                rec = sk.simulate(
                    duration_s=15,
                    seed=seed0 + 1000 * STRIKES.index(strike) + 100 * FOOT_TYPES.index(ft) + i,
                    foot_type=ft,
                    strike=strike,
                    speed_mps=float(rng.uniform(2.5, 5.0)),
                    body_mass_kg=float(rng.uniform(50, 110)),
                    noise=float(rng.uniform(0, 3)),
                    rate_hz=float(rng.choice([100.0, 200.0, 500.0])),
                )
                s = sk.analyze(rec).summary
                rows.append(
                    {
                        "strike": strike,
                        "foot_type": ft,
                        "arch_indicator": float(s.loc["arch_indicator", "both"]),
                        "ml_ratio": float(s.loc["ml_ratio", "both"]),
                    }
                )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-type", type=int, default=20, help="runners per foot type and strike")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = cohort(args.per_type)
    print(f"{len(rows)} simulated runners in {time.perf_counter() - t0:.0f} s")
    print(
        "concordance with the simulator's foot type (1 = always ordered high < normal < flat, 0.5 = chance)"
    )
    print(f"{'strike':<10} {'midfoot share':>14} {'ML ratio':>9}")
    for strike in (*STRIKES, "pooled"):
        part = [r for r in rows if strike == "pooled" or r["strike"] == strike]
        c = [
            concordance([r[k] for r in part], [r["foot_type"] for r in part], FOOT_TYPES)
            for k in ("arch_indicator", "ml_ratio")
        ]
        print(f"{strike:<10} {c[0]:>14.3f} {c[1]:>9.3f}")
    print("An upper bound: the simulator builds these patterns in; real feet do not follow them.")


if __name__ == "__main__":
    main()
