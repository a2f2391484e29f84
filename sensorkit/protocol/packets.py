"""Typed packets of PROTOCOL.md: one frozen dataclass per packet type.

Every packet carries ``seq``, the sender's header sequence number (u16). Sample
packets hold their values as numpy arrays (one object per packet, none per
sample).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .constants import (
    Capability,
    CommandId,
    ErrorCode,
    NackReason,
    PacketType,
    Side,
    StatusFlags,
    Units,
)
from .errors import PacketError

__all__ = [
    "Ack",
    "Command",
    "DeviceInfo",
    "ImuSamples",
    "Nack",
    "Packet",
    "PressureSamples",
    "Status",
    "TimeSync",
    "sample_timestamps_us",
]

BATTERY_UNKNOWN = 255
TEMPERATURE_UNKNOWN = -32768


def sample_timestamps_us(t0_us: int, period_ns: int, n: int) -> np.ndarray:
    """Device timestamps of ``n`` equally spaced samples, as the spec defines them.

    ``t[i] = t0_us + floor(i * period_ns / 1000)`` in exact integer arithmetic.

    Parameters
    ----------
    t0_us : int
        Timestamp of sample 0 in microseconds (u64).
    period_ns : int
        Nominal sample period in nanoseconds.
    n : int
        Number of samples.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` uint64 array.
    """
    offsets = (np.arange(n, dtype=np.uint64) * np.uint64(period_ns)) // np.uint64(1000)
    return offsets + np.uint64(t0_us)


def _sample_seq(first: int, n: int) -> np.ndarray:
    """``(first + i) mod 2**32`` for ``i < n`` as uint32."""
    return (np.arange(n, dtype=np.uint64) + np.uint64(first)).astype(np.uint32)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Who the device is and what it streams (type 0x01, device to host)."""

    seq: int
    device_id: int
    firmware_version: tuple[int, int, int]
    side: Side
    sensor_count: int
    adc_bits: int
    units: Units
    scale_exp: int
    layout_id: int
    sample_rate_hz: int
    capabilities: Capability = Capability.NONE
    type: ClassVar[PacketType] = PacketType.DEVICE_INFO

    @property
    def value_scale(self) -> float:
        """Multiply a pressure value by this to get ``units`` (``10**scale_exp``)."""
        return 10.0**self.scale_exp


@dataclass(frozen=True, slots=True, eq=False)
class PressureSamples:
    """A block of pressure samples (type 0x02, device to host).

    Attributes
    ----------
    seq : int
        Header sequence number.
    t0_us : int
        Device time of sample 0, microseconds since device boot (u64).
    first_sample_seq : int
        Sample sequence number of sample 0 (u32, wraps).
    period_ns : int
        Nominal sample period in nanoseconds (u32, > 0).
    bits : int
        Wire width of each value: 12 (packed) or 16.
    values : numpy.ndarray
        ``(n_samples, n_channels)`` uint16, sample-major.
    """

    seq: int
    t0_us: int
    first_sample_seq: int
    period_ns: int
    bits: int
    values: np.ndarray
    type: ClassVar[PacketType] = PacketType.PRESSURE

    @property
    def n_samples(self) -> int:
        """Number of samples (rows of ``values``)."""
        return int(self.values.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of sensors (columns of ``values``)."""
        return int(self.values.shape[1])

    @property
    def timestamps_us(self) -> np.ndarray:
        """``(n_samples,)`` uint64 device timestamps, see :func:`sample_timestamps_us`."""
        return sample_timestamps_us(self.t0_us, self.period_ns, self.n_samples)

    @property
    def sample_seq(self) -> np.ndarray:
        """``(n_samples,)`` uint32 sample sequence numbers (wrapping modulo 2**32)."""
        return _sample_seq(self.first_sample_seq, self.n_samples)


@dataclass(frozen=True, slots=True, eq=False)
class ImuSamples:
    """A block of IMU samples (type 0x03, device to host).

    ``accel`` and ``gyro`` are ``(n, 3)`` int16 raw counts; one count is
    ``accel_range_g / 32768`` g and ``gyro_range_dps / 32768`` degrees/s.
    """

    seq: int
    t0_us: int
    first_sample_seq: int
    period_ns: int
    accel_range_g: int
    gyro_range_dps: int
    accel: np.ndarray
    gyro: np.ndarray
    type: ClassVar[PacketType] = PacketType.IMU

    @property
    def n_samples(self) -> int:
        """Number of IMU samples."""
        return int(self.accel.shape[0])

    @property
    def accel_g(self) -> np.ndarray:
        """``(n, 3)`` float64 acceleration in g."""
        return self.accel.astype(np.float64) * (self.accel_range_g / 32768.0)

    @property
    def gyro_dps(self) -> np.ndarray:
        """``(n, 3)`` float64 angular rate in degrees per second."""
        return self.gyro.astype(np.float64) * (self.gyro_range_dps / 32768.0)

    @property
    def timestamps_us(self) -> np.ndarray:
        """``(n,)`` uint64 device timestamps."""
        return sample_timestamps_us(self.t0_us, self.period_ns, self.n_samples)

    @property
    def sample_seq(self) -> np.ndarray:
        """``(n,)`` uint32 IMU sample sequence numbers."""
        return _sample_seq(self.first_sample_seq, self.n_samples)


@dataclass(frozen=True, slots=True)
class Status:
    """Device health (type 0x04, device to host)."""

    seq: int
    device_time_us: int
    battery_pct: int
    temperature_cdeg: int
    error_flags: StatusFlags
    streaming: bool
    type: ClassVar[PacketType] = PacketType.STATUS

    @property
    def battery(self) -> int | None:
        """Battery charge in percent, or None when the device does not know."""
        return None if self.battery_pct == BATTERY_UNKNOWN else self.battery_pct

    @property
    def temperature_c(self) -> float | None:
        """Temperature in degrees Celsius, or None when the device does not know."""
        if self.temperature_cdeg == TEMPERATURE_UNKNOWN:
            return None
        return self.temperature_cdeg / 100.0


@dataclass(frozen=True, slots=True)
class TimeSync:
    """Reply to a SYNC_TIME command (type 0x05, device to host).

    Attributes
    ----------
    command_seq : int
        Header ``seq`` of the SYNC_TIME command this answers.
    host_time_us : int
        The host timestamp the command carried, echoed (t1).
    device_rx_us : int
        Device clock when the command arrived (t2).
    device_tx_us : int
        Device clock when this reply was queued for sending (t3).
    """

    seq: int
    command_seq: int
    host_time_us: int
    device_rx_us: int
    device_tx_us: int
    type: ClassVar[PacketType] = PacketType.TIME_SYNC

    def offset_us(self, host_rx_us: int) -> float:
        """Estimated ``device_clock - host_clock`` in microseconds.

        Parameters
        ----------
        host_rx_us : int
            Host clock when this reply arrived (t4).

        Returns
        -------
        float
            ``((t2 - t1) + (t3 - t4)) / 2``, exact when both path delays are equal.
        """
        return ((self.device_rx_us - self.host_time_us) + (self.device_tx_us - host_rx_us)) / 2

    def round_trip_us(self, host_rx_us: int) -> int:
        """Network round trip ``(t4 - t1) - (t3 - t2)``: the error bound on the offset is half of it."""
        return (host_rx_us - self.host_time_us) - (self.device_tx_us - self.device_rx_us)


def _pack_arg(fmt: str, value: int, name: str) -> bytes:
    try:
        return struct.pack(fmt, value)
    except struct.error:
        raise PacketError(ErrorCode.INVALID_FIELD, f"{name}={value!r} does not fit") from None


COMMAND_ARG_SIZES = {
    # Argument bytes each known command must carry.
    CommandId.START: 0,
    CommandId.STOP: 0,
    CommandId.SET_RATE: 2,
    CommandId.TARE: 0,
    CommandId.REQUEST_INFO: 0,
    CommandId.SYNC_TIME: 8,
}


@dataclass(frozen=True, slots=True)
class Command:
    """A host command (type 0x10, host to device).

    ``args`` are the raw argument bytes; use the constructors (:meth:`set_rate`,
    :meth:`sync_time`, ...) and properties (:attr:`rate_hz`, :attr:`host_time_us`)
    rather than building them by hand. ``command`` is a :class:`CommandId` when
    known, else the raw byte (a device must NACK it with UNKNOWN_COMMAND).
    """

    seq: int
    command: CommandId | int
    args: bytes = b""
    type: ClassVar[PacketType] = PacketType.COMMAND

    @classmethod
    def start(cls, seq: int) -> Command:
        """START streaming."""
        return cls(seq, CommandId.START)

    @classmethod
    def stop(cls, seq: int) -> Command:
        """STOP streaming."""
        return cls(seq, CommandId.STOP)

    @classmethod
    def set_rate(cls, seq: int, rate_hz: int) -> Command:
        """SET_RATE to ``rate_hz`` samples per second (u16)."""
        return cls(seq, CommandId.SET_RATE, _pack_arg("<H", rate_hz, "rate_hz"))

    @classmethod
    def tare(cls, seq: int) -> Command:
        """TARE: take the current readings as zero."""
        return cls(seq, CommandId.TARE)

    @classmethod
    def request_info(cls, seq: int) -> Command:
        """REQUEST_INFO: the device answers ACK then DEVICE_INFO."""
        return cls(seq, CommandId.REQUEST_INFO)

    @classmethod
    def sync_time(cls, seq: int, host_time_us: int) -> Command:
        """SYNC_TIME carrying the host clock (u64 microseconds); answered by ACK then TIME_SYNC."""
        return cls(seq, CommandId.SYNC_TIME, _pack_arg("<Q", host_time_us, "host_time_us"))

    @property
    def rate_hz(self) -> int | None:
        """SET_RATE argument, else None."""
        if self.command == CommandId.SET_RATE and len(self.args) == 2:
            return int(struct.unpack("<H", self.args)[0])
        return None

    @property
    def host_time_us(self) -> int | None:
        """SYNC_TIME argument, else None."""
        if self.command == CommandId.SYNC_TIME and len(self.args) == 8:
            return int(struct.unpack("<Q", self.args)[0])
        return None


@dataclass(frozen=True, slots=True)
class Ack:
    """The device accepted command ``command_seq`` (type 0x11)."""

    seq: int
    command_seq: int
    command: CommandId | int
    type: ClassVar[PacketType] = PacketType.ACK


@dataclass(frozen=True, slots=True)
class Nack:
    """The device refused command ``command_seq`` for ``reason`` (type 0x12)."""

    seq: int
    command_seq: int
    command: CommandId | int
    reason: NackReason | int
    type: ClassVar[PacketType] = PacketType.NACK


Packet = DeviceInfo | PressureSamples | ImuSamples | Status | TimeSync | Command | Ack | Nack
"""Any decoded packet."""
