"""``ble://ADDRESS`` or ``ble://name=NAME``: an insole over Bluetooth LE, through bleak.

The async core (:class:`BleLink`) finds the device, connects, subscribes to the *data*
characteristic (each notification is one whole frame, PROTOCOL.md section 9.2) and
writes command frames to the *command* characteristic. :class:`BleTransport` runs it
on a private event loop thread and offers the same blocking interface as the other
transports; notifications are stamped with their host arrival time in the callback.

``backend=`` / ``scanner_backend=`` (keyword arguments of :func:`sensorkit.open`) are
passed to :class:`bleak.BleakClient` / :class:`bleak.BleakScanner` unchanged.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from sensorkit.devices.transport import LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL
from sensorkit.errors import DeviceError
from sensorkit.protocol import BLE_COMMAND_UUID, BLE_DATA_UUID, BLE_SERVICE_UUID

__all__ = ["ATT_MTU_DEFAULT", "PARAMS", "BleLink", "BleTransport", "bluetooth_unavailable", "build", "scan"]

PARAMS = ("name", "scan", "layout", "side", "profile", "rate")
CONNECT_TIMEOUT_S = 10.0
SCAN_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 2.0
ATT_MTU_DEFAULT = 23  # Bluetooth Core spec: the MTU before (or without) an MTU exchange
ATT_NOTIFY_OVERHEAD = 3  # opcode + attribute handle: a notification carries MTU - 3 bytes


def bluetooth_unavailable(exc: BaseException) -> DeviceError:
    """The one-line error for a host without a usable Bluetooth stack."""
    return DeviceError(
        f"Bluetooth is not available on this machine ({type(exc).__name__}: {exc})",
        hint="BLE needs an adapter and BlueZ/D-Bus (Linux), CoreBluetooth (macOS) or WinRT (Windows)",
    )


def _is_stack_missing(exc: BaseException) -> bool:
    from bleak.exc import BleakError

    text = str(exc).lower()
    return isinstance(exc, FileNotFoundError) or (
        isinstance(exc, BleakError)
        and any(k in text for k in ("bluez", "d-bus", "dbus", "no bluetooth adapter", "adapter"))
    )


async def scan(
    timeout_s: float = SCAN_TIMEOUT_S, *, backend: type | None = None
) -> list[tuple[str, str, int | None]]:
    """Nearby devices advertising the sensorkit service: ``(address, name, rssi)``.

    Raises
    ------
    DeviceError
        Bluetooth unavailable (one line, no traceback needed).
    """
    from bleak import BleakScanner
    from bleak.exc import BleakError

    kwargs: dict[str, Any] = {"service_uuids": [BLE_SERVICE_UUID]}
    if backend is not None:
        kwargs["backend"] = backend
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **kwargs)
    except (OSError, BleakError) as exc:
        raise bluetooth_unavailable(exc) from None
    out = []
    for device, adv in found.values():
        if BLE_SERVICE_UUID in [u.lower() for u in adv.service_uuids]:
            out.append((device.address, device.name or adv.local_name or "", adv.rssi))
    return out


class BleLink:
    """Async connection to one insole.

    Parameters
    ----------
    address : str or None
        Bluetooth address (UUID on macOS).
    name : str or None
        Advertised name to look for when no address is given.
    on_data : callable
        ``on_data(bytes, host_time_s)`` for every notification of the data characteristic.
    on_lost : callable
        Called (no arguments) when the link drops unexpectedly.
    backend, scanner_backend : type, optional
        bleak backends (tests, custom platforms).
    scan_timeout_s : float
        How long to look for ``name``.
    """

    def __init__(self, address: str | None, name: str | None, on_data, on_lost, *,
                 backend: type | None = None, scanner_backend: type | None = None,
                 scan_timeout_s: float = SCAN_TIMEOUT_S, service_uuid: str = BLE_SERVICE_UUID,
                 data_uuid: str = BLE_DATA_UUID, command_uuid: str | None = BLE_COMMAND_UUID) -> None:  # fmt: skip
        self.address = address
        self.service_uuid = service_uuid
        self.data_uuid = data_uuid
        self.command_uuid = command_uuid
        self.name = name
        self._on_data = on_data
        self._on_lost = on_lost
        self._backend = backend
        self._scanner_backend = scanner_backend
        self._scan_timeout = scan_timeout_s
        self._client = None
        self._closing = False
        #: ATT MTU of the connection (a notification carries at most ``mtu - 3`` bytes).
        self.mtu = ATT_MTU_DEFAULT

    async def connect(self) -> None:
        """Find, connect and subscribe. Raises :class:`DeviceError`."""
        from bleak import BleakClient, BleakScanner
        from bleak.exc import BleakError

        self._closing = False
        target: Any = self.address
        try:
            if target is None:
                kwargs = {"backend": self._scanner_backend} if self._scanner_backend else {}
                target = await BleakScanner.find_device_by_name(
                    self.name, timeout=self._scan_timeout, **kwargs
                )
                if target is None:
                    raise DeviceError(
                        f"no BLE device named {self.name!r} found within {self._scan_timeout:g} s",
                        hint="is it switched on and not connected to another host? 'sensorkit devices' scans",
                    )
            kwargs = {"backend": self._backend} if self._backend else {}
            client = BleakClient(
                target, disconnected_callback=self._disconnected, timeout=CONNECT_TIMEOUT_S, **kwargs
            )
            await client.connect()
            try:
                self.mtu = int(client.mtu_size)
            except Exception:  # a backend that cannot tell: assume the BLE default
                self.mtu = ATT_MTU_DEFAULT
            try:
                await client.start_notify(self.data_uuid, self._notified)
            except BleakError as exc:
                await client.disconnect()
                raise DeviceError(
                    f"{client.address}: no data characteristic {self.data_uuid} ({exc})",
                    hint=f"the device should offer service {self.service_uuid}; a profile names other UUIDs",
                ) from None
        except DeviceError:
            raise
        except (OSError, BleakError, asyncio.TimeoutError) as exc:
            if _is_stack_missing(exc):
                raise bluetooth_unavailable(exc) from None
            raise DeviceError(f"cannot connect to BLE device {self.address or self.name}: {exc}") from None
        self._client = client

    def _notified(self, _characteristic, data: bytearray) -> None:
        self._on_data(bytes(data), host_time())

    def _disconnected(self, _client) -> None:
        if not self._closing:
            self._on_lost()

    async def write(self, data: bytes) -> None:
        """Write one command frame (write without response)."""
        client = self._client
        if client is None or not client.is_connected:
            raise LinkLost("BLE link is down")
        if self.command_uuid is None:
            raise LinkLost("this device has no characteristic to write to (profile without ble_write)")
        await client.write_gatt_char(self.command_uuid, data, response=False)

    async def disconnect(self) -> None:
        """Unsubscribe and disconnect (no lost-link callback)."""
        self._closing = True
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.disconnect()
            except Exception:  # already gone
                pass


class BleTransport(Transport):
    """Blocking facade over :class:`BleLink`, running its event loop on a private thread."""

    def __init__(self, address: str | None, name: str | None, *, backend: type | None = None,
                 scanner_backend: type | None = None, scan_timeout_s: float = SCAN_TIMEOUT_S,
                 uuids: dict | None = None) -> None:  # fmt: skip
        self.name = address or f"name={name}"
        self._queue: queue.Queue = queue.Queue()
        self._lost = threading.Event()
        self.link = BleLink(address, name, self._data, self._lost.set, backend=backend,
                            scanner_backend=scanner_backend, scan_timeout_s=scan_timeout_s,
                            **(uuids or {}))  # fmt: skip
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        #: Notifications of exactly ``mtu - 3`` bytes that do not end a frame (cut by the MTU).
        self.cut_notifications = 0

    def _data(self, data: bytes, t: float) -> None:
        # PROTOCOL.md 9.2: a notification carries whole frames, so it ends with the 0x00
        # delimiter; one of exactly the largest size the MTU allows that does not was cut
        if len(data) == self.link.mtu - ATT_NOTIFY_OVERHEAD and not data.endswith(b"\x00"):
            self.cut_notifications += 1
        self._queue.put((data, t))

    @property
    def truncation(self) -> str | None:
        """What is wrong when notifications arrive cut at the MTU limit, else None."""
        if not self.cut_notifications:
            return None
        n = self.link.mtu - ATT_NOTIFY_OVERHEAD
        return (
            f"BLE notifications are cut to {n} bytes (ATT MTU {self.link.mtu}): "
            f"{self.cut_notifications} arrived at that size without a frame end"
        )

    def _run(self, coro, timeout: float):
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="sensorkit-ble", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def open(self) -> None:
        self._lost.clear()
        self._run(self.link.connect(), CONNECT_TIMEOUT_S + SCAN_TIMEOUT_S + 5)

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            if self._lost.is_set():
                raise LinkLost("BLE link lost") from None
            return b"", host_time()

    def backlog(self) -> bool:
        return not self._queue.empty()

    def write(self, data: bytes) -> None:
        if self._lost.is_set():
            raise LinkLost("BLE link lost")
        try:
            self._run(self.link.write(data), WRITE_TIMEOUT_S)
        except LinkLost:
            raise
        except Exception as exc:
            raise LinkLost(f"BLE write failed: {exc}") from None

    def disconnect(self) -> None:
        if self._loop is not None:
            try:
                self._run(self.link.disconnect(), 5.0)
            except Exception:
                pass

    def close(self) -> None:
        self.disconnect()
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=2.0)
            loop.close()


def build(
    url: DeviceURL, *, backend: type | None = None, scanner_backend: type | None = None
) -> tuple[BleTransport, dict]:
    """Transport and device options for ``ble://ADDRESS``, ``ble://name=NAME`` or ``ble://?name=NAME``."""
    target = url.target.strip("/")
    name = url.get_str("name")
    if target.startswith("name="):
        name, target = target[len("name=") :], ""
    if not target and not name:
        raise DeviceError(
            f"{url.raw}: give an address or a name", hint="ble://AA:BB:CC:DD:EE:FF or ble://name=Insole-L"
        )
    scan_s = url.get_float("scan", SCAN_TIMEOUT_S, 0.1, 120)
    opts: dict[str, Any] = {"layout": url.get_str("layout")} if url.get_str("layout") else {}
    uuids = None
    if url.get_str("profile") is not None:
        from sensorkit.devices.profile import load_profile, with_rate

        profile = with_rate(load_profile(url.get_str("profile")), url.get_float("rate", None, 0.01, 100_000))
        tr = profile.transport
        if tr["ble_notify"] is None:
            raise DeviceError(
                f"{url.raw}: profile {profile.name!r} names no BLE characteristic",
                hint="a BLE profile sets transport.ble_notify (and ble_service, ble_write)",
            )
        uuids = {"service_uuid": tr["ble_service"] or tr["ble_notify"], "data_uuid": tr["ble_notify"],
                 "command_uuid": tr["ble_write"]}  # fmt: skip
        opts.update(mode="profile", profile=profile)
    transport = BleTransport(
        target or None,
        name,
        backend=backend,
        scanner_backend=scanner_backend,
        scan_timeout_s=scan_s,
        uuids=uuids,
    )
    return transport, opts
