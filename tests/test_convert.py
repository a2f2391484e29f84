"""``sensorkit convert``: formats, lossless round trips, one-line errors."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.cli import convert
from sensorkit.cli.stream import standalone
from sensorkit.io.csv_generic import write_generic_csv

pytest.importorskip("pyarrow", reason="pyarrow (the 'parquet' extra) is not installed")


def run_convert(*argv: str) -> int:
    return standalone(convert.add_parser, "convert", list(argv))


@pytest.fixture
def csv_with_gaps(tmp_path):
    rec = sk.simulate(duration_s=6, seed=7, dropout=0.01, body_mass_kg=64)
    path = tmp_path / "run.csv"
    write_generic_csv(rec, path)
    return path


def test_csv_to_parquet_to_csv_is_bit_identical(csv_with_gaps, tmp_path, capsys):
    pq_path, back = tmp_path / "run.parquet", tmp_path / "back.csv"
    assert run_convert(str(csv_with_gaps), str(pq_path)) == 0
    assert run_convert(str(pq_path), str(back)) == 0
    a, b = sk.read(csv_with_gaps), sk.read(back)
    assert len(a.gaps) > 0
    assert np.array_equal(a.time, b.time)
    for side in ("left", "right"):
        assert np.array_equal(getattr(a, side).view(np.uint32), getattr(b, side).view(np.uint32))
    pd.testing.assert_frame_equal(a.gaps, b.gaps)
    assert (a.body_mass_kg, a.rate_hz, a.units, a.layout.name) == (
        b.body_mass_kg,
        b.rate_hz,
        b.units,
        b.layout.name,
    )
    assert back.read_bytes() == csv_with_gaps.read_bytes()
    err = capsys.readouterr().err
    assert "-> " in err and "parquet" in err and f"{len(a.gaps)} gaps" in err


def test_physionet_and_capture_inputs(tmp_path):
    src = "tests/data/physionet-gaitpdb/GaCo04_02.txt"
    out = tmp_path / "walk.parquet"
    assert run_convert(src, str(out), "--mass", "75") == 0
    back = sk.read(out)
    walk = sk.read(src)
    assert (
        np.array_equal(back.left, walk.left) and back.body_mass_kg == 75 and back.layout.name == "physionet8"
    )


def test_capture_file_converts(tmp_path):
    from sensorkit.devices import open as open_devices

    skr = tmp_path / "run.skr"
    with open_devices("sim://?seed=1", record=skr) as session:
        got = 0
        while got < 60:
            chunk = session.read(timeout_s=2.0)
            assert chunk is not None
            got += chunk.n
    out = tmp_path / "run.parquet"
    assert run_convert(str(skr), str(out)) == 0
    back = sk.read(out)
    assert back.n_frames >= 20 and back.sides


def test_output_format_from_to_option_and_errors(csv_with_gaps, tmp_path, capsys):
    out = tmp_path / "data.bin"
    assert run_convert(str(csv_with_gaps), str(out), "--to", "parquet") == 0
    assert out.read_bytes()[:4] == b"PAR1"
    assert run_convert(str(csv_with_gaps), str(tmp_path / "x.xlsx")) == 1
    assert "use a .csv, .parquet, .c3d or .mot name" in capsys.readouterr().err
    assert run_convert(str(csv_with_gaps), str(out), "--to", "parquet") == 1
    err = capsys.readouterr().err
    assert "exists; add --force" in err and err.count("\n") <= 2
    assert run_convert(str(csv_with_gaps), str(out), "--to", "parquet", "--force") == 0
    assert run_convert(str(tmp_path / "missing.csv"), str(tmp_path / "m.parquet")) == 1
    assert "missing.csv: no such file" in capsys.readouterr().err
    assert run_convert(str(csv_with_gaps), str(tmp_path / "nodir" / "x.csv")) == 1
    assert "does not exist" in capsys.readouterr().err


def test_moticon_needs_a_layout_on_the_command_line(tmp_path, capsys):
    from test_moticon import write_export

    rng = np.random.default_rng(0)
    src = write_export(
        tmp_path / "m.txt", rng.uniform(0, 9, (30, 16)), rng.uniform(0, 9, (30, 16)), np.arange(30) * 0.01
    )
    assert run_convert(str(src), str(tmp_path / "m.parquet")) == 0  # size 7: the estimated layout
    assert sk.read(tmp_path / "m.parquet").layout.name == "moticon-s7-estimated"
    src.write_text(src.read_text(encoding="utf-8").replace("# Size: 7", "# Size: 3"), encoding="utf-8")
    assert run_convert(str(src), str(tmp_path / "m3.parquet")) == 1  # no layout for size 3
    err = capsys.readouterr().err
    assert "no sensor positions" in err and "hint:" in err


def test_parser_registers_convert():
    parser = argparse.ArgumentParser()
    convert.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["convert", "a.csv", "b.parquet", "--mass", "70"])
    assert args.run is convert.run and args.mass == 70.0 and args.to is None
