"""The binary-protocol stream decoder alone (issue 13's decoder seam): frames in, samples and decisions out.

No transport and no thread: frames are fed with their arrival times, as the reader would.
"""

from __future__ import annotations

import queue

import numpy as np
import pytest

from sensorkit.devices.binary_stream import BinaryStream
from sensorkit.devices.chunkqueue import ChunkReader, StreamEnd
from sensorkit.devices.tap import CaptureTap
from sensorkit.errors import DeviceError
from sensorkit.protocol import (
    Ack,
    CommandId,
    DeviceInfo,
    PressureSamples,
    Side,
    TimeSync,
    Units,
    encode_frame,
)

INFO = DeviceInfo(0, 7, (1, 0, 0), Side.RIGHT, 4, 12, Units.RAW_COUNTS, 0, 0, 100)


def stream() -> BinaryStream:
    tap = CaptureTap(0, lambda exc: None)
    tap.discard_prebuffer()
    return BinaryStream(url="test://", transport_name="test", side=None, layout=None, tap=tap)


def pressure(k: int, first: int, n: int = 5) -> bytes:
    values = (np.arange(n * 4, dtype=np.uint16).reshape(n, 4) + first) % 4096
    return encode_frame(PressureSamples(k, 1_000_000 + first * 10_000, first, 10_000_000, 12, values))


def test_identification_then_samples_numbered_and_timed():
    s = stream()
    out = s.feed(pressure(1, 0), 0.9)  # before DEVICE_INFO: held, not dropped
    assert out.parts == [] and s.has_held
    out = s.feed(encode_frame(INFO), 1.0)
    assert out.identified and s.side == "right" and s.info.sensor_count == 4
    assert len(out.parts) == 1 and out.parts[0][1].tolist() == [0, 1, 2, 3, 4]
    out = s.feed(pressure(2, 5) + pressure(3, 15), 1.1)  # samples 10-14 never arrive
    seq = np.concatenate([p[1] for p in out.parts])
    assert seq.tolist() == [5, 6, 7, 8, 9, 15, 16, 17, 18, 19]
    assert [(g["n_missing"], g["reason"]) for g in out.gaps] == [(5, "packet loss")]
    times = np.concatenate([p[0] for p in out.parts])
    assert np.all(np.diff(times) > 0)


def test_a_repeated_device_info_notification_is_not_a_reboot():
    s = stream()
    s.feed(encode_frame(INFO), 1.0)
    s.feed(pressure(1, 0), 1.05)
    out = s.feed(encode_frame(INFO), 1.2)  # the same frame again within 0.5 s (bleak/BlueZ)
    assert not out.rebooted and s.duplicates == 1


def test_an_unanswered_device_info_while_samples_flow_is_a_reboot_and_samples_wait_for_a_time_sync():
    s = stream()
    s.feed(encode_frame(INFO), 1.0)
    s.feed(pressure(1, 0), 1.05)
    out = s.feed(encode_frame(INFO), 3.0)  # seconds later, nobody asked: the board rebooted
    assert out.rebooted and not s.clock.synced
    out = s.feed(pressure(2, 0), 3.05)  # the new boot's first samples: held
    assert out.parts == [] and s.has_held
    out = s.feed(encode_frame(TimeSync(3, 0, 3_095_000, 1_000_000, 1_000_010)), 3.1)
    assert out.syncs == 1 and len(out.parts) == 1  # released, mapped by the sync
    assert [g["reason"] for g in out.gaps] == ["device restart"]


def test_an_ack_of_request_info_makes_the_next_device_info_its_answer_not_a_reboot():
    s = stream()
    s.feed(encode_frame(INFO), 1.0)
    s.feed(pressure(1, 0), 1.05)
    out = s.feed(encode_frame(Ack(9, 4, CommandId.REQUEST_INFO)), 2.0)
    assert len(out.replies) == 1 and out.replies[0].command_seq == 4
    out = s.feed(encode_frame(INFO), 2.1)
    assert not out.rebooted and out.identified


def test_a_layout_that_cannot_fit_the_device_is_an_error_not_samples():
    tap = CaptureTap(0, lambda exc: None)
    tap.discard_prebuffer()
    s = BinaryStream(url="test://", transport_name="test", side=None, layout="ref16", tap=tap)
    out = s.feed(encode_frame(INFO) + pressure(1, 0), 1.0)  # 4 channels, a 16-sensor layout
    assert isinstance(out.error, DeviceError) and out.parts == []


def test_a_chunk_reader_keeps_an_error_met_by_drain_for_the_next_read():
    q: queue.Queue = queue.Queue()
    reader = ChunkReader(q, 1)
    q.put("chunk")  # any item that is not an end marker is a chunk to the reader
    q.put(StreamEnd(0, DeviceError("link lost")))
    assert reader.drain() == ["chunk"]
    with pytest.raises(DeviceError, match="link lost"):
        reader.read(timeout_s=0.1)
    with pytest.raises(StopIteration):
        reader.read(timeout_s=0.1)
