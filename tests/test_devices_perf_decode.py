"""The ingest hot paths agree with their references (correctness only, no timing).

* ``cobs_decode_fast`` (compiled loop) == ``cobs_decode`` (reference), None where it raises;
* the decoder's inline PRESSURE path gives the same packets, statistics and errors as the
  reference path (``cobs_decode`` + ``parse_packet``) on a stream with every kind of damage;
* the device's cached sample-time offsets give the times of ``PressureSamples.timestamps_us``.
"""

from __future__ import annotations

import queue

import numpy as np
import pytest

import sensorkit.protocol.stream as stream_mod
from sensorkit.devices.device import Device
from sensorkit.devices.transport import Transport
from sensorkit.protocol import (
    Ack,
    CommandId,
    Decoder,
    DeviceInfo,
    PacketError,
    PressureSamples,
    Side,
    Status,
    TimeSync,
    Units,
    cobs_decode,
    cobs_encode,
    encode_frame,
)
from sensorkit.protocol.cobs import _cobs_kernel_py, cobs_decode_fast


def _reference(body: bytes) -> bytes | None:
    try:
        return bytes(cobs_decode(body))
    except PacketError:
        return None


def _bodies(rng: np.random.Generator) -> list[bytes]:
    out = []
    for size in [0, 1, 2, 253, 254, 255, 507, 508, 509, 600, *rng.integers(0, 520, 200)]:
        for zero_p in (0.0, 0.02, 0.3):
            raw = rng.integers(1, 256, int(size), dtype=np.uint8)
            raw[rng.random(int(size)) < zero_p] = 0
            enc = cobs_encode(raw.tobytes())
            out.append(enc)
            if enc:  # damage: flip a byte, cut the end, replace a byte with 0x00
                i = int(rng.integers(0, len(enc)))
                flipped = bytearray(enc)
                flipped[i] ^= int(rng.integers(1, 256))
                out += [bytes(flipped), enc[:-1], enc[:i] + b"\x00" + enc[i + 1 :]]
    # the non-canonical form (254-byte run followed by an empty 0x01 block) is accepted
    out.append(b"\xff" + bytes(range(1, 255)) + b"\x01")
    out += [b"\x05ab", b"\x01\x01\x01", b"\x02a\x00", b"\x00"]
    return out


def test_compiled_cobs_decode_matches_the_reference():
    for body in _bodies(np.random.default_rng(1)):
        ref = _reference(body)
        fast = cobs_decode_fast(body)
        assert (None if fast is None else bytes(fast)) == ref, body[:16]
        # the Python body of the kernel is the same function
        out = np.zeros(max(len(body), 1), np.uint8)
        n = _cobs_kernel_py(np.frombuffer(body, np.uint8), out)
        assert (None if n < 0 else out[:n].tobytes()) == ref


def _stream(rng: np.random.Generator) -> bytes:
    frames = []
    for k in range(300):
        bits = 12 if k % 3 == 0 else 16
        n, s = int(rng.integers(1, 8)), int(rng.integers(1, 32))
        vals = rng.integers(0, 1 << bits, (n, s), dtype=np.uint16)
        frames.append(encode_frame(PressureSamples(k % 65536, 1000 * k, 7 * k, 1_000_000, bits, vals)))
        if k % 17 == 0:
            frames.append(encode_frame(TimeSync(k, k, 10 * k, 10 * k + 3, 10 * k + 5)))
        if k % 29 == 0:
            frames.append(
                encode_frame(DeviceInfo(k, 9, (1, 2, 3), Side.LEFT, 16, 12, Units.NEWTON, 0, 0, 100))
            )
            frames.append(encode_frame(Ack(k, k, CommandId.START)))
            frames.append(encode_frame(Status(k, 5, 50, 2000, 0, True)))
    damaged = []
    for f in frames:
        r = rng.random()
        if r < 0.04:  # bad CRC
            g = bytearray(f)
            g[len(g) // 2] = (g[len(g) // 2] % 255) + 1
            f = bytes(g)
        elif r < 0.06:  # truncated
            f = f[: len(f) // 2] + b"\x00"
        elif r < 0.07:  # garbage
            f = rng.integers(1, 256, 40, dtype=np.uint8).tobytes() + b"\x00"
        elif r < 0.08:  # oversize
            f = b"\x01" * 700 + b"\x00"
        damaged.append(f)
    return b"".join(damaged)


def _decode(data: bytes, chunks: list[int]) -> tuple[list, dict, list]:
    dec = Decoder()
    packets, at = [], 0
    for c in chunks:
        packets += dec.feed(data[at : at + c])
        at += c
    packets += dec.feed(data[at:])
    return packets, dec.stats.as_dict(), [(e.code, e.offset, str(e)) for e in dec.recent_errors]


def _same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        assert type(p) is type(q)
        if isinstance(p, PressureSamples):
            assert (p.seq, p.t0_us, p.first_sample_seq, p.period_ns, p.bits) == (
                q.seq, q.t0_us, q.first_sample_seq, q.period_ns, q.bits)  # fmt: skip
            assert p.values.dtype == q.values.dtype and np.array_equal(p.values, q.values)
            assert p.values.flags.owndata or p.values.base is not None
        else:
            assert p == q


def _nothing_compiled(buf, starts, ends):
    return np.zeros((starts.shape[0], 9), dtype=np.int64), np.zeros(0, dtype=np.uint16)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_decoder_path_matches_the_reference_path(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    data = _stream(rng)
    chunks = [int(x) for x in rng.integers(1, 900, 200)]
    fast = _decode(data, chunks)
    # reference path only: no compiled PRESSURE frames, no compiled COBS
    monkeypatch.setattr(stream_mod, "decode_pressure_frames", _nothing_compiled)
    monkeypatch.setattr(stream_mod, "cobs_decode_fast", lambda body: None)
    ref = _decode(data, chunks)
    _same(fast[0], ref[0])
    assert fast[1] == ref[1]
    assert fast[2] == ref[2]
    assert fast[1]["crc_errors"] and fast[1]["framing_errors"] and fast[1]["packets_ok"] > 250


class _Null(Transport):
    name = "null"

    def open(self) -> None:
        pass

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        return b"", 0.0

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("synced", [False, True])
def test_cached_sample_offsets_give_the_packet_timestamps(synced):
    dev = Device(_Null(), url="null://", sink=queue.Queue())
    dev.discard_prebuffer()
    dev.ingest(encode_frame(DeviceInfo(0, 1, (1, 0, 0), Side.LEFT, 4, 12, Units.RAW_COUNTS, 0, 0, 1000)), 0.5)
    if synced:
        dev.ingest(encode_frame(TimeSync(1, 0, 999_000, 1_000_000, 1_000_010)), 1.0)
    rng = np.random.default_rng(3)
    first, t0 = 0, 1_000_000
    for k in range(60):
        n = int(rng.integers(1, 12))
        period = int(rng.choice([1_000_000, 333_333, 1_234_567]))
        p = PressureSamples(k + 2, t0, first, period, 16, rng.integers(0, 4096, (n, 4), dtype=np.uint16))
        expected = dev.clock.to_host_s(p.timestamps_us) if synced else None
        # each packet arrives 1 ms after its last sample (a sample mapped after its arrival
        # would lower the clock's offset: ClockMap.add_packet)
        arrival = float(expected[-1]) + 0.001 if synced else 1.0 + 0.01 * k
        dev.ingest(encode_frame(p), arrival)
        chunk = dev.sink.get_nowait()
        if synced:
            assert np.array_equal(chunk.time, expected)
        assert np.array_equal(chunk.seq, np.arange(first, first + n))
        assert dev._bin._seq._last_dev_us == int(p.timestamps_us[-1])
        first += n
        t0 = int(p.timestamps_us[-1]) + period // 1000
