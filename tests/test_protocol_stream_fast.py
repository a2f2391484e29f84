"""The decoder's short path for one frame per feed (a BLE notification), and the packets it
builds without PressureSamples.__init__ (issue 17, goal 7): same packets, still frozen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sensorkit.protocol import Decoder, PressureSamples, Status, StatusFlags, encode_frame
from sensorkit.protocol.stream import _PRESSURE_FIELDS, _pressure_samples


def _fields(packet) -> dict:
    return {f.name: getattr(packet, f.name) for f in dataclasses.fields(packet)}


def _same(a, b) -> None:
    assert type(a) is type(b)
    fa, fb = _fields(a), _fields(b)
    assert fa.keys() == fb.keys()
    for name in fa:
        if isinstance(fa[name], np.ndarray):
            assert fa[name].dtype == fb[name].dtype and fa[name].shape == fb[name].shape
            np.testing.assert_array_equal(fa[name], fb[name])
        else:
            assert fa[name] == fb[name] and type(fa[name]) is type(fb[name]), name


def test_the_slot_setters_follow_the_dataclass_fields():
    assert _PRESSURE_FIELDS == tuple(f.name for f in dataclasses.fields(PressureSamples))
    # the decoder skips __init__: a check added there would not run for decoded packets
    assert not hasattr(PressureSamples, "__post_init__")


def test_a_packet_built_from_its_slots_is_the_dataclass_one_and_stays_frozen():
    values = np.arange(12, dtype=np.uint16).reshape(3, 4)
    fast = _pressure_samples(7, 123_456, 2**32 - 1, 1_000_000, 12, values)
    plain = PressureSamples(7, 123_456, 2**32 - 1, 1_000_000, 12, values)
    _same(fast, plain)
    assert repr(fast) == repr(plain)
    assert (fast.n_samples, fast.n_channels) == (3, 4)
    np.testing.assert_array_equal(fast.sample_seq, plain.sample_seq)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.seq = 8
    _same(dataclasses.replace(fast, seq=8), PressureSamples(8, 123_456, 2**32 - 1, 1_000_000, 12, values))


def _stream(rng: np.random.Generator) -> list[bytes]:
    """Frames of both widths, odd counts, a STATUS packet, a damaged frame and a sequence gap."""
    frames = []
    for k in range(40):
        bits = 12 if k % 3 else 16
        count, channels = int(rng.integers(1, 9)), int(rng.integers(1, 17))
        values = rng.integers(0, 4096 if bits == 12 else 65536, (count, channels)).astype(np.uint16)
        seq = k + (5 if k >= 30 else 0)
        frames.append(encode_frame(PressureSamples(seq, 1000 * k, 10 * k, 1_000_000, bits, values)))
    frames[12] = encode_frame(Status(12, 0, 50, 0, StatusFlags.NONE, True))
    damaged = bytearray(frames[20])
    damaged[len(damaged) // 2] ^= 0x10  # a CRC error (or a framing one), never a packet
    frames[20] = bytes(damaged)
    return frames


def test_one_frame_per_feed_gives_what_one_feed_of_the_stream_gives():
    frames = _stream(np.random.default_rng(5))
    one_by_one = Decoder()
    got = [p for f in frames for p in one_by_one.feed(f)]
    whole = Decoder()
    want = whole.feed(b"".join(frames))
    assert len(got) == len(want) == 39
    for a, b in zip(got, want, strict=True):
        _same(a, b)
    assert one_by_one.stats == whole.stats
    # the damaged frame and the five skipped sequence numbers
    assert one_by_one.stats.errors == 1 and one_by_one.stats.missing_packets == 1 + 5
    assert [e.offset for e in one_by_one.recent_errors] == [e.offset for e in whole.recent_errors]
    # the values are the encoded ones, as read by the reference codec
    packets = [p for p in got if isinstance(p, PressureSamples)]
    assert isinstance(packets[0].seq, int) and packets[0].values.flags.c_contiguous
