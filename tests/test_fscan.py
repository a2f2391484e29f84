"""Tekscan F-Scan ASCII movies (.asf): the real example and small files written here."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError, FileTruncatedWarning
from sensorkit.io import detect_format
from sensorkit.io.fscan import read_fscan
from sensorkit.layout import MASKS

REAL = __import__("pathlib").Path(__file__).parent / "data" / "pressure-mats" / "fscan_testL.asf"


@pytest.fixture(scope="module")
def real():
    return sk.read(REAL)


def test_real_movie_shape_time_and_units(real):
    assert detect_format(REAL) == "fscan-asf"
    assert real.sides == ("left",) and real.units == "kPa"
    assert real.left.shape == (205, 955)  # 205 frames; 60 x 21 cells less the 305 'B' cells
    np.testing.assert_allclose(np.diff(real.time), 0.032)
    assert real.time[0] == 0.0 and real.rate_hz == pytest.approx(31.25)
    assert len(real.gaps) == 0


def test_real_cells_land_on_their_named_sensors(real):
    names = real.layout.sensor_names
    # Frame 1, row 21 of the file: "0,0,0,0,0,18,0,18,0,..."; row 26: "0,0,71,107,83,..."
    assert real.left[0, names.index("r21c6")] == 18.0
    assert real.left[0, names.index("r21c8")] == 18.0
    assert real.left[0, names.index("r26c4")] == 107.0
    assert "r1c1" not in names  # a 'B' cell is no sensor


def test_real_grid_geometry_and_force(real):
    lay = real.layout
    assert lay.grid["rows"] == 60 and lay.grid["cols"] == 21
    assert lay.grid["row_spacing_mm"] == 5.08 and lay.grid["col_spacing_mm"] == 5.08
    np.testing.assert_allclose(lay.area_mm2, 25.8064)  # the header's SENSEL_AREA
    # total force = sum(p_i) x A (kPa x mm^2 x 1e-3 = N), computed by hand for frame 0
    expected = real.left[0].astype(np.float64).sum() * 25.8064e-3
    assert real.forces_n("left")[0].sum() == pytest.approx(expected, rel=1e-5)
    # row 60 (heel end) is at y = 2.54 mm, row 1 at 59.5 x 5.08 mm
    names = lay.sensor_names
    assert lay.y_mm[names.index("r60c8")] == pytest.approx(2.54)
    assert lay.y_mm[names.index("r1c10")] == pytest.approx(59.5 * 5.08)
    # columns increase medially on a left foot
    assert lay.x_mm[names.index("r30c15")] > lay.x_mm[names.index("r30c3")]


def test_real_masks_cover_every_sensel_in_anatomical_order(real):
    lay = real.layout
    assert set(lay.mask) == set(MASKS)
    mean_y = {m: lay.y_mm[lay.mask_of(m)].mean() for m in MASKS}
    assert mean_y["heel"] < mean_y["midfoot"] < mean_y["MTH2-3"] < mean_y["hallux"]
    mean_x = {m: lay.x_mm[lay.mask_of(m)].mean() for m in MASKS}
    assert mean_x["MTH1"] > mean_x["MTH2-3"] > mean_x["MTH4-5"]
    assert mean_x["hallux"] > mean_x["lesser_toes"]
    # the heel print (peak 760 kPa in row 55) is in the heel mask
    names = lay.sensor_names
    assert lay.mask[names.index("r55c11")] == "heel"
    assert real.left[:, lay.mask_of("heel")].max() == 760.0


def _asf(rows, cols, frames, *, name_units="KPa", numbers=None, extra="", end="@@\n"):
    head = [
        "DATA_TYPE MOVIE",
        "SENSOR_TYPE FSCAN",
        f"ROWS {rows}",
        f"COLS {cols}",
        "ROW_SPACING 5.08 mm",
        "COL_SPACING 5.08 mm",
        "SENSEL_AREA 25.8064 mm2",
        "SECONDS_PER_FRAME 0.01",
        "START_FRAME 1",
        f"UNITS {name_units}",
        "MIRROR_ROW 0",
        "MIRROR_COL 0",
        "ASCII_DATA @@",
        "",
    ]
    body = []
    for k, grid in enumerate(frames):
        body.append(f"Frame {numbers[k] if numbers else k + 1}")
        body += [",".join(str(c) for c in row) for row in grid]
        body.append("")
    return "\n".join(head + body) + extra + end


def _grid(v):
    return [["B", v, v], [v, v, v], [v, 2 * v, "B"]]


def test_small_file_values_time_gaps_and_right_foot(tmp_path):
    path = tmp_path / "walkR.asf"
    path.write_text(_asf(3, 3, [_grid(1), _grid(2), _grid(3)], numbers=[1, 2, 5]))
    rec = read_fscan(path)
    assert rec.sides == ("right",)
    np.testing.assert_array_equal(rec.right[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(rec.time, [0.0, 0.01, 0.04])
    gap = rec.gaps.iloc[0]
    assert (gap["start_s"], gap["end_s"], gap["n_missing"]) == (0.01, 0.04, 2)
    lay = rec.layout_right
    names = lay.sensor_names
    assert names == ("r1c2", "r1c3", "r2c1", "r2c2", "r2c3", "r3c1", "r3c2")
    # right foot: columns increase laterally, so column 1 is medial
    assert lay.x_mm[names.index("r2c1")] > lay.x_mm[names.index("r2c3")]


def test_psi_units_are_converted_to_kpa(tmp_path):
    path = tmp_path / "walkL.asf"
    path.write_text(_asf(3, 3, [_grid(1), _grid(2)], name_units="PSI"))
    rec = read_fscan(path)
    assert rec.left[0, 0] == pytest.approx(6.894757, rel=1e-6)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        # lines: 13 header lines and a blank, "Frame 1" on line 15, frame 2's first row on line 21
        (
            [_grid(1), [["B", 1, 1], [1, 1, 1]], _grid(3)],
            "line 23: frame 2 has 2 rows but the header declares ROWS 3",
        ),
        (
            [_grid(1), [["B", 1], [1, 1, 1], [1, 1, "B"]]],
            r"line 21: 2 columns but the header declares COLS 3",
        ),
        ([_grid(1), [[1, 1, 1], [1, 1, 1], [1, 1, "B"]]], r"line 21, column 1: the sensels outside"),
        ([_grid(1), [["B", 1, "x"], [1, 1, 1], [1, 1, "B"]]], r"line 21, column 3: not a number: 'x'"),
    ],
)
def test_bad_frames_name_line_and_column(tmp_path, frames, message):
    path = tmp_path / "walkL.asf"
    path.write_text(_asf(3, 3, frames))
    with pytest.raises(FileFormatError, match=message):
        read_fscan(path)


def test_a_cut_file_reads_the_complete_frames_with_a_warning(tmp_path):
    path = tmp_path / "walkL.asf"
    text = _asf(3, 3, [_grid(1), _grid(2), _grid(3)], end="")
    path.write_text(text[: text.rindex("Frame 3") + len("Frame 3\nB,3,3\n1")])
    with pytest.warns(FileTruncatedWarning, match="ends inside frame 3; read the 2 complete frames"):
        rec = read_fscan(path)
    assert rec.n_frames == 2


def test_raw_units_are_refused(tmp_path):
    path = tmp_path / "walkL.asf"
    path.write_text(_asf(3, 3, [_grid(1), _grid(2)], name_units="Raw"))
    with pytest.raises(FileFormatError, match="UNITS 'Raw' are not a pressure"):
        read_fscan(path)


def test_foot_from_an_unmarked_name_is_assumed_left_with_a_warning(tmp_path):
    path = tmp_path / "walk.asf"
    path.write_text(_asf(3, 3, [_grid(1), _grid(2)]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_fscan(path)
    assert rec.sides == ("left",) and rec.metadata["side_from"] == "assumed"
    assert any("cannot tell the foot" in str(w.message) for w in caught)


def test_grid_and_masks_survive_the_layout_json(real):
    lay = real.layout
    back = sk.SensorLayout.from_dict(lay.to_dict())
    assert back.mask == lay.mask and back.grid == lay.grid
    np.testing.assert_array_equal(back.x_mm, lay.x_mm)
    half = lay.scaled(lay.foot_length_mm / 2)
    assert half.grid["row_spacing_mm"] == pytest.approx(2.54) and half.mask == lay.mask
    with pytest.raises(ValueError, match="unknown mask"):
        lay.mask_of("arch")
    with pytest.raises(ValueError, match=r"unknown mask\(s\) \['arch'\]"):
        sk.SensorLayout.from_dict(
            {**lay.to_dict(), "sensors": [{**s, "mask": "arch"} for s in lay.to_dict()["sensors"]]}
        )


def test_the_foot_is_the_footprint_not_the_sensor_sheet():
    """The strike index and the CPEI are fractions of the foot's length and width. They were
    fractions of the whole sheet (304.8 x 106.7 mm), longer and wider than this foot, so the
    CPEI was taken at the metatarsal heads (-1.7 to 0.2 %, which reads as a flat foot)."""
    rec = read_fscan(REAL)
    lay = rec.layout
    loaded = (np.nan_to_num(rec.left) > 0).any(axis=0)  # what carried load in the file
    toe_edge = lay.y_mm[loaded].max() + 5.08 / 2
    width = lay.x_mm[loaded].max() - lay.x_mm[loaded].min() + 5.08
    assert lay.foot_length_mm == pytest.approx(toe_edge) == pytest.approx(254.0)
    assert lay.foot_width_mm == pytest.approx(width) == pytest.approx(76.2)
    steps = sk.analyze(rec).steps
    # strike index: the COP at contact over the foot's length, from the heel edge of the grid
    assert steps["strike_index_pct"].dropna().between(12.0, 15.0).all()
    # CPEI at 2/3 of 254 mm: positive (the COP passes lateral of the heel-toe line)
    assert steps["cpei_pct"].median() > 5.0
    # a grid without a recording's footprint keeps the sheet's size
    from sensorkit.layouts.grid import grid_layout

    whole = grid_layout("g", np.ones((10, 4), dtype=bool), row_spacing_mm=5.0, col_spacing_mm=5.0)
    assert (whole.foot_length_mm, whole.foot_width_mm) == (50.0, 20.0)
    fp = np.zeros((10, 4), dtype=bool)
    fp[3:9, 1:3] = True  # rows 3-8 (heel row last: 5 to 35 mm from the heel edge), two columns
    part = grid_layout(
        "g", np.ones((10, 4), dtype=bool), row_spacing_mm=5.0, col_spacing_mm=5.0, footprint=fp
    )
    assert (part.foot_length_mm, part.foot_width_mm) == (35.0, 10.0)


def test_medial_and_lateral_are_the_foots_not_the_sheets():
    """The footprint's midline lies 4.8 mm lateral of the sensels' mean column, from which x is
    measured (its loaded cells span x -40.3 to 30.8 mm); medial / lateral were taken about the sheet's centre line, with a band of the
    sheet's width / 6, while the masks and the foot's size came from the footprint. Reference:
    a reviewer's own numpy on the raw arrays, with labels about the footprint's midline and a
    band of its width / 6 (76.2 / 6 = 12.7 mm): ml_ratio -0.635, -0.615, -0.568, -0.726,
    -0.603 per step (about the sheet: -0.839, -0.843, -0.808, -0.902, -0.822)."""
    from sensorkit.recommend.baseline import uniform_baseline

    rec = read_fscan(REAL)
    lay = rec.layout
    foot = np.asarray(lay.grid["footprint"])
    x = lay.x_mm[foot]
    midline = (x.min() + x.max()) / 2
    assert midline == pytest.approx(-4.76, abs=0.01)  # x is centred on the sheet's mean column
    ml = np.asarray(lay.ml)
    assert (lay.x_mm[ml == "medial"] - midline > 12.7).all()
    assert (lay.x_mm[ml == "lateral"] - midline < -12.7).all()
    steps = sk.analyze(rec).steps
    ratios = steps.loc[steps["valid"], "ml_ratio"].to_numpy()
    np.testing.assert_allclose(ratios, [-0.635, -0.615, -0.568, -0.726, -0.603], atol=5e-4)
    # a uniform load is a load on the foot: over the footprint's sensels, not the sheet's margins
    area = np.where(foot, lay.area_mm2, 0.0)
    forefoot_mid = np.isin(lay.region, ("midfoot", "forefoot"))
    med, lat = area[forefoot_mid & (ml == "medial")].sum(), area[forefoot_mid & (ml == "lateral")].sum()
    assert (
        uniform_baseline(lay).ml_ratio
        == pytest.approx((med - lat) / (med + lat))
        == pytest.approx(-0.392, abs=1e-3)
    )
    back = sk.SensorLayout.from_dict(lay.to_dict())
    assert back.grid["footprint"] == lay.grid["footprint"] and back.ml == lay.ml
    with pytest.raises(ValueError, match="footprint needs one true/false per sensor"):
        sk.SensorLayout.from_dict({**lay.to_dict(), "grid": {**lay.to_dict()["grid"], "footprint": [True]}})
    # a footprint one column wide has no medial and lateral sensels: not covered (it was, and
    # the advice then printed a uniform value of nan); no footprint at all: the whole sheet
    from sensorkit.layouts.grid import grid_layout
    from sensorkit.recommend.baseline import layout_coverage

    sheet = np.ones((12, 6), dtype=bool)
    narrow = np.zeros_like(sheet)
    narrow[:, 2] = True
    one_column = grid_layout("g", sheet, row_spacing_mm=5.0, col_spacing_mm=5.0, footprint=narrow)
    assert not layout_coverage(one_column).medial_lateral
    empty = grid_layout("g", sheet, row_spacing_mm=5.0, col_spacing_mm=5.0, footprint=np.zeros_like(sheet))
    assert "footprint" not in empty.grid and layout_coverage(empty).ok


def test_one_noisy_reading_does_not_make_the_sheet_the_foot(tmp_path):
    """A single toe-row sensel at 2 kPa in one frame of 205 put the foot's length back to the
    whole sheet (304.8 mm) and the CPEI back to about 0."""
    lines = REAL.read_text().splitlines()
    first_row = lines.index("Frame 1") + 1  # the toe-end row of frame 1 (heel row last)
    cells = lines[first_row].split(",")
    cells[10] = "2"  # an active cell beyond the footprint, loaded once
    lines[first_row] = ",".join(cells)
    noisy = tmp_path / "noisyL.asf"
    noisy.write_text("\n".join(lines) + "\n")
    rec = read_fscan(noisy)
    assert rec.left[0].max() > 0  # the reading is there
    assert rec.layout.foot_length_mm == pytest.approx(254.0)
    assert rec.layout.foot_width_mm == pytest.approx(76.2)


def test_the_real_header_gives_its_comments_and_start_time(real):
    # "COMMENTS:" then "overground walk p10" was read as a key 'overground' (value 'walk p10'),
    # and TIME was not taken as the start time the pedar and Moticon readers give
    assert real.metadata["fscan_comments"] == "overground walk p10"
    assert "fscan_overground" not in real.metadata
    assert real.metadata["start_time"] == "2017-02-16T11:26:22"
    assert real.metadata["fscan_time"] == "Thursday, 16 February 2017 11:26:22 a.m."


def test_comments_of_several_lines_and_an_afternoon_time(tmp_path):
    text = _asf(3, 3, [_grid(1), _grid(2)])
    text = text.replace(
        "START_FRAME 1",
        "TIME Monday, 3 July 2023 2:05:09 p.m.\nCOMMENTS:\nbarefoot trial 2\nsubject tired\nSTART_FRAME 1",
    )
    path = tmp_path / "walkL.asf"
    path.write_text(text)
    rec = read_fscan(path)
    assert rec.metadata["fscan_comments"] == "barefoot trial 2 / subject tired"
    assert rec.metadata["start_time"] == "2023-07-03T14:05:09"
    assert rec.metadata["fscan_start_frame"] == "1"
    other = tmp_path / "otherL.asf"
    other.write_text(text.replace("Monday, 3 July 2023 2:05:09 p.m.", "lundi 3 juillet 2023 14:05"))
    assert "start_time" not in read_fscan(other).metadata  # not guessed; the text stays in fscan_time


def test_the_foot_comes_from_the_headers_filename_when_the_file_name_does_not_say(tmp_path):
    movie = _asf(3, 3, [_grid(1), _grid(2)]).replace(
        "SENSOR_TYPE FSCAN", "FILENAME C:\\\\TEKSCAN\\\\MOVIES\\\\FrasP01R.fsx\nSENSOR_TYPE FSCAN"
    )
    (tmp_path / "walk.asf").write_text(movie)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "cannot tell the foot" warning
        rec = read_fscan(tmp_path / "walk.asf")
    assert rec.sides == ("right",) and rec.metadata["side_from"] == "header FILENAME"
    (tmp_path / "walkL.asf").write_text(movie)  # renamed to the other foot: the file name wins, said
    with pytest.warns(UserWarning, match=r"file name says the left foot, the header's FILENAME .* the right"):
        rec = read_fscan(tmp_path / "walkL.asf")
    assert rec.sides == ("left",) and rec.metadata["side_from"] == "file name"
