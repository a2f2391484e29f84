"""Two insoles as one source: chunks of both sides on one host clock."""

from __future__ import annotations

import queue

from sensorkit.devices.chunk import LinkStats
from sensorkit.devices.chunkqueue import ChunkQueue, ChunkReader
from sensorkit.devices.device import Device
from sensorkit.errors import DeviceError

__all__ = ["DevicePair"]


class DevicePair(ChunkReader):
    """A left and a right :class:`Device` sharing one chunk queue.

    Each device maps its own clock onto the host clock (drift-corrected fit of its
    time-sync exchanges), so the chunks of both sides are directly comparable in time.
    Iterating yields chunks of either side as they arrive (``chunk.side`` says which).

    Parameters
    ----------
    devices : sequence of Device
        Two devices built with the same ``sink`` queue.
    sink : ChunkQueue
        That queue (bounded; see :mod:`sensorkit.devices.chunkqueue`).
    """

    def __init__(self, devices: list[Device], sink: ChunkQueue | queue.Queue) -> None:
        super().__init__(sink, len(devices))
        self.devices = list(devices)
        self._closed = False

    # -- opening ------------------------------------------------------------------
    def open(self, *, start: bool = True) -> DevicePair:
        """Open both devices (handshake), assign sides, then start both."""
        opened = []
        try:
            for dev in self.devices:
                dev.open(start=False)
                opened.append(dev)
            self._assign_sides()
            if start:
                self.start()
        except BaseException:
            for dev in opened:
                dev.close()
            raise
        return self

    def _assign_sides(self) -> None:
        a, b = self.devices
        sa, sb = a.side, b.side
        blind = [d.url for d in self.devices if d.side == "unknown" and not _can_name_foot(d)]
        if blind:
            raise DeviceError(
                f"{' and '.join(blind)} do not say which foot they are (no side= in the URL, and "
                "their records do not name a foot), so the pair cannot tell left from right",
                hint="add side=left to one URL and side=right to the other",
            )
        if sa == sb and sa != "unknown":
            raise DeviceError(
                f"both {a.url} and {b.url} say they are the {sa} insole",
                hint="set the side in one URL (?side=right) or reconfigure the insole",
            )
        if sa == "unknown":
            sa = "right" if sb == "left" else "left"
        if sb == "unknown":
            sb = "left" if sa == "right" else "right"
        for dev, side in ((a, sa), (b, sb)):
            dev.assume_side(side)
        self.devices.sort(key=lambda d: d.side != "left")
        for i, dev in enumerate(self.devices):
            dev.stream = i

    # -- the common device API ------------------------------------------------------
    @property
    def left(self) -> Device:
        """The left device."""
        return self.devices[0]

    @property
    def right(self) -> Device:
        """The right device."""
        return self.devices[1]

    @property
    def info(self) -> tuple:
        """``(left.info, right.info)``."""
        return tuple(d.info for d in self.devices)

    @property
    def stats(self) -> dict[str, LinkStats]:
        """Link statistics per side."""
        return {d.side: d.stats for d in self.devices}

    @property
    def gaps(self) -> list[dict]:
        """Gaps of both sides, in time order."""
        return sorted((g for d in self.devices for g in d.gaps), key=lambda g: g["start_s"])

    def start(self) -> None:
        """Start both."""
        for dev in self.devices:
            dev.start()

    def stop(self) -> None:
        """Stop both."""
        for dev in self.devices:
            dev.stop()

    def tare(self, *, force: bool = False) -> None:
        """Tare both, or neither: each insole is checked for load before either is tared."""
        if not force:
            for dev in self.devices:
                if dev.mode != "csv" and dev.load_check() is not None:
                    dev.tare()  # raises (and records) the refusal
        for dev in self.devices:
            dev.tare(force=force)

    def attach_capture(self, writer) -> None:
        """Record both devices into one capture file (streams 0 and 1)."""
        for i, dev in enumerate(self.devices):
            dev.attach_capture(writer, i)

    def discard_prebuffer(self) -> None:
        """No capture will be attached."""
        for dev in self.devices:
            dev.discard_prebuffer()

    def close(self) -> None:
        """Close both."""
        if self._closed:
            return
        self._closed = True
        for dev in self.devices:
            dev.close()

    def __enter__(self) -> DevicePair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<DevicePair {self.left.url} + {self.right.url}>"


def _can_name_foot(dev: Device) -> bool:
    """Whether a device without ``side=`` tells its foot itself: DEVICE_INFO (binary protocol),
    records that name it (a profile's side field, prefix or marker), or a replayed capture
    (whose header keeps what the recording knew). CSV lines and profiles whose records never
    name a foot cannot: their first chunks are labelled before the pair could assign a side."""
    if dev.mode == "binary" or not dev.transport.live:
        return True
    return dev.mode == "profile" and dev.profile is not None and dev.profile.names_foot
