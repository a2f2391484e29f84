"""Wire protocol of sensorkit insoles: pure byte-format code, no I/O.

The normative description is ``firmware_protocol/PROTOCOL.md`` (protocol
version 1). This package encodes and decodes it:

- :func:`encode_frame` / :func:`encode_packet` turn packet dataclasses into bytes;
- :func:`decode_packet` / :func:`parse_packet` strictly decode one frame/packet
  and raise :class:`PacketError` (a :class:`sensorkit.errors.ProtocolError`);
- :class:`Decoder` incrementally decodes a byte stream, never raises on bad
  input, and counts errors and sequence gaps in :class:`DecoderStats`;
- :class:`CsvLineDecoder` does the same for the plain CSV-line mode, and
  :func:`detect_mode` tells the two modes apart.
"""

from __future__ import annotations

from .cobs import cobs_decode, cobs_encode
from .codec import (
    decode_packet,
    encode_frame,
    encode_packet,
    frame_size_bound,
    max_pressure_samples,
    parse_packet,
)
from .constants import (
    BLE_COMMAND_UUID,
    BLE_DATA_UUID,
    BLE_INFO_UUID,
    BLE_MIN_ATT_MTU,
    BLE_SERVICE_UUID,
    CRC_SIZE,
    HEADER_SIZE,
    MAX_CSV_LINE,
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
from .crc import CRC_CHECK_VALUE, crc16
from .csvline import CsvLineDecoder, CsvSamples, CsvStats, detect_mode
from .errors import PacketError
from .packets import (
    Ack,
    Command,
    DeviceInfo,
    ImuSamples,
    Nack,
    Packet,
    PressureSamples,
    Status,
    TimeSync,
    sample_timestamps_us,
)
from .packing import pack_values, packed_size, unpack_values
from .stream import Decoder, DecoderStats

__all__ = [
    "BLE_COMMAND_UUID",
    "BLE_DATA_UUID",
    "BLE_INFO_UUID",
    "BLE_MIN_ATT_MTU",
    "BLE_SERVICE_UUID",
    "CRC_CHECK_VALUE",
    "CRC_SIZE",
    "HEADER_SIZE",
    "MAX_CSV_LINE",
    "MAX_ENCODED_FRAME",
    "MAX_PACKET_SIZE",
    "MAX_PAYLOAD_SIZE",
    "PROTOCOL_VERSION",
    "Ack",
    "Capability",
    "Command",
    "CommandId",
    "CsvLineDecoder",
    "CsvSamples",
    "CsvStats",
    "Decoder",
    "DecoderStats",
    "DeviceInfo",
    "ErrorCode",
    "ImuSamples",
    "Nack",
    "NackReason",
    "Packet",
    "PacketError",
    "PacketType",
    "PressureSamples",
    "Side",
    "Status",
    "StatusFlags",
    "TimeSync",
    "Units",
    "cobs_decode",
    "cobs_encode",
    "crc16",
    "decode_packet",
    "detect_mode",
    "encode_frame",
    "encode_packet",
    "frame_size_bound",
    "max_pressure_samples",
    "pack_values",
    "packed_size",
    "parse_packet",
    "sample_timestamps_us",
    "unpack_values",
]
