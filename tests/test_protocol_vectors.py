"""The Python codec against the committed golden vectors (firmware_protocol/vectors)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from protocol_helpers import (
    TOOLS_DIR,
    fields_to_packet,
    load_vectors,
    packet_to_fields,
)

from sensorkit.errors import ProtocolError
from sensorkit.protocol import (
    Decoder,
    ErrorCode,
    PacketType,
    decode_packet,
    encode_frame,
    encode_packet,
    parse_packet,
)

VECTORS = load_vectors()
FRAMES = [v for v in VECTORS if v["kind"] == "frame"]
VALID = [v for v in FRAMES if v["expect"]["ok"]]
INVALID = [v for v in FRAMES if not v["expect"]["ok"]]
STREAMS = [v for v in VECTORS if v["kind"] == "stream"]


def _ids(vectors: list[dict]) -> list[str]:
    return [v["name"] for v in vectors]


def test_vector_set_covers_the_spec():
    assert len(FRAMES) >= 30
    assert {v["expect"]["packet"]["type"] for v in VALID} == {t.name for t in PacketType}
    decodable = {c.value for c in ErrorCode} - {"INVALID_FIELD", "CSV_SYNTAX", "CSV_COLUMNS"}
    assert {v["expect"]["error"] for v in INVALID} == decodable
    bits = {v["expect"]["packet"]["bits"] for v in VALID if v["expect"]["packet"]["type"] == "PRESSURE"}
    assert bits == {12, 16}
    assert any(v["expect"]["packet"]["seq"] == 0xFFFF for v in VALID)
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)


def test_vectors_are_in_sync_with_generator():
    proc = subprocess.run(
        [sys.executable, str(TOOLS_DIR / "gen_vectors.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_valid_vector_decodes_and_reencodes(vector):
    frame = bytes.fromhex(vector["frame_hex"])
    raw = bytes.fromhex(vector["packet_hex"])
    expected = vector["expect"]["packet"]
    assert packet_to_fields(decode_packet(frame)) == expected
    assert packet_to_fields(parse_packet(raw)) == expected
    packet = fields_to_packet(expected)
    assert encode_packet(packet) == raw
    assert encode_frame(packet) == frame


@pytest.mark.parametrize("vector", INVALID, ids=_ids(INVALID))
def test_invalid_vector_gives_its_error_code(vector):
    frame = bytes.fromhex(vector["frame_hex"])
    with pytest.raises(ProtocolError) as info:
        decode_packet(frame)
    assert info.value.code.value == vector["expect"]["error"]


@pytest.mark.parametrize("vector", FRAMES, ids=_ids(FRAMES))
def test_streaming_decoder_matches_vector_bytewise(vector):
    frame = bytes.fromhex(vector["frame_hex"])
    decoder = Decoder()
    packets = []
    for i in range(len(frame)):
        packets += decoder.feed(frame[i : i + 1])
    if vector["expect"]["ok"]:
        assert [packet_to_fields(p) for p in packets] == [vector["expect"]["packet"]]
        assert decoder.stats.errors == 0
    else:
        assert packets == []
        assert [e.code.value for e in decoder.recent_errors] == [vector["expect"]["error"]]
        assert decoder.stats.errors_by_code == {vector["expect"]["error"]: 1}


@pytest.mark.parametrize("vector", STREAMS, ids=_ids(STREAMS))
@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_stream_vectors(vector, chunk):
    data = bytes.fromhex(vector["stream_hex"])
    decoder = Decoder()
    packets = []
    for i in range(0, len(data), chunk):
        packets += decoder.feed(data[i : i + chunk])
    expect = vector["expect"]
    assert [packet_to_fields(p) for p in packets] == expect["packets"]
    assert [e.code.value for e in decoder.recent_errors] == expect["errors"]
    stats = decoder.stats.as_dict()
    assert {k: stats[k] for k in expect["stats"]} == expect["stats"]
