"""The transport interface: move bytes, stamp their arrival, compute nothing.

Each URL scheme has one transport class (serial, tcp, ble, sim, replay) with this shape;
:class:`~sensorkit.devices.device.Device` drives any of them the same way.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod

__all__ = ["EndOfStream", "LinkLost", "Transport", "host_time", "reopen"]


#: A write that cannot complete within this long fails with LinkLost instead of blocking: the
#: shared reader thread sends time syncs to every device, and one insole that stopped reading
#: its input (a full buffer) must not stall the others.
WRITE_TIMEOUT_S = 0.25


def host_time() -> float:
    """The host clock every device maps onto: ``time.monotonic()`` in s."""
    return time.monotonic()


class LinkLost(Exception):
    """The transport lost its link (port unplugged, socket closed, BLE disconnect)."""


class EndOfStream(Exception):
    """A finite transport (replay) has no more data."""


class Transport(ABC):
    """Bytes in and out of one device.

    Attributes
    ----------
    name : str
        Human-readable endpoint (``/dev/ttyUSB0``, ``127.0.0.1:7001``, ...).
    live : bool
        False for replay: no commands are sent, no timeouts apply.
    """

    name: str = "?"
    live: bool = True

    @abstractmethod
    def open(self) -> None:
        """Connect. Raises :class:`~sensorkit.errors.DeviceError` with a hint on failure."""

    @abstractmethod
    def read(self, timeout_s: float) -> tuple[bytes, float]:
        """Wait up to ``timeout_s`` for bytes.

        Returns
        -------
        (bytes, float)
            The bytes (empty on timeout) and the host time they arrived (s, :func:`host_time`).

        Raises
        ------
        LinkLost
            The link went away.
        EndOfStream
            No more data will ever come (replay).
        """

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send bytes to the device (raises :class:`LinkLost` when the link is gone)."""

    @abstractmethod
    def close(self) -> None:
        """Release the link; safe to call twice."""

    def disconnect(self) -> None:
        """Drop a broken link before :meth:`open` is tried again (default: :meth:`close`)."""
        self.close()

    def link_comes_back(self) -> bool:
        """After a lost link, whether reopening can give data again (default True).

        A replay answers from the recording: False when the live link was lost for good
        (the capture ends without its ``reconnected`` event), so the replay ends there as the
        live stream did, instead of counting a reconnection that never happened.
        """
        return True

    def backlog(self) -> bool:
        """True when more received data is already waiting (a queue of notifications).

        The device's reader then reads on without its batching pause: each notification
        keeps its own arrival time, and a fast stream cannot fall behind one notification
        per pause. Default False (the OS buffer of a descriptor batches by itself).
        """
        return False

    def fileno(self) -> int | None:
        """A descriptor that ``select`` reports readable when :meth:`read` has bytes, or None.

        Transports that have one (serial ports, TCP sockets) are read by one shared selector
        thread instead of a thread each; :meth:`read` with ``timeout_s=0`` must then return
        at once. The default (None) gives the device its own reader thread.
        """
        return None


BACKOFF_START_S = 0.1  # first wait between reconnection attempts
BACKOFF_MAX_S = 2.0  # the wait doubles up to this


def reopen(transport: Transport, *, timeout_s: float, halt: threading.Event) -> BaseException | None:
    """Reopen ``transport`` after a lost link, retrying with exponential back-off.

    Parameters
    ----------
    transport : Transport
        The transport to reopen (already disconnected).
    timeout_s : float
        Give up after this long (s).
    halt : threading.Event
        Set when the device is closing: stop trying.

    Returns
    -------
    BaseException or None
        None once it is open; the last error when ``timeout_s`` passed; :class:`EndOfStream`
        when ``halt`` was set first.
    """
    from sensorkit.errors import DeviceError

    delay = BACKOFF_START_S
    deadline = host_time() + timeout_s
    while not halt.is_set():
        try:
            transport.open()
            return None
        except (DeviceError, OSError, LinkLost) as exc:
            if host_time() > deadline:
                return exc
            halt.wait(delay)
            delay = min(2 * delay, BACKOFF_MAX_S)
    return EndOfStream("closed while reconnecting")
