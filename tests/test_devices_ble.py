"""ble:// through bleak's public BleakClient/BleakScanner, with a fake *backend* class (bleak's ``backend=`` seam).

The fake backend plays a SimFirmware: notifications carry one frame each (PROTOCOL.md
9.2), writes to the command characteristic reach the firmware.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

import sensorkit.devices as skd
from sensorkit.devices.firmware import SimFirmware, SimParams
from sensorkit.errors import DeviceError
from sensorkit.protocol import BLE_COMMAND_UUID, BLE_DATA_UUID, BLE_SERVICE_UUID
from tests.ble_helpers import FakePeripheralBase
from tests.conftest import collect

ADDRESS = "C0:FF:EE:00:00:01"
INSOLES: dict[str, tuple[str, SimFirmware]] = {}
CLIENTS: list[FakeClient] = []


class FakeClient(FakePeripheralBase):
    """A peripheral that exists only in INSOLES, playing its SimFirmware."""

    def __init__(self, address_or_ble_device, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, **kwargs)
        CLIENTS.append(self)

    @property
    def name(self) -> str:
        return INSOLES[self.address][0]

    def gatt(self) -> tuple[str, list[tuple[int, str, list[str]]]]:
        if self.address not in INSOLES:
            raise BleakError(f"Device with address {self.address} was not found.")
        return BLE_SERVICE_UUID, [(2, BLE_DATA_UUID, ["notify"]),
                                  (4, BLE_COMMAND_UUID, ["write", "write-without-response"])]  # fmt: skip

    async def start_notify(self, characteristic, callback, **kwargs: Any) -> None:
        INSOLES[self.address][1].output()  # notifications sent while unsubscribed are lost
        await super().start_notify(characteristic, callback, **kwargs)

    async def notifications(self, characteristic, callback) -> None:
        firmware = INSOLES[self.address][1]
        while self._connected:
            out = firmware.output()
            for frame in out.split(b"\x00")[:-1]:
                callback(bytearray(frame + b"\x00"))  # one whole frame per notification
            await asyncio.sleep(max(0.0, min(firmware.next_due() - time.monotonic(), 0.01)))

    def written(self, characteristic, data: bytes) -> None:
        assert characteristic.uuid == BLE_COMMAND_UUID
        INSOLES[self.address][1].receive(data)


class FakeScanner(BaseBleakScanner):
    """Advertises every insole in INSOLES with the sensorkit service, plus one unrelated device."""

    def __init__(
        self, detection_callback=None, service_uuids=None, scanning_mode="active", **kwargs: Any
    ) -> None:
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        self.seen_devices = {}
        self._task = asyncio.get_running_loop().create_task(self._advertise())

    async def _advertise(self) -> None:
        adverts = [(addr, name, [BLE_SERVICE_UUID]) for addr, (name, _) in INSOLES.items()]
        adverts.append(("11:22:33:44:55:66", "Heart rate strap", ["0000180d-0000-1000-8000-00805f9b34fb"]))
        while True:  # advertisements repeat, as real ones do
            for addr, name, uuids in adverts:
                adv = AdvertisementData(name, {}, {}, uuids, None, -60, ())
                if self.is_allowed_uuid(uuids):
                    device = self.create_or_update_device(addr, addr, name, None, adv)
                    self.call_detection_callbacks(device, adv)
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._task.cancel()


@pytest.fixture(autouse=True)
def insole():
    INSOLES.clear()
    CLIENTS.clear()
    INSOLES[ADDRESS] = ("Insole-L", SimFirmware(SimParams(side="left", seed=21, rate=200)))
    yield
    INSOLES.clear()


def test_ble_by_address_streams_through_bleak_client():
    with skd.open(f"ble://{ADDRESS}", backend=FakeClient) as dev:
        assert dev.info.side == "left" and dev.info.transport == ADDRESS
        chunks = collect(dev, 100)
        dev.tare(
            force=True
        )  # a write to the command characteristic, acknowledged (forced: the runner loads it)
    seq = np.concatenate([c.seq for c in chunks])
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))
    assert chunks[-1].stats.errors == 0


def test_ble_by_name_uses_the_scanner():
    with skd.open("ble://name=Insole-L", backend=FakeClient, scanner_backend=FakeScanner) as dev:
        assert dev.info.side == "left"
        collect(dev, 20)


def test_ble_name_not_found_is_a_clear_error():
    with pytest.raises(DeviceError, match="no BLE device named 'Nope'"):
        skd.open("ble://name=Nope?scan=0.2", backend=FakeClient, scanner_backend=FakeScanner)


def test_lost_ble_link_reconnects_and_marks_the_gap():
    with skd.open(f"ble://{ADDRESS}?reconnect=1", backend=FakeClient) as dev:
        collect(dev, 40)
        CLIENTS[-1].drop_link()
        after = []
        deadline = time.monotonic() + 5
        while not any(c.gaps for c in after):
            assert time.monotonic() < deadline, "no gap after the reconnection"
            after += collect(dev, 1)
        assert dev.devices[0].stats.reconnects == 1
        gap = next(g for c in after for g in c.gaps)
    assert gap["reason"] == "link lost"


def test_scan_lists_only_insoles_advertising_the_service():
    from sensorkit.cli.devices import scan_ble

    found = scan_ble(0.1, backend=FakeScanner)
    assert found == [(ADDRESS, "Insole-L", -60)]


def test_without_bluez_the_scan_says_bluetooth_is_unavailable_in_one_line():
    # the real platform backend: on this machine bleak raises FileNotFoundError (no BlueZ/D-Bus)
    from sensorkit.cli.devices import scan_ble

    try:
        found = scan_ble(0.2)
    except DeviceError as exc:
        assert "Bluetooth is not available" in str(exc) and "\n" not in str(exc)
    else:  # a machine with Bluetooth: the call simply works
        assert isinstance(found, list)


def test_devices_cli_prints_one_line_instead_of_a_traceback(capsys):
    from sensorkit.cli import devices as devices_cli
    from sensorkit.cli.devices import run
    from sensorkit.cli.stream import standalone

    assert run is devices_cli.run
    status = standalone(devices_cli.add_parser, "devices", ["--scan", "0.2"])
    out = capsys.readouterr()
    assert status == 0
    assert "serial ports" in out.out and "Traceback" not in out.out + out.err
    assert "bluetooth:" in out.out or "BLE insoles" in out.out


def test_a_hostile_advertised_name_or_usb_descriptor_is_printed_not_obeyed():
    """A BLE name is whatever a device nearby advertises, a USB description whatever the
    device reports: an escape sequence in either is shown as text, never sent to the terminal."""
    import io

    from rich.console import Console

    from sensorkit.cli.devices import ble_table, serial_table

    out = io.StringIO()
    screen = Console(file=out, force_terminal=True, width=160)
    screen.print(ble_table([(ADDRESS, "Insole\x1b[2J\x1b]0;owned\x07", -60)]))
    screen.print(serial_table([("/dev/ttyACM0", "Board\x1b[31m", "USB VID:PID=2341:0043")]))
    text = out.getvalue()
    assert "Insole\\x1b[2J\\x1b]0;owned\\x07" in text and "Board\\x1b[31m" in text
    assert "\x1b[2J" not in text and "\x07" not in text and "Board\x1b[31m" not in text
