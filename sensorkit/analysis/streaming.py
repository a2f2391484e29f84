"""Incremental (live) analysis: feed frames chunk by chunk, get each step as soon as toe-off
is confirmed, plus live COP.

The streaming analyser runs the same kernels as :func:`sensorkit.analyze` with the same
per-side context (thresholds, baseline, parameters). Event detection runs on the event
low-pass, which needs ``event_half_width`` frames after each frame, so events are found that
many frames late; each side keeps only the frames of the stance under way, so the work per
chunk is proportional to the chunk, not to the history. A stance longer than
``max_contact_time_s`` is no step (only its events are measured), so a foot that stays down
for hours is held in bounded memory.

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
from sensorkit.analysis.selection import STEP_COLUMNS, finalize_columns, finalize_steps
from sensorkit.analysis.stances import first_hole_time, hole_markers, measure_stances
from sensorkit.analysis.summary import summarize
from sensorkit.layout import SIDES, SensorLayout
from sensorkit.recording import validate_body_mass_kg

__all__ = ["StreamUpdate", "StreamingAnalyzer"]

_INITIAL_CAPACITY = 4096
# indices into the event state (see kernels.events)
_MODE, _CAND, _CONTACT, _LAST_ON, _RUN, _RUN_START = 0, 1, 2, 6, 7, 8
_RECENT_STANCES = 64  # stances used for the provisional session-level decisions
_MERGE_PARTS = 256  # per-stance parts merged into one block (memory of an all-day stream)
_BUFFERS = ("g", "t", "v", "x", "y", "f", "mb")  # per-frame arrays of a side
_NO_HOLE = (np.iinfo(np.int64).max, np.nan)  # (global frame, time) of no missing data


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
    """Buffers and state of one insole.

    The buffers hold the frames still needed, each with its global frame index (``g``):
    the event low-pass window of the next frames, and the stance (or contact candidate) under
    way. A stance longer than ``max_contact_time_s`` (a foot that stays down) is no step and
    only its events are measured (:func:`measure_stances`), so once a stance is certain to be
    that long the frames in its middle are dropped (see :meth:`_keep_mask`), keeping the time
    of the first missing data among them. Memory is then bounded whatever the wearer does.
    """

    def __init__(self, ctx: SideContext, n_sensors: int) -> None:
        self.ctx = ctx
        self.state = K.new_event_state()
        self.length = 0  # rows in use
        self.seg_done = 0  # global index of the next frame whose event force is not final yet
        self.fed = 0  # global index of the next frame fed
        cap = _INITIAL_CAPACITY
        self.g = np.empty(cap, np.int64)
        self.t = np.empty(cap, np.float64)
        self.v = np.empty((cap, n_sensors), np.float32)
        self.x = np.empty(cap, np.float32)
        self.y = np.empty(cap, np.float32)
        self.f = np.empty(cap, np.float32)
        self.mb = np.empty(cap, np.int64)
        self.last_time_s = np.nan
        # frames kept around events: re-timing (h), the frame before contact, the VILR filter
        self.margin = ctx.event_half_width + ctx.vilr_half_width + 2
        self.owner = -1  # contact (or candidate) frame of the stance whose frames were thinned
        self.dropped_hole = _NO_HOLE  # first missing data dropped after its contact: (g, t)
        self.parts: list[dict[str, np.ndarray]] = []  # local rows of every stance, in order
        self.merged = 0  # parts[:merged] are blocks of _MERGE_PARTS merged parts
        self.recent: dict[str, np.ndarray] = {}  # the local rows of the last stances

    def _rows(self, g: np.ndarray | int) -> np.ndarray:
        """Buffer rows of global frame indices (which must be held)."""
        return np.searchsorted(self.g[: self.length], g)

    def _make_room(self, k: int) -> None:
        if self.length + k <= self.t.shape[0]:
            return
        keep = self._keep_mask()
        if not keep.all():
            self._note_dropped_hole(~keep)
            drop = int(np.argmax(keep))
            suffix = bool(keep[drop:].all())
            n = self.length - drop if suffix else int(np.count_nonzero(keep))
            for name in _BUFFERS:
                arr = getattr(self, name)
                arr[:n] = arr[drop : self.length] if suffix else arr[: self.length][keep]
            self.length = n
        cap = self.t.shape[0]
        if self.length + k > cap:
            cap = max(2 * cap, self.length + k)
        elif cap > 4 * max(_INITIAL_CAPACITY, self.length + k):  # after a large chunk
            cap = max(_INITIAL_CAPACITY, 2 * (self.length + k))
        if cap != self.t.shape[0]:
            for name in _BUFFERS:
                arr = getattr(self, name)
                new = np.empty((cap, *arr.shape[1:]), arr.dtype)
                new[: self.length] = arr[: self.length]
                setattr(self, name, new)

    def _keep_mask(self) -> np.ndarray:
        """Which rows are still needed (bool, one per row in use).

        Always the newest frames (the event low-pass window of the next frames, a toe-off
        candidate, a hole under way) and, for the stance or contact candidate under way from
        contact ``c`` with last loaded frame ``L``: all its frames from ``c``, until it is
        certain to be longer than ``max_contact_time_s`` should it end anywhere but ``L + 1``
        (the frames between ``L`` and the newest are then inside it only if it is no step);
        only ``c``'s and ``L``'s windows once it is certain to be that long wherever it ends.
        Each window has a margin for re-timing (h frames), the frame before contact and the
        VILR filter.
        """
        h, m = self.ctx.event_half_width, self.margin
        st = self.state
        g = self.g[: self.length]
        on = st[_MODE] == 1
        newest = self.seg_done
        if on and st[_CAND] >= 0:  # a toe-off candidate (a long hole would end the stance there)
            newest = min(newest, int(st[_CAND]))
        if on and st[_RUN] > 0:  # a hole under way inside the stance
            newest = min(newest, int(st[_RUN_START]))
        newest -= h  # no toe-off that is not L + 1 can be re-timed before this frame
        keep = g >= newest - m
        c = int(st[_CONTACT]) if on else int(st[_CAND])
        if c < 0:
            return keep
        if c != self.owner:
            self.owner, self.dropped_hole = c, _NO_HOLE
        last_on = int(st[_LAST_ON])
        # (frame newest itself may not have arrived yet: the one before bounds its time)
        if newest - 1 <= c + h or not self._longer_than_allowed(c + h, newest - 1):
            return keep | (g >= c - h - m)
        end = last_on + h + m
        if not on or (last_on - h > c + h and self._longer_than_allowed(c + h, last_on - h)):
            end = c + h + m  # no step wherever it ends: a candidate is confirmed only later
        keep |= (g >= c - h - m) & (g <= end)
        keep |= (g >= last_on - h - m) & (g <= last_on + h + m)
        return keep

    def _longer_than_allowed(self, first: int, last: int) -> bool:
        """Whether frames ``first`` to ``last`` (both held) span more than ``max_contact_time_s``."""
        lo, hi = self._rows(np.array([first, last]))
        return bool(self.t[hi] - self.t[lo] > self.ctx.params.max_contact_time_s)

    def _note_dropped_hole(self, dropped: np.ndarray) -> None:
        """Remember the first missing data among the dropped rows after the contact of the
        stance under way (they are inside it if it ends after them)."""
        if self.owner < 0:
            return
        n = self.length
        inside = dropped & (self.g[:n] > self.owner + self.ctx.event_half_width)
        holes = np.flatnonzero(inside & (np.isnan(self.f[:n]) | (self.mb[:n] > 0)))
        # a later drop can reach back before an earlier one (the last loaded frame moved on)
        if holes.size and self.g[holes[0]] < self.dropped_hole[0]:
            self.dropped_hole = (int(self.g[holes[0]]), float(self.t[holes[0]]))

    def feed(self, time_s: np.ndarray, values: np.ndarray, final: bool = False) -> tuple[tuple, list[dict]]:
        ctx = self.ctx
        k = time_s.shape[0]
        x, y, f = K.cop_frames(values, ctx.x_mm, ctx.y_mm, ctx.baseline_n, ctx.on_threshold_n)
        self._make_room(k)
        lo, hi = self.length, self.length + k
        self.g[lo:hi] = np.arange(self.fed, self.fed + k)
        self.t[lo:hi] = time_s
        self.v[lo:hi] = values
        self.x[lo:hi] = x
        self.y[lo:hi] = y
        self.f[lo:hi] = f
        if k:
            self.mb[lo:hi] = hole_markers(time_s, self.last_time_s, ctx.rate_hz, ctx.max_dt_s)
            self.last_time_s = float(time_s[-1])
        self.length = hi
        self.fed += k
        return (x, y, f), self._detect(final)

    def _detect(self, final: bool) -> list[dict]:
        """Run the state machine over the frames whose event force became final."""
        ctx = self.ctx
        h = ctx.event_half_width
        end = self.fed  # global index after the last frame
        ready = end if final else end - h
        if ready <= self.seg_done and not final:
            return []
        empty = np.zeros(0, dtype=np.int64)
        starts, stops, flags, holes = empty, empty, empty, empty
        if ready > self.seg_done:
            # the event force of frames [seg_done, ready) from their full windows (held
            # contiguously: every frame from seg_done - h on is kept)
            w_lo = self._rows(max(int(self.g[0]), self.seg_done - h))
            w_hi = self._rows(min(end, ready + h))
            seg = K.moving_average(self.f[w_lo:w_hi], h)
            first = self.seg_done - int(self.g[w_lo])
            seg = seg[first : first + ready - self.seg_done]
            r0 = w_lo + first
            mb = self.mb[r0 : r0 + ready - self.seg_done]
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
        n = self.length
        rs, re_ = self._rows(starts), self._rows(stops)
        if ctx.refine_events:
            rs, re_ = K.refine_events(self.f[:n], rs, re_, ctx.on_threshold_n, h)
        hole_time = first_hole_time(self.f[:n], self.mb[:n], self.t[:n], rs, re_)
        thinned = starts == self.owner
        if thinned.any():
            # the first missing data of the stance may be among its dropped frames
            g_hole, t_hole = self.dropped_hole
            later = np.isnan(hole_time) | (t_hole < hole_time)
            use = thinned & (g_hole <= self.g[re_]) & later
            hole_time[use] = t_hole
            self.owner, self.dropped_hole = -1, _NO_HOLE
        local = measure_stances(
            ctx,
            self.v[:n],
            self.t[:n],
            self.mb[:n],
            self.x[:n],
            self.y[:n],
            self.f[:n],
            rs,
            re_,
            flags,
            hole_time_s=hole_time,
        )
        local["side"] = np.full(starts.shape[0], ctx.side, dtype=object)
        local["long_holes"] = holes
        self.parts.append(local)
        if len(self.parts) - self.merged >= _MERGE_PARTS:
            # a part of one stance is ~50 one-element arrays (about 12 kB); merged, under 1 kB
            tail = self.parts[self.merged :]
            self.parts[self.merged :] = [{name: np.concatenate([p[name] for p in tail]) for name in local}]
            self.merged += 1
        self.recent = {
            name: np.concatenate((self.recent[name], arr))[-_RECENT_STANCES:] if self.recent else arr
            for name, arr in local.items()
        }
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
            Per-sensor forces in N of each side this analyser was built for. A recording in
            other units (kPa, raw counts) is converted first: ``rec.forces_n(side)``; its
            ``rec.left``/``rec.right`` would be taken as newtons.

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
        recent = [s.recent for s in self._sides.values() if s.recent]  # a foot may have none yet
        local = {name: np.concatenate([r[name] for r in recent]) for name in recent[0]}
        out, _ = finalize_columns(local, self.params, self._weight_n, self.rate_hz)
        mine = np.flatnonzero(out["side"] == side)[-new:]
        return [{**{c: _scalar(out[c][i]) for c in STEP_COLUMNS}, "provisional": True} for i in mine]

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

    def _local(self) -> pd.DataFrame:
        """The local rows of every stance so far, both sides."""
        parts = [p for s in self._sides.values() for p in s.parts]
        if not parts:
            return pd.DataFrame()
        return pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})

    @property
    def steps(self) -> pd.DataFrame:
        """All stances so far, decided over the whole stream (final after :meth:`finish`)."""
        return finalize_steps(self._local(), self.params, self._weight_n, self.rate_hz)[0]

    @property
    def held_frames(self) -> dict[str, int]:
        """Frames each side holds in its buffers (frames no longer needed are dropped when room
        is made). Bounded by the larger of 4,096 frames, about ``max_contact_time_s`` of frames
        and twice the largest chunk fed, even when a foot stays down (or rests between the
        toe-off and contact thresholds) for hours."""
        return {side: s.length for side, s in self._sides.items()}

    def summary(self) -> pd.DataFrame:
        """Summary of the stances so far (see :attr:`Analysis.summary`)."""
        steps, info = finalize_steps(self._local(), self.params, self._weight_n, self.rate_hz)
        return summarize(steps, info.activity, self.params)


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value
