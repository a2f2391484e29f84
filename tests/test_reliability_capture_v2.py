"""Capture format version 2: one bad byte anywhere costs at most that record; version 1 and end-record-less
version 2 files still read."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from reliability_helpers import V1_CAPTURE, V2_CAPTURE_NO_END, packets

import sensorkit as sk
from sensorkit.io.capture import (
    CAPTURE_VERSION,
    REC_HEADER,
    REC_RX,
    RECORD_OVERHEAD,
    CaptureCutWarning,
    CaptureDamagedWarning,
    CaptureReader,
)
from sensorkit.protocol import DeviceInfo


@pytest.fixture(scope="module")
def v2_capture(tmp_path_factory) -> Path:
    """A real 0.6 s simulated pair recorded by today's writer."""
    path = tmp_path_factory.mktemp("v2") / "pair.skr"
    with sk.open("sim://?seed=4", record=path) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.6:
            session.read(timeout_s=0.1)
    return path


@pytest.fixture(scope="module")
def reference(v2_capture):
    return sk.read(v2_capture)


def _read_quiet(path: Path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = sk.read(path)
    return rec, caught


def _flipped(src: Path, dst: Path, offset: int, mask: int = 0x40) -> Path:
    data = bytearray(src.read_bytes())
    data[offset] ^= mask
    dst.write_bytes(bytes(data))
    return dst


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.left, b.left)
    np.testing.assert_array_equal(a.right, b.right)


def test_version_2_writes_a_copy_of_the_header_and_the_device_info_frames(v2_capture):
    reader = CaptureReader(v2_capture)
    assert reader.header["version"] == CAPTURE_VERSION == 2
    for stream in reader.header["streams"]:
        frame = bytes.fromhex(stream["device_info_frame"])
        assert any(isinstance(p, DeviceInfo) for p in packets_of(frame))
    blob = v2_capture.read_bytes()
    n = int.from_bytes(blob[8:12], "little")
    assert blob[16 + n] == REC_HEADER and blob[16 + n + 12 : 16 + n + 12 + n] == blob[12 : 12 + n]


def packets_of(frame: bytes):
    from sensorkit.io.capture import CaptureRecord

    return packets(CaptureRecord(REC_RX, 0, 0.0, frame, 0))


def _header_offsets(path: Path) -> list[int]:
    """Every byte of the magic, length, CRC and copy-record header, and every 23rd byte of the JSON and copy."""
    blob = path.read_bytes()
    n = int.from_bytes(blob[8:12], "little")
    end_copy = 16 + n + RECORD_OVERHEAD + n
    fixed = [*range(0, 12), *range(12 + n, 16 + n + 12), *range(end_copy - 4, end_copy)]
    return sorted({*fixed, *range(12, 12 + n, 23), *range(16 + n + 12, end_copy - 4, 23)})


def test_one_flipped_byte_anywhere_in_the_header_or_its_copy_loses_nothing(v2_capture, reference, tmp_path):
    offsets = _header_offsets(v2_capture)
    assert len(offsets) > 100
    for off in offsets:
        rec, caught = _read_quiet(_flipped(v2_capture, tmp_path / "f.skr", off))
        _same(rec, reference)
        assert all(issubclass(w.category, CaptureDamagedWarning) for w in caught), (off, caught)


def _device_info_records(path: Path):
    return [
        r
        for r in CaptureReader(path).records()
        if r.kind == REC_RX and any(isinstance(p, DeviceInfo) for p in packets_of(r.data))
    ]


def test_one_flipped_byte_in_a_sides_device_info_record_costs_that_record_only(
    v2_capture, reference, tmp_path
):
    infos = _device_info_records(v2_capture)
    assert {r.stream for r in infos} == {0, 1}
    for r in infos:
        for off in range(r.offset, r.offset + RECORD_OVERHEAD + len(r.data)):
            rec, caught = _read_quiet(_flipped(v2_capture, tmp_path / "d.skr", off))
            _same(rec, reference)  # every sample of that side is still there
            assert any(issubclass(w.category, CaptureDamagedWarning) for w in caught), off


def test_an_intact_record_between_two_damaged_ones_is_kept(v2_capture, tmp_path):
    reader = CaptureReader(v2_capture)
    recs = list(reader.records())
    k = len(recs) // 2
    a, b, c = recs[k - 1], recs[k], recs[k + 1]
    data = bytearray(v2_capture.read_bytes())
    data[a.offset + RECORD_OVERHEAD - 4 + len(a.data) - 1] ^= 0xFF  # the record before: its payload
    data[c.offset + 13] ^= 0xFF  # the record after
    path = tmp_path / "two.skr"
    path.write_bytes(bytes(data))
    with pytest.warns(CaptureDamagedWarning):
        got = list(CaptureReader(path).records())
    offsets = [r.offset for r in got]
    assert b.offset in offsets and a.offset not in offsets and c.offset not in offsets
    assert len(got) == len(recs) - 2


def test_a_capture_written_by_the_version_1_writer_reads_unchanged():
    reader = CaptureReader(V1_CAPTURE)
    assert reader.header["version"] == 1
    assert len(list(reader.records())) == 139 and reader.cut is None and reader.damaged == []
    rec, caught = _read_quiet(V1_CAPTURE)
    assert not caught and rec.n_frames == 51
    assert np.nansum(rec.left, dtype=np.float64) == pytest.approx(26976.879381565377, rel=1e-12)


@pytest.mark.parametrize(("path", "n_records"), [(V1_CAPTURE, 139), (V2_CAPTURE_NO_END, 141)])
def test_a_capture_written_before_end_records_reads_without_the_unfinished_warning(path, n_records):
    """Its header does not promise an end record, so ending without one says nothing."""
    reader = CaptureReader(path)
    assert "end_record" not in reader.header and not reader.expects_end
    assert len(list(reader.records())) == n_records
    assert reader.end is None and reader.unfinished is None and reader.cut is None
    rec, caught = _read_quiet(path)
    assert not caught and rec.n_frames == 51
    assert rec.metadata["capture_unfinished"] is None and rec.metadata["capture_end"] is None


def test_a_cut_capture_written_before_end_records_warns_of_the_cut_only(tmp_path):
    path = tmp_path / "cut.skr"
    path.write_bytes(V2_CAPTURE_NO_END.read_bytes()[:-5])
    reader = CaptureReader(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recs = list(reader.records())
    assert len(recs) == 140 and [w.category for w in caught] == [CaptureCutWarning]
    assert "cut at byte" in str(caught[0].message) and "without closing" not in str(caught[0].message)
    assert reader.cut is not None and reader.unfinished is None
