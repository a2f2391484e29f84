"""A device's link to its capture file: every record written, or buffered until a capture is attached.

:class:`CaptureTap` receives each record the device produces (RX frames with their arrival
time, TX commands, EVENT objects). Before a capture is attached it keeps them (up to
:data:`PREBUFFER_MAX`), so a capture attached after the handshake still starts with the
device's identification; a capture attached mid-session starts with the latest DEVICE_INFO
and recent TIME_SYNC frames instead. Records beyond that limit are counted, and the capture
they should have begun says so (an EVENT ``records_not_kept`` and a
:class:`~sensorkit.errors.CaptureNotKeptWarning`): never a silent loss. A write that fails (disk full, file-size limit) calls
``on_error`` once and detaches: the file stays readable up to there.
"""

from __future__ import annotations

import collections
import json
import threading
import warnings
from collections.abc import Callable

from sensorkit._stack import user_stacklevel
from sensorkit.devices.capture import REC_EVENT, REC_RX, CaptureWriter
from sensorkit.devices.transport import host_time
from sensorkit.errors import CaptureNotKeptWarning, CaptureWriteError

__all__ = ["PREBUFFER_MAX", "SYNCS_KEPT", "CaptureTap"]

PREBUFFER_MAX = 100_000  # records kept from connection until a capture is attached
SYNCS_KEPT = 16  # recent TIME_SYNC frames written first into a capture started mid-session


class CaptureTap:
    """Where one device's records go.

    Parameters
    ----------
    stream : int
        The device's stream id in the capture.
    on_error : callable
        Called with the :class:`~sensorkit.errors.CaptureWriteError` of a failed write.
    prebuffer_max : int
        Records kept until a capture is attached or the buffer is dropped.

    Attributes
    ----------
    last_info_record : tuple or None
        ``(kind, time_s, frame)`` of the latest DEVICE_INFO (re-encoded; encoding is canonical).
    recent_syncs : deque
        The latest TIME_SYNC frames, as ``(kind, time_s, frame)``.
    """

    def __init__(
        self, stream: int, on_error: Callable[[CaptureWriteError], None], prebuffer_max: int = PREBUFFER_MAX
    ) -> None:
        self.stream = stream
        self._on_error = on_error
        self._capture: CaptureWriter | None = None
        self._prebuffer: list[tuple[int, float, bytes]] | None = []
        self._prebuffer_max = int(prebuffer_max)
        self._not_kept = 0  # records that arrived while the prebuffer was full
        self._lock = threading.Lock()
        self.last_info_record: tuple[int, float, bytes] | None = None
        self.recent_syncs: collections.deque = collections.deque(maxlen=SYNCS_KEPT)

    def record(self, kind: int, t: float, data: bytes) -> None:
        """Write one record (or buffer it while no capture is attached)."""
        try:
            cap = self._capture
            if cap is not None:
                cap.write(kind, self.stream, t, data)
                return
            with self._lock:
                if self._capture is not None:
                    self._capture.write(kind, self.stream, t, data)
                elif self._prebuffer is not None:
                    if len(self._prebuffer) < self._prebuffer_max:
                        self._prebuffer.append((kind, t, data))
                    else:
                        self._not_kept += 1
        except CaptureWriteError as exc:
            # disk full or file-size limit: the file is readable up to here; the session ends
            # with this one error (a recording that silently stopped would lose data unnoticed)
            self._capture = None
            self._on_error(exc)

    def attach(self, writer: CaptureWriter, stream: int | None = None) -> None:
        """Append every record from now on (and those buffered since connecting) to ``writer``."""
        with self._lock:
            if stream is not None:
                self.stream = stream
            if self._prebuffer is None:  # the handshake is gone: start with what identifies the device
                writer.write(REC_EVENT, self.stream, host_time(), b'{"event":"capture_started_mid_session"}')
                preamble = [self.last_info_record, *self.recent_syncs]
                for kind, t, data in (r for r in preamble if r is not None):
                    writer.write(kind, self.stream, t, data)
            for kind, t, data in self._prebuffer or ():
                writer.write(kind, self.stream, t, data)
            if self._not_kept:
                self._say_not_kept(writer)
            self._prebuffer = None
            self._capture = writer

    def _say_not_kept(self, writer: CaptureWriter) -> None:
        """Tell the capture (an EVENT) and the user (a warning) how many records a full
        prebuffer did not keep."""
        n, self._not_kept = self._not_kept, 0
        event = {
            "event": "records_not_kept",
            "records": n,
            "reason": "the buffer before the capture was full",
        }
        writer.write(REC_EVENT, self.stream, host_time(), json.dumps(event).encode())
        warnings.warn(
            f"{writer.path}: {n} record(s) of stream {self.stream} received before the capture was attached "
            f"were not kept (the first {self._prebuffer_max} were)",
            CaptureNotKeptWarning,
            stacklevel=user_stacklevel(),
        )

    def detach(self) -> None:
        """Stop writing to the attached capture (the caller closes the writer)."""
        with self._lock:
            self._capture = None
            self._prebuffer = None

    def discard_prebuffer(self) -> None:
        """Stop buffering records for a capture that will not be attached."""
        with self._lock:
            self._prebuffer = None
            self._not_kept = 0

    def keep_info(self, t: float, frame: bytes) -> None:
        """Remember the latest DEVICE_INFO frame (the first records of a capture attached later)."""
        self.last_info_record = (REC_RX, t, frame)

    def keep_sync(self, t: float, frame: bytes) -> None:
        """Remember a TIME_SYNC frame (idem)."""
        self.recent_syncs.append((REC_RX, t, frame))
