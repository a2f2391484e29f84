"""Build the C reference codec with gcc/cc and run it against every golden vector."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from protocol_helpers import C_DIR, TOOLS_DIR, VECTOR_DIR, load_vectors

CC = shutil.which("gcc") or shutil.which("cc")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler (gcc or cc) on PATH")
STRICT = ["-Wall", "-Wextra", "-Werror", "-std=c99"]


def _build(tmp_path: Path, vector_dir: Path, extra: list[str]) -> Path:
    header = tmp_path / "vectors.h"
    subprocess.run(
        [sys.executable, str(TOOLS_DIR / "gen_c_vectors.py"), str(header), str(vector_dir)],
        check=True, timeout=60,
    )  # fmt: skip
    exe = tmp_path / "test_vectors"
    cmd = [CC, *STRICT, *extra, "-I", str(C_DIR), "-I", str(tmp_path),
           str(C_DIR / "skproto.c"), str(C_DIR / "test_vectors.c"), "-o", str(exe)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
    return exe


def test_c_reference_passes_every_vector(tmp_path):
    exe = _build(tmp_path, VECTOR_DIR, ["-O2", "-pedantic"])
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert f"{len(load_vectors())} vectors" in proc.stdout
    assert "0 failures" in proc.stdout


def test_c_codec_compiles_without_conversion_warnings(tmp_path):
    cmd = [CC, *STRICT, "-pedantic", "-Wconversion", "-Wsign-conversion", "-Wshadow", "-c",
           str(C_DIR / "skproto.c"), "-o", str(tmp_path / "skproto.o")]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_c_test_program_detects_a_wrong_vector(tmp_path):
    """The C checker is not vacuous: a vector with a wrong expected error fails it."""
    bad_dir = tmp_path / "vectors"
    bad_dir.mkdir()
    for path in VECTOR_DIR.glob("*.json"):
        obj = json.loads(path.read_text())
        if obj["name"] == "err_bad_crc":
            obj["expect"]["error"] = "BAD_LENGTH"
        if obj["name"] == "ack_set_rate":
            obj["expect"]["packet"]["command_seq"] = 3
        (bad_dir / path.name).write_text(json.dumps(obj))
    exe = _build(tmp_path, bad_dir, ["-O1"])
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "FAIL err_bad_crc: error BAD_CRC, expected BAD_LENGTH" in proc.stdout
    assert "FAIL ack_set_rate: decoded packet fields" in proc.stdout


def test_c_reference_under_sanitizers(tmp_path):
    flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    probe = subprocess.run(
        [CC, *flags, "-x", "c", "-", "-o", str(tmp_path / "probe")],
        input="int main(void){return 0;}", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip("compiler has no AddressSanitizer/UBSan runtime")
    exe = _build(tmp_path, VECTOR_DIR, flags)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
