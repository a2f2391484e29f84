"""Goal 6 of issue 17: start-up and first run.

Fresh interpreters, each timed from outside (wall clock, best of ``--repeat``):

- ``python -c pass`` (the floor), ``import sensorkit``, ``sensorkit --help`` (goal < 0.2 s);
- ``sensorkit demo --duration 5`` with a cold Numba cache (every ``*.nbi``/``*.nbc`` under the
  package removed first, and ``NUMBA_CACHE_DIR`` pointed at an empty directory), with and
  without the compiling helper process (``sensorkit._warmup``), and then warm. The goal is cold <= half of the cold time before issue 17 (pass ``--before`` with
  that figure, measured with this script on the old tree: ``PYTHONPATH=old-tree``).

Run: PYTHONPATH=. python benchmarks/bench_startup.py [--repeat 5] [--before 6.0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def package_root() -> Path:
    out = subprocess.run(
        [sys.executable, "-c", "import sensorkit, os; print(os.path.dirname(sensorkit.__file__))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return Path(out.stdout.strip())


def timed(args: list[str], env: dict, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold-repeat", type=int, default=3, help="cold runs of each kind (best of)")
    ap.add_argument("--before", type=float, help="cold demo time (s) before issue 17, for the ratio")
    args = ap.parse_args()
    env = dict(os.environ)
    py = sys.executable
    cli = [py, "-c", "import sys; from sensorkit.cli import main; sys.exit(main())"]
    rows = [
        ("python -c pass", timed([py, "-c", "pass"], env, args.repeat), ""),
        ("import sensorkit", timed([py, "-c", "import sensorkit"], env, args.repeat), ""),
        ("sensorkit --help", timed([*cli, "--help"], env, args.repeat), "< 0.2 s"),
    ]
    root = package_root()
    demo_args = ["demo", "--duration", "5"]
    # the same command with the compiling helper (sensorkit._warmup) switched off
    alone = [
        py,
        "-c",
        "import sys; from sensorkit import _warmup; _warmup.start_helper = lambda: None; "
        "from sensorkit.cli import main; sys.exit(main())",
    ]
    cold = alone_cold = float("inf")
    for _ in range(args.cold_repeat):  # each cold run in an empty cache; alternated
        for which in ("helper", "alone"):
            with tempfile.TemporaryDirectory() as cache:
                for p in [*root.rglob("*.nbi"), *root.rglob("*.nbc")]:
                    p.unlink()
                cold_env = {**env, "NUMBA_CACHE_DIR": cache}
                if which == "helper":
                    cold = min(cold, timed([*cli, *demo_args], cold_env, 1))
                    warm = timed([*cli, *demo_args], cold_env, args.repeat)
                else:
                    alone_cold = min(alone_cold, timed([*alone, *demo_args], cold_env, 1))
    goal = f"<= {args.before / 2:.2f} s" if args.before else "<= half of before"
    rows.append(("sensorkit demo, cold Numba cache", cold, goal))
    rows.append(("  the same without the helper", alone_cold, ""))
    rows.append(("sensorkit demo, warm", warm, ""))
    print(f"start-up of {root} (best of {args.repeat}; cold: best of {args.cold_repeat})")
    print(f"{'measure':<36} {'wall s':>8}  goal")
    for name, value, target in rows:
        print(f"{name:<36} {value:>8.3f}  {target}")
    if args.before:
        print(f"{'cold / before':<36} {cold / args.before:>8.2f}  <= 0.5")


if __name__ == "__main__":
    main()
