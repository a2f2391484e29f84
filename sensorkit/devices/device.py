"""The device layer: handshake, commands, sequence-gap tracking and clock mapping over any transport.

A :class:`Device` owns one :class:`~sensorkit.devices.transport.Transport` and a reader
thread. The thread reads bytes, stamps their arrival on the host clock, splits them into
frames (or CSV lines), appends every frame to the capture file when one is attached,
decodes them with :mod:`sensorkit.protocol`, maps device time onto host time and queues
:class:`~sensorkit.devices.chunk.Chunk` objects. Nothing here computes a metric.

Everything the thread derives (gaps, clock fit, chunk times) depends only on the bytes
and their arrival times, and both are in the capture, so ``replay://`` reproduces the
live arrays bit for bit.
"""

from __future__ import annotations

import collections
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from sensorkit.devices.capture import REC_EVENT, REC_RX, REC_TX, CaptureWriter
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.devices.chunkqueue import QUEUE_MAX_CHUNKS, ChunkQueue
from sensorkit.devices.clock import ClockMap
from sensorkit.devices.diagnose import MTU_HINT, no_device_error
from sensorkit.devices.framing import MAX_SEGMENT, Framer
from sensorkit.devices.hub import POLL_S, ReaderHub
from sensorkit.devices.info import DeviceDescription, describe, resolve_layout
from sensorkit.devices.linestream import LineStream
from sensorkit.devices.packetseq import PacketSequencer
from sensorkit.devices.profile import Profile, load_profile, profile_layout
from sensorkit.devices.profile_decoder import ProfileStats
from sensorkit.devices.tap import CaptureTap
from sensorkit.devices.transport import EndOfStream, LinkLost, Transport, host_time
from sensorkit.errors import DeviceError
from sensorkit.layout import SensorLayout
from sensorkit.protocol import (
    Ack,
    Command,
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

__all__ = ["DEFAULTS", "Device", "StreamEnd"]

#: Defaults of the device layer, in one place.
DEFAULTS = {
    "timeout_s": 5.0,  # no samples for this long while streaming = the device stopped sending
    "handshake_timeout_s": 3.0,  # a sensorkit device answers REQUEST_INFO well within this
    "reconnect_timeout_s": 30.0,  # give up reconnecting after this long
    "sync_interval_s": 1.0,  # one SYNC_TIME per second feeds the drift fit
    "command_timeout_s": 2.0,  # ACK/NACK of a command
    "poll_s": POLL_S,  # reader wake-up period when idle (timeouts, periodic sync)
    # after a read, let bytes gather this long: 8 insoles x 32 sensors x 1 kHz ingest in 8% of
    # a core instead of 21%, for at most 15 ms more latency (benchmarks/bench_ingest.py)
    "batch_s": 0.015,
}
SYNC_BURST = 4  # SYNC_TIME exchanges right after connecting, for a first offset
BACKOFF_START_S = 0.1
BACKOFF_MAX_S = 2.0
GAPS_KEPT = 1000  # Device.gaps entries; beyond, the older half is merged into one summary
EVENTS_KEPT = 10_000  # Device.events entries (the capture keeps every event)
_U16 = 1 << 16
_SYNC_REPLY_WAIT_S = 0.1  # a TIME_SYNC reply later than this is not waited for
_RESTART_RESEND_S = 2.0  # an idle STATUS while streaming re-sends START at most this often
_SYNC_BACKOFF_S = 10.0  # after a failed SYNC_TIME write, the next one waits this long
_SYNC_HOLD_S = 0.5  # after a restart, samples wait this long (arrival time) for a TIME_SYNC
_START_GRACE_S = 0.5  # a STATUS saying 'idle' this soon after START was sent before it
_INFO_ANSWERS = (CommandId.REQUEST_INFO, CommandId.SET_RATE)  # commands a DEVICE_INFO may answer (6.1)
_INFO_ANSWER_S = 1.0  # a DEVICE_INFO arriving this long after such an ACK answers it
# the same DEVICE_INFO frame again within this long is a duplicated notification (bleak/BlueZ
# can deliver each twice), not a reboot: no board boots twice within half a second
_DUPLICATE_INFO_S = 0.5
#: tare() refuses when the insole reads more than this (last TARE_WINDOW_S of samples): about
#: 7 % of a 70 kg body weight, far above an unloaded insole's offset and far below any stance
TARE_MAX_LOAD_N = 50.0
TARE_MAX_KPA = 20.0  # pressure insoles: one sensor above this is a foot on it
TARE_MAX_FULL_SCALE = 0.05  # raw counts: summed readings above 5 % of the summed full scale
IMU_PENDING_KEPT = 1000  # IMU packets held while no pressure chunk goes out (the oldest are dropped)
TARE_WINDOW_S = 1.5  # s: longer than a walking stride (1.1 s at 110 steps/min), so a stance is in it


class StreamEnd:
    """Queue item: stream ``stream`` ended, with ``error`` (None for a clean end of replay)."""

    __slots__ = ("error", "stream")

    def __init__(self, stream: int, error: BaseException | None) -> None:
        self.stream = stream
        self.error = error


class Device:
    """One insole on one transport: a context manager and an iterator of :class:`Chunk`.

    Use :func:`sensorkit.open` rather than building one directly.

    Parameters
    ----------
    transport : Transport
        Moves the bytes.
    url : str
        The URL (for messages and the capture header).
    side : {"left", "right"}, optional
        Side to assume when the device does not state one.
    mode : {"binary", "csv"}
        Wire format: the binary protocol, or CSV sample lines.
    layout : SensorLayout or str, optional
        Layout (required in CSV mode; overrides the device's layout id otherwise).
    csv_rate_hz : float
        CSV mode: nominal rate, used for host times when lines carry no timestamp.
    csv_units : str
        CSV mode: units of the printed values (``"counts"``, ``"N"``, ``"kPa"``, ``"mV"``).
    csv_scale : float
        CSV mode: printed value x this = value in ``csv_units``.
    csv_clock_bits : {16, 32, 64}, optional
        CSV mode: width of the board's timestamp counter, which wraps at ``2**bits`` ticks
        (Arduino ``micros()``: 32). None guesses 16 or 32 bits from where the counter goes
        back (:class:`~sensorkit.devices.sequencer.CounterUnwrapper`); a wrap continues the
        stream, anything else that goes back is a restart.
    csv_clock_unit : {"us", "ms"}
        CSV mode: unit of the board's timestamps (PROTOCOL.md 10 says us; ``millis()`` boards: ms).
    profile : Profile, str, Path or dict, optional
        Profile mode: the device profile (a built-in name, a file, or a loaded
        :class:`~sensorkit.devices.profile.Profile`) that says how to decode the stream.
    timeout_s : float
        Seconds without samples, while streaming, after which the device counts as silent
        (STATUS or other packets do not count: a rebooted idle board still sends those).
    reconnect : bool
        On a lost link or a silent device: reconnect with back-off (True), or end the
        iteration with a :class:`DeviceError` (False).
    reconnect_timeout_s : float
        Stop trying to reconnect after this long (s).
    handshake_timeout_s : float
        How long :meth:`open` waits for the device to identify itself (s).
    sync_interval_s : float
        Period of SYNC_TIME exchanges while streaming (s).
    rate_hz : int, optional
        Ask the device for this sampling rate (SET_RATE) before starting.
    batch_s : float
        After each read, let bytes accumulate for this long (s) before reading again: fewer
        wake-ups and larger chunks for up to ``batch_s`` more latency (0 = read at once;
        URL ``?batch_ms=``). TIME_SYNC replies are read at once regardless.
    stream : int
        Index of this device in its session (capture stream id).
    sink : ChunkQueue, optional
        Queue shared with other devices (a pair); default a private one. It is bounded: a
        live device whose reader lags loses the oldest queued chunks (never the capture's
        records) and the next chunk says how many (``missed_chunks``); a replay waits.
    queue_chunks : int
        Limit of the private queue, in chunks (``sk.open(..., queue_chunks=N)``; default
        :data:`~sensorkit.devices.chunkqueue.QUEUE_MAX_CHUNKS`).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        url: str,
        side: str | None = None,
        mode: str = "binary",
        layout: SensorLayout | str | None = None,
        csv_rate_hz: float = 100.0,
        csv_units: str = "counts",
        csv_scale: float = 1.0,
        csv_clock_bits: int | None = None,
        csv_clock_unit: str = "us",
        profile: Any = None,
        timeout_s: float = DEFAULTS["timeout_s"],
        reconnect: bool = False,
        reconnect_timeout_s: float = DEFAULTS["reconnect_timeout_s"],
        handshake_timeout_s: float = DEFAULTS["handshake_timeout_s"],
        sync_interval_s: float = DEFAULTS["sync_interval_s"],
        rate_hz: int | None = None,
        batch_s: float = DEFAULTS["batch_s"],
        stream: int = 0,
        sink: ChunkQueue | queue.Queue | None = None,
        queue_chunks: int = QUEUE_MAX_CHUNKS,
    ) -> None:
        if mode not in ("binary", "csv", "profile"):
            raise DeviceError(f"{url}: format must be 'binary', 'csv' or 'profile', not {mode!r}")
        self.profile: Profile | None = None
        if mode == "profile":
            if profile is None:
                raise DeviceError(f"{url}: profile mode needs a profile", hint="add ?profile=NAME_OR_FILE")
            self.profile = load_profile(profile)
            if layout is None:
                layout = profile_layout(self.profile)
        if mode == "csv" and layout is None:
            raise DeviceError(
                f"{url}: CSV-line mode needs a layout to know what each column is",
                hint="add &layout=ref16 (or another built-in name, or a layout JSON path)",
            )
        self.transport = transport
        self.url = url
        self.mode = mode
        self.stream = stream
        self.timeout_s = float(timeout_s)
        self.reconnect = bool(reconnect)
        self.reconnect_timeout_s = float(reconnect_timeout_s)
        self.handshake_timeout_s = float(handshake_timeout_s)
        self.sync_interval_s = float(sync_interval_s)
        self.batch_s = float(batch_s)
        self._side_hint = side
        self._layout = layout
        self._layout_obj = resolve_layout(layout, url)  # unknown names fail here, not in the reader
        self._want_rate = rate_hz
        # the stream decoder of CSV-line and profile devices (with its per-side sequencers)
        self._lines: LineStream | None = None
        if mode in ("csv", "profile"):
            assert self._layout_obj is not None
            self._lines = LineStream(mode, url=url, layout=self._layout_obj, side=side, csv_rate_hz=csv_rate_hz,
                                     csv_units=csv_units, csv_scale=csv_scale, csv_clock_bits=csv_clock_bits,
                                     csv_tick_us={"us": 1, "ms": 1000}[csv_clock_unit], profile=self.profile)  # fmt: skip
        self._queue: ChunkQueue | queue.Queue = sink if sink is not None else ChunkQueue(queue_chunks)
        self._own_queue = sink is None

        self.info: DeviceDescription | None = None
        self.device_info: DeviceInfo | None = None
        #: Replays: the DEVICE_INFO kept in the capture header, used when the file's own
        #: DEVICE_INFO record was lost to damage (CAPTURE.md, version 2).
        self.fallback_info: DeviceInfo | None = None
        self.status: Status | None = None
        self.clock = ClockMap()
        # (host time, max total, max sensor) per chunk, for tare's load check
        self._recent_load: collections.deque = collections.deque(maxlen=256)
        self._imu_pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # until the next chunk
        self.gaps: list[dict] = []  # at most GAPS_KEPT entries (older ones summarised)
        self._n_gaps = 0
        self.events: collections.deque = collections.deque(maxlen=EVENTS_KEPT)

        self._framer = Framer(b"\n" if mode == "csv" else b"\x00")
        self._csv_first_line = True  # the first CSV line of each connection is skipped (see _ingest)
        self._decoder = Decoder()
        self._dec_totals = {
            "bytes_in": 0,
            "packets_ok": 0,
            "crc": 0,
            "framing": 0,
            "content": 0,
            "missing_packets": 0,
        }
        self._counts = {
            "samples": 0,
            "missing_samples": 0,
            "duplicates": 0,
            "reconnects": 0,
            "timeouts": 0,
            "bytes_in": 0,
            "wrong_shape": 0,  # PRESSURE packets whose channel count contradicts DEVICE_INFO
            "time_back": 0,  # blocks whose device time went back while the samples followed on
        }
        self._head = bytearray()
        self._pending_t = 0.0  # arrival time of the bytes the framer holds
        self._info_event = threading.Event()
        self._waiters: dict[int, list[Any]] = {}
        self._tx_lock = threading.Lock()
        self._tx_seq = 0
        self._pending_pressure: list[tuple[PressureSamples, float]] = []
        self._scale32 = np.float32(1.0)
        self._units = "counts"

        # sequence / gap state
        self._pseq = PacketSequencer(self.clock)  # numbering, gaps and times of PRESSURE packets
        self._lost_since_sample = False
        # device restart (PROTOCOL.md 5.1, 7), decided from received frames only so replay agrees:
        # the arrival time until which the next DEVICE_INFO answers an ACKed REQUEST_INFO/SET_RATE
        # (a window, not a count: SET_RATE's answer is a SHOULD); any other is a boot message
        self._info_answer_until = -1.0
        self._last_start_sent = 0.0
        self._start_grace_until = 0.0
        self._hold_since: float | None = None  # arrival time since which samples wait for a TIME_SYNC
        self._bytes_at_last_sample = 0
        self._syncs_out = 0  # SYNC_TIME commands whose TIME_SYNC reply has not arrived
        self._sync_sent_at = 0.0

        # capture
        self._tap = CaptureTap(stream, self._end_with)

        self._thread: threading.Thread | None = None
        self._reader_started = False
        self._next_sync = 0.0
        self._halt = threading.Event()
        self._batch_wake = threading.Event()  # ends the reader's batch pause early
        self._ended = False
        self._error: BaseException | None = None
        self._streaming = False
        self._closed = False
        self._end_sent = False
        self._last_rx = 0.0

    # ------------------------------------------------------------------ public API
    @property
    def side(self) -> str:
        """``"left"``, ``"right"`` or ``"unknown"``."""
        if self.info is not None:
            return self.info.side
        return self._side_hint or "unknown"

    @property
    def streaming(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._streaming

    @property
    def stats(self) -> LinkStats:
        """Cumulative link statistics."""
        return self._stats()

    def open(self, *, start: bool = True) -> Device:
        """Connect, identify the device, synchronise clocks and (by default) start streaming.

        Raises
        ------
        DeviceError
            Within ``handshake_timeout_s`` when nothing, garbage, or something other than a
            sensorkit device answers (the message says which, and hints at the baud rate).
        """
        self.transport.open()
        self._reader_started = True
        self._last_rx = host_time()
        self._next_sync = self._last_rx + self.sync_interval_s
        if not ReaderHub.add(self):
            self._thread = threading.Thread(
                target=self._run, name=f"sensorkit-{self.transport.name}", daemon=True
            )
            self._thread.start()
        try:
            self._handshake()
            if start:
                self.start()
        except BaseException:
            self.close()
            raise
        return self

    def start(self) -> None:
        """Start streaming (START command, acknowledged)."""
        self._streaming = True
        self._last_rx = host_time()
        if self.mode == "binary" and self.transport.live:
            self._start_grace_until = host_time() + _START_GRACE_S  # a STATUS in flight still says idle
            try:
                self.command(Command.start)
            except DeviceError:
                if not (self._counts["samples"] or self._pending_pressure):
                    raise
                # a board that streams from power-up and ignores commands: data is what matters
                self._event(host_time(), "start_unacknowledged")

    def stop(self) -> None:
        """Stop streaming (STOP command, acknowledged)."""
        was_streaming = self._streaming
        self._streaming = False  # first: a STATUS right behind the ACK must not re-START the board
        if self.mode == "binary" and self.transport.live and was_streaming:
            try:
                self.command(Command.stop)
            except BaseException:
                self._streaming = True
                raise

    def tare(self, *, force: bool = False) -> None:
        """Take the current readings as zero (TARE command, acknowledged), only when unloaded.

        Taring a loaded insole would subtract body weight from every later reading (a
        walker's peaks fall from ~1750 N to ~700 N), so the readings of the last
        :data:`TARE_WINDOW_S` are checked first (:meth:`load_check`). A tare is recorded as a
        ``tare`` event (in :attr:`events`, the capture, and ``Recording.events`` read from it);
        a refused one as ``tare_refused``.

        Parameters
        ----------
        force : bool
            Tare even when the insole reads a load (the caller knows better).

        Raises
        ------
        DeviceError
            When the insole is loaded (and not ``force``), in CSV mode (no commands), on
            NACK or without an answer.
        """
        if self.mode != "binary":
            raise DeviceError(
                f"{self.url}: {self.mode} devices take no sensorkit commands, so they cannot tare"
            )
        problem = None if force else self.load_check()
        if problem is not None:
            self._event(host_time(), "tare_refused", reason=problem)
            raise DeviceError(
                f"{self.url}: not tared: the insole is loaded ({problem})",
                hint="take the weight off this foot (sit down or lift it) and tare again; "
                "tare(force=True) tares anyway",
            )
        if self.transport.live:
            self.command(Command.tare)
            self._event(host_time(), "tare", forced=bool(force))

    def load_check(self) -> str | None:
        """Why the insole counts as loaded right now (for :meth:`tare`), or None when it is not.

        Loaded: within the last :data:`TARE_WINDOW_S` of samples, the total force exceeds
        :data:`TARE_MAX_LOAD_N` (units N), a sensor exceeds :data:`TARE_MAX_KPA` (kPa), or the
        total exceeds :data:`TARE_MAX_FULL_SCALE` of the sensors' summed full scale (raw
        counts and other units). No samples yet: not loaded (nothing says otherwise).
        """
        recent = (
            [r for r in self._recent_load if r[0] >= self._recent_load[-1][0] - TARE_WINDOW_S]
            if self._recent_load
            else []
        )
        if not recent:
            return None
        total = max(r[1] for r in recent)
        peak = max(r[2] for r in recent)
        units = self._units
        if units == "N":
            return f"{total:.0f} N" if total > TARE_MAX_LOAD_N else None
        if units == "kPa":
            return f"{peak:.0f} kPa on one sensor" if peak > TARE_MAX_KPA else None
        bits = (self.info.adc_bits if self.info is not None else None) or 16
        count = self.info.sensor_count if self.info is not None else 1
        full = float((1 << int(bits)) - 1) * count * float(self._scale32)
        if total > TARE_MAX_FULL_SCALE * full:
            return f"{100.0 * total / full:.0f} % of full scale summed over the sensors"
        return None

    def command(
        self, build: Callable[[int], Command], timeout_s: float = DEFAULTS["command_timeout_s"]
    ) -> Ack:
        """Send a command built by ``build(seq)`` and wait for its ACK.

        Raises
        ------
        DeviceError
            On NACK (with the reason) or when no answer comes within ``timeout_s``.
        """
        waiter: list[Any] = [threading.Event(), None]
        with self._tx_lock:
            seq = self._tx_seq
            self._waiters[seq] = waiter
        cmd = self._send(build, seq)
        try:
            if not waiter[0].wait(timeout_s):
                raise DeviceError(
                    f"{self.url}: no answer to {_name(cmd.command)} within {timeout_s:g} s",
                    hint="is the device still connected and running sensorkit firmware?",
                )
        finally:
            self._waiters.pop(seq, None)
        reply = waiter[1]
        if isinstance(reply, Nack):
            raise DeviceError(f"{self.url}: device refused {_name(cmd.command)}: {_name(reply.reason)}")
        return reply

    def attach_capture(self, writer: CaptureWriter, stream: int | None = None) -> None:
        """Append every frame from now on (and those buffered since connecting) to ``writer``."""
        if stream is not None:
            self.stream = stream
        self._tap.attach(writer, stream)

    def detach_capture(self) -> None:
        """Stop writing frames to the attached capture (the caller closes the writer)."""
        self._tap.detach()

    @property
    def device_info_frame(self) -> bytes | None:
        """The latest DEVICE_INFO as a wire frame (for the capture header), or None."""
        rec = self._tap.last_info_record
        return None if rec is None else rec[2]

    def discard_prebuffer(self) -> None:
        """Stop buffering frames for a capture that will not be attached."""
        self._tap.discard_prebuffer()

    def read(self, timeout_s: float | None = None) -> Chunk | None:
        """Next chunk, or None if none arrives within ``timeout_s`` (None = wait forever).

        Raises
        ------
        DeviceError
            When the link was lost (without reconnect) or the device went silent.
        StopIteration
            When a replay has ended or the device was closed.
        """
        if not self._own_queue:
            raise DeviceError("this device is part of a pair: iterate the pair")
        if self._ended:
            raise StopIteration
        try:
            item = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
        if isinstance(item, StreamEnd):
            self._ended = True
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def __iter__(self) -> Iterator[Chunk]:
        return self

    def __next__(self) -> Chunk:
        while True:
            chunk = self.read(timeout_s=0.2)
            if chunk is not None:
                return chunk

    def drain(self) -> list[Chunk]:
        """Chunks already queued (call after :meth:`close` to get everything received)."""
        out = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out
            if isinstance(item, StreamEnd):
                self._queue.put(item)
                return out
            out.append(item)

    def close(self) -> None:
        """Stop the device (best effort), end the reader thread and release the transport."""
        if self._closed:
            return
        self._closed = True
        if self._streaming and self.mode == "binary" and self.transport.live:
            try:
                self._send(Command.stop)
            except (DeviceError, LinkLost, OSError):
                pass
        if self.mode == "profile" and self.transport.live and self.profile.transport["stop"]:
            try:
                self._write_raw(self.profile.transport["stop"])
            except (DeviceError, LinkLost, OSError):
                pass
        self._streaming = False
        self._halt.set()
        self._batch_wake.set()
        ReaderHub.remove(self)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self.transport.close()
        self._record_pending()
        self._flush_held()
        self._finish(None)

    def __enter__(self) -> Device:
        if not self._reader_started:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Device {self.url} side={self.side} streaming={self._streaming}>"

    # ------------------------------------------------------------------ handshake
    def _handshake(self) -> None:
        deadline = host_time() + self.handshake_timeout_s
        if self.mode == "profile" and self.transport.live and self.profile.transport["start"]:
            self._write_raw(self.profile.transport["start"])  # a device that streams only when asked
        if self.mode in ("csv", "profile"):
            while not self._info_event.wait(0.05):
                self._raise_if_failed()
                if host_time() > deadline:
                    raise self._no_device_error()
            return
        if self.transport.live:
            self._write_raw(b"\x00")  # PROTOCOL.md 9.1: end any partial command the device holds
        resend = 0.0
        while not self._info_event.is_set():
            self._raise_if_failed()
            now = host_time()
            if now > deadline:
                raise self._no_device_error()
            if self.transport.live and now >= resend:
                self._send(Command.request_info)
                resend = now + 0.5
            self._info_event.wait(0.02)
        if self.transport.live:
            for _ in range(SYNC_BURST):
                self._send_sync()
                self._halt.wait(0.01)
            if self._want_rate is not None:
                rate = int(self._want_rate)
                self.command(lambda seq: Command.set_rate(seq, rate))
                self._info_event.clear()
                self._send(Command.request_info)
                if not self._info_event.wait(self.handshake_timeout_s):
                    raise DeviceError(f"{self.url}: no DEVICE_INFO after SET_RATE")

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
        if self._end_sent:
            raise DeviceError(f"{self.url}: the stream ended before the device identified itself")

    def _no_device_error(self) -> DeviceError:
        return no_device_error(self)

    # ------------------------------------------------------------------ sending
    def _send(self, build: Callable[[int], Command], seq: int | None = None) -> Command:
        with self._tx_lock:
            if seq is None:
                seq = self._tx_seq
            self._tx_seq = (seq + 1) % _U16
            cmd = build(seq)
            frame = encode_frame(cmd)
            t = host_time()
            self._record(REC_TX, t, frame)
            try:
                self.transport.write(frame)
            except LinkLost as exc:
                raise DeviceError(
                    f"{self.url}: link lost while sending {_name(cmd.command)}: {exc}"
                ) from None
        return cmd

    def _write_raw(self, data: bytes) -> None:
        with self._tx_lock:
            self._record(REC_TX, host_time(), data)
            try:
                self.transport.write(data)
            except LinkLost as exc:
                raise DeviceError(f"{self.url}: link lost: {exc}") from None

    def _send_sync(self) -> None:
        self._syncs_out += 1
        self._sync_sent_at = host_time()
        self._send(lambda seq: Command.sync_time(seq, round(host_time() * 1e6)))
        self._batch_wake.set()
        ReaderHub.expedite(self)

    def awaiting_sync(self, now: float) -> bool:
        """True while a TIME_SYNC reply is due: read it at once, since its arrival time is t4."""
        if self._syncs_out and now - self._sync_sent_at > _SYNC_REPLY_WAIT_S:
            self._syncs_out = 0  # lost or refused: stop waiting for it
        return self._syncs_out > 0

    # ------------------------------------------------------------------ reader thread
    def _run(self) -> None:
        """Reader thread of a transport without a selectable descriptor (replay, sim, BLE)."""
        live = self.transport.live
        poll = DEFAULTS["poll_s"]
        try:
            while not self._halt.is_set():
                try:
                    data, t = self.transport.read(poll)
                except LinkLost as exc:
                    if not self._on_link_lost(f"link lost: {exc}"):
                        return
                    continue
                except EndOfStream:
                    self._flush_pending_csv()
                    self._flush_held()
                    self._finish(None)
                    return
                if data:
                    self._ingest(data, t)
                    if (
                        self.batch_s > 0
                        and live
                        and not self.awaiting_sync(host_time())
                        and not self.transport.backlog()
                    ):
                        self._batch_wake.wait(self.batch_s)  # set by a SYNC_TIME sent meanwhile, or close
                        self._batch_wake.clear()
                if not live:
                    continue
                if self._timed_out(host_time()):
                    if not self._on_link_lost(self._silence_reason(), timeout=True):
                        return
                    continue
        except Exception as exc:  # a bug must not hang the consumer
            self._reader_failed(exc)
            raise

    def _timed_out(self, now: float) -> bool:
        """Periodic checks of a live device: True when it has been silent too long (counted)."""
        if self._streaming and now - self._last_rx > self.timeout_s:
            self._counts["timeouts"] += 1
            self._event(now, "timeout", silent_s=round(now - self._last_rx, 3))
            return True
        if self._streaming and self.mode == "binary" and now >= self._next_sync:
            self._next_sync = now + self.sync_interval_s
            try:
                self._send_sync()
            except DeviceError as exc:
                # a lost link shows in the next read; a device that stopped reading its input
                # (write timed out) gets no sync for a while, so it cannot keep stalling the
                # shared reader
                self._next_sync = now + _SYNC_BACKOFF_S
                self._event(now, "sync_not_sent", reason=str(exc))
        return False

    def _silence_reason(self) -> str:
        reason = f"no samples for {self.timeout_s:g} s"
        truncation = getattr(self.transport, "truncation", None)
        if truncation and self.mode == "binary":
            return f"{reason}: {truncation} ({MTU_HINT})"
        pst = self.profile_stats
        if pst is not None and pst.bad_frames + pst.bad_bytes:
            return f"{reason} ({pst.describe()})"
        if self._counts["bytes_in"] > self._bytes_at_last_sample:
            st = self._stats()
            reason += (
                f" although bytes arrive ({st.crc_errors} CRC, {st.framing_errors} framing errors"
                + (
                    ", the board reports it is not streaming"
                    if self.status and not self.status.streaming
                    else ""
                )
                + ")"
            )
        return reason

    def _reader_failed(self, exc: BaseException) -> None:
        self._finish(DeviceError(f"{self.url}: reader failed: {type(exc).__name__}: {exc}"))

    def _recover(self, reason: str, timeout: bool) -> None:
        """Thread body when the shared reader hands over a lost link: reconnect, then rejoin it."""
        try:
            if self._on_link_lost(reason, timeout=timeout) and not ReaderHub.add(self):
                self._run()  # the new link has no descriptor: read it here
        except Exception as exc:
            self._reader_failed(exc)
            raise

    def _on_link_lost(self, reason: str, *, timeout: bool = False) -> bool:
        """Reconnect (True) or end the stream with an error (False)."""
        t = host_time()
        self._event(t, "link_lost", reason=reason)
        self._lost_since_sample = True
        if self._lines is not None:
            self._lines.link_lost()
        self._csv_first_line = True
        self._record_pending()
        self._reset_decoder()
        self.transport.disconnect()
        if self.transport.live and not self.reconnect:
            if timeout:
                err = DeviceError(
                    f"{self.url}: the device stopped sending ({reason})",
                    hint="check power and range; pass reconnect=True (URL ?reconnect=1) to keep trying",
                )
            else:
                err = DeviceError(
                    f"{self.url}: {reason}",
                    hint="pass reconnect=True (URL ?reconnect=1) to reconnect automatically",
                )
            self._finish(err)
            return False
        delay = BACKOFF_START_S
        deadline = t + self.reconnect_timeout_s
        while not self._halt.is_set():
            try:
                self.transport.open()
                break
            except (DeviceError, OSError, LinkLost) as exc:
                if host_time() > deadline:
                    self._finish(
                        DeviceError(
                            f"{self.url}: could not reconnect within {self.reconnect_timeout_s:g} s: {exc}"
                        )
                    )
                    return False
                self._halt.wait(delay)
                delay = min(2 * delay, BACKOFF_MAX_S)
        else:
            return False
        self._counts["reconnects"] += 1
        now = host_time()
        self._last_rx = now
        self._event(now, "reconnected")
        if self.transport.live and self.mode == "binary":
            try:
                self._send(Command.request_info)
                for _ in range(SYNC_BURST):
                    self._send_sync()
                if self._streaming:
                    self._send(Command.start)
            except DeviceError:
                pass  # lost again: the next read notices
        return True

    def _finish(self, error: BaseException | None) -> None:
        if self._error is None and error is not None:
            self._error = error
        if not self._end_sent:
            self._end_sent = True
            self._queue.put(StreamEnd(self.stream, error))

    def _reset_decoder(self) -> None:
        st = self._decoder.stats
        tot = self._dec_totals
        tot["packets_ok"] += st.packets_ok
        tot["crc"] += st.crc_errors
        tot["framing"] += st.framing_errors
        tot["content"] += st.content_errors
        tot["missing_packets"] += st.missing_packets
        self._decoder = Decoder()

    # ------------------------------------------------------------------ capture
    def _record(self, kind: int, t: float, data: bytes) -> None:
        self._tap.record(kind, t, data)

    def _add_gap(self, gap: dict) -> None:
        """Keep ``gap`` in :attr:`gaps`; beyond :data:`GAPS_KEPT`, the older half becomes one summary entry.

        The summary has the gap keys (span of the merged gaps, their total ``n_missing``,
        ``reason`` ``"N gaps (summarised)"``) and ``n_gaps``. Chunks still carry each gap.
        """
        self._n_gaps += 1
        self.gaps.append(gap)
        if len(self.gaps) <= GAPS_KEPT:
            return
        half = len(self.gaps) // 2
        old = self.gaps[:half]
        n = sum(int(g.get("n_gaps", 1)) for g in old)
        summary = {"start_s": old[0]["start_s"], "end_s": old[-1]["end_s"], "side": old[-1]["side"],
                   "n_missing": sum(int(g["n_missing"]) for g in old), "reason": f"{n} gaps (summarised)",
                   "n_gaps": n}  # fmt: skip
        self.gaps[:half] = [summary]

    def _record_pending(self) -> None:
        """Write the partial segment the framer holds (a frame cut by a lost link or by close).

        Every received byte goes into the capture, with the arrival time of its read. A
        replay feeds it back to the framer, which holds it just as live, and drops it at the
        ``link_lost`` event that follows, so the decoded samples are the same.
        """
        tail = self._framer.take_pending()
        if tail:
            self._record(REC_RX, self._pending_t, tail)

    def _event(self, t: float, name: str, **fields: Any) -> None:
        ev = {"event": name, "time_s": t, **fields}
        self.events.append(ev)
        if self.transport.live:
            self._record(REC_EVENT, t, json.dumps({"event": name, **fields}, separators=(",", ":")).encode())

    # ------------------------------------------------------------------ decoding
    def _ingest(self, data: bytes, t: float) -> None:
        if self.mode == "profile":
            self._ingest_profile(data, t)
            return
        self._counts["bytes_in"] += len(data)
        if len(self._head) < 512:
            self._head += data[: 512 - len(self._head)]
        segments = self._framer.split(data)
        self._pending_t = t  # arrival time of the bytes the framer may now hold
        if not segments:
            return
        for seg in segments:
            self._record(REC_RX, t, seg)
        if self.mode == "csv":
            if self._csv_first_line:
                # PROTOCOL.md 10: the first line of a connection may be the tail of a line cut by
                # the attach (even one that parses, e.g. cut right after its timestamp): skip it
                self._csv_first_line = False
                segments = segments[1:]
                if not segments:
                    return
            self._ingest_lines(b"".join(segments), t)
            return
        blob = b"".join(segments) if len(segments) > 1 else segments[0]
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        gaps: list[dict] = []
        n_packets = 0
        for packet in self._decoder.feed(blob):
            if isinstance(packet, PressureSamples):
                if (
                    self.info is None
                    and self.fallback_info is not None
                    and getattr(self.transport, "damaged", False)
                ):
                    # a replay whose DEVICE_INFO record was lost to damage: the header's copy
                    if not self._on_info(self.fallback_info):
                        return
                if self._hold_since is not None and t - self._hold_since > _SYNC_HOLD_S:
                    self._hold_since = None  # no TIME_SYNC after the restart: map by arrival
                    n_packets += self._release_pending(parts, gaps)
                if self.info is None or self._hold_since is not None:
                    self._pending_pressure.append((packet, t))
                    continue
                part = self._samples(packet, t, gaps)
                if part is not None:
                    parts.append(part)
                    n_packets += 1
            elif isinstance(packet, TimeSync):
                self._syncs_out = max(self._syncs_out - 1, 0)
                self._tap.keep_sync(t, encode_frame(packet))
                self.clock.add_sync(
                    packet.host_time_us, packet.device_rx_us, packet.device_tx_us, round(t * 1e6)
                )
                if self._hold_since is not None and self.clock.synced:
                    self._hold_since = None
                    n_packets += self._release_pending(parts, gaps)
            elif isinstance(packet, DeviceInfo):
                frame = encode_frame(packet)
                prev = self._tap.last_info_record
                if prev is not None and prev[2] == frame and t - prev[1] <= _DUPLICATE_INFO_S:
                    self._counts["duplicates"] += 1  # a second copy of the same notification
                    continue
                self._tap.keep_info(t, frame)
                answer = t <= self._info_answer_until
                self._info_answer_until = -1.0  # one answer per ACK
                # after a reconnect the board introduces itself (PROTOCOL.md 5.1): that is not a
                # boot; the sample numbers and timestamps decide whether it restarted (_samples)
                if not answer and self._pseq.started and not self._lost_since_sample:
                    self._on_boot(t)
                if not self._on_info(packet):
                    return
                if self._hold_since is None:
                    n_packets += self._release_pending(parts, gaps)
            elif isinstance(packet, (Ack, Nack)):
                if isinstance(packet, Ack) and packet.command in _INFO_ANSWERS:
                    self._info_answer_until = t + _INFO_ANSWER_S
                waiter = self._waiters.get(packet.command_seq)
                if waiter is not None:
                    waiter[1] = packet
                    waiter[0].set()
            elif isinstance(packet, ImuSamples):
                self._on_imu(packet)
            elif isinstance(packet, Status):
                self.status = packet
                if not packet.streaming and self._streaming and t > self._start_grace_until:
                    self._restart_stream(t, "device_idle")
        if parts:
            self._emit(parts, gaps, n_packets, t)

    def _on_info(self, packet: DeviceInfo) -> bool:
        """Take a DEVICE_INFO; False (stream ended with the error) when the URL's layout cannot fit."""
        if self.device_info is not None and packet.device_id != self.device_info.device_id:
            self._event(host_time(), "device_changed", device_id=packet.device_id)
        try:
            info = describe(
                packet, url=self.url, transport=self.transport.name, side=self._side_hint, layout=self._layout
            )
        except DeviceError as exc:
            self._end_with(exc)
            return False
        self.device_info = packet
        self.info = info
        self._units = self.info.units
        self._scale32 = np.float32(self.info.value_scale)
        self._info_event.set()
        return True

    def _end_with(self, error: DeviceError) -> None:
        """End the stream with ``error`` from inside the reader (the caller's next read raises it)."""
        self._finish(error)
        self._halt.set()
        self._batch_wake.set()

    def _flush_held(self) -> None:
        """At the end (close, end of a replay): deliver samples still waiting for a TIME_SYNC."""
        if self._hold_since is None or not self._pending_pressure or self._end_sent:
            return
        self._hold_since = None
        t_last = self._pending_pressure[-1][1]
        parts: list = []
        gaps: list[dict] = []
        n = self._release_pending(parts, gaps)
        if parts:
            self._emit(parts, gaps, n, t_last)

    def _release_pending(self, parts: list, gaps: list[dict]) -> int:
        """Number and map the PRESSURE packets held back; the count of packets that gave samples."""
        n = 0
        for old, t_old in self._pending_pressure:
            part = self._samples(old, t_old, gaps)
            if part is not None:
                parts.append(part)
                n += 1
        self._pending_pressure.clear()
        return n

    def _on_boot(self, t: float) -> None:
        """The board announced a boot while samples flowed: it restarted (PROTOCOL.md 5.1).

        Its clock restarted too, so the old clock map is dropped and the new board's samples
        wait (at most ``_SYNC_HOLD_S`` of arrival time) for a TIME_SYNC to map them, rather
        than being mapped by arrival and then corrected backwards.
        """
        self._pseq.boot_pending = True
        self.clock.reset()
        self._hold_since = t
        self._event(t, "device_restart")
        self._restart_stream(t, None)

    def _restart_stream(self, t: float, event: str | None) -> None:
        """Re-synchronise clocks and re-send START to a board that came back idle (live only)."""
        if not (self.transport.live and self.mode == "binary" and self._streaming):
            return
        now = host_time()
        if event is not None:
            if now - self._last_start_sent < _RESTART_RESEND_S:
                return
            self._event(t, event)
        self._last_start_sent = now
        try:
            for _ in range(SYNC_BURST):
                self._send_sync()
            self._send(Command.start)
        except DeviceError:
            pass  # the link is gone: the reader notices

    def _samples(
        self, p: PressureSamples, t: float, gaps: list[dict]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Times, sample numbers and values of one PRESSURE packet (None: rejected or a duplicate)."""
        if self.info is not None and p.values.shape[1] != self.info.sensor_count:
            # contradicts DEVICE_INFO: rejected and counted (a content error), never allowed to
            # change the width of the chunks or of the recording
            self._dec_totals["content"] += 1
            self._counts["wrong_shape"] += 1
            return None
        pseq = self._pseq
        pseq.lost = self._lost_since_sample
        placed = pseq.place(p, t, self.side)
        if placed is None:
            self._counts["duplicates"] += 1
            return None
        times, seq, raw, gap = placed
        if gap is not None:
            gaps.append(gap)
            self._add_gap(gap)
            self._counts["missing_samples"] += int(gap["n_missing"])
        self._counts["time_back"] = pseq.time_back
        self._lost_since_sample = False
        values = raw.astype(np.float32)
        if self._scale32 != 1.0:
            values *= self._scale32
        return times, seq, values

    def _ingest_profile(self, data: bytes, t: float) -> None:
        """Profile mode: record the bytes as they came (replay feeds the same pieces), then decode them."""
        self._counts["bytes_in"] += len(data)
        if len(self._head) < 512:
            self._head += data[: 512 - len(self._head)]
        for i in range(0, len(data), MAX_SEGMENT):
            self._record(REC_RX, t, data[i : i + MAX_SEGMENT])
        self._ingest_lines(data, t)

    def _ingest_lines(self, data: bytes, t: float) -> None:
        """CSV lines or profile bytes through the line stream; one chunk per side that got samples."""
        lines = self._lines
        assert lines is not None
        try:
            emissions = lines.feed(data, t, self.side)
        except DeviceError as exc:  # a board at another rate than configured: the caller's error
            self._end_with(exc)
            return
        if emissions and self.info is None:
            self.info = lines.describe(self.url, self.transport.name)
            self._units = lines.units
            self._info_event.set()
        for em in emissions:
            self._counts["duplicates"] += em.duplicates
            if not em.parts:
                continue
            for gap in em.gaps:
                self._add_gap(gap)
            self._counts["missing_samples"] += em.missing
            self._counts["time_back"] += em.time_back
            self._lost_since_sample = False
            self._emit(em.parts, em.gaps, em.n_records, t, side=em.side, extra=em.extra)

    def _flush_pending_csv(self) -> None:
        """At the end of a replay, nothing is pending: frames were recorded whole."""

    @property
    def profile_stats(self) -> ProfileStats | None:
        """Profile mode: counters of the bytes that matched no frame (with the first offending bytes), else None."""
        return None if self._lines is None else self._lines.profile_stats

    def _on_imu(self, packet: ImuSamples) -> None:
        """Keep the IMU samples of an IMU packet (PROTOCOL.md) for the next chunk, on the host clock.

        Their device times are mapped by the same clock map as the pressure samples
        (unslewed: within the few ms a correction is being slewed, the two may differ by it).
        Before the device identified itself there is no clock to map them with: dropped.
        """
        if self.info is None or packet.n_samples == 0:
            return
        self._imu_pending.append(
            (self.clock.to_host_s(packet.timestamps_us), packet.accel_g, packet.gyro_dps)
        )
        del self._imu_pending[:-IMU_PENDING_KEPT]

    def _take_imu(self) -> dict | None:
        if not self._imu_pending:
            return None
        parts, self._imu_pending = self._imu_pending, []
        return {
            "time": np.concatenate([p[0] for p in parts]),
            "accel_g": np.concatenate([p[1] for p in parts]),
            "gyro_deg_s": np.concatenate([p[2] for p in parts]),
        }

    def _emit(self, parts: list, gaps: list[dict], n_packets: int, t: float, *, side: str | None = None,
              extra: dict | None = None) -> None:  # fmt: skip
        if len(parts) == 1:
            times, seq, values = parts[0]
        else:
            times = np.concatenate([p[0] for p in parts])
            seq = np.concatenate([p[1] for p in parts])
            values = np.concatenate([p[2] for p in parts])
        self._counts["samples"] += int(times.shape[0])
        if values.size:
            self._recent_load.append((float(times[-1]), float(values.sum(axis=1).max()), float(values.max())))
        self._last_rx = t
        self._bytes_at_last_sample = self._counts["bytes_in"]
        chunk = Chunk(
            side=side or self.side,
            stream=self.stream,
            time=times,
            seq=seq,
            values=values,
            units=self._units,
            n_packets=n_packets,
            arrival_s=t,
            gaps=tuple(gaps),
            stats=self._stats(),
            extra=extra or None,
            imu=self._take_imu() if self._imu_pending else None,
        )
        if isinstance(self._queue, ChunkQueue):
            self._queue.put(chunk, lossless=not self.transport.live, cancel=self._halt)
        else:
            self._queue.put(chunk)

    def _stats(self) -> LinkStats:
        tot = self._dec_totals
        c = self._counts
        if self._lines is not None:
            return LinkStats(
                bytes_in=c["bytes_in"], packets_ok=self._lines.records_ok, framing_errors=self._lines.records_bad,
                samples=c["samples"], missing_samples=c["missing_samples"], gaps=self._n_gaps,
                duplicates=c["duplicates"], reconnects=c["reconnects"], timeouts=c["timeouts"],
            )  # fmt: skip
        st = self._decoder.stats
        return LinkStats(
            bytes_in=c["bytes_in"],
            packets_ok=tot["packets_ok"] + st.packets_ok,
            crc_errors=tot["crc"] + st.crc_errors,
            framing_errors=tot["framing"] + st.framing_errors,
            content_errors=tot["content"] + st.content_errors,
            missing_packets=tot["missing_packets"] + st.missing_packets,
            samples=c["samples"],
            missing_samples=c["missing_samples"],
            gaps=self._n_gaps,
            duplicates=c["duplicates"],
            reconnects=c["reconnects"],
            timeouts=c["timeouts"],
        )


def _name(value: Any) -> str:
    return getattr(value, "name", str(value))
