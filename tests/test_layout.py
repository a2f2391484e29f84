import json
from pathlib import Path

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import CalibrationError
from sensorkit.layout import SensorLayout


def test_builtin_layouts_are_listed():
    assert {"ref16", "physionet8"} <= set(sk.builtin_layouts())


def test_ref16_has_16_force_sensors_in_all_regions():
    lay = sk.load_layout("ref16")
    assert lay.n_sensors == 16
    assert lay.units == "N"
    assert set(lay.region) == {"heel", "midfoot", "forefoot", "toes"}
    assert lay.has_areas and np.all(lay.area_mm2 > 50)
    # every sensor lies on the insole: 0 < y < foot length, |x| < half the width
    assert np.all((lay.y_mm > 0) & (lay.y_mm < lay.foot_length_mm))
    assert np.all(np.abs(lay.x_mm) < lay.foot_width_mm / 2)


def test_ref16_regions_are_ordered_heel_to_toe():
    lay = sk.load_layout("ref16")
    mean_y = {r: lay.y_mm[lay.region_mask(r)].mean() for r in ("heel", "midfoot", "forefoot", "toes")}
    assert mean_y["heel"] < mean_y["midfoot"] < mean_y["forefoot"] < mean_y["toes"]
    assert np.all(lay.x_mm[lay.region_mask(ml="medial")] > 0)
    assert np.all(lay.x_mm[lay.region_mask(ml="lateral")] < 0)


def test_physionet8_maps_published_positions_to_the_sensorkit_frame():
    lay = sk.load_layout("physionet8")
    assert lay.n_sensors == 8
    assert np.argmin(lay.y_mm) == 0  # sensor 1 is the heel
    assert np.argmax(lay.y_mm) == 7  # sensor 8 is the hallux
    # the dataset's sensors 3, 5, 7 are medial and 2, 4, 6 lateral on both feet
    assert np.all(lay.x_mm[[2, 4, 6]] > 0)
    assert np.all(lay.x_mm[[1, 3, 5]] < 0)
    assert not lay.has_areas  # not published


def test_mirror_keeps_anatomical_coordinates_and_flips_side():
    left = sk.load_layout("ref16")
    right = left.mirror()
    assert right.side == "right"
    np.testing.assert_array_equal(right.x_mm, left.x_mm)
    np.testing.assert_array_equal(right.y_mm, left.y_mm)
    np.testing.assert_array_equal(right.lab_x_mm(), -left.lab_x_mm())
    assert right.mirror().side == "left"


def test_scaled_layout_scales_lengths_and_areas():
    lay = sk.load_layout("ref16")
    big = lay.scaled(lay.foot_length_mm * 1.1)
    np.testing.assert_allclose(big.y_mm, lay.y_mm * 1.1)
    np.testing.assert_allclose(big.area_mm2, lay.area_mm2 * 1.21)
    assert sk.load_layout("ref16", foot_length_mm=300).foot_length_mm == pytest.approx(300)


def test_unknown_layout_names_the_choices():
    with pytest.raises(CalibrationError, match="unknown layout 'nope'") as info:
        sk.load_layout("nope")
    assert "ref16" in info.value.hint


def test_layout_file_that_breaks_the_schema_is_rejected(tmp_path):
    spec = sk.load_layout("ref16").to_dict()
    spec["sensors"][3]["region"] = "ankle"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(CalibrationError, match="unknown region"):
        sk.load_layout(path)


def test_a_sensor_area_of_zero_is_refused_naming_the_sensor(tmp_path):
    """An area of 0 (a pressure sensor whose area was not filled in) is refused as areas below 0
    are, so no analysis or report divides by it (an infinite kPa offset); the error said only
    "sensor areas must be positive", not which of the 99 sensors."""
    spec = sk.load_layout("pedar-y").to_dict()
    spec["name"] = "pedar-zero"
    spec["sensors"][3]["area_mm2"] = 0
    path = tmp_path / "zero.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(CalibrationError, match=r"sensor areas must be positive .*: S4 \(0 mm\^2\)$"):
        sk.load_layout(path)
    with pytest.raises(sk.errors.FileFormatError, match=r"S4 \(0 mm\^2\)"):  # as a reader's layout=
        sk.read(Path(__file__).parent / "data" / "pressure-mats" / "pedar_example_300rows.asc", layout=path)
    with pytest.raises(ValueError, match=r"S2 \(0 mm\^2\), S3 \(-1 mm\^2\)$"):  # built in Python
        SensorLayout("x", [0, 1, 2], [1, 2, 3], [5.0, 0.0, -1.0], ["heel"] * 3, ["medial"] * 3, 250, 95, [])


def test_layout_round_trips_through_its_dict():
    lay = sk.load_layout("ref16")
    back = SensorLayout.from_dict(lay.to_dict())
    np.testing.assert_allclose(back.x_mm, lay.x_mm)
    np.testing.assert_allclose(back.area_mm2, lay.area_mm2)
    assert back.region == lay.region and back.sensor_names == lay.sensor_names


def test_layouts_say_how_their_sensor_positions_are_known(tmp_path):
    """Moticon's positions are fitted to the vendor's force and COP and pedar's read off a
    drawing; a clinician reading foot loading, CPEI or strike index needs to know that."""
    assert sk.load_layout("ref16").positions == "specified" and sk.load_layout("ref16").positions_note == ""
    assert sk.load_layout("physionet8").positions == "approximate"  # format.txt: "approximately at"
    moticon = sk.load_layout("moticon-s7-estimated")
    assert moticon.positions == "estimated" and moticon.mirror().positions == "estimated"
    assert "fitted to the device's own force and COP" in moticon.positions_note
    for size in "uvwxy":
        assert sk.load_layout(f"pedar-{size}").positions == "approximate"
    back = SensorLayout.from_dict(moticon.to_dict())  # round trip (Parquet headers carry this dict)
    assert back.positions == "estimated"
    spec = moticon.to_dict()
    spec.pop("positions")  # layout files written before the key existed
    assert SensorLayout.from_dict(spec).positions == "specified"
    spec["positions"] = "guessed"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(CalibrationError, match="positions must be one of"):
        sk.load_layout(path)


def test_layout_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one region and one ml label per sensor"):
        SensorLayout("x", [0, 1, 2], [1, 2, 3], 1.0, ["heel"], ["medial"] * 3, 250, 95, [])


def test_pressure_to_force_needs_areas():
    with pytest.raises(ValueError, match="no sensor areas"):
        sk.load_layout("physionet8").pressure_to_force_factor()


@pytest.mark.parametrize("name", sk.builtin_layouts())
def test_every_sensor_of_a_builtin_layout_lies_inside_its_outline(name):
    """physionet8's S3 (x 21.74, y 72.8 mm) was drawn 1.4 mm outside the insole's medial edge."""
    from matplotlib.path import Path as OutlinePath

    lay = sk.load_layout(name)
    assert lay.outline_mm.shape[0] >= 3
    inside = OutlinePath(lay.outline_mm).contains_points(np.column_stack([lay.x_mm, lay.y_mm]))
    assert inside.all(), [lay.sensor_names[i] for i in np.flatnonzero(~inside)]
