"""Lab Streaming Layer (LSL) out and in: insole streams and markers for the lab's common clock.

Built on pylsl, which bundles liblsl (``pip install "sensorkit[lsl]"``).

* **Outlet** (:class:`LslOutlet`): one LSL stream per insole (type ``"Pressure"`` or
  ``"Force"``), one channel per sensor, with the layout in the stream description (the XML
  ``desc``: per channel its label, unit, x/y position in mm and region; the layout's name, foot
  length and frame), the nominal rate, and every sample stamped on LSL's clock **from its host
  time** (``chunk.time`` mapped by the offset between ``time.monotonic`` and
  ``pylsl.local_clock``), never re-stamped at push time, so the device-clock mapping and drift
  correction survive. A marker stream (type ``"Markers"``, one string channel) carries step
  events (``left contact``, ``right toe-off``...), tags, tare, gaps and biofeedback cues, each
  stamped at the event's own time.
* **Inlet** (:class:`LslSource`, URL ``lsl://name=NAME`` or ``lsl://type=Pressure``): reads any
  insole stream on the network as chunks on the host clock, so sensorkit can record, analyse
  and display it (including another sensorkit's outlet).

Discovery: liblsl's default resolve scope sends multicast and broadcast on every network
interface. Point the ``LSLAPICFG`` environment variable at a configuration file to limit it;
the tests use ``tests/lsl_api.cfg`` (scope ``machine``, peers ``127.0.0.1``). For lab-wide
discovery, use liblsl's default configuration (or ``ResolveScope = site``) instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sensorkit.devices.profile import PRESSURE_UNITS, SCHEMA, profile_from_dict
from sensorkit.devices.transport import Transport, host_time
from sensorkit.errors import DeviceError, SensorkitError
from sensorkit.layout import SensorLayout

__all__ = ["PARAMS", "LslOutlet", "LslSource", "LslTransport", "build", "clock_offset_s", "marker_text"]

_CLOCK_PROBES = 9


def _pylsl():
    try:
        import pylsl
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SensorkitError(
            "pylsl is not installed", hint="pip install 'sensorkit[lsl]' (pylsl bundles liblsl)"
        ) from exc
    return pylsl


def clock_offset_s() -> float:
    """``pylsl.local_clock() - time.monotonic()`` in s (the median of a few probes).

    On Linux both are CLOCK_MONOTONIC and the offset is about 0; it is measured rather than
    assumed so that other platforms map correctly too.
    """
    pylsl = _pylsl()
    probes = []
    for _ in range(_CLOCK_PROBES):
        a = time.monotonic()
        lsl = pylsl.local_clock()
        b = time.monotonic()
        probes.append(lsl - 0.5 * (a + b))
    return float(np.median(probes))


def marker_text(kind: str, side: str | None = None, **fields: Any) -> str:
    """A marker string: ``kind`` with the side first (``"left contact"``), then ``key=value`` pairs."""
    head = f"{side} {kind}" if side else kind
    tail = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
    return f"{head} {tail}".strip()


@dataclass
class _Stream:
    side: str
    outlet: Any
    n_channels: int


class LslOutlet:
    """Publish a session's insoles and events on LSL.

    Parameters
    ----------
    layouts : dict
        ``{side: SensorLayout}`` of the insoles to publish (one stream each).
    rate_hz : float
        Nominal sampling rate (Hz).
    units : str
        ``"N"`` or ``"kPa"`` (the stream type is ``"Force"`` or ``"Pressure"``).
    name : str
        Stream name prefix: streams are ``NAME left``, ``NAME right`` and ``NAME markers``.
    source_id : str, optional
        A stable id (e.g. the device ids) so that LSL clients can reconnect to the same stream.

    Examples
    --------
    >>> with sk.open("sim://") as session:                                # doctest: +SKIP
    ...     out = LslOutlet.for_session(session)
    ...     for chunk in session:
    ...         out.push_chunk(chunk)
    """

    def __init__(
        self,
        layouts: dict[str, SensorLayout],
        rate_hz: float,
        units: str = "N",
        *,
        name: str = "sensorkit",
        source_id: str | None = None,
    ) -> None:
        pylsl = _pylsl()
        self.name = name
        self.offset_s = clock_offset_s()
        self._streams: dict[str, _Stream] = {}
        kind = "Pressure" if units == "kPa" else "Force"
        for side, layout in layouts.items():
            lay = layout.for_side(side)
            info = pylsl.StreamInfo(
                f"{name} {side}",
                kind,
                lay.n_sensors,
                float(rate_hz),
                pylsl.cf_float32,
                f"{source_id or name}-{side}",
            )
            desc = info.desc()
            desc.append_child_value("manufacturer", "sensorkit")
            desc.append_child_value("side", side)
            desc.append_child_value("units", units)
            desc.append_child_value("host_clock", "time.monotonic mapped to lsl local_clock")
            lay_el = desc.append_child("layout")
            lay_el.append_child_value("name", lay.name)
            lay_el.append_child_value("foot_length_mm", f"{lay.foot_length_mm:g}")
            lay_el.append_child_value("foot_width_mm", f"{lay.foot_width_mm:g}")
            lay_el.append_child_value("frame", "origin heel, y anterior (toes), x medial (mm)")
            chans = desc.append_child("channels")
            for i in range(lay.n_sensors):
                ch = chans.append_child("channel")
                ch.append_child_value("label", f"{side[0].upper()}{i + 1}")
                ch.append_child_value("unit", units)
                ch.append_child_value("type", kind)
                ch.append_child_value("x_mm", f"{lay.x_mm[i]:g}")
                ch.append_child_value("y_mm", f"{lay.y_mm[i]:g}")
                ch.append_child_value("region", lay.region[i])
            self._streams[side] = _Stream(side, pylsl.StreamOutlet(info), lay.n_sensors)
        minfo = pylsl.StreamInfo(
            f"{name} markers",
            "Markers",
            1,
            pylsl.IRREGULAR_RATE,
            pylsl.cf_string,
            f"{source_id or name}-markers",
        )
        minfo.desc().append_child_value("manufacturer", "sensorkit")
        self._markers = pylsl.StreamOutlet(minfo)
        self.samples_pushed = dict.fromkeys(layouts, 0)
        self.markers_pushed = 0

    @classmethod
    def for_session(cls, session: Any, *, name: str = "sensorkit") -> LslOutlet:
        """An outlet for every insole of an open :func:`sensorkit.open` session."""
        from sensorkit.layout import load_layout

        layouts, rate = {}, None
        for dev in session.devices:
            info = dev.info
            side = dev.side if dev.side in ("left", "right") else "left"
            layouts[side] = load_layout(info.layout or "ref16")
            rate = float(info.sample_rate_hz)
        ids = [str(getattr(d.info, "device_id", "") or "") for d in session.devices]
        return cls(
            layouts,
            rate or 0.0,
            str(getattr(session, "units", "N")),
            name=name,
            source_id="-".join(ids) or None,
        )

    def lsl_time(self, host_time_s: np.ndarray | float) -> np.ndarray | float:
        """Host time (``time.monotonic``, s) on LSL's clock."""
        return host_time_s + self.offset_s

    def push_chunk(self, chunk: Any) -> None:
        """Push a :class:`~sensorkit.devices.chunk.Chunk` with its own sample times; gaps become markers."""
        stream = self._streams.get(chunk.side if chunk.side in self._streams else "left")
        if stream is None or not chunk.n:
            return
        values = np.ascontiguousarray(chunk.values, dtype=np.float32)
        stream.outlet.push_chunk(values, timestamp=list(self.lsl_time(chunk.time)))
        self.samples_pushed[stream.side] += chunk.n
        for gap in chunk.gaps:
            self.push_marker(
                marker_text("gap", stream.side, missing=gap.get("n_missing"), reason=gap.get("reason")),
                float(gap.get("start_s", chunk.time[0])),
            )

    def push_steps(self, steps: Iterable[dict]) -> None:
        """Markers for the contact and toe-off of each step (dicts of :attr:`Analysis.steps`)."""
        for step in steps:
            side = step.get("side")
            self.push_marker(marker_text("contact", side), float(step["t_contact_s"]))
            self.push_marker(marker_text("toe-off", side), float(step["t_toe_off_s"]))

    def push_marker(self, text: str, host_time_s: float | None = None) -> None:
        """One marker at ``host_time_s`` (``time.monotonic``; default now)."""
        t = time.monotonic() if host_time_s is None else host_time_s
        self._markers.push_sample([text], float(self.lsl_time(t)))
        self.markers_pushed += 1

    def close(self) -> None:
        """Withdraw every stream."""
        self._streams.clear()
        self._markers = None

    def __enter__(self) -> LslOutlet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LslSource:
    """An insole stream on LSL, read as chunks on the host clock (``lsl://...`` URLs).

    Parameters
    ----------
    query : str
        ``name=NAME`` or ``type=Pressure`` (an LSL property predicate), as after ``lsl://``.
    timeout_s : float
        How long to look for the stream.
    side : str
        The side of the stream when its description does not say.

    Raises
    ------
    DeviceError
        No stream matches within ``timeout_s``.
    """

    def __init__(self, query: str, *, timeout_s: float = 5.0, side: str | None = None) -> None:
        pylsl = _pylsl()
        key, _, value = query.partition("=")
        if not value or key not in ("name", "type", "source_id"):
            raise DeviceError(
                f"lsl://{query}: expected lsl://name=NAME or lsl://type=TYPE",
                hint="e.g. lsl://name=sensorkit left",
            )
        found = pylsl.resolve_byprop(key, value, timeout=timeout_s)
        if not found:
            raise DeviceError(
                f"no LSL stream with {key}={value!r} found in {timeout_s:g} s",
                hint="is the outlet running? For another machine, LSLAPICFG must allow lab-wide discovery",
            )
        info = found[0]
        self.inlet = pylsl.StreamInlet(info, max_buflen=60, processing_flags=pylsl.proc_clocksync)
        self.inlet.open_stream(timeout=timeout_s)  # subscribe now: later samples are not missed
        full = self.inlet.info(timeout=timeout_s)
        desc = full.desc()
        self.name = full.name()
        self.rate_hz = full.nominal_srate()
        self.n_channels = full.channel_count()
        self.units = desc.child_value("units") or ("kPa" if full.type() == "Pressure" else "N")
        self.side = side or desc.child_value("side") or "left"
        self.layout_name = desc.child("layout").child_value("name") or None
        self.offset_s = clock_offset_s()
        self._seq = 0

    def read(self, timeout_s: float = 1.0) -> dict[str, np.ndarray] | None:
        """Next samples as ``{"time": (n,) host s, "seq": (n,), "values": (n, S)}``, or None."""
        data, stamps = self.inlet.pull_chunk(timeout=timeout_s, max_samples=4096)
        if not stamps:
            return None
        values = np.asarray(data, dtype=np.float32).reshape(len(stamps), self.n_channels)
        t = np.asarray(stamps, dtype=np.float64) - self.offset_s
        seq = np.arange(self._seq, self._seq + len(stamps), dtype=np.int64)
        self._seq += len(stamps)
        return {"time": t, "seq": seq, "values": values}

    def close(self) -> None:
        """Close the inlet."""
        self.inlet.close_stream()


# ---------------------------------------------------------------- lsl:// as a device transport

#: Query parameters of ``lsl://`` URLs (besides the device options every live URL takes).
PARAMS = ("side", "layout", "resolve_s")


class LslTransport(Transport):
    """An LSL inlet as a device transport: each sample becomes a CSV line ``t_us,v1,...,vS``
    with its LSL time converted to host time (µs), decoded by a profile built from the
    stream description, so the device layer frames,
    sequences, maps clocks, records and replays it like any board's text stream.

    Commands (start, stop, tare) have no meaning for an LSL stream and are dropped.
    """

    live = True

    def __init__(self, source: LslSource) -> None:
        self.source = source
        self.name = f"lsl {source.name}"

    def open(self) -> None:
        """The inlet is already open (it was resolved when the URL was built)."""

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        part = self.source.read(timeout_s=max(timeout_s, 0.0))
        if part is None:
            return b"", host_time()
        t_us = np.round(part["time"] * 1e6).astype(np.int64)
        lines = [
            f"{t}," + ",".join(f"{v:.9g}" for v in row) for t, row in zip(t_us, part["values"], strict=True)
        ]
        return ("\n".join(lines) + "\n").encode("ascii"), host_time()

    def write(self, data: bytes) -> None:
        """No commands reach an LSL outlet; dropped."""

    def fileno(self) -> int | None:
        return None  # read in the device's own thread

    def close(self) -> None:
        self.source.close()


def build(url: Any) -> tuple[Any, dict]:
    """Transport and device options for ``lsl://name=NAME`` (or ``type=``, ``source_id=``).

    The stream is resolved now (up to ``resolve_s``, default 5 s); its description gives the
    side, units, rate and layout when the URL does not.
    """
    resolve_s = url.get_float("resolve_s", 5.0, 0.1, 600.0)
    source = LslSource(url.target.strip("/"), timeout_s=resolve_s, side=url.get_str("side"))
    transport = LslTransport(source)
    layout = url.get_str("layout") or source.layout_name
    if layout is None:
        raise DeviceError(
            f"{url.raw}: the LSL stream names no layout",
            hint="add ?layout=NAME (a built-in layout or a layout JSON file)",
        )
    units = source.units if source.units in PRESSURE_UNITS else "counts"
    profile = profile_from_dict(
        {
            "schema": SCHEMA,
            "name": "lsl-inlet",
            "description": f"LSL stream {source.name!r} read through an inlet",
            "source": "sensorkit.live.lsl (an outlet's stream description)",
            "framing": {"kind": "text", "format": "csv"},
            "fields": {
                "timestamp": {"index": 0, "unit": "us", "bits": 64},
                "pressure": {"index": 1, "count": int(source.n_channels)},
            },
            "units": {"pressure": units, "rate_hz": float(source.rate_hz or 100.0)},
            "layout": {"name": str(layout)},
        }
    )
    return transport, {"side": source.side, "mode": "profile", "profile": profile}
