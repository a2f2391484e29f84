"""Property-based robustness tests of the codec (hypothesis, bounded for CI)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_helpers import packet_strategy, packet_to_fields, same_packet

from sensorkit.errors import ProtocolError
from sensorkit.protocol import (
    CsvLineDecoder,
    Decoder,
    decode_packet,
    encode_frame,
    pack_values,
    parse_packet,
    unpack_values,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _feed_chunks(data: bytes, cuts: list[int]) -> tuple[list, Decoder]:
    decoder = Decoder()
    edges = [0, *sorted({c % (len(data) + 1) for c in cuts}), len(data)]
    out = []
    for a, b in pairwise(edges):
        out += decoder.feed(data[a:b])
    return out, decoder


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data):
    decoder = Decoder()
    packets = decoder.feed(data)
    assert decoder.stats.bytes_in == len(data)
    assert decoder.stats.packets_ok == len(packets)
    assert decoder.stats.frames == decoder.stats.packets_ok + decoder.stats.errors
    CsvLineDecoder().feed(data)
    for candidate in (data, data[:600]):
        try:
            decode_packet(candidate)
        except ProtocolError:
            pass
        try:
            parse_packet(candidate)
        except ProtocolError:
            pass


@SETTINGS
@given(packet_strategy)
def test_round_trip_every_packet_type(packet):
    frame = encode_frame(packet)
    assert frame.endswith(b"\x00") and frame.count(0) == 1
    assert same_packet(decode_packet(frame), packet)
    (streamed,) = Decoder().feed(frame)
    assert same_packet(streamed, packet)


@SETTINGS
@given(
    st.lists(packet_strategy, min_size=1, max_size=6),
    st.lists(st.binary(max_size=40), max_size=6),
    st.lists(st.integers(0, 10**6), max_size=20),
)
def test_chunking_is_invisible(packets, garbage, cuts):
    parts = [encode_frame(p) for p in packets]
    for i, g in enumerate(garbage):
        parts.insert(i * 2 % (len(parts) + 1), g)
    data = b"".join(parts)
    whole, d_whole = _feed_chunks(data, [])
    chunked, d_chunked = _feed_chunks(data, cuts)
    bytewise, d_bytes = _feed_chunks(data, list(range(len(data))))
    ref = [packet_to_fields(p) for p in whole]
    assert [packet_to_fields(p) for p in chunked] == ref
    assert [packet_to_fields(p) for p in bytewise] == ref
    assert d_whole.stats == d_chunked.stats == d_bytes.stats
    assert [str(e) for e in d_whole.recent_errors] == [str(e) for e in d_bytes.recent_errors]


def _spans(frames: list[bytes]) -> list[tuple[int, int]]:
    spans, at = [], 0
    for f in frames:
        spans.append((at, at + len(f)))
        at += len(f)
    return spans


def _is_subsequence(needles: list, haystack: list) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


@SETTINGS
@given(
    st.lists(packet_strategy, min_size=2, max_size=6),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=30)), max_size=3),
    st.booleans(),
)
def test_corruption_only_loses_touched_packets(packets, edits, overwrite):
    frames = [encode_frame(p) for p in packets]
    spans = _spans(frames)
    data = bytearray(b"".join(frames))
    touched: set[int] = set()
    # Apply edits from the back so earlier positions stay valid.
    for pos, blob in sorted(((p % len(data), b) for p, b in edits), reverse=True):
        if overwrite:
            end = min(pos + len(blob), len(data))
            data[pos:end] = blob[: end - pos]
            hit = range(pos, end)
        else:
            data[pos:pos] = blob
            hit = range(pos, pos + 1)
        for k, (a, b) in enumerate(spans):
            if any(a <= h < b for h in hit):
                touched.add(k)
                # Overwriting a frame's delimiter merges it with the next frame.
                if overwrite and b - 1 in hit and k + 1 < len(spans):
                    touched.add(k + 1)
    decoded = Decoder().feed(bytes(data))
    survivors = [packet_to_fields(p) for k, p in enumerate(packets) if k not in touched]
    assert _is_subsequence(survivors, [packet_to_fields(p) for p in decoded])


@SETTINGS
@given(st.integers(1, 323), st.integers(0, 7), st.integers(0, 2**32 - 1))
def test_12bit_packing_is_a_little_endian_bit_stream(count, offset, seed):
    values = np.random.default_rng(seed).integers(0, 4096, count)
    packed = pack_values(values, 12)
    assert len(packed) == (3 * count + 1) // 2
    stream = int.from_bytes(packed, "little")
    assert [(stream >> (12 * i)) & 0xFFF for i in range(count)] == values.tolist()
    assert stream >> (12 * count) == 0  # padding bits are zero
    buf = bytearray(b"\xaa" * offset) + packed + b"\xbb\xbb"
    assert unpack_values(buf, offset, count, 12).tolist() == values.tolist()
