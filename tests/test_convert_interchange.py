"""``sensorkit convert IN out.c3d|out.mot``: the lab-interchange exports from the command line."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.cli import convert
from sensorkit.cli.stream import standalone
from sensorkit.io.csv_generic import write_generic_csv
from tests.conftest import PHYSIONET_DIR

WALK = PHYSIONET_DIR / "GaCo04_02.txt"


def run_convert(*argv: str) -> int:
    return standalone(convert.add_parser, "convert", list(argv))


def test_convert_to_c3d_reads_back_with_ezc3d(tmp_path, capsys):
    ezc3d = pytest.importorskip("ezc3d", reason="ezc3d (the 'c3d' extra) is not installed")
    out = tmp_path / "walk.c3d"
    assert run_convert(str(WALK), str(out), "--mass", "65") == 0
    assert "-> " + str(out) + " (c3d" in capsys.readouterr().err
    rec = sk.read(WALK)
    c3d = ezc3d.c3d(str(out))
    labels = c3d["parameters"]["ANALOG"]["LABELS"]["value"]
    np.testing.assert_array_equal(c3d["data"]["analogs"][0, labels.index("L3"), :], rec.left[:, 2])
    assert float(c3d["parameters"]["PROCESSING"]["Bodymass"]["value"][0]) == 65.0
    assert run_convert(str(WALK), str(out)) == 1  # no overwrite without --force
    assert "exists; add --force" in capsys.readouterr().err
    assert run_convert(str(WALK), str(out), "--force") == 0


def test_convert_to_mot_and_a_gap_is_one_line_error(tmp_path, capsys):
    out = tmp_path / "walk.mot"
    assert run_convert(str(WALK), str(out)) == 0
    lines = out.read_text().splitlines()
    assert lines[:2] == ["walk.mot", "version=1"]
    assert f"nRows={sk.read(WALK).n_frames}" in lines
    gappy = sk.simulate(duration_s=3, seed=2, dropout=0.05)
    assert len(gappy.gaps) > 0
    src = tmp_path / "gappy.csv"
    write_generic_csv(gappy, src)
    assert run_convert(str(src), str(tmp_path / "gappy.mot")) == 1
    err = capsys.readouterr().err
    assert "gap(s), the first on side" in err and "OpenSim" in err
    assert not (tmp_path / "gappy.mot").exists()
    # the hint is one the command line can follow, and times read as numbers (it printed
    # "np.float64(-0.009999999999999787)" and "pass missing='omit'", a Python-only option)
    assert "np.float64" not in err and "--missing omit" in err
    first = gappy.gaps.iloc[0]
    assert f"{int(first['n_missing'])} frame(s) missing from {first['start_s'] + 0.01:.3f} s" in err
    assert run_convert(str(src), str(tmp_path / "gappy.mot"), "--missing", "omit") == 0
    rows = int(
        next(x for x in (tmp_path / "gappy.mot").read_text().splitlines() if x.startswith("nRows="))[6:]
    )
    delivered = np.isfinite(gappy.left).all(axis=1) & np.isfinite(gappy.right).all(axis=1)
    assert rows == int(delivered.sum()) < gappy.n_frames  # the rows with data, no others
    assert run_convert(str(src), str(tmp_path / "gappy2.csv"), "--missing", "omit") == 1
    assert "--missing is for .mot outputs" in capsys.readouterr().err
