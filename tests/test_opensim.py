"""OpenSim .mot external loads: read back by the documented rules (pandas) and by OpenSim itself."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import SensorkitError
from sensorkit.io.opensim import FORMAT, FootPlacement, external_loads_xml, mot_columns, write_mot
from sensorkit.layout import load_layout
from tests.conftest import PHYSIONET_DIR

T0 = 1_700_000_000.123456
RATE = 100.0
LAY = load_layout("ref16")


@pytest.fixture(scope="module")
def osim():
    """OpenSim's Python bindings (the PyPI wheel), without the opensim.log it writes into the cwd."""
    module = pytest.importorskip("opensim", reason="opensim (PyPI wheel) is not installed")
    module.Logger.removeFileSink()
    return module


def _read_mot(path) -> tuple[dict[str, str], pd.DataFrame]:
    """Parse a .mot by OpenSim's storage rules: header lines up to 'endheader', then a TSV table."""
    text = path.read_text(encoding="ascii")
    head, body = text.split("endheader\n", 1)
    lines = head.splitlines()
    meta = {"name": lines[0]}
    meta.update(line.split("=", 1) for line in lines[1:])
    return meta, pd.read_csv(io.StringIO(body), sep="\t", dtype=np.float64)


def _recording(*, gap: bool = False) -> sk.Recording:
    """Frames with one loaded sensor each (COP = that sensor), an unloaded frame and a light one."""
    n = 6
    left = np.zeros((n, 16), np.float32)
    right = np.zeros((n, 16), np.float32)
    for i in range(4):
        left[i, i] = 300.0 + i  # left frame i: sensor i carries 300 + i N
        right[i, 15 - i] = 500.0 + i
    left[5, 0] = 10.0  # below the 20 N threshold: unloaded
    if gap:
        right[2] = np.nan
    return sk.Recording.from_arrays(T0 + np.arange(n) / RATE, left, right, layout=LAY, rate_hz=RATE)


def test_columns_header_time_and_values_follow_opensim_rules(tmp_path):
    rec = _recording()
    path = write_mot(rec, tmp_path / "walk_grf.mot")
    meta, df = _read_mot(path)
    assert meta["name"] == "walk_grf.mot"
    assert (meta["version"], meta["inDegrees"]) == ("1", "no")
    assert int(meta["nRows"]) == len(df) == 6
    assert int(meta["nColumns"]) == df.shape[1] == 19
    assert list(df.columns) == mot_columns(["left", "right"])
    assert df.columns[1:4].tolist() == ["ground_force_r_vx", "ground_force_r_vy", "ground_force_r_vz"]
    np.testing.assert_allclose(df["time"], rec.time, rtol=0, atol=1e-6)  # Unix time to 1 us

    for i in range(4):
        j_l, j_r = i, 15 - i
        assert df["ground_force_l_vy"][i] == 300.0 + i
        assert df["ground_force_r_vy"][i] == 500.0 + i
        # insole y (anterior) -> px; insole x (medial) -> pz, to the right: + for left, - for right
        assert df["ground_force_l_px"][i] == pytest.approx(LAY.y_mm[j_l] / 1000, abs=1e-7)
        assert df["ground_force_l_pz"][i] == pytest.approx(LAY.x_mm[j_l] / 1000, abs=1e-7)
        assert df["ground_force_r_px"][i] == pytest.approx(LAY.y_mm[j_r] / 1000, abs=1e-7)
        assert df["ground_force_r_pz"][i] == pytest.approx(-LAY.x_mm[j_r] / 1000, abs=1e-7)
    zero = ["vx", "vz", "py"]
    for k in ("r", "l"):
        assert (df[[f"ground_force_{k}_{c}" for c in zero]] == 0).all().all()  # no shear, on the insole
        assert (df[[f"ground_torque_{k}_{a}" for a in "xyz"]] == 0).all().all()  # no free moment
    # frame 4 carries nothing and frame 5 only 10 N on the left: unloaded, zero force and point
    assert (df.loc[[4, 5], [c for c in df.columns if c.startswith("ground_force_l")]] == 0).all().all()


def test_pyomeca_reads_the_file_back(tmp_path):
    # an independent reader of OpenSim storage files (pyomeca, the biomechanics library)
    from pyomeca import Analogs

    rec = _recording()
    path = write_mot(rec, tmp_path / "walk_grf.mot")
    got = Analogs.from_mot(path, pandas_kwargs={"sep": "\t"})  # .mot columns are tab-separated
    assert got.channel.values.tolist() == mot_columns(["left", "right"])[1:]
    np.testing.assert_allclose(got.time.values, rec.time, rtol=0, atol=1e-6)  # Unix time to 1 us
    assert got.attrs["rate"] == RATE
    vy = got.sel(channel="ground_force_l_vy").values
    np.testing.assert_array_equal(vy[:4], [300.0, 301.0, 302.0, 303.0])
    assert got.sel(channel="ground_force_r_pz").values[0] == pytest.approx(-LAY.x_mm[15] / 1000, abs=1e-7)


def test_opensim_reads_the_file(tmp_path, osim):
    rec = _recording()
    path = write_mot(rec, tmp_path / "walk_grf.mot")
    table = osim.TimeSeriesTable(str(path))
    assert table.getNumRows() == 6 and table.getNumColumns() == 18
    assert list(table.getColumnLabels()) == mot_columns(["left", "right"])[1:]
    np.testing.assert_allclose(np.array(table.getIndependentColumn()), rec.time, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(
        table.getDependentColumn("ground_force_r_vy").to_numpy(), [500, 501, 502, 503, 0, 0]
    )
    storage = osim.Storage(str(path))  # the reader ExternalLoads uses
    assert storage.getSize() == 6
    row = storage.getStateVector(3)
    assert row.getTime() == pytest.approx(rec.time[3], abs=1e-6)
    labels = list(mot_columns(["left", "right"])[1:])
    assert row.getData().get(labels.index("ground_force_l_vy")) == 303.0


def test_external_loads_xml_loads_in_opensim(tmp_path, osim):
    write_mot(_recording(), tmp_path / "walk_grf.mot")
    xml = tmp_path / "loads.xml"
    xml.write_text(external_loads_xml("walk_grf.mot"), encoding="utf-8")
    loads = osim.ExternalLoads(str(xml), True)
    assert loads.getSize() == 2
    right = loads.get(0)
    assert (right.getAppliedToBodyName(), right.getForceExpressedInBodyName()) == ("calcn_r", "calcn_r")
    assert (right.getForceIdentifier(), right.getPointIdentifier()) == (
        "ground_force_r_v",
        "ground_force_r_p",
    )
    assert right.getTorqueIdentifier() == "ground_torque_r_"
    assert loads.getDataFileName() == "walk_grf.mot"


def test_gaps_are_refused_by_default_omitted_or_written_as_nan_on_request(tmp_path):
    rec = _recording(gap=True)
    with pytest.raises(SensorkitError, match=r"1 gap\(s\), the first on side right") as err:
        write_mot(rec, tmp_path / "g.mot")
    assert "missing='omit'" in err.value.hint
    assert not list(tmp_path.iterdir())

    _, omitted = _read_mot(write_mot(rec, tmp_path / "omit.mot", missing="omit"))
    np.testing.assert_allclose(omitted["time"], rec.time[[0, 1, 3, 4, 5]], atol=1e-6)

    meta, nan = _read_mot(write_mot(rec, tmp_path / "nan.mot", missing="nan"))
    assert int(meta["nRows"]) == 6
    right_cols = [c for c in nan.columns if "_r_" in c]
    assert nan.loc[2, right_cols].isna().all()
    assert nan.loc[2, "ground_force_l_vy"] == 302.0  # the other foot keeps its frame
    assert not nan.drop(index=2).isna().any().any()


def test_placement_puts_points_in_the_ground_frame(tmp_path):
    rec = _recording()
    place = {
        "right": FootPlacement(origin_m=(1.0, 0.0, 0.2), heading_deg=90.0),  # toes towards ground -z
        "left": FootPlacement(origin_m=(0.5, 0.01, -0.1)),
    }
    _, df = _read_mot(write_mot(rec, tmp_path / "p.mot", placement=place))
    j = 15  # right frame 0: sensor 16 loaded
    ant, right = LAY.y_mm[j] / 1000, -LAY.x_mm[j] / 1000
    # R_y(90 deg): insole +x (anterior) -> ground -z, insole +z (right) -> ground +x
    assert df["ground_force_r_px"][0] == pytest.approx(1.0 + right, abs=1e-7)
    assert df["ground_force_r_py"][0] == pytest.approx(0.0, abs=1e-12)
    assert df["ground_force_r_pz"][0] == pytest.approx(0.2 - ant, abs=1e-7)
    assert df["ground_force_l_px"][0] == pytest.approx(0.5 + LAY.y_mm[0] / 1000, abs=1e-7)
    assert df["ground_force_l_py"][0] == pytest.approx(0.01, abs=1e-9)
    assert df["ground_force_l_pz"][0] == pytest.approx(-0.1 + LAY.x_mm[0] / 1000, abs=1e-7)
    assert df["ground_force_l_px"][4] == 0.0  # unloaded: zero point, not the placement origin
    with pytest.raises(SensorkitError, match="not the recorded side"):
        write_mot(rec, tmp_path / "q.mot", placement={"left": FootPlacement()})


def test_one_foot_and_real_physionet_walk(tmp_path):
    rec = sk.read(PHYSIONET_DIR / "GaCo03_01.txt", body_mass_kg=101)
    left_only = sk.Recording.from_arrays(rec.time, rec.left, None, layout=rec.layout, rate_hz=rec.rate_hz)
    meta, df = _read_mot(write_mot(left_only, tmp_path / "left.mot"))
    assert int(meta["nColumns"]) == 10 and not any("_r_" in c for c in df.columns)
    assert len(df) == rec.n_frames
    total = rec.left.astype(np.float64).sum(axis=1)
    loaded = total >= 20.0
    np.testing.assert_allclose(df["ground_force_l_vy"][loaded], total[loaded], rtol=1e-6)
    assert (df["ground_force_l_vy"][~loaded] == 0).all()
    np.testing.assert_allclose(df["time"], rec.time, atol=1e-6)


def test_existing_file_and_bad_policy(tmp_path):
    path = tmp_path / "x.mot"
    path.write_text("keep")
    with pytest.raises(FileExistsError):
        write_mot(_recording(), path)
    assert path.read_text() == "keep"
    write_mot(_recording(), path, overwrite=True)
    assert path.read_text().startswith("x.mot\nversion=1\n")
    with pytest.raises(ValueError, match="missing must be one of"):
        write_mot(_recording(), tmp_path / "y.mot", missing="zero")


@pytest.mark.skipif(FORMAT is None, reason="the format table (issue 14, other branch) is not merged yet")
def test_sk_write_picks_mot_from_the_extension_and_read_says_it_does_not(tmp_path):
    from sensorkit.errors import FileFormatError

    path = tmp_path / "walk.mot"
    sk.write(_recording(), path)
    meta, df = _read_mot(path)
    assert int(meta["nRows"]) == len(df) == 6
    with pytest.raises(FileFormatError, match=r"writes OpenSim \.mot files but does not read them"):
        sk.read(path, format="opensim-mot")
