"""The compiling helper of a cold first run (sensorkit._warmup, issue 17 goal 6): it compiles
exactly the kernel signatures the analysis uses, so a command finds them in the cache, and the
CLI starts it only on a cold cache and stops it when the command ends."""

from __future__ import annotations

import json

from test_cli_startup import run_python

from sensorkit import _warmup

# In a fresh process with an empty kernel cache: compile the helper's signatures, then analyse
# recordings that take both event paths (re-timing on: noise-free; off: noisy), with and
# without gaps, row- and column-major, and list every sensorkit kernel the analysis still had
# to compile.
_CHECK = """
import json
from numba.core import event
from sensorkit import _warmup
_warmup.compile_kernels()
compiled = []
class Log(event.Listener):
    def on_start(self, ev):
        f = ev.data["dispatcher"].py_func
        compiled.append([f.__module__, f.__name__])
    def on_end(self, ev):
        pass
event.register("numba:compile", Log())
import sensorkit as sk
for kw in ({}, {"noise": 3.0, "dropout": 0.02}, {"rate_hz": 1000, "strike": "forefoot"}):
    rec = sk.simulate(duration_s=6, seed=2, **kw)
    res = sk.analyze(rec)
    assert len(res.steps) > 5
    refined = all(res.params.threshold_noise_sd * d["noise_sd"] <= d["on"] for d in res.thresholds_n.values())
    print(json.dumps({"refined": refined}))
# column-major sides (what the Parquet and text readers give), whole and a time window
import numpy as np
rec = sk.simulate(duration_s=6, seed=3)
cols = sk.Recording.from_arrays(
    rec.time, np.asfortranarray(rec.left), np.asfortranarray(rec.right), layout=rec.layout, body_mass_kg=70
)
assert len(sk.analyze(cols).steps) > 5 and len(sk.analyze(cols, start_s=1.0, end_s=5.0).steps) > 3
print(json.dumps(compiled))
"""


def test_the_helper_compiles_the_signatures_the_analysis_calls(tmp_path):
    out = run_python(_CHECK, {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert {json.loads(line)["refined"] for line in lines[:-1]} == {True, False}  # both event paths
    compiled = {tuple(x) for x in json.loads(lines[-1])}
    warmed = set(_warmup.ANALYSIS_KERNELS)
    # what is left to compile are the simulator's kernels, none of the analysis's
    assert not compiled & warmed, compiled & warmed
    assert {m for m, _ in compiled if m.startswith("sensorkit.kernels")} <= {"sensorkit.kernels.cop"}
    assert ("sensorkit.simulate.loads", "distribute_loads") in compiled  # the listener did listen


def test_a_cold_analysing_command_runs_the_helper_and_leaves_no_process_behind(tmp_path):
    code = (
        "import sys\n"
        "from sensorkit import _warmup\n"
        "started = []\n"
        "real = _warmup.start_helper\n"
        "def spy():\n"
        "    p = real(); started.append(p); return p\n"
        "_warmup.start_helper = spy\n"
        "from sensorkit.cli import main\n"
        f"status = main(['simulate', '-o', {str(tmp_path / 'w.csv')!r}, '--duration', '2', '--force'])\n"
        "assert not started, 'simulate analyses nothing: no helper'\n"
        f"status = main(['analyze', {str(tmp_path / 'w.csv')!r}])\n"
        "assert status == 0 and len(started) == 1, (status, started)\n"
        "print(started[0].poll() is not None)\n"
    )
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "HOME": str(tmp_path)}
    out = run_python(code, env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "True"  # stopped (or finished) when the command ended


def test_stop_helper_ends_a_helper_that_is_still_compiling(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    helper = _warmup.start_helper()
    assert helper is not None and helper.poll() is None
    _warmup.stop_helper(helper)
    assert helper.poll() is not None
    _warmup.stop_helper(helper)  # a second stop is harmless


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie nobody reaped has exited)."""
    from pathlib import Path

    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def test_a_helper_whose_command_was_killed_stops_itself(tmp_path):
    # SIGTERM/SIGKILL skip the command's own clean-up: the helper (then a child of init) must
    # not go on compiling; it stops before its next kernel. Compiling them all takes several
    # seconds; killed after one, it leaves most of them uncompiled.
    import os
    import signal
    import subprocess
    import sys
    import time

    cache = tmp_path / "numba"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from sensorkit import _warmup; "
         "h = _warmup.start_helper(); print(h.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    helper_pid = int(parent.stdout.readline())
    time.sleep(1.0)  # the helper is importing or compiling its first kernel
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60.0
    while _alive(helper_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(helper_pid):
        os.kill(helper_pid, signal.SIGKILL)
        raise AssertionError("the helper outlived its killed command by a minute")
    compiled = {n for _, n in _warmup.ANALYSIS_KERNELS if any(cache.rglob(f"*.{n}-*.nbi"))}
    assert len(compiled) <= 3, compiled  # at most the one or two under way when it was killed
