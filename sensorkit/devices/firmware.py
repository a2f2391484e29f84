"""A simulated insole firmware that speaks the real wire protocol.

:class:`SimFirmware` is what ``sim://`` talks to, and what tests and benchmarks put on
the far end of a pseudo-terminal or a TCP socket. It decodes host commands with
:class:`sensorkit.protocol.Decoder`, answers with ACK/NACK, DEVICE_INFO and TIME_SYNC,
and streams PRESSURE packets encoded with :func:`sensorkit.protocol.encode_frame`,
sampled on its own device clock (which may drift) from :func:`sensorkit.simulate`.

With ``units="counts"`` it is a raw FSR insole: it declares raw counts and its ADC bits
in DEVICE_INFO and sends 12-bit ADC counts, the true forces read through the response
curves (ref16: ``ref16-fsr``) with the per-sensor zero offsets, sensitivity error, drift,
noise and saturation of :class:`sensorkit.simulate.raw.InsoleErrors` (seed ``miscal``).
With ``script="calibration"`` the subject follows the guided calibration postures
(:func:`sensorkit.simulate.raw.simulate_guided_session`) instead of running.
It has no thread of its own: call :meth:`SimFirmware.receive` with bytes from the host
and :meth:`SimFirmware.output` to get the bytes due by a given host time.
"""

from __future__ import annotations

import math
import os
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from sensorkit.devices.transport import host_time
from sensorkit.protocol import (
    Ack,
    Capability,
    Command,
    CommandId,
    Decoder,
    DeviceInfo,
    Nack,
    NackReason,
    PressureSamples,
    Side,
    Status,
    StatusFlags,
    TimeSync,
    Units,
    encode_frame,
)
from sensorkit.simulate import simulate

__all__ = ["SimFirmware", "SimParams", "SimSignal", "serve_fd", "serve_socket"]

BLOCK_S = 20.0  # the signal is simulated in blocks of about this many seconds
PACKET_PERIOD_S = 0.01  # one PRESSURE packet per 10 ms of samples (as sk.simulate's dropouts)
STATUS_PERIOD_S = 1.0
MAX_PAYLOAD_VALUES_16 = (504 - 19) // 2  # 16-bit values that fit one PRESSURE payload
RATE_RANGE_HZ = (10, 2000)
#: Postures of ``script="calibration"``: the pair's steps (lift each foot, both feet, left,
#: right) hold every step of one insole in order too (sensorkit.calibrate.guided.
#: single_insole_steps), once the left foot is held again for the right insole's last step.
CALIBRATION_SCRIPT = ("lift_left", "lift_right", "both", "left", "right", "left")
_U32 = 1 << 32
_U16 = 1 << 16


@dataclass(frozen=True)
class SimParams:
    """Parameters of a simulated insole (the ``sim://`` query parameters).

    Attributes
    ----------
    side : {"left", "right"}
    foot : {"normal", "flat", "high"}
        Arch type.
    strike : {"rearfoot", "midfoot", "forefoot"}
    cadence : float or None
        Steps per minute (None = simulator default).
    speed : float
        Speed in m/s (below 2 walks).
    mass : float
        Body mass in kg.
    asym : float
        Left/right force asymmetry (0.1 = 10 %).
    noise : float
        Sensor noise standard deviation in N.
    loss : float
        Probability that a PRESSURE packet is lost on the link (0-1).
    drift : float
        Device clock error in ppm (positive = the device clock runs fast).
    seed : int
        Random seed (signal, losses, boot time).
    rate : int
        Sampling rate in Hz.
    layout : str
        Built-in force layout.
    units : {"N", "counts"}
        What the insole sends: calibrated newtons, or raw ADC counts of a mis-calibrated
        FSR insole (see :class:`SimSignal`).
    miscal : int or None
        Seed of the insole's calibration errors (``InsoleErrors.random(miscal)``; None:
        ``seed``). Only with ``units="counts"``.
    script : {"run", "calibration"}
        What the subject does: run (:func:`sensorkit.simulate`), or hold the postures of
        :data:`CALIBRATION_SCRIPT` (the pair's guided calibration, then the left foot again),
        then stay on the left foot.
    hold : float
        Seconds each posture of the calibration script is held (transitions 1.5 s).
    """

    side: str = "left"
    foot: str = "normal"
    strike: str = "rearfoot"
    cadence: float | None = None
    speed: float = 3.0
    mass: float = 70.0
    asym: float = 0.0
    noise: float = 0.0
    loss: float = 0.0
    drift: float = 0.0
    seed: int = 0
    rate: int = 100
    layout: str = "ref16"
    units: str = "N"
    miscal: int | None = None
    script: str = "run"
    hold: float = 6.0


class SimSignal:
    """Per-sample values of one side, simulated block by block (blocks of about ``BLOCK_S``).

    Forces in N come from :func:`sensorkit.simulate` (``script="run"``, seed ``seed +
    block``) or from :func:`sensorkit.simulate.raw.simulate_guided_session` (``script=
    "calibration"``; after the script the last frame is held). With ``units="counts"``
    each block is turned into raw counts by :meth:`InsoleErrors.counts` (time for the
    drift: s since sample 0 of the stream; noise seeded by ``(miscal, seed, block, side)``),
    so the counts are deterministic per URL.

    Running blocks have no seams: each is cut from its first left initial contact (block 0:
    from its start) to just before its last left initial contact (the simulator's ground
    truth), so one block ends in the swing before a contact and the next begins with one. Both sides of a pair cut at the left contacts (the same
    simulation), so they stay in step; no stance is cut at a block boundary (before, every
    20 s a stance dropped from ~1467 N to 0 N).
    """

    def __init__(self, params: SimParams) -> None:
        self.params = params
        self._block = -1
        self._data: np.ndarray | None = None
        self._n_block = round(BLOCK_S * params.rate)
        self._script: np.ndarray | None = None
        self._starts = [0]  # global index of the first sample of blocks 0, 1, ... (known so far)
        self.insole = None
        if params.units == "counts":
            from sensorkit.simulate.raw import InsoleErrors

            self.insole = InsoleErrors.random(params.seed if params.miscal is None else params.miscal)
        self.n_sensors = self._get(0).shape[1]

    @property
    def adc_bits(self) -> int:
        """ADC resolution in bits (16 when the values are not counts)."""
        return 16 if self.insole is None else int(self.insole.response.adc_bits)

    def _forces(self, block: int) -> np.ndarray:
        p = self.params
        if p.script == "calibration":
            if self._script is None:
                from sensorkit.simulate.raw import simulate_guided_session

                guided = simulate_guided_session(
                    self.insole, body_mass_kg=p.mass, seed=p.seed, hold_s=p.hold, rate_hz=float(p.rate),
                    layout=p.layout, postures=CALIBRATION_SCRIPT,
                )  # fmt: skip
                self._script = guided.forces_n[p.side]
            rows = np.arange(block * self._n_block, (block + 1) * self._n_block)
            return self._script[np.minimum(rows, self._script.shape[0] - 1)]
        rec = simulate(
            duration_s=BLOCK_S, seed=p.seed + block, rate_hz=float(p.rate), foot_type=p.foot,
            strike=p.strike, cadence_spm=p.cadence, speed_mps=p.speed, body_mass_kg=p.mass,
            asymmetry=p.asym, noise=p.noise, layout=p.layout,
        )  # fmt: skip
        data = rec.left if p.side == "left" else rec.right
        steps = rec.metadata["ground_truth"].steps
        contacts = np.sort(steps.loc[steps["side"] == "left", "t_contact_s"].to_numpy(dtype=np.float64))
        idx = np.rint(contacts * p.rate).astype(np.int64)
        idx = idx[(idx > 0) & (idx < data.shape[0])]
        if idx.size < 2:  # strides longer than the block: nothing to cut at
            return data
        first = 0 if block == 0 else int(idx[0])  # block 0 starts where the simulation does
        return data[first : int(idx[-1])]

    def _get(self, block: int) -> np.ndarray:
        if block != self._block:
            data = self._forces(block)
            if len(self._starts) == block + 1:
                self._starts.append(self._starts[block] + data.shape[0])
            if self.insole is not None:
                p = self.params
                t = (self._starts[block] + np.arange(data.shape[0])) / float(p.rate)
                miscal = p.seed if p.miscal is None else p.miscal
                seq = np.random.SeedSequence([miscal, p.seed, block, int(p.side == "right")])
                data = self.insole.counts(p.side, t, data, np.random.default_rng(seq))
            self._data = data
            self._block = block
        assert self._data is not None
        return self._data

    def _block_of(self, k: int) -> int:
        """The block holding global sample ``k`` (blocks are simulated in order to learn their lengths)."""
        while k >= self._starts[-1]:
            self._get(len(self._starts) - 1)
        return int(np.searchsorted(self._starts, k, side="right")) - 1

    def rows(self, k: int, n: int) -> np.ndarray:
        """Values (n, S) of samples ``k .. k+n-1``: forces in N, or uint16 raw counts."""
        out = []
        while n > 0:
            block = self._block_of(k)
            row = k - self._starts[block]
            data = self._get(block)
            take = min(n, data.shape[0] - row)
            out.append(data[row : row + take])
            k += take
            n -= take
        return out[0] if len(out) == 1 else np.concatenate(out)


class SimFirmware:
    """The firmware of one simulated insole.

    Parameters
    ----------
    params : SimParams
        What to simulate.
    start_host_s : float, optional
        Host time at which the device clock is read as ``boot_us`` (default now).
    autostream : bool
        Stream from power-up without waiting for START (some boards do).
    """

    def __init__(
        self, params: SimParams, *, start_host_s: float | None = None, autostream: bool = False
    ) -> None:
        self.params = params
        self.signal = SimSignal(params)
        rng = np.random.default_rng(params.seed * 2 + (params.side == "right"))
        self._loss_rng = np.random.default_rng(rng.integers(1 << 62))
        self.device_id = int(rng.integers(1 << 48)) | (0x5E << 56)
        self._h0 = host_time() if start_host_s is None else start_host_s
        self._boot_us = int(rng.integers(1_000_000, 100_000_000))  # device uptime at _h0
        self._rate_factor = 1.0 + params.drift * 1e-6
        self._decoder = Decoder()
        self._out = bytearray()
        self._tx_seq = 0
        self._streaming = False
        self._rate = int(params.rate)
        self._counts = params.units == "counts"
        self._scale_exp = 0 if self._counts else -2 if params.mass <= 90 else -1
        self._wire_bits = 12 if self._counts and self.signal.adc_bits <= 12 else 16
        self._tare = np.zeros(self.signal.n_sensors, dtype=np.int64)
        self._next_status = self._h0 + STATUS_PERIOD_S
        self.lost_packets = 0
        self.sent_packets = 0
        self._configure_stream()
        if autostream:
            self._start(self._h0)

    # -- clock ------------------------------------------------------------------
    def device_us(self, host_s: float) -> int:
        """Device clock (us since boot) at host time ``host_s``."""
        return self._boot_us + math.floor((host_s - self._h0) * 1e6 * self._rate_factor)

    def host_s(self, device_us: float | np.ndarray) -> float | np.ndarray:
        """True host time (s) at which the device clock read ``device_us``."""
        return self._h0 + (np.asarray(device_us, dtype=np.float64) - self._boot_us) / self._rate_factor * 1e-6

    def true_sample_times(self, seq: np.ndarray) -> np.ndarray:
        """True host times (s) at which samples ``seq`` (the unwrapped sample numbers) were taken."""
        dev = self._stream_t0_us + (np.asarray(seq, dtype=np.int64) * self._period_ns) / 1000.0
        return self.host_s(dev)

    # -- host side --------------------------------------------------------------
    def receive(self, data: bytes, now: float | None = None) -> None:
        """Bytes from the host (commands), received at host time ``now``."""
        now = host_time() if now is None else now
        for packet in self._decoder.feed(data):
            if isinstance(packet, Command):
                self._command(packet, now)

    def output(self, now: float | None = None) -> bytes:
        """All bytes due by host time ``now`` (replies and the PRESSURE/STATUS packets)."""
        now = host_time() if now is None else now
        if self._streaming:
            self._produce(now)
        if now >= self._next_status:
            self._next_status = now + STATUS_PERIOD_S
            self._emit(Status(0, self.device_us(now), 90, 3100, StatusFlags.NONE, self._streaming))
        out = bytes(self._out)
        self._out.clear()
        return out

    def next_due(self) -> float:
        """Host time (s) when the next packet is due."""
        if not self._streaming:
            return self._next_status
        last = self._next_sample + self._per_packet - 1
        return min(float(self.host_s(self._sample_dev_us(last))), self._next_status)

    # -- internals ----------------------------------------------------------------
    def _configure_stream(self) -> None:
        self._period_ns = round(1e9 / self._rate)
        s = self.signal.n_sensors
        self._per_packet = max(1, min(round(PACKET_PERIOD_S * self._rate), MAX_PAYLOAD_VALUES_16 // s, 255))

    def _sample_dev_us(self, k: int) -> int:
        return self._stream_t0_us + (k * self._period_ns) // 1000

    def _start(self, now: float) -> None:
        self._streaming = True
        self._stream_t0_us = self.device_us(now)
        self._next_sample = 0

    def _info(self) -> DeviceInfo:
        return DeviceInfo(
            0, self.device_id, (1, 0, 0), Side.LEFT if self.params.side == "left" else Side.RIGHT,
            self.signal.n_sensors, self.signal.adc_bits, Units.RAW_COUNTS if self._counts else Units.NEWTON,
            self._scale_exp, 1 if self.params.layout == "ref16" else 0,
            self._rate, Capability.BATTERY | Capability.TEMPERATURE,
        )  # fmt: skip

    def _emit(self, packet, *, lost: bool = False) -> None:
        packet = replace(packet, seq=self._tx_seq)
        self._tx_seq = (self._tx_seq + 1) % _U16
        if not lost:
            self._out += encode_frame(packet)

    def _command(self, cmd: Command, now: float) -> None:
        cid = cmd.command
        rx_us = self.device_us(now)
        if cid == CommandId.START:
            if not self._streaming:
                self._start(now)
        elif cid == CommandId.STOP:
            self._streaming = False
        elif cid == CommandId.SET_RATE:
            rate = cmd.rate_hz or 0
            if self._streaming:
                self._emit(Nack(0, cmd.seq, cid, NackReason.INVALID_STATE))
                return
            if not RATE_RANGE_HZ[0] <= rate <= RATE_RANGE_HZ[1]:
                self._emit(Nack(0, cmd.seq, cid, NackReason.BAD_ARGUMENT))
                return
            self._rate = rate
            self.params = SimParams(**{**self.params.__dict__, "rate": rate})
            self.signal = SimSignal(self.params)
            self._configure_stream()
        elif cid == CommandId.TARE:
            if self._counts:  # a raw insole is zeroed by its calibration, on the host
                self._emit(Nack(0, cmd.seq, cid, NackReason.NOT_SUPPORTED))
                return
            k = self._next_sample if self._streaming else 0
            self._tare = self._raw(k, 1)[0].astype(np.int64) + self._tare
        elif cid == CommandId.REQUEST_INFO:
            self._emit(Ack(0, cmd.seq, cid))
            self._emit(self._info())
            return
        elif cid == CommandId.SYNC_TIME:
            self._emit(Ack(0, cmd.seq, cid))
            self._emit(TimeSync(0, cmd.seq, cmd.host_time_us or 0, rx_us, self.device_us(host_time())))
            return
        else:
            self._emit(Nack(0, cmd.seq, cid, NackReason.UNKNOWN_COMMAND))
            return
        self._emit(Ack(0, cmd.seq, cid))

    def _raw(self, k: int, n: int) -> np.ndarray:
        if self._counts:
            return self.signal.rows(k, n).astype(np.uint16, copy=False)
        forces = self.signal.rows(k, n).astype(np.float64)
        counts = np.rint(forces * 10.0 ** (-self._scale_exp)).astype(np.int64) - self._tare
        return np.clip(counts, 0, 0xFFFF).astype(np.uint16)

    def _produce(self, now: float) -> None:
        per = self._per_packet
        while True:
            k = self._next_sample
            last_dev = self._sample_dev_us(k + per - 1)
            if float(self.host_s(last_dev)) > now:
                return
            lost = self.params.loss > 0 and self._loss_rng.random() < self.params.loss
            packet = PressureSamples(
                0, self._sample_dev_us(k), k % _U32, self._period_ns, self._wire_bits, self._raw(k, per)
            )
            self._emit(packet, lost=lost)
            self.lost_packets += lost
            self.sent_packets += not lost
            self._next_sample = k + per


# ---------------------------------------------------------------- serving over real links


def serve_fd(
    firmware: SimFirmware,
    fd: int,
    stop: threading.Event,
    mangle: Callable[[bytes], bytes] | None = None,
) -> None:
    """Play ``firmware`` on a file descriptor (e.g. a pseudo-terminal master) until ``stop`` is set.

    ``mangle`` may rewrite outgoing bytes (fault injection). Returns when ``stop`` is set or
    the descriptor is closed.
    """
    _serve(firmware, stop, lambda timeout: _read_fd(fd, timeout), lambda data: _write_fd(fd, data), mangle)


def serve_socket(
    firmware: SimFirmware,
    sock: socket.socket,
    stop: threading.Event,
    mangle: Callable[[bytes], bytes] | None = None,
) -> None:
    """Play ``firmware`` on a connected socket until ``stop`` is set or the peer closes."""

    def read(timeout: float) -> bytes | None:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            return b""
        data = sock.recv(65536)
        return data if data else None

    _serve(firmware, stop, read, sock.sendall, mangle)


def _read_fd(fd: int, timeout: float) -> bytes | None:
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    return data if data else None


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _serve(firmware, stop, read, write, mangle) -> None:
    try:
        while not stop.is_set():
            now = host_time()
            out = firmware.output(now)
            if out:
                write(mangle(out) if mangle else out)
            wait = max(0.0, min(firmware.next_due() - host_time(), 0.05))
            data = read(wait)
            if data is None:
                return
            if data:
                firmware.receive(data, host_time())
    except OSError:
        return
