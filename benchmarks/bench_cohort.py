"""Cohort throughput: in-process vs local processes vs a Dask LocalCluster (issue 20).

Generates simulated sessions (Parquet, on demand, in a temporary folder), runs
``sk.analyze_many`` on each engine, and prints sessions/s, frames/s, the speed-up over
in-process, the per-file overhead and the peak memory per worker; then the throughput curve
against session length, to show where per-file overhead dominates and where analysis does.

Run: python benchmarks/bench_cohort.py [--sessions 200 --minutes 1 --rate 100] [--curve]
Targets (checked here, never in unit tests): Dask with 2 workers >= 1.6x in-process on sessions
long enough that analysis dominates; per-file overhead < 50 ms.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from _timing import best_time

import sensorkit as sk
from sensorkit.cohort import analyze_many
from sensorkit.cohort.engines import dask_client


def make_sessions(folder: Path, n: int, minutes: float, rate_hz: float) -> list[Path]:
    """``n`` simulated runs of ``minutes`` at ``rate_hz`` as Parquet files (2 x 16 sensors)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        path = folder / f"s{k:04d}.parquet"
        if not path.exists():
            rec = sk.simulate(duration_s=60.0 * minutes, seed=k % 7, rate_hz=rate_hz, body_mass_kg=70)
            sk.write(rec, path)
        paths.append(path)
    return paths


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_engines(paths: list[Path], frames_per_file: int, workers: int = 2, repeat: int = 3) -> list[dict]:
    """Time the batch on each engine; returns one row per engine.

    The engines take turns (in-process, processes, Dask, then again ``repeat`` times) and each
    keeps its best time, so a slow spell of the machine does not fall on one engine only.
    No cluster is alive while the others run (its scheduler and nannies live in this process
    and would take the GIL and a core from them): each turn starts a Dask cluster and warms
    its workers before timing it. The process pool is started by every run (spawning and
    importing are part of what that engine costs).
    """
    names = ["in-process", f"processes x{workers}", f"dask x{workers}"]
    best = dict.fromkeys(names, float("inf"))
    analyze_many(paths[:2])  # warm the kernel cache in this process
    base = analyze_many(paths)
    cpu = wall = 0.0
    peak = {names[1]: float("nan"), names[2]: 0.0}
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        analyze_many(paths)
        seconds = time.perf_counter() - t
        best[names[0]] = min(best[names[0]], seconds)
        cpu, wall = cpu + time.process_time() - c, wall + seconds
        t = time.perf_counter()
        analyze_many(paths, executor="processes", workers=workers)
        best[names[1]] = min(best[names[1]], time.perf_counter() - t)
        with dask_client(workers=workers) as client:
            # warm each worker (imports, kernel cache, gc.freeze)
            analyze_many(paths[: 2 * workers], executor=client)
            t = time.perf_counter()
            cohort = analyze_many(paths, executor=client)
            best[names[2]] = min(best[names[2]], time.perf_counter() - t)
            peak[names[2]] = max(peak[names[2]], *client.run(_maxrss_mb).values())
        pd.testing.assert_frame_equal(cohort.sessions, base.sessions)  # engines give identical tables
    peak[names[0]] = _maxrss_mb()
    rows = [{"engine": k, "seconds": best[k], "peak_mb": peak[k]} for k in names]
    rows[0]["cores"] = cpu / wall
    n = len(paths)
    for r in rows:
        r["sessions_s"] = n / r["seconds"]
        r["frames_s"] = n * frames_per_file / r["seconds"]
        r["speedup"] = rows[0]["seconds"] / r["seconds"]
    return rows


def _timed_file(path: Path) -> tuple[float, float]:
    """Wall and thread-CPU seconds of reading and analysing one file (in whatever process runs it)."""
    t, cpu = time.perf_counter(), time.thread_time()
    sk.analyze(sk.read(path), body_mass_kg=70.0)
    return time.perf_counter() - t, time.thread_time() - cpu


def contention_ceiling(paths: list[Path], workers: int = 2, repeat: int = 3) -> dict:
    """What two busy cores give with no scheduler at all: a plain spawn Pool mapping the same work.

    Compares the thread-CPU time of one file's read + analysis alone with the same while
    ``workers`` processes run at once: when the cores slow each other down (shared caches,
    memory bandwidth, a VM's vCPUs), no engine can beat ``workers / inflation``. Serial and
    parallel times are each the best of ``repeat``.
    """
    import multiprocessing

    for p in paths[:2]:
        _timed_file(p)
    alone: list = []
    serial = best_time(lambda: alone.extend(_timed_file(p) for p in paths), repeat)
    busy: list = []
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_timed_file, paths[: 2 * workers], chunksize=1)  # warm: imports, kernel cache
        parallel = best_time(lambda: busy.extend(pool.map(_timed_file, paths, chunksize=1)), repeat)
    cpu_alone = sum(c for _, c in alone) / len(alone)
    cpu_busy = sum(c for _, c in busy) / len(busy)
    return {"cpu_alone_s": cpu_alone, "cpu_busy_s": cpu_busy, "inflation": cpu_busy / cpu_alone,
            "pool_speedup": serial / parallel}  # fmt: skip


def per_file_overhead_ms(folder: Path) -> float:
    """Dask wall time per file minus in-process time per file, on tiny files (1 s each)."""
    paths = make_sessions(folder / "tiny", 40, 1.0 / 60.0, 100.0)
    analyze_many(paths[:2])
    t = time.perf_counter()
    analyze_many(paths)
    inproc = (time.perf_counter() - t) / len(paths)
    with dask_client(workers=1) as client:
        analyze_many(paths[:2], executor=client)
        t = time.perf_counter()
        analyze_many(paths, executor=client)
        dask = (time.perf_counter() - t) / len(paths)
    return 1e3 * max(dask - inproc, 0.0), 1e3 * inproc


TARGET = 1.6  # Dask x2 over in-process, on sessions long enough that analysis dominates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3, help="each time is the best of this many runs")
    ap.add_argument("--curve", action="store_true", help="also the throughput curve against session length")
    ap.add_argument("--curve-sessions", type=int, default=24, help="sessions per point of the curve")
    ap.add_argument("--dir", type=Path, help="keep the generated sessions here (default: a temp folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        sub = folder / f"n{args.sessions}_m{args.minutes:g}_r{args.rate:g}"
        sub.mkdir(exist_ok=True)
        paths = make_sessions(sub, args.sessions, args.minutes, args.rate)
        frames = int(60 * args.minutes * args.rate)
        print(
            f"{args.sessions} sessions of {args.minutes:g} min at {args.rate:g} Hz, 2 x 16 sensors, best of {args.repeat}"
        )
        print(f"{'engine':<14} {'s':>7} {'sessions/s':>11} {'frames/s':>12} {'x in-proc':>9} {'peak MB':>8}")
        rows = run_engines(paths, frames, repeat=args.repeat)
        for r in rows:
            print(
                f"{r['engine']:<14} {r['seconds']:7.2f} {r['sessions_s']:11.2f} {r['frames_s']:12.3g} "
                f"{r['speedup']:9.2f} {r['peak_mb']:8.0f}"
            )
        print(f"in-process used {rows[0]['cores']:.2f} cores (CPU time / wall time: Arrow and Numba threads)")
        over, inproc = per_file_overhead_ms(folder)
        print(
            f"per-file overhead of Dask over in-process: {over:.1f} ms (in-process {inproc:.1f} ms per 1 s file);"
            f" goal < 50 ms: {'met' if over < 50 else 'NOT met'}"
        )
        ceiling = contention_ceiling(paths, repeat=args.repeat)
        print(
            f"ceiling on this machine: one file's CPU time {ceiling['cpu_alone_s'] * 1e3:.0f} ms alone, "
            f"{ceiling['cpu_busy_s'] * 1e3:.0f} ms with 2 processes busy (x{ceiling['inflation']:.2f}); "
            f"a plain spawn Pool(2) gives {ceiling['pool_speedup']:.2f}x"
        )
        if args.curve:
            n = args.curve_sessions
            print(
                f"\nthroughput against session length ({n} sessions a point, 1 kHz, best of {args.repeat}):"
            )
            print(
                f"{'minutes':>7} {'in-proc s':>9} {'cores':>5} {'processes':>9} {'dask x2':>7} {'Pool(2)':>7}  Dask >= {TARGET}x"
            )
            for minutes in (0.25, 1.0, 4.0, 10.0, 30.0):
                d = folder / f"n{n}_m{minutes:g}_r1000"
                d.mkdir(exist_ok=True)
                p = make_sessions(d, n, minutes, 1000.0)
                rows = run_engines(p, int(60 * minutes * 1000), repeat=args.repeat)
                pool = contention_ceiling(p, repeat=args.repeat)["pool_speedup"]
                print(
                    f"{minutes:7g} {rows[0]['seconds']:9.2f} {rows[0]['cores']:5.2f} {rows[1]['speedup']:8.2f}x "
                    f"{rows[2]['speedup']:6.2f}x {pool:6.2f}x  {'met' if rows[2]['speedup'] >= TARGET else 'not met'}"
                )


if __name__ == "__main__":
    main()
