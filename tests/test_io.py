import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io import detect_format, read, write_generic_csv
from sensorkit.simulate import simulate


def test_physionet_files_read_with_expected_shape(physionet_files):
    for path in physionet_files:
        rec = read(path)
        assert rec.layout.name == "physionet8" and rec.units == "N"
        assert rec.left.shape == (12119, 8) and rec.right.shape == (12119, 8)
        assert rec.rate_hz == 100.0
        assert len(rec.gaps) == 0


def test_physionet_totals_match_the_files_total_columns(physionet_files):
    for path in physionet_files:
        raw = pd.read_csv(path, sep="\t", header=None).to_numpy()
        rec = read(path)
        np.testing.assert_allclose(rec.left.sum(axis=1, dtype=np.float64), raw[:, 17], atol=0.01)
        np.testing.assert_allclose(rec.right.sum(axis=1, dtype=np.float64), raw[:, 18], atol=0.01)
        np.testing.assert_array_equal(rec.time, raw[:, 0])


def test_physionet_body_mass_can_be_given(physionet_files):
    assert read(physionet_files[0], body_mass_kg=83).body_mass_kg == 83.0


def test_generic_csv_round_trip_is_lossless(tmp_path):
    rec = simulate(duration_s=3, seed=2, noise=1.0, dropout=0.05)
    path = tmp_path / "run.csv"
    write_generic_csv(rec, path)
    back = read(path)
    np.testing.assert_array_equal(back.time, rec.time)
    np.testing.assert_array_equal(back.left, rec.left)  # NaN frames compare equal in place
    np.testing.assert_array_equal(back.right, rec.right)
    assert back.body_mass_kg == rec.body_mass_kg and back.layout.name == "ref16"
    pd.testing.assert_frame_equal(back.gaps, rec.gaps)


def test_generic_csv_keeps_the_reasons_of_gaps_a_board_pause_included(tmp_path, monkeypatch):
    # the maker's trial: `convert walk.skr walk.csv` turned the board's pauses ("time jump")
    # into "dropout"; a link loss and a lost packet came back as "dropout" too
    import sensorkit.io.csv_generic as csv_generic

    monkeypatch.setattr(csv_generic, "GAPS_PER_LINE", 2)  # the line repeats for long lossy sessions
    rec = simulate(duration_s=6, seed=3, dropout=0.0)
    left, t = rec.left.copy(), rec.time
    declared = []
    for (a, b), reason, side in zip(((100, 140), (300, 301), (420, 460)), ("time jump", "packet loss", "link lost"),
                                    ("left", "left", "both"), strict=True):  # fmt: skip
        left[a:b] = np.nan
        declared.append({"start_s": float(t[a - 1]), "end_s": float(t[b]), "side": side, "n_missing": b - a,
                         "reason": reason})  # fmt: skip
    right = rec.right.copy()
    right[420:460] = np.nan
    rec = sk.Recording.from_arrays(t, left, right, layout="ref16", rate_hz=rec.rate_hz, gaps=declared)
    path = tmp_path / "run.csv"
    write_generic_csv(rec, path)
    assert sum(line.startswith("# gaps_json: ") for line in path.read_text().splitlines()) == 2
    back = read(path)
    pd.testing.assert_frame_equal(back.gaps, rec.gaps)
    assert back.gaps["reason"].tolist() == ["time jump", "packet loss", "link lost"]


@pytest.mark.parametrize(
    "bad",
    [
        '{"a": 1}',
        "[[0.1, 0.2, 3]]",
        "[[0.1",
        '[["0.01", "0.02", "left", 0, "x"]]',  # review: strings as numbers were taken
        '[[0.01, Infinity, "left", 0, "x"]]',  # ... and Infinity, which no Parquet could then hold
        '[[0.01, 0.02, "left", true, "x"]]',
        '[[0.01, 0.02, "left", 0, {"a": 1}]]',
    ],
)
def test_generic_csv_with_a_damaged_gaps_line_is_a_clear_error(tmp_path, bad):
    path = tmp_path / "bad.csv"
    path.write_text(
        f"# layout: physionet8\n# gaps_json: {bad}\ntime,L1,L2,L3,L4,L5,L6,L7,L8\n0,1,2,3,4,5,6,7,8\n"
    )
    with pytest.raises(FileFormatError, match="gaps_json") as err:
        read(path)
    assert err.value.line == 2


def test_generic_csv_gaps_outside_the_data_are_left_out_with_a_warning_and_too_many_missing_refused(tmp_path):
    # review: a CSV cropped by hand kept 54 of 77 gaps past its end ("54 at its start or end"),
    # and n_missing 2**53 made a report say 9e13 s missing for a 20 s file
    head = "# layout: physionet8\n# rate_hz: 100\n"
    rows = "time,L1,L2,L3,L4,L5,L6,L7,L8\n" + "".join(f"{k / 100},1,2,3,4,5,6,7,8\n" for k in range(50))
    path = tmp_path / "cropped.csv"
    path.write_text(head + '# gaps_json: [[100.0,200.0,"left",9999,"packet loss"]]\n' + rows)
    with pytest.warns(UserWarning, match="1 of the 1 gaps in gaps_json lie outside the data"):
        assert len(read(path).gaps) == 0
    path.write_text(head + '# gaps_json: [[0.1,0.2,"left",9007199254740992,"packet loss"]]\n' + rows)
    with pytest.raises(
        FileFormatError, match=r"says 9007199254740992 frames missing, more than its 0\.1 s hold"
    ):
        read(path)


def test_generic_csv_keeps_the_configured_rate_of_a_recording_at_its_measured_one(tmp_path):
    # review: Parquet kept metadata configured_rate_hz, generic CSV dropped it
    rec = simulate(duration_s=2, seed=1)
    rec = sk.Recording.from_arrays(rec.time, rec.left, rec.right, layout="ref16", rate_hz=97.0,
                                   metadata={"configured_rate_hz": 100.0})  # fmt: skip
    path = tmp_path / "r.csv"
    write_generic_csv(rec, path)
    back = read(path)
    assert back.rate_hz == 97.0 and back.metadata["configured_rate_hz"] == 100.0


def test_generic_csv_with_one_side_and_l_names(tmp_path):
    path = tmp_path / "left.csv"
    path.write_text(
        "# layout: physionet8\ntime,L1,L2,L3,L4,L5,L6,L7,L8\n0,1,2,3,4,5,6,7,8\n0.01,1,2,3,4,5,6,7,8\n"
    )
    rec = read(path)
    assert rec.sides == ("left",) and rec.left[1, 7] == 8.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# layout: ref16\ntime,L1,L2\n0,1,2\n0.01,1,x\n", "line 4, column L2: not a number: 'x'"),
        (
            "# layout: ref16\ntime,L1,L2\n0,1,2\n0.01,1,2,3\n",
            "line 4: expected 3 comma-separated fields, found 4",
        ),
        ("time,L1\n0,1\n0.01,1\n", "no sensor layout"),
        ("# units: psi\ntime,L1\n0,1\n", "line 1: units must be 'N' or 'kPa'"),
        ("# layout: ref16\nsecs,L1\n0,1\n", "line 2, column 1: the first column must be 'time'"),
        (
            "# layout: physionet8\ntime,L1,L2,L3,L4,L5,L6,L7,L8\n0,1,2,3,4,5,6,7,8\n0,1,2,3,4,5,6,7,8\n",
            r"strictly increasing: frame 1 \(line 4\)",
        ),
        ("# layout: ref16\ntime,L1,X2\n0,1,2\n", "column 'X2' is neither"),
        ("# layout: nosuch\ntime,L1\n0,1\n0.1,1\n", "unknown layout 'nosuch'"),
    ],
)
def test_bad_csv_gets_an_error_naming_line_and_column(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message) as info:
        read(path)
    assert str(path) in str(info.value)


def test_truncated_physionet_row_is_reported(tmp_path, physionet_files):
    lines = physionet_files[0].read_text().splitlines()
    lines[5] = "\t".join(lines[5].split("\t")[:12])
    path = tmp_path / "GaCo99_01.txt"
    path.write_text("\n".join(lines[:50]) + "\n")  # a short row mid-file, not a cut file
    with pytest.raises(FileFormatError, match="line 6: expected 19 tab-separated fields, found 12"):
        read(path)


def test_physionet_totals_that_disagree_are_rejected(tmp_path, physionet_files):
    raw = pd.read_csv(physionet_files[0], sep="\t", header=None, nrows=40)
    raw.iloc[20, 17] += 50.0
    path = tmp_path / "GaCo98_01.txt"
    raw.to_csv(path, sep="\t", header=False, index=False)
    with pytest.raises(FileFormatError, match="line 21, column 18: left total"):
        read(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02garbage", "binary"), (b"hello world\n", "cannot tell the file format")],
)
def test_unknown_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "mystery.dat"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message):
        read(path)


def test_missing_file():
    with pytest.raises(FileFormatError, match="no such file"):
        read("/nonexistent/run.csv")


def test_detect_format(tmp_path, physionet_files):
    assert detect_format(physionet_files[0]) == "physionet-gaitpdb"
    path = tmp_path / "x.csv"
    write_generic_csv(simulate(duration_s=1, seed=0), path)
    assert detect_format(path) == "generic-csv"
    assert sk.read is read
