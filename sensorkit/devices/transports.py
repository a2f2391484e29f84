"""The transport registry: URL scheme -> the module that builds its transport.

Like pyserial's :func:`serial.serial_for_url`, which finds the handler module of a URL by
its scheme, :func:`sensorkit.open` looks the scheme of each URL up here. A transport is one
module with:

``PARAMS``
    tuple of the query parameters it accepts (besides the device options every live URL
    takes: ``timeout``, ``reconnect``, ``side``, ``batch_ms``); others are refused by name.
``build(url, **options) -> (Transport, dict)``
    the :class:`~sensorkit.devices.transport.Transport` for a parsed
    :class:`~sensorkit.devices.url.DeviceURL`, and keyword arguments for
    :class:`~sensorkit.devices.device.Device` (``side``, ``layout``, ``mode``, ...).
    ``options`` are the keyword arguments of :func:`sensorkit.open` that are not device
    options (e.g. ``backend=`` for ``ble://``); a module that takes none may omit them.

Adding a scheme is one module plus one line, either in sensorkit
(``register_transport("lsl", "sensorkit.live.lsl")``, next to the built-ins below) or from
another package, through an entry point in the group :data:`ENTRY_POINT_GROUP`::

    [project.entry-points."sensorkit.transports"]
    myboard = "mypkg.myboard"          # myboard://... URLs

``replay://`` is registered like the others but opened by the session itself (it reads
one capture file into one or two streams).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType

from sensorkit.errors import DeviceError

__all__ = ["ENTRY_POINT_GROUP", "register_transport", "schemes", "transport_module"]

#: Entry-point group through which other packages add URL schemes.
ENTRY_POINT_GROUP = "sensorkit.transports"

#: scheme -> module name (or module); the built-in transports.
_REGISTRY: dict[str, str | ModuleType] = {
    "sim": "sensorkit.devices.sim",
    "serial": "sensorkit.devices.serial",
    "tcp": "sensorkit.devices.tcp",
    "ble": "sensorkit.devices.ble",
    "udp": "sensorkit.devices.udp",
    "replay": "sensorkit.devices.replay",
    "lsl": "sensorkit.live.lsl",  # an insole stream on Lab Streaming Layer (pip install "sensorkit[live]")
}
_entry_points_loaded = False


def register_transport(scheme: str, module: str | ModuleType, *, replace: bool = False) -> None:
    """Make ``scheme://`` URLs open through ``module`` (a module or its dotted name, imported on first use).

    Parameters
    ----------
    scheme : str
        URL scheme, lower case letters, digits, ``+``, ``-`` or ``.`` (RFC 3986).
    module : str or module
        Module with ``PARAMS`` and ``build(url, **options)`` (see the module docstring).
    replace : bool
        Replace an existing registration (otherwise registering a taken scheme is an error).

    Raises
    ------
    ValueError
        A malformed scheme, or one already registered to another module.
    """
    key = scheme.lower()
    if not key or not key[0].isalpha() or not all(c.isalnum() or c in "+-." for c in key):
        raise ValueError(f"{scheme!r} is not a URL scheme")
    old = _REGISTRY.get(key)
    if old is not None and not replace and _name(old) != _name(module):
        raise ValueError(f"{key}:// is already served by {_name(old)}; pass replace=True to change it")
    _REGISTRY[key] = module


def schemes() -> tuple[str, ...]:
    """The registered schemes (built-in, registered, and from entry points)."""
    _load_entry_points()
    return tuple(_REGISTRY)


def transport_module(scheme: str) -> ModuleType:
    """The module serving ``scheme://`` (imported now).

    Raises
    ------
    DeviceError
        No transport is registered for the scheme, or its module cannot be imported.
    """
    key = scheme.lower()
    if key not in _REGISTRY:
        _load_entry_points()
    entry = _REGISTRY.get(key)
    if entry is None:
        raise DeviceError(
            f"unknown device scheme {scheme!r}",
            hint=f"use one of {', '.join(s + '://' for s in schemes())}",
        )
    if isinstance(entry, ModuleType):
        return entry
    try:
        module = importlib.import_module(entry)
    except ImportError as exc:
        raise DeviceError(f"{key}:// needs {entry}, which cannot be imported: {exc}") from None
    _REGISTRY[key] = module
    return module


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _REGISTRY.setdefault(ep.name.lower(), ep.value.split(":", 1)[0])


def _name(module: str | ModuleType) -> str:
    return module if isinstance(module, str) else module.__name__
