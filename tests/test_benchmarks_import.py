"""Every benchmark script imports (issue 17's figures come from them).

bench_sensels and bench_streaming imported a timer that a refactor had moved (c89eb60): both
stopped with ImportError for a day and nothing noticed. Importing each script (its ``main`` is
guarded by ``__name__``) checks the names it takes from its neighbours and from sensorkit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py"))


def test_the_benchmarks_are_all_here():
    assert {"bench_sensels", "bench_streaming", "bench_parquet", "bench_day", "_timing"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_script_imports(name):
    # a fresh interpreter, as `python benchmarks/<name>.py` runs it (its folder first on the path)
    code = f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import {name}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
