"""The console script, run as a user would: in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

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


@pytest.mark.slow
def test_demo_prints_a_summary_with_truth_comparison():
    proc = run_cli("demo", "--duration", "12")
    assert proc.returncode == 0, proc.stderr
    for text in (
        "per-side summary",
        "contact time",
        "VALR",
        "BW/s",
        "cadence (both feet)",
        "ground truth",
    ):
        assert text in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_analyze_prints_a_table_and_json(physionet_files):
    import json

    proc = run_cli("analyze", str(physionet_files[0]), "--mass", "83")
    assert proc.returncode == 0, proc.stderr
    assert "contact time" in proc.stdout and "cadence" in proc.stdout
    proc = run_cli("analyze", str(physionet_files[0]), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["force_units"] == "N"  # no mass given: newtons, and it says so
    assert 85 < data["summary"]["cadence_spm"]["both"] < 125


def test_analyze_missing_file_is_one_line():
    proc = run_cli("analyze", "/nonexistent/walk.csv")
    assert proc.returncode == 1
    assert (
        proc.stderr.startswith("error:") and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    )


def test_a_misspelled_option_names_the_verb_and_the_option_meant(capsys):
    """`sensorkit analyze F --masss 80` printed the top-level usage and no suggestion."""
    from sensorkit.cli import main

    with pytest.raises(SystemExit) as info:
        main(["analyze", "walk.csv", "--masss", "80"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: sensorkit analyze")
    assert "unrecognized arguments: --masss 80 (did you mean --mass?)" in err
    with pytest.raises(SystemExit):
        main(["analyze", "walk.csv", "--zzz"])
    assert "did you mean" not in capsys.readouterr().err  # nothing close: no guess


@pytest.mark.parametrize("columns", [80, 100])
def test_the_demo_table_shows_every_value_in_a_narrow_terminal(columns, tmp_path):
    """At 80 columns the demo's left, right and unit columns shrank to nothing (a long metric name
    could not wrap) and at 100 the unit and asymmetry columns were gone (new-user tester); then
    at 80 the per-side summary lost its right border and part of its asymmetry column, and SI
    intervals broke inside (``+12.7 [+11.3,`` over ``+14.3]``)."""
    import os
    import re

    env = {**os.environ, "COLUMNS": str(columns)}
    demo = subprocess.run([sys.executable, "-m", "sensorkit.cli", "demo"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    table = _whole_tables(demo.stdout, columns)
    header = next(ln for ln in table if "metric" in ln)
    assert all(word in header for word in ("unit", "left", "right", "asymmetry")), header
    row = next(ln for ln in table if "peak force" in ln)  # the name unwrapped, both values shown
    assert re.search(r"│\s+BW\s+│\s+\d\.\d\d\s+│\s+\d\.\d\d\s+│", row), row
    statuses = " ".join(ln.split("│")[-2].strip() for ln in table if ln.startswith("│"))
    assert "asymmetric" in statuses and "within limit" in statuses and "not applicable" in statuses


def test_the_analyze_table_with_its_cv_column_fits_80_columns(tmp_path):
    """The per-side summary of `analyze` (a CV column more than the demo's, "inconclusive"
    statuses) lost its right border at 80 columns, the statuses cut to "inconclusi"."""
    import os
    from pathlib import Path

    pedar = Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc"
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run([sys.executable, "-m", "sensorkit.cli", "analyze", str(pedar)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = _whole_tables(proc.stdout, 80)
    header = next(ln for ln in table if "metric" in ln)
    assert all(word in header for word in ("unit", "left", "right", "CV %", "asymmetry")), header
    assert sum(ln.split("│")[-2].strip() == "inconclusive" for ln in table if ln.startswith("│")) >= 2


def _whole_tables(out: str, columns: int) -> list[str]:
    """The table lines of ``out``, checked to fit ``columns`` with their right border and each SI
    interval on one line (``[+11.3, +14.3]``)."""
    import re

    table = [ln for ln in out.splitlines() if ln[:1] in "┏┃┡│└"]
    assert table and max(len(ln) for ln in table) <= columns and "…" not in out
    ends = {"┏": "┓", "┃": "┃", "┡": "┩", "│": "│", "└": "┘"}
    cut = [ln for ln in table if not ln.endswith(ends[ln[0]])]
    assert not cut, "\n".join(cut)
    intervals = re.compile(r"\[[+-]?\d+\.\d, [+-]?\d+\.\d\]")
    broken = [ln for ln in table if ln.count("[") != len(intervals.findall(ln)) + ln.count("[95% CI]")]
    assert not broken, "\n".join(broken)
    assert sum(len(intervals.findall(ln)) for ln in table) >= 5
    return table


def test_device_tables_keep_urls_whole_while_summary_names_may_wrap():
    """Letting every first column wrap could fold a device URL (`ble://AA:BB:...`) mid-way."""
    from sensorkit.cli.tables import new_table

    plain = new_table("devices", [("url", "left"), ("what", "left")])
    assert plain.columns[0].no_wrap and not plain.columns[1].no_wrap
    names = new_table(
        "summary", [("metric", "left"), ("left", "right"), ("SI", "right")], names_wrap=True, wraps=(2,)
    )
    assert not names.columns[0].no_wrap and names.columns[1].no_wrap and not names.columns[2].no_wrap
