"""Opening URLs into a :class:`Session`: one device or a pair, plus the capture file if asked."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sensorkit.devices.capture import CaptureReader, CaptureWriter
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.devices.chunkqueue import QUEUE_MAX_CHUNKS, ChunkQueue
from sensorkit.devices.device import DEFAULTS, Device
from sensorkit.devices.info import DeviceDescription
from sensorkit.devices.pair import DevicePair
from sensorkit.devices.transport import host_time
from sensorkit.devices.transports import schemes, transport_module
from sensorkit.devices.url import DeviceURL, parse_url
from sensorkit.errors import DeviceError, FileFormatError
from sensorkit.outputs import check_output

if TYPE_CHECKING:
    from sensorkit.calibrate.calibration import Calibration

CalibrationSpec = Any  # Calibration, its to_dict() mapping, a JSON file path, or None

__all__ = ["COMMON_PARAMS", "SCHEMES", "Session", "open_session"]

#: The built-in URL schemes (the live table, with registered ones, is
#: :func:`sensorkit.devices.transports.schemes`; add one with ``register_transport``).
SCHEMES = {s: f"sensorkit.devices.{s}" for s in ("sim", "serial", "tcp", "ble", "replay")}
#: Parameters every live URL accepts (device layer options).
COMMON_PARAMS = ("timeout", "reconnect", "side", "batch_ms")
_DEVICE_KWARGS = frozenset(inspect.signature(Device.__init__).parameters) - {"self", "transport"}


class Session:
    """What :func:`sensorkit.open` returns: one device or a pair, and its capture file.

    Iterate it for :class:`Chunk` objects (both sides of a pair interleaved, in arrival
    order); use it as a context manager to close everything.

    Raw ADC counts: when a device sends counts (DEVICE_INFO units 0) and the session has a
    calibration, every chunk read from the session is converted to N (or kPa) by
    :class:`sensorkit.calibrate.live.ChunkCalibrator` (the calibrate layer; transports and
    the device core never see it): ``chunk.units`` is then ``"N"``, ``chunk.counts`` keeps
    the raw counts and ``chunk.saturated`` flags readings at the sensor's saturation count
    (values kept, not clipped), tallied in :attr:`saturation`. Without a calibration the
    chunks stay in ``"counts"`` (:attr:`units` says so, :attr:`calibrated` is False) and
    :meth:`require_physical_units` refuses anything that needs N.

    Attributes
    ----------
    devices : list of Device
        One device, or left then right.
    capture : CaptureWriter or None
        The capture being written, if any.
    host_t0_s : float
        Host time (s) when the session was opened (for replays: when the live one was).
    subject : dict
        Subject metadata. Without a ``body_mass_kg``, a calibration that converts the
        session's counts gives its own (the subject it was made with), with
        ``body_mass_source`` ``"calibration"``.
    calibration : Calibration or None
        The calibration of the session (stored in capture headers; applied to raw counts).
    calibration_source : str or None
        ``"argument"`` (given to :func:`sensorkit.open`), ``"header"`` (a replay's capture
        header) or None.
    """

    def __init__(self, source: Device | DevicePair, *, host_t0_s: float, subject: dict | None = None,
                 calibration: CalibrationSpec = None, strict: bool = True) -> None:  # fmt: skip
        self.source = source
        self.devices: list[Device] = source.devices if isinstance(source, DevicePair) else [source]
        self.host_t0_s = host_t0_s
        self.subject = dict(subject or {})
        self.calibration: Calibration | None = None
        self._calibrator: Any = None
        self.capture: CaptureWriter | None = None
        self._own_capture = False
        #: Where :attr:`calibration` came from: "argument", "header" (a replay), or None.
        self.calibration_source: str | None = None
        if calibration is not None:
            self.calibration_source = "argument" if strict else "header"
            self._set_calibration(calibration, strict=strict)
            mass = self.calibration.body_mass_kg if self.calibration is not None else None
            if self.calibrated and mass is not None and self.subject.get("body_mass_kg") is None:
                # the gains made this subject's standing read m g: the same mass gives BW units
                self.subject["body_mass_kg"] = float(mass)
                self.subject["body_mass_source"] = "calibration"

    def _set_calibration(self, spec: CalibrationSpec, *, strict: bool) -> None:
        """Check ``spec`` against the devices and start converting their counts.

        ``strict``: a calibration given for devices that already send physical units is an
        error (False for a capture header's calibration, which is then only kept).
        """
        from sensorkit.calibrate.live import ChunkCalibrator, as_calibration

        cal = as_calibration(spec)
        self.calibration = cal
        calibrator = ChunkCalibrator(cal)
        raw = [d for d in self.devices if d.info is not None and d.info.units == "counts"]
        if not raw and not strict:
            return
        for dev in self.devices:
            info = dev.info
            if info is None:
                continue
            calibrator.check(dev.side, units=info.units, sensor_count=info.sensor_count,
                             adc_bits=info.adc_bits, source=dev.url)  # fmt: skip
        self._calibrator = calibrator

    # -- units ------------------------------------------------------------------------
    @property
    def calibrated(self) -> bool:
        """True when the devices send raw counts and the session converts them with :attr:`calibration`."""
        return self._calibrator is not None

    @property
    def units_by_side(self) -> dict[str, str]:
        """Units of the chunks this session yields, per side (after calibration)."""
        out = {}
        for dev in self.devices:
            units = dev.info.units if dev.info is not None else "counts"
            if units == "counts" and self._calibrator is not None:
                units = self._calibrator.units(dev.side)
            out[dev.side] = units
        return out

    @property
    def units(self) -> str:
        """Units of the chunks this session yields (``"N"``, ``"kPa"``, ``"counts"``; ``"mixed"`` if the sides differ)."""
        units = set(self.units_by_side.values())
        return units.pop() if len(units) == 1 else "mixed"

    def require_physical_units(self, what: str = "this") -> None:
        """Raise :class:`~sensorkit.calibrate.live.UncalibratedError` (with a hint) unless chunks are in N or kPa.

        Parameters
        ----------
        what : str
            What needs physical units, for the message.
        """
        from sensorkit.calibrate.live import require_physical_units

        for units in self.units_by_side.values():
            require_physical_units(units, what)

    @property
    def saturation(self) -> dict[str, Any]:
        """Side -> (S,) number of saturated readings per sensor so far (calibrated sessions only)."""
        if self._calibrator is None:
            return {}
        return {side: n.copy() for side, n in self._calibrator.saturated_per_sensor.items()}

    def _out(self, chunk: Chunk | None) -> Chunk | None:
        if chunk is None or self._calibrator is None:
            return chunk
        return self._calibrator(chunk)

    # -- description ----------------------------------------------------------------
    @property
    def is_pair(self) -> bool:
        """True for two insoles."""
        return len(self.devices) == 2

    @property
    def info(self) -> DeviceDescription | tuple[DeviceDescription, ...]:
        """The device's description, or ``(left, right)`` for a pair."""
        return self.source.info

    @property
    def stats(self) -> dict[str, LinkStats]:
        """Link statistics per side."""
        return {d.side: d.stats for d in self.devices}

    @property
    def gaps(self) -> list[dict]:
        """Gaps recorded so far (keys of ``sensorkit.recording.GAP_COLUMNS``), in time order."""
        return sorted((g for d in self.devices for g in d.gaps), key=lambda g: g["start_s"])

    @property
    def dropped(self) -> dict[str, tuple[int, int]]:
        """Side -> (chunks, samples) dropped from the chunk queue because the reader lagged.

        Live devices only (a replay waits for its reader); the capture file holds them all.
        Each chunk read after a drop says how many of its stream were missed
        (``chunk.missed_chunks``, ``chunk.missed_samples``).
        """
        out: dict[str, tuple[int, int]] = {}
        for q in {id(d.sink): d.sink for d in self.devices}.values():
            for stream, (chunks, samples) in getattr(q, "dropped", {}).items():
                side = next((d.side for d in self.devices if d.stream == stream), str(stream))
                out[side] = (chunks, samples)
        return out

    def header(self) -> dict[str, Any]:
        """Capture header describing this session."""
        from sensorkit import __version__
        from sensorkit.layout import load_layout

        streams = []
        for dev in self.devices:
            info = dev.info.to_dict() if dev.info else None
            layout = None
            if dev.info is not None and dev.info.layout:
                try:
                    layout = load_layout(dev.info.layout).to_dict()
                except Exception:  # a layout path that vanished: keep the name only
                    layout = None
            if layout is None and dev.profile is not None and dev.sensor_layout is not None:
                layout = dev.sensor_layout.to_dict()  # a profile's approximate layout has no file
            entry = {"stream": dev.stream, "url": dev.url, "side": dev.side, "info": info, "layout": layout}
            if dev.profile is not None:  # replays decode with it, without the profile file
                entry["profile"] = dev.profile.to_dict()
            elif dev.mode == "csv":
                entry["csv_clock"] = dev.csv_clock
            frame = dev.device_info_frame
            if frame is not None:  # a copy of the DEVICE_INFO record, should that record be damaged
                entry["device_info_frame"] = frame.hex()
            streams.append(entry)
        return {
            "host_clock": "time.monotonic",
            "host_t0_s": self.host_t0_s,
            "streams": streams,
            "subject": self.subject,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "sensorkit_version": __version__,
        }

    # -- recording -------------------------------------------------------------------
    def record(self, path: str | Path, *, overwrite: bool = False) -> CaptureWriter:
        """Start writing a capture of this session to ``path`` (everything since connecting).

        Parameters
        ----------
        path : str or Path
            The capture file; locked while written.
        overwrite : bool
            Replace an existing file (default: refuse).

        Raises
        ------
        OutputExistsError
            ``path`` exists and ``overwrite`` is False.
        SameFileError
            ``path`` is the capture this session replays (even with ``overwrite``).
        FileLockedError
            Another process is writing ``path``.
        DeviceError
            A capture of this session is already being written (stop it first): a second one
            left the first without its end record and locked until the process ended.
        """
        if self.capture is not None:
            raise DeviceError(
                f"this session is already recording to {self.capture.path}",
                hint="stop that recording first (stop_recording())",
            )
        reader = getattr(self, "reader", None)
        inputs = [reader.path] if reader is not None else []
        writer = CaptureWriter(path, self.header(), overwrite=overwrite, inputs=inputs)
        if isinstance(self.source, DevicePair):
            self.source.attach_capture(writer)
        else:
            self.source.attach_capture(writer, 0)
        self.capture = writer
        self._own_capture = True
        return writer

    def stop_recording(self) -> Path | None:
        """Stop writing the capture (the session keeps streaming); return its path, or None."""
        writer = self.capture
        if writer is None:
            return None
        for dev in self.devices:
            dev.detach_capture()
        try:
            if self._own_capture:
                writer.close()  # (may raise: a full disk while closing)
        finally:
            self.capture = None  # closed either way: a new recording may start
            self._own_capture = False
        return Path(writer.path)

    # -- device API ------------------------------------------------------------------
    def start(self) -> None:
        """Start streaming."""
        self.source.start()

    def stop(self) -> None:
        """Stop streaming."""
        self.source.stop()

    def tare(self, *, force: bool = False) -> None:
        """Zero the sensors (TARE); refused while an insole is loaded unless ``force`` (see :meth:`Device.tare`)."""
        self.source.tare(force=force)

    def read(self, timeout_s: float | None = None) -> Chunk | None:
        """Next chunk, None after ``timeout_s`` (see :meth:`Device.read`)."""
        return self._out(self.source.read(timeout_s))

    def __iter__(self) -> Iterator[Chunk]:
        if self._calibrator is None:
            return iter(self.source)
        return (self._calibrator(c) for c in self.source)

    def drain(self) -> list[Chunk]:
        """Chunks already received but not yet read (use after :meth:`close`)."""
        chunks = self.source.drain()
        return chunks if self._calibrator is None else [self._calibrator(c) for c in chunks]

    def close(self) -> None:
        """Stop and close the devices, then close the capture file."""
        try:
            self.source.close()
        finally:
            if self.capture is not None and self._own_capture:
                self.capture.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        urls = " + ".join(d.url for d in self.devices)
        return f"<Session {urls}{' recording to ' + str(self.capture.path) if self.capture else ''}>"


def _expand(urls: Sequence[str]) -> list[DeviceURL]:
    parsed = [parse_url(u) if isinstance(u, str) else u for u in urls]
    if len(parsed) > 2:
        raise DeviceError(f"open() takes one or two URLs (a left/right pair), got {len(parsed)}")
    for u in parsed:
        if u.scheme not in schemes():
            raise DeviceError(
                f"{u.raw}: unknown device scheme {u.scheme!r}",
                hint=f"use one of {', '.join(s + '://' for s in schemes())}",
            )
    if len(parsed) == 1 and parsed[0].scheme == "sim" and "side" not in parsed[0].params:
        base = parsed[0]
        drift = base.params.get("drift", "0")
        neg = drift[1:] if drift.startswith("-") else "-" + drift
        left = DeviceURL(base.raw, "sim", base.target, {**base.params, "side": "left"})
        right = DeviceURL(base.raw, "sim", base.target, {**base.params, "side": "right", "drift": neg})
        return [left, right]
    if len(parsed) == 2 and "replay" in (parsed[0].scheme, parsed[1].scheme):
        raise DeviceError("replay a pair from its one capture file: open('replay://FILE.skr')")
    return parsed


def _device_options(url: DeviceURL, timeout_s: float | None, reconnect: bool | None) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "timeout_s": url.get_float(
            "timeout", timeout_s if timeout_s is not None else DEFAULTS["timeout_s"], 0.05, 3600
        ),
        "reconnect": url.get_bool("reconnect", bool(reconnect)),
    }
    if "batch_ms" in url.params:
        opts["batch_s"] = url.get_float("batch_ms", 1000 * DEFAULTS["batch_s"], 0.0, 1000.0) / 1000.0
    side = url.get_str("side", None, ("left", "right"))
    if side:
        opts["side"] = side
    return opts


def open_session(
    urls: Sequence[str],
    *,
    record: str | Path | None = None,
    subject: dict | None = None,
    calibration: CalibrationSpec = None,
    timeout_s: float | None = None,
    reconnect: bool | None = None,
    start: bool = True,
    overwrite: bool = False,
    **options: Any,
) -> Session:
    """Implementation of :func:`sensorkit.open` (see there).

    ``calibration`` (a :class:`~sensorkit.calibrate.Calibration`, its ``to_dict()`` or a
    JSON file path) converts devices that send raw counts to N; it is an error for devices
    that already send physical units. A replay uses the capture header's calibration
    unless one is given here (which re-calibrates the raw counts).
    """
    t0 = host_time()
    parsed = _expand(urls)
    if record is not None:  # before any device is opened: refuse to destroy a file
        check_output(record, overwrite=overwrite, inputs=[u.target for u in parsed if u.scheme == "replay"])
    if calibration is not None:
        from sensorkit.calibrate.live import as_calibration

        calibration = as_calibration(calibration)  # a bad file fails before any device is opened
    if parsed[0].scheme == "replay":
        session = _open_replay(parsed[0], calibration=calibration, **options)
    else:
        sink = ChunkQueue(options.get("queue_chunks", QUEUE_MAX_CHUNKS))
        devices = []
        dev_opts = {k: v for k, v in options.items() if k in _DEVICE_KWARGS}
        tr_opts = {k: v for k, v in options.items() if k not in _DEVICE_KWARGS}
        for i, url in enumerate(parsed):
            module = transport_module(url.scheme)
            url.check_known((*COMMON_PARAMS, *module.PARAMS))
            try:
                transport, kwargs = module.build(url, **tr_opts)
            except TypeError:
                raise DeviceError(f"{url.raw}: unknown option(s) {', '.join(sorted(tr_opts))}") from None
            kwargs.update(_device_options(url, timeout_s, reconnect))
            kwargs.update(dev_opts)
            devices.append(Device(transport, url=url.raw if len(parsed) == 2 or url.scheme != "sim" else _sim_name(url),
                                  stream=i, sink=sink if len(parsed) == 2 else None, **kwargs))  # fmt: skip
        source: Device | DevicePair
        if len(devices) == 2:
            source = DevicePair(devices, sink).open(start=start)
        else:
            source = devices[0].open(start=start)
        try:
            session = Session(source, host_t0_s=t0, subject=subject, calibration=calibration)
        except BaseException:
            source.close()
            raise
    if record is not None:
        try:
            session.record(record, overwrite=overwrite)
        except BaseException:
            session.close()
            raise
    else:
        for dev in session.devices:
            dev.discard_prebuffer()
    return session


def _header_device_info(meta: dict) -> Any:
    """The DEVICE_INFO a version-2 capture header keeps for a stream, or None."""
    from sensorkit.protocol import Decoder, DeviceInfo

    try:
        frame = bytes.fromhex(meta.get("device_info_frame") or "")
    except ValueError:
        return None
    found = [p for p in Decoder().feed(frame) if isinstance(p, DeviceInfo)]
    return found[0] if found else None


def _sim_name(url: DeviceURL) -> str:
    return (
        url.raw
        if "side" in url.raw
        else f"{url.raw}{'&' if '?' in url.raw else '?'}side={url.params['side']}"
    )


def _check_replay_layout(path: str, layout: Any, sensor_count: int) -> None:
    """A layout given for a replay must have the capture's sensor count (DeviceError otherwise)."""
    from sensorkit.layout import SensorLayout, load_layout

    got = layout if isinstance(layout, SensorLayout) else load_layout(layout)
    if got.n_sensors != sensor_count:
        raise DeviceError(
            f"{path}: layout {got.name!r} has {got.n_sensors} sensors, the capture has {sensor_count}",
            hint="give a layout with the capture's sensor count, or none to use the capture's own",
        )


def _open_replay(url: DeviceURL, *, calibration: Calibration | None = None, **options: Any) -> Session:
    from sensorkit.devices.replay import PARAMS, ReplayClock, ReplayTransport

    url.check_known(PARAMS)
    speed = url.get_float("speed", 1.0, 0.0, 1e6)
    try:
        reader = CaptureReader(url.target)
    except FileFormatError as exc:
        if "bad magic" not in str(exc):
            raise
        raise FileFormatError(
            "not a sensorkit capture file: replay plays the captures `sensorkit record` writes (.skr), "
            "whose bytes go through the live pipeline again",
            path=url.target,
            hint="analyse another recording with `sensorkit analyze FILE`; to run it through the streaming "
            "analyser, feed sk.read(FILE) to sensorkit.StreamingAnalyzer (docs/live.md, Replaying recordings)",
        ) from None
    header = reader.header
    streams = reader.streams or [{"stream": 0}]
    clock = ReplayClock(float(header.get("host_t0_s", 0.0)), speed)
    sink = ChunkQueue(options.get("queue_chunks", QUEUE_MAX_CHUNKS))
    pair = len(streams) == 2
    devices = []
    for k, meta in enumerate(streams):
        info = meta.get("info") or {}
        sid = int(meta.get("stream", k))
        mode = info.get("mode", "binary")
        kwargs: dict[str, Any] = {"side": meta.get("side") if meta.get("side") in ("left", "right") else None}
        if mode == "csv":
            kwargs.update(mode="csv", layout=info.get("layout"), csv_rate_hz=info.get("sample_rate_hz", 100.0),
                          csv_units=info.get("units", "counts"), csv_scale=info.get("value_scale", 1.0))  # fmt: skip
            csv_clock = meta.get("csv_clock") or {}
            if csv_clock.get("bits") in (16, 32, 64):
                kwargs["csv_clock_bits"] = csv_clock["bits"]
            if csv_clock.get("tick_us") == 1000:
                kwargs["csv_clock_unit"] = "ms"
        elif mode == "profile" or meta.get("profile") is not None:
            from sensorkit.devices.profile import header_layout, profile_from_dict
            from sensorkit.layout import SensorLayout

            if not isinstance(meta.get("profile"), dict):
                raise DeviceError(
                    f"{url.target}: stream {sid} was recorded through a device profile the header lacks"
                )
            kwargs.update(mode="profile",
                          profile=profile_from_dict(meta["profile"], path=f"{url.target} (capture header)"))  # fmt: skip
            if isinstance(meta.get("layout"), dict):
                kwargs["layout"] = header_layout(kwargs["profile"], SensorLayout.from_dict(meta["layout"]))
        kwargs.update(options)
        if options.get("layout") is not None and info.get("sensor_count"):
            _check_replay_layout(url.target, options["layout"], int(info["sensor_count"]))
        transport = ReplayTransport(reader, sid, clock, warn=(k == 0))
        dev = Device(
            transport, url=meta.get("url", url.raw), stream=sid, sink=sink if pair else None, **kwargs
        )
        dev.fallback_info = _header_device_info(meta)
        devices.append(dev)
    source: Device | DevicePair
    if pair:
        source = DevicePair(devices, sink)
        opened = []
        try:
            for dev in devices:
                dev.open(start=False)
                opened.append(dev)
        except BaseException:
            for dev in opened:
                dev.close()
            raise
        for dev in devices:
            dev.start()
        source.devices.sort(key=lambda d: d.side != "left")
    else:
        source = devices[0].open()
    # (what was read so far stays buffered: open_session attaches a capture to it, or drops it;
    # a replay at speed 0 had read most of the file before `--record` attached, and lost it)
    own = calibration is not None
    try:
        session = Session(source, host_t0_s=float(header.get("host_t0_s", 0.0)), subject=header.get("subject"),
                          calibration=calibration if own else header.get("calibration"), strict=own)  # fmt: skip
    except BaseException:
        source.close()
        raise
    session.reader = reader  # type: ignore[attr-defined]
    return session
