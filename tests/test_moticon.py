"""Moticon OpenGo text export importer (files written here in the export's published structure)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io.moticon import looks_like_moticon_opengo, read_moticon_opengo


def pressure_layout(n: int = 16) -> sk.SensorLayout:
    base = sk.load_layout("ref16")
    assert base.n_sensors == n
    return dataclasses.replace(base, name="moticon-test", value_kind="pressure", _region_masks={})


def write_export(path, left, right, time, *, blank_right=(), extra=True, unit="N/cm²"):
    """An OpenGo-style export: '# key: value' lines, '# ' channel header, tab-separated rows."""
    n = left.shape[1]
    cols = ["time"]
    for side in ("left", "right"):
        cols += [f"{side} pressure {i + 1}[{unit}]" for i in range(n)]
        if extra:
            cols += [f"{side} acceleration {a}[g]" for a in "XYZ"] + [f"{side} total force[N]"]
    lines = [
        "# Start time: 27.09.2023 10:21:14.922",
        f"# Duration: {int(time[-1] // 60):02d}:{time[-1] % 60:06.3f}",  # the last row, as real exports
        "# Sensor insoles: Left SN5968, Right SN9171",
        "# Size: 7",
        "# Recording type: normal",
        "# Name: test walk",
        "# Notes: written by the sensorkit test suite",
        "# Tag: slow",
        "# " + "\t".join(cols),
    ]
    for k, t in enumerate(time):
        row = [f"{t:.3f}"]
        for side, vals in (("left", left), ("right", right)):
            empty = side == "right" and k in blank_right
            row += ["" if empty else f"{v:.4g}" for v in vals[k]]
            if extra:
                row += ["" if empty else "0.1"] * 3 + ["" if empty else f"{vals[k].sum():.1f}"]
        lines.append("\t".join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def export(tmp_path):
    rng = np.random.default_rng(1)
    time = np.arange(50) * 0.01
    left = rng.uniform(0, 20, (50, 16)).round(2)
    right = rng.uniform(0, 20, (50, 16)).round(2)
    return write_export(tmp_path / "walk.txt", left, right, time, blank_right={10, 11}), left, right, time


def test_reads_pressure_in_kpa_with_gaps_never_filled(export):
    path, left, right, time = export
    rec = read_moticon_opengo(path, layout=pressure_layout(), body_mass_kg=60)
    assert rec.units == "kPa" and rec.n_sensors == 16
    np.testing.assert_allclose(rec.left, left * 10.0, rtol=1e-6)  # 1 N/cm² = 10 kPa
    assert np.isnan(rec.right[10:12]).all() and not np.isnan(rec.right[12]).any()
    np.testing.assert_allclose(rec.right[12:], right[12:] * 10.0, rtol=1e-6)
    gap = rec.gaps.iloc[0]
    assert (gap["side"], gap["n_missing"], gap["start_s"], gap["end_s"]) == ("right", 2, 0.09, 0.12)
    np.testing.assert_array_equal(rec.time, time.round(3))


def test_header_fields_become_metadata(export):
    rec = read_moticon_opengo(export[0], layout=pressure_layout())
    md = rec.metadata
    assert md["start_time"] == "2023-09-27T10:21:14.922000"
    assert (md["serial_left"], md["serial_right"], md["insole_size"], md["tag"]) == (
        "SN5968",
        "SN9171",
        "7",
        "slow",
    )
    assert md["format"] == "moticon-opengo"


def test_sniffer_knows_the_export_but_not_generic_csv(export, tmp_path):
    path = export[0]
    assert looks_like_moticon_opengo(path, path.read_text(encoding="utf-8")[:4096])
    csv = tmp_path / "r.csv"
    sk.io.write_generic_csv(sk.simulate(duration_s=2, seed=1), csv)
    assert not looks_like_moticon_opengo(csv, csv.read_text()[:4096])
    bare = tmp_path / "bare.txt"  # header keys removed: the channel line alone is enough
    bare.write_text("\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("# S")))
    assert looks_like_moticon_opengo(bare, bare.read_text()[:4096])


def test_layout_is_required_and_must_be_a_matching_pressure_layout(export):
    path = export[0]
    assert read_moticon_opengo(path).layout.name == "moticon-s7-estimated"  # the header says size 7
    path.write_text(path.read_text(encoding="utf-8").replace("# Size: 7", "# Size: 3"), encoding="utf-8")
    with pytest.raises(FileFormatError, match="no sensor positions") as info:
        read_moticon_opengo(path)
    assert "16-sensor pressure layout" in info.value.hint and "moticon-s7-estimated" in info.value.hint
    with pytest.raises(FileFormatError, match="force sensors"):
        read_moticon_opengo(path, layout="ref16")
    with pytest.raises(FileFormatError, match="16 pressure channels per insole but layout"):
        read_moticon_opengo(
            path,
            layout=dataclasses.replace(
                sk.load_layout("physionet8"),
                value_kind="pressure",
                area_mm2=np.full(8, 100.0),
                _region_masks={},
            ),
        )


def test_bad_cell_is_named_by_line_and_channel(export):
    path = export[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[9 + 5].split("\t")
    cells[3] = "n/a"
    lines[9 + 5] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        FileFormatError, match=r"line 15, column left pressure 3\[N/cm²\]: not a number: 'n/a'"
    ):
        read_moticon_opengo(path, layout=pressure_layout())


def test_no_channel_header_or_no_pressure_channels(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("# Start time: 27.09.2023 10:21:14.922\n# Sensor insoles: Left SN1\n0.0\t1\n")
    with pytest.raises(FileFormatError, match="no channel header"):
        read_moticon_opengo(p, layout=pressure_layout())
    p.write_text("# Start time: 27.09.2023 10:21:14.922\n# time\tleft total force[N]\n0.0\t1\n0.01\t2\n")
    with pytest.raises(FileFormatError, match="no pressure channels"):
        read_moticon_opengo(p, layout=pressure_layout())


def test_analysis_runs_on_an_export_of_a_simulated_walk(tmp_path):
    rec = sk.simulate(duration_s=6, seed=3, body_mass_kg=70)
    lay = pressure_layout()
    n_cm2_left = rec.left / (lay.area_mm2 * 1e-3) / 10.0  # N -> kPa -> N/cm²
    n_cm2_right = rec.right / (lay.area_mm2 * 1e-3) / 10.0
    path = write_export(tmp_path / "sim.txt", n_cm2_left, n_cm2_right, rec.time, extra=False)
    back = read_moticon_opengo(path, layout=lay, body_mass_kg=70)
    res, ref = sk.analyze(back), sk.analyze(rec)
    assert len(res.steps) == len(ref.steps)
    np.testing.assert_allclose(res.steps["contact_time_s"], ref.steps["contact_time_s"], atol=0.011)
