"""Memory of a script that only records (nobody reads the chunks): RSS growth in MB/s.

Run: PYTHONPATH=. python benchmarks/bench_record_memory.py [seconds] [url]
Records ``url`` (default a simulated pair at 1 kHz) to a temporary capture for ``seconds``
(default 20) without reading a chunk, and prints the resident set size every few seconds,
the growth rate (least-squares slopes after the first 2 s and over the second half, when the
queue has reached its limit), and the chunks queued.
Before the chunk queue had a limit, this grew by about 0.9 MB/s at 100 Hz.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

import sensorkit as sk


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def main(seconds: float = 20.0, url: str = "sim://?rate=1000&seed=1") -> None:
    table = Table(title=f"record {url} for {seconds:g} s, no reader")
    for col in ("t (s)", "RSS (MB)", "chunks queued", "capture (MB)"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.skr"
        with sk.open(url, record=path) as session:
            t0 = time.monotonic()
            samples = []
            while (t := time.monotonic() - t0) < seconds:
                time.sleep(min(1.0, seconds - t))
                t = time.monotonic() - t0
                queue = getattr(session.source, "_queue", None)
                queued = queue.qsize() if queue is not None else -1
                samples.append((t, rss_mb()))
                table.add_row(
                    f"{t:.1f}", f"{samples[-1][1]:.1f}", str(queued), f"{path.stat().st_size / 1e6:.1f}"
                )
    Console().print(table)
    for label, t_from in (("after 2 s", 2.0), ("second half", seconds / 2)):
        pts = np.array([s for s in samples if s[0] >= t_from])
        slope = float(np.polyfit(pts[:, 0], pts[:, 1], 1)[0]) if len(pts) > 2 else float("nan")
        print(f"RSS growth ({label}, least-squares): {slope:+.3f} MB/s ({slope * 3600 / 1024:+.2f} GB/h)")


if __name__ == "__main__":
    main(
        float(sys.argv[1]) if len(sys.argv) > 1 else 20.0,
        sys.argv[2] if len(sys.argv) > 2 else "sim://?rate=1000&seed=1",
    )
