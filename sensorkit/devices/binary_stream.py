"""The stream decoder of sensorkit's binary protocol: frames in, numbered and timed samples out.

A :class:`BinaryStream` owns the packet :class:`~sensorkit.protocol.Decoder`, the device's
:class:`~sensorkit.devices.clock.ClockMap` and a
:class:`~sensorkit.devices.packetseq.PacketSequencer`, and decides from the received frames
alone what they mean (PROTOCOL.md 5-7): samples (numbered, mapped onto the host clock, held
after a reboot until a TIME_SYNC maps them), the device's identification, a reboot, a board
that went idle, command replies, IMU samples. It sends nothing: what calls for an answer
(resynchronise a rebooted board, wake an ACK's waiter) it reports in :class:`Decoded`, and
the :class:`~sensorkit.devices.device.Device` acts on it. It depends only on the frames and
their arrival times, so a replay of a capture decodes exactly what the live link did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sensorkit.devices.capture import REC_RX
from sensorkit.devices.clock import ClockMap
from sensorkit.devices.framing import Framer
from sensorkit.devices.info import DeviceDescription, describe
from sensorkit.devices.packetseq import PacketSequencer
from sensorkit.devices.tap import CaptureTap
from sensorkit.errors import DeviceError
from sensorkit.layout import SensorLayout
from sensorkit.protocol import (
    Ack,
    CommandId,
    Decoder,
    DeviceInfo,
    ImuSamples,
    Nack,
    PressureSamples,
    Status,
    TimeSync,
    encode_frame,
)

__all__ = ["IMU_PENDING_KEPT", "BinaryStream", "Decoded"]

IMU_PENDING_KEPT = 1000  # IMU packets held while no pressure chunk goes out (the oldest are dropped)
_SYNC_HOLD_S = 0.5  # after a reboot, samples wait this long (arrival time) for a TIME_SYNC
_INFO_ANSWERS = (CommandId.REQUEST_INFO, CommandId.SET_RATE)  # commands a DEVICE_INFO may answer (6.1)
_INFO_ANSWER_S = 1.0  # a DEVICE_INFO arriving this long after such an ACK answers it
# the same DEVICE_INFO frame again within this long is a duplicated notification (bleak/BlueZ
# can deliver each twice), not a reboot: no board boots twice within half a second
_DUPLICATE_INFO_S = 0.5


@dataclass
class Decoded:
    """What one :meth:`BinaryStream.feed` found.

    Attributes
    ----------
    parts : list of (times, seq, values)
        (n,) float64 host s, (n,) int64 sample numbers, (n, S) float32 values (scaled to the
        device's units), in order.
    gaps : list of dict
        Gaps before those samples (keys of ``sensorkit.recording.GAP_COLUMNS``).
    n_packets : int
        PRESSURE packets that gave samples.
    replies : list of Ack or Nack
        Command replies, in order.
    rebooted : bool
        A DEVICE_INFO announced a boot while samples flowed (the clock map was dropped).
    idle : bool
        A STATUS said the board is not streaming.
    identified : bool
        A DEVICE_INFO was taken (the device is identified from now on).
    syncs : int
        TIME_SYNC replies received.
    device_changed : int or None
        The new device id, when a DEVICE_INFO names another device than the last one.
    error : DeviceError or None
        The stream cannot go on (a DEVICE_INFO the URL's layout does not fit).
    """

    parts: list = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    n_packets: int = 0
    replies: list = field(default_factory=list)
    rebooted: bool = False
    idle: bool = False
    identified: bool = False
    syncs: int = 0
    device_changed: int | None = None
    error: DeviceError | None = None


class BinaryStream:
    """Decoder state of one device speaking the sensorkit binary protocol.

    Parameters
    ----------
    url : str
        For messages and the device description.
    transport_name : str
        For the device description.
    side : str, optional
        Side to assume when DEVICE_INFO does not state one.
    layout : SensorLayout or str, optional
        A layout that overrides the device's layout id.
    tap : CaptureTap
        The device's capture tap: every received frame is recorded there as it arrived, and
        the latest DEVICE_INFO and TIME_SYNC frames are kept there (a capture attached
        mid-session starts with them).
    damaged : callable
        Returns True while the bytes come from a damaged replay (then the capture header's
        DEVICE_INFO, :attr:`fallback_info`, stands in for a lost one).

    Attributes
    ----------
    info : DeviceDescription or None
        What the device is, once identified.
    device_info, status : DeviceInfo, Status or None
        The latest DEVICE_INFO and STATUS.
    fallback_info : DeviceInfo or None
        Replays: the DEVICE_INFO kept in the capture header (CAPTURE.md, version 2).
    clock : ClockMap
        Device clock -> host clock (TIME_SYNC fit, or arrival times).
    lost : bool
        Set by the device when the link was lost; cleared by the next sample.
    duplicates, wrong_shape, time_back : int
        Samples' packets already delivered; PRESSURE packets whose channel count contradicts
        DEVICE_INFO (rejected); blocks whose mapped time would have gone back after a restart.
    """

    def __init__(self, *, url: str, transport_name: str, side: str | None,
                 layout: SensorLayout | str | None, tap: CaptureTap,
                 damaged: Callable[[], bool] = lambda: False) -> None:  # fmt: skip
        self.url = url
        self.transport_name = transport_name
        self.side_hint = side
        self.layout = layout
        self.tap = tap
        self._damaged = damaged
        self.info: DeviceDescription | None = None
        self.device_info: DeviceInfo | None = None
        self.fallback_info: DeviceInfo | None = None
        self.status: Status | None = None
        self.units = "counts"
        self.scale32 = np.float32(1.0)
        self.clock = ClockMap()
        self.lost = False
        self.duplicates = 0
        self.wrong_shape = 0
        self._seq = PacketSequencer(self.clock)
        self._decoder = Decoder()
        self._framer = Framer(b"\x00")
        self._partial_t = 0.0  # arrival time of the bytes the framer holds
        self._totals = {"packets_ok": 0, "crc": 0, "framing": 0, "content": 0, "missing_packets": 0}
        self._pending: list[tuple[PressureSamples, float]] = []  # samples held until identified or synced
        self._hold_since: float | None = None  # arrival time since which samples wait for a TIME_SYNC
        # the arrival time until which the next DEVICE_INFO answers an ACKed REQUEST_INFO/SET_RATE
        # (a window, not a count: SET_RATE's answer is a SHOULD); any other is a boot message
        self._info_answer_until = -1.0
        self._imu: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # until the next chunk

    @property
    def side(self) -> str:
        """``"left"``, ``"right"`` or ``"unknown"``."""
        if self.info is not None:
            return self.info.side
        return self.side_hint or "unknown"

    @property
    def time_back(self) -> int:
        """Blocks placed after a restart whose mapped times would have gone back."""
        return self._seq.time_back

    @property
    def has_held(self) -> bool:
        """True while samples wait (for the device's identification or a TIME_SYNC)."""
        return bool(self._pending)

    # ------------------------------------------------------------------ decoding
    def ingest(self, data: bytes, t: float) -> Decoded:
        """Bytes as read at host time ``t`` (s): split into frames, each recorded, then decoded."""
        segments = self._framer.split(data)
        self._partial_t = t
        for seg in segments:
            self.tap.record(REC_RX, t, seg)
        if not segments:
            return Decoded()
        return self.feed(b"".join(segments) if len(segments) > 1 else segments[0], t)

    def record_partial(self) -> None:
        """Record the partial frame the framer holds (cut by a lost link or by close), and forget it.

        Every received byte goes into the capture, with the arrival time of its read. Called
        before the ``link_lost`` event is recorded: a replay feeds the partial frame to the
        framer, which holds it just as live and drops it at that event, so the decoded
        samples are the same.
        """
        tail = self._framer.take_pending()
        if tail:
            self.tap.record(REC_RX, self._partial_t, tail)

    def feed(self, blob: bytes, t: float) -> Decoded:
        """Decode whole frames ``blob`` that arrived at host time ``t`` (s).

        Returns
        -------
        Decoded
            Samples, gaps, replies and what the device should act on.
        """
        out = Decoded()
        for packet in self._decoder.feed(blob):
            if isinstance(packet, PressureSamples):
                if self.info is None and self.fallback_info is not None and self._damaged():
                    # a replay whose DEVICE_INFO record was lost to damage: the header's copy
                    if not self._take_info(self.fallback_info, out):
                        return out
                if self._hold_since is not None and t - self._hold_since > _SYNC_HOLD_S:
                    self._hold_since = None  # no TIME_SYNC after the reboot: map by arrival
                    self._release(out)
                if self.info is None or self._hold_since is not None:
                    self._pending.append((packet, t))
                    continue
                self._place(packet, t, out)
            elif isinstance(packet, TimeSync):
                out.syncs += 1
                self.tap.keep_sync(t, encode_frame(packet))
                self.clock.add_sync(
                    packet.host_time_us, packet.device_rx_us, packet.device_tx_us, round(t * 1e6)
                )
                if self._hold_since is not None and self.clock.synced:
                    self._hold_since = None
                    self._release(out)
            elif isinstance(packet, DeviceInfo):
                frame = encode_frame(packet)
                prev = self.tap.last_info_record
                if prev is not None and prev[2] == frame and t - prev[1] <= _DUPLICATE_INFO_S:
                    self.duplicates += 1  # a second copy of the same notification
                    continue
                self.tap.keep_info(t, frame)
                answer = t <= self._info_answer_until
                self._info_answer_until = -1.0  # one answer per ACK
                # after a reconnect the board introduces itself (PROTOCOL.md 5.1): that is not a
                # boot; the sample numbers and timestamps decide whether it restarted (PacketSequencer)
                if not answer and self._seq.started and not self.lost:
                    self._reboot(t, out)
                if not self._take_info(packet, out):
                    return out
                if self._hold_since is None:
                    self._release(out)
            elif isinstance(packet, (Ack, Nack)):
                if isinstance(packet, Ack) and packet.command in _INFO_ANSWERS:
                    self._info_answer_until = t + _INFO_ANSWER_S
                out.replies.append(packet)
            elif isinstance(packet, ImuSamples):
                self._keep_imu(packet)
            elif isinstance(packet, Status):
                self.status = packet
                out.idle = out.idle or not packet.streaming
        return out

    def flush_held(self) -> tuple[Decoded, float]:
        """At the end (close, end of a replay): the samples still waiting for a TIME_SYNC, and the last one's arrival time."""
        out = Decoded()
        t_last = self._pending[-1][1] if self._pending else 0.0
        if self._hold_since is not None and self._pending:
            self._hold_since = None
            self._release(out)
        return out, t_last

    def take_imu(self) -> dict | None:
        """IMU samples kept since the last call (``time`` host s, ``accel_g``, ``gyro_deg_s``), or None."""
        if not self._imu:
            return None
        parts, self._imu = self._imu, []
        return {
            "time": np.concatenate([p[0] for p in parts]),
            "accel_g": np.concatenate([p[1] for p in parts]),
            "gyro_deg_s": np.concatenate([p[2] for p in parts]),
        }

    def link_lost(self) -> None:
        """The link dropped: a partial frame is recorded and gone, and the next samples follow a gap."""
        self.record_partial()
        self.lost = True
        st = self._decoder.stats
        tot = self._totals
        tot["packets_ok"] += st.packets_ok
        tot["crc"] += st.crc_errors
        tot["framing"] += st.framing_errors
        tot["content"] += st.content_errors
        tot["missing_packets"] += st.missing_packets
        self._decoder = Decoder()

    def counters(self) -> dict[str, int]:
        """Packet counters for :class:`~sensorkit.devices.chunk.LinkStats` (cumulative over reconnects)."""
        st = self._decoder.stats
        tot = self._totals
        return {
            "packets_ok": tot["packets_ok"] + st.packets_ok,
            "crc_errors": tot["crc"] + st.crc_errors,
            "framing_errors": tot["framing"] + st.framing_errors,
            "content_errors": tot["content"] + st.content_errors + self.wrong_shape,
            "missing_packets": tot["missing_packets"] + st.missing_packets,
        }

    # ------------------------------------------------------------------ internals
    def _take_info(self, packet: DeviceInfo, out: Decoded) -> bool:
        """Take a DEVICE_INFO; False (``out.error`` set) when the URL's layout cannot fit it."""
        try:
            info = describe(packet, url=self.url, transport=self.transport_name, side=self.side_hint,
                            layout=self.layout)  # fmt: skip
        except DeviceError as exc:
            out.error = exc
            return False
        if self.device_info is not None and packet.device_id != self.device_info.device_id:
            out.device_changed = packet.device_id
        self.device_info = packet
        self.info = info
        self.units = info.units
        self.scale32 = np.float32(info.value_scale)
        out.identified = True
        return True

    def _reboot(self, t: float, out: Decoded) -> None:
        """The board announced a boot while samples flowed: it restarted (PROTOCOL.md 5.1).

        Its clock restarted too, so the old clock map is dropped and the new board's samples
        wait (at most ``_SYNC_HOLD_S`` of arrival time) for a TIME_SYNC to map them, rather
        than being mapped by arrival and then corrected backwards.
        """
        self._seq.boot_pending = True
        self.clock.reset()
        self._hold_since = t
        out.rebooted = True

    def _release(self, out: Decoded) -> None:
        """Number and map the PRESSURE packets held back."""
        for packet, t in self._pending:
            self._place(packet, t, out)
        self._pending.clear()

    def _place(self, p: PressureSamples, t: float, out: Decoded) -> None:
        """Times, sample numbers and values of one PRESSURE packet into ``out`` (unless rejected or a duplicate)."""
        if self.info is not None and p.values.shape[1] != self.info.sensor_count:
            # contradicts DEVICE_INFO: rejected and counted (a content error), never allowed to
            # change the width of the chunks or of the recording
            self.wrong_shape += 1
            return
        seq = self._seq
        seq.lost = self.lost
        placed = seq.place(p, t, self.side)
        if placed is None:
            self.duplicates += 1
            return
        times, numbers, raw, gap = placed
        if gap is not None:
            out.gaps.append(gap)
        self.lost = False
        values = raw.astype(np.float32)
        if self.scale32 != 1.0:
            values *= self.scale32
        out.parts.append((times, numbers, values))
        out.n_packets += 1

    def _keep_imu(self, packet: ImuSamples) -> None:
        """Keep an IMU packet's samples (PROTOCOL.md) for the next chunk, on the host clock.

        Their device times are mapped by the same clock map as the pressure samples
        (unslewed: within the few ms a correction is being slewed, the two may differ by it).
        Before the device identified itself there is no clock to map them with: dropped.
        """
        if self.info is None or packet.n_samples == 0:
            return
        self._imu.append((self.clock.to_host_s(packet.timestamps_us), packet.accel_g, packet.gyro_dps))
        del self._imu[:-IMU_PENDING_KEPT]
