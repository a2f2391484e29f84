"""Incremental (live) analysis: feed frames chunk by chunk, get each step as soon as toe-off
is confirmed, plus live COP.

The streaming analyser runs the same kernels as :func:`sensorkit.analyze` with the same
per-side context (thresholds, baseline, parameters). Event detection runs on the event
low-pass, which needs ``event_half_width`` frames after each frame, so events are found that
many frames late; each side keeps only the frames of the stance under way, so the work per
chunk is proportional to the chunk, not to the history (a foot that stays down keeps its
whole stance buffered until toe-off).

What is exact and what is provisional (docs/methods.md "Streaming"):

* Per-stance values (events, forces, loading, COP) equal batch analysis given the same
  baseline and threshold (``StreamingAnalyzer.from_analysis``, or values from a previous
  session); a live stream cannot estimate them from a whole session it has not seen.
* Session-level decisions (the low-peak rule against the typical stance, bouts, activity,
  steady state, the trial's loading-rate method, temporal parameters across both feet) are
  provisional while live: each emitted step has ``provisional=True`` and is decided from the
  recent stances. :meth:`StreamingAnalyzer.finish` ends the stream and returns the final
  steps table, equal to batch analysis of the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sensorkit import kernels as K
from sensorkit.analysis.context import SideContext, make_context
from sensorkit.analysis.params import G_M_S2, AnalysisParams
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.selection import finalize_steps
from sensorkit.analysis.stances import hole_markers, measure_stances
from sensorkit.analysis.summary import summarize
from sensorkit.layout import SIDES, SensorLayout
from sensorkit.recording import validate_body_mass_kg

__all__ = ["StreamUpdate", "StreamingAnalyzer"]

_INITIAL_CAPACITY = 4096
_MODE, _CAND, _CONTACT = 0, 1, 2  # indices into the event state (see kernels.events)
_RECENT_STANCES = 64  # stances used for the provisional session-level decisions
_BUFFERS = ("t", "v", "x", "y", "f", "mb")  # per-frame arrays of a side


@dataclass
class StreamUpdate:
    """What one :meth:`StreamingAnalyzer.feed` call produced.

    Attributes
    ----------
    time_s : ndarray (k,)
        Times of the chunk's frames.
    cop : dict
        ``{side: (x_mm, y_mm, force_n)}`` per frame of the chunk (float32; COP NaN below
        the contact threshold).
    steps : list of dict
        Stances whose toe-off was confirmed in this chunk, one dict per stance with the
        columns of :attr:`Analysis.steps` and ``provisional=True``.
    """

    time_s: np.ndarray
    cop: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)


class _SideStream:
    """Buffers and state of one insole."""

    def __init__(self, ctx: SideContext, n_sensors: int) -> None:
        self.ctx = ctx
        self.state = K.new_event_state()
        self.base = 0  # global index of buffer row 0
        self.length = 0  # rows in use
        self.seg_done = 0  # global index of the next frame whose event force is not final yet
        cap = _INITIAL_CAPACITY
        self.t = np.empty(cap, np.float64)
        self.v = np.empty((cap, n_sensors), np.float32)
        self.x = np.empty(cap, np.float32)
        self.y = np.empty(cap, np.float32)
        self.f = np.empty(cap, np.float32)
        self.mb = np.empty(cap, np.int64)
        self.last_time_s = np.nan
        self.parts: list[dict[str, np.ndarray]] = []

    def _make_room(self, k: int) -> None:
        if self.length + k <= self.t.shape[0]:
            return
        drop = self._keep_from() - self.base
        if drop > 0:
            n = self.length - drop
            for name in _BUFFERS:
                arr = getattr(self, name)
                arr[:n] = arr[drop : self.length]
            self.base += drop
            self.length = n
        if self.length + k > self.t.shape[0]:
            cap = max(2 * self.t.shape[0], self.length + k)
            for name in _BUFFERS:
                arr = getattr(self, name)
                new = np.empty((cap, *arr.shape[1:]), arr.dtype)
                new[: self.length] = arr[: self.length]
                setattr(self, name, new)

    def _keep_from(self) -> int:
        """Earliest global frame still needed: the event low-pass window of the next event
        frame, and the frame before the contact of the stance (or candidate) under way."""
        h = self.ctx.event_half_width
        first = self.seg_done - h
        # a contact may be re-timed up to h frames earlier, and needs the frame before it
        if self.state[_MODE] == 1:
            first = min(first, self.state[_CONTACT] - 1 - h)
        elif self.state[_CAND] >= 0:
            first = min(first, self.state[_CAND] - 1 - h)
        return int(max(self.base, first))

    def feed(self, time_s: np.ndarray, values: np.ndarray, final: bool = False) -> tuple[tuple, list[dict]]:
        ctx = self.ctx
        k = time_s.shape[0]
        x, y, f = K.cop_frames(values, ctx.x_mm, ctx.y_mm, ctx.baseline_n, ctx.on_threshold_n)
        self._make_room(k)
        lo, hi = self.length, self.length + k
        self.t[lo:hi] = time_s
        self.v[lo:hi] = values
        self.x[lo:hi] = x
        self.y[lo:hi] = y
        self.f[lo:hi] = f
        if k:
            self.mb[lo:hi] = hole_markers(time_s, self.last_time_s, ctx.rate_hz, ctx.max_dt_s)
            self.last_time_s = float(time_s[-1])
        self.length = hi
        return (x, y, f), self._detect(final)

    def _detect(self, final: bool) -> list[dict]:
        """Run the state machine over the frames whose event force became final."""
        ctx = self.ctx
        h = ctx.event_half_width
        end = self.base + self.length  # global index after the last frame
        ready = end if final else end - h
        if ready <= self.seg_done and not final:
            return []
        empty = np.zeros(0, dtype=np.int64)
        starts, stops, flags, holes = empty, empty, empty, empty
        if ready > self.seg_done:
            # the event force of frames [seg_done, ready) from their full windows
            w_lo = max(self.base, self.seg_done - h)
            w_hi = min(end, ready + h)
            seg = K.moving_average(self.f[w_lo - self.base : w_hi - self.base], h)
            seg = seg[self.seg_done - w_lo : ready - w_lo]
            mb = self.mb[self.seg_done - self.base : ready - self.base]
            starts, stops, flags, holes = K.detect_contacts(
                np.ascontiguousarray(seg),
                np.ascontiguousarray(mb),
                self.seg_done,
                ctx.on_threshold_n,
                ctx.off_threshold_n,
                ctx.min_on_frames,
                ctx.min_off_frames,
                ctx.max_bridge_frames,
                self.state,
            )
        self.seg_done = max(self.seg_done, ready)
        if final:
            tail = K.open_stance(self.state, end - 1)
            if tail[0].size:
                starts, stops, flags, holes = (
                    np.concatenate(pair) for pair in zip((starts, stops, flags, holes), tail, strict=True)
                )
        if not starts.size:
            return []
        if ctx.refine_events:
            rs, re_ = K.refine_events(
                self.f[: self.length], starts - self.base, stops - self.base, ctx.on_threshold_n, h
            )
            starts, stops = rs + self.base, re_ + self.base
        n = self.length
        local = measure_stances(
            ctx,
            self.v[:n],
            self.t[:n],
            self.mb[:n],
            self.x[:n],
            self.y[:n],
            self.f[:n],
            starts - self.base,
            stops - self.base,
            flags,
        )
        local["side"] = np.full(starts.shape[0], ctx.side, dtype=object)
        local["long_holes"] = holes
        self.parts.append(local)
        return [local]


class StreamingAnalyzer:
    """Incremental gait analysis of one or two insoles.

    Parameters
    ----------
    layout : SensorLayout
        Layout of the left insole (the right one is its mirror unless ``layout_right``).
    rate_hz : float
        Nominal sampling rate in Hz (sets the minimum durations in frames and the time-jump
        rule, as ``recording.rate_hz`` does in batch).
    body_mass_kg : float, optional
        Body mass; fills the BW columns (never changes events).
    params : AnalysisParams, optional
        Or individual parameters as keyword arguments.
    baseline_n : dict, optional
        ``{"left": (S,), "right": (S,)}`` per-sensor offsets in N; zeros by default.
    threshold_n : dict, optional
        ``{"left": N, "right": N}`` contact thresholds (e.g. ``Analysis.thresholds_n`` of a
        previous session); ``params.threshold_floor_n`` by default.
    noise_sd_n : dict, optional
        ``{"left": N, "right": N}`` noise SD of the unfiltered total force; with it, events are
        re-timed on the unfiltered force when the noise allows (as in batch).
    off_threshold_n : dict, optional
        ``{"left": N, "right": N}`` toe-off thresholds (``Analysis.thresholds_n[side]["off"]``).
    layout_right : SensorLayout, optional
    sides : tuple of str
        Sides that will be fed.

    Examples
    --------
    >>> sa = StreamingAnalyzer(rec.layout, rec.rate_hz, body_mass_kg=70)  # doctest: +SKIP
    >>> for t, left, right in chunks:                                        # doctest: +SKIP
    ...     update = sa.feed(t, left, right)
    ...     for step in update.steps:
    ...         print(step["side"], step["contact_time_s"])
    """

    def __init__(
        self,
        layout: SensorLayout,
        rate_hz: float,
        body_mass_kg: float | None = None,
        params: AnalysisParams | None = None,
        baseline_n: dict[str, np.ndarray] | None = None,
        layout_right: SensorLayout | None = None,
        sides: tuple[str, ...] = SIDES,
        threshold_n: dict[str, float] | None = None,
        noise_sd_n: dict[str, float] | None = None,
        off_threshold_n: dict[str, float] | None = None,
        **kwargs,
    ) -> None:
        if params is None:
            params = AnalysisParams.from_kwargs(**kwargs)
        elif kwargs:
            params = params.replace(**kwargs)
        if not (rate_hz and rate_hz > 0):
            raise ValueError(f"rate_hz must be a positive number of Hz, got {rate_hz!r}")
        self.params = params
        self.rate_hz = float(rate_hz)
        self.body_mass_kg = None if body_mass_kg is None else validate_body_mass_kg(body_mass_kg)
        weight_n = self.body_mass_kg * G_M_S2 if self.body_mass_kg is not None else None
        layouts = {
            "left": layout.for_side("left"),
            "right": (layout_right or layout.mirror()).for_side("right"),
        }
        baseline_n = baseline_n or {}
        threshold_n = threshold_n or {}
        noise_sd_n = noise_sd_n or {}
        off_threshold_n = off_threshold_n or {}
        self._weight_n = weight_n
        self._finished = False
        self._sides: dict[str, _SideStream] = {}
        for side in sides:
            ctx = make_context(
                layouts[side],
                side,
                params=params,
                rate_hz=self.rate_hz,
                weight_n=weight_n,
                baseline_n=baseline_n.get(side),
                threshold_n=threshold_n.get(side),
                noise_sd_n=noise_sd_n.get(side),
                off_threshold_n=off_threshold_n.get(side),
            )
            self._sides[side] = _SideStream(ctx, layouts[side].n_sensors)
        self._last_time = -np.inf

    @classmethod
    def from_analysis(
        cls, analysis: Analysis, layout: SensorLayout, rate_hz: float, **kwargs
    ) -> StreamingAnalyzer:
        """A streaming analyser with the parameters, body mass, baselines and thresholds of a
        batch result (so that its per-stance values equal that result's)."""
        return cls(
            layout,
            rate_hz,
            body_mass_kg=analysis.body_mass_kg,
            params=analysis.params,
            baseline_n=analysis.baseline_n,
            threshold_n={s: d["on"] for s, d in analysis.thresholds_n.items()},
            noise_sd_n={s: d.get("noise_sd") for s, d in analysis.thresholds_n.items()},
            off_threshold_n={s: d["off"] for s, d in analysis.thresholds_n.items()},
            sides=tuple(analysis.baseline_n),
            **kwargs,
        )

    def feed(
        self, time: np.ndarray, left: np.ndarray | None = None, right: np.ndarray | None = None
    ) -> StreamUpdate:
        """Analyse the next frames (any number, even one).

        Parameters
        ----------
        time : array_like (k,)
            Frame times in s, increasing and after the previous chunk's.
        left, right : array_like (k, S)
            Per-sensor forces in N of each side this analyser was built for.

        Returns
        -------
        StreamUpdate
            Live COP of the chunk and the steps completed by it.
        """
        if self._finished:
            raise ValueError("this stream has finished; start a new StreamingAnalyzer")
        t = np.ascontiguousarray(time, dtype=np.float64).reshape(-1)
        update = StreamUpdate(time_s=t)
        if t.shape[0] == 0:
            return update
        if not t[0] > self._last_time:
            raise ValueError(
                f"chunk starts at {t[0]!r} s, not after the previous frame ({self._last_time!r} s)"
            )
        self._last_time = float(t[-1])
        for side, values in (("left", left), ("right", right)):
            stream = self._sides.get(side)
            if stream is None:
                continue
            if values is None:
                raise ValueError(f"this analyser expects {side} values in every chunk")
            v = np.ascontiguousarray(values, dtype=np.float32)
            if v.ndim != 2 or v.shape[0] != t.shape[0]:
                raise ValueError(f"{side} values must have shape ({t.shape[0]}, S), got {v.shape}")
            cop, parts = stream.feed(t, v)
            update.cop[side] = cop
            new = sum(p["side"].shape[0] for p in parts)
            if new:
                update.steps.extend(self._provisional_rows(side, new))
        return update

    def _provisional_rows(self, side: str, new: int) -> list[dict]:
        """The newest ``new`` stances of ``side`` decided from the recent stances."""
        recent = []
        for s in self._sides.values():
            if not s.parts:  # the other foot has not finished a stance yet
                continue
            frame = pd.concat([pd.DataFrame(p) for p in s.parts[-_RECENT_STANCES:]], ignore_index=True)
            recent.append(frame.iloc[-_RECENT_STANCES:])
        steps, _ = finalize_steps(
            pd.concat(recent, ignore_index=True), self.params, self._weight_n, self.rate_hz
        )
        mine = steps[steps["side"] == side].iloc[-new:]
        rows = []
        for rec in mine.to_dict(orient="records"):
            row = {k: _scalar(v) for k, v in rec.items()}
            row["provisional"] = True
            rows.append(row)
        return rows

    def finish(self) -> pd.DataFrame:
        """End the stream: detect up to the last frame and return the final steps table.

        Equal to ``sensorkit.analyze(...).steps`` of the same frames with the same baseline
        and thresholds. No frame can be fed afterwards.
        """
        if not self._finished:
            for stream in self._sides.values():
                stream._detect(final=True)
            self._finished = True
        return self.steps

    @property
    def steps(self) -> pd.DataFrame:
        """All stances so far, decided over the whole stream (final after :meth:`finish`)."""
        parts = [pd.DataFrame(p) for s in self._sides.values() for p in s.parts]
        local = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return finalize_steps(local, self.params, self._weight_n, self.rate_hz)[0]

    def summary(self) -> pd.DataFrame:
        """Summary of the stances so far (see :attr:`Analysis.summary`)."""
        parts = [pd.DataFrame(p) for s in self._sides.values() for p in s.parts]
        local = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        steps, info = finalize_steps(local, self.params, self._weight_n, self.rate_hz)
        return summarize(steps, info.activity, self.params)


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value
