"""Goal 2 of issue 17 (day-long sessions): peak memory of ``sensorkit analyze`` on a long Parquet file.

Generates (on demand, never in CI) ``--hours`` (default 24) of 2 x 16 sensors at 1 kHz,
written hour by hour so the generator itself stays small (the same running-like load,
2 N noise and 1 % packet loss as ``bench_parquet.py``), then runs ``sensorkit analyze`` on
it in a fresh process and reports that process's peak RSS (VmHWM) against the raw arrays
(goal <= 1.5x). The file is kept in ``--dir`` for reuse (about 0.83x the raw size, 9.7 GB
for 24 h). 24 h needs ~12 GB for the arrays alone: check free memory first on a shared
machine, or measure the ratio at fewer hours (it hardly depends on the length).

Also times ``sensorkit analyze FILE --report OUT.html`` in a fresh process (goal 5: 8 h under
15 s). The CLI turns NumPy's transparent-huge-page advice off (NUMPY_MADVISE_HUGEPAGE=0)
unless the environment sets it: run with NUMPY_MADVISE_HUGEPAGE=1 to see the difference.

Run: PYTHONPATH=. python benchmarks/bench_day.py [--hours 24] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_parquet import synth

CHILD = """
import sys, time
from sensorkit.cli import main

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

t0 = time.perf_counter()
if sys.argv[2] == "read":
    import sensorkit as sk

    sk.read(sys.argv[1])
    status = 0
elif sys.argv[2] == "report":
    status = main(["analyze", sys.argv[1], "--report", sys.argv[3], "--force"])
else:
    status = main(["analyze", sys.argv[1]])
print(f"PEAK {hwm()} WALL {time.perf_counter() - t0}", file=sys.stderr)
sys.exit(status)
"""


def generate(path: Path, hours: float) -> None:
    """Write ``hours`` of synthetic data as one sensorkit Parquet file, one hour at a time."""
    import pyarrow as pa

    from sensorkit.io.parquet import _header, _open_writer

    first = synth(10 / 3600)  # for the header: layout, units, rate, body mass
    header = _header(first)
    header["gaps"] = []  # the reader finds the NaN frames again
    names = ["time_s"] + [
        f"{p}{s}"
        for p, side in (("L_", "left"), ("R_", "right"))
        for s in first.layout_for(side).sensor_names
    ]
    fields = [pa.field(n, pa.float64() if n == "time_s" else pa.float32(), nullable=False) for n in names]
    schema = pa.schema(fields)
    tmp = path.with_suffix(".part")
    with _open_writer(tmp, schema, json.dumps(header).encode()) as w:  # as write_parquet writes
        done = 0.0
        while done < hours:
            h = min(1.0, hours - done)
            rec = synth(h, seed=int(done) + 1)
            t = rec.time + done * 3600
            cols = [t] + [rec.left[:, j] for j in range(16)] + [rec.right[:, j] for j in range(16)]
            for lo in range(0, rec.n_frames, 262_144):
                batch = pa.record_batch(
                    [pa.array(np.ascontiguousarray(c[lo : lo + 262_144])) for c in cols], schema=schema
                )
                w.write_batch(batch)
            done += h
            print(f"  generated {done:g} h", file=sys.stderr)
    tmp.rename(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp"))
    args = ap.parse_args()
    path = args.dir / f"sensorkit-bench-{args.hours:g}h.parquet"
    if not path.exists():
        args.dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        generate(path, args.hours)
        print(f"generated {path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    import pyarrow.parquet as pq

    n = pq.ParquetFile(path).metadata.num_rows
    raw = n * (8 + 2 * 16 * 4)
    print(
        f"{args.hours:g} h, 2 x 16 at 1 kHz: {path.stat().st_size / 1e9:.1f} GB file, raw arrays {raw / 1e9:.2f} GB"
    )
    for what in ("read", "analyze", "report"):
        report = str(path.with_suffix(".html"))
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), what, report], capture_output=True, text=True
        )
        line = [ln for ln in out.stderr.splitlines() if ln.startswith("PEAK ")]
        if out.returncode != 0 or not line:
            sys.exit(f"{what} failed ({out.returncode}):\n{out.stderr[-2000:]}")
        _, peak, _, wall = line[-1].split()
        label = {"read": "sk.read", "analyze": "sensorkit analyze", "report": "analyze --report"}[what]
        goal = {"read": "", "analyze": " (goal <= 1.5x)", "report": ""}[what]
        wall_goal = " (goal at 8 h: < 15 s)" if what == "report" else ""
        print(
            f"{label:<18} peak RSS {int(peak) / 1e9:6.2f} GB = {int(peak) / raw:.2f}x raw{goal}; "
            f"wall {float(wall):.1f} s{wall_goal}"
        )


if __name__ == "__main__":
    main()
