"""SD-card logs of the ESP32 16-channel insole (OPEN_INSOLES.md #6): raw counts, order, duplicates."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.calibrate import Calibration, SaturationWarning
from sensorkit.errors import DuplicateRowsWarning, FileFormatError
from sensorkit.io import detect_format
from sensorkit.io.esp32 import read_esp32_log

HEADER = (
    "time_ms,frame_id,"
    + ",".join(f"R_ch{i}" for i in range(16))
    + ","
    + ",".join(f"L_ch{i}" for i in range(16))
    + ",flags"
)


def _counts(k):
    """Distinct counts per frame, side and channel (right 1000 + ..., left 2000 + ...)."""
    return 1000 + 10 * k + np.arange(16), 2000 + 10 * k + np.arange(16)


def _row(k, t_ms=None, flags=0):
    r, l_ = _counts(k)
    t = 1000 + 20 * k if t_ms is None else t_ms
    return ",".join(str(int(v)) for v in [t, k, *r, *l_, flags])


def _write(path, rows, first="# fw=1.4.2 board=esp32c3"):
    path.write_text("\n".join([first, HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cal():
    return Calibration.nominal("esp32-insole", "ref16-fsr")  # the board's layout, 16 generic FSR curves


def test_rows_are_sorted_and_counts_go_through_the_calibration(tmp_path, cal):
    order = [0, 1, 3, 2, 4, 6, 5, 7]  # written out of order, as the board flushes blocks
    path = _write(
        tmp_path / "log.csv", [_row(k, flags=2 * (k % 2)) for k in order]
    )  # timeout: both sides there
    assert detect_format(path) == "esp32-sd-log"
    rec = sk.read(path, calibration=cal)
    np.testing.assert_allclose(rec.time, 1.0 + 0.02 * np.arange(8))
    right_counts = np.array([_counts(k)[0] for k in range(8)], dtype=float)
    left_counts = np.array([_counts(k)[1] for k in range(8)], dtype=float)
    # the board logs 4095 unloaded and less under load: the calibration gets 4095 - value
    np.testing.assert_allclose(rec.right, cal.side("right").convert(4095 - right_counts).values, rtol=1e-6)
    np.testing.assert_allclose(rec.left, cal.side("left").convert(4095 - left_counts).values, rtol=1e-6)
    assert rec.units == "N" and rec.layout.name == "esp32-insole"
    md = rec.metadata
    assert md["rows_out_of_order"] == 2 and md["duplicate_rows_dropped"] == 0
    assert md["esp32_fw"] == "1.4.2" and md["esp32_board"] == "esp32c3" and md["esp32_rows_with_flags"] == 4
    assert md["esp32_rows_timed_out"] == 4 and len(rec.gaps) == 0


def test_unloaded_4095_reads_as_no_load_and_a_pressed_sensor_as_load(tmp_path, cal):
    """Insole_Test.ino lines 10-13: the sensor pulls a pulled-up input down, so the SD log holds
    4095 for an unloaded sensor; the reader converts to 4095 - value like the live profile."""
    unloaded = [4095] * 32
    pressed = [4095] * 32
    pressed[0], pressed[16] = 0, 2095  # R_ch0 pressed flat, L_ch0 half-way
    rows = [
        ",".join(map(str, [1000 + 20 * k, k, *v, 0])) for k, v in enumerate([unloaded, pressed, unloaded])
    ]
    with pytest.warns(SaturationWarning, match=r"right insole saturated \(\w+ x1 frames\)"):
        rec = read_esp32_log(_write(tmp_path / "log.csv", rows), calibration=cal)
    assert np.all(rec.right[[0, 2]] == 0) and np.all(rec.left[[0, 2]] == 0)  # unloaded: 0 N, not full scale
    assert rec.right[1, 0] > 0 and rec.left[1, 0] > 0 and np.all(rec.right[1, 1:] == 0)
    np.testing.assert_allclose(
        rec.left[1, 0], cal.side("left").convert(np.full((1, 16), 2000.0)).values[0, 0]
    )
    # only the sensor pressed to 0 saturates (load count 4095), never an unloaded one
    assert rec.metadata["saturated"]["right"][:, 0].tolist() == [False, True, False]
    assert not rec.metadata["saturated"]["left"].any() and rec.metadata["saturated"]["right"].sum() == 1
    assert rec.metadata["raw_units"].startswith("counts (12-bit ADC), 4095 - logged value")


def test_a_missing_frame_is_a_gap(tmp_path, cal):
    rec = read_esp32_log(_write(tmp_path / "log.csv", [_row(k) for k in (0, 1, 2, 5, 6, 7)]), calibration=cal)
    gap = rec.gaps.iloc[0]
    assert (gap["start_s"], gap["end_s"], gap["n_missing"]) == (1.04, 1.1, 2)


def _half_row(k, t_ms, flags, *, right=True, left=True):
    """A row as Insole_Logger_V1.ino writes a half frame: zeros for the side it never got."""
    r, l_ = _counts(k)
    r, l_ = (r if right else np.zeros(16)), (l_ if left else np.zeros(16))
    return ",".join(str(int(v)) for v in [t_ms, k, *r, *l_, flags])


def test_flag_bit0_left_frame_missing_is_a_gap_with_its_reason_not_zeros_or_full_load(tmp_path, cal):
    """Line 194 'bit0: L missing': the master writes the left half as zeros (= full load after
    4095 - v); those frames are missing, and the gap says why."""
    rows = [_half_row(k, 1000 + 20 * k, 3, left=False) for k in (0, 1)]  # as a log starts: no left yet
    rows += [_row(k) for k in (2, 3)] + [_half_row(4, 1080, 1, left=False)] + [_row(k) for k in (5, 6)]
    rec = read_esp32_log(_write(tmp_path / "log.csv", rows), calibration=cal)
    assert rec.n_frames == 7 and not np.isnan(rec.right).any()
    assert np.isnan(rec.left[[0, 1, 4]]).all() and not np.isnan(rec.left[[2, 3, 5, 6]]).any()
    gaps = rec.gaps
    assert gaps["side"].tolist() == ["left", "left"] and gaps["n_missing"].tolist() == [2, 1]
    assert gaps["end_s"].tolist()[0] == 1.04 and gaps["start_s"].tolist()[1] == 1.06
    assert all(r.startswith("insole frame missing (flags bit 0") for r in gaps["reason"])
    md = rec.metadata
    assert md["esp32_left_frames_missing"] == 3 and md["esp32_rows_with_flags"] == 3
    assert md["esp32_rows_timed_out"] == 2 and md["esp32_right_frames_missing"] == 0


def test_a_left_frame_written_after_its_frame_is_merged_back(tmp_path, cal):
    """Frame 2's left half came after the 70 ms timeout: the master wrote frame 2 without it
    (flags 3), then filed it in a new slot and wrote that 70 ms later with right zeros and
    flags 2 (Insole_Logger_V1.ino findSlot, lines 363-410): one frame, not two."""
    rows = [_row(0), _row(1), _half_row(2, 1040, 3, left=False), _row(3), _row(4), _row(5)]
    rows += [_half_row(2, 1110, 2, right=False), _row(6)]
    rec = read_esp32_log(_write(tmp_path / "log.csv", rows), calibration=cal)
    assert rec.n_frames == 7 and len(rec.gaps) == 0
    want = cal.side("left").convert(4095 - np.array([_counts(2)[1]], dtype=float)).values[0]
    np.testing.assert_allclose(rec.left[2], want, rtol=1e-6)
    assert rec.metadata["esp32_split_frames_merged"] == 1 and rec.metadata["duplicate_rows_dropped"] == 0
    # alone (its first half lost), such a row is a right gap, not 16 fully loaded sensors
    rows = [_row(0), _row(1), _half_row(2, 1040, 2, right=False), _row(3)]
    rec = read_esp32_log(_write(tmp_path / "one.csv", rows), calibration=cal)
    assert np.isnan(rec.right[2]).all() and not np.isnan(rec.left).any()
    assert rec.gaps[["side", "n_missing"]].values.tolist() == [["right", 1]]
    assert rec.gaps["reason"].iloc[0].startswith("insole frame missing (flags")


def test_a_lone_late_left_half_is_put_at_its_frames_time_not_its_arrival(tmp_path, cal):
    """The logger stamps a left half filed alone when it arrived, at least 70 ms after its
    frame (findSlot, Insole_Logger_V1.ino lines 372, 387): frame 3's left values, logged at
    1225 ms at the logger's 20 Hz, were read as the frame after frame 4 (reviewer)."""
    rows = [_row(k, 1000 + 50 * k) for k in (0, 1, 2, 4)]
    rows += [_half_row(3, 1000 + 50 * 3 + 75, 2, right=False), _row(5, 1250)]
    rec = read_esp32_log(_write(tmp_path / "late.csv", rows), calibration=cal)
    np.testing.assert_allclose(rec.time, [1.0, 1.05, 1.1, 1.15, 1.2, 1.25])
    want = cal.side("left").convert(4095 - np.array([_counts(3)[1]], dtype=float)).values[0]
    np.testing.assert_allclose(rec.left[3], want, rtol=1e-6)
    assert np.isnan(rec.right[3]).all() and not np.isnan(rec.right[[0, 1, 2, 4, 5]]).any()
    assert rec.metadata["esp32_late_halves_retimed"] == 1


SINGLE_HEADER = "time_ms,frame_id,seq," + ",".join(
    f"ch{i}" for i in range(16)
)  # Insole_Logger_V1.ino line 237


def _single(path, rows):
    path.write_text("\n".join(["# fw=v3.1.0", SINGLE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_one_insole_log_is_read_with_its_foot_from_the_file_name_or_side(tmp_path, cal):
    """The slave build writes L_LOG###.CSV / R_LOG###.CSV with 'time_ms,frame_id,seq,ch0..ch15'."""
    rows = [",".join(str(int(v)) for v in [1000 + 20 * k, k + 1, k + 1, *_counts(k)[1]]) for k in range(5)]
    path = _single(tmp_path / "L_LOG003.CSV", rows)
    assert detect_format(path) == "esp32-sd-log"
    rec = sk.read(path, calibration=cal)
    assert rec.right is None and rec.n_frames == 5
    want = cal.side("left").convert(4095 - np.array([_counts(k)[1] for k in range(5)], dtype=float)).values
    np.testing.assert_allclose(rec.left, want, rtol=1e-6)
    renamed = _single(tmp_path / "insole.csv", rows)
    with pytest.raises(FileFormatError, match="which foot") as info:
        read_esp32_log(renamed, calibration=cal)
    assert "side='left' or side='right'" in info.value.hint
    assert read_esp32_log(renamed, calibration=cal, side="right").left is None
    with pytest.raises(FileFormatError, match="side='left' is for one insole's log"):
        read_esp32_log(_write(tmp_path / "log.csv", [_row(0), _row(1)]), calibration=cal, side="left")


def test_a_header_only_slave_file_says_to_read_the_master_log(tmp_path, cal):
    """The published firmware's slave writes the header and sends its frames to the master."""
    path = _single(tmp_path / "R_LOG000.CSV", [])
    with pytest.raises(FileFormatError, match="no frames: the logger's slave build") as info:
        sk.read(path)  # before asking for a calibration
    assert "COMBO_LOG" in info.value.hint


def test_a_frame_written_twice_is_kept_once_and_counted(tmp_path, cal):
    path = _write(tmp_path / "log.csv", [_row(k) for k in (0, 1, 2, 2, 3)])
    with pytest.warns(DuplicateRowsWarning, match="1 duplicate row"):
        rec = read_esp32_log(path, calibration=cal)
    assert rec.n_frames == 4 and rec.metadata["duplicate_rows_dropped"] == 1


def test_one_frame_id_with_two_different_rows_is_an_error(tmp_path, cal):
    path = _write(tmp_path / "log.csv", [_row(0), _row(1), _row(1, t_ms=1030), _row(2)])
    with pytest.raises(FileFormatError, match=r"line 5: frame_id 1 has two different rows \(line 4"):
        read_esp32_log(path, calibration=cal)


def test_counts_without_a_calibration_are_refused(tmp_path):
    path = _write(tmp_path / "log.csv", [_row(k) for k in range(4)])
    with pytest.raises(FileFormatError, match="raw 12-bit ADC counts, not newtons") as info:
        sk.read(path)
    assert "calibration=" in info.value.hint and "16 sensors" in info.value.hint
    assert "layout 'esp32-insole'" in info.value.hint and "profile=esp32-insole" in info.value.hint


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row(1).replace(",1010,", ",5000,", 1), "line 4, column R_ch0: 5000 is not a 12-bit count"),
        (_row(1).replace(",1010,", ",1x,", 1), "line 4, column R_ch0: not a whole number: '1x'"),
        (_row(1).replace(",1010,", ",", 1), "line 4: 34 fields, expected 35"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path, cal, row, message):
    path = _write(tmp_path / "log.csv", [_row(0), row, _row(2)])
    with pytest.raises(FileFormatError, match=message):
        read_esp32_log(path, calibration=cal)


def test_header_must_be_the_documented_one(tmp_path, cal):
    path = tmp_path / "log.csv"
    path.write_text("# fw=1\ntime_ms,frame_id,R_ch0,R_ch2,flags\n0,0,1,2,0\n")
    with pytest.raises(FileFormatError, match="line 2, column R_ch2: channel 'R_ch2' out of order"):
        read_esp32_log(path, calibration=cal)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect_format(_write(tmp_path / "x.csv", [_row(0)], first="# units: N")) != "esp32-sd-log"


def test_a_log_cut_inside_its_last_row_reads_up_to_the_cut(tmp_path, cal):
    path = _write(tmp_path / "log.csv", [_row(k) for k in range(5)])
    path.write_text(path.read_text()[:-40])
    with pytest.warns(sk.errors.FileTruncatedWarning, match="line 7\\) is cut short"):
        rec = read_esp32_log(path, calibration=cal)
    assert rec.n_frames == 4


def _as_logged(path, rows):
    """A COMBO_LOG file byte for byte as Insole_Logger_V1.ino v3.1.0 writes it: ``print("# fw=v3.1.0\\n")``
    then the header by ``println`` (lines 231-233), each row ``print`` of its fields and ``println``
    of its flags (lines 406-410): Arduino's println ends a line with CR LF."""
    path.write_bytes(("# fw=v3.1.0\n" + HEADER + "\r\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


def _logger_rows(master: str) -> list[str]:
    """The rows a master board on the ``master`` foot writes (Insole_Logger_V1.ino, LOG_HZ 20: a frame
    every 50 ms): it files its own readings in its own half and the slave's in the other (lines
    289-296, 556-562), writes a frame when both halves are in or at the 70 ms timeout with flags
    bit 0 = no left half, bit 1 = timeout and zeros for a half it never got (lines 383-410), and
    files a slave frame that comes after its frame was written in a new slot stamped on arrival
    (findSlot, lines 363-381), written 70 ms later.

    Frames 0-1: the slave has not answered yet; frame 4's slave half comes 90 ms late; frame 7's
    own row is lost and only its late slave half is written, 80 ms late; the rest are complete."""
    own, slave = ("right", "left") if master == "right" else ("left", "right")

    def row(k, t_ms, flags, *, have):
        return _half_row(k, t_ms, flags, right="right" in have, left="left" in have)

    def timeout_flags(have):  # bit 0 when the row has no left half, bit 1: written at the timeout
        return (0 if "left" in have else 1) | 2

    t = {k: 1000 + 50 * k for k in range(10)}
    rows = [row(k, t[k], timeout_flags({own}), have={own}) for k in (0, 1)]
    rows += [row(k, t[k], 0, have={own, slave}) for k in (2, 3)]
    rows.append(row(4, t[4], timeout_flags({own}), have={own}))  # written without its slave half
    rows += [row(k, t[k], 0, have={own, slave}) for k in (5, 6)]
    rows.append(row(4, t[4] + 90, timeout_flags({slave}), have={slave}))  # the late half, alone
    rows.append(row(7, t[7] + 80, timeout_flags({slave}), have={slave}))  # its frame's row lost
    rows += [row(k, t[k], 0, have={own, slave}) for k in (8, 9)]
    return rows


@pytest.mark.parametrize("master", ["right", "left"])
def test_the_master_boards_foot_is_a_build_choice_the_reader_takes(tmp_path, cal, master):
    """Insole_Logger_V1.ino lines 43-45: SIDE_RIGHT or SIDE_LEFT, for the master too; the design (and
    the default) is a right master. With a left master a missing right half is flags 2 with right
    zeros and a late one flags 3 with left zeros, the reverse of a right master's rows."""
    path = _as_logged(tmp_path / "COMBO_LOG000.CSV", _logger_rows(master))
    own, slave = ("right", "left") if master == "right" else ("left", "right")
    rec = read_esp32_log(path, calibration=cal, master_side=master)
    md = rec.metadata
    assert md["esp32_master_side"] == master and md["esp32_master_side_assumed"] is False
    np.testing.assert_allclose(rec.time, 1.0 + 0.05 * np.arange(10))  # frame 7 put back at its time
    got = {"right": rec.right, "left": rec.left}
    assert not np.isnan(got[own][[0, 1, 2, 3, 4, 5, 6, 8, 9]]).any() and np.isnan(got[own][7]).all()
    assert np.isnan(got[slave][[0, 1]]).all() and not np.isnan(got[slave][2:]).any()
    want = cal.side(slave).convert(4095 - np.array([_counts(k)[slave == "left"] for k in (4, 7)], float))
    np.testing.assert_allclose(got[slave][[4, 7]], want.values, rtol=1e-6)  # merged, and retimed
    assert md["esp32_split_frames_merged"] == 1 and md["esp32_late_halves_retimed"] == 1
    assert md[f"esp32_{slave}_frames_missing"] == 2 and md[f"esp32_{own}_frames_missing"] == 1
    gaps = rec.gaps.set_index("side")
    assert (
        gaps.loc[slave, "n_missing"] == 2
        and f"the {slave} insole's frame did not arrive" in gaps.loc[slave, "reason"]
    )
    assert (
        gaps.loc[own, "n_missing"] == 1 and f"a late {slave} frame written alone" in gaps.loc[own, "reason"]
    )
    if master == "right":  # the default, said to be one
        again = sk.read(path, calibration=cal)
        assert again.metadata["esp32_master_side"] == "right" and again.metadata["esp32_master_side_assumed"]
        np.testing.assert_array_equal(again.left, rec.left)
    else:  # read with the default, the split frame is two rows that no right master writes
        with pytest.raises(FileFormatError, match="frame_id 4 has two different rows") as info:
            sk.read(path, calibration=cal)
        assert "sensorkit.read(path, calibration=..., master_side='left')" in info.value.hint
        assert "--master-side left" in info.value.hint


def test_master_side_is_checked_and_not_for_a_one_insole_log(tmp_path, cal):
    path = _as_logged(tmp_path / "COMBO_LOG000.CSV", [_row(k) for k in range(3)])
    with pytest.raises(FileFormatError, match="master_side must be 'right' or 'left', not 'R'"):
        read_esp32_log(path, calibration=cal, master_side="R")
    rows = [",".join(str(int(v)) for v in [1000 + 20 * k, k + 1, k + 1, *_counts(k)[1]]) for k in range(3)]
    with pytest.raises(FileFormatError, match="master_side='left' is for the master's two-insole log"):
        read_esp32_log(_single(tmp_path / "L_LOG000.CSV", rows), calibration=cal, master_side="left")
    one = read_esp32_log(_single(tmp_path / "L_LOG001.CSV", rows), calibration=cal)
    assert one.metadata["esp32_master_side"] is None and one.metadata["esp32_master_side_assumed"] is False


def _right_master_start(n_waiting=5, n=20):
    """A right master's log as upstream's published ones start (COMBO_LOG001.CSV, a right master):
    frames 1..n_waiting written at the 70 ms timeout before the slave answered (no left half:
    left zeros, flags 3, Insole_Logger_V1.ino lines 389-391), then complete frames every 50 ms."""
    return [
        _half_row(k, 1981 + 50 * (k - 1), 3, right=True, left=False)
        if k <= n_waiting
        else _row(k, 1981 + 50 * (k - 1))
        for k in range(1, n + 1)
    ]


def test_master_side_reaches_the_reader_through_sk_read_and_the_command_line(tmp_path, cal, capsys):
    """read_esp32_log took master_side, but sk.read and the CLI (analyze, convert FILE) could not pass
    it: a left master's log could only be read from Python's read_esp32_log."""
    import json

    from sensorkit.cli import main

    path = _as_logged(tmp_path / "COMBO_LOG000.CSV", _logger_rows("left"))
    want = read_esp32_log(path, calibration=cal, master_side="left")
    rec = sk.read(path, calibration=cal, master_side="left")
    assert rec.metadata["esp32_master_side"] == "left" and rec.metadata["esp32_master_side_assumed"] is False
    np.testing.assert_array_equal(rec.left, want.left)
    np.testing.assert_array_equal(rec.right, want.right)
    with pytest.raises(FileFormatError, match="master_side") as info:  # a format that does not take it
        sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", master_side="left")
    assert "--master-side" in info.value.hint or "--master-side" in str(info.value)
    cal_file = tmp_path / "cal.json"
    cal_file.write_text(json.dumps(cal.to_dict()))
    out = tmp_path / "out.csv"
    argv = ["convert", str(path), str(out), "--calibration", str(cal_file)]
    assert main(argv) == 1  # the default right master: frame 4's halves are two rows no right master writes
    err = capsys.readouterr().err
    assert "frame_id 4 has two different rows" in err and "--master-side left" in err
    assert main([*argv, "--master-side", "left"]) == 0
    back = sk.read(out)
    np.testing.assert_allclose(back.left, want.left, rtol=1e-5)
    np.testing.assert_allclose(back.right, want.right, rtol=1e-5)
    assert (
        main(["analyze", str(path), "--calibration", str(cal_file), "--master-side", "left", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["source"]["n_frames"] == 10


def test_a_right_masters_log_read_as_a_left_masters_says_to_give_master_side(tmp_path, cal):
    """A right master's first rows (no left half, flags 3) are, to a left master, late right halves
    filed alone: put at their frames' times they fell on another row and the error 'same time_ms'
    gave no hint."""
    path = _as_logged(tmp_path / "COMBO_LOG001.CSV", _right_master_start())
    rec = sk.read(path, calibration=cal)  # the default, a right master: frames 1-5 lack the left foot
    assert rec.n_frames == 20 and np.isnan(rec.left[:5]).all() and not np.isnan(rec.right).any()
    with pytest.raises(FileFormatError, match="have the same time_ms") as info:
        sk.read(path, calibration=cal, master_side="left")
    hint = info.value.hint
    assert "has no left half" in hint and "a master board on the right foot" in hint
    assert "master_side='right'" in hint and "--master-side right" in hint
