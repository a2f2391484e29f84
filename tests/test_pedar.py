"""novel pedar ASCII exports (.asc) and the approximate pedar layouts built from pressuRe's geometry."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError, FileTruncatedWarning
from sensorkit.io import detect_format
from sensorkit.io.pedar import read_pedar
from sensorkit.layout import calibration_dir

ROOT = Path(__file__).resolve().parents[1]
CUT = Path(__file__).parent / "data" / "pressure-mats" / "pedar_example_300rows.asc"
FULL = Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc"


def test_real_export_values_time_and_layout():
    assert detect_format(CUT) == "pedar-asc"
    rec = sk.read(CUT)
    assert rec.sides == ("left", "right") and rec.units == "kPa"
    assert rec.left.shape == (300, 99) and rec.right.shape == (300, 99)
    np.testing.assert_allclose(rec.time[[0, 1, -1]], [0.01, 0.02, 3.00])
    # first data row of the file: 0.01000, 32.500, 40.000, 40.000, 20.000, 25.000, ...
    np.testing.assert_array_equal(rec.left[0, :5], [32.5, 40.0, 40.0, 20.0, 25.0])
    assert rec.layout.name == "pedar-y" and rec.metadata["insole_size"] == "y"
    assert rec.metadata["pedar_file_name"] == "3DI_S001_V2_FE_2.sol"
    assert rec.metadata["pedar_date_time"] == "25.04.23 10.49"
    assert "APPROXIMATE" in rec.layout.description


def test_the_header_date_is_read_as_an_iso_start_time_and_the_report_shows_it(tmp_path):
    """The date stayed as exported (`25.04.23 10.49`), and the report showed it like that; it is
    now `start_time` in ISO 8601, Moticon's key and form, with the raw field kept."""
    from sensorkit.report.identity import session_identity

    rec = sk.read(FULL)
    assert rec.metadata["start_time"] == "2023-04-25T10:49"
    assert rec.metadata["pedar_date_time"] == "25.04.23 10.49"
    assert session_identity(rec).date == "2023-04-25 10:49"
    assert session_identity(rec, anonymize=True).date == "2023"
    # another form (another pedar version or locale) is kept as written, never guessed at
    path = _write(tmp_path / "us.asc", _rows())
    path.write_text(path.read_text().replace("25.04.23 10.49", "04/25/2023 10:49 AM"))
    other = read_pedar(path)
    assert "start_time" not in other.metadata and other.metadata["pedar_date_time"] == "04/25/2023 10:49 AM"
    assert session_identity(other).date == "04/25/2023 10:49 AM"


def test_force_is_pressure_times_published_area():
    rec = sk.read(CUT)
    areas = np.loadtxt(
        ROOT / "calibration" / "sources" / "pressuRe-pedar" / "pedar_sensor_areas_mm2.csv",
        delimiter=",",
        skiprows=1,
        usecols=5,  # size y
    )
    expected = (rec.right[100].astype(np.float64) * areas * 1e-3).sum()
    assert rec.forces_n("right")[100].sum() == pytest.approx(expected, rel=1e-5)


def test_full_walk_steps_start_at_the_heel():
    rec = sk.read(FULL)
    res = sk.analyze(rec)
    walking = res.steps[(res.steps["t_contact_s"] > 1.0) & (res.steps["contact_time_s"] < 1.5)]
    assert len(walking) >= 12
    # a heel-first walker: no step starts at the forefoot, most start in the back third
    # (with the insole read the wrong way round, every step would be a forefoot strike)
    # (strike *patterns* are a running measure; the strike index itself applies to walking)
    si = walking["strike_index_pct"].dropna()
    assert not (si > 200.0 / 3.0).any()
    assert (si < 100.0 / 3.0).mean() > 0.7


def test_cli_json_carries_the_per_mask_pressure_table(capsys):
    # `analyze --json` promises the full result: the peak pressure, PTI and contact area per
    # mask were only in the HTML report
    from sensorkit.cli import main

    assert main(["analyze", str(FULL), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["pressure"]
    table = sk.analyze(sk.read(FULL)).pressure
    assert len(rows) == len(table) > 0
    heel = table[(table["side"] == "left") & (table["mask"] == "heel")]
    got = [r for r in rows if r["side"] == "left" and r["mask"] == "heel"]
    assert [r["pti_kpa_s"] for r in got] == pytest.approx(heel["pti_kpa_s"].tolist(), rel=1e-12)
    assert [r["contact_area_mm2"] for r in got] == pytest.approx(heel["contact_area_mm2"].tolist(), rel=1e-12)


def test_shipped_layouts_are_the_generators_output():
    spec = importlib.util.spec_from_file_location(
        "make_pedar_layouts", ROOT / "tools" / "make_pedar_layouts.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for size in module.SIZES:
        shipped = json.loads((calibration_dir() / "layouts" / f"pedar-{size}.json").read_text())
        assert shipped == json.loads(json.dumps(module.build(size)))


def test_approximate_geometry_is_anatomically_ordered():
    lay = sk.load_layout("pedar-y")
    assert lay.n_sensors == 99 and lay.units == "kPa"
    assert 250 < lay.foot_length_mm < 310 and 0.25 < lay.foot_width_mm / lay.foot_length_mm < 0.4
    y = {m: lay.y_mm[lay.mask_of(m)].mean() for m in ("heel", "midfoot", "MTH2-3", "hallux")}
    assert y["heel"] < y["midfoot"] < y["MTH2-3"] < y["hallux"]
    assert lay.x_mm[lay.mask_of("MTH1")].mean() > 0 > lay.x_mm[lay.mask_of("MTH4-5")].mean()
    assert lay.x_mm[0] > 0 > lay.x_mm[4]  # sensor 1 medial heel, sensor 5 lateral heel
    # sizes scale with their published areas
    u, y_ = sk.load_layout("pedar-u"), lay
    assert y_.foot_length_mm / u.foot_length_mm == pytest.approx(
        np.sqrt(np.median(y_.area_mm2 / u.area_mm2)), rel=0.02
    )


def test_an_export_cut_inside_its_header_is_a_cut_pedar_export_not_another_format(tmp_path):
    """The real export cut inside its header was "not a pedar export" (or, cut early, of no known
    format), and cut at the header's end "cannot parse the data rows" (new-user tester): each cut
    is now named, with the line the file ends at, what it holds and what is missing."""
    raw = FULL.read_bytes()
    time_line = raw.index(b"time[secs]")
    header_end = raw.index(b"\n", time_line) + 1
    everything = "the rest of the header, its 'time[secs]' column header line and every data row"
    fields = "file name, date/time, sensor type, total time [secs], time per frame [secs], scanning rate [hz]"
    cuts = [  # (bytes kept, where the cut is, what was found, what is missing)
        (raw.index(b"\n") + 1, "inside its header", "file name, date/time", everything),
        (raw.index(b"y-1865l") + 3, "inside its header", "file name, date/time, sensor type", everything),
        (raw.index(b"\n", raw.index(b"pressure values in")) + 1, "inside its header",
         fields + ", pressure values in", everything),
        (raw.index(b"left insole:") + 40, "inside its header",
         fields + ", pressure values in, mask definition, left insole", everything),
        (time_line + 7, "inside its header", fields + ", pressure values in, mask definition, left insole, "
         "right insole", everything),
        (raw.index(b"\t      7\t", time_line), "inside its 'time[secs]' column header line",
         "the header fields and 6 of the 198 sensor column names", "the rest of that line and every data row"),
        (header_end - 1, "right after its header", "the whole header", "every data row"),
        (header_end, "right after its header", "the whole header", "every data row"),
        (raw.index(b"\t 35.000", header_end), "inside its first data row",
         "the whole header and 6 of the first row's 199 values",
         "the rest of that row and every row after it"),
    ]  # fmt: skip
    for k, (keep, where, found, missing) in enumerate(cuts):
        path = tmp_path / f"cut{k}.asc"
        path.write_bytes(raw[:keep])
        line = len(raw[:keep].decode("latin-1").splitlines())
        for read in (read_pedar, sk.read):
            with pytest.raises(FileFormatError) as info:
                read(path)
            assert str(info.value) == (
                f"{path}: a pedar export cut {where}: the file ends at line {line}; found: {found}; missing: {missing}"
            ), (keep, read.__name__)
            assert info.value.hint.startswith("the file was cut short"), keep
    # a file that only starts like one, but holds no column header in its first 40 lines, is none
    other = tmp_path / "other.asc"
    other.write_text("file name:  notes.txt\n" + "a line of notes\n" * 45)
    with pytest.raises(FileFormatError, match="not a pedar export"):
        read_pedar(other)


def _write(path, rows, *, size="y", units="kPa", end="\n"):
    head = [
        "file name:  t.sol\tdate/time  25.04.23 10.49",
        f"sensor type:  {size}-1865l-1870r-pxf306-11mar2021 ",
        "total time [secs]:  0.030\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100",
        f"pressure values in  {units}",
        "",
        "time[secs]    \t" + "\t".join(str(i) for i in list(range(1, 100)) * 2) + "\t",
    ]
    body = ["\t".join(f"{v:.3f}" for v in r) + "\t" for r in rows]
    path.write_text("\n".join(head + body) + end, encoding="utf-8")
    return path


def _rows(n=3):
    return [np.concatenate([[0.01 * (k + 1)], np.full(198, 10.0 * (k + 1))]) for k in range(n)]


def test_bad_rows_name_the_line(tmp_path):
    rows = _rows()
    rows[1] = rows[1][:150]
    with pytest.raises(FileFormatError, match=r"line 8: 150 fields, expected 199"):
        read_pedar(_write(tmp_path / "a.asc", rows))
    path = _write(tmp_path / "b.asc", _rows())
    path.write_text(path.read_text().replace("\t20.000", "\tx", 1))
    with pytest.raises(FileFormatError, match=r"line 8, column 2: not a number: 'x'"):
        read_pedar(path)


def test_cut_last_row_is_dropped_with_a_warning(tmp_path):
    rows = _rows(4)
    rows[3] = rows[3][:50]
    with pytest.warns(FileTruncatedWarning, match="line 10\\) is cut short; read the 3 rows"):
        rec = read_pedar(_write(tmp_path / "a.asc", rows, end=""))
    assert rec.n_frames == 3


def test_a_cut_files_warning_points_at_the_users_call_of_sk_read_and_read_pedar(tmp_path):
    """Through `sk.read` the FileTruncatedWarning named a line of sensorkit/io/__init__.py."""
    import warnings

    rows = _rows(4)
    rows[3] = rows[3][:50]
    path = _write(tmp_path / "a.asc", rows, end="")
    for read in (sk.read, read_pedar):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read(path)
        found = [w.filename for w in caught if w.category is FileTruncatedWarning]
        assert found == [__file__], read.__name__


def test_unknown_size_needs_a_layout_and_units_must_be_kpa(tmp_path):
    with pytest.raises(FileFormatError, match="no built-in layout for pedar insole size 'q'") as info:
        read_pedar(_write(tmp_path / "a.asc", _rows(), size="q"))
    assert "pedar-y" in info.value.hint
    rec = read_pedar(_write(tmp_path / "b.asc", _rows(), size="q"), layout="pedar-w")
    assert rec.layout.name == "pedar-w"
    with pytest.raises(FileFormatError, match="pressure values in 'N/cm2'"):
        read_pedar(_write(tmp_path / "c.asc", _rows(), units="N/cm2"))
    with pytest.raises(FileFormatError, match="pedar needs 99 pressure sensors"):
        read_pedar(_write(tmp_path / "d.asc", _rows()), layout="ref16")
