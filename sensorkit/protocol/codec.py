"""Packet <-> bytes: payload layouts, header, CRC and COBS framing of PROTOCOL.md.

``encode_packet``/``parse_packet`` work on raw packets (header + payload + CRC);
``encode_frame``/``decode_packet`` add/remove the COBS encoding and the 0x00
delimiter. Decoding checks the rules in the order the spec lists them, so each
bad frame gets exactly one, predictable :class:`ErrorCode`.
"""

from __future__ import annotations

import struct

import numpy as np

from .cobs import cobs_decode, cobs_encode
from .constants import (
    CRC_SIZE,
    HEADER_SIZE,
    MAX_ENCODED_FRAME,
    MAX_PACKET_SIZE,
    MAX_PAYLOAD_SIZE,
    PROTOCOL_VERSION,
    Capability,
    CommandId,
    ErrorCode,
    NackReason,
    PacketType,
    Side,
    StatusFlags,
    Units,
)
from .crc import crc16
from .errors import PacketError
from .packets import (
    BATTERY_UNKNOWN,
    COMMAND_ARG_SIZES,
    Ack,
    Command,
    DeviceInfo,
    ImuSamples,
    Nack,
    Packet,
    PressureSamples,
    Status,
    TimeSync,
)
from .packing import pack_values, packed_size, unpack_values

__all__ = [
    "decode_packet",
    "encode_frame",
    "encode_packet",
    "frame_size_bound",
    "max_pressure_samples",
    "parse_packet",
]

_HEADER = struct.Struct("<BBHH")
_CRC = struct.Struct("<H")
_DEVICE_INFO = struct.Struct("<QBBBBBBBbHHB")
_PRESSURE = struct.Struct("<QIIBBB")
_IMU = struct.Struct("<QIIBHB")
_STATUS = struct.Struct("<QBhIB")
_TIME_SYNC = struct.Struct("<HQQQ")
_ACK = struct.Struct("<HB")
_NACK = struct.Struct("<HBB")
_IMU_SAMPLE_SIZE = 12


def _invalid(message: str) -> PacketError:
    return PacketError(ErrorCode.INVALID_FIELD, message)


def _bad(message: str) -> PacketError:
    return PacketError(ErrorCode.BAD_PAYLOAD, message)


def _enum_or_int(enum: type, value: int) -> int:
    try:
        return enum(value)
    except ValueError:
        return value


# ---------------------------------------------------------------- encoding


def _pack(layout: struct.Struct, *fields: int) -> bytes:
    try:
        return layout.pack(*fields)
    except struct.error as exc:
        raise _invalid(f"field out of range: {exc}") from None


def _payload_pressure(p: PressureSamples) -> bytes:
    values = np.asarray(p.values)
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] < 1:
        raise _invalid("pressure values must be a non-empty (n_samples, n_channels) array")
    n, s = values.shape
    if n > 255 or s > 255:
        raise _invalid("at most 255 samples and 255 channels per packet")
    if p.period_ns <= 0:
        raise _invalid("period_ns must be positive")
    head = _pack(_PRESSURE, p.t0_us, p.first_sample_seq, p.period_ns, s, p.bits, n)
    return head + pack_values(values, p.bits)


def _payload_imu(p: ImuSamples) -> bytes:
    accel = np.asarray(p.accel)
    gyro = np.asarray(p.gyro)
    if accel.ndim != 2 or accel.shape[1] != 3 or accel.shape != gyro.shape or not accel.shape[0]:
        raise _invalid("accel and gyro must both be non-empty (n, 3) arrays")
    n = accel.shape[0]
    if n > 255:
        raise _invalid("at most 255 IMU samples per packet")
    if p.period_ns <= 0 or p.accel_range_g <= 0 or p.gyro_range_dps <= 0:
        raise _invalid("period_ns, accel_range_g and gyro_range_dps must be positive")
    both = np.concatenate([accel, gyro], axis=1)
    if int(both.min()) < -32768 or int(both.max()) > 32767:
        raise _invalid("IMU value out of int16 range")
    head = _pack(_IMU, p.t0_us, p.first_sample_seq, p.period_ns, p.accel_range_g, p.gyro_range_dps, n)
    return head + both.astype("<i2").tobytes()


def _payload(packet: Packet) -> bytes:
    if isinstance(packet, PressureSamples):
        return _payload_pressure(packet)
    if isinstance(packet, ImuSamples):
        return _payload_imu(packet)
    if isinstance(packet, DeviceInfo):
        major, minor, patch = packet.firmware_version
        if packet.sensor_count < 1 or not 1 <= packet.adc_bits <= 16:
            raise _invalid("sensor_count must be >= 1 and adc_bits 1..16")
        if packet.side not in tuple(Side) or packet.units not in tuple(Units):
            raise _invalid("unknown side or units")
        return _pack(
            _DEVICE_INFO,
            packet.device_id,
            major,
            minor,
            patch,
            packet.side,
            packet.sensor_count,
            packet.adc_bits,
            packet.units,
            packet.scale_exp,
            packet.layout_id,
            packet.sample_rate_hz,
            packet.capabilities,
        )
    if isinstance(packet, Status):
        if packet.battery_pct > 100 and packet.battery_pct != BATTERY_UNKNOWN:
            raise _invalid("battery_pct must be 0..100 or 255 (unknown)")
        return _pack(
            _STATUS,
            packet.device_time_us,
            packet.battery_pct,
            packet.temperature_cdeg,
            packet.error_flags,
            int(bool(packet.streaming)),
        )
    if isinstance(packet, TimeSync):
        return _pack(
            _TIME_SYNC,
            packet.command_seq,
            packet.host_time_us,
            packet.device_rx_us,
            packet.device_tx_us,
        )
    if isinstance(packet, Command):
        expected = COMMAND_ARG_SIZES.get(packet.command)
        if expected is not None and len(packet.args) != expected:
            raise _invalid(f"command {packet.command!r} takes {expected} argument bytes")
        return _pack(struct.Struct("<B"), packet.command) + bytes(packet.args)
    if isinstance(packet, Ack):
        return _pack(_ACK, packet.command_seq, packet.command)
    if isinstance(packet, Nack):
        return _pack(_NACK, packet.command_seq, packet.command, packet.reason)
    raise _invalid(f"not a packet: {type(packet).__name__}")


def encode_packet(packet: Packet) -> bytes:
    """Raw packet bytes: header, payload and CRC (not yet COBS-encoded).

    Parameters
    ----------
    packet : Packet
        Any packet dataclass.

    Returns
    -------
    bytes
        At most :data:`MAX_PACKET_SIZE` bytes.

    Raises
    ------
    PacketError
        ``INVALID_FIELD`` if a field does not fit the wire format.
    """
    payload = _payload(packet)
    if len(payload) > MAX_PAYLOAD_SIZE:
        raise _invalid(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_SIZE}")
    body = _pack(_HEADER, PROTOCOL_VERSION, packet.type, len(payload), packet.seq) + payload
    return body + _CRC.pack(crc16(body))


def encode_frame(packet: Packet) -> bytes:
    """Bytes to put on the wire for ``packet``: COBS encoding plus the 0x00 delimiter.

    Parameters
    ----------
    packet : Packet
        Any packet dataclass.

    Returns
    -------
    bytes
        At most ``MAX_ENCODED_FRAME + 1`` bytes.
    """
    return cobs_encode(encode_packet(packet)) + b"\x00"


# ---------------------------------------------------------------- decoding


def _parse_pressure(seq: int, buf: bytearray, length: int) -> PressureSamples:
    if length < _PRESSURE.size:
        raise _bad("pressure payload shorter than its 19-byte header")
    t0, first, period, channels, bits, count = _PRESSURE.unpack_from(buf, HEADER_SIZE)
    if bits not in (12, 16):
        raise _bad(f"sample width {bits} is neither 12 nor 16")
    if channels == 0 or count == 0 or period == 0:
        raise _bad("channel count, sample count and period must be non-zero")
    nvalues = channels * count
    if length != _PRESSURE.size + packed_size(nvalues, bits):
        raise _bad("pressure payload length does not match channels x samples x bits")
    values = unpack_values(buf, HEADER_SIZE + _PRESSURE.size, nvalues, bits)
    return PressureSamples(seq, t0, first, period, bits, values.reshape(count, channels))


def _parse_imu(seq: int, buf: bytearray, length: int) -> ImuSamples:
    if length < _IMU.size:
        raise _bad("IMU payload shorter than its 20-byte header")
    t0, first, period, accel_range, gyro_range, count = _IMU.unpack_from(buf, HEADER_SIZE)
    if count == 0 or period == 0 or accel_range == 0 or gyro_range == 0:
        raise _bad("IMU count, period and ranges must be non-zero")
    if length != _IMU.size + _IMU_SAMPLE_SIZE * count:
        raise _bad("IMU payload length does not match the sample count")
    raw = np.frombuffer(buf, dtype="<i2", count=6 * count, offset=HEADER_SIZE + _IMU.size)
    raw = raw.astype(np.int16).reshape(count, 6)
    return ImuSamples(seq, t0, first, period, accel_range, gyro_range, raw[:, :3].copy(), raw[:, 3:].copy())


def _expect_length(length: int, size: int, what: str) -> None:
    if length != size:
        raise _bad(f"{what} payload must be {size} bytes, not {length}")


def _parse_payload(ptype: int, seq: int, buf: bytearray, length: int) -> Packet:
    at = HEADER_SIZE
    if ptype == PacketType.PRESSURE:
        return _parse_pressure(seq, buf, length)
    if ptype == PacketType.DEVICE_INFO:
        _expect_length(length, _DEVICE_INFO.size, "DEVICE_INFO")
        (dev, major, minor, patch, side, sensors, adc_bits, units, scale_exp, layout, rate,
         caps) = _DEVICE_INFO.unpack_from(buf, at)  # fmt: skip
        if side > max(Side) or units > max(Units):
            raise _bad("unknown side or units")
        if sensors == 0 or not 1 <= adc_bits <= 16:
            raise _bad("sensor_count must be >= 1 and adc_bits 1..16")
        return DeviceInfo(
            seq, dev, (major, minor, patch), Side(side), sensors, adc_bits, Units(units),
            scale_exp, layout, rate, Capability(caps),
        )  # fmt: skip
    if ptype == PacketType.IMU:
        return _parse_imu(seq, buf, length)
    if ptype == PacketType.STATUS:
        _expect_length(length, _STATUS.size, "STATUS")
        time_us, battery, temp, flags, streaming = _STATUS.unpack_from(buf, at)
        if battery > 100 and battery != BATTERY_UNKNOWN:
            raise _bad(f"battery {battery}% is neither 0..100 nor 255")
        if streaming > 1:
            raise _bad("streaming flag must be 0 or 1")
        return Status(seq, time_us, battery, temp, StatusFlags(flags), bool(streaming))
    if ptype == PacketType.TIME_SYNC:
        _expect_length(length, _TIME_SYNC.size, "TIME_SYNC")
        return TimeSync(seq, *_TIME_SYNC.unpack_from(buf, at))
    if ptype == PacketType.COMMAND:
        if length < 1:
            raise _bad("COMMAND payload is empty")
        command = _enum_or_int(CommandId, buf[at])
        args = bytes(buf[at + 1 : at + length])
        expected = COMMAND_ARG_SIZES.get(command)
        if expected is not None and len(args) != expected:
            raise _bad(f"command {command!r} takes {expected} argument bytes, got {len(args)}")
        return Command(seq, command, args)
    if ptype == PacketType.ACK:
        _expect_length(length, _ACK.size, "ACK")
        command_seq, command = _ACK.unpack_from(buf, at)
        return Ack(seq, command_seq, _enum_or_int(CommandId, command))
    if ptype == PacketType.NACK:
        _expect_length(length, _NACK.size, "NACK")
        command_seq, command, reason = _NACK.unpack_from(buf, at)
        return Nack(seq, command_seq, _enum_or_int(CommandId, command), _enum_or_int(NackReason, reason))
    raise PacketError(ErrorCode.UNKNOWN_TYPE, f"packet type 0x{ptype:02X} is not defined")


def parse_packet(raw: bytes | bytearray) -> Packet:
    """Validate and parse one raw packet (already COBS-decoded).

    Checks, in this order: size <= 512 (OVERSIZE), size >= 8 (TRUNCATED),
    version (BAD_VERSION), length field <= 504 (OVERSIZE), length field vs size
    (TRUNCATED / BAD_LENGTH), CRC (BAD_CRC), type (UNKNOWN_TYPE), payload
    (BAD_PAYLOAD).

    Parameters
    ----------
    raw : bytes or bytearray
        Header, payload and CRC.

    Returns
    -------
    Packet
        The typed packet.

    Raises
    ------
    PacketError
        With the code of the first rule broken.
    """
    size = len(raw)
    if size > MAX_PACKET_SIZE:
        raise PacketError(ErrorCode.OVERSIZE, f"packet of {size} bytes exceeds {MAX_PACKET_SIZE}")
    if size < HEADER_SIZE + CRC_SIZE:
        raise PacketError(ErrorCode.TRUNCATED, f"packet of {size} bytes is shorter than 8")
    version, ptype, length, seq = _HEADER.unpack_from(raw, 0)
    if version != PROTOCOL_VERSION:
        raise PacketError(ErrorCode.BAD_VERSION, f"protocol version {version} is not 1")
    if length > MAX_PAYLOAD_SIZE:
        raise PacketError(ErrorCode.OVERSIZE, f"length field {length} exceeds {MAX_PAYLOAD_SIZE}")
    expected = HEADER_SIZE + length + CRC_SIZE
    if expected > size:
        raise PacketError(ErrorCode.TRUNCATED, f"length field needs {expected} bytes, got {size}")
    if expected < size:
        raise PacketError(ErrorCode.BAD_LENGTH, f"{size - expected} byte(s) beyond the declared length")
    (received,) = _CRC.unpack_from(raw, size - CRC_SIZE)
    computed = crc16(memoryview(raw)[: size - CRC_SIZE])
    if received != computed:
        raise PacketError(ErrorCode.BAD_CRC, f"CRC 0x{received:04X} received, 0x{computed:04X} computed")
    buf = raw if isinstance(raw, bytearray) else bytearray(raw)
    return _parse_payload(ptype, seq, buf, length)


def decode_packet(frame: bytes | bytearray | memoryview) -> Packet:
    """Strictly decode one COBS frame (with or without its trailing 0x00).

    Parameters
    ----------
    frame : bytes-like
        One encoded frame, as produced by :func:`encode_frame`.

    Returns
    -------
    Packet
        The typed packet.

    Raises
    ------
    PacketError
        OVERSIZE if the encoding exceeds 515 bytes, BAD_COBS if it is not valid
        COBS, then any code :func:`parse_packet` raises.
    """
    body = bytes(frame)
    if body.endswith(b"\x00"):
        body = body[:-1]
    if len(body) > MAX_ENCODED_FRAME:
        raise PacketError(
            ErrorCode.OVERSIZE, f"encoded frame of {len(body)} bytes exceeds {MAX_ENCODED_FRAME}"
        )
    return parse_packet(cobs_decode(body))


def frame_size_bound(packet_size: int) -> int:
    """Largest wire frame (COBS + delimiter) a raw packet of ``packet_size`` bytes can need.

    Parameters
    ----------
    packet_size : int
        Raw packet bytes (header + payload + CRC).

    Returns
    -------
    int
        ``packet_size + max(1, ceil(packet_size / 254)) + 1``.
    """
    return packet_size + max(1, -(-packet_size // 254)) + 1


def max_pressure_samples(n_channels: int, bits: int, frame_limit: int = MAX_ENCODED_FRAME + 1) -> int:
    """How many pressure samples one frame can carry within ``frame_limit`` bytes.

    Parameters
    ----------
    n_channels : int
        Sensors per sample.
    bits : int
        12 or 16.
    frame_limit : int, optional
        Largest frame allowed, delimiter included: ``ATT_MTU - 3`` over BLE;
        by default the protocol maximum (516).

    Returns
    -------
    int
        0 to 255 samples (0: not even one sample fits).
    """
    count = 0
    while count < 255:
        size = HEADER_SIZE + _PRESSURE.size + packed_size((count + 1) * n_channels, bits) + CRC_SIZE
        if size > MAX_PACKET_SIZE or frame_size_bound(size) > frame_limit:
            break
        count += 1
    return count
