"""What a device says about itself (:class:`DeviceDescription`) and finding its layout."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

from sensorkit.errors import CalibrationError, DeviceError
from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.protocol import DeviceInfo, Side, Units

__all__ = ["UNITS_TEXT", "DeviceDescription", "describe", "insole_sides", "layout_for_id", "resolve_layout"]

#: Protocol units -> the unit strings used in chunks and recordings.
UNITS_TEXT = {Units.NEWTON: "N", Units.KILOPASCAL: "kPa", Units.MILLIVOLT: "mV", Units.RAW_COUNTS: "counts"}
SIDE_TEXT = {Side.LEFT: "left", Side.RIGHT: "right", Side.UNKNOWN: "unknown"}


def insole_sides(side: str) -> tuple[str, ...]:
    """The insoles whose chunks a device of ``side`` sends, for views that show one per insole.

    A two-foot device (``"both"``, e.g. the ``moticon-udp`` profile) sends left and right
    chunks; any other device sends its own side's (``"left"``, ``"right"`` or ``"unknown"``).
    """
    return ("left", "right") if side == "both" else (side,)


@dataclass(frozen=True)
class DeviceDescription:
    """Who a device is, as learnt from its DEVICE_INFO packet (or the URL in CSV mode).

    Attributes
    ----------
    url : str
        The URL it was opened with.
    transport : str
        Endpoint (port, host:port, BLE address, file).
    side : str
        ``"left"``, ``"right"`` or ``"unknown"``.
    mode : str
        ``"binary"`` or ``"csv"``.
    sensor_count : int
        Sensors per sample S.
    sample_rate_hz : float
        Nominal sampling rate in Hz.
    units : str
        Units of chunk values (``"N"``, ``"kPa"``, ``"mV"``, ``"counts"``).
    value_scale : float
        Wire value x this = value in ``units``.
    layout : str or None
        Built-in layout name, when the layout id is known or given in the URL.
    layout_id : int
        Layout id from DEVICE_INFO (0 = not stated).
    device_id : int or None
        64-bit device id.
    firmware : str or None
        ``"major.minor.patch"``.
    adc_bits : int or None
        ADC resolution in bits.
    """

    url: str
    transport: str
    side: str
    mode: str
    sensor_count: int
    sample_rate_hz: float
    units: str
    value_scale: float = 1.0
    layout: str | None = None
    layout_id: int = 0
    device_id: int | None = None
    firmware: str | None = None
    adc_bits: int | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


@lru_cache(maxsize=1)
def _layout_ids() -> dict[int, str]:
    ids = {}
    for name in builtin_layouts():
        lay = load_layout(name)
        if lay.layout_id:
            ids[lay.layout_id] = name
    return ids


def layout_for_id(layout_id: int) -> str | None:
    """Name of the built-in layout with this DEVICE_INFO layout id, or None."""
    return _layout_ids().get(int(layout_id))


def describe(
    info: DeviceInfo, *, url: str, transport: str, side: str | None, layout: SensorLayout | str | None
) -> DeviceDescription:
    """Build a :class:`DeviceDescription` from a DEVICE_INFO packet.

    ``side`` (from the URL) is used when the device does not state its side; ``layout``
    (from the URL) overrides the device's layout id.
    """
    dev_side = SIDE_TEXT.get(info.side, "unknown")
    if dev_side == "unknown" and side:
        dev_side = side
    if layout is not None:
        _check_layout_override(layout, info, url)
    name = layout.name if isinstance(layout, SensorLayout) else layout
    if name is None:
        name = layout_for_id(info.layout_id)
    major, minor, patch = info.firmware_version
    return DeviceDescription(
        url=url,
        transport=transport,
        side=dev_side,
        mode="binary",
        sensor_count=info.sensor_count,
        sample_rate_hz=float(info.sample_rate_hz),
        units=UNITS_TEXT.get(info.units, "counts"),
        value_scale=info.value_scale,
        layout=name,
        layout_id=info.layout_id,
        device_id=info.device_id,
        firmware=f"{major}.{minor}.{patch}",
        adc_bits=info.adc_bits,
    )


def resolve_layout(layout: SensorLayout | str | None, url: str) -> SensorLayout | None:
    """A URL's layout (name or JSON path) loaded, or None; an unknown one is a DeviceError naming the URL."""
    if layout is None or isinstance(layout, SensorLayout):
        return layout
    try:
        return load_layout(str(layout))
    except CalibrationError as exc:
        raise DeviceError(f"{url}: {exc}", hint=exc.hint) from None


def _check_layout_override(layout: SensorLayout | str, info: DeviceInfo, url: str) -> None:
    """Refuse a URL's layout that is unknown or does not match the device's sensor count."""
    layout = resolve_layout(layout, url)
    assert layout is not None
    if layout.n_sensors != info.sensor_count:
        raise DeviceError(
            f"{url}: layout {layout.name!r} has {layout.n_sensors} sensors but the device sends "
            f"{info.sensor_count}",
            hint="drop layout= to use the device's own layout id, or name a layout of that size",
        )
