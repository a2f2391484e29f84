"""The one fake at bleak's ``backend=`` seam that the BLE tests share: a GATT peripheral.

Subclasses say what the peripheral offers (:meth:`FakePeripheralBase.gatt`), what it sends once
subscribed (:meth:`FakePeripheralBase.notifications`, an async pump) and what a write does
(:meth:`FakePeripheralBase.written`). Everything above the backend is bleak's own
``BleakClient``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection


class FakePeripheralBase(BaseBleakClient):
    """A connected-or-not GATT peripheral with one service."""

    MTU = 247

    def __init__(self, address_or_ble_device, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=kwargs.get("disconnected_callback"),
                         timeout=kwargs.get("timeout", 10.0))  # fmt: skip
        self._connected = False
        self._pump: asyncio.Task | None = None

    # -- what a subclass provides
    def gatt(self) -> tuple[str, list[tuple[int, str, list[str]]]]:
        """The service UUID and its characteristics: (handle, uuid, properties)."""
        raise NotImplementedError

    async def notifications(self, characteristic: Any, callback: Callable[[bytearray], None]) -> None:
        """Send notifications through ``callback`` while connected."""
        raise NotImplementedError

    def written(self, characteristic: Any, data: bytes) -> None:
        """The host wrote ``data`` to ``characteristic``."""
        raise NotImplementedError

    # -- bleak's backend interface
    @property
    def mtu_size(self) -> int:
        return self.MTU

    @property
    def name(self) -> str:
        return "fake"

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        uuid, characteristics = self.gatt()
        services = BleakGATTServiceCollection()
        service = BleakGATTService(None, 1, uuid)
        services.add_service(service)
        for handle, char_uuid, props in characteristics:
            services.add_characteristic(
                BleakGATTCharacteristic(None, handle, char_uuid, props, lambda: self.MTU - 3, service)
            )
        self.services = services
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False
        if self._pump is not None:
            self._pump.cancel()

    def drop_link(self) -> None:
        """The peripheral went out of range: bleak's disconnected callback fires."""
        self._connected = False
        if self._pump is not None:
            self._pump.cancel()
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def start_notify(self, characteristic, callback, **kwargs: Any) -> None:
        self._pump = asyncio.get_running_loop().create_task(self.notifications(characteristic, callback))

    async def stop_notify(self, characteristic) -> None:
        if self._pump is not None:
            self._pump.cancel()

    async def write_gatt_char(self, characteristic, data, response: bool) -> None:
        self.written(characteristic, bytes(data))

    async def read_gatt_char(self, characteristic, **kwargs: Any) -> bytearray:
        raise NotImplementedError

    async def read_gatt_descriptor(self, descriptor, **kwargs: Any) -> bytearray:
        raise NotImplementedError

    async def write_gatt_descriptor(self, descriptor, data) -> None:
        raise NotImplementedError

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def unpair(self) -> None:
        pass
