"""Hostile or malformed input fails cleanly (one typed error naming the file) or is read past, never a traceback."""

from __future__ import annotations

import dataclasses
import json
import struct
import subprocess
import sys
import time
import warnings
import zlib

import numpy as np
import pytest
from reliability_helpers import V1_CAPTURE, AlteringGateway, packets, rewrite, same_records

import sensorkit as sk
from sensorkit.errors import DeviceError, FileFormatError
from sensorkit.io.capture import (
    CAPTURE_MAGIC,
    REC_EVENT,
    REC_RX,
    CaptureDamagedWarning,
    CaptureReader,
)
from sensorkit.protocol import PressureSamples


# ---------------------------------------------------------------- captures
def test_a_pair_capture_with_one_sample_on_one_side_reads(tmp_path):
    kept, seen = [], 0
    for kind, stream, t, data in same_records():
        if (
            stream == 1
            and kind == REC_RX
            and any(isinstance(p, PressureSamples) for p in packets(records_of_one(data)))
        ):
            seen += 1
            if seen > 1:
                continue
        kept.append((kind, stream, t, data))
    path = rewrite(tmp_path / "one.skr", kept)
    rec = sk.read(path)
    assert np.count_nonzero(~np.isnan(rec.right).any(axis=1)) == 1  # the one right sample, placed
    assert rec.n_frames >= 50 and np.isfinite(rec.left).all()
    res = sk.analyze(rec)
    assert res is not None


def records_of_one(data: bytes):
    from sensorkit.io.capture import CaptureRecord

    return CaptureRecord(REC_RX, 0, 0.0, data, 0)


def test_a_pair_capture_with_one_sample_on_each_side_reads_at_the_header_rate(tmp_path):
    kept, seen = [], {0: 0, 1: 0}
    for kind, stream, t, data in same_records():
        if kind == REC_RX and any(isinstance(p, PressureSamples) for p in packets(records_of_one(data))):
            seen[stream] += 1
            if seen[stream] > 1:
                continue
        kept.append((kind, stream, t, data))
    path = rewrite(tmp_path / "one.skr", kept)
    try:  # the two samples are 5 ms apart: one frame (too short for a Recording) or two
        assert sk.read(path).n_frames == 2
    except FileFormatError as exc:  # a clean error, not OverflowError
        assert "at least 2 frames" in str(exc) and str(path) in str(exc)


def test_an_event_record_holding_a_json_string_is_skipped_with_a_warning_and_the_data_kept(tmp_path):
    recs = same_records()
    bad = [*recs[:60], (REC_EVENT, 0, recs[59][2], b'"link_lost"'), (REC_EVENT, 1, recs[59][2], b"[1,2]"),
           (REC_EVENT, 0, recs[59][2], b"\xff\xfe"), *recs[60:]]  # fmt: skip
    good = sk.read(rewrite(tmp_path / "good.skr", recs))
    with pytest.warns(CaptureDamagedWarning, match="EVENT record at byte"):
        rec = sk.read(rewrite(tmp_path / "bad.skr", bad))
    np.testing.assert_array_equal(rec.left, good.left)
    np.testing.assert_array_equal(rec.right, good.right)


def _header_file(tmp_path, header_bytes: bytes, name: str = "h.skr"):
    path = tmp_path / name
    body = b"".join(r[0:0] for r in ())  # no records needed: the header is refused first
    path.write_bytes(CAPTURE_MAGIC + struct.pack("<I", len(header_bytes)) + header_bytes
                     + struct.pack("<I", zlib.crc32(header_bytes)) + body)  # fmt: skip
    return path


def _valid_header() -> dict:
    return json.loads(json.dumps(CaptureReader(V1_CAPTURE).header))


def _set(path: tuple, value):
    def make():
        h = _valid_header()
        target = h
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(h).encode()

    return make


MALFORMED_HEADERS = {
    "a list": lambda: b"[1, 2, 3]",
    "a string": lambda: b'"sensorkit"',
    "a number": lambda: b"42",
    "not JSON": lambda: b"{version: 1",
    "not UTF-8": lambda: b'{"version": 1, "x": "\xff"}',
    "100000 deep": lambda: b"[" * 100_000 + b"]" * 100_000,
    "no version": lambda: json.dumps({"streams": []}).encode(),
    "version a string": _set(("version",), "1"),
    "version 99": _set(("version",), 99),
    "streams a dict": _set(("streams",), {"0": {}}),
    "stream a string": _set(("streams", 0), "left"),
    "info a list": _set(("streams", 0, "info"), [16]),
    "sensor_count a string": _set(("streams", 0, "info", "sensor_count"), "16"),
    "sensor_count zero": _set(("streams", 0, "info", "sensor_count"), 0),
    "rate negative": _set(("streams", 0, "info", "sample_rate_hz"), -100),
    "host_t0_s a string": _set(("host_t0_s",), "now"),
    "subject a list": _set(("subject",), ["S01"]),
    "body mass negative": _set(("subject",), {"body_mass_kg": -70}),
    "stream id 300": _set(("streams", 0, "stream"), 300),
    "three streams": _set(("streams",), [{}, {}, {}]),
    "two streams with id 0": _set(("streams",), [{"stream": 0}, {"stream": 0}]),
}


@pytest.mark.parametrize("variant", sorted(MALFORMED_HEADERS))
def test_a_malformed_capture_header_is_one_file_format_error_naming_the_file(tmp_path, variant):
    path = _header_file(tmp_path, MALFORMED_HEADERS[variant]())
    with pytest.raises(FileFormatError) as info:
        sk.read(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------- live packets
def _stream_all(port: int, path):
    session = sk.open(f"tcp://127.0.0.1:{port}", record=path, handshake_timeout_s=5.0)
    chunks = []
    try:
        with pytest.raises(DeviceError):
            for chunk in session:
                chunks.append(chunk)
    finally:
        session.close()
    return session, chunks


def test_a_packet_whose_channel_count_contradicts_device_info_is_rejected_and_counted(tmp_path):
    def eight(k, p):
        return dataclasses.replace(p, values=p.values[:, :8].copy()) if k == 40 else p

    gw = AlteringGateway(eight, seconds=1.2)
    session, chunks = _stream_all(gw.port, tmp_path / "c.skr")
    assert {c.values.shape[1] for c in chunks} == {16}
    stats = session.devices[0].stats
    assert stats.content_errors == 1
    rec = sk.read(tmp_path / "c.skr")  # the capture reads, every good sample in it
    assert rec.n_sensors == 16
    assert np.count_nonzero(~np.isnan(rec.left).any(axis=1)) == sum(c.n for c in chunks)


def test_device_time_going_back_half_a_second_never_makes_host_times_go_back(tmp_path):
    def back(k, p):
        return dataclasses.replace(p, t0_us=p.t0_us - 500_000) if k == 40 else p

    gw = AlteringGateway(back, seconds=1.2)
    session, chunks = _stream_all(gw.port, tmp_path / "t.skr")
    t = np.concatenate([c.time for c in chunks])
    assert np.all(np.diff(t) > 0)
    assert session.devices[0].time_back == 1
    rec = sk.read(tmp_path / "t.skr")  # reads back (it did not: "time must be strictly increasing")
    assert np.count_nonzero(~np.isnan(rec.left).any(axis=1)) == t.size


def test_replay_of_a_capture_started_15_s_into_a_session_starts_at_once(tmp_path):
    header = _valid_header()
    header["host_t0_s"] -= 15.0  # the session was opened 15 s before the capture's first record
    path = rewrite(tmp_path / "late.skr", same_records(), header=header)
    t0 = time.monotonic()
    with sk.open(f"replay://{path}?speed=1") as replay:
        first = replay.read(timeout_s=10)
    assert first is not None and time.monotonic() - t0 < 3.0
    rec = sk.read(path)
    assert rec.time[0] > 14.0  # still on the session's clock


# ---------------------------------------------------------------- disk full
DISK_FULL_SCRIPT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
from sensorkit.cli import main
sys.exit(main(["record", "sim://", "-o", sys.argv[1], "--duration", "20"]))
"""


def test_disk_full_while_recording_gives_one_clear_error_and_a_readable_file(tmp_path):
    path = tmp_path / "full.skr"
    proc = subprocess.run([sys.executable, "-c", DISK_FULL_SCRIPT, str(path)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "disk is full" in errors[0] and str(path) in errors[0]
    assert path.stat().st_size == 60_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = sk.read(path)
    assert rec.n_frames > 50
