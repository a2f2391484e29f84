"""The console script, run as a user would: in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import sensorkit as sk


def run_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_simulate_writes_a_readable_recording(tmp_path):
    out = tmp_path / "run.csv"
    proc = run_cli(
        "simulate", "-o", str(out), "--duration", "3", "--seed", "4", "--foot", "flat", "--mass", "80"
    )
    assert proc.returncode == 0, proc.stderr
    rec = sk.read(out)
    assert rec.body_mass_kg == 80.0 and rec.n_frames == 300
    expected = sk.simulate(duration_s=3, seed=4, foot_type="flat", body_mass_kg=80)
    np.testing.assert_array_equal(rec.left, expected.left)


def test_user_errors_are_one_line_with_a_hint(tmp_path):
    proc = run_cli("simulate", "-o", str(tmp_path / "x.csv"), "--mass", "7000")
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: body_mass_kg=7000")
    assert "Traceback" not in proc.stderr


def test_debug_flag_shows_the_traceback(tmp_path):
    proc = run_cli("--debug", "simulate", "-o", str(tmp_path / "x.csv"), "--mass", "7000")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_no_command_prints_help():
    proc = run_cli()
    assert proc.returncode == 2 and "usage: sensorkit" in proc.stdout
