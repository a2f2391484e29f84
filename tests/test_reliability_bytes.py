"""Every received byte is written: garbage at a high rate and the half-frame cut by a closing peer."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest
from reliability_helpers import close_orderly

import sensorkit as sk
from sensorkit.devices.firmware import SimFirmware, SimParams, serve_socket
from sensorkit.devices.framing import MAX_SEGMENT, Framer
from sensorkit.errors import DeviceError
from sensorkit.io.capture import REC_RX, CaptureReader, CaptureWriter

GARBAGE_PER_WRITE = 1 << 20  # bytes of delimiter-free garbage after each firmware write


class GarbageGateway:
    """A loopback TCP insole that sends its frames plus 1 MiB of garbage per write, then half a frame."""

    def __init__(self, seconds: float) -> None:
        self.firmware = SimFirmware(SimParams(seed=5))
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sent = 0
        self.half = b""
        self.seconds = seconds
        self._rng = np.random.default_rng(7)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _mangle(self, out: bytes) -> bytes:
        garbage = self._rng.integers(1, 256, GARBAGE_PER_WRITE, dtype=np.uint8).tobytes()  # no 0x00
        data = out + garbage + b"\x00"
        self.sent += len(data)
        return data

    def _run(self) -> None:
        conn, _ = self.server.accept()
        stop = threading.Event()
        threading.Timer(self.seconds, stop.set).start()
        serve_socket(self.firmware, conn, stop, self._mangle)
        out = self.firmware.output(time.monotonic() + 0.05) or b"\x05\x01\x02\x03\x04\x00"
        frame = out[: out.index(b"\x00")]  # one whole frame without its delimiter
        self.half = frame[: max(len(frame) // 2, 1)]
        conn.sendall(self.half)  # the peer closes in the middle of a packet
        self.sent += len(self.half)
        close_orderly(conn, self.server)  # FIN, reading what the host still sends


def test_garbage_at_a_high_rate_and_a_half_frame_at_close_every_byte_is_in_the_capture(tmp_path):
    gw = GarbageGateway(seconds=1.5)
    path = tmp_path / "g.skr"
    t0 = time.monotonic()
    session = sk.open(f"tcp://127.0.0.1:{gw.port}", record=path, handshake_timeout_s=5.0)
    samples = 0
    with pytest.raises(DeviceError, match="closed by the peer"):
        try:
            for chunk in session:
                samples += chunk.n
        finally:
            session.close()
    elapsed = time.monotonic() - t0
    gw.thread.join(timeout=5)
    received = session.devices[0].stats.bytes_in
    rx = [r.data for r in CaptureReader(path).records() if r.kind == REC_RX and r.stream == 0]
    in_capture = sum(len(d) for d in rx)
    assert received == gw.sent
    assert in_capture == received, f"{received - in_capture} of {received} received bytes not in the capture"
    assert rx[-1] == gw.half  # the half-frame pending at the close
    assert received / elapsed > 5e6  # a high rate: several MB/s of garbage
    print(
        f"{received} bytes in {elapsed:.2f} s ({received / elapsed / 1e6:.1f} MB/s), all {in_capture} in the capture"
    )
    assert samples > 50  # the insole's frames got through
    rec = sk.read(path)  # and the capture replays
    assert rec.n_frames >= samples


def test_a_replay_of_a_capture_holding_a_half_frame_gives_the_live_samples(tmp_path):
    gw = GarbageGateway(seconds=0.8)
    path = tmp_path / "g.skr"
    session = sk.open(f"tcp://127.0.0.1:{gw.port}", record=path, handshake_timeout_s=5.0)
    live = []
    with pytest.raises(DeviceError, match="closed by the peer"):
        try:
            for chunk in session:
                live.append(chunk.values)
        finally:
            session.close()
    with sk.open(f"replay://{path}?speed=0") as replay:
        again = [c.values for c in replay]
    np.testing.assert_array_equal(np.concatenate(again), np.concatenate(live))


def test_a_delimited_run_of_garbage_longer_than_a_record_is_cut_into_segments_and_kept():
    """A 70 kB run ending in a delimiter once crashed the reader (record payloads are u16)."""
    framer = Framer(b"\x00")
    assert framer.split(b"\x01" * 3000) == []
    segments = framer.split(b"\x02" * 70_000 + b"\x00\x03\x00")
    assert max(map(len, segments)) <= MAX_SEGMENT
    assert b"".join(segments) == b"\x01" * 3000 + b"\x02" * 70_000 + b"\x00\x03\x00"
    assert segments[-1] == b"\x03\x00"


def test_the_writer_stores_received_bytes_longer_than_a_record_as_several_records(tmp_path):
    path = tmp_path / "big.skr"
    blob = bytes(range(256)) * 600  # 153,600 bytes
    with CaptureWriter(path, {"streams": []}) as w:
        w.write(REC_RX, 0, 5.0, blob)
        assert w.n_records == 3
    recs = list(CaptureReader(path).records())
    assert [len(r.data) for r in recs] == [65535, 65535, 22530]
    assert b"".join(r.data for r in recs) == blob and {r.time_s for r in recs} == {5.0}
