"""Generate the golden test vectors in firmware_protocol/vectors/.

Run from the repository root::

    python firmware_protocol/tools/gen_vectors.py          # (re)write the JSON files
    python firmware_protocol/tools/gen_vectors.py --check  # exit 1 if they are stale

Valid vectors are built from explicit field values with the Python encoder.
Invalid vectors are assembled byte by byte here, and the error code each must
produce is written down by hand below, not taken from the decoder; the
generator then refuses to write a vector the Python decoder disagrees with.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vector_fields import packet_to_fields  # noqa: E402

from sensorkit.protocol import (  # noqa: E402
    Ack,
    Capability,
    Command,
    CommandId,
    Decoder,
    DeviceInfo,
    ImuSamples,
    Nack,
    NackReason,
    Packet,
    PacketError,
    PressureSamples,
    Side,
    Status,
    StatusFlags,
    TimeSync,
    Units,
    cobs_encode,
    crc16,
    decode_packet,
    encode_frame,
    encode_packet,
)

VECTOR_DIR = ROOT / "firmware_protocol" / "vectors"
SCHEMA = "sensorkit.protocol-vector/1"
U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1


def _raw(version: int, ptype: int, payload: bytes, seq: int, *, length: int | None = None,
         extra: bytes = b"", crc: int | None = None) -> bytes:  # fmt: skip
    """Assemble a raw packet by hand (header, payload, extra bytes, CRC)."""
    declared = len(payload) if length is None else length
    body = struct.pack("<BBHH", version, ptype, declared, seq) + payload + extra
    return body + struct.pack("<H", crc16(body) if crc is None else crc)


def _frame(raw: bytes) -> bytes:
    return cobs_encode(raw) + b"\x00"


def _pressure(seq: int, rows: list[list[int]], bits: int, *, t0: int = 1_000_000,
              first: int = 0, period: int = 1_000_000) -> PressureSamples:  # fmt: skip
    return PressureSamples(seq, t0, first, period, bits, np.array(rows, dtype=np.uint16))


def valid_packets() -> list[tuple[str, str, Packet]]:
    """(name, description, packet) of every valid frame vector."""
    rng = np.random.default_rng(20240401)
    ramp16 = [[(i * 4096 + c * 257) % 65536 for c in range(16)] for i in range(4)]
    full12 = rng.integers(1, 4096, size=(19, 17)).tolist()
    full16 = rng.integers(257, 65536, size=(15, 16)).tolist()
    return [
        ("device_info_ref16_left", "DEVICE_INFO of a left ref16 insole (layout 1), 16 sensors, 12-bit ADC, newtons x 0.01, IMU+battery",
         DeviceInfo(0, 0x0011223344556677, (1, 2, 3), Side.LEFT, 16, 12, Units.NEWTON, -2, 1, 100,
                    Capability.IMU | Capability.BATTERY)),
        ("device_info_edges", "DEVICE_INFO with every field at its maximum (scale_exp at its minimum)",
         DeviceInfo(65535, U64_MAX, (255, 255, 255), Side.RIGHT, 255, 16, Units.MILLIVOLT, -128,
                    65535, 65535, Capability(0xFF))),
        ("device_info_unknown_side_raw", "DEVICE_INFO, side unknown, raw ADC counts, all zero ids",
         DeviceInfo(1, 0, (0, 0, 0), Side.UNKNOWN, 1, 1, Units.RAW_COUNTS, 0, 0, 0, Capability.NONE)),
        ("pressure16_one_sample", "one 16-channel sample, 16-bit values",
         _pressure(2, [list(range(0, 1600, 100))], 16)),
        ("pressure16_multi", "four 16-channel samples, 16-bit values",
         _pressure(3, ramp16, 16, t0=5_000_000, first=1000)),
        ("pressure16_zeros", "all-zero 16-bit values (COBS: every byte is a code byte)",
         _pressure(4, [[0] * 16] * 3, 16)),
        ("pressure16_max", "all values 65535",
         _pressure(5, [[65535] * 16] * 2, 16)),
        ("pressure12_even", "two 16-channel samples, 12-bit packed (32 values, no padding)",
         _pressure(6, [[(i * 16 + c) * 127 % 4096 for c in range(16)] for i in range(2)], 12)),
        ("pressure12_odd_count", "one 3-channel sample, 12-bit packed: odd value count, 4 zero padding bits",
         _pressure(7, [[0x123, 0x456, 0x789]], 12)),
        ("pressure12_zero_and_max", "12-bit edge values 0 and 4095 alternating",
         _pressure(8, [[0, 4095] * 8, [4095, 0] * 8], 12)),
        ("pressure12_single_value", "one channel, one sample: smallest pressure packet",
         _pressure(9, [[4095]], 12)),
        ("pressure_seq_wrap", "header seq 65535 and sample numbers wrapping 2**32-2 .. 1 inside the packet",
         _pressure(65535, [[i] * 4 for i in range(4)], 16, first=U32_MAX - 1)),
        ("pressure_fractional_period", "period 333333 ns: timestamps are t0 + floor(i*period/1000)",
         _pressure(10, [[i, i] for i in range(7)], 16, t0=999_999, period=333_333)),
        ("pressure_max_timestamp", "t0 = 2**64-1, one sample",
         _pressure(11, [[1, 2]], 16, t0=U64_MAX)),
        ("pressure12_largest_packet", "17 channels x 19 samples, 12-bit: the 504-byte maximum payload (512-byte packet)",
         _pressure(12, full12, 12)),
        ("pressure16_15x16", "15 samples of 16 channels at 16 bit (499-byte payload), COBS 0xFF blocks",
         _pressure(13, full16, 16)),
        ("imu_one_sample", "one IMU sample, +-4 g, +-500 dps",
         ImuSamples(14, 2_000_000, 0, 10_000_000, 4, 500,
                    np.array([[100, -200, 8192]], np.int16), np.array([[1, -1, 0]], np.int16))),
        ("imu_edges", "three IMU samples with int16 extremes, +-16 g, +-2000 dps",
         ImuSamples(15, 0, U32_MAX, 5_000_000, 16, 2000,
                    np.array([[-32768, 32767, 0], [0, 0, 0], [32767, -32768, -1]], np.int16),
                    np.array([[32767, -32768, 1], [-1, -1, -1], [0, 0, 0]], np.int16))),
        ("status_streaming", "STATUS: 87 %, 31.25 C, no errors, streaming",
         Status(16, 123_456_789, 87, 3125, StatusFlags.NONE, True)),
        ("status_unknowns_all_flags", "STATUS: battery and temperature unknown, all 32 flag bits set",
         Status(17, 0, 255, -32768, StatusFlags(0xFFFFFFFF), False)),
        ("status_low_battery", "STATUS: 0 %, -5.5 C, LOW_BATTERY | SAMPLE_OVERRUN",
         Status(18, 1, 0, -550, StatusFlags.LOW_BATTERY | StatusFlags.SAMPLE_OVERRUN, True)),
        ("time_sync", "TIME_SYNC reply to command seq 42",
         TimeSync(19, 42, 1_700_000_000_000_000, 5_000_000, 5_000_180)),
        ("time_sync_max", "TIME_SYNC with maximal u16/u64 fields",
         TimeSync(20, 65535, U64_MAX, U64_MAX, U64_MAX)),
        ("command_start", "START", Command.start(0)),
        ("command_stop", "STOP", Command.stop(1)),
        ("command_set_rate_1000", "SET_RATE 1000 Hz", Command.set_rate(2, 1000)),
        ("command_tare", "TARE", Command.tare(3)),
        ("command_request_info", "REQUEST_INFO", Command.request_info(4)),
        ("command_sync_time", "SYNC_TIME with host time 1.7e15 us", Command.sync_time(5, 1_700_000_000_000_000)),
        ("command_unknown_id", "an undefined command id (0x7F) with two argument bytes: a valid packet the device must NACK",
         Command(6, 0x7F, b"\x01\x02")),
        ("ack_set_rate", "ACK of SET_RATE command seq 2", Ack(21, 2, CommandId.SET_RATE)),
        ("ack_seq_wrap", "ACK of command seq 65535, device seq 0", Ack(0, 65535, CommandId.START)),
        ("nack_bad_argument", "NACK of SET_RATE seq 7: BAD_ARGUMENT",
         Nack(22, 7, CommandId.SET_RATE, NackReason.BAD_ARGUMENT)),
        ("nack_unknown_command", "NACK of command 0x7F: UNKNOWN_COMMAND",
         Nack(23, 6, 0x7F, NackReason.UNKNOWN_COMMAND)),
    ]  # fmt: skip


def invalid_frames() -> list[tuple[str, str, bytes, str]]:
    """(name, description, frame bytes, expected error code) of every invalid frame vector."""
    ack = struct.pack("<HB", 2, 3)
    good = _raw(1, 0x11, ack, 9)
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0x01
    flipped = bytearray(good)
    flipped[6] ^= 0x40
    pressure_head = struct.pack("<QIIBBB", 1000, 0, 1_000_000, 3, 12, 1)
    return [
        ("err_bad_crc", "ACK whose CRC high byte (last byte) has one bit flipped", _frame(bytes(bad_crc)), "BAD_CRC"),
        ("err_payload_bitflip", "ACK with one payload bit flipped after the CRC was computed", _frame(bytes(flipped)), "BAD_CRC"),
        ("err_truncated_short", "a 5-byte packet: shorter than header + CRC", _frame(good[:5]), "TRUNCATED"),
        ("err_truncated_length", "length field says 3 payload bytes, only 1 present (CRC over what is there)",
         _frame(_raw(1, 0x11, ack[:1], 9, length=3)), "TRUNCATED"),
        ("err_empty_packet", "COBS frame 01 00 decodes to zero bytes", b"\x01\x00", "TRUNCATED"),
        ("err_bad_length", "two bytes beyond the declared payload length (CRC covers them)",
         _frame(_raw(1, 0x11, ack, 9, extra=b"\xaa\xbb")), "BAD_LENGTH"),
        ("err_unknown_type", "type 0x7E with a valid CRC", _frame(_raw(1, 0x7E, b"\x01\x02", 9)), "UNKNOWN_TYPE"),
        ("err_type_zero", "type 0x00 with a valid CRC", _frame(_raw(1, 0x00, b"", 9)), "UNKNOWN_TYPE"),
        ("err_version_2", "a well-formed ACK with version byte 2", _frame(_raw(2, 0x11, ack, 9)), "BAD_VERSION"),
        ("err_version_0", "version byte 0 (checked before the CRC, which is wrong too)",
         _frame(_raw(0, 0x11, ack, 9, crc=0)), "BAD_VERSION"),
        ("err_oversize_frame", "600 non-zero bytes before the delimiter (> 515)", b"\x05" * 600 + b"\x00", "OVERSIZE"),
        ("err_oversize_length_field", "header length field 505 (> 504)",
         _frame(_raw(1, 0x02, b"\x00" * 4, 9, length=505)), "OVERSIZE"),
        ("err_oversize_packet", "a 513-byte packet whose 514-byte COBS encoding is within the frame limit",
         _frame(_raw(1, 0x02, b"\x00" * 505, 9)), "OVERSIZE"),
        ("err_bad_cobs", "COBS code byte 0x09 points past the end of a 4-byte frame", b"\x09\x01\x02\x03\x00", "BAD_COBS"),
        ("err_bad_cobs_garbage", "ASCII text terminated by 0x00", b"hello\x00", "BAD_COBS"),
        ("err_pressure_bits_14", "PRESSURE with sample width 14",
         _frame(_raw(1, 0x02, struct.pack("<QIIBBB", 0, 0, 1000, 1, 14, 1) + b"\x00\x00", 9)), "BAD_PAYLOAD"),
        ("err_pressure_length", "PRESSURE declaring 3 x 12-bit values but carrying 6 value bytes",
         _frame(_raw(1, 0x02, pressure_head + b"\x11" * 6, 9)), "BAD_PAYLOAD"),
        ("err_pressure_padding", "PRESSURE, 3 x 12-bit values, padding nibble 0xF instead of 0",
         _frame(_raw(1, 0x02, pressure_head + bytes([0x23, 0x61, 0x45, 0x89, 0xF7]), 9)), "BAD_PAYLOAD"),
        ("err_pressure_zero_channels", "PRESSURE with 0 channels",
         _frame(_raw(1, 0x02, struct.pack("<QIIBBB", 0, 0, 1000, 0, 16, 1), 9)), "BAD_PAYLOAD"),
        ("err_pressure_zero_period", "PRESSURE with period_ns 0",
         _frame(_raw(1, 0x02, struct.pack("<QIIBBB", 0, 0, 0, 1, 16, 1) + b"\x01\x00", 9)), "BAD_PAYLOAD"),
        ("err_status_battery_101", "STATUS with battery 101 %",
         _frame(_raw(1, 0x04, struct.pack("<QBhIB", 0, 101, 0, 0, 0), 9)), "BAD_PAYLOAD"),
        ("err_status_short", "STATUS payload one byte short",
         _frame(_raw(1, 0x04, struct.pack("<QBhIB", 0, 50, 0, 0, 0)[:-1], 9)), "BAD_PAYLOAD"),
        ("err_device_info_side_3", "DEVICE_INFO with side 3",
         _frame(_raw(1, 0x01, struct.pack("<QBBBBBBBbHHB", 1, 1, 0, 0, 3, 16, 12, 0, 0, 1, 100, 0), 9)),
         "BAD_PAYLOAD"),
        ("err_set_rate_short_args", "SET_RATE with one argument byte instead of two",
         _frame(_raw(1, 0x10, bytes([CommandId.SET_RATE, 0xE8]), 9)), "BAD_PAYLOAD"),
        ("err_command_empty", "COMMAND with an empty payload", _frame(_raw(1, 0x10, b"", 9)), "BAD_PAYLOAD"),
        ("err_ack_long", "ACK payload of 4 bytes", _frame(_raw(1, 0x11, ack + b"\x00", 9)), "BAD_PAYLOAD"),
    ]  # fmt: skip


def _events(stream: bytes) -> dict[str, Any]:
    decoder = Decoder()
    packets = decoder.feed(stream)
    stats = decoder.stats
    return {
        "packets": [packet_to_fields(p) for p in packets],
        "errors": [e.code.value for e in decoder.recent_errors],
        "stats": {
            key: getattr(stats, key)
            for key in ("frames", "packets_ok", "crc_errors", "framing_errors", "content_errors",
                        "seq_gaps", "missing_packets", "seq_resets", "sample_gaps", "missing_samples")
        },
    }  # fmt: skip


def stream_vectors() -> list[tuple[str, str, bytes, dict[str, Any]]]:
    """(name, description, stream bytes, hand-written expectations) of every stream vector."""
    a = encode_frame(_pressure(100, [[1, 2], [3, 4]], 16, first=0))
    b = encode_frame(_pressure(101, [[5, 6], [7, 8]], 16, first=2))
    c = encode_frame(_pressure(102, [[9, 10], [11, 12]], 16, first=4))
    b_raw = bytearray(encode_packet(_pressure(101, [[5, 6], [7, 8]], 16, first=2)))
    b_raw[12] ^= 0x01
    b_bad = _frame(bytes(b_raw))
    s = [encode_frame(Status(q, 0, 50, 2000, StatusFlags.NONE, True)) for q in (65534, 65535, 0, 3)]
    return [
        ("stream_garbage_resync",
         "garbage, a frame, a partial frame cut by the next delimiter, a frame: 2 packets, 2 errors",
         b"\xde\xad\xbe\xef\x00" + a + b[:7] + b"\x00" + c,
         {"n_packets": 2, "errors": ["BAD_COBS", "BAD_COBS"], "missing_packets": 1}),
        ("stream_corrupted_middle",
         "three consecutive frames, the middle one with a flipped bit: BAD_CRC, then a seq and sample gap",
         a + b_bad + c,
         {"n_packets": 2, "errors": ["BAD_CRC"], "missing_packets": 1, "missing_samples": 2}),
        ("stream_seq_wrap",
         "STATUS seq 65534, 65535, 0, 3: the wrap is not a gap; 0 -> 3 misses 2 packets",
         b"".join(s), {"n_packets": 4, "errors": [], "missing_packets": 2}),
        ("stream_idle_fill",
         "leading and repeated 0x00 between frames are idle fill, not errors",
         b"\x00\x00" + a + b"\x00\x00\x00" + b + b"\x00", {"n_packets": 2, "errors": [], "missing_packets": 0}),
    ]  # fmt: skip


def build() -> dict[str, dict[str, Any]]:
    """All vectors as {file name: JSON object}; raises if the Python codec disagrees."""
    vectors: dict[str, dict[str, Any]] = {}
    index = 0

    def add(name: str, obj: dict[str, Any]) -> None:
        nonlocal index
        index += 1
        vectors[f"{index:03d}_{name}.json"] = {"schema": SCHEMA, "name": name, **obj}

    for name, text, packet in valid_packets():
        frame = encode_frame(packet)
        fields = packet_to_fields(packet)
        if packet_to_fields(decode_packet(frame)) != fields:
            raise AssertionError(f"{name}: decode(encode(packet)) differs")
        add(name, {"kind": "frame", "description": text, "frame_hex": frame.hex(),
                   "packet_hex": encode_packet(packet).hex(),
                   "expect": {"ok": True, "packet": fields}})  # fmt: skip
    for name, text, frame, code in invalid_frames():
        try:
            decode_packet(frame)
        except PacketError as exc:
            if exc.code.value != code:
                raise AssertionError(f"{name}: decoder says {exc.code.value}, vector {code}") from None
        else:
            raise AssertionError(f"{name}: decoder accepted an invalid frame")
        add(name, {"kind": "frame", "description": text, "frame_hex": frame.hex(),
                   "packet_hex": None, "expect": {"ok": False, "error": code}})  # fmt: skip
    for name, text, stream, hand in stream_vectors():
        expect = _events(stream)
        got = {"n_packets": len(expect["packets"]), "errors": expect["errors"],
               **{k: expect["stats"][k] for k in hand if k in expect["stats"]}}  # fmt: skip
        if got != hand:
            raise AssertionError(f"{name}: decoder gives {got}, expected {hand}")
        add(name, {"kind": "stream", "description": text, "stream_hex": stream.hex(),
                   "expect": expect})  # fmt: skip
    return vectors


_NUMBER_LIST = re.compile(r"\[[\s\d,\-]*\]")


def render(obj: dict[str, Any]) -> str:
    """Stable JSON text of one vector (lists of numbers kept on one line)."""
    text = json.dumps(obj, indent=1)
    return _NUMBER_LIST.sub(lambda m: json.dumps(json.loads(m.group(0))), text) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--out", type=Path, default=VECTOR_DIR)
    args = parser.parse_args(argv)
    vectors = build()
    existing = {p.name for p in args.out.glob("[0-9][0-9][0-9]_*.json")}
    if args.check:
        stale = [n for n, v in vectors.items() if not (args.out / n).is_file()
                 or (args.out / n).read_text() != render(v)]  # fmt: skip
        stale += sorted(existing - set(vectors))
        for name in stale:
            print(f"stale or missing: {name}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in existing - set(vectors):
        (args.out / name).unlink()
    for name, obj in vectors.items():
        (args.out / name).write_text(render(obj))
    print(f"wrote {len(vectors)} vectors to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
