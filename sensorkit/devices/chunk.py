"""What a device yields: :class:`Chunk` (struct of arrays) and its :class:`LinkStats`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Chunk", "LinkStats"]


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Cumulative link counters of one device, as of the chunk that carries them.

    Attributes
    ----------
    bytes_in : int
        Bytes received from the transport.
    packets_ok : int
        Frames (binary mode) or lines (CSV mode) decoded successfully.
    crc_errors, framing_errors, content_errors : int
        Frames rejected by the decoder, by class (the stream resynchronised after each).
    missing_packets : int
        Packets skipped by forward jumps of the header sequence number.
    samples : int
        Samples delivered in chunks.
    missing_samples : int
        Samples the device numbered but that never arrived (never interpolated).
    gaps : int
        Gaps recorded (each with its time span, see :attr:`Chunk.gaps`).
    duplicates : int
        Pressure packets dropped because their samples had already been delivered.
    reconnects : int
        Successful reconnections after a lost link or a timeout.
    timeouts : int
        Times the device sent nothing for the configured timeout.
    """

    bytes_in: int = 0
    packets_ok: int = 0
    crc_errors: int = 0
    framing_errors: int = 0
    content_errors: int = 0
    missing_packets: int = 0
    samples: int = 0
    missing_samples: int = 0
    gaps: int = 0
    duplicates: int = 0
    reconnects: int = 0
    timeouts: int = 0

    @property
    def errors(self) -> int:
        """All rejected frames."""
        return self.crc_errors + self.framing_errors + self.content_errors

    @property
    def loss_fraction(self) -> float:
        """Missing samples over expected samples (0 when nothing was expected)."""
        expected = self.samples + self.missing_samples
        return self.missing_samples / expected if expected else 0.0

    def as_dict(self) -> dict[str, int]:
        """Plain-dict snapshot."""
        return asdict(self)


@dataclass(frozen=True, slots=True, eq=False)
class Chunk:
    """A block of consecutive samples from one insole, on the host clock.

    Attributes
    ----------
    side : str
        ``"left"``, ``"right"`` or ``"unknown"``.
    stream : int
        Index of the device in its session (0 for a single device, 0/1 for a pair).
    time : numpy.ndarray
        ``(n,)`` float64 host time of each sample in s (``time.monotonic`` clock), mapped
        from the device clock with the drift-corrected fit of :class:`~sensorkit.devices.clock.ClockMap`.
    seq : numpy.ndarray
        ``(n,)`` int64 sample sequence numbers, unwrapped (they only increase; a jump
        larger than one is a gap listed in :attr:`gaps`).
    values : numpy.ndarray
        ``(n, S)`` float32 sensor values in :attr:`units`.
    units : str
        ``"N"``, ``"kPa"``, ``"mV"`` or ``"counts"`` (raw ADC counts, to be calibrated).
    n_packets : int
        Packets (or CSV lines) that carried these samples.
    arrival_s : float
        Host time at which the last bytes of this chunk arrived (s).
    gaps : tuple of dict
        Gaps that end at this chunk, with the keys of :data:`sensorkit.recording.GAP_COLUMNS`.
    stats : LinkStats
        Cumulative link statistics of the device after this chunk.
    saturated : numpy.ndarray or None
        ``(n, S)`` bool, set when the values were converted from raw counts by a
        calibration (:class:`~sensorkit.calibrate.live.ChunkCalibrator`): True where the raw
        count reached the response's ``saturation_counts``. Such values are the curve's
        value at that count, a lower bound of the true load (never clipped). None when the
        device sent physical units or the chunk is uncalibrated counts.
    counts : numpy.ndarray or None
        ``(n, S)`` float32 raw ADC counts the values were converted from (None unless
        :attr:`saturated` is set), so a calibrated stream still offers its raw counts.
    missed_chunks, missed_samples : int
        Chunks (samples) of this stream dropped from the session's queue since the previous
        chunk read, because the reader lagged behind a live device (see
        :mod:`sensorkit.devices.chunkqueue`); the capture file still holds them. 0 normally.
    extra : dict or None
        Other per-sample fields the device sent, name -> ``(n, k)`` float64, aligned with
        :attr:`time`: IMU (``imu_accel`` in g, ``imu_gyro`` in deg/s, ``imu_quat``, or the
        units the profile states) and fields a profile keeps for cross-checks (e.g.
        Moticon's ``total_force_n`` and ``cop``). None when there are none.
    imu : dict or None
        IMU samples of the sensorkit protocol (IMU packets) received with this chunk, on
        their own times: ``time`` (m,) float64 host s (the same clock map as :attr:`time`),
        ``accel_g`` (m, 3) in g and ``gyro_deg_s`` (m, 3) in degrees/s. None when none came.
    """

    side: str
    stream: int
    time: np.ndarray
    seq: np.ndarray
    values: np.ndarray
    units: str
    n_packets: int
    arrival_s: float
    gaps: tuple[dict, ...]
    stats: LinkStats
    saturated: np.ndarray | None = None
    counts: np.ndarray | None = None
    missed_chunks: int = 0
    missed_samples: int = 0
    extra: dict | None = None
    imu: dict | None = None

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.time.shape[0])

    @property
    def total_force(self) -> np.ndarray:
        """``(n,)`` float32 sum over sensors (N when :attr:`units` is N)."""
        return self.values.sum(axis=1, dtype=np.float32)

    @property
    def n_saturated(self) -> int:
        """Number of saturated sensor readings in this chunk (0 when not converted from counts)."""
        return 0 if self.saturated is None else int(self.saturated.sum())

    def __repr__(self) -> str:
        span = f"{self.time[0]:.3f}-{self.time[-1]:.3f} s" if self.n else "empty"
        return f"<Chunk {self.side} n={self.n} {span} gaps={len(self.gaps)}>"
