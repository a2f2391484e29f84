"""Live devices: ``sk.open(url, ...)`` for serial, BLE, TCP, simulated and replayed insoles.

One module per URL scheme (like pyserial's URL handlers), all yielding the same
:class:`Chunk` objects through the same :class:`Device` core:

=====================================  ==============================================
``sim://?side=left&drift=200``          simulated insole(s) on the real wire protocol
``serial:///dev/ttyUSB0?baud=921600``   serial port (``format=csv&layout=...`` for CSV boards)
``ble://AA:BB:CC:DD:EE:FF``             Bluetooth LE (bleak), or ``ble://name=Insole-L``
``tcp://127.0.0.1:7001``                the protocol over TCP
``replay://run.skr?speed=1``            a capture file (``speed=0``: as fast as possible)
=====================================  ==============================================

Device options valid in every live URL: ``timeout`` (s of silence while streaming),
``reconnect`` (1/0), ``side`` (left/right when the device does not say).

>>> import sensorkit as sk
>>> with sk.open("sim://?side=left") as dev:   # doctest: +SKIP
...     for chunk in dev:
...         print(chunk.time.shape, chunk.values.shape)
...         break
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.devices.device import DEFAULTS, Device
from sensorkit.devices.info import DeviceDescription
from sensorkit.devices.pair import DevicePair
from sensorkit.devices.session import Session, open_session
from sensorkit.devices.url import DeviceURL, parse_url

__all__ = [
    "DEFAULTS",
    "Chunk",
    "Device",
    "DeviceDescription",
    "DevicePair",
    "DeviceURL",
    "LinkStats",
    "Session",
    "open",
    "open_pair",
    "parse_url",
]


def open(
    *urls: str,
    record: str | Path | None = None,
    subject: dict[str, Any] | None = None,
    calibration: Any = None,
    timeout_s: float | None = None,
    reconnect: bool | None = None,
    start: bool = True,
    overwrite: bool = False,
    **options: Any,
) -> Session:
    """Open one insole, or a left/right pair, from device URLs.

    Parameters
    ----------
    *urls : str
        One URL (one insole; ``sim://`` without ``side`` and a two-stream replay give a
        pair), or two URLs (a pair). No URL means ``sim://``.
    record : str or Path, optional
        Write a raw capture (``.skr``) of everything received. An existing file is not
        replaced unless ``overwrite=True``; the file replayed is never replaced.
    overwrite : bool
        Replace an existing ``record`` file (``--force`` on the command line).
    subject : dict, optional
        Subject metadata for the capture header (``body_mass_kg``, ``id``, ...).
    calibration : Calibration, dict or path, optional
        For insoles that send raw ADC counts: converts them to N in the calibrate layer
        (saturation flagged, never clipped) and is stored in the capture header. An error
        for devices that already send N. Replay uses the capture's own unless given.
    timeout_s : float, optional
        Seconds of silence while streaming before the device counts as stopped (default 5).
    reconnect : bool, optional
        Reconnect with back-off on a lost link or silence instead of raising
        :class:`~sensorkit.errors.DeviceError` (default False; URL ``reconnect=1``).
    start : bool
        Start streaming right away (default True).
    **options
        Passed to :class:`Device` (``handshake_timeout_s``, ``sync_interval_s``,
        ``reconnect_timeout_s``, ``rate_hz``, ``queue_chunks``: the limit of the chunk queue,
        beyond which a lagging reader of a live device misses the oldest chunks, told by
        ``chunk.missed_chunks``; the capture keeps everything).

    Returns
    -------
    Session
        A context manager and an iterator of :class:`Chunk`; ``session.devices`` holds
        one or two :class:`Device`.

    Raises
    ------
    DeviceError
        Unknown scheme or parameter, port that cannot be opened, or a device that does
        not identify itself as a sensorkit insole within a few seconds.
    """
    return open_session(
        urls or ("sim://",), record=record, subject=subject, calibration=calibration,
        timeout_s=timeout_s, reconnect=reconnect, start=start, overwrite=overwrite, **options,
    )  # fmt: skip


def open_pair(left_url: str, right_url: str, **kwargs: Any) -> Session:
    """Open a left/right pair (same as ``open(left_url, right_url, **kwargs)``)."""
    return open(left_url, right_url, **kwargs)
