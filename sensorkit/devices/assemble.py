"""Turning chunks into a :class:`~sensorkit.recording.Recording` (no interpolation of values).

Each side's samples are placed by their unwrapped sample numbers, so a sample the device
numbered but that never arrived becomes a NaN frame (a gap); only the *time* of a missing
frame is interpolated from its neighbours. For a pair, the right side is placed on the
left side's time axis by nearest host time (both clocks are already mapped onto the host
clock); when the two devices' rates differ by their residual drift, a right sample can
land on a frame already taken (counted in ``metadata["clock_slips"]`` and dropped) or
leave one empty (NaN).

Chunks converted from raw counts by a calibration carry saturation flags; the Recording
gets them as ``metadata["saturated"]`` (side -> (n, S) bool on its frames), the same key
:func:`sensorkit.calibrate.apply_calibration` uses. Chunks still in raw counts cannot make
a Recording (:class:`~sensorkit.calibrate.live.UncalibratedError`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.devices.chunk import Chunk
from sensorkit.errors import DeviceError, FileFormatError
from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording

__all__ = ["SideArrays", "collect", "measured_rate_hz", "recording_from_capture", "recording_from_chunks"]

_DEFAULT_PERIOD_S = 0.01  # frame period when no side has two samples and no rate is known (100 Hz)
#: A recording's rate is the one measured from its frame times when the configured (nominal)
#: one is further off than this fraction (a board 3 % slow said 100 Hz in every report).
RATE_SAID_TOLERANCE = 0.01
_RATE_MIN_FRAMES = 8  # frame intervals needed to measure a rate
_RATE_SAMPLE_INTERVALS = 200_000  # intervals the median (the regular limit) is taken over at most
_RATE_BLOCK = 1 << 20  # frames read at a time for the mean (a few MB, whatever the length)
_RATE_MAX_LONG = 0.01  # more long intervals than this share: a bunched axis, no rate said


def measured_rate_hz(time: np.ndarray) -> float | None:
    """The rate the frames were taken at (Hz): regular frame intervals over their total time.

    Regular intervals are those up to 1.5 times the median one; the longer ones (pauses, a
    frame counter's gaps in time) are left out. The mean, not the median, of the regular
    intervals: a board stamping whole milliseconds at 300 Hz has steps of 3, 3 and 4 ms, whose
    median says 333 Hz (a reviewer's real pseudo-terminal board). Nothing is said when more than
    :data:`_RATE_MAX_LONG` of the intervals are long: frames stamped in bunches have no one rate.

    Parameters
    ----------
    time : ndarray, shape (n,), float64
        Frame times in s, increasing (missing frames included, at their interpolated times).

    Returns
    -------
    float or None
        Rounded to 4 significant digits; None with fewer than 8 intervals or a bunched axis.
        Long recordings are read in blocks of :data:`_RATE_BLOCK` frames (no copy of the axis).

    Examples
    --------
    >>> measured_rate_hz(np.arange(100) / 97.0)
    97.0
    >>> measured_rate_hz(np.floor(np.arange(3000) / 0.3) / 1000.0)  # whole ms at 300 Hz
    300.0
    """
    t = np.asarray(time, dtype=np.float64)
    if t.size - 1 < _RATE_MIN_FRAMES:
        return None
    i = np.linspace(0, t.size - 2, min(t.size - 1, _RATE_SAMPLE_INTERVALS)).astype(np.int64)
    probe = t[i + 1] - t[i]
    probe = probe[np.isfinite(probe) & (probe > 0)]
    if probe.size < _RATE_MIN_FRAMES:
        return None
    limit = 1.5 * float(np.median(probe))
    total, count, long = 0.0, 0, 0
    for lo in range(0, t.size - 1, _RATE_BLOCK):
        d = np.diff(t[lo : lo + _RATE_BLOCK + 1])
        regular = np.isfinite(d) & (d > 0) & (d <= limit)
        total += float(d[regular].sum())
        count += int(regular.sum())
        long += int((d > limit).sum())
    if count < _RATE_MIN_FRAMES or total <= 0 or long > _RATE_MAX_LONG * (count + long):
        return None
    return float(f"{count / total:.4g}")


class SideArrays:
    """Concatenated arrays of one side: ``time`` (n,), ``seq`` (n,), ``values`` (n, S)."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.time = np.concatenate([c.time for c in chunks])
        self.seq = np.concatenate([c.seq for c in chunks])
        self.values = np.concatenate([c.values for c in chunks])
        self.saturated: np.ndarray | None = None
        if any(c.saturated is not None for c in chunks):
            self.saturated = np.concatenate(
                [c.saturated if c.saturated is not None else np.zeros(c.values.shape, bool) for c in chunks]
            )
        self.units = chunks[0].units
        self.stream = chunks[0].stream  # the device (a two-foot device's sides share one)
        self.extra: dict[str, np.ndarray] = {}
        names = [k for c in chunks if c.extra for k in c.extra]
        for name in dict.fromkeys(names):
            if all(c.extra and name in c.extra for c in chunks):
                self.extra[name] = np.concatenate([c.extra[name] for c in chunks])
        self.gaps = [g for c in chunks for g in c.gaps]
        self.stats = chunks[-1].stats
        imu = [c.imu for c in chunks if c.imu]
        self.imu = (
            {k: np.concatenate([d[k] for d in imu]) for k in ("time", "accel_g", "gyro_deg_s")}
            if imu
            else None
        )

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        """Times and values with one row per sample number from first to last (NaN rows where lost)."""
        slots = self.seq - self.seq[0]
        n = int(slots[-1]) + 1
        if n == self.seq.shape[0]:
            return self.time, self.values
        values = np.full((n, self.values.shape[1]), np.nan, dtype=np.float32)
        values[slots] = self.values
        time = np.interp(np.arange(n, dtype=np.float64), slots.astype(np.float64), self.time)
        return time, values

    def full_saturated(self) -> np.ndarray | None:
        """Saturation flags with one row per sample number (False where lost), or None."""
        if self.saturated is None:
            return None
        slots = self.seq - self.seq[0]
        out = np.zeros((int(slots[-1]) + 1, self.saturated.shape[1]), dtype=bool)
        out[slots] = self.saturated
        return out


def collect(chunks: Iterable[Chunk]) -> dict[str, SideArrays]:
    """Group chunks by side and concatenate them."""
    by_side: dict[str, list[Chunk]] = {}
    for c in chunks:
        if c.n:
            by_side.setdefault(c.side, []).append(c)
    return {side: SideArrays(cs) for side, cs in by_side.items()}


def recording_from_chunks(
    chunks: Iterable[Chunk],
    *,
    layout: SensorLayout | str,
    t0_s: float = 0.0,
    body_mass_kg: float | None = None,
    rate_hz: float | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Recording:
    """Build a Recording from the chunks of one device or a pair.

    Parameters
    ----------
    chunks : iterable of Chunk
        Chunks of one or two sides (``"unknown"`` counts as left).
    layout : SensorLayout or str
        Layout of the left insole.
    t0_s : float
        Host time subtracted from all times (s), so the recording starts near 0.
    body_mass_kg : float, optional
        Subject mass in kg.
    rate_hz : float, optional
        Nominal rate in Hz (default: estimated). When the frame times say a rate more than
        :data:`RATE_SAID_TOLERANCE` off it, the recording's rate is the measured one
        (:func:`measured_rate_hz`) and ``metadata["configured_rate_hz"]`` keeps this one.
    metadata : dict, optional
        Extra metadata.
    events : list of dict, optional
        Events (``time_s`` already on the recording's axis, ``label``, ``source``), e.g. tares.

    Raises
    ------
    FileFormatError
        No samples, or sides in different units.
    UncalibratedError
        Values in raw counts (or mV): a Recording holds N or kPa (hint: a calibration).
    """
    from sensorkit.calibrate.live import require_physical_units

    sides = collect(chunks)
    if "unknown" in sides and "left" not in sides:
        sides["left"] = sides.pop("unknown")
    if not sides:
        raise FileFormatError("no pressure samples were received")
    units = next(iter(sides.values())).units
    require_physical_units(units, "a Recording")
    if any(a.units != units for a in sides.values()):
        raise FileFormatError(
            f"the insoles report different units ({', '.join(f'{s}: {a.units}' for s, a in sides.items())})"
        )
    md = dict(metadata or {})
    gaps = []
    saturated: dict[str, np.ndarray] = {}
    if len(sides) == 1:
        side, arr = next(iter(sides.items()))
        time, values = arr.full()
        left = values if side == "left" else None
        right = values if side == "right" else None
        # a stream of no known side is the left insole: its gaps too (a CSV board without
        # ?side= wrote a capture whose gaps said "unknown", which no reader could open)
        gaps = [
            {**g, "side": side} if g.get("side") not in ("left", "right", "both") else g for g in arr.gaps
        ]
        if arr.saturated is not None:
            saturated[side] = arr.full_saturated()
    else:
        tl, left = sides["left"].full()
        tr, vr = sides["right"].full()
        time, left, right, slips, placed = _align(tl, left, tr, vr, 1.0 / rate_hz if rate_hz else None)
        md["clock_slips"] = slips
        if slips:
            _warn_slips(slips, tl, tr)
        gaps = _snap(sides["left"].gaps + sides["right"].gaps, time)
        for side, arr in sides.items():
            flags = arr.full_saturated()
            if flags is None:
                continue
            out = np.zeros((time.shape[0], flags.shape[1]), dtype=bool)
            if side == "left":
                out[placed[0] : placed[0] + flags.shape[0]] = flags
            else:
                out[placed[1]] = flags[placed[2]]
            saturated[side] = out
    if saturated:
        md["saturated"] = saturated
    imu, fields = _extra_tables(sides, t0_s, units_of=(metadata or {}).get("extra_units", {}))
    if imu:
        md["imu"] = imu
    if fields:
        md["device_fields"] = fields
    # per side, with the stream (device) it came from: a two-foot device's sides share one link
    md["link_stats"] = {s: {**a.stats.as_dict(), "stream": a.stream} for s, a in sides.items()}
    md["host_t0_s"] = t0_s
    measured = measured_rate_hz(time)
    if rate_hz and measured is not None and abs(measured / rate_hz - 1.0) > RATE_SAID_TOLERANCE:
        md["configured_rate_hz"] = float(rate_hz)  # what the URL or the device said
        rate_hz = measured
    shifted = [{**g, "start_s": g["start_s"] - t0_s, "end_s": g["end_s"] - t0_s} for g in gaps]
    return Recording.from_arrays(
        time - t0_s, left, right, layout=layout, units=units, body_mass_kg=body_mass_kg,
        metadata=md, gaps=shifted, rate_hz=rate_hz, events=events,
    )  # fmt: skip


#: Units of the IMU quantities a device profile or the protocol delivers (column suffixes).
IMU_UNITS = {"accel": "g", "gyro": "deg_s", "quat": "1"}
_AXES = ("x", "y", "z", "w")


def _extra_tables(sides: dict[str, SideArrays], t0_s: float, units_of: dict) -> tuple[dict, dict]:
    """Per side: IMU samples and other device fields as DataFrames on the recording's time axis.

    ``metadata["imu"][side]``: ``time_s`` then ``accel_x_g, accel_y_g, accel_z_g``,
    ``gyro_x_deg_s, ...``, ``quat_w_1, ...`` (the unit after the last underscore), one
    row per received IMU sample: for the sensorkit protocol's IMU packets at their own
    device times mapped onto the host clock; for a profile's IMU fields at the time of the
    pressure sample they came with.
    ``metadata["device_fields"][side]``: ``time_s`` then each extra field a profile keeps
    (``total_force_n``, ``cop_0``, ``cop_1``, ...), as the device sent it.
    """
    import pandas as pd

    imu: dict[str, pd.DataFrame] = {}
    fields: dict[str, pd.DataFrame] = {}
    for side, arr in sides.items():
        if arr.imu is not None:  # IMU packets of the sensorkit protocol: their own times
            cols = {"time_s": arr.imu["time"] - t0_s}
            for kind, unit, key in (("accel", "g", "accel_g"), ("gyro", "deg_s", "gyro_deg_s")):
                for j, axis in enumerate("xyz"):
                    cols[f"{kind}_{axis}_{unit}"] = arr.imu[key][:, j]
            imu[side] = pd.DataFrame(cols)
        if not arr.extra:
            continue
        t = arr.time - t0_s
        imu_cols: dict[str, np.ndarray] = {"time_s": t}
        other: dict[str, np.ndarray] = {"time_s": t}
        for name, values in arr.extra.items():
            if name.startswith("imu_"):
                kind = name[4:]
                unit = str(units_of.get(kind, IMU_UNITS.get(kind, "1"))).replace("/", "_")
                axes = ("w", "x", "y", "z") if kind == "quat" and values.shape[1] == 4 else _AXES
                for j in range(values.shape[1]):
                    imu_cols[f"{kind}_{axes[j] if j < len(axes) else j}_{unit}"] = values[:, j]
            elif values.shape[1] == 1:
                other[name] = values[:, 0]
            else:
                for j in range(values.shape[1]):
                    other[f"{name}_{j}"] = values[:, j]
        if len(imu_cols) > 1:
            imu[side] = pd.DataFrame(imu_cols)
        if len(other) > 1:
            fields[side] = pd.DataFrame(other)
    return imu, fields


def _warn_slips(slips: int, tl: np.ndarray, tr: np.ndarray) -> None:
    """Say that right samples were dropped because the pair's rates differ, and by how much."""
    from sensorkit.errors import ClockSlipWarning

    rates = [
        (t.shape[0] - 1) / float(t[-1] - t[0]) if t.shape[0] > 1 and t[-1] > t[0] else np.nan
        for t in (tl, tr)
    ]
    diff = 100.0 * (rates[1] / rates[0] - 1.0) if np.all(np.isfinite(rates)) else np.nan
    warnings.warn(
        f"{slips} right sample(s) dropped: the pair shares the left insole's time axis, and the right "
        f"insole ran at {rates[1]:.4g} Hz against the left's {rates[0]:.4g} Hz ({diff:+.2f} %), so some of "
        "its samples fell on frames already taken (and a slower side leaves frames empty: dropout gaps); "
        "boards without a shared clock drift apart",
        ClockSlipWarning,
        stacklevel=user_stacklevel(),
    )


def _align(tl: np.ndarray, vl: np.ndarray, tr: np.ndarray, vr: np.ndarray, nominal_s: float | None = None):
    """Put the right side on the left side's time axis, extended to cover both.

    The frame period is the left side's mean spacing; with one left sample, the right
    side's, and with one sample on each, ``nominal_s`` (the rate in the header) or 10 ms.
    Also returns where the samples went: the left side's first frame, and the frames and
    mask of the right samples that were placed.
    """
    period = 0.0
    for t in (tl, tr):
        if t.shape[0] > 1 and t[-1] > t[0]:
            period = float(t[-1] - t[0]) / (t.shape[0] - 1)
            break
    if not period > 0:
        period = nominal_s if nominal_s and nominal_s > 0 else _DEFAULT_PERIOD_S
    before = max(int(np.ceil((tl[0] - tr[0]) / period - 0.5)), 0)
    after = max(int(np.ceil((tr[-1] - tl[-1]) / period - 0.5)), 0)
    time = np.concatenate(
        [tl[0] - period * np.arange(before, 0, -1), tl, tl[-1] + period * np.arange(1, after + 1)]
    )
    s = vl.shape[1]
    left = np.full((time.shape[0], s), np.nan, dtype=np.float32)
    left[before : before + tl.shape[0]] = vl
    idx = np.searchsorted(time, tr)
    idx = np.clip(idx, 1, time.shape[0] - 1)
    idx = np.where(np.abs(time[idx - 1] - tr) <= np.abs(time[idx] - tr), idx - 1, idx)
    right = np.full((time.shape[0], s), np.nan, dtype=np.float32)
    first = np.ones(idx.shape[0], dtype=bool)
    first[1:] = idx[1:] != idx[:-1]
    right[idx[first]] = vr[first]
    return time, left, right, int((~first).sum()), (before, idx[first], first)


def _snap(gaps: list[dict], time: np.ndarray) -> list[dict]:
    """Move gap ends onto the frames of the common time axis (the frames around the NaN run)."""
    out = []
    for g in gaps:
        i, j = (int(np.abs(time - g[k]).argmin()) for k in ("start_s", "end_s"))
        if j > i:
            out.append({**g, "start_s": float(time[i]), "end_s": float(time[j])})
    return out


def recording_from_capture(
    path: str | Path,
    *,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
    calibration: Any = None,
) -> Recording:
    """Replay a capture at full speed through the device pipeline and build its Recording.

    See :func:`sensorkit.io.capture.read_capture`.
    """
    from sensorkit.calibrate.live import UncalibratedError
    from sensorkit.devices.capture import CaptureCutWarning
    from sensorkit.devices.session import open_session

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureCutWarning)
        try:
            session = open_session([f"replay://{Path(path)}?speed=0"], calibration=calibration)
            chunks: list[Chunk] = []
            try:
                for chunk in session:
                    chunks.append(chunk)
            finally:
                session.close()
        except DeviceError as exc:  # the replayed device failed: the file's fault (no DEVICE_INFO left)
            raise FileFormatError(f"replaying failed: {exc}", path=str(path), hint=exc.hint) from None
    damage: dict[str, type] = {}  # message -> category, once each (both sides of a pair read the file)
    for w in caught:  # said again at the caller's line (sk.read's or read_capture's caller)
        if issubclass(w.category, CaptureCutWarning):
            damage.setdefault(str(w.message), w.category)
        else:
            warnings.warn(w.message, w.category, stacklevel=user_stacklevel())
    for message, category in damage.items():
        warnings.warn(message, category, stacklevel=user_stacklevel())
    reader = session.reader  # type: ignore[attr-defined]
    header = reader.header
    streams = header.get("streams", [])
    if layout is None:
        names = [(s.get("info") or {}).get("layout") for s in streams]
        spec = next((s.get("layout") for s in streams if s.get("layout")), None)
        if spec is not None:
            layout = SensorLayout.from_dict(spec)
        elif any(names):
            layout = load_layout(next(n for n in names if n))
        else:
            raise FileFormatError("the capture names no layout", path=str(path), hint="pass layout=NAME")
    subject = header.get("subject") or {}
    mass = body_mass_kg if body_mass_kg is not None else subject.get("body_mass_kg")
    rate = next(((s.get("info") or {}).get("sample_rate_hz") for s in streams if s.get("info")), None)
    extra_units = {}
    for meta in streams:
        prof = meta.get("profile") if isinstance(meta.get("profile"), dict) else None
        imu_table = ((prof or {}).get("fields") or {}).get("imu") or {}
        for kind in ("accel", "gyro"):
            if isinstance(imu_table.get(f"{kind}_unit"), str):
                extra_units[kind] = imu_table[f"{kind}_unit"]
    md = {
        "extra_units": extra_units,
        "source": "sensorkit.capture",
        "format": "capture",  # (the format table's name: sensorkit.io.formats)
        "path": str(path),
        "devices": [s.get("info") for s in streams],
        "subject": subject,
        "calibration": None if session.calibration is None else session.calibration.to_dict(),
        "calibration_source": session.calibration_source,
        "calibration_applied": session.calibrated,
        "created_utc": header.get("created_utc"),
        "capture_cut": None if reader.cut is None else reader.cut.__dict__,
        "capture_damaged": [d.__dict__ for d in reader.damaged],
        "capture_end": None if reader.end is None else reader.end.__dict__,
        "capture_unfinished": None if reader.unfinished is None else reader.unfinished.__dict__,
    }
    t0 = float(header.get("host_t0_s", 0.0))
    events = [
        {"time_s": t - t0, "label": label, "source": source or f"device:{dev.side}"}
        for dev in session.devices
        for t, label, source in getattr(dev.transport, "user_events", ())
    ]
    try:
        return recording_from_chunks(
            chunks, layout=layout, t0_s=t0, body_mass_kg=mass, rate_hz=rate, metadata=md, events=events,
        )  # fmt: skip
    except UncalibratedError as exc:
        if exc.hint is None:  # not counts (mV): nothing to calibrate with
            raise UncalibratedError(f"{path}: {exc}") from None
        raise UncalibratedError(
            f"{path}: the capture holds raw ADC counts and its header has no calibration, so it "
            "cannot become a Recording in N",
            hint="read it with a calibration (from sensorkit calibrate): add --calibration cal.json to "
            "the command (sensorkit analyze, report, convert, compare, recommend or replay FILE "
            "--calibration cal.json), or read_capture(path, calibration='cal.json') in Python; "
            "record with --calibration cal.json to store one in the header",
        ) from None
    except FileFormatError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None
    except ValueError as exc:
        raise FileFormatError(str(exc), path=str(path)) from None
