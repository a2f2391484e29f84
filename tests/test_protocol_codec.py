"""Known-answer tests of the codec pieces: CRC, COBS, 12-bit packing, fields, errors."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from sensorkit.errors import ProtocolError
from sensorkit.protocol import (
    CRC_CHECK_VALUE,
    MAX_ENCODED_FRAME,
    Ack,
    Command,
    CommandId,
    ErrorCode,
    ImuSamples,
    Nack,
    NackReason,
    PacketError,
    PressureSamples,
    Status,
    StatusFlags,
    TimeSync,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_packet,
    encode_frame,
    encode_packet,
    frame_size_bound,
    max_pressure_samples,
    pack_values,
    parse_packet,
    unpack_values,
)


def _crc_bitwise(data: bytes) -> int:
    """Textbook CRC-16/CCITT-FALSE, bit by bit, independent of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def test_crc_check_value():
    assert CRC_CHECK_VALUE == 0x29B1
    assert crc16(b"123456789") == 0x29B1
    assert _crc_bitwise(b"123456789") == 0x29B1


def test_crc_matches_bitwise_reference_and_continues():
    data = np.random.default_rng(1).integers(0, 256, 700, dtype=np.uint8).tobytes()
    for n in (0, 1, 2, 255, 700):
        assert crc16(data[:n]) == _crc_bitwise(data[:n])
    assert crc16(data[300:], crc16(data[:300])) == crc16(data)


# Examples from the COBS paper / common test suites (input, encoding without delimiter).
COBS_CASES = [
    (b"", b"\x01"),
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x00\x11\x00", b"\x01\x02\x11\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
    (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
    (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
    (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    (bytes(range(3, 256)) + b"\x00\x01", b"\xfe" + bytes(range(3, 256)) + b"\x02\x01"),
]


@pytest.mark.parametrize(("raw", "encoded"), COBS_CASES)
def test_cobs_known_answers(raw, encoded):
    assert cobs_encode(raw) == encoded
    assert bytes(cobs_decode(encoded)) == raw


def test_cobs_decoder_accepts_noncanonical_trailing_block():
    assert bytes(cobs_decode(b"\xff" + bytes(range(1, 255)) + b"\x01")) == bytes(range(1, 255))


@pytest.mark.parametrize("bad", [b"", b"\x03\x01", b"\x02\x00", b"\x05\x01\x02\x03"])
def test_cobs_rejects_invalid(bad):
    with pytest.raises(PacketError) as info:
        cobs_decode(bad)
    assert info.value.code is ErrorCode.BAD_COBS


def test_12bit_packing_known_bytes():
    packed = pack_values(np.array([0x123, 0x456, 0x789]), 12)
    assert packed == bytes([0x23, 0x61, 0x45, 0x89, 0x07])
    assert unpack_values(packed, 0, 3, 12).tolist() == [0x123, 0x456, 0x789]
    assert pack_values(np.array([0xFFF, 0x000]), 12) == b"\xff\x0f\x00"
    assert pack_values(np.array([1, 0xFFFF]), 16) == b"\x01\x00\xff\xff"


def test_12bit_padding_must_be_zero():
    with pytest.raises(PacketError) as info:
        unpack_values(bytes([0x23, 0x61, 0x45, 0x89, 0x17]), 0, 3, 12)
    assert info.value.code is ErrorCode.BAD_PAYLOAD


def test_hand_assembled_ack_matches_encoder():
    payload = struct.pack("<HB", 2, 3)
    body = bytes([1, 0x11]) + struct.pack("<HH", len(payload), 21) + payload
    raw = body + struct.pack("<H", _crc_bitwise(body))
    assert raw.hex() == "011103001500020003" + raw[-2:].hex()
    assert encode_packet(Ack(21, 2, CommandId.SET_RATE)) == raw
    assert parse_packet(raw) == Ack(21, 2, CommandId.SET_RATE)


def test_pressure_timestamps_and_sample_numbers():
    p = PressureSamples(0, 999_999, 2**32 - 2, 333_333, 16, np.zeros((4, 2), np.uint16))
    assert p.timestamps_us.tolist() == [999_999, 1_000_332, 1_000_665, 1_000_998]
    assert p.timestamps_us.dtype == np.uint64
    assert p.sample_seq.tolist() == [2**32 - 2, 2**32 - 1, 0, 1]
    q = decode_packet(encode_frame(p))
    assert q.values.dtype == np.uint16
    assert q.values.shape == (4, 2)


def test_imu_scaling():
    imu = ImuSamples(0, 0, 0, 1000, 4, 2000,
                     np.array([[16384, -32768, 0]], np.int16), np.array([[8192, 0, -8192]], np.int16))  # fmt: skip
    assert imu.accel_g.tolist() == [[2.0, -4.0, 0.0]]
    assert imu.gyro_dps.tolist() == [[500.0, 0.0, -500.0]]


def test_status_unknown_values():
    s = Status(0, 0, 255, -32768, StatusFlags(1 << 31), False)
    assert s.battery is None and s.temperature_c is None
    assert decode_packet(encode_frame(s)).error_flags == 1 << 31
    assert Status(0, 0, 40, -550, StatusFlags.NONE, True).temperature_c == -5.5


def test_time_sync_offset_and_round_trip():
    ts = TimeSync(1, 9, host_time_us=1000, device_rx_us=5000, device_tx_us=5100)
    assert ts.offset_us(host_rx_us=1300) == 3900
    assert ts.round_trip_us(host_rx_us=1300) == 200


def test_command_arguments():
    assert Command.set_rate(3, 1000).rate_hz == 1000
    assert Command.sync_time(4, 2**63).host_time_us == 2**63
    assert Command.start(1).rate_hz is None
    decoded = decode_packet(encode_frame(Command(9, 0x7F, b"\x01")))
    assert decoded.command == 0x7F and decoded.args == b"\x01"
    nack = decode_packet(encode_frame(Nack(1, 9, 0x7F, NackReason.UNKNOWN_COMMAND)))
    assert nack.reason is NackReason.UNKNOWN_COMMAND


@pytest.mark.parametrize(
    "make",
    [
        lambda: PressureSamples(0, 0, 0, 1000, 12, np.array([[4096]])),
        lambda: PressureSamples(0, 0, 0, 1000, 16, np.array([[-1]])),
        lambda: PressureSamples(0, 0, 0, 1000, 14, np.array([[1]])),
        lambda: PressureSamples(0, 0, 0, 0, 16, np.array([[1]])),
        lambda: PressureSamples(0, 0, 0, 1000, 16, np.zeros((16, 16))),  # 531-byte payload
        lambda: PressureSamples(70000, 0, 0, 1000, 16, np.zeros((1, 1))),
        lambda: Status(0, 0, 150, 0, StatusFlags.NONE, True),
        lambda: Command(0, CommandId.SET_RATE, b"\x01"),
        lambda: Command.set_rate(0, 70000),
        lambda: Ack(0, -1, 1),
    ],
)
def test_encoder_rejects_unrepresentable_fields(make):
    with pytest.raises(ProtocolError) as info:
        encode_frame(make())
    assert info.value.code is ErrorCode.INVALID_FIELD


def test_packet_error_is_a_located_protocol_error():
    raw = bytearray(encode_packet(Ack(1, 2, 3)))
    raw[7] ^= 0x01  # a payload bit
    with pytest.raises(ValueError) as info:
        decode_packet(cobs_encode(raw) + b"\x00")
    err = info.value
    assert isinstance(err, ProtocolError) and isinstance(err, PacketError)
    assert err.code is ErrorCode.BAD_CRC
    assert str(err).startswith("BAD_CRC:")
    assert err.at(42).offset == 42 and "byte 42" in str(err.at(42))


def test_decode_packet_frame_limits():
    with pytest.raises(PacketError) as info:
        decode_packet(b"\x05" * (MAX_ENCODED_FRAME + 1))
    assert info.value.code is ErrorCode.OVERSIZE
    with pytest.raises(PacketError) as info:
        decode_packet(b"\x02\x01\x00\x02\x01\x00")
    assert info.value.code is ErrorCode.BAD_COBS


# PROTOCOL.md section 9.2: samples per BLE notification.
BLE_TABLE = {23: (0, 0, 0, 0), 64: (1, 1, 2, 2), 185: (6, 4, 12, 9), 247: (8, 6, 17, 13),
             517: (20, 15, 40, 30)}  # fmt: skip


@pytest.mark.parametrize("mtu", sorted(BLE_TABLE))
def test_samples_per_notification_table(mtu):
    limit = mtu - 3
    configs = ((16, 12), (16, 16), (8, 12), (8, 16))
    assert tuple(max_pressure_samples(s, b, limit) for s, b in configs) == BLE_TABLE[mtu]
    rng = np.random.default_rng(mtu)
    for (channels, bits), n in zip(configs, BLE_TABLE[mtu], strict=True):
        if n == 0:
            continue
        # Zero-free values make COBS add its worst-case overhead.
        values = rng.integers(1, 1 << bits, size=(n, channels)) | 0x0101 & ((1 << bits) - 1)
        frame = encode_frame(PressureSamples(0, 1, 1, 1000, bits, values))
        assert len(frame) <= limit
        assert frame_size_bound(len(encode_packet(PressureSamples(0, 1, 1, 1000, bits, values)))) <= limit


def test_decoded_values_are_owned_aligned_arrays():
    for bits in (12, 16):
        frame = encode_frame(PressureSamples(0, 0, 0, 1000, bits, np.arange(30).reshape(3, 10)))
        values = decode_packet(frame).values
        assert values.dtype == np.uint16 and values.shape == (3, 10)
        assert values.flags.aligned and values.flags.c_contiguous
        # Owned memory, not a view into the packet's byte buffer.
        root = values
        while isinstance(root.base, np.ndarray):
            root = root.base
        assert root.base is None
        assert values.tolist() == np.arange(30).reshape(3, 10).tolist()


def test_pressure_values_that_are_not_whole_counts_are_refused_not_truncated():
    """A new user's trial encoded 1.7 and got 1 back without a word; NaN raised a bare
    ValueError. Whole floats (an ADC count computed in float) are accepted as counts."""
    from sensorkit.protocol import PacketError, PressureSamples, encode_frame
    from sensorkit.protocol.cobs import cobs_decode
    from sensorkit.protocol.codec import parse_packet

    for bad in (
        np.array([[1.7, 2.0]]),
        np.array([[np.nan, 1.0]]),
        np.array([[np.inf, 1.0]]),
        np.array([["1", "2"]]),
    ):
        with pytest.raises(PacketError, match="whole ADC counts"):
            encode_frame(PressureSamples(1, 0, 0, 1000, 12, bad))
    frame = encode_frame(PressureSamples(1, 0, 0, 1000, 12, np.array([[4095.0, 0.0]])))
    back = parse_packet(cobs_decode(frame[:-1]))
    np.testing.assert_array_equal(back.values, [[4095, 0]])
