"""The device layer's coordinator: one insole on one transport, from bytes to queued chunks.

A :class:`Device` composes a :class:`~sensorkit.devices.transport.Transport` (moves bytes;
chosen by URL scheme in :mod:`sensorkit.devices.transports`), a stream decoder
(:class:`~sensorkit.devices.binary_stream.BinaryStream` for the sensorkit protocol, or
:class:`~sensorkit.devices.linestream.LineStream` for CSV lines and device profiles, each
with its own sequencing of samples, gaps and clock mapping) and a
:class:`~sensorkit.devices.tap.CaptureTap`. It runs the reader (the shared
:class:`~sensorkit.devices.hub.ReaderHub`, or a thread of its own), sends commands, keeps
the link alive (timeouts, reconnects) and queues :class:`~sensorkit.devices.chunk.Chunk`
objects. Nothing here computes a metric.

Everything the decoders derive (gaps, clock fit, chunk times) depends only on the bytes and
their arrival times, and both are in the capture, so ``replay://`` reproduces the live
arrays bit for bit.
"""

from __future__ import annotations

import collections
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from sensorkit.devices.binary_stream import BinaryStream, Decoded
from sensorkit.devices.capture import REC_EVENT, CaptureWriter
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.devices.chunkqueue import QUEUE_MAX_CHUNKS, ChunkQueue, ChunkReader, StreamEnd
from sensorkit.devices.clock import ClockMap
from sensorkit.devices.commands import COMMAND_TIMEOUT_S, Commander
from sensorkit.devices.diagnose import no_device_error, silence_reason
from sensorkit.devices.gaplog import GapLog
from sensorkit.devices.hub import POLL_S, ReaderHub
from sensorkit.devices.info import DeviceDescription, resolve_layout
from sensorkit.devices.linestream import LineStream
from sensorkit.devices.loadwatch import LoadWatch
from sensorkit.devices.profile import Profile, load_profile, profile_layout
from sensorkit.devices.profile_decoder import ProfileStats
from sensorkit.devices.tap import CaptureTap
from sensorkit.devices.transport import EndOfStream, LinkLost, Transport, host_time, reopen
from sensorkit.errors import DeviceError
from sensorkit.layout import SensorLayout
from sensorkit.protocol import Ack, Command, DeviceInfo, Status

__all__ = ["DEFAULTS", "Device", "StreamEnd"]

#: Defaults of the device layer, in one place.
DEFAULTS = {
    "timeout_s": 5.0,  # no samples for this long while streaming = the device stopped sending
    "handshake_timeout_s": 3.0,  # a sensorkit device answers REQUEST_INFO well within this
    "reconnect_timeout_s": 30.0,  # give up reconnecting after this long
    "sync_interval_s": 1.0,  # one SYNC_TIME per second feeds the drift fit
    "command_timeout_s": COMMAND_TIMEOUT_S,  # ACK/NACK of a command
    "poll_s": POLL_S,  # reader wake-up period when idle (timeouts, periodic sync)
    # after a read, let bytes gather this long: 8 insoles x 32 sensors x 1 kHz ingest in 8% of
    # a core instead of 21%, for at most 15 ms more latency (benchmarks/bench_ingest.py)
    "batch_s": 0.015,
}
SYNC_BURST = 4  # SYNC_TIME exchanges right after connecting, for a first offset
EVENTS_KEPT = 10_000  # Device.events entries (the capture keeps every event)
_RESTART_RESEND_S = 2.0  # an idle STATUS while streaming re-sends START at most this often
_SYNC_BACKOFF_S = 10.0  # after a failed SYNC_TIME write, the next one waits this long
_START_GRACE_S = 0.5  # a STATUS saying 'idle' this soon after START was sent before it
_HEAD_KEPT = 512  # first received bytes kept for the diagnosis of a device that never identifies


class Device(ChunkReader):
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
        self.side_hint = side
        #: The layout object (None for a binary device whose layout comes from DEVICE_INFO).
        self.sensor_layout = resolve_layout(layout, url)  # unknown names fail here, not in the reader
        self._want_rate = rate_hz
        ChunkReader.__init__(self, sink if sink is not None else ChunkQueue(queue_chunks), 1)
        self._own_queue = sink is None
        self._tap = CaptureTap(stream, self._end_with)
        # the stream decoder: the binary protocol, or CSV lines / a profile (with per-side sequencers)
        self._bin: BinaryStream | None = None
        self._lines: LineStream | None = None
        self._line_info: DeviceDescription | None = None
        if mode == "binary":
            self._bin = BinaryStream(url=url, transport_name=transport.name, side=side, layout=layout, tap=self._tap,
                                     damaged=lambda: bool(getattr(self.transport, "damaged", False)))  # fmt: skip
        else:
            assert self.sensor_layout is not None
            self._lines = LineStream(mode, url=url, layout=self.sensor_layout, side=side, csv_rate_hz=csv_rate_hz,
                                     csv_units=csv_units, csv_scale=csv_scale, csv_clock_bits=csv_clock_bits,
                                     csv_tick_us={"us": 1, "ms": 1000}[csv_clock_unit], profile=self.profile, tap=self._tap)  # fmt: skip
        self._head = bytearray()  # first bytes received, for the diagnosis
        self._load = LoadWatch()
        self.gaps = GapLog()
        #: Samples missing per gap reason ("packet loss", "time jump", ...): what the summary says.
        self.missing_by_reason: dict[str, int] = {}
        self.events: collections.deque = collections.deque(maxlen=EVENTS_KEPT)
        self._counts = {"samples": 0, "missing_samples": 0, "reconnects": 0, "timeouts": 0, "bytes_in": 0}
        # commands
        self._info_event = threading.Event()
        self._cmd = Commander(transport, self._tap, url, on_sync=self._sync_sent)
        self._last_start_sent = 0.0
        self._start_grace_until = 0.0
        self._next_sync = 0.0
        # reader and link
        self.reader_thread: threading.Thread | None = None
        self._reader_started = False
        self._halt = threading.Event()
        self._batch_wake = threading.Event()  # ends the reader's batch pause early
        self.bytes_at_last_sample = 0  # bytes_in when the last samples arrived (diagnosis)
        self._error: BaseException | None = None
        self._streaming = False
        self._closed = False
        self._end_sent = False
        self._last_rx = 0.0

    # ------------------------------------------------------------------ what the device is
    @property
    def side(self) -> str:
        """``"left"``, ``"right"`` or ``"unknown"``."""
        if self.info is not None:
            return self.info.side
        return self.side_hint or "unknown"

    @property
    def info(self) -> DeviceDescription | None:
        """What the device is (from DEVICE_INFO, the URL or the profile), once known."""
        return self._bin.info if self._bin is not None else self._line_info

    @info.setter
    def info(self, value: DeviceDescription | None) -> None:
        if self._bin is not None:
            self._bin.info = value
        else:
            self._line_info = value

    def assume_side(self, side: str) -> None:
        """Take ``side`` when the device does not state one (its pair partner says the other)."""
        self.side_hint = side
        if self._bin is not None:
            self._bin.side_hint = side
        if self.info is not None and self.info.side == "unknown":
            self.info = replace(self.info, side=side)

    @property
    def device_info(self) -> DeviceInfo | None:
        """The latest DEVICE_INFO (binary protocol), or None."""
        return None if self._bin is None else self._bin.device_info

    @property
    def fallback_info(self) -> DeviceInfo | None:
        """Replays: the DEVICE_INFO kept in the capture header, used when the file's own was lost."""
        return None if self._bin is None else self._bin.fallback_info

    @fallback_info.setter
    def fallback_info(self, value: DeviceInfo | None) -> None:
        if self._bin is not None:
            self._bin.fallback_info = value

    @property
    def status(self) -> Status | None:
        """The latest STATUS (binary protocol), or None."""
        return None if self._bin is None else self._bin.status

    @property
    def clock(self) -> ClockMap | None:
        """Device clock -> host clock of a binary device (line streams keep one per side)."""
        return None if self._bin is None else self._bin.clock

    @property
    def units(self) -> str:
        """Units of the chunk values."""
        if self._bin is not None:
            return self._bin.units
        assert self._lines is not None
        return self._lines.units

    @property
    def csv_clock(self) -> dict | None:
        """CSV mode: the board clock's counter width and tick (``bits``, ``tick_us``), for the capture header."""
        if self.mode != "csv" or self._lines is None:
            return None
        return {"bits": self._lines.clock_bits, "tick_us": self._lines.tick_us}

    @property
    def time_back(self) -> int:
        """Sample blocks whose mapped times would have gone back (placed after the last instead)."""
        return (self._bin or self._lines).time_back

    @property
    def head(self) -> bytes:
        """The first bytes received (at most 512), for diagnosing a device that did not identify itself."""
        return bytes(self._head)

    @property
    def sink(self) -> ChunkQueue | queue.Queue:
        """The queue this device's chunks go to (shared within a pair)."""
        return self._queue

    @property
    def streaming(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._streaming

    @property
    def stats(self) -> LinkStats:
        """Cumulative link statistics."""
        return self._stats()

    @property
    def profile_stats(self) -> ProfileStats | None:
        """Profile mode: counters of the bytes that matched no frame (with the first offending bytes), else None."""
        return None if self._lines is None else self._lines.profile_stats

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
            self.reader_thread = threading.Thread(
                target=self._run, name=f"sensorkit-{self.transport.name}", daemon=True
            )
            self.reader_thread.start()
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
                if not (self._counts["samples"] or (self._bin is not None and self._bin.has_held)):
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
        :data:`~sensorkit.devices.loadwatch.TARE_WINDOW_S` are checked first
        (:meth:`load_check`). A tare is recorded as a ``tare`` event (in :attr:`events`, the
        capture, and ``Recording.events`` read from it); a refused one as ``tare_refused``.

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

        See :meth:`sensorkit.devices.loadwatch.LoadWatch.loaded` for the thresholds.
        """
        info = self.info
        return self._load.loaded(
            self.units,
            adc_bits=info.adc_bits if info is not None else None,
            sensor_count=info.sensor_count if info is not None else 1,
            scale=info.value_scale if info is not None else 1.0,
        )

    def command(
        self, build: Callable[[int], Command], timeout_s: float = DEFAULTS["command_timeout_s"]
    ) -> Ack:
        """Send a command built by ``build(seq)`` and wait for its ACK.

        Raises
        ------
        DeviceError
            On NACK (with the reason) or when no answer comes within ``timeout_s``.
        """
        return self._cmd.command(build, timeout_s)

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
        """Next chunk, or None if none arrives within ``timeout_s`` (see :meth:`ChunkReader.read`).

        Raises
        ------
        DeviceError
            When the link was lost (without reconnect), the device went silent, or this
            device is part of a pair (iterate the pair).
        StopIteration
            When a replay has ended or the device was closed.
        """
        if not self._own_queue:
            raise DeviceError("this device is part of a pair: iterate the pair")
        return super().read(timeout_s)

    def drain(self) -> list[Chunk]:
        """Chunks already queued (call after :meth:`close`; see :meth:`ChunkReader.drain`).

        Raises
        ------
        DeviceError
            When this device is part of a pair (drain the pair).
        """
        if not self._own_queue:
            raise DeviceError("this device is part of a pair: drain the pair")
        return super().drain()

    def close(self) -> None:
        """Stop the device (best effort), end the reader thread and release the transport."""
        if self._closed:
            return
        self._closed = True
        if self._streaming and self.mode == "binary" and self.transport.live:
            try:
                self._cmd.send(Command.stop)
            except (DeviceError, LinkLost, OSError):
                pass
        if self.mode == "profile" and self.transport.live and self.profile.transport["stop"]:
            try:
                self._cmd.write_raw(self.profile.transport["stop"])
            except (DeviceError, LinkLost, OSError):
                pass
        self._streaming = False
        self._halt.set()
        self._batch_wake.set()
        ReaderHub.remove(self)
        thread = self.reader_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self.transport.close()
        (self._bin or self._lines).record_partial()
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
        live = self.transport.live
        if self.profile is not None and live and self.profile.transport["start"]:
            self._cmd.write_raw(self.profile.transport["start"])  # a device that streams only when asked
        if self._bin is None:
            while not self._info_event.wait(0.05):
                self._raise_if_failed()
                if host_time() > deadline:
                    raise no_device_error(self)
            return
        if live:
            self._cmd.write_raw(b"\x00")  # PROTOCOL.md 9.1: end any partial command the device holds
        resend = 0.0
        while not self._info_event.is_set():
            self._raise_if_failed()
            now = host_time()
            if now > deadline:
                raise no_device_error(self)
            if live and now >= resend:
                self._cmd.send(Command.request_info)
                resend = now + 0.5
            self._info_event.wait(0.02)
        if live:
            for _ in range(SYNC_BURST):
                self._cmd.send_sync()
                self._halt.wait(0.01)
            if self._want_rate is not None:
                rate = int(self._want_rate)
                self.command(lambda seq: Command.set_rate(seq, rate))
                self._info_event.clear()
                self._cmd.send(Command.request_info)
                if not self._info_event.wait(self.handshake_timeout_s):
                    raise DeviceError(f"{self.url}: no DEVICE_INFO after SET_RATE")

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
        if self._end_sent:
            raise DeviceError(f"{self.url}: the stream ended before the device identified itself")

    # ------------------------------------------------------------------ sending
    def _sync_sent(self) -> None:
        self._batch_wake.set()  # read the TIME_SYNC reply as soon as it arrives
        ReaderHub.expedite(self)

    def _resync_and_start(self, *, request_info: bool = False) -> None:
        """A burst of SYNC_TIME, then START when streaming (after a reconnect or a reboot)."""
        try:
            if request_info:
                self._cmd.send(Command.request_info)
            for _ in range(SYNC_BURST):
                self._cmd.send_sync()
            if self._streaming:
                self._cmd.send(Command.start)
        except DeviceError:
            pass  # the link is gone: the reader notices

    def _restart_stream(self, t: float, event: str | None) -> None:
        """Re-synchronise clocks and re-send START to a board that came back idle or rebooted (live only)."""
        if not (self.transport.live and self._bin is not None and self._streaming):
            return
        now = host_time()
        if event is not None:
            if now - self._last_start_sent < _RESTART_RESEND_S:
                return
            self._event(t, event)
        self._last_start_sent = now
        self._resync_and_start()

    def awaiting_sync(self, now: float) -> bool:
        """True while a TIME_SYNC reply is due: read it at once, since its arrival time is t4."""
        return self._cmd.awaiting_sync(now)

    # ------------------------------------------------------------------ reader
    @property
    def halted(self) -> bool:
        """True once the device is closing or its stream ended from inside the reader."""
        return self._halt.is_set()

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
                    self._flush_held()
                    self._finish(None)
                    return
                if data:
                    self.ingest(data, t)
                    if (
                        self.batch_s > 0
                        and live
                        and not self.awaiting_sync(host_time())
                        and not self.transport.backlog()
                    ):
                        self._batch_wake.wait(self.batch_s)  # set by a SYNC_TIME sent meanwhile, or close
                        self._batch_wake.clear()
                if live:
                    reason = self.check_silence(host_time())
                    if reason is not None and not self._on_link_lost(reason, timeout=True):
                        return
        except Exception as exc:  # a bug must not hang the consumer
            self.reader_failed(exc)
            raise

    def check_silence(self, now: float) -> str | None:
        """Periodic checks of a live device (and its SYNC_TIME); why it counts as silent (counted), or None."""
        if self._lines is not None and not self._end_sent:
            # samples held for a verdict on a late run, when the stream has gone quiet meanwhile
            self._emit_lines(self._lines.flush_held(now), self._last_rx)
        if self._streaming and now - self._last_rx > self.timeout_s:
            self._counts["timeouts"] += 1
            self._event(now, "timeout", silent_s=round(now - self._last_rx, 3))
            return silence_reason(self)
        if self._streaming and self._bin is not None and now >= self._next_sync:
            self._next_sync = now + self.sync_interval_s
            try:
                self._cmd.send_sync()
            except DeviceError as exc:
                # a lost link shows in the next read; a device that stopped reading its input
                # (write timed out) gets no sync for a while, so it cannot keep stalling the
                # shared reader
                self._next_sync = now + _SYNC_BACKOFF_S
                self._event(now, "sync_not_sent", reason=str(exc))
        return None

    def reader_failed(self, exc: BaseException) -> None:
        """The reader hit a bug: end the stream with it (the consumer's next read raises)."""
        self._finish(DeviceError(f"{self.url}: reader failed: {type(exc).__name__}: {exc}"))

    def recover(self, reason: str, timeout: bool) -> None:
        """Thread body when the shared reader hands over a lost link: reconnect, then rejoin it."""
        try:
            if self._on_link_lost(reason, timeout=timeout) and not ReaderHub.add(self):
                self._run()  # the new link has no descriptor: read it here
        except Exception as exc:
            self.reader_failed(exc)
            raise

    def _on_link_lost(self, reason: str, *, timeout: bool = False) -> bool:
        """Reconnect (True) or end the stream with an error (False)."""
        t = host_time()
        # the frame the loss cut goes into the capture first: a replay feeds it to the framer,
        # which drops it at the link_lost event, exactly as live
        (self._bin or self._lines).record_partial()
        self._event(t, "link_lost", reason=reason)
        if self._lines is not None:
            self._emit_lines(self._lines.flush_held(), self._last_rx)  # before the outage's gap
            self._lines.link_lost()
        if self._bin is not None:
            self._bin.link_lost()
        self.transport.disconnect()
        if not self.transport.link_comes_back():  # a replay of a link lost for good: it ends here, as live
            self._flush_held()
            self._finish(None)
            return False
        if self.transport.live and not self.reconnect:
            hint = "to reconnect automatically: --reconnect on the command line, ?reconnect=1 in the URL, reconnect=True in Python"
            if timeout:
                msg = f"the device stopped sending ({reason})"
                hint = "check power and range; to keep trying: --reconnect, ?reconnect=1 in the URL, or reconnect=True in Python"
            self._finish(DeviceError(f"{self.url}: {msg if timeout else reason}", hint=hint))
            return False
        failed = reopen(self.transport, timeout_s=self.reconnect_timeout_s, halt=self._halt)
        if isinstance(failed, EndOfStream):  # closed meanwhile
            return False
        if failed is not None:
            self._finish(
                DeviceError(
                    f"{self.url}: could not reconnect within {self.reconnect_timeout_s:g} s: {failed}"
                )
            )
            return False
        self._counts["reconnects"] += 1
        self._last_rx = now = host_time()
        self._event(now, "reconnected")
        if self.transport.live and self._bin is not None:
            self._resync_and_start(request_info=True)
        return True

    def _finish(self, error: BaseException | None) -> None:
        if self._error is None and error is not None:
            self._error = error
        if not self._end_sent:
            self._end_sent = True
            self._queue.put(StreamEnd(self.stream, error))

    def _end_with(self, error: DeviceError) -> None:
        """End the stream with ``error`` from inside the reader (the caller's next read raises it)."""
        self._finish(error)
        self._halt.set()
        self._batch_wake.set()

    def _event(self, t: float, name: str, **fields: Any) -> None:
        self.events.append({"event": name, "time_s": t, **fields})
        if self.transport.live:
            self._tap.record(
                REC_EVENT, t, json.dumps({"event": name, **fields}, separators=(",", ":")).encode()
            )

    # ------------------------------------------------------------------ decoding
    def ingest(self, data: bytes, t: float) -> None:
        """Bytes ``data`` read at host time ``t`` (s): record them, decode them, queue the chunks."""
        self._counts["bytes_in"] += len(data)
        if len(self._head) < _HEAD_KEPT:
            self._head += data[: _HEAD_KEPT - len(self._head)]
        if self._bin is not None:
            self._act_on(self._bin.ingest(data, t), t)
        else:
            self._ingest_lines(data, t)

    def _act_on(self, out: Decoded, t: float) -> None:
        """Do what a decoded binary block calls for, then queue its samples."""
        if out.syncs:
            self._cmd.synced(out.syncs)
        for reply in out.replies:
            self._cmd.answer(reply)
        if out.identified:
            self._info_event.set()
        if out.device_changed is not None:
            self._event(t, "device_changed", device_id=out.device_changed)
        if out.rebooted:
            self._event(t, "device_restart")
            self._restart_stream(t, None)
        if out.idle and self._streaming and t > self._start_grace_until:
            self._restart_stream(t, "device_idle")
        if out.parts:
            self._emit(out.parts, out.gaps, out.n_packets, t)
        if out.error is not None:
            self._end_with(out.error)

    def _flush_held(self) -> None:
        """At the end (close, end of a replay): deliver samples still waiting for a TIME_SYNC,
        or, timed by arrival, for the verdict on a late run (placed on the line they were on)."""
        if self._end_sent:
            return
        if self._lines is not None:
            self._emit_lines(self._lines.flush_held(), self._last_rx)
        if self._bin is None:
            return
        out, t_last = self._bin.flush_held()
        if out.parts:
            self._emit(out.parts, out.gaps, out.n_packets, t_last)

    def _ingest_lines(self, data: bytes, t: float) -> None:
        """CSV lines or profile bytes through the line stream; one chunk per side that got samples."""
        lines = self._lines
        assert lines is not None
        decoded = lines.samples_decoded
        try:
            emissions = lines.ingest(data, t, self.side)
        except DeviceError as exc:  # a board at another rate than configured: the caller's error
            self._end_with(exc)
            return
        if lines.samples_decoded != decoded:  # samples came, placed or held for a verdict: not silent
            self._last_rx = t
            self.bytes_at_last_sample = self._counts["bytes_in"]
        if emissions and self._line_info is None:
            self._line_info = lines.describe(self.url, self.transport.name)
            self._info_event.set()
        self._emit_lines(emissions, t)

    def _emit_lines(self, emissions: list, t: float) -> None:
        """Queue the line stream's emissions (one per side that got samples) as chunks."""
        for em in emissions:
            self._emit(em.parts, em.gaps, em.n_records, t, side=em.side, extra=em.extra)

    def _emit(self, parts: list, gaps: list[dict], n_packets: int, t: float, *, side: str | None = None,
              extra: dict | None = None) -> None:  # fmt: skip
        if len(parts) == 1:
            times, seq, values = parts[0]
        else:
            times = np.concatenate([p[0] for p in parts])
            seq = np.concatenate([p[1] for p in parts])
            values = np.concatenate([p[2] for p in parts])
        for gap in gaps:
            self.gaps.add(gap)
            self._counts["missing_samples"] += int(gap["n_missing"])
            reason = str(gap["reason"])
            self.missing_by_reason[reason] = self.missing_by_reason.get(reason, 0) + int(gap["n_missing"])
        self._counts["samples"] += int(times.shape[0])
        self._load.note(times, values)
        self._last_rx = t
        self.bytes_at_last_sample = self._counts["bytes_in"]
        chunk = Chunk(side=side or self.side, stream=self.stream, time=times, seq=seq, values=values,
                      units=self.units, n_packets=n_packets, arrival_s=t, gaps=tuple(gaps), stats=self._stats(),
                      extra=extra or None, imu=None if self._bin is None else self._bin.take_imu())  # fmt: skip
        if isinstance(self._queue, ChunkQueue):
            self._queue.put(chunk, lossless=not self.transport.live, cancel=self._halt)
        else:
            self._queue.put(chunk)

    def _stats(self) -> LinkStats:
        c = self._counts
        common = {"bytes_in": c["bytes_in"], "samples": c["samples"], "missing_samples": c["missing_samples"],
                  "gaps": self.gaps.total, "reconnects": c["reconnects"], "timeouts": c["timeouts"]}  # fmt: skip
        if self._lines is not None:
            return LinkStats(packets_ok=self._lines.records_ok, framing_errors=self._lines.records_bad,
                             duplicates=self._lines.duplicates, **common)  # fmt: skip
        assert self._bin is not None
        return LinkStats(duplicates=self._bin.duplicates, **self._bin.counters(), **common)
