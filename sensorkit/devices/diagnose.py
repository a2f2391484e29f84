"""Why a device did not identify itself: the one error :meth:`Device.open` raises, with its hint.

It looks at what arrived within the handshake time (nothing, text, CSV lines, frames that
fail their CRC, frames of a profile that do not match, BLE notifications cut by the MTU)
and names the likely cause and its fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sensorkit.devices.profile import datagram_profiles
from sensorkit.errors import DeviceError
from sensorkit.protocol import CsvLineDecoder, detect_mode

if TYPE_CHECKING:
    from sensorkit.devices.device import Device

__all__ = ["MTU_HINT", "no_device_error", "silence_reason"]

MTU_HINT = (
    "the link kept the default MTU of 23: let the central negotiate a larger one (BlueZ: "
    "connect without an MTU-limited adapter or dongle; firmware: request an MTU of at least 247 "
    "and accept the exchange)"
)


def no_device_error(dev: Device) -> DeviceError:
    """The one error for a device that did not identify itself in time: what arrived, and the likely fix."""
    name = dev.transport.name
    n = dev.stats.bytes_in
    wait = f"{dev.handshake_timeout_s:g} s"
    if n == 0:
        return DeviceError(
            f"{name}: no bytes received within {wait}",
            hint="is the insole switched on and connected? 'sensorkit devices' lists ports",
        )
    truncation = getattr(dev.transport, "truncation", None)
    if truncation and dev.mode == "binary":
        return DeviceError(f"{name}: {truncation}, so no frame arrives whole", hint=MTU_HINT)
    if dev.mode == "profile":
        assert dev.profile is not None and dev.profile_stats is not None
        return DeviceError(
            f"{name}: received {n} bytes in {wait} but no frame matched profile {dev.profile.name!r}: "
            f"{dev.profile_stats.describe()}",
            hint=_other_profile_hint(dev)
            or (
                "wrong baud rate, or a profile that does not describe this device?"
                if _serial(dev)
                else "a profile that does not describe this device, or another sender at this address?"
            ),
        )
    head = dev.head
    mode = detect_mode(head)
    if dev.mode == "csv":
        layout = dev.sensor_layout
        width = _csv_width(head)
        if layout is not None and width is not None and width != layout.n_sensors:
            return DeviceError(
                f"{dev.url}: the board prints {width} values per line but layout {layout.name!r} "
                f"has {layout.n_sensors} sensors",
                hint=layout_hint(width),
            )
        return DeviceError(
            f"{name}: received {n} bytes in {wait} but no CSV sample line",
            hint="wrong baud rate (baud=...)? or the board does not print comma-separated integers"
            if _serial(dev)
            else "the sender does not print comma-separated integers, one sample per line?",
        )
    if mode == "csv":
        width = _csv_width(head)
        return DeviceError(
            f"{name}: the device sends CSV lines, not the sensorkit binary protocol"
            + (f" ({width} values per line)" if width else ""),
            hint="open it with ?format=csv&layout=NAME" + (f"; {layout_hint(width)}" if width else ""),
        )
    stats = dev.stats
    if stats.packets_ok == 0:
        if _mostly_text(head):
            first = head.split(b"\n", 1)[0][:40].decode("ascii", "replace")
            return DeviceError(
                f"{name}: not a sensorkit device: it sends text such as {first!r}",
                hint="check the port; CSV boards need ?format=csv&layout=NAME",
            )
        return DeviceError(
            f"{name}: received {n} bytes in {wait} but no valid sensorkit frame "
            f"({stats.errors} rejected: {stats.crc_errors} CRC, {stats.framing_errors} framing, "
            f"{stats.content_errors} content)",
            hint="wrong baud rate? try ?baud=921600 (the default) or the rate your firmware uses; "
            "or this is not a sensorkit device"
            if _serial(dev)
            else "this is not a sensorkit device (CSV lines need ?format=csv, vendor streams ?profile=NAME)",
        )
    return DeviceError(
        f"{name}: valid frames but no DEVICE_INFO within {wait} (REQUEST_INFO unanswered)",
        hint="firmware too old for protocol v1?",
    )


def _other_profile_hint(dev: Device) -> str | None:
    """The built-in profile whose frames the rejected datagrams are, as a hint (a Pressure2Pose
    double frame sent to the single-frame profile, or the reverse), or None."""
    assert dev.profile is not None and dev.profile_stats is not None
    sizes = dev.profile_stats.bad_datagram_sizes
    if not sizes:
        return None
    nbytes = max(sizes, key=sizes.__getitem__)
    others = [p for p in datagram_profiles(nbytes) if p != dev.profile.name]
    if not others:
        return None
    which = " or ".join(f"?profile={p}" for p in others)
    return (
        f"{'the' if len(sizes) == 1 else 'most'} datagrams are {nbytes} bytes, the frame of profile "
        f"{' or '.join(map(repr, others))}: open it with {which} instead of ?profile={dev.profile.name}"
    )


def _serial(dev: Device) -> bool:
    """A serial link, the only kind with a baud rate to get wrong (TCP, UDP and BLE have none)."""
    url = getattr(dev, "url", "")
    return str(getattr(url, "raw", url)).startswith("serial://")


def layout_hint(n_sensors: int) -> str:
    """The built-in layouts with ``n_sensors`` sensors, for a hint (or how to give one's own)."""
    from sensorkit.layout import builtin_layouts, load_layout

    names = [name for name in builtin_layouts() if load_layout(name).n_sensors == n_sensors]
    own = "a layout JSON file of your own (layout=path/to/layout.json; schema in calibration/README.md)"
    if not names:
        return f"no built-in layout has {n_sensors} sensors: give {own}"
    return f"built-in layouts with {n_sensors} sensors: {', '.join(names)}; or {own}"


def _csv_width(head: bytes) -> int | None:
    """Values per line of the first whole CSV sample line in ``head`` (timestamp excluded), or None."""
    probe = CsvLineDecoder(None)  # the protocol's own line grammar; it fixes S from the first valid line
    probe.feed(head[head.find(b"\n") + 1 :])  # the first line may be cut
    return probe.n_channels


def _mostly_text(head: bytes) -> bool:
    if not head:
        return False
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return printable >= 0.9 * len(head) and b"\n" in head


def silence_reason(dev: Device) -> str:
    """Why a streaming device counts as silent: the timeout, and what the bytes that did arrive say."""
    reason = f"no samples for {dev.timeout_s:g} s"
    truncation = getattr(dev.transport, "truncation", None)
    if truncation and dev.mode == "binary":
        return f"{reason}: {truncation} ({MTU_HINT})"
    pst = dev.profile_stats
    if pst is not None and pst.bad_frames + pst.bad_bytes:
        return f"{reason} ({pst.describe()})"
    st = dev.stats
    if st.bytes_in > dev.bytes_at_last_sample:
        idle = ", the board reports it is not streaming" if dev.status and not dev.status.streaming else ""
        reason += f" although bytes arrive ({st.crc_errors} CRC, {st.framing_errors} framing errors{idle})"
    return reason
