"""``replay://FILE.skr?speed=1``: a capture file played back through the live pipeline.

Each stream of the file becomes a device whose transport hands back the recorded frames
with their recorded arrival times, so framing, decoding, gap tracking and clock mapping
run exactly as they did live and give the same arrays. ``speed=1`` paces in real time,
``speed=2`` twice as fast, ``speed=0`` as fast as possible. Commands are not sent.
"""

from __future__ import annotations

import itertools
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from sensorkit._json import load_json
from sensorkit._stack import user_stacklevel
from sensorkit.devices.capture import (
    REC_EVENT,
    REC_RX,
    RECORD_OVERHEAD,
    CaptureDamagedWarning,
    CaptureReader,
    CaptureRecord,
)
from sensorkit.devices.transport import EndOfStream, LinkLost, Transport
from sensorkit.errors import FileFormatError

__all__ = ["PARAMS", "ReplayClock", "ReplayTransport"]

PARAMS = ("speed",)
#: Capture event records that become ``Recording.events``, with the sources they get: tares
#: (the device), the tags and biofeedback cues a live view wrote (the user), and the link's
#: losses and reconnections. A link lost for good leaves no gap (no frame follows it), and a
#: recording that stopped at 3.6 s of a 14 s capture read as complete without its event.
USER_EVENTS = {
    "tare": None,
    "tag": "user",
    "cue": "biofeedback",
    "recording started": "user",
    "recording stopped": "user",
    "link_lost": "link",
    "reconnected": "link",
}


class ReplayClock:
    """Shared pacing of the streams of one file: recorded time ``t`` plays at ``start + (t - t_first) / speed``.

    ``t_first`` is the time of the first record paced, not the session's opening time
    (``t0``, the header's ``host_t0_s``): a capture started 15 s into a session (the
    dashboard's ``r``) plays its first record at once instead of after 15 s of silence.
    """

    def __init__(self, t0: float, speed: float) -> None:
        self.t0 = t0
        self.speed = speed
        self._start: float | None = None
        self._t_first = t0
        self._lock = threading.Lock()

    def due(self, t: float) -> float:
        """Wall-clock (``time.monotonic``) time at which recorded time ``t`` plays."""
        with self._lock:
            if self._start is None:
                self._start = time.monotonic()
                self._t_first = t
        return self._start + (t - self._t_first) / self.speed


class ReplayTransport(Transport):
    """Recorded frames of one stream of a capture file.

    Parameters
    ----------
    reader : CaptureReader
        The open file.
    stream : int
        Which stream to play.
    clock : ReplayClock
        Pacing shared with the other streams of the file.
    warn : bool
        Warn (once) if the file is cut.
    """

    live = False

    def __init__(self, reader: CaptureReader, stream: int, clock: ReplayClock, *, warn: bool = True) -> None:
        self.reader = reader
        self.stream = stream
        self.clock = clock
        self.name = f"{Path(reader.path).name}#{stream}"
        self._warn = warn
        self._records: Iterator[CaptureRecord] | None = None
        self._held: CaptureRecord | None = None
        self._ahead: list[CaptureRecord] = []  # records looked at by link_comes_back, replayed next
        self.position = 0  # bytes of the file consumed (for progress bars)
        self._damaged = any(d.offset == 0 for d in reader.damaged)  # the header itself was damaged
        self.cut = None
        #: ``(host time s, label, source)`` of the :data:`USER_EVENTS` replayed so far (source None:
        #: the device's own).
        self.user_events: list[tuple[float, str, str | None]] = []

    def open(self) -> None:
        if self._records is None:
            self._records = self._iter()

    def _iter(self) -> Iterator[CaptureRecord]:
        expected = self.reader.data_offset
        for rec in self.reader.records(warn=self._warn):
            self._damaged = self._damaged or rec.offset != expected
            expected = rec.offset + RECORD_OVERHEAD + len(rec.data)
            self.position = rec.offset
            if rec.stream == self.stream and rec.kind in (REC_RX, REC_EVENT):
                yield rec
        self.cut = self.reader.cut
        self.position = self.reader.file_size

    @property
    def damaged(self) -> bool:
        """True once this stream's reading has skipped damaged bytes (header included) before the current record."""
        return self._damaged

    def _next(self) -> CaptureRecord | None:
        if self._held is not None:
            rec, self._held = self._held, None
            return rec
        if self._ahead:
            return self._ahead.pop(0)
        assert self._records is not None
        return next(self._records, None)

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        if self._records is None:
            raise LinkLost("replay not open")
        rec = self._next()
        if rec is None:
            raise EndOfStream
        if rec.kind == REC_EVENT:
            event = self._note_event(rec)
            if event.get("event") == "link_lost":
                raise LinkLost(str(event.get("reason", "recorded link loss")))
            return b"", rec.time_s
        if self.clock.speed > 0:
            wait = self.clock.due(rec.time_s) - time.monotonic()
            if wait > timeout_s:
                time.sleep(timeout_s)
                self._held = rec
                return b"", rec.time_s
            if wait > 0:
                time.sleep(wait)
        # frames that arrived in one read were recorded with the same time: hand them back together
        # (``_ahead`` is empty here: a look-ahead ends at its first RX record, the one just taken)
        data = [rec.data]
        while True:
            nxt = next(self._records, None)
            if nxt is None:
                break
            if nxt.kind != REC_RX or nxt.time_s != rec.time_s:
                self._held = nxt
                break
            data.append(nxt.data)
        return b"".join(data), rec.time_s

    def _note_event(self, rec: CaptureRecord) -> dict:
        """The EVENT record's object, its :data:`USER_EVENTS` entry appended to :attr:`user_events`."""
        event = self._event(rec)
        kind = event.get("event")
        if kind in USER_EVENTS:
            detail = event.get("label") or event.get("cue") or event.get("reason") or ""
            label = (
                str(detail) if kind == "tag" and detail else (f"{kind}: {detail}" if detail else str(kind))
            )
            self.user_events.append((rec.time_s, label[:200], USER_EVENTS[kind]))
        return event

    def _event(self, rec: CaptureRecord, *, warn: bool = True) -> dict:
        """The EVENT record's JSON object; a record that is not one is skipped as damage (with a
        warning when ``warn``: a record looked ahead at warns when it is replayed)."""
        try:
            event = load_json(
                rec.data, source=str(self.reader.path), what=f"EVENT record at byte {rec.offset}"
            )
            if isinstance(event, dict):
                return event
            problem = f"EVENT record at byte {rec.offset} holds {type(event).__name__}, not a JSON object"
        except FileFormatError as exc:
            problem = str(exc)
        if self._warn and warn:
            warnings.warn(
                f"{self.reader.path}: {problem}; the record is skipped",
                CaptureDamagedWarning,
                stacklevel=user_stacklevel(),
            )
        return {}

    def link_comes_back(self) -> bool:
        """Whether this stream's recording goes on after the recorded link loss just replayed.

        The live device records a ``reconnected`` event when its link came back; other
        events of the stream (a tag, the recording stopped) can come first, so they are held
        and replayed in order. False when the stream ends before a ``reconnected`` event or
        any received bytes; the events looked at (a tag written after the loss) are then
        noted in :attr:`user_events` here, since the stream ends without replaying them.
        """
        if self._records is None:
            return False
        ahead = ([self._held] if self._held is not None else []) + self._ahead
        self._held = None
        for k in itertools.count():
            if k == len(ahead):
                rec = next(self._records, None)
                if rec is None:
                    break
                ahead.append(rec)
            rec = ahead[k]
            if rec.kind == REC_RX or self._event(rec, warn=False).get("event") == "reconnected":
                self._ahead = ahead
                return True
        for rec in ahead:  # the stream ends here: its remaining events still count
            self._note_event(rec)
        self._ahead = []
        return False

    def write(self, data: bytes) -> None:
        """Replays send nothing."""

    def disconnect(self) -> None:
        """A recorded link loss: keep the file position."""

    def close(self) -> None:
        self._records = None
        self._held = None
        self._ahead = []
