"""Every script in examples/ runs with its defaults (or short options) and writes what it says."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

# runs the example scripts in subprocesses (~11 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "MPLBACKEND": "Agg",
    }
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_every_example_has_a_test():
    tested = {"stream_callback.py", "analyze_folder.py", "compare_insoles.py", "physionet_cop.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_stream_callback_prints_steps_from_the_simulator():
    proc = run_example("stream_callback.py", "--duration", "2.5")
    lines = [ln for ln in proc.stdout.splitlines() if " step at " in ln]
    assert len(lines) >= 4  # ~170 steps/min over 2.5 s, minus the first stance
    assert {"left", "right"} <= {ln.split()[0] for ln in lines}
    assert proc.stdout.strip().endswith(f"{len(lines)} steps in 2.5 s")


def test_analyze_folder_writes_one_row_per_recording(tmp_path):
    run_example("analyze_folder.py", "--out", str(tmp_path))
    rows = list(csv.DictReader((tmp_path / "table.csv").open()))
    assert [r["file"] for r in rows][:3] == ["GaCo01_01.txt", "GaCo03_01.txt", "GaCo04_02.txt"]
    assert len(rows) == 6 and all(int(r["steps"]) > 40 for r in rows)
    walk = float(rows[0]["cadence_spm"])
    assert 90 < walk < 105  # the PhysioNet walk, not a run


def test_analyze_folder_finds_every_readable_format_in_subfolders(tmp_path):
    """On a folder of subfolders it crashed with a pandas KeyError, and it skipped pedar (.asc)
    and F-Scan (.asf) files: it listed files by a fixed set of suffixes."""
    import shutil

    data = Path(__file__).parent / "data"
    root = tmp_path / "data"
    (root / "mats").mkdir(parents=True)
    for name in ("pedar_example.asc", "fscan_testL.asf"):
        shutil.copy(data / "pressure-mats" / name, root / "mats" / name)
    (root / "mats" / "README.md").write_text("# pressure mats\n", encoding="utf-8")
    run_example("analyze_folder.py", str(root), "--out", str(tmp_path / "out"))
    rows = list(csv.DictReader((tmp_path / "out" / "table.csv").open()))
    assert [r["file"] for r in rows] == ["fscan_testL.asf", "pedar_example.asc"]
    assert all(int(r["steps"]) > 0 for r in rows)


def test_compare_insoles_table_and_figure(tmp_path):
    proc = run_example("compare_insoles.py", "--duration", "15", "--out", str(tmp_path))
    rows = {r["metric"]: r for r in csv.DictReader((tmp_path / "comparison.csv").open())}
    assert float(rows["strike_index_pct"]["change_pct"]) > 50  # the midfoot-strike stand-in moves the strike
    assert (tmp_path / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert "valr_bw_s" in proc.stdout


def test_physionet_cop_writes_pngs(tmp_path):
    proc = run_example("physionet_cop.py", "--out", str(tmp_path))
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["GaCo01_01_cop_paths.png", "GaCo01_01_force_curves.png"]
    assert "physionet8" in proc.stdout


@pytest.mark.parametrize(
    "name", ["analyze_folder.py", "compare_insoles.py", "physionet_cop.py", "stream_callback.py"]
)
def test_examples_explain_themselves(name):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0 and "usage:" in proc.stdout
