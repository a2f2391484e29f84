"""Incremental (live) analysis: feed frames chunk by chunk, get each step as soon as toe-off
is confirmed, plus live COP.

The streaming analyser runs the same kernels as :func:`sensorkit.analyze` with the same
per-side context (thresholds, baseline, parameters): the contact state machine keeps its
state between chunks, and each side keeps only the frames of the stance under way (from the
frame before its contact candidate), so the work per chunk is proportional to the chunk, not
to the history. On the same data and baseline it yields exactly the batch steps table, for
any chunk sizes.

Batch analysis estimates the swing baseline from the whole recording; a live stream cannot,
so give ``baseline_n`` (e.g. from a previous session, or ``StreamingAnalyzer.from_analysis``)
or accept the default of no offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sensorkit import kernels as K
from sensorkit.analysis.context import SideContext, make_context
from sensorkit.analysis.params import G_M_S2, AnalysisParams
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.stances import (
    finalize_columns,
    measure_stances,
    missing_markers,
    steps_frame_columns,
)
from sensorkit.analysis.summary import summarize
from sensorkit.layout import SIDES, SensorLayout
from sensorkit.recording import validate_body_mass_kg

__all__ = ["StreamUpdate", "StreamingAnalyzer"]

_INITIAL_CAPACITY = 4096
_MODE, _CAND, _CONTACT = 0, 1, 2  # indices into the event state (see kernels.events)


_BUFFERS = ("t", "v", "x", "y", "f", "missing")  # per-frame arrays of a side


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
        Steps whose toe-off was confirmed in this chunk, one dict per step with the columns
        of :attr:`Analysis.steps`.
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
        self.next_index = 0  # global index of the next frame
        cap = _INITIAL_CAPACITY
        self.t = np.empty(cap, np.float64)
        self.v = np.empty((cap, n_sensors), np.float32)
        self.x = np.empty(cap, np.float32)
        self.y = np.empty(cap, np.float32)
        self.f = np.empty(cap, np.float32)
        self.missing = np.empty(cap, np.int64)  # running count of missing-data markers
        self.missing_total = 0
        self.last_time_s = np.nan
        self.prev_contact_s = np.nan
        self.prev_excluded = True
        self.prev_missing_count = 0
        self.parts: list[dict[str, np.ndarray]] = []

    def _make_room(self, k: int) -> None:
        if self.length + k <= self.t.shape[0]:
            return
        keep_from = self._keep_from()
        drop = keep_from - self.base
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
        """Earliest global frame a future step may still need (the frame before its contact)."""
        if self.state[_MODE] == 1:
            first = self.state[_CONTACT]
        elif self.state[_CAND] >= 0:
            first = self.state[_CAND]
        else:
            first = self.next_index
        return int(max(self.base, min(first - 1, self.next_index - 1)))

    def feed(self, time_s: np.ndarray, values: np.ndarray) -> tuple[tuple, list[dict[str, np.ndarray]]]:
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
            counts = self.missing_total + np.cumsum(
                missing_markers(f, time_s, self.last_time_s, ctx.max_dt_s)
            )
            self.missing[lo:hi] = counts
            self.missing_total = int(counts[-1])
            self.last_time_s = float(time_s[-1])
        self.length = hi
        starts, stops, flags = K.detect_contacts(
            f,
            self.next_index,
            ctx.on_threshold_n,
            ctx.off_threshold_n,
            ctx.min_on_frames,
            ctx.min_off_frames,
            self.state,
        )
        self.next_index += k
        if not starts.size:
            return (x, y, f), []
        n = self.length
        raw = measure_stances(
            ctx,
            self.v[:n],
            self.t[:n],
            self.x[:n],
            self.y[:n],
            self.f[:n],
            starts - self.base,
            stops - self.base,
            flags,
        )
        raw["missing_count_at_contact"] = self.missing[starts - self.base]
        cols = finalize_columns(
            ctx.side, raw, ctx, self.prev_contact_s, self.prev_excluded, self.prev_missing_count
        )
        self.prev_missing_count = int(raw["missing_count_at_contact"][-1])
        self.prev_contact_s = float(raw["t_contact_s"][-1])
        self.prev_excluded = bool(raw["touches_gap"][-1] or raw["truncated"][-1])
        self.parts.append(cols)
        return (x, y, f), [cols]


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
        Body mass; BW units and a 5 % BW threshold when given, N and 20 N otherwise.
    params : AnalysisParams, optional
        Or individual parameters as keyword arguments.
    baseline_n : dict, optional
        ``{"left": (S,), "right": (S,)}`` per-sensor offsets in N; zeros by default.
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
        self._sides: dict[str, _SideStream] = {}
        for side in sides:
            ctx = make_context(
                layouts[side],
                side,
                params=params,
                rate_hz=self.rate_hz,
                weight_n=weight_n,
                baseline_n=baseline_n.get(side),
            )
            self._sides[side] = _SideStream(ctx, layouts[side].n_sensors)
        self._last_time = -np.inf

    @classmethod
    def from_analysis(
        cls, analysis: Analysis, layout: SensorLayout, rate_hz: float, **kwargs
    ) -> StreamingAnalyzer:
        """A streaming analyser with the parameters, body mass and baselines of a batch result."""
        return cls(
            layout,
            rate_hz,
            body_mass_kg=analysis.body_mass_kg,
            params=analysis.params,
            baseline_n=analysis.baseline_n,
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
            for cols in parts:
                keys = list(cols)
                for i in range(cols["side"].shape[0]):
                    update.steps.append({key: _scalar(cols[key][i]) for key in keys})
        return update

    @property
    def steps(self) -> pd.DataFrame:
        """All steps emitted so far, in the layout of :attr:`Analysis.steps`."""
        parts = [p for s in self._sides.values() for p in s.parts]
        return pd.DataFrame(steps_frame_columns(parts)) if parts else pd.DataFrame()

    def summary(self) -> pd.DataFrame:
        """Summary of the steps so far (see :attr:`Analysis.summary`)."""
        return summarize(self.steps, self.params)


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value
