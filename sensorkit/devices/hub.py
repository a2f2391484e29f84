"""The shared reader: one thread reading every live device whose transport has a descriptor.

:class:`ReaderHub` waits on all their descriptors in one ``select`` and calls each
device's ``_ingest`` exactly as the device's own reader thread would (same reads, same
arrival stamps); transports without a descriptor (BLE, sim, replay, pyserial ports without
``fd``) are read by a thread of their device instead.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from typing import TYPE_CHECKING, ClassVar

from sensorkit.devices.transport import LinkLost, host_time

if TYPE_CHECKING:
    from sensorkit.devices.device import Device

__all__ = ["HUB_TICK_S", "POLL_S", "ReaderHub"]

HUB_TICK_S = 0.02  # the shared reader checks timeouts and periodic syncs this often
POLL_S = 0.05  # select timeout when idle (the device layer's poll period)


class ReaderHub:
    """One thread reading every live device whose transport has a selectable descriptor.

    Eight insoles at 1 kHz send over a thousand packets a second; one thread waiting on all
    their descriptors in one ``select`` replaces a thread per device, and with ``batch_s``
    it sleeps once per round for all of them instead of once per device. A device does
    exactly what its own reader thread would (same reads, same arrival stamps, same
    ``_ingest``), and a lost link is handed to a thread of the device for the blocking
    reconnect with back-off, after which the device rejoins. One hub per ``batch_s``.
    """

    _hubs: ClassVar[dict[float, ReaderHub]] = {}
    _hubs_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, batch_s: float) -> None:
        self.batch_s = batch_s
        self._lock = threading.Lock()  # held while a round touches its devices
        self._devices: dict[int, Device] = {}  # descriptor -> device
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread: threading.Thread | None = None
        self._rounds = threading.Condition()
        self._selects_done = 0  # select() calls that have returned

    @classmethod
    def add(cls, device: Device) -> bool:
        """Have the hub read ``device`` (False: its transport has no descriptor, or it is closed)."""
        if not device.transport.live:
            return False
        fd = device.transport.fileno()
        if fd is None:
            return False
        with cls._hubs_lock:
            hub = cls._hubs.get(device.batch_s)
            if hub is None:
                hub = cls._hubs[device.batch_s] = cls(device.batch_s)
            with hub._lock:
                if not device.halted:
                    hub._devices[fd] = device
            if hub._thread is None:
                hub._thread = threading.Thread(target=hub._loop, name="sensorkit-reader", daemon=True)
                hub._thread.start()
        hub._wake()
        return True

    @classmethod
    def remove(cls, device: Device) -> None:
        """Stop reading ``device``; once this returns, the hub no longer touches it.

        That includes its descriptor: a ``select`` in progress holds a reference to the open
        file, so closing the port under it would release the port's exclusive lock only
        when that ``select`` returns, and an immediate reopen would fail. Wait for it.
        """
        with cls._hubs_lock:
            hub = cls._hubs.get(device.batch_s)
        if hub is None:
            return
        dropped_at = hub._drop(device)
        if dropped_at is None:
            return
        hub._wake()
        if threading.current_thread() is not hub._thread:
            with hub._rounds:
                hub._rounds.wait_for(lambda: hub._selects_done > dropped_at, timeout=1.0)

    def _drop(self, device: Device) -> int | None:
        """Forget ``device``; the number of finished selects at that moment, None if it was not read here."""
        with self._lock:
            for fd, dev in list(self._devices.items()):
                if dev is device:
                    del self._devices[fd]
                    with self._rounds:
                        return self._selects_done
        return None

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\x00")
        except OSError:
            pass  # already pending

    def _loop(self) -> None:
        poll = POLL_S
        next_tick = 0.0
        wake = self._wake_r
        while True:
            with self._lock:
                fds = list(self._devices)
            try:
                ready = self._select([wake, *fds], poll if fds else None)
            except (OSError, ValueError):
                ready = self._readable_or_broken(fds)
            with self._lock:
                got = self._serve(ready)
                now = host_time()
                if now >= next_tick:
                    next_tick = now + HUB_TICK_S
                    for fd, dev in list(self._devices.items()):
                        self._tick(fd, dev, now)
            if got and self.batch_s > 0:
                self._pause(self.batch_s)

    def _pause(self, seconds: float) -> None:
        """Let bytes accumulate for ``seconds``, but read a device whose TIME_SYNC reply is due at once.

        The reply's arrival stamp is the exchange's t4 (PROTOCOL.md 6.3): one left waiting in
        the buffer for the batch would bias the clock offset by half the wait.
        """
        end = host_time() + seconds
        wake = self._wake_r
        while True:
            now = host_time()
            if now >= end:
                return
            with self._lock:
                waiting = [fd for fd, dev in self._devices.items() if dev.awaiting_sync(now)]
            try:
                ready = self._select([wake, *waiting], end - now)
            except (OSError, ValueError):
                time.sleep(max(0.0, end - host_time()))
                return
            with self._lock:
                self._serve(ready)

    def _serve(self, ready: list) -> bool:
        """Read the devices whose descriptors ``select`` found ready (hold ``_lock``); True if bytes came."""
        got = False
        for fd in ready:
            if fd is self._wake_r:
                self._drain()
                continue
            dev = self._devices.get(fd)
            if dev is not None:
                got = self._read(fd, dev) or got
        return got

    @classmethod
    def expedite(cls, device: Device) -> None:
        """``device`` just sent SYNC_TIME: end the hub's batch pause so it reads the reply at once."""
        hub = cls._hubs.get(device.batch_s)
        if hub is not None and hub.batch_s > 0 and threading.current_thread() is not hub._thread:
            hub._wake()

    def _select(self, rlist: list, timeout: float | None) -> list:
        """``select`` for reading; counts the calls that returned (see :meth:`remove`)."""
        try:
            return select.select(rlist, [], [], timeout)[0]
        finally:
            with self._rounds:
                self._selects_done += 1
                self._rounds.notify_all()

    @staticmethod
    def _readable_or_broken(fds: list[int]) -> list[int]:
        """Descriptors to read after ``select`` failed: the readable ones and the broken ones."""
        out = []
        for fd in fds:
            try:
                if select.select([fd], [], [], 0)[0]:
                    out.append(fd)
            except (OSError, ValueError):
                out.append(fd)  # reading it raises LinkLost
        return out

    def _drain(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _read(self, fd: int, dev: Device) -> bool:
        try:
            try:
                data, t = dev.transport.read(0.0)
            except LinkLost as exc:
                self._hand_over(fd, dev, f"link lost: {exc}", False)
                return False
            if data:
                dev.ingest(data, t)
                if dev.halted:
                    self._devices.pop(fd, None)
            return bool(data)
        except Exception as exc:  # a bug in one device must neither hang its consumer nor the others
            self._fail(fd, dev, exc)
            return False

    def _tick(self, fd: int, dev: Device, now: float) -> None:
        try:
            if dev.halted:
                self._devices.pop(fd, None)
            else:
                reason = dev.check_silence(now)
                if reason is not None:
                    self._hand_over(fd, dev, reason, True)
        except Exception as exc:
            self._fail(fd, dev, exc)

    def _hand_over(self, fd: int, dev: Device, reason: str, timeout: bool) -> None:
        self._devices.pop(fd, None)
        thread = threading.Thread(
            target=dev.recover, args=(reason, timeout), name=f"sensorkit-{dev.transport.name}", daemon=True
        )
        dev.reader_thread = thread
        thread.start()

    def _fail(self, fd: int, dev: Device, exc: BaseException) -> None:
        self._devices.pop(fd, None)
        dev.reader_failed(exc)
        # reported like the uncaught exception that ends a device's own reader thread
        threading.excepthook(
            threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, threading.current_thread()))
        )
