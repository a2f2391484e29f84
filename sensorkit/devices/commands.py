"""Sending to a device: sensorkit commands with their ACK/NACK, raw profile writes, clock syncs.

A :class:`Commander` numbers each command (PROTOCOL.md 6: a u16 sequence), writes its frame
to the transport and to the capture (TX records), and wakes the caller waiting for the
command's reply when the device's decoder hands the reply over (:meth:`Commander.answer`). It
also tracks SYNC_TIME requests in flight, so the reader knows a TIME_SYNC reply is due and
reads it at once (its arrival time is the exchange's t4).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sensorkit.devices.capture import REC_TX
from sensorkit.devices.tap import CaptureTap
from sensorkit.devices.transport import LinkLost, Transport, host_time
from sensorkit.errors import DeviceError
from sensorkit.protocol import Ack, Command, Nack, encode_frame

__all__ = ["COMMAND_TIMEOUT_S", "SYNC_REPLY_WAIT_S", "Commander", "command_name"]

COMMAND_TIMEOUT_S = 2.0  # ACK/NACK of a command
SYNC_REPLY_WAIT_S = 0.1  # a TIME_SYNC reply later than this is not waited for
_U16 = 1 << 16


class Commander:
    """The sending side of one device.

    Parameters
    ----------
    transport : Transport
        Where frames are written.
    tap : CaptureTap
        Where they are recorded (TX records, with their host time).
    url : str
        For messages.
    on_sync : callable
        Called after each SYNC_TIME is written (the reader should stop batching and read).
    """

    def __init__(self, transport: Transport, tap: CaptureTap, url: str,
                 on_sync: Callable[[], None] = lambda: None) -> None:  # fmt: skip
        self.transport = transport
        self.tap = tap
        self.url = url
        self._on_sync = on_sync
        self._lock = threading.Lock()
        self._seq = 0
        self._waiters: dict[int, list[Any]] = {}
        self._syncs_out = 0  # SYNC_TIME commands whose TIME_SYNC reply has not arrived
        self._sync_sent_at = 0.0

    def send(self, build: Callable[[int], Command], seq: int | None = None) -> Command:
        """Write the command ``build(seq)`` (next sequence number by default); no wait for its reply.

        Raises
        ------
        DeviceError
            When the link is lost while writing.
        """
        with self._lock:
            if seq is None:
                seq = self._seq
            self._seq = (seq + 1) % _U16
            cmd = build(seq)
            frame = encode_frame(cmd)
            self.tap.record(REC_TX, host_time(), frame)
            try:
                self.transport.write(frame)
            except LinkLost as exc:
                raise DeviceError(
                    f"{self.url}: link lost while sending {command_name(cmd.command)}: {exc}"
                ) from None
        return cmd

    def write_raw(self, data: bytes) -> None:
        """Write bytes that are not a sensorkit command (a profile's start/stop write, a frame delimiter).

        Raises
        ------
        DeviceError
            When the link is lost while writing.
        """
        with self._lock:
            self.tap.record(REC_TX, host_time(), data)
            try:
                self.transport.write(data)
            except LinkLost as exc:
                raise DeviceError(f"{self.url}: link lost: {exc}") from None

    def command(self, build: Callable[[int], Command], timeout_s: float = COMMAND_TIMEOUT_S) -> Ack:
        """Send ``build(seq)`` and wait for its ACK.

        Raises
        ------
        DeviceError
            On NACK (with the reason) or when no answer comes within ``timeout_s``.
        """
        waiter: list[Any] = [threading.Event(), None]
        with self._lock:
            seq = self._seq
            self._waiters[seq] = waiter
        cmd = self.send(build, seq)
        try:
            if not waiter[0].wait(timeout_s):
                raise DeviceError(
                    f"{self.url}: no answer to {command_name(cmd.command)} within {timeout_s:g} s",
                    hint="is the device still connected and running sensorkit firmware?",
                )
        finally:
            self._waiters.pop(seq, None)
        reply = waiter[1]
        if isinstance(reply, Nack):
            raise DeviceError(
                f"{self.url}: device refused {command_name(cmd.command)}: {command_name(reply.reason)}"
            )
        return reply

    def answer(self, reply: Ack | Nack) -> None:
        """A reply arrived: wake the :meth:`command` waiting for it (if any)."""
        waiter = self._waiters.get(reply.command_seq)
        if waiter is not None:
            waiter[1] = reply
            waiter[0].set()

    def send_sync(self) -> None:
        """Send SYNC_TIME with the host time (PROTOCOL.md 8); its reply is then due."""
        self._syncs_out += 1
        self._sync_sent_at = host_time()
        self.send(lambda seq: Command.sync_time(seq, round(host_time() * 1e6)))
        self._on_sync()

    def synced(self, n: int) -> None:
        """``n`` TIME_SYNC replies arrived."""
        self._syncs_out = max(self._syncs_out - n, 0)

    def awaiting_sync(self, now: float) -> bool:
        """True while a TIME_SYNC reply is due (at most :data:`SYNC_REPLY_WAIT_S` after the request)."""
        if self._syncs_out and now - self._sync_sent_at > SYNC_REPLY_WAIT_S:
            self._syncs_out = 0  # lost or refused: stop waiting for it
        return self._syncs_out > 0


def command_name(value: Any) -> str:
    """The enum name of a command or reason code, else its text."""
    return getattr(value, "name", str(value))
