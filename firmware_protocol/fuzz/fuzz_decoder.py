"""Coverage-guided fuzzing of the Python decoders with atheris (not part of the test suite).

Usage (atheris is a development tool, not a project dependency)::

    pip install atheris
    python firmware_protocol/fuzz/make_corpus.py /tmp/skp-corpus
    PYTHONPATH=. python firmware_protocol/fuzz/fuzz_decoder.py /tmp/skp-corpus \
        -max_total_time=180 -max_len=4096

Oracles checked on every input, beyond "only ProtocolError may escape":

* the streaming decoder gives the same packets and statistics whether the input
  is fed whole or in chunks (chunk size taken from the first byte);
* it gives exactly the packets and error codes that the strict ``decode_packet``
  gives for each 0x00-delimited frame;
* every packet accepted re-encodes to the exact raw bytes it came from (the wire
  format is canonical) and parses again to the same fields;
* the CSV-line decoder is chunk-invariant too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

# Numba compiles the COBS kernel from its Python bytecode; atheris's coverage hooks change
# that bytecode and Numba then fails with TypingError on the first input. The kernel is
# left uninstrumented (its Python twin is what Numba compiles, and the decoders around it
# are instrumented).
with atheris.instrument_imports(include=["sensorkit.protocol"], exclude=["sensorkit.protocol.cobs"]):
    from sensorkit.errors import ProtocolError
    from sensorkit.protocol import (
        CsvLineDecoder,
        Decoder,
        cobs_decode,
        decode_packet,
        encode_packet,
        parse_packet,
    )

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from vector_fields import packet_to_fields


def _chunked(decoder_type: type, data: bytes, size: int) -> tuple[list, object]:
    decoder = decoder_type()
    out = []
    for i in range(0, len(data), size):
        out.append(decoder.feed(data[i : i + size]))
    return out, decoder


def test_one_input(data: bytes) -> None:
    size = 1 + (data[0] if data else 0) % 64

    whole = Decoder(max_recent_errors=1 << 20)
    packets = whole.feed(data)
    parts, chunked = _chunked(Decoder, data, size)
    flat = [p for chunk in parts for p in chunk]
    assert [packet_to_fields(p) for p in flat] == [packet_to_fields(p) for p in packets]
    assert chunked.stats == whole.stats, (chunked.stats, whole.stats)

    # The streaming decoder must agree with the strict one applied frame by frame,
    # and every accepted packet must re-encode to exactly the bytes it came from.
    expected, codes = [], []
    for frame in data.split(b"\x00")[:-1]:
        if not frame:
            continue
        try:
            packet = decode_packet(frame)
        except ProtocolError as exc:
            codes.append(exc.code)
            continue
        assert encode_packet(packet) == bytes(cobs_decode(frame))
        assert packet_to_fields(parse_packet(encode_packet(packet))) == packet_to_fields(packet)
        expected.append(packet)
    assert [packet_to_fields(p) for p in packets] == [packet_to_fields(p) for p in expected]
    assert [e.code for e in whole.recent_errors] == codes

    csv_whole = CsvLineDecoder()
    rows = csv_whole.feed(data).values.tolist()
    csv_parts, csv_chunked = _chunked(CsvLineDecoder, data, size)
    assert [r for block in csv_parts for r in block.values.tolist()] == rows
    assert csv_chunked.stats == csv_whole.stats


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
