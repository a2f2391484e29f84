"""Raw capture files: exact replay, cut files (SIGKILL of a recording process), end records, the sniffer."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

import sensorkit.devices as skd
from sensorkit.errors import FileFormatError
from sensorkit.io.capture import (
    CAPTURE_MAGIC,
    CAPTURE_VERSION,
    REC_EVENT,
    REC_HEADER,
    REC_RX,
    CaptureCutWarning,
    CaptureDamagedWarning,
    CaptureReader,
    CaptureTrailingDataWarning,
    CaptureUnfinished,
    CaptureUnfinishedWarning,
    CaptureWriter,
    looks_like_capture,
    read_capture,
)

ROOT = Path(__file__).resolve().parents[1]


def _records_and_warnings(reader: CaptureReader) -> tuple[list, list]:
    """Every record of ``reader`` and every warning reading them gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recs = list(reader.records())
    return recs, caught


def _without_end_record(path: Path) -> None:
    """Cut the end record off a closed capture, as if its recorder were killed between two records."""
    reader = CaptureReader(path)
    list(reader.records())
    with path.open("r+b") as fh:
        fh.truncate(reader.end.offset)


def _sim_capture_killed(path: Path, seconds: float) -> Path:
    """A capture of ``seconds`` of the simulator whose recorder was killed (no end record)."""
    with skd.open("sim://?seed=5", record=path) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            session.read(timeout_s=0.1)
    _without_end_record(path)
    return path


def record_live(path: Path, url: str, seconds: float) -> list:
    chunks = []
    with skd.open(url, record=path, subject={"body_mass_kg": 72.0}) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            c = session.read(timeout_s=0.2)
            if c is not None:
                chunks.append(c)
        session.close()
        chunks += session.drain()
    return chunks


def by_side(chunks, field):
    out = {}
    for side in ("left", "right"):
        parts = [getattr(c, field) for c in chunks if c.side == side]
        if parts:
            out[side] = np.concatenate(parts)
    return out


@pytest.mark.slow
def test_replay_yields_bit_identical_arrays(tmp_path):
    path = tmp_path / "run.skr"
    live = record_live(path, "sim://?loss=0.05&seed=9&rate=200", 1.5)
    with skd.open(f"replay://{path}?speed=0") as session:
        replayed = list(session)
    for field in ("time", "seq", "values"):
        a, b = by_side(live, field), by_side(replayed, field)
        assert a.keys() == b.keys() == {"left", "right"}
        for side in a:
            assert a[side].dtype == b[side].dtype and np.array_equal(a[side], b[side]), (field, side)
    for side in ("left", "right"):  # the two sides interleave in arrival order; each side is exact
        gaps_live = [g for c in live if c.side == side for g in c.gaps]
        gaps_replay = [g for c in replayed if c.side == side for g in c.gaps]
        assert gaps_live == gaps_replay
    assert any(c.gaps for c in live)


@pytest.mark.slow
def test_a_capture_started_mid_session_replays(tmp_path):
    # the dashboard's 'r' key starts recording long after the handshake was read
    path = tmp_path / "late.skr"
    with skd.open("sim://?seed=4&rate=200") as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.6:
            session.read(timeout_s=0.2)
        attached_s = time.monotonic()  # the host clock of chunk arrival times
        session.record(path)
        after = []
        while time.monotonic() - t0 < 1.6:
            c = session.read(timeout_s=0.2)
            if c is not None:
                after.append(c)
        session.close()
        after += session.drain()
    after = [c for c in after if c.arrival_s > attached_s]  # chunks still queued came before
    assert after
    rec = read_capture(path)
    assert rec.sides == ("left", "right") and rec.n_frames > 100
    with skd.open(f"replay://{path}?speed=0") as replay:
        replayed = list(replay)
    for side in ("left", "right"):
        # the file holds a contiguous tail of the live stream (a chunk may batch packets from
        # just before the attach), identical where the two overlap
        live_seq = np.concatenate([c.seq for c in after if c.side == side])
        live_values = np.concatenate([c.values for c in after if c.side == side])
        replay_seq = np.concatenate([c.seq for c in replayed if c.side == side])
        replay_values = np.concatenate([c.values for c in replayed if c.side == side])
        tail = live_seq >= replay_seq[0]
        assert tail.mean() > 0.8  # the capture starts close to where recording was asked for
        np.testing.assert_array_equal(replay_seq[: tail.sum()], live_seq[tail])
        np.testing.assert_array_equal(replay_values[: tail.sum()], live_values[tail])


@pytest.mark.slow
def test_replay_at_speed_one_is_paced_in_real_time(tmp_path):
    path = tmp_path / "paced.skr"
    record_live(path, "sim://?side=left&rate=200", 0.8)
    t0 = time.monotonic()
    with skd.open(f"replay://{path}?speed=1") as session:
        n = sum(c.n for c in session)
    elapsed = time.monotonic() - t0
    assert n > 100 and 0.6 < elapsed < 2.5
    t0 = time.monotonic()
    with skd.open(f"replay://{path}?speed=0") as session:
        assert sum(c.n for c in session) == n
    assert time.monotonic() - t0 < 0.6


def test_read_capture_gives_a_recording_with_header_metadata_and_gaps(tmp_path):
    path = tmp_path / "rec.skr"
    record_live(path, "sim://?loss=0.1&seed=2&rate=200", 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaptureCutWarning)
        rec = read_capture(path)
    assert rec.sides == ("left", "right") and rec.units == "N" and rec.layout.name == "ref16"
    assert rec.body_mass_kg == 72.0 and rec.rate_hz == 200
    assert "packet loss" in set(rec.gaps["reason"])
    assert np.isnan(rec.left).any()  # lost samples stay missing
    assert rec.time[0] < 1.0  # seconds from the session start
    assert rec.metadata["capture_end"]["trailing_bytes"] == 0 and rec.metadata["capture_unfinished"] is None


def test_sniffer_recognises_captures_only(tmp_path):
    path = tmp_path / "s.skr"
    with CaptureWriter(path, {"streams": []}):
        pass
    head = path.read_bytes()[:64]
    assert head.startswith(CAPTURE_MAGIC) and looks_like_capture(path, head)
    assert not looks_like_capture(path, b"time,L1,L2\n0,1,2\n")


def _end_offset(path: Path) -> int:
    """Byte offset of the end record of a capture closed by its writer."""
    reader = CaptureReader(path)
    for _ in reader.records():
        pass
    assert reader.end is not None
    return reader.end.offset


def test_a_file_cut_mid_record_opens_with_everything_before_and_says_where(tmp_path):
    """One warning, the cut's, which also says that the file was never closed (no end record)."""
    path = tmp_path / "cut.skr"
    with CaptureWriter(path, {"streams": [], "host_t0_s": 99.0}) as w:
        for i in range(10):
            w.write(REC_RX, 0, 100.0 + i, bytes([1, 2, 3, i]) + b"\x00")
    with path.open("r+b") as fh:
        fh.truncate(_end_offset(path) - 7)  # inside the last RX record: the power went mid-write
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert [w.category for w in caught] == [CaptureCutWarning]
    message = str(caught[0].message)
    assert re.search(r"cut at byte \d+ of \d+ .*9 complete records.*host time 108\.000 s", message), message
    assert "stopped without closing the file" in message and "up to 1 s" in message
    assert [r.time_s for r in recs] == [100.0 + i for i in range(9)]
    assert reader.cut is not None and reader.cut.reason == "incomplete record"
    assert reader.unfinished is not None and reader.unfinished.n_records == 9
    assert reader.unfinished.last_time_s == 108.0 and reader.unfinished.session_s == 9.0
    assert reader.end is None


def _small_capture(path: Path, n: int = 20) -> list[int]:
    """n RX records with host times 100 + i; returns their byte offsets."""
    with CaptureWriter(path, {"streams": []}) as w:
        for i in range(n):
            w.write(REC_RX, 0, 100.0 + i, bytes([1, 2, 3, i]) * (1 + i % 5) + b"\x00")
    return [r.offset for r in CaptureReader(path).records()]


def test_a_corrupt_record_in_the_middle_is_skipped_and_reading_resumes(tmp_path):
    """CAPTURE.md reading rules: damage in the middle is skipped up to the next valid record and
    reported with its byte range; the records after it are not lost."""
    path = tmp_path / "rot.skr"
    offsets = _small_capture(path)
    data = bytearray(path.read_bytes())
    data[offsets[7] + 14] ^= 0xFF  # one flipped byte in record 7's payload: its CRC fails
    path.write_bytes(bytes(data))
    reader = CaptureReader(path)
    with pytest.warns(
        CaptureDamagedWarning, match=rf"damaged at bytes {offsets[7]}\.\.{offsets[8]} \(bad record CRC\)"
    ):
        recs = list(reader.records())
    assert [r.time_s for r in recs] == [100.0 + i for i in range(20) if i != 7]
    assert reader.cut is None and len(reader.damaged) == 1
    d = reader.damaged[0]
    assert (d.last_time_s, d.next_time_s, d.n_records) == (106.0, 108.0, 7)


def test_garbage_between_records_and_a_cut_tail_are_told_apart(tmp_path):
    path = tmp_path / "garbage.skr"
    offsets = _small_capture(path)
    data = path.read_bytes()
    junk = bytes([1, 0, 9, 0]) + os.urandom(300) + bytes([2, 1])  # kind-like bytes included
    damaged = (
        data[: offsets[12]] + junk + data[offsets[12] : _end_offset(path) - 5]
    )  # and the last record cut
    path.write_bytes(damaged)
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    kinds = [w.category for w in caught]
    assert kinds == [CaptureDamagedWarning, CaptureCutWarning]
    assert [r.time_s for r in recs] == [100.0 + i for i in range(19)]  # all but the cut last one
    assert reader.damaged[0].offset == offsets[12] and reader.damaged[0].resume_offset == offsets[12] + len(
        junk
    )
    assert reader.cut is not None and reader.cut.reason == "incomplete record"


@pytest.mark.slow
@pytest.mark.parametrize("url", ["sim://?side=left&seed=3&rate=200", "sim://?seed=3&rate=200"])
def test_read_capture_of_a_damaged_recording_keeps_everything_after_the_damage(tmp_path, url):
    """A live recording with one damaged record in the middle: the Recording equals the one of
    the intact file except for the frames of the damaged record, which are NaN (a gap)."""
    path = tmp_path / "live.skr"
    record_live(path, url, 1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaptureCutWarning)
        intact = read_capture(path)
    recs = list(CaptureReader(path).records())
    # a PRESSURE frame about halfway through
    from sensorkit.protocol import PressureSamples, decode_packet

    def is_pressure(r) -> bool:
        try:
            return r.kind == REC_RX and isinstance(decode_packet(r.data), PressureSamples)
        except Exception:
            return False

    target = next(r for r in recs[len(recs) // 2 :] if is_pressure(r))
    data = bytearray(path.read_bytes())
    data[target.offset + 20] ^= 0x55
    path.write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_capture(path)
    assert [w.category for w in caught] == [CaptureDamagedWarning]  # once, even for a pair
    assert len(rec.metadata["capture_damaged"]) == 1 and rec.metadata["capture_cut"] is None
    assert rec.sides == intact.sides and rec.time.shape == intact.time.shape
    n_lost = 0
    for side in rec.sides:
        a, b = rec.values(side), intact.values(side)
        lost = np.isnan(a).all(axis=1) & ~np.isnan(b).all(axis=1)
        n_lost += int(lost.sum())
        assert np.array_equal(a[~lost], b[~lost], equal_nan=True)
        if lost.any():
            assert np.flatnonzero(lost)[-1] < a.shape[0] - 50  # data long after the damage is kept
    assert 1 <= n_lost <= 40  # one packet's samples, on one side
    assert "packet loss" in set(rec.gaps["reason"])


def test_not_a_capture_is_a_file_format_error(tmp_path):
    bad = tmp_path / "x.skr"
    bad.write_bytes(b"hello world")
    with pytest.raises(FileFormatError, match="not a sensorkit capture"):
        CaptureReader(bad)


def _raw_records(path: Path) -> list[tuple[int, int, float, bytes]]:
    """``(kind, stream, time_s, payload)`` of every record, parsed by CAPTURE.md's layout (not by the reader)."""
    blob = path.read_bytes()
    pos = 16 + struct.unpack_from("<I", blob, 8)[0]
    out = []
    while pos < len(blob):
        kind, stream, length, t = struct.unpack_from("<BBHd", blob, pos)
        payload = blob[pos + 12 : pos + 12 + length]
        (crc,) = struct.unpack_from("<I", blob, pos + 12 + length)
        assert crc == zlib.crc32(payload, zlib.crc32(blob[pos : pos + 12])), pos
        out.append((kind, stream, t, payload))
        pos += 16 + length
    return out


def test_closing_a_capture_appends_one_end_record_and_it_reads_without_warnings(tmp_path):
    """CAPTURE.md, End record: the writer's last record, an EVENT on stream 255 (no device has that
    stream, so replays of sensorkit versions before end records skip it); version stays 2."""
    path = tmp_path / "closed.skr"
    with CaptureWriter(path, {"streams": [{"stream": 0}], "host_t0_s": 99.0}) as w:
        for i in range(10):
            w.write(REC_RX, 0, 100.0 + i, bytes([1, 2, 3, i]) + b"\x00")
        w.event(0, 110.0, event="tag", label="x")
        w.close()  # closed twice (here and by the with): still one end record
    raw = _raw_records(path)
    ends = [r for r in raw if r[0] == REC_EVENT and r[1] == 255]
    assert len(ends) == 1 and raw[-1] == ends[0]
    assert json.loads(ends[0][3]) == {"event": "capture_end", "records": 11}
    assert ends[0][2] >= 110.0  # the host time of closing, never before the last record
    reader = CaptureReader(path)
    assert reader.header["version"] == CAPTURE_VERSION == 2
    assert reader.header["end_record"] is True and reader.header["fsync_interval_s"] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = list(reader.records())
    assert len(recs) == 11 and all(r.stream == 0 for r in recs)  # the end record is not one of them
    assert reader.end is not None and reader.end.records == 11 and reader.end.trailing_bytes == 0
    assert reader.end.offset == path.stat().st_size - 16 - len(ends[0][3])
    assert reader.cut is None and reader.unfinished is None


def test_a_capture_still_being_recorded_reads_as_such_not_as_a_killed_writer(tmp_path):
    """A capture read while its writer is recording (``sensorkit analyze`` in a second terminal)
    has no end record yet: the warning says it is still being recorded (the writer holds its
    lock), not that the writer was killed; once closed, it reads without warnings."""
    path = tmp_path / "live.skr"
    w = CaptureWriter(path, {"streams": [{"stream": 0}], "host_t0_s": 10.0})
    try:
        for i in range(5):
            w.write(REC_RX, 0, 11.0 + i, bytes([1, 2, i]) + b"\x00")
        reader = CaptureReader(path)
        with pytest.warns(CaptureUnfinishedWarning) as got:
            recs = list(reader.records())
        assert len(recs) == 5 and reader.unfinished is not None and reader.unfinished.being_written
        message = str(got[0].message)
        assert "still being recorded" in message and "killed" not in message, message
        assert "5 records read, the last 5.000 s into the session (host time 15.000 s)" in message
    finally:
        w.close()
    reader = CaptureReader(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(reader.records())) == 5
    assert reader.unfinished is None and reader.end is not None


def test_bytes_after_the_end_record_are_ignored_with_one_warning(tmp_path):
    path = tmp_path / "appended.skr"
    _small_capture(path)
    other = tmp_path / "other.skr"
    _small_capture(other)
    tail = other.read_bytes()
    path.write_bytes(path.read_bytes() + tail)  # cat other.skr >> appended.skr
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert [w.category for w in caught] == [CaptureTrailingDataWarning]
    message = str(caught[0].message)
    assert f"{len(tail)} bytes follow the end record" in message and "ignored" in message
    assert [r.time_s for r in recs] == [100.0 + i for i in range(20)]  # not the appended file's records
    assert reader.end is not None and reader.end.trailing_bytes == len(tail)
    assert reader.unfinished is None and reader.cut is None and reader.damaged == []


#: A process writing a capture: 30 RX records at host times 100..129 s, then it waits to be killed.
_WRITER = """
import sys, time
from sensorkit.io.capture import REC_RX, CaptureWriter
w = CaptureWriter(sys.argv[1], {"streams": [{"stream": 0}], "host_t0_s": 90.0})
for i in range(30):
    w.write(REC_RX, 0, 100.0 + i, bytes([1, 2, 3, i]) + b"\\x00")
print("written", flush=True)
time.sleep(60)
"""


def test_a_writer_killed_between_records_reads_with_all_its_records_and_one_unfinished_warning(tmp_path):
    path = tmp_path / "killed.skr"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        try:
            line = proc.stdout.readline()
            assert line == b"written\n", proc.stderr.read().decode() if proc.poll() is not None else line
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert [w.category for w in caught] == [CaptureUnfinishedWarning]
    message = str(caught[0].message)
    assert "the recording stopped without closing the file" in message and "killed" in message
    assert "30 records read, the last 39.000 s into the session (host time 129.000 s)" in message
    assert "up to 1 s of records after it" in message
    assert [(r.time_s, r.data) for r in recs] == [
        (100.0 + i, bytes([1, 2, 3, i]) + b"\x00") for i in range(30)
    ]
    assert reader.cut is None and reader.end is None
    assert reader.unfinished == CaptureUnfinished(129.0, 39.0, 30, 1.0)


def _recording_process(path: Path) -> subprocess.Popen:
    """``sensorkit record`` of a simulated pair into ``path``, once it has written 40 kB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sensorkit.cli.record", "sim://?rate=200&seed=4", "-o", str(path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < 40_000):
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    if not path.exists() or path.stat().st_size < 40_000:
        proc.kill()
        _, err = proc.communicate(timeout=5)
        pytest.fail(f"the recording did not start: {err.decode()}")
    return proc


@pytest.mark.slow
def test_ctrl_c_of_a_recording_process_closes_the_file_with_its_end_record(tmp_path):
    path = tmp_path / "stopped.skr"
    proc = _recording_process(path)
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode()
    raw = _raw_records(path)
    assert [r[:2] for r in raw if r[1] == 255] == [(REC_HEADER, 255), (REC_EVENT, 255)]
    assert raw[-1][:2] == (REC_EVENT, 255) and json.loads(raw[-1][3])["event"] == "capture_end"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaptureCutWarning)
        rec = read_capture(path)
    assert rec.metadata["capture_unfinished"] is None and rec.metadata["capture_cut"] is None
    assert rec.metadata["capture_end"]["records"] == len(raw) - 2 and rec.n_frames > 50
    # replay neither plays the end record as data nor as a link event
    assert not any("capture_end" in str(label) for label in rec.events["label"])
    assert "link lost" not in set(rec.gaps["reason"])


@pytest.mark.slow
def test_sigkill_of_a_recording_process_leaves_a_readable_file_that_says_it_was_not_closed(tmp_path):
    path = tmp_path / "killed.skr"
    proc = _recording_process(path)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    reader = CaptureReader(path)
    recs = list(reader.records(warn=False))
    assert len(recs) > 100
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_capture(path)
    assert rec.sides == ("left", "right") and rec.n_frames > 50
    cut = [w for w in caught if issubclass(w.category, CaptureCutWarning)]
    assert len(cut) == 1, [str(w.message) for w in cut]  # one warning, even for a pair
    message = str(cut[0].message)
    # killed between two records the file ends without its end record; killed inside one (an
    # unlikely short write), the cut's warning says where, and that too
    if reader.cut is not None:
        assert cut[0].category is CaptureCutWarning and "cut at byte" in message
    else:
        assert cut[0].category is CaptureUnfinishedWarning
    assert "stopped without closing the file" in message
    assert f"host time {recs[-1].time_s:.3f} s" in message
    unfinished = rec.metadata["capture_unfinished"]
    assert unfinished["n_records"] == len(recs) and unfinished["last_time_s"] == recs[-1].time_s
    assert rec.metadata["capture_end"] is None


# -- the end record: what a reviewer found (2026-11-30) -----------------------------------------


def test_a_reader_opened_before_the_writer_closes_says_still_recorded_not_killed(tmp_path):
    """The lock was looked at when reading ended: a writer that closed in between had released it,
    and the file (read up to its size at opening) was called killed."""
    path = tmp_path / "race.skr"
    w = CaptureWriter(path, {"streams": [{"stream": 0}], "host_t0_s": 10.0})
    for i in range(5):
        w.write(REC_RX, 0, 11.0 + i, bytes([1, i]) + b"\x00")
    reader = CaptureReader(path)  # while recording
    w.close()  # the end record lands after the bytes this reader will read
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 5 and [w_.category for w_ in caught] == [CaptureUnfinishedWarning]
    assert "still being recorded" in str(caught[0].message) and "killed" not in str(caught[0].message)


@pytest.mark.parametrize("where", ["crc", "payload"])
def test_a_damaged_end_record_says_the_file_was_closed_and_nothing_is_missing(tmp_path, where):
    """One bad bit in the end record read as a file whose writer never closed it."""
    path = tmp_path / "end.skr"
    _small_capture(path)
    data = bytearray(path.read_bytes())
    end_at = CaptureReader(path)
    list(end_at.records())
    start = end_at.end.offset
    if where == "crc":
        data[-1] ^= 0x40
    else:
        data[start + 12 + 3] ^= 0x01
    path.write_bytes(bytes(data))
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 20 and [w_.category for w_ in caught] == [CaptureDamagedWarning]
    message = str(caught[0].message)
    assert "end record" in message and "no record is missing" in message, message
    assert reader.unfinished is None and reader.end is not None


def test_a_full_disk_while_closing_raises_instead_of_passing_silently(tmp_path):
    """The end record's write error was swallowed: `record` printed "wrote" and exited 0."""
    code = f"""
import os, resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from sensorkit.io.capture import CaptureWriter, REC_RX
from sensorkit.errors import CaptureWriteError
w = CaptureWriter({str(tmp_path / "full.skr")!r}, {{"streams": [{{"stream": 0}}], "host_t0_s": 99.0}})
for i in range(10):
    w.write(REC_RX, 0, 100.0 + i, bytes([1, 2, 3, i]) + b"\\x00")
resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(w.path) + 20, resource.RLIM_INFINITY))
try:
    w.close()
except CaptureWriteError as exc:
    print("raised:", exc)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("raised:") and "size limit" in proc.stdout, proc.stdout
    reader = CaptureReader(tmp_path / "full.skr")
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 10 and reader.cut is not None and reader.unfinished is None  # said; records kept
    assert [c.category for c in caught] == [CaptureCutWarning] and "inside the end record" in str(
        caught[0].message
    )


def test_a_script_that_never_closes_its_capture_still_ends_it_at_exit(tmp_path):
    path = tmp_path / "noclose.skr"
    code = f"""
from sensorkit.io.capture import CaptureWriter, REC_RX
w = CaptureWriter({str(path)!r}, {{"streams": [{{"stream": 0}}], "host_t0_s": 1.0}})
for i in range(7):
    w.write(REC_RX, 0, 2.0 + i, bytes([9, i]) + b"\\x00")
"""  # (no close: the interpreter exits normally)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 7 and not caught and reader.end is not None and reader.end.records == 7


def test_sigterm_stops_a_recording_like_ctrl_c_with_its_end_record(tmp_path):
    """`timeout`, systemd and `docker stop` send SIGTERM; a closed terminal SIGHUP. Both ended
    `sensorkit record` at once, leaving a file that read as killed and no summary."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        path = tmp_path / f"sig{int(sig)}.skr"
        proc = subprocess.Popen(
            [sys.executable, "-m", "sensorkit.cli", "record", "sim://", "-o", str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "recording ... (Ctrl-C stops)": the command is in its loop
        assert first.startswith("recording"), first
        assert "records" in proc.stdout.readline()  # a status line: records are being written
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert f"wrote {path}" in out, (out, err)
        reader = CaptureReader(path)
        recs, caught = _records_and_warnings(reader)
        assert recs and not caught and reader.end is not None, [str(c.message) for c in caught]


@pytest.mark.slow
def test_a_stop_by_sigterm_or_sighup_closes_the_file_and_exits_0_as_its_normal_end(tmp_path):
    """A recording ends by a stop: SIGTERM or SIGHUP close the file and print the summary as
    Ctrl-C does, and exit 0 as a service that shuts down cleanly (a stop that cuts a command
    short exits 128 + the signal: test_cli_stops.py). `python -m sensorkit.cli.stream` did not
    catch them at all: it died with the file unclosed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    cases = [  # (the line that says the loop runs, past the first run's kernel compilation)
        (signal.SIGTERM, ["sensorkit.cli", "record", "sim://", "-o"], " records", 0),
        (signal.SIGHUP, ["sensorkit.cli", "record", "sim://", "-o"], " records", 0),
        (signal.SIGTERM, ["sensorkit.cli.stream", "--record"], "step ", 0),
    ]
    for sig, command, running, status in cases:
        path = tmp_path / f"{command[0]}-{int(sig)}.skr"
        proc = subprocess.Popen(
            [sys.executable, "-m", *command, str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if running in line:
                    break
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == status, (command, sig, proc.returncode, err)
        assert "samples" in out and str(path) in out and "Traceback" not in err, (out, err)
        reader = CaptureReader(path)
        recs, caught = _records_and_warnings(reader)
        assert recs and not caught and reader.end is not None, [str(c.message) for c in caught]


def test_a_session_refuses_a_second_recording_while_one_runs(tmp_path):
    """The second capture replaced the first in the session, which was never closed (no end
    record, locked until the process ended)."""
    from sensorkit.errors import DeviceError

    with skd.open("sim://?seed=1") as session:
        first = session.record(tmp_path / "a.skr")
        with pytest.raises(DeviceError, match=r"already recording to .*a\.skr"):
            session.record(tmp_path / "b.skr")
        assert session.capture is first and not (tmp_path / "b.skr").exists()
    reader = CaptureReader(tmp_path / "a.skr")
    _, caught = _records_and_warnings(reader)
    assert not caught and reader.end is not None


def test_optional_header_keys_of_the_wrong_type_do_not_make_the_file_unreadable():
    """`"end_record": 1` or `"fsync_interval_s": null` refused the whole file (a header the
    spec's reading rules do not require); they now mean "no end record" and the default interval."""
    from sensorkit.devices.capture import _check_header

    for odd in (
        {"end_record": 1},
        {"end_record": "yes"},
        {"fsync_interval_s": None},
        {"fsync_interval_s": -1},
    ):
        header = _check_header({"version": 2, "host_t0_s": 1.0, "streams": [], **odd}, "odd.skr")
        assert header["version"] == 2


def test_fsync_interval_zero_syncs_every_write_without_a_spinning_thread(tmp_path):
    w = CaptureWriter(tmp_path / "zero.skr", {"streams": []}, fsync_interval_s=0)
    try:
        assert w._syncer is None
        w.write(REC_RX, 0, 1.0, b"\x01\x00")
    finally:
        w.close()
    assert len(list(CaptureReader(tmp_path / "zero.skr").records())) == 1


def test_the_report_says_a_capture_was_not_closed_and_counts_a_shared_link_once(tmp_path):
    """A report of a capture whose recorder was killed read like a complete session (only stderr
    said so); a two-foot device's link gaps were counted once per insole (new-user tester)."""
    import sensorkit as sk
    from sensorkit.report.sections import gaps_section

    path = _sim_capture_killed(tmp_path / "killed.skr", 2.0)
    with pytest.warns(CaptureUnfinishedWarning):
        rec = sk.read(path)
    assert rec.metadata["format"] == "capture"  # `convert` printed "(?, ...)" for a capture
    text = gaps_section(sk.analyze(rec), rec)
    assert "The capture was not closed" in text and "may be missing" in text, text
    rec.metadata["link_stats"] = {  # one device sending both feet: the same link under each side
        side: {"gaps": 2, "stream": 0} for side in ("left", "right")
    }
    assert "logged 2 link gap(s)" in gaps_section(sk.analyze(rec), rec)
    rec.metadata["link_stats"] = {"left": {"gaps": 2, "stream": 0}, "right": {"gaps": 3, "stream": 1}}
    assert "logged 5 link gap(s)" in gaps_section(sk.analyze(rec), rec)


def test_a_record_cut_cleanly_out_of_the_middle_is_noticed_by_the_end_records_count(tmp_path):
    """A whole record removed (an edited file) left no damage to find: 9 records read, 10 written,
    and nothing said (reviewer)."""
    path = tmp_path / "edited.skr"
    offsets = _small_capture(path, n=10)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[4]] + data[offsets[5] :])  # record 4 taken out whole
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 9 and [c.category for c in caught] == [CaptureDamagedWarning]
    assert "says 10 records were written, but 9 were read: 1 missing" in str(caught[0].message)


# -- a third reading (2026-11-30) ----------------------------------------------------------------


def test_sighup_ignored_by_nohup_stays_ignored_and_a_second_signal_cannot_cut_the_cleanup():
    """The handler replaced a SIGHUP that `nohup` had set to be ignored, and a second signal
    (SIGHUP then SIGTERM, as a closing terminal sends) raised again inside `session.close()`."""
    from sensorkit.cli import _polite_stops_interrupt

    before = {s: signal.getsignal(s) for s in (signal.SIGHUP, signal.SIGTERM)}
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with _polite_stops_interrupt():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (
                signal.SIG_IGN,
                signal.SIG_DFL,
                before[signal.SIGTERM],
            )
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1.0)
            os.kill(os.getpid(), signal.SIGTERM)  # the second one is ignored: cleanup goes on
            time.sleep(0.2)
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == before[signal.SIGTERM]  # put back
    finally:
        for s, h in before.items():
            signal.signal(s, h)


def test_a_killed_capture_written_with_fsync_zero_says_nothing_was_unsynced(tmp_path):
    """`fsync_interval_s` 0 was read back as 1 s: "up to 1 s ... may be missing"."""
    path = tmp_path / "zero.skr"
    w = CaptureWriter(path, {"streams": [{"stream": 0}], "host_t0_s": 1.0}, fsync_interval_s=0)
    for i in range(3):
        w.write(REC_RX, 0, 2.0 + i, b"\x01\x00")
    w.close()
    _without_end_record(path)  # killed before closing
    reader = CaptureReader(path)
    _, caught = _records_and_warnings(reader)
    message = str(caught[0].message)
    assert reader.unfinished.fsync_interval_s == 0 and "synced to disk as it was written" in message
    assert "up to 1 s" not in message


def test_stream_255_is_the_files_own_and_refused_to_a_device(tmp_path):
    """An EVENT on stream 255 cut at the end read as "cut inside the end record"."""
    with CaptureWriter(tmp_path / "s.skr", {"streams": []}) as w:
        with pytest.raises(ValueError, match="0-254"):
            w.event(255, 1.0, event="tag", label="x")


def test_serve_of_a_replay_ends_when_the_replay_does(tmp_path):
    """The replay's end (StopIteration) was kept as the hub's error and raised: a traceback."""
    from sensorkit.cli.serve import run_live

    path = tmp_path / "short.skr"
    record_live(path, "sim://?seed=3", 0.6)
    with skd.open(f"replay://{path}?speed=0") as session:
        t0 = time.monotonic()
        assert run_live(session, duration_s=30, body_mass_kg=None, lsl=False, web=None) == 0
        assert time.monotonic() - t0 < 10


def test_report_notes_count_what_was_lost_not_the_header_copy_and_the_newest_link_count():
    import sensorkit as sk
    from sensorkit.report.sections import capture_note, gaps_section

    rec = sk.simulate(duration_s=3, seed=2)
    rec.metadata["capture_damaged"] = [{"offset": 0}, {"offset": 4096}]  # a damaged header: its copy was used
    assert "1 damaged byte range(s)" in capture_note(rec)
    rec.metadata["capture_damaged"] = [{"offset": 0}]
    assert capture_note(rec) == ""
    rec.metadata["link_stats"] = {"left": {"gaps": 2, "stream": 0}, "right": {"gaps": 3, "stream": 0}}
    assert "logged 3 link gap(s)" in gaps_section(sk.analyze(rec), rec)  # the newer copy of one link


def test_a_forked_child_that_exits_does_not_end_its_parents_capture(tmp_path):
    """The exit hook that closes a forgotten capture was inherited by forked children: a child
    exiting normally wrote an end record into the parent's live file, and every record after it
    read as trailing data, ignored (reviewer 3)."""
    path = tmp_path / "forked.skr"
    code = f"""
import os, sys
from sensorkit.io.capture import CaptureWriter, REC_RX
w = CaptureWriter({str(path)!r}, {{"streams": [{{"stream": 0}}], "host_t0_s": 1.0}})
w.write(REC_RX, 0, 2.0, b"\\x01\\x00")
pid = os.fork()
if pid == 0:
    sys.exit(0)  # a normal exit: atexit hooks run in the child
os.waitpid(pid, 0)
for i in range(4):
    w.write(REC_RX, 0, 3.0 + i, b"\\x02\\x00")
w.close()
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    reader = CaptureReader(path)
    recs, caught = _records_and_warnings(reader)
    assert len(recs) == 5 and not caught and reader.end is not None and reader.end.records == 5


def test_capture_warnings_point_at_the_users_call_of_sk_read_and_read_capture(tmp_path):
    """Through `sk.read` a CaptureUnfinishedWarning (and a cut's CaptureCutWarning) named a line
    of sensorkit/io/__init__.py instead of the line that called `sk.read`."""
    import sensorkit as sk

    path = _sim_capture_killed(tmp_path / "killed.skr", 0.5)
    cut = tmp_path / "cut.skr"
    cut.write_bytes(path.read_bytes()[:-7])  # and one cut inside its last record
    for source, category in ((path, CaptureUnfinishedWarning), (cut, CaptureCutWarning)):
        for read in (sk.read, read_capture):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                read(source)
            found = [w for w in caught if w.category is category]
            assert found, (read.__name__, source.name, [str(w.message) for w in caught])
            assert [w.filename for w in found] == [__file__] * len(found), (read.__name__, source.name)


def test_records_a_full_prebuffer_did_not_keep_are_counted_in_the_capture_and_said(tmp_path):
    """Records beyond the prebuffer's limit (100 000 before a capture is attached) were dropped
    without a word; the capture now holds their count and the user gets a warning."""
    import json

    from sensorkit.devices.tap import CaptureTap
    from sensorkit.errors import CaptureNotKeptWarning

    tap = CaptureTap(0, lambda exc: None, prebuffer_max=5)
    for i in range(8):
        tap.record(REC_RX, 1.0 + i, bytes([1, i, 0]))
    writer = CaptureWriter(tmp_path / "late.skr", {"streams": [{"stream": 0}], "host_t0_s": 1.0})
    with pytest.warns(
        CaptureNotKeptWarning, match=r"3 record\(s\) of stream 0 .* not kept \(the first 5 were\)"
    ):
        tap.attach(writer)
    tap.record(REC_RX, 9.0, bytes([1, 9, 0]))
    writer.close()
    recs, caught = _records_and_warnings(CaptureReader(tmp_path / "late.skr"))
    assert [r.data[1] for r in recs if r.kind == REC_RX] == [0, 1, 2, 3, 4, 9] and not caught
    events = [json.loads(r.data) for r in recs if r.kind == REC_EVENT and b"records_not_kept" in r.data]
    assert [(e["event"], e["records"]) for e in events] == [("records_not_kept", 3)]
