"""Each kernel vs its naive numpy reference, and COP-kernel bandwidth vs numpy.sum.

Run: PYTHONPATH=. python benchmarks/bench_kernels.py [n_frames]
Prints one table; all ratios are measured in this run (best of 5 after a warm-up).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from sensorkit import kernels as K
from sensorkit import reference as R

REPEATS = 5


def best_of(fn, *args) -> float:
    fn(*args)
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    s = 16
    rng = np.random.default_rng(0)
    values = (rng.random((n, s), dtype=np.float32) * 100).astype(np.float32)
    x = rng.normal(0, 30, s).astype(np.float32)
    y = rng.uniform(0, 260, s).astype(np.float32)
    base = np.zeros(s, np.float32)
    t = np.arange(n) / 1000.0
    table = Table(title=f"kernels vs numpy references ({n:,} frames x {s} float32 sensors)")
    for col in ("kernel", "numba s", "reference s", "speed-up"):
        table.add_column(col, justify="right")

    t_sum = best_of(np.sum, values)
    t_cop = best_of(K.cop_frames, values, x, y, base, 20.0)
    small = values[: n // 10]
    t_cop_ref = best_of(R.cop_frames, small, x, y, base, 20.0) * 10
    table.add_row("cop_frames", f"{t_cop:.4f}", f"{t_cop_ref:.4f}", f"{t_cop_ref / t_cop:.1f}x")
    outs = [np.empty(n, np.float32) for _ in range(3)]
    t_cop_into = best_of(K.cop_frames_into, values, x, y, base, 20.0, *outs)
    t_tot = best_of(K.total_force, values, base)
    table.add_row("total_force", f"{t_tot:.4f}", f"{best_of(R.total_force, small, base) * 10:.4f}", "")

    # events and per-stance kernels on a gait-like force signal (1 kHz, 0.25 s stance per 0.7 s)
    m = min(n, 2_000_000)
    phase = (np.arange(m) % 700) / 1000.0
    force = np.where(phase < 0.25, np.sin(np.pi * phase / 0.25) * 1500.0, 0.0).astype(np.float32)
    tm = t[:m]
    t_ev = best_of(K.detect_contacts, force, 0, 34.0, 27.0, 50, 50, K.new_event_state())
    starts, stops, _ = K.detect_contacts(force, 0, 34.0, 27.0, 50, 50, K.new_event_state())
    sub = m // 20
    t_ev_ref = best_of(R.detect_contacts, force[:sub], 34.0, 27.0, 50, 50) * 20
    table.add_row("detect_contacts", f"{t_ev:.4f}", f"{t_ev_ref:.4f}", f"{t_ev_ref / t_ev:.0f}x")
    args = (0.3, 0.2, 0.03, 0.5, K.METHOD_13PCT, 0.13, 0.03, 0.12, 0.2, 0.8)
    k = max(1, starts.size // 20)
    for name, fk, fr, a in (
        ("loading_rates", K.loading_rates, R.loading_rates, (force, tm, starts, stops, *args)),
        ("stance_force", K.stance_force, R.stance_force, (force, tm, starts, stops)),
        (
            "cop_path_metrics",
            K.cop_path_metrics,
            R.cop_path_metrics,
            (force, force, tm, starts, stops, 260.0, 100.0, 2 / 3),
        ),
    ):
        tk = best_of(fk, *a)
        a_small = tuple(v[:k] if v is starts or v is stops else v for v in a)
        tr = best_of(fr, *a_small) * (starts.size / k)
        table.add_row(name, f"{tk:.4f}", f"{tr:.4f}", f"{tr / tk:.0f}x")
    vm = values[:m]
    reg_args = (
        vm,
        tm,
        base,
        starts,
        stops,
        np.arange(s, dtype=np.int64) % 4,
        np.arange(s, dtype=np.int64) % 3 - 1,
        np.ones(s),
    )
    tk = best_of(K.regional_loads, *reg_args)
    tr = best_of(R.regional_loads, *((*reg_args[:3], starts[:k], stops[:k], *reg_args[5:]))) * (
        starts.size / k
    )
    table.add_row("regional_loads", f"{tk:.4f}", f"{tr:.4f}", f"{tr / tk:.0f}x")
    a = rng.random(1_000_000)
    b = rng.random(1_000_000)
    tk = best_of(K.symmetry_index, a, b)
    tr = best_of(R.symmetry_index, a, b)
    table.add_row("symmetry_index", f"{tk:.4f}", f"{tr:.4f}", f"{tr / tk:.1f}x")

    console = Console()
    console.print(table)
    gb = values.nbytes / 1e9
    bw = Table(title="COP kernel bandwidth over the same (n, 16) float32 array")
    for col in ("operation", "GB/s", "ratio to numpy.sum"):
        bw.add_column(col, justify="right")
    bw.add_row("numpy.sum", f"{gb / t_sum:.1f}", "1.00")
    bw.add_row("cop_frames (x, y, F)", f"{gb / t_cop:.1f}", f"{t_sum / t_cop:.2f}")
    bw.add_row("cop_frames_into (reused outputs)", f"{gb / t_cop_into:.1f}", f"{t_sum / t_cop_into:.2f}")
    bw.add_row("total_force", f"{gb / t_tot:.1f}", f"{t_sum / t_tot:.2f}")
    console.print(bw)


if __name__ == "__main__":
    main()
