"""What the live dashboard shows, updated from chunks: pure bookkeeping, no terminal.

:class:`DashboardState` takes the chunks a device session yields (or any object with
``side``, ``time``, ``values``, ``units``, ``gaps`` and optionally ``stats``), keeps the
latest frame of each insole, a short COP trail, the last steps from a streaming analyser,
and the link counters, and derives cadence and running asymmetry from the recent steps.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensorkit.analysis.params import G_M_S2
from sensorkit.analysis.streaming import StreamingAnalyzer
from sensorkit.devices.info import insole_sides
from sensorkit.kernels import cop_frames, symmetry_index
from sensorkit.layout import SensorLayout, load_layout

__all__ = ["DashboardState", "SideState", "symmetry_index_pct"]

TRAIL_S = 1.5  # COP trail length shown (s)
HISTORY_S = 4.0  # total-force history kept for the sparkline (s)
RECENT_STEPS = 12  # steps per side kept for the table, cadence and asymmetry
CADENCE_WINDOW_S = 10.0  # cadence from the contacts of the last 10 s
HOLD_S = 0.4  # the map holds each sensor's peak with this time constant (s), readable at a few redraws/s
SCALE_HOLD_S = 10.0  # the colour scale follows the largest sensor value with this time constant (s)
CONTACT_FALLBACK_N = 20.0  # COP shown above this force when the mass is unknown (docs/methods.md)


def symmetry_index_pct(left: float, right: float) -> float:
    """Robinson symmetry index (L - R) / (0.5 (L + R)) x 100 %; NaN when undefined.

    Examples
    --------
    >>> round(symmetry_index_pct(110.0, 90.0), 1)
    20.0
    """
    # the analysis kernel, so the live view follows the same rule (NaN across zero)
    return float(symmetry_index(np.array([left], np.float64), np.array([right], np.float64))[0])


@dataclass
class SideState:
    """Live state of one insole."""

    layout: SensorLayout
    values: np.ndarray | None = None  # latest frame, sensor units
    force_n: float = math.nan  # latest total force (N)
    cop_mm: tuple[float, float] | None = None  # latest anatomical COP (x medial+, y), None below threshold
    trail: deque = field(default_factory=lambda: deque(maxlen=512))  # (t, x, y)
    history: deque = field(default_factory=lambda: deque(maxlen=4096))  # (t, force_n)
    steps: deque = field(default_factory=lambda: deque(maxlen=RECENT_STEPS))
    last_time: float = math.nan
    samples: int = 0
    gaps: int = 0
    missing: int = 0
    packets: int = 0
    loss_pct: float = 0.0
    errors: int = 0
    battery_pct: float | None = None
    peak_scale: float = 1.0  # decaying maximum of the sensor values, for the map colours
    held: np.ndarray | None = None  # per-sensor peak-hold (decays with HOLD_S), what the map shows


class DashboardState:
    """Live numbers for the dashboard, fed chunk by chunk.

    Parameters
    ----------
    layouts : dict
        ``{side: SensorLayout}`` of the insoles shown.
    rate_hz : float
        Nominal sampling rate (Hz) for the streaming analyser.
    body_mass_kg : float, optional
        Body mass for BW units and the 5 % BW contact threshold.
    units : str
        Units of the values ("N", or "kPa" with sensor areas); steps are analysed in N.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=3, seed=1)
    >>> st = DashboardState.for_recording(rec)
    >>> st.feed_recording(rec, chunk_frames=10)
    >>> st.sides["left"].samples
    300
    """

    def __init__(
        self,
        layouts: dict[str, SensorLayout],
        rate_hz: float,
        body_mass_kg: float | None = None,
        units: str = "N",
        *,
        analyse: bool = True,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.body_mass_kg = body_mass_kg
        self.units = units
        self.sides: dict[str, SideState] = {s: SideState(lay.for_side(s)) for s, lay in layouts.items()}
        self.analysers: dict[str, StreamingAnalyzer] = {}
        if analyse and (units == "N" or all(lay.has_areas for lay in layouts.values())):
            for side, lay in layouts.items():
                self.analysers[side] = StreamingAnalyzer(
                    lay.for_side("left"), self.rate_hz, body_mass_kg=body_mass_kg, sides=(side,)
                )
        weight = body_mass_kg * G_M_S2 if body_mass_kg else None
        self.contact_n = 0.05 * weight if weight else CONTACT_FALLBACK_N
        self.t0: float | None = None
        self.now: float = math.nan
        self.recording: str | None = None
        self.message: str = ""
        self.n_chunks = 0

    # -- construction helpers -------------------------------------------------------------
    @classmethod
    def for_recording(cls, rec: Any, **kwargs: Any) -> DashboardState:
        """A state for replaying a :class:`~sensorkit.recording.Recording`."""
        layouts = {s: rec.layout_for(s) for s in rec.sides}
        return cls(layouts, rec.rate_hz, rec.body_mass_kg, rec.units, **kwargs)

    @classmethod
    def for_session(cls, session: Any, body_mass_kg: float | None = None, **kwargs: Any) -> DashboardState:
        """A state for the devices of an open session (layouts from their info, one per insole:
        a two-foot device such as Moticon OpenGo is two), in the session's units."""
        layouts, rate, units = {}, 100.0, "N"
        for dev in session.devices:
            info = dev.info
            layout = load_layout(info.layout or "ref16")
            for side in insole_sides(dev.side):
                layouts[side if side in ("left", "right") else "left"] = layout
            rate, units = float(info.sample_rate_hz), str(info.units)
        # the session's units are after calibration (a raw-count insole with a calibration gives N)
        return cls(layouts, rate, body_mass_kg, str(getattr(session, "units", units)), **kwargs)

    def feed_recording(self, rec: Any, chunk_frames: int = 10, stop_s: float | None = None) -> None:
        """Feed a recording in chunks of ``chunk_frames`` frames, up to ``stop_s`` (s from its start)."""
        n = rec.n_frames if stop_s is None else int(np.searchsorted(rec.time, rec.time[0] + stop_s))
        for lo in range(0, n, chunk_frames):
            hi = min(lo + chunk_frames, n)
            for side in rec.sides:
                values = rec.values(side)[lo:hi]
                ok = ~np.isnan(values).any(axis=1)
                if ok.any():
                    self.add_frames(side, rec.time[lo:hi][ok], values[ok])

    # -- updates --------------------------------------------------------------------------
    @property
    def force_scale(self) -> tuple[float, str]:
        """Factor from N to the display unit, and the unit."""
        if self.body_mass_kg:
            return 1.0 / (self.body_mass_kg * G_M_S2), "BW"
        return 1.0, "N"

    def add(self, chunk: Any) -> list[dict]:
        """Account for one device chunk (:class:`sensorkit.devices.Chunk`); returns the steps it completed."""
        side = chunk.side if chunk.side in self.sides else next(iter(self.sides))
        st = self.sides[side]
        for g in getattr(chunk, "gaps", ()) or ():
            st.gaps += 1
            st.missing += int(g.get("n_missing", 0))
        stats = getattr(chunk, "stats", None)
        if stats is not None:
            st.packets = int(stats.packets_ok)
            st.loss_pct = 100.0 * float(stats.loss_fraction)
            st.errors = int(stats.errors)
            st.gaps = int(stats.gaps)
            st.missing = int(stats.missing_samples)
        if chunk.time.shape[0]:
            return self.add_frames(side, chunk.time, chunk.values)
        return []

    def set_battery(self, side: str, battery_pct: float | None) -> None:
        """Battery charge of one insole in %, None when unknown."""
        if side in self.sides:
            self.sides[side].battery_pct = battery_pct

    def add_frames(self, side: str, time_s: np.ndarray, values: np.ndarray) -> list[dict]:
        """Account for consecutive frames of one side; returns the steps they completed."""
        st = self.sides[side]
        lay = st.layout
        values = np.asarray(values, dtype=np.float32)
        forces = (
            values if self.units != "kPa" or not lay.has_areas else values * lay.pressure_to_force_factor()
        )
        total = forces.sum(axis=1, dtype=np.float64)
        if self.t0 is None:
            self.t0 = float(time_s[0])
        self.now = max(self.now, float(time_s[-1])) if math.isfinite(self.now) else float(time_s[-1])
        self.n_chunks += 1
        st.samples += int(time_s.shape[0])
        st.values = values[-1].copy()
        st.force_n = float(total[-1])
        dt = float(time_s[-1] - st.last_time) if st.held is not None and math.isfinite(st.last_time) else 0.0
        # NaN (a sample the device sent without a value) is left out; fmax.reduce does so silently
        chunk_max = np.fmax.reduce(values, axis=0)
        decay = math.exp(-max(dt, 0.0) / HOLD_S)
        st.held = chunk_max.copy() if st.held is None else np.fmax(st.held * decay, chunk_max)
        scale_decay = math.exp(-max(dt, 0.0) / SCALE_HOLD_S)
        top = float(np.fmax.reduce(chunk_max))
        st.peak_scale = max(st.peak_scale * scale_decay, top if math.isfinite(top) else 0.0, 1e-6)
        st.last_time = float(time_s[-1])
        for t, f in zip(
            time_s[:: max(1, len(time_s) // 8)], total[:: max(1, len(time_s) // 8)], strict=False
        ):
            st.history.append((float(t), float(f)))
        steps: list[dict] = []
        cop = None
        analyser = self.analysers.get(side)
        if analyser is not None:
            try:
                update = analyser.feed(time_s, **{side: forces})
                steps, cop = update.steps, update.cop.get(side)
            except ValueError as exc:  # e.g. a clock step backwards after a reconnect
                self.message = f"{side}: analysis restarted ({exc})"
                self.analysers[side] = StreamingAnalyzer(
                    lay.for_side("left"), self.rate_hz, body_mass_kg=self.body_mass_kg, sides=(side,)
                )
            st.steps.extend(steps)
        if cop is None:  # no analyser (raw counts shown as they are): the same COP kernel, no baseline
            cop = cop_frames(
                np.asarray(forces, dtype=np.float32),  # any memory order (kernels.row_tiles)
                lay.x_mm.astype(np.float32),
                lay.y_mm.astype(np.float32),
                np.zeros(lay.n_sensors, np.float32),
                float(self.contact_n),
            )
        # the COP sk.analyze computes: baseline removed, NaN below the analysis' contact threshold
        x, y = np.asarray(cop[0], np.float64), np.asarray(cop[1], np.float64)
        loaded = np.isfinite(x) & np.isfinite(y)
        for t, xi, yi in zip(time_s[loaded], x[loaded], y[loaded], strict=True):
            st.trail.append((float(t), float(xi), float(yi)))
        st.cop_mm = (float(x[-1]), float(y[-1])) if loaded[-1] else None
        while st.trail and st.trail[0][0] < st.last_time - TRAIL_S:
            st.trail.popleft()
        while st.history and st.history[0][0] < st.last_time - HISTORY_S:
            st.history.popleft()
        return steps

    # -- derived numbers ------------------------------------------------------------------
    def recent_steps(self) -> list[dict]:
        """Last steps of both sides, oldest first (a stance the analysis leaves out, such as
        standing, is no step: not in the table, not in the cadence)."""
        steps = [s for st in self.sides.values() for s in st.steps if s.get("valid", True)]
        return sorted(steps, key=lambda s: s["t_contact_s"])

    @property
    def cadence_spm(self) -> float:
        """Steps per minute (both feet) from the contacts of the last 10 s; NaN with < 3 steps."""
        steps = self.recent_steps()
        if not steps:
            return math.nan
        t_last = steps[-1]["t_contact_s"]
        times = [s["t_contact_s"] for s in steps if s["t_contact_s"] >= t_last - CADENCE_WINDOW_S]
        if len(times) < 3 or times[-1] <= times[0]:
            return math.nan
        return 60.0 * (len(times) - 1) / (times[-1] - times[0])

    def side_mean(self, side: str, key: str) -> float:
        """Mean of ``key`` over the recent valid steps of ``side``; NaN when none."""
        st = self.sides.get(side)
        if st is None:
            return math.nan
        vals = [
            float(s[key])
            for s in st.steps
            if key in s
            and s.get("valid", True)
            and (not key.startswith(("valr_", "vilr_")) or s.get("valr_reliable", True))
        ]
        vals = [v for v in vals if math.isfinite(v)]
        return float(np.mean(vals)) if vals else math.nan

    def asymmetry_pct(self, key: str) -> float:
        """Running symmetry index (%, + = left larger) of ``key`` over the recent steps."""
        return symmetry_index_pct(self.side_mean("left", key), self.side_mean("right", key))

    @property
    def elapsed_s(self) -> float:
        """Seconds of data since the first frame."""
        return 0.0 if self.t0 is None or not math.isfinite(self.now) else self.now - self.t0
