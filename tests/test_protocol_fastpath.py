"""The compiled PRESSURE path (sensorkit.protocol.fastpath) against the reference path
(``cobs_decode`` + ``parse_packet``, written from PROTOCOL.md): on valid packets of every
width, shape and header value, and on damaged and foreign frames, it either gives the very
packet the reference gives or leaves the frame to it; and it accepts every PRESSURE packet the
reference accepts (time stamps below 2**63)."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit.protocol import (
    Decoder,
    PacketError,
    PressureSamples,
    Status,
    cobs_decode,
    encode_frame,
    parse_packet,
)
from sensorkit.protocol.codec import max_pressure_samples
from sensorkit.protocol.fastpath import (
    HEAD_COLUMNS,
    _frame_py,
    _frames_py,
    decode_pressure_frame,
    decode_pressure_frames,
)


def _reference(body: bytes):
    try:
        return parse_packet(cobs_decode(body))
    except PacketError:
        return None


def _packets(rng: np.random.Generator) -> list[PressureSamples]:
    out = []
    for bits in (12, 16):
        for channels in (1, 3, 4, 16, 64):
            most = max_pressure_samples(channels, bits)
            for count in sorted({1, 2, 3, most, int(rng.integers(1, most + 1))}):
                values = rng.integers(0, 1 << bits, (count, channels), dtype=np.uint16)
                if rng.random() < 0.3:
                    values[:] = 0  # swing: long COBS runs of zeros
                seq = int(rng.integers(0, 1 << 16))
                t0 = int(rng.choice([0, 1, (1 << 63) - 1, int(rng.integers(0, 1 << 62))]))
                first = int(rng.integers(0, 1 << 32))
                period = int(rng.integers(1, 1 << 32))
                out.append(PressureSamples(seq, t0, first, period, bits, values))
    return out


def _same(head, values: np.ndarray, ref: PressureSamples) -> None:
    ok, seq, t0, first, period, bits, channels, count = head[:8]
    assert ok == 1
    # Python ints, as the reference's struct unpacking gives (a float seq broke re-encoding)
    assert all(type(x) is int for x in head), [type(x) for x in head]
    assert (seq, t0, first, period, bits) == (
        ref.seq,
        ref.t0_us,
        ref.first_sample_seq,
        ref.period_ns,
        ref.bits,
    )
    assert (count, channels) == ref.values.shape
    np.testing.assert_array_equal(values[: count * channels].reshape(count, channels), ref.values)


@pytest.mark.parametrize("seed", [0, 1])
def test_valid_pressure_packets_decode_as_the_reference_decodes_them(seed):
    rng = np.random.default_rng(seed)
    for packet in _packets(rng):
        body = encode_frame(packet)[:-1]
        ref = _reference(body)
        assert isinstance(ref, PressureSamples)
        head, values = decode_pressure_frame(body, len(body))
        _same(head, values, ref)
    # and through the decoder, whole chunks and one frame a feed
    stream = b"".join(encode_frame(p) for p in _packets(rng))
    for chunks in ([stream], [f + b"\x00" for f in stream.split(b"\x00")[:-1]]):
        decoder = Decoder()
        for packet in (p for c in chunks for p in decoder.feed(c)):
            fields = (packet.seq, packet.t0_us, packet.first_sample_seq, packet.period_ns, packet.bits)
            assert all(type(x) is int for x in fields)


def _damaged(rng: np.random.Generator) -> list[bytes]:
    bodies = []
    for packet in _packets(rng)[:40]:
        body = encode_frame(packet)[:-1]
        bodies.append(body)  # undamaged
        for _ in range(6):
            b = bytearray(body)
            kind = rng.integers(0, 4)
            i = int(rng.integers(0, len(b)))
            if kind == 0:
                b[i] ^= int(rng.integers(1, 256))  # a flipped byte (CRC, header, COBS code)
            elif kind == 1:
                del b[i:]  # cut short
            elif kind == 2:
                b[i] = 0  # a delimiter inside
            else:
                b += bytes(rng.integers(1, 256, int(rng.integers(1, 4)), dtype=np.uint8))  # extra bytes
            bodies.append(bytes(b))
    # foreign and edge frames: another packet type, an odd 12-bit count with a set padding nibble,
    # a time stamp of 2**63 and above (left to the reference path), oversize, empty
    bodies.append(encode_frame(Status(7, 5, 50, 2000, 0, True))[:-1])
    odd = PressureSamples(1, 5, 0, 1000, 12, np.full((1, 3), 0xFFF, np.uint16))
    raw = bytearray(cobs_decode(encode_frame(odd)[:-1]))
    raw[-3] |= 0xF0  # the padding nibble after the third value (the CRC is then wrong too)
    bodies.append(bytes(raw))  # not COBS-encoded: rejected either way
    for t0 in (1 << 63, (1 << 64) - 1):
        bodies.append(encode_frame(PressureSamples(2, t0, 0, 1000, 16, np.ones((2, 4), np.uint16)))[:-1])
    bodies += [b"\x01" * 700, b""]
    return bodies


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_damaged_and_foreign_frames_are_left_to_the_reference_path_or_decoded_as_it_does(seed):
    rng = np.random.default_rng(seed)
    accepted = left = 0
    for body in _damaged(rng):
        ref = _reference(body)
        head, values = decode_pressure_frame(body, len(body))
        if head[0]:
            accepted += 1
            assert isinstance(ref, PressureSamples), body
            _same(head, values, ref)
        else:
            left += 1
            # left only when the reference rejects it, names another type, or t0 >= 2**63
            assert not isinstance(ref, PressureSamples) or ref.t0_us >= 1 << 63, body
    assert accepted == 40 and left > 200  # the undamaged ones, and none of the damaged


def test_a_time_stamp_of_2_63_or_more_goes_to_the_reference_path_which_reads_it():
    for t0 in (1 << 63, (1 << 64) - 1):
        body = encode_frame(PressureSamples(2, t0, 0, 1000, 16, np.ones((2, 4), np.uint16)))[:-1]
        assert decode_pressure_frame(body, len(body))[0][0] == 0
        assert _reference(body).t0_us == t0


def test_the_batch_kernel_equals_one_frame_at_a_time_and_the_python_loops():
    rng = np.random.default_rng(5)
    bodies = [encode_frame(p)[:-1] for p in _packets(rng)] + [
        b for b in _damaged(rng)[:80] if 0 not in b and b
    ]
    stream = b"\x00".join(bodies) + b"\x00"
    arr = np.frombuffer(stream, np.uint8)
    ends = np.flatnonzero(arr == 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    head, values = decode_pressure_frames(arr, starts, ends)
    assert head.shape == (len(bodies), len(HEAD_COLUMNS))
    for row, body in zip(head.tolist(), bodies, strict=True):
        one, one_values = decode_pressure_frame(body, len(body))
        assert row[0] == one[0]
        if row[0]:
            assert tuple(row[:8]) == tuple(one)
            m = row[6] * row[7]
            np.testing.assert_array_equal(values[row[8] : row[8] + m], one_values[:m])
    # the same functions run as plain Python (what Numba compiles) give the same table
    import sensorkit.protocol.fastpath as fp

    py_head = np.empty_like(head)
    py_values = np.empty(arr.shape[0], np.uint16)
    compiled = fp._frame
    fp._frame = _frame_py
    try:
        used = _frames_py(arr, starts, ends, np.empty(600, np.uint8), py_values, py_head)
    finally:
        fp._frame = compiled
    ok = head[:, 0] == 1
    np.testing.assert_array_equal(py_head[:, 0], head[:, 0])
    np.testing.assert_array_equal(py_head[ok], head[ok])
    np.testing.assert_array_equal(py_values[:used], values)


def test_an_empty_chunk_is_not_a_frame():
    # regression: the one-whole-frame shortcut took b"" (find -1 == len - 1) for an empty frame
    from sensorkit.protocol import Decoder

    decoder = Decoder()
    assert decoder.feed(b"") == [] and decoder.feed(b"\x00") == []
    assert decoder.stats.frames == 0 and decoder.stats.errors == 0


def test_packets_kept_from_a_large_chunk_do_not_hold_the_chunk_s_value_buffer():
    # the kernel's value buffer has room for 2 bytes per input byte; a kept packet's values
    # are a view of the used part only (a reviewer found 2.5 MB pinned by one 128-value packet)
    from sensorkit.protocol import Decoder

    filler = encode_frame(Status(1, 5, 50, 2000, 0, True)) * 20_000  # 20 k frames, no values
    one = encode_frame(PressureSamples(2, 0, 0, 1000, 16, np.ones((8, 16), np.uint16)))
    packets = Decoder().feed(filler + one + filler)
    kept = next(p for p in packets if isinstance(p, PressureSamples))
    owner = kept.values.base if kept.values.base is not None else kept.values
    assert owner.nbytes <= 2 * 8 * 16 * 2


def test_without_numba_the_one_frame_path_gives_python_ints_too(monkeypatch):
    import sensorkit.protocol.fastpath as fp

    body = encode_frame(PressureSamples(3, 7, 9, 1000, 12, np.full((2, 3), 5, np.uint16)))[:-1]
    monkeypatch.setattr(fp, "_one", fp._one_plain)
    monkeypatch.setattr(fp, "_frame", _frame_py)
    head, values = decode_pressure_frame(body, len(body))
    assert head[:8] == (1, 3, 7, 9, 1000, 12, 3, 2) and all(type(x) is int for x in head)
    np.testing.assert_array_equal(values[:6], 5)


def test_an_oversize_single_frame_goes_to_the_reference_path_without_a_buffer():
    head, values = decode_pressure_frame(b"\x01" * 5000, 5000)
    assert head[0] == 0 and values.size == 0
