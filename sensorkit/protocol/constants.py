"""Numbers and enumerations fixed by firmware_protocol/PROTOCOL.md (protocol version 1).

Everything here mirrors a table in the spec; change the spec first, then this file.
"""

from __future__ import annotations

from enum import Enum, IntEnum, IntFlag

__all__ = [
    "BLE_COMMAND_UUID",
    "BLE_DATA_UUID",
    "BLE_INFO_UUID",
    "BLE_MIN_ATT_MTU",
    "BLE_SERVICE_UUID",
    "CRC_SIZE",
    "FRAME_DELIMITER",
    "HEADER_SIZE",
    "MAX_CSV_LINE",
    "MAX_ENCODED_FRAME",
    "MAX_PACKET_SIZE",
    "MAX_PAYLOAD_SIZE",
    "PROTOCOL_VERSION",
    "SEQ_MODULUS",
    "Capability",
    "CommandId",
    "ErrorCode",
    "NackReason",
    "PacketType",
    "Side",
    "StatusFlags",
    "Units",
]

PROTOCOL_VERSION = 1
"""Value of header byte 0 for every packet defined by this version of the spec."""

HEADER_SIZE = 6
"""version u8, type u8, payload length u16, sequence number u16."""

CRC_SIZE = 2
"""CRC-16/CCITT-FALSE, little-endian, after the payload."""

MAX_PACKET_SIZE = 512
"""Largest raw packet (header + payload + CRC) before COBS encoding."""

MAX_PAYLOAD_SIZE = MAX_PACKET_SIZE - HEADER_SIZE - CRC_SIZE
"""504 bytes."""

MAX_ENCODED_FRAME = MAX_PACKET_SIZE + (MAX_PACKET_SIZE + 253) // 254
"""515: the longest COBS encoding of a maximal packet, delimiter excluded."""

FRAME_DELIMITER = 0x00

MAX_CSV_LINE = 1024
"""Longest CSV-mode line in bytes, line terminator excluded."""

SEQ_MODULUS = 1 << 16
"""Header sequence numbers count modulo 65536."""

BLE_SERVICE_UUID = "44b80001-a334-4523-95ac-8c653e1886f3"
"""GATT primary service of a sensorkit insole."""

BLE_DATA_UUID = "44b80002-a334-4523-95ac-8c653e1886f3"
"""Notify: one whole frame (COBS + 0x00) per notification, device to host."""

BLE_COMMAND_UUID = "44b80003-a334-4523-95ac-8c653e1886f3"
"""Write: one whole COMMAND frame per write, host to device."""

BLE_INFO_UUID = "44b80004-a334-4523-95ac-8c653e1886f3"
"""Read: one DEVICE_INFO frame (seq 0, outside the notification sequence)."""

BLE_MIN_ATT_MTU = 64
"""Smallest ATT_MTU a device streams over (fits one 16-channel 16-bit sample)."""


class PacketType(IntEnum):
    """Header byte 1."""

    DEVICE_INFO = 0x01
    PRESSURE = 0x02
    IMU = 0x03
    STATUS = 0x04
    TIME_SYNC = 0x05
    COMMAND = 0x10
    ACK = 0x11
    NACK = 0x12


class CommandId(IntEnum):
    """First payload byte of a COMMAND packet."""

    START = 0x01
    STOP = 0x02
    SET_RATE = 0x03
    TARE = 0x04
    REQUEST_INFO = 0x05
    SYNC_TIME = 0x06


class NackReason(IntEnum):
    """Why a device refused a command (NACK payload byte 3)."""

    UNKNOWN_COMMAND = 0x01
    BAD_ARGUMENT = 0x02
    INVALID_STATE = 0x03
    NOT_SUPPORTED = 0x04
    INTERNAL_ERROR = 0x05


class Side(IntEnum):
    """Which foot a device is worn on."""

    UNKNOWN = 0
    LEFT = 1
    RIGHT = 2


class Units(IntEnum):
    """Physical meaning of a pressure value (times 10**scale_exp)."""

    RAW_COUNTS = 0
    NEWTON = 1
    KILOPASCAL = 2
    MILLIVOLT = 3


class Capability(IntFlag):
    """DEVICE_INFO capability bits (u8). Bits not listed are reserved and passed through."""

    NONE = 0
    IMU = 1 << 0
    BATTERY = 1 << 1
    TEMPERATURE = 1 << 2


class StatusFlags(IntFlag):
    """STATUS error flags (u32). Bits not listed are reserved and passed through."""

    NONE = 0
    ADC_FAULT = 1 << 0
    SAMPLE_OVERRUN = 1 << 1
    LOW_BATTERY = 1 << 2
    IMU_FAULT = 1 << 3
    LINK_LIMITED = 1 << 4
    OVER_TEMPERATURE = 1 << 5
    TARE_FAILED = 1 << 6
    CLOCK_FAULT = 1 << 7


class ErrorCode(str, Enum):
    """Why a frame was rejected; the names are the ``error`` strings of the vector files."""

    OVERSIZE = "OVERSIZE"
    BAD_COBS = "BAD_COBS"
    TRUNCATED = "TRUNCATED"
    BAD_VERSION = "BAD_VERSION"
    BAD_LENGTH = "BAD_LENGTH"
    BAD_CRC = "BAD_CRC"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    BAD_PAYLOAD = "BAD_PAYLOAD"
    INVALID_FIELD = "INVALID_FIELD"
    """Encoder only: a field does not fit the wire format (never produced by decoding)."""
    CSV_SYNTAX = "CSV_SYNTAX"
    """CSV-line mode: a line is not a list of integers in range."""
    CSV_COLUMNS = "CSV_COLUMNS"
    """CSV-line mode: a line's column count or timestamp presence differs from the first."""

    def __str__(self) -> str:
        return self.value


FRAMING_CODES = frozenset({ErrorCode.OVERSIZE, ErrorCode.BAD_COBS, ErrorCode.TRUNCATED, ErrorCode.BAD_LENGTH})
"""Codes counted as framing errors: the frame boundaries or length are wrong."""

CONTENT_CODES = frozenset({ErrorCode.BAD_VERSION, ErrorCode.UNKNOWN_TYPE, ErrorCode.BAD_PAYLOAD})
"""Codes for frames that arrived intact (or unverifiable) but cannot be interpreted."""
