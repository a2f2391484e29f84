"""The incremental Decoder: resynchronisation, error accounting, sequence tracking."""

from __future__ import annotations

import numpy as np

from sensorkit.protocol import (
    Ack,
    Decoder,
    ErrorCode,
    PressureSamples,
    Status,
    StatusFlags,
    encode_frame,
)


def _status(seq: int) -> bytes:
    return encode_frame(Status(seq, 0, 50, 0, StatusFlags.NONE, True))


def _pressure(seq: int, first: int, n: int = 2) -> bytes:
    return encode_frame(PressureSamples(seq, 0, first, 1000, 16, np.ones((n, 3), np.uint16)))


def test_sequence_gaps_wrap_and_resets():
    d = Decoder()
    seqs = [65533, 65534, 65535, 0, 1, 5, 6, 2, 3, 3]
    out = d.feed(b"".join(_status(s) for s in seqs))
    assert [p.seq for p in out] == seqs
    s = d.stats
    assert (s.seq_gaps, s.missing_packets) == (1, 3)  # 1 -> 5
    assert s.seq_resets == 2  # 6 -> 2 (backwards) and 3 -> 3 (repeat)
    assert s.packets_ok == 10 and s.errors == 0


def test_sample_gaps_with_wrap():
    d = Decoder()
    d.feed(_pressure(0, 2**32 - 2) + _pressure(1, 0) + _pressure(2, 2) + _pressure(3, 7))
    assert (d.stats.sample_gaps, d.stats.missing_samples) == (1, 3)
    assert d.stats.seq_gaps == 0


def test_garbage_without_delimiter_is_one_oversize_error_in_any_chunking():
    garbage = bytes(range(1, 256)) * 8
    stream = _status(1) + garbage + b"\x00" + _status(2)
    for chunk in (1, 100, len(stream)):
        d = Decoder()
        out = []
        for i in range(0, len(stream), chunk):
            out += d.feed(stream[i : i + chunk])
        assert [p.seq for p in out] == [1, 2]
        assert d.stats.errors_by_code == {"OVERSIZE": 1}
        assert d.stats.framing_errors == 1 and d.stats.frames == 3
        assert d.recent_errors[0].offset == len(_status(1))
        assert d.pending_bytes == 0


def test_error_offsets_and_counters():
    good = _status(1)
    bad = bytearray(_status(2))
    bad[5] ^= 0x80  # corrupt a payload byte: CRC error
    stream = good + bytes(bad) + b"\x07\x00" + _status(3)
    d = Decoder()
    out = d.feed(bytearray(stream))
    assert [p.seq for p in out] == [1, 3]
    assert [(e.code, e.offset) for e in d.recent_errors] == [
        (ErrorCode.BAD_CRC, len(good)),
        (ErrorCode.BAD_COBS, len(good) + len(bad)),
    ]
    s = d.stats
    assert (s.crc_errors, s.framing_errors, s.content_errors) == (1, 1, 0)
    assert s.bytes_in == len(stream)
    assert (s.seq_gaps, s.missing_packets) == (1, 1)


def test_partial_frame_is_held_until_its_delimiter():
    frame = encode_frame(Ack(1, 2, 3))
    d = Decoder()
    assert d.feed(memoryview(frame[:-1])) == []
    assert d.pending_bytes == len(frame) - 1
    assert d.feed(b"\x00") == [Ack(1, 2, 3)]
    assert d.pending_bytes == 0


def test_recent_errors_are_bounded():
    d = Decoder(max_recent_errors=3)
    d.feed(b"\x09\x00" * 10)
    assert len(d.recent_errors) == 3
    assert d.stats.errors_by_code == {"BAD_COBS": 10}
