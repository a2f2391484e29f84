"""Cold start: two fresh processes import sensorkit and analyse a small recording; the second
one loads the Numba cache written by the first.

Run: PYTHONPATH=. python benchmarks/bench_cold_start.py
(Clears sensorkit's own __pycache__/*.nbi/*.nbc first so the first run compiles.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = (
    "import time; t0 = time.perf_counter(); import sensorkit as sk; t1 = time.perf_counter(); "
    "rec = sk.simulate(duration_s=5, seed=1); t2 = time.perf_counter(); sk.analyze(rec); "
    "t3 = time.perf_counter(); print(t1 - t0, t3 - t2)"
)


def clear_cache() -> int:
    removed = 0
    for pattern in ("*.nbi", "*.nbc"):
        for p in (ROOT / "sensorkit" / "kernels").rglob(pattern):
            p.unlink()
            removed += 1
    return removed


def one_run() -> tuple[float, float, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    wall = time.perf_counter() - t0
    imp, ana = (float(v) for v in out.stdout.split())
    return wall, imp, ana


def main() -> None:
    removed = clear_cache()
    first = one_run()
    second = one_run()
    table = Table(title=f"cold start (removed {removed} cached kernel files before run 1)")
    for col in ("run", "process wall s", "import s", "first analyze s"):
        table.add_column(col, justify="right")
    table.add_row("1 (compiles, writes cache)", *(f"{v:.2f}" for v in first))
    table.add_row("2 (loads cache)", *(f"{v:.2f}" for v in second))
    table.add_row("ratio 1/2", *(f"{a / b:.1f}x" for a, b in zip(first, second, strict=True)))
    Console().print(table)


if __name__ == "__main__":
    main()
