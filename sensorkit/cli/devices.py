"""``sensorkit devices``: serial ports and nearby BLE insoles advertising the sensorkit service."""

from __future__ import annotations

import argparse
import asyncio

from rich.text import Text

from sensorkit.cli.console import console, printable, say
from sensorkit.cli.report_options import working
from sensorkit.cli.stream import standalone
from sensorkit.cli.tables import new_table

__all__ = ["add_parser", "list_serial_ports", "run", "scan_ble"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``devices`` command."""
    p = sub.add_parser("devices", help="list serial ports and nearby BLE insoles")
    p.add_argument(
        "--scan", type=float, default=3.0, metavar="S", help="BLE scan time in seconds (default 3)"
    )
    p.add_argument("--no-ble", action="store_true", help="skip the Bluetooth scan")
    p.add_argument(
        "--profiles",
        action="store_true",
        help="list the built-in device profiles (for ?profile=NAME; docs/device-profiles.md describes the format)",
    )
    p.set_defaults(run=run)


def profile_rows() -> list[tuple[str, str, str, str]]:
    """``(name, transport, sides x sensors and units, description)`` of every built-in profile."""
    from sensorkit.devices.profile import builtin_profiles, load_profile

    rows = []
    for name in builtin_profiles():
        p = load_profile(name)
        tr = p.transport
        if tr["ble_notify"]:
            how = "ble://ADDRESS"
        elif tr["baud"]:
            how = f"serial://PORT (baud {tr['baud']})"
        else:
            how = "udp://HOST:PORT or tcp://HOST:PORT"
        sides = "both feet" if set(p.pressure) == {"left", "right"} else "one foot"
        layout = p.layout if p.layout else "approximate layout"
        rows.append((name, how, f"{sides}, {p.n_sensors} sensors in {p.units}, {layout}", p.description))
    return rows


def list_serial_ports() -> list[tuple[str, str, str]]:
    """``(device, description, hwid)`` of every serial port pyserial finds."""
    from serial.tools import list_ports

    return [
        (p.device, p.description or "", p.hwid or "")
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]


def scan_ble(timeout_s: float, *, backend: type | None = None) -> list[tuple[str, str, int | None]]:
    """``(address, name, rssi)`` of BLE devices advertising the sensorkit service.

    Raises
    ------
    DeviceError
        When Bluetooth is not available (no adapter, no BlueZ/D-Bus); the message is one line.
    """
    from sensorkit.devices.ble import scan

    return asyncio.run(scan(timeout_s, backend=backend))


def run(args: argparse.Namespace) -> int:
    """Print the ports, then the insoles found over BLE (or one line saying BLE is unavailable)."""
    from sensorkit.errors import DeviceError

    if getattr(args, "profiles", False):
        rows = profile_rows()
        console.print(f"device profiles ({len(rows)}), open with URL?profile=NAME:", markup=False,
                      highlight=False, soft_wrap=True)  # fmt: skip
        width = max([16, *(len(name) for name, *_ in rows)])  # (pressure2pose-double is 20)
        for name, how, what, description in rows:
            console.print(
                f"  {name:<{width}} {how:<36} {what}", markup=False, highlight=False, soft_wrap=True
            )
            console.print(f"  {'':<{width}} {description}", markup=False, highlight=False, soft_wrap=True)
        return 0
    console.print(serial_table(list_serial_ports()))
    if args.no_ble:
        return 0
    try:
        with working(f"scanning for BLE insoles ({args.scan:g} s)"):
            found = scan_ble(args.scan)
    except DeviceError as exc:
        say(f"bluetooth: {exc}")
        return 0
    console.print(ble_table(found))
    return 0


def serial_table(ports: list[tuple[str, str, str]]):
    """The serial ports as a table. USB descriptors are the device's own strings: control
    characters in them are printed as ``\\xNN`` (:func:`~sensorkit.errors.printable`)."""
    table = new_table(
        f"serial ports ({len(ports)})", [("URL", "left"), ("description", "left"), ("hardware id", "left")]
    )
    for device, desc, hwid in ports:
        table.add_row(*(Text(printable(v)) for v in (f"serial://{device}", desc, hwid)))
    return table


def ble_table(found: list[tuple[str, str, int | None]]):
    """The BLE insoles found as a table. An advertised name is whatever a device nearby chose
    to send: control characters in it are printed as ``\\xNN``."""
    table = new_table(
        f"BLE insoles ({len(found)})", [("URL", "left"), ("name", "left"), ("RSSI (dBm)", "right")]
    )
    for address, name, rssi in found:
        row = (f"ble://{address}", name or "", "–" if rssi is None else str(rssi))
        table.add_row(*(Text(printable(v)) for v in row))
    return table


if __name__ == "__main__":
    raise SystemExit(standalone(add_parser, "devices"))
