"""The binary-protocol stream decoder alone (issue 13's decoder seam): frames in, samples and decisions out.

No transport and no thread: frames are fed with their arrival times, as the reader would.
"""

from __future__ import annotations

import queue
import time

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.devices.binary_stream import BinaryStream
from sensorkit.devices.capture import CaptureWriter
from sensorkit.devices.chunkqueue import ChunkReader, StreamEnd
from sensorkit.devices.device import Device
from sensorkit.devices.tap import CaptureTap
from sensorkit.devices.transport import EndOfStream, LinkLost, Transport, host_time
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


class ScriptedLink(Transport):
    """A live link that delivers scripted reads, then loses the link once, then delivers more.

    Writes (the device's commands) are accepted and ignored: the test is about what is received.
    """

    name = "scripted"
    live = True

    def __init__(self, script: list) -> None:
        self.script = list(script)

    def open(self) -> None:
        pass

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        if not self.script:
            raise EndOfStream
        item = self.script.pop(0)
        if item is LinkLost:
            raise LinkLost("scripted unplug")
        time.sleep(0.01)
        return item, host_time()

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_frame_cut_by_a_lost_link_replays_exactly_as_live(tmp_path):
    # the link drops half-way through a frame; after the reconnect the next frame arrives whole:
    # live, the cut frame is dropped with the link; the replay must drop it too (it used to be
    # recorded after the link_lost event, and the replay glued it onto the next frame)
    f2 = pressure(2, 5)
    script = [encode_frame(INFO) + pressure(1, 0) + f2[: len(f2) // 2], LinkLost, pressure(3, 15)]
    path = tmp_path / "cut.skr"
    dev = Device(ScriptedLink(script), url="scripted://", reconnect=True, batch_s=0.0)
    with CaptureWriter(path, header={"streams": [{"stream": 0, "url": "scripted://"}]}) as writer:
        dev.attach_capture(writer)
        dev.open(start=False)
        live = []
        try:
            while True:
                chunk = dev.read(timeout_s=2.0)
                assert chunk is not None
                live.append(chunk)
        except StopIteration:
            pass
        dev.close()
    assert np.concatenate([c.seq for c in live]).tolist() == [0, 1, 2, 3, 4, 15, 16, 17, 18, 19]
    with sk.open(f"replay://{path}?speed=0") as replay:
        again = list(replay)
    assert np.concatenate([c.seq for c in again]).tolist() == [0, 1, 2, 3, 4, 15, 16, 17, 18, 19]
    np.testing.assert_array_equal(
        np.concatenate([c.values for c in again]), np.concatenate([c.values for c in live])
    )
    assert again[-1].stats.framing_errors == live[-1].stats.framing_errors == 0
