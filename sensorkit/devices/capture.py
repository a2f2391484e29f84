"""Raw capture files (``.skr``): every received frame with its host arrival time.

The format is specified in ``firmware_protocol/CAPTURE.md``. In short::

    magic (8 bytes)  b"\\x89SKR\\r\\n\\x1a\\n"
    u32 header length, header (UTF-8 JSON), u32 CRC-32 of the header
    records, each: u8 kind, u8 stream, u16 length, f64 host time (s),
                   payload (length bytes), u32 CRC-32 of the 12 header bytes + payload

Records are appended as frames arrive and each is handed to the operating system at
once (one ``write`` per record, no user-space buffer), so killing the writer loses
nothing already received; ``fsync`` runs at least once a second. A reader stops at an
incomplete or corrupt record at the end and warns with the byte offset and host time of
the cut (:class:`CaptureCutWarning`); damage in the middle (bad CRC, garbage) is skipped
up to the next valid record, and the skipped byte range is reported
(:class:`CaptureDamagedWarning`), so one bad sector does not lose the rest of a session.

Closing the writer appends an **end record** (an EVENT ``{"event": "capture_end"}`` on
stream 255), and the header says so (``"end_record": true``). A file whose header promises
one but that ends without it was not closed: the writer was killed, crashed, lost power or
filled the disk, and up to the fsync interval of records at its end may be missing
(:class:`CaptureUnfinishedWarning`). Bytes after an end record are not part of the
recording and are ignored (:class:`CaptureTrailingDataWarning`). Files of writers before
end records (no ``end_record`` in the header) read as before.

Use :func:`read_capture` for a :class:`~sensorkit.recording.Recording` (decoded through
the same device pipeline as live data, via ``replay://``), :class:`CaptureReader` for the
records themselves, and :class:`CaptureWriter` to write one.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import struct
import threading
import time
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sensorkit._json import Spec, check, load_json
from sensorkit._stack import user_stacklevel
from sensorkit.errors import CaptureWriteError, FileFormatError
from sensorkit.outputs import is_being_written, open_exclusive

__all__ = [
    "CAPTURE_MAGIC",
    "CAPTURE_VERSION",
    "REC_EVENT",
    "REC_HEADER",
    "REC_RX",
    "REC_TX",
    "CaptureCut",
    "CaptureCutWarning",
    "CaptureDamage",
    "CaptureDamagedWarning",
    "CaptureEnd",
    "CaptureReader",
    "CaptureRecord",
    "CaptureTrailingDataWarning",
    "CaptureUnfinished",
    "CaptureUnfinishedWarning",
    "CaptureWriter",
    "looks_like_capture",
]

CAPTURE_MAGIC = b"\x89SKR\r\n\x1a\n"
CAPTURE_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 (no header copy) is read as before
REC_RX = 1  # bytes received from the device: one frame (0x00 included) or CSV line
REC_TX = 2  # bytes sent to the device (a command frame)
REC_EVENT = 3  # UTF-8 JSON object: link events, device info updates
REC_HEADER = 4  # version 2: a copy of the header JSON, right after the header
HEADER_STREAM = 255  # the stream byte of records about the file itself: the header copy, the end record
END_EVENT = "capture_end"  # the "event" of the end record (an EVENT on HEADER_STREAM, written by close)
_END_RECORD_MAX = 256  # bytes: more than any end record (its JSON holds a record count)
_KINDS = (REC_RX, REC_TX, REC_EVENT, REC_HEADER)
_MAX_PAYLOAD = 0xFFFF
_REC = struct.Struct("<BBHd")
RECORD_OVERHEAD = _REC.size + 4  # bytes of a record besides its payload (header and CRC-32)
_U32 = struct.Struct("<I")
_RESYNC_WINDOW = 1 << 20  # bytes scanned per step when looking for the next valid record
_RESYNC_BACK_S = 60.0  # a resync candidate's host time may precede the last good record's by this
_RESYNC_AHEAD_S = 1e7  # ... and follow it by at most this (s)
_MAX_HEADER = 16 << 20
FSYNC_INTERVAL_S = 1.0


class CaptureCutWarning(UserWarning):
    """A capture file ends in the middle of a record (the writer was killed or the disk filled).

    Also the base class of the other warnings about how much of a capture could be read.
    """


class CaptureDamagedWarning(CaptureCutWarning):
    """Bytes in the middle of a capture file are damaged; reading resumed at the next valid record."""


class CaptureUnfinishedWarning(CaptureCutWarning):
    """A capture file ends between two records without the end record its writer writes on closing.

    The recording stopped without closing the file (writer killed, crash, power loss, full
    disk): up to the fsync interval of records at its end may be missing.
    """


class CaptureTrailingDataWarning(CaptureCutWarning):
    """Bytes follow a capture file's end record (appended after the writer closed it); they are ignored."""


@dataclass(frozen=True)
class CaptureDamage:
    """A damaged byte range in the middle of a capture file, skipped by the reader.

    Attributes
    ----------
    offset : int
        Byte offset of the first bad record.
    resume_offset : int
        Byte offset of the next valid record, where reading resumed.
    last_time_s : float or None
        Host time of the last good record before the damage (s).
    next_time_s : float
        Host time of the record where reading resumed (s).
    n_records : int
        Complete records read before the damage.
    reason : str
        What was wrong with the first bad record (as in :class:`CaptureCut`).
    """

    offset: int
    resume_offset: int
    last_time_s: float | None
    next_time_s: float
    n_records: int
    reason: str

    def message(self, path: str | Path) -> str:
        """One sentence for a warning."""
        when = "" if self.last_time_s is None else f" between host times {self.last_time_s:.3f} and"
        when = when or " before host time"
        return (
            f"{path}: capture damaged at bytes {self.offset}..{self.resume_offset} ({self.reason}); "
            f"the {self.resume_offset - self.offset} bytes{when} {self.next_time_s:.3f} s are skipped "
            "(their samples are gaps) and reading resumed at the next valid record"
        )


@dataclass(frozen=True)
class CaptureCut:
    """Where a capture file was cut.

    Attributes
    ----------
    offset : int
        Byte offset of the first record that is incomplete or corrupt.
    file_size : int
        Size of the file in bytes.
    last_time_s : float or None
        Host time of the last complete record (s), None when there is none.
    n_records : int
        Complete records before the cut.
    reason : str
        ``"incomplete record"`` or ``"bad record CRC"`` or ``"bad record kind"``.
    """

    offset: int
    file_size: int
    last_time_s: float | None
    n_records: int
    reason: str

    def message(self, path: str | Path) -> str:
        """One sentence for a warning."""
        when = "" if self.last_time_s is None else f", last record at host time {self.last_time_s:.3f} s"
        return (
            f"{path}: capture cut at byte {self.offset} of {self.file_size} ({self.reason}); "
            f"{self.n_records} complete records read{when}; the {self.file_size - self.offset} "
            "bytes after the cut are ignored"
        )


@dataclass(frozen=True)
class CaptureUnfinished:
    """A capture file whose writer never closed it: no end record, although its header promises one.

    Attributes
    ----------
    last_time_s : float or None
        Host time of the last complete record (s), None when there is none.
    session_s : float or None
        The same, in s from the session's start (``host_t0_s``).
    n_records : int
        Complete records read.
    fsync_interval_s : float
        The writer's fsync interval (header ``fsync_interval_s``): at most this much of the
        records after the last one may have been lost (crash or power loss).
    being_written : bool
        The writer still holds the file's lock (:func:`sensorkit.outputs.is_being_written`):
        the recording goes on, and what was read is what it has written so far.
    """

    last_time_s: float | None
    session_s: float | None
    n_records: int
    fsync_interval_s: float
    being_written: bool = False

    def _last(self) -> str:
        if self.last_time_s is None:
            return "no record after the header"
        if self.session_s is None:
            return f"{self.n_records} records read, the last at host time {self.last_time_s:.3f} s"
        return (  # the session's own time first: a host (monotonic) time means nothing to a user
            f"{self.n_records} records read, the last {self.session_s:.3f} s into the session "
            f"(host time {self.last_time_s:.3f} s)"
        )

    def message(self, path: str | Path) -> str:
        """One sentence for a warning about a file that ends between records."""
        if self.being_written:
            return (
                f"{path}: the capture is still being recorded (its writer holds the file's lock); "
                f"read what it has written so far: {self._last()}"
            )
        return (
            f"{path}: the recording stopped without closing the file (no end record: the writer was "
            f"killed, crashed, lost power or filled the disk); {self._last()}; {self._lost()}"
        )

    def _lost(self) -> str:
        if self.fsync_interval_s == 0:
            return "every record was synced to disk as it was written"
        return f"up to {self.fsync_interval_s:g} s of records after it (the writer's fsync interval) may be missing"

    def after_cut(self) -> str:
        """What to add to the message of a cut (:class:`CaptureCut`) of a file that should have an end record."""
        if self.being_written:
            return "the capture is still being recorded (its writer holds the file's lock): the cut is the record being written"
        if self.fsync_interval_s == 0:
            return "the recording stopped without closing the file (no end record)"
        return (
            "the recording stopped without closing the file (no end record), so up to "
            f"{self.fsync_interval_s:g} s of records after the last one (the writer's fsync interval) "
            "may be missing as well"
        )


@dataclass(frozen=True)
class CaptureEnd:
    """The end record a writer appends when it closes a capture file.

    Attributes
    ----------
    offset : int
        Byte offset of the end record.
    time_s : float
        Its host time: when the writer closed the file (s).
    records : int or None
        Records the writer wrote before it (the header copy not counted), as it says.
    trailing_bytes : int
        Bytes after the end record (0 for a file as its writer left it); they are ignored.
    """

    offset: int
    time_s: float
    records: int | None
    trailing_bytes: int


class CaptureRecord(NamedTuple):
    """One record: ``kind`` (REC_RX/REC_TX/REC_EVENT), ``stream`` index, host ``time_s``, ``data``."""

    kind: int
    stream: int
    time_s: float
    data: bytes
    offset: int


def looks_like_capture(path: str | Path, head_bytes: bytes) -> bool:
    """True when ``head_bytes`` (the first bytes of ``path``) start with the capture magic.

    Parameters
    ----------
    path : str or Path
        The file: a ``.skr`` name also accepts a magic with one damaged byte.
    head_bytes : bytes
        Its first bytes (at least 8).
    """
    magic = bytes(head_bytes[: len(CAPTURE_MAGIC)])
    return magic == CAPTURE_MAGIC or (Path(path).suffix.lower() == ".skr" and _magic_matches(magic))


# ---------------------------------------------------------------- writing


class CaptureWriter:
    """Append-only writer of a capture file; thread-safe (several devices share one file).

    Parameters
    ----------
    path : str or Path
        File to create. It is locked (``flock``) while written: a second writer gets
        :class:`~sensorkit.errors.FileLockedError`.
    header : dict
        JSON-serialisable header: ``streams`` (one dict per device: url, side, info,
        layout), ``subject``, ``calibration``, ``host_t0_s`` ... (see CAPTURE.md). The writer
        adds ``format``, ``version``, ``created_utc``, ``end_record`` and ``fsync_interval_s``.
    fsync_interval_s : float
        Call ``fsync`` at least this often (s); records reach the OS at once regardless. Stored
        in the header (``fsync_interval_s``): what a crash may lose at the end of the file.
    overwrite : bool
        Replace an existing file (default: refuse with
        :class:`~sensorkit.errors.OutputExistsError`).
    inputs : iterable of str or Path
        Files the session reads (a replayed capture): the output may not be one of them
        (:class:`~sensorkit.errors.SameFileError`, even with ``overwrite``).

    Raises
    ------
    ValueError
        ``fsync_interval_s`` is not a finite number >= 0.

    The file is closed (with its end record) when the interpreter exits normally if the
    program did not close it: a script that ends without :meth:`close` leaves a complete file.

    Attributes
    ----------
    error : CaptureWriteError or None
        Set when a write failed (disk full, file-size limit): the file holds every record
        before it, later writes raise it again.
    n_records : int
        Records written, not counting the header copy and the end record.
    bytes_written : int
        Bytes written, the end record included once closed.
    """

    def __init__(
        self,
        path: str | Path,
        header: dict[str, Any],
        *,
        fsync_interval_s: float = FSYNC_INTERVAL_S,
        overwrite: bool = False,
        inputs: Iterable[str | Path] = (),
    ) -> None:
        self.path = Path(path)
        self.error: CaptureWriteError | None = None
        if not (math.isfinite(fsync_interval_s) and fsync_interval_s >= 0):  # (the header must stay readable)
            raise ValueError(
                f"fsync_interval_s must be a finite number of seconds >= 0, got {fsync_interval_s!r}"
            )
        full = {
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **header,
            "format": "sensorkit.capture",
            "version": CAPTURE_VERSION,  # (a header copied from an older file is written as this version)
            "end_record": True,  # close() appends one: a reader told "no end record" knows the file was not closed
            "fsync_interval_s": float(fsync_interval_s),
        }
        blob = json.dumps(full, separators=(",", ":"), default=_json_default).encode("utf-8")
        self._fd = open_exclusive(self.path, overwrite=overwrite, inputs=inputs)
        self._lock = threading.Lock()
        self._fsync_interval = fsync_interval_s
        self._last_sync = time.monotonic()
        self._dirty = False  # records written since the last fsync
        self.n_records = 0
        self.bytes_written = 0
        self._last_time_s = float(full.get("host_t0_s") or 0.0)  # latest host time written (s)
        try:
            self._write(CAPTURE_MAGIC + _U32.pack(len(blob)) + blob + _U32.pack(zlib.crc32(blob)))
            if len(blob) <= _MAX_PAYLOAD:  # the header again, as a record: one bad byte costs one copy
                self._write(_record(REC_HEADER, HEADER_STREAM, float(full.get("host_t0_s") or 0.0), blob))
            os.fsync(self._fd)
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise
        # fsync at least every fsync_interval_s even when records stop arriving (CAPTURE.md);
        # with 0 every write fsyncs itself, and no thread is needed
        self._stop_syncing = threading.Event()
        self._syncer: threading.Thread | None = None
        self._pid = os.getpid()
        atexit.register(self._close_at_exit)  # a script that never closes still gets its end record
        if self._fsync_interval > 0:
            self._syncer = threading.Thread(target=self._sync_loop, name="capture-fsync", daemon=True)
            self._syncer.start()

    def _sync_loop(self) -> None:
        # unsynced records wait at most half the interval
        while not self._stop_syncing.wait(self._fsync_interval / 2):
            with self._lock:
                if self._fd >= 0 and self._dirty:
                    try:
                        self._fsync()
                    except CaptureWriteError:
                        return  # the next write raises it to the recorder
                    self._last_sync = time.monotonic()
                    self._dirty = False

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._fd < 0

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
                self.bytes_written += n
        except OSError as exc:
            self._failed(exc)

    def _fsync(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """Stop writing after an OS error (disk full, file-size limit): the file stays readable."""
        import errno

        full = exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", -1))
        what = "the disk is full (or the file reached its size limit)" if full else f"{exc.strerror or exc}"
        self.error = CaptureWriteError(
            f"{self.path}: recording stopped: {what} after {self.n_records} records "
            f"({self.bytes_written} bytes); the file is readable up to there",
            hint="free disk space or record to another disk" if full else None,
        )
        fd, self._fd = self._fd, -1
        try:
            os.close(fd)
        except OSError:
            pass
        raise self.error from None

    def write(self, kind: int, stream: int, time_s: float, data: bytes) -> None:
        """Append one record (one ``write`` system call).

        Parameters
        ----------
        kind : int
            :data:`REC_RX`, :data:`REC_TX` or :data:`REC_EVENT`.
        stream : int
            Device index in the session (0-254; 255 is reserved for the file's own records).
        time_s : float
            Host time in s (``time.monotonic`` clock) when the bytes arrived or left.
        data : bytes
            Payload; RX and TX data longer than 65535 bytes is stored as several records
            with the same time (one ``write`` call still), other kinds are limited to it.
        """
        if not 0 <= stream < HEADER_STREAM:
            raise ValueError(f"stream must be 0-254 (255 is the file's own records), got {stream}")
        if len(data) > _MAX_PAYLOAD:
            if kind not in (REC_RX, REC_TX):
                raise ValueError(f"a capture record holds at most {_MAX_PAYLOAD} bytes, got {len(data)}")
            # received or sent bytes: several records with the same time (a replay joins them)
            record = b"".join(
                _record(kind, stream, time_s, data[i : i + _MAX_PAYLOAD])
                for i in range(0, len(data), _MAX_PAYLOAD)
            )
        else:
            record = _record(kind, stream, time_s, data)
        with self._lock:
            if self._fd < 0:
                if self.error is not None:
                    raise self.error
                return
            self._write(record)
            self.n_records += max(1, -(-len(data) // _MAX_PAYLOAD))
            self._last_time_s = max(self._last_time_s, time_s)
            self._dirty = True
            now = time.monotonic()
            if now - self._last_sync >= self._fsync_interval:
                self._fsync()
                self._last_sync = now
                self._dirty = False

    def event(self, stream: int, time_s: float, **fields: Any) -> None:
        """Append an event record (JSON object), e.g. ``event(0, t, event="link_lost")``."""
        blob = json.dumps(fields, separators=(",", ":"), default=_json_default).encode("utf-8")
        self.write(REC_EVENT, stream, time_s, blob)

    def flush(self) -> None:
        """``fsync`` now."""
        with self._lock:
            if self._fd >= 0:
                self._fsync()
                self._last_sync = time.monotonic()
                self._dirty = False

    def close(self) -> None:
        """Append the end record, fsync and close; later writes are ignored.

        The end record (CAPTURE.md, "End record") is an EVENT on stream 255,
        ``{"event": "capture_end", "records": n_records}``, at the host time of closing
        (never before the last record's). A file that lacks it was not closed. After a failed
        write (:attr:`error`) the file is closed without one: it ends where the error stopped it.

        Raises
        ------
        CaptureWriteError
            Writing or syncing the end record failed (disk full, file-size limit): the file is
            closed. When the write failed, it reads up to the records before it and says that it
            was not closed; when only the sync failed, the end record is in the file but may not
            have reached the disk.
        """
        self._stop_syncing.set()
        failed: CaptureWriteError | None = None
        with self._lock:
            if self._fd >= 0:
                end = json.dumps({"event": END_EVENT, "records": self.n_records}, separators=(",", ":"))
                closed_s = max(time.monotonic(), self._last_time_s)
                try:
                    self._write(_record(REC_EVENT, HEADER_STREAM, closed_s, end.encode()))
                    self._fsync()  # the end record says the file is complete: it must be on disk
                except CaptureWriteError as exc:  # (the descriptor is closed; the file reads up to there)
                    failed = exc
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        if self._syncer is not None and self._syncer is not threading.current_thread():
            self._syncer.join(timeout=2.0)
        atexit.unregister(self._close_at_exit)  # (last: an interrupted close is finished at exit)
        if failed is not None:  # a full disk while closing is said, not swallowed
            raise failed

    def _close_at_exit(self) -> None:
        """:meth:`close` when the interpreter exits, in the process that opened the file only: a
        child forked meanwhile inherits the hook, and its exit must not end the parent's file."""
        if os.getpid() == self._pid:
            self.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # an error while closing must not replace the one already on its way
            self.close()
        except CaptureWriteError as failed:
            warnings.warn(str(failed), CaptureCutWarning, stacklevel=user_stacklevel())


def _record(kind: int, stream: int, time_s: float, data: bytes) -> bytes:
    """One record's bytes: header, payload, CRC-32 of both."""
    head = _REC.pack(kind, stream, len(data), time_s)
    return head + data + _U32.pack(zlib.crc32(data, zlib.crc32(head)))


def _end_record(rec: CaptureRecord) -> dict[str, Any] | None:
    """The end record's JSON object (``records`` an int or None), or None when ``rec`` is not one."""
    if rec.kind != REC_EVENT or rec.stream != HEADER_STREAM:
        return None
    try:
        event = load_json(rec.data, source="", what="end record")
    except FileFormatError:
        return None  # not the end record (nor one a replay plays: no device has stream 255)
    if not isinstance(event, dict) or event.get("event") != END_EVENT:
        return None
    n = event.get("records")
    return {**event, "records": n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else None}


def _json_default(obj: Any) -> Any:
    """JSON for what ``json`` cannot write itself: the project's one conversion (sensorkit/jsonable.py)."""
    from sensorkit.jsonable import to_jsonable  # imported only for such objects (it loads pandas)

    return to_jsonable(obj)


# ---------------------------------------------------------------- reading


class CaptureReader:
    """Read a capture file's header and records; tolerant of a cut tail.

    Parameters
    ----------
    path : str or Path
        The ``.skr`` file.

    Attributes
    ----------
    header : dict
        The JSON header.
    data_offset : int
        Byte offset of the first record.
    cut : CaptureCut or None
        Set once :meth:`records` has reached a cut (None for a clean end).
    expects_end : bool
        The header says its writer closes the file with an end record (``"end_record": true``).
    end : CaptureEnd or None
        Set once :meth:`records` has reached the end record.
    unfinished : CaptureUnfinished or None
        Set once :meth:`records` has reached the end of a file that :attr:`expects_end` but
        has no end record (cut or not): the writer never closed it.

    Raises
    ------
    FileFormatError
        When the file is not a capture, or its header is unreadable.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileFormatError("no such file", path=str(self.path))
        # the lock is looked at before the size: a writer that closes in between left an end
        # record after the bytes read, and this reader must not call it killed
        self.being_written = is_being_written(self.path)
        self.file_size = self.path.stat().st_size
        self.cut: CaptureCut | None = None
        self.end: CaptureEnd | None = None
        self.unfinished: CaptureUnfinished | None = None
        self.damaged: list[CaptureDamage] = []
        with self.path.open("rb") as fh:
            magic = fh.read(len(CAPTURE_MAGIC))
            if len(magic) < len(CAPTURE_MAGIC) and CAPTURE_MAGIC.startswith(magic):
                raise FileFormatError(
                    f"capture file cut off inside its header ({len(magic)} bytes; the writer died "
                    "while creating it): no data to read",
                    path=str(self.path),
                )
            if not _magic_matches(magic):
                raise FileFormatError(
                    "not a sensorkit capture file (bad magic)",
                    path=str(self.path),
                    hint="capture files start with the bytes 89 53 4B 52 0D 0A 1A 0A",
                )
            header, n, problem = self._primary_header(fh)
            if problem is not None:  # the header is damaged: version 2 keeps a copy right after it
                header, copy_at = self._header_copy(fh, n)
                if header is None:
                    raise FileFormatError(problem, path=str(self.path))
                self.data_offset = copy_at
                damage = CaptureDamage(0, copy_at, None, float(header.get("host_t0_s") or 0.0), 0,
                                       f"header: {problem}; its copy at byte {copy_at} was used")  # fmt: skip
                self.damaged.append(damage)
                warnings.warn(damage.message(self.path), CaptureDamagedWarning, stacklevel=user_stacklevel())
            else:
                self.data_offset = len(CAPTURE_MAGIC) + 4 + n + 4
                fh.seek(self.data_offset)
                head = fh.read(_REC.size)
                if len(head) == _REC.size and _REC.unpack(head)[:3] == (REC_HEADER, HEADER_STREAM, n):
                    self.data_offset += _REC.size + n + 4  # the header's copy: not needed, skipped
        self.header: dict[str, Any] = _check_header(header, str(self.path))
        self.expects_end = self.header.get("end_record") is True  # anything else: no end record expected

    def _primary_header(self, fh: Any) -> tuple[Any, int, str | None]:
        """The header after the magic: (parsed JSON or None, its stated length, what is wrong or None)."""
        raw_len = fh.read(4)
        if len(raw_len) < 4:
            return None, -1, "capture header is cut off"
        (n,) = _U32.unpack(raw_len)
        if n > _MAX_HEADER:
            return None, -1, f"capture header length {n} is implausible"
        blob = fh.read(n)
        raw_crc = fh.read(4)
        if len(blob) < n or len(raw_crc) < 4:
            return None, n, "capture header is cut off (the writer died while creating the file)"
        if _U32.unpack(raw_crc)[0] != zlib.crc32(blob):
            return None, n, "capture header fails its CRC-32"
        return load_json(blob, source=str(self.path), what="capture header"), n, None

    def _header_copy(self, fh: Any, n: int) -> tuple[Any, int]:
        """The header copy record of a version-2 file, and its offset; (None, -1) when there is none.

        It follows the header, at ``16 + n`` when the length field is intact; otherwise the
        first bytes of the file are searched for a record of kind 4, stream 255 that passes
        its CRC (a copy exists only for headers up to 65535 bytes, so it starts in them).
        """
        start = len(CAPTURE_MAGIC) + 4
        offsets = [start + n + 4] if n >= 0 else []
        fh.seek(start)
        head = fh.read(_MAX_PAYLOAD + 4 + _REC.size)
        pos = head.find(bytes((REC_HEADER, HEADER_STREAM)))
        while pos >= 0:
            offsets.append(start + pos)
            pos = head.find(bytes((REC_HEADER, HEADER_STREAM)), pos + 1)
        for off in offsets:
            rec, _ = self._record_at(fh, off)
            if rec is None or rec.kind != REC_HEADER:
                continue
            try:
                return load_json(rec.data, source=str(self.path), what="capture header copy"), off
            except FileFormatError:
                continue
        return None, -1

    @property
    def streams(self) -> list[dict[str, Any]]:
        """Per-device header entries."""
        return list(self.header.get("streams", []))

    def records(self, *, warn: bool = True) -> Iterator[CaptureRecord]:
        """Yield every valid record in file order; skip damage in the middle, stop at a cut tail.

        The header copy and the end record are not yielded (they describe the file, see
        :attr:`end`); reading stops at the end record.

        Parameters
        ----------
        warn : bool
            Emit a :class:`CaptureDamagedWarning` for each damaged range skipped, a
            :class:`CaptureCutWarning` when the file is cut (saying too that the writer never
            closed it when the header promises an end record), a
            :class:`CaptureUnfinishedWarning` when such a file ends between records without
            its end record, and a :class:`CaptureTrailingDataWarning` when bytes follow the
            end record. At most one of the last three.
        """
        self.cut = None
        self.end = None
        self.unfinished = None
        n_ok = 0
        last_t: float | None = None
        with self.path.open("rb") as fh:
            offset = self.data_offset
            size = self.file_size
            fh.seek(offset)
            while offset < size:
                rec, reason = self._record_at(fh, offset, seek=False)  # reading in sequence
                if rec is None:
                    length = self._end_length(fh, offset, size) if self.expects_end else None
                    if length is not None:
                        cut = offset + RECORD_OVERHEAD + length > size
                        self._damaged_end(offset, size, cut, last_t, n_ok, reason or "", warn)
                        return
                    resume = self._resync(fh, offset + 1, last_t)
                    if resume is None:
                        self.cut = CaptureCut(offset, size, last_t, n_ok, reason or "")
                        self.unfinished = self._unfinished(last_t, n_ok)
                        if warn:  # one warning: the cut, and what a missing end record adds to it
                            message = self.cut.message(self.path)
                            if self.unfinished is not None:
                                message += "; " + self.unfinished.after_cut()
                            warnings.warn(message, CaptureCutWarning, stacklevel=user_stacklevel())
                        return
                    rec, _ = self._record_at(fh, resume)  # (seeks there; the file is then after it)
                    assert rec is not None
                    damage = CaptureDamage(offset, resume, last_t, rec.time_s, n_ok, reason or "")
                    if damage not in self.damaged:  # (the streams of a pair each read the file)
                        self.damaged.append(damage)
                    if warn:
                        warnings.warn(
                            damage.message(self.path), CaptureDamagedWarning, stacklevel=user_stacklevel()
                        )
                end = _end_record(rec)
                if end is not None:  # the writer closed the file here
                    after = rec.offset + RECORD_OVERHEAD + len(rec.data)
                    self.end = CaptureEnd(rec.offset, rec.time_s, end.get("records"), size - after)
                    said = self.end.records
                    if said is not None and said != n_ok and not self.damaged and warn:
                        warnings.warn(  # records cut out cleanly leave no damage to find
                            f"{self.path}: its end record says {said} records were written, but {n_ok} "
                            f"were read: {abs(said - n_ok)} {'missing' if said > n_ok else 'more than written'} "
                            "without damage to show where (the file was edited?)",
                            CaptureDamagedWarning,
                            stacklevel=user_stacklevel(),
                        )
                    if self.end.trailing_bytes and warn:
                        warnings.warn(
                            f"{self.path}: {self.end.trailing_bytes} bytes follow the end record that closed "
                            f"the capture at byte {rec.offset} (they were added after the writer closed the "
                            f"file, e.g. another file appended to it); they are ignored",
                            CaptureTrailingDataWarning,
                            stacklevel=user_stacklevel(),
                        )
                    return
                if rec.kind != REC_HEADER:  # (the header's copy is read by __init__)
                    yield rec
                    n_ok += 1
                last_t = rec.time_s
                offset = rec.offset + _REC.size + len(rec.data) + 4
        self.unfinished = self._unfinished(last_t, n_ok)
        if self.unfinished is not None and warn:
            warnings.warn(
                self.unfinished.message(self.path), CaptureUnfinishedWarning, stacklevel=user_stacklevel()
            )

    @staticmethod
    def _end_length(fh: Any, start: int, size: int) -> int | None:
        """The payload length of the bad record at ``start`` when it is a damaged end record (its
        head says EVENT on stream 255 and its length reaches the end of the file: exactly, or
        past it when the file was cut inside it), else None. The file is left where it was."""
        if size - start > _END_RECORD_MAX:
            return None
        here = fh.tell()
        fh.seek(start)
        head = fh.read(_REC.size)
        fh.seek(here)
        if len(head) < _REC.size:
            return None
        kind, stream, length, _ = _REC.unpack(head)
        if (kind, stream) == (REC_EVENT, HEADER_STREAM) and start + RECORD_OVERHEAD + length >= size:
            return length
        return None

    def _damaged_end(
        self, offset: int, size: int, cut: bool, last_t: float | None, n_ok: int, reason: str, warn: bool
    ) -> None:
        """The bad record at ``offset`` is the end record: the writer was closing the file, and
        no record before it is missing. Whole but damaged: a :class:`CaptureDamagedWarning`;
        ``cut`` inside it (the writer was killed, or the disk filled, while closing): a cut, said
        as such."""
        if cut:
            self.cut = CaptureCut(offset, size, last_t, n_ok, reason)
            if warn:
                warnings.warn(
                    f"{self.cut.message(self.path)}; the cut is inside the end record: the writer was "
                    "closing the file (killed, or out of disk space, while closing), so no record before "
                    "it is missing",
                    CaptureCutWarning,
                    stacklevel=user_stacklevel(),
                )
            return
        # (not in :attr:`damaged`: no record was lost there; :attr:`end` says where the file ended)
        self.end = CaptureEnd(offset, last_t if last_t is not None else 0.0, None, 0)
        if warn:
            warnings.warn(
                f"{self.path}: the end record at byte {offset} is damaged ({reason}); the writer closed "
                f"the file there, so no record is missing ({n_ok} records read)",
                CaptureDamagedWarning,
                stacklevel=user_stacklevel(),
            )

    def _unfinished(self, last_t: float | None, n_ok: int) -> CaptureUnfinished | None:
        """What is known of a file that ended without an end record; None when none is expected."""
        if not self.expects_end:
            return None  # written before end records existed: its end says nothing
        t0 = self.header.get("host_t0_s")
        session_s = None if last_t is None or t0 is None else last_t - float(t0)
        fsync_s = self.header.get("fsync_interval_s")
        if not (isinstance(fsync_s, (int, float)) and not isinstance(fsync_s, bool) and 0 <= fsync_s < 1e6):
            fsync_s = FSYNC_INTERVAL_S  # an unreadable value: the writers' default
        fsync_s = float(fsync_s)
        return CaptureUnfinished(last_t, session_s, n_ok, fsync_s, self.being_written)

    @staticmethod
    def _record_at(fh: Any, offset: int, *, seek: bool = True) -> tuple[CaptureRecord | None, str | None]:
        """The record at ``offset`` (``seek=False``: the file is positioned there), or None and what is wrong."""
        if seek:
            fh.seek(offset)
        head = fh.read(_REC.size)
        if len(head) < _REC.size:
            return None, "incomplete record"
        kind, stream, length, t = _REC.unpack(head)
        if kind not in _KINDS:
            return None, "bad record kind"
        body = fh.read(length + 4)
        if len(body) < length + 4:
            return None, "incomplete record"
        if _U32.unpack_from(body, length)[0] != zlib.crc32(body[:length], zlib.crc32(head)):
            return None, "bad record CRC"
        return CaptureRecord(kind, stream, t, body[:length], offset), None

    def _resync(self, fh: Any, start: int, last_t: float | None) -> int | None:
        """Offset of the next valid record at or after ``start`` (None: only a cut tail follows).

        A candidate must have a known kind, a plausible host time, a length that fits in the
        file and pass its CRC-32 (a false match is about 1 in 2**32 per candidate). What
        follows it does not matter: an intact record between two damaged ones is kept.
        """
        size = self.file_size
        lo, hi = (-np.inf, np.inf) if last_t is None else (last_t - _RESYNC_BACK_S, last_t + _RESYNC_AHEAD_S)
        pos = start
        while pos + _REC.size + 4 <= size:
            fh.seek(pos)
            buf = fh.read(_RESYNC_WINDOW + _REC.size)
            n = len(buf) - _REC.size + 1
            if n <= 0:
                return None
            n = min(n, _RESYNC_WINDOW)
            heads = np.lib.stride_tricks.sliding_window_view(np.frombuffer(buf, np.uint8), _REC.size)[:n]
            idx = np.flatnonzero(np.isin(heads[:, 0], _KINDS))
            if idx.size:
                cand = heads[idx]
                times = np.ascontiguousarray(cand[:, 4:12]).view("<f8").ravel()
                lengths = cand[:, 2].astype(np.int64) | (cand[:, 3].astype(np.int64) << 8)
                ends = pos + idx + _REC.size + lengths + 4
                ok = np.isfinite(times) & (times >= lo) & (times <= hi) & (ends <= size)
                for i in idx[ok].tolist():
                    rec, _ = self._record_at(fh, pos + i)
                    if rec is not None:
                        return pos + i
            pos += n
        return None


_NUM, _INT, _STR, _NONE = (float,), (int,), (str,), (type(None),)
_INFO = Spec((dict, *_NONE), keys={
    "mode": Spec(_STR), "sensor_count": Spec(_INT, 1, 4096), "sample_rate_hz": Spec(_NUM, 1e-3, 1e6),
    "units": Spec(_STR), "value_scale": Spec(_NUM), "layout": Spec((*_STR, *_NONE)),
    "adc_bits": Spec((*_INT, *_NONE), 1, 32),
})  # fmt: skip
_STREAM_SPEC = Spec((dict,), keys={
    "stream": Spec(_INT, 0, 254), "url": Spec((*_STR, *_NONE)), "side": Spec((*_STR, *_NONE)),
    "info": _INFO, "layout": Spec((dict, *_NONE)), "device_info_frame": Spec(_STR, 0, 4 * _MAX_PAYLOAD),
})  # fmt: skip
#: What a capture header must look like (types and ranges of the keys readers use).
HEADER_SPEC = Spec((dict,), required=("version",), keys={
    "version": Spec(_INT), "host_t0_s": Spec(_NUM), "streams": Spec((list,), 0, 2, items=_STREAM_SPEC),
    "subject": Spec((dict, *_NONE), keys={"body_mass_kg": Spec((*_NUM, *_NONE), 1.0, 1000.0)}),
    "calibration": Spec((dict, *_NONE)), "created_utc": Spec((*_STR, *_NONE)),
})  # fmt: skip


def _check_header(header: Any, source: str) -> dict[str, Any]:
    """The header, checked against :data:`HEADER_SPEC` and the versions this reader knows."""
    check(header, HEADER_SPEC, source=source)
    if header["version"] not in READABLE_VERSIONS:
        raise FileFormatError(
            f"capture version {header['version']!r} is not supported (this reader knows "
            f"{', '.join(map(str, READABLE_VERSIONS))})",
            path=source,
            hint="upgrade sensorkit",
        )
    ids = [s.get("stream", k) for k, s in enumerate(header.get("streams", []))]
    if len(set(ids)) != len(ids):
        raise FileFormatError(f"field 'streams' names stream {ids[0]} twice", path=source)
    return header


def _magic_matches(magic: bytes) -> bool:
    """The capture magic, or the magic with one damaged byte (one bad byte must not lose a file)."""
    if len(magic) != len(CAPTURE_MAGIC):
        return False
    return sum(a != b for a, b in zip(magic, CAPTURE_MAGIC, strict=True)) <= 1
