"""The live hub: reads a session, keeps the live numbers, fans them out without ever blocking.

One acquisition thread reads chunks from the session (the capture, if any, is written by the
device layer as bytes arrive, so nothing here can slow or drop the recording), feeds
:class:`sensorkit.dashboard.state.DashboardState` (the same live numbers as the terminal
dashboard, from the streaming analyser), pushes to an LSL outlet when one is attached,
evaluates the biofeedback targets on each completed step, and offers a JSON snapshot at the
display rate. Subscribers (browser clients) get the *latest* snapshot through a slot of size
one: a slow or vanished client only ever misses snapshots, it never holds the hub back.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sensorkit.dashboard.state import DashboardState

__all__ = ["LiveHub", "Targets"]

_DISPLAY_HZ = 20.0  # snapshots per second (display only; recording is every byte)
_HISTORY_POINTS = 200  # total-force points per side in a snapshot (the dashboard's last 4 s, thinned)
_TRAIL_POINTS = 60


@dataclass
class Targets:
    """Biofeedback targets; None disables one.

    Attributes
    ----------
    cadence_min_spm, cadence_max_spm : float or None
        Cadence range (steps/min, both feet).
    valr_max : float or None
        Loading-rate ceiling per step, in BW/s with a body mass, else N/s (reliable VALR only).
    asymmetry_max_pct : float or None
        Largest |symmetry index| of contact time over the recent steps (%).
    """

    cadence_min_spm: float | None = None
    cadence_max_spm: float | None = None
    valr_max: float | None = None
    asymmetry_max_pct: float | None = None

    def update(self, values: dict[str, Any]) -> None:
        """Set targets from a dict (unknown keys ignored; empty or None disables)."""
        for key in asdict(self):
            if key in values:
                v = values[key]
                setattr(self, key, None if v in (None, "") else float(v))


class LiveHub:
    """Acquisition, live numbers, LSL and biofeedback for one open session.

    Parameters
    ----------
    session : Session
        From :func:`sensorkit.open` (already streaming).
    body_mass_kg : float, optional
    lsl : LslOutlet, optional
        Attached outlet: every chunk, step event, tag and cue is published.
    targets : Targets, optional
    record_dir : path
        Where recordings started from the page go (unique names, never overwritten).
    """

    def __init__(
        self,
        session: Any,
        *,
        body_mass_kg: float | None = None,
        lsl: Any = None,
        targets: Targets | None = None,
        record_dir: str | Path = ".",
    ) -> None:
        self.session = session
        self.lsl = lsl
        self.targets = targets or Targets()
        self.record_dir = Path(record_dir)
        self.state = DashboardState.for_session(session, body_mass_kg)
        self.units = self.state.units
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscribers: list[Callable[[dict], None]] = []
        self._sub_lock = threading.Lock()
        self.cues: deque = deque(maxlen=50)
        self._cue_seq = 0
        self.events: deque = deque(maxlen=200)
        self.chunks = 0
        self.samples = 0
        self.snapshot_count = 0
        self._ended = threading.Event()
        #: The exception that stopped acquisition (a device that stopped sending, say), or None;
        #: :func:`sensorkit.cli.serve.run_live` ends with it and the page shows it.
        self.error: BaseException | None = None

    # -- acquisition --------------------------------------------------------------------
    def start(self) -> None:
        """Start the acquisition thread."""
        self._thread = threading.Thread(target=self._run, name="sensorkit-live-hub", daemon=True)
        self._thread.start()

    @property
    def finished(self) -> bool:
        """True once acquisition has ended: the session's data ended (a replay played to its
        end) or :attr:`error` stopped it."""
        return self._ended.is_set()

    def _run(self) -> None:
        try:
            self._acquire()
        except StopIteration:  # the session's data ended (a replay): not an error
            pass
        except Exception as exc:  # the device stopped (or failed): said on the page and to the caller
            self.error = exc
        finally:
            self._ended.set()
            self._publish(self.snapshot())

    def _acquire(self) -> None:
        next_snap = time.monotonic()
        while not self._stop.is_set():
            chunk = self.session.read(timeout_s=0.05)
            if chunk is not None:
                with self._lock:
                    steps = self.state.add(chunk)
                    self.chunks += 1
                    self.samples += chunk.n
                if self.lsl is not None:
                    self.lsl.push_chunk(chunk)
                    if steps:
                        self.lsl.push_steps(steps)
                for step in steps:
                    self._check_targets(step)
            now = time.monotonic()
            if now >= next_snap:
                next_snap = now + 1.0 / _DISPLAY_HZ
                self._publish(self.snapshot())

    def close(self) -> None:
        """Stop the thread (the session is the caller's to close)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    # -- subscribers ----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[dict], None]) -> Callable[[], None]:
        """Call ``callback(snapshot)`` at the display rate (it must not block); returns unsubscribe."""
        with self._sub_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._sub_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _publish(self, snap: dict) -> None:
        with self._sub_lock:
            subs = list(self._subscribers)
        for cb in subs:
            try:
                cb(snap)
            except Exception:  # a broken client never stops acquisition
                continue

    # -- actions from the page or the CLI -------------------------------------------------------
    def start_recording(self) -> Path:
        """Start a capture under :attr:`record_dir` with a unique name; returns its path."""
        self.record_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.record_dir / f"sensorkit-{stamp}.skr"
        k = 2
        while path.exists():
            path = self.record_dir / f"sensorkit-{stamp}-{k}.skr"
            k += 1
        self.session.record(path)
        self._event("recording started", path=path.name)
        with self._lock:
            self.state.recording = str(path)
        return path

    def stop_recording(self) -> Path | None:
        """Stop the capture; returns its path (None if none was running)."""
        path = self.session.stop_recording()
        with self._lock:
            self.state.recording = None
        if path is not None:
            self._event("recording stopped", path=Path(path).name)
        return path

    def tag(self, label: str) -> None:
        """A user tag: into the capture (an event record), LSL markers and the page's log."""
        label = str(label)[:200]
        self._event("tag", label=label)

    def _event(self, kind: str, **fields: Any) -> None:
        t = time.monotonic()
        capture = getattr(self.session, "capture", None)
        if capture is not None:
            capture.event(0, t, event=kind, **fields)
        if self.lsl is not None:
            from sensorkit.live.lsl import marker_text

            self.lsl.push_marker(marker_text(kind, None, **fields), t)
        self.events.append({"t": t, "event": kind, **fields})

    # -- biofeedback --------------------------------------------------------------------------
    def _check_targets(self, step: dict) -> None:
        tg = self.targets
        missed: list[tuple[str, float, str]] = []
        with self._lock:
            cadence = self.state.cadence_spm
            asym = self.state.asymmetry_pct("contact_time_s")
        if math.isfinite(cadence):
            if tg.cadence_min_spm is not None and cadence < tg.cadence_min_spm:
                missed.append(("cadence low", cadence, "steps/min"))
            if tg.cadence_max_spm is not None and cadence > tg.cadence_max_spm:
                missed.append(("cadence high", cadence, "steps/min"))
        unit = "BW/s" if self.state.body_mass_kg else "N/s"
        valr = step.get("valr_bw_s" if self.state.body_mass_kg else "valr_n_s")
        if (
            tg.valr_max is not None
            and step.get("valr_reliable")
            and valr is not None
            and math.isfinite(valr)
            and valr > tg.valr_max
        ):
            missed.append(("loading rate high", float(valr), unit))
        if tg.asymmetry_max_pct is not None and math.isfinite(asym) and abs(asym) > tg.asymmetry_max_pct:
            missed.append(("asymmetry high", asym, "%"))
        for what, value, unit_ in missed:
            self._cue_seq += 1
            self.cues.append(
                {"id": self._cue_seq, "cue": what, "value": round(float(value), 2), "unit": unit_}
            )
            self._event("cue", cue=what, value=round(float(value), 2))

    # -- the snapshot ---------------------------------------------------------------------------
    def layout_json(self) -> dict:
        """Sensor positions and outlines per side, for drawing the maps (sent once)."""
        out = {}
        for side, st in self.state.sides.items():
            lay = st.layout  # (already oriented for its side)
            out[side] = {
                "x_mm": [float(v) for v in lay.lab_x_mm()],
                "y_mm": [float(v) for v in lay.y_mm],
                "outline": [[float(lay.lab_x_mm(a)), float(b)] for a, b in lay.outline_mm],
                "foot_length_mm": lay.foot_length_mm,
                "foot_width_mm": lay.foot_width_mm,
                "units": self.units,
            }
        return out

    def snapshot(self) -> dict:
        """The live numbers now (JSON-ready)."""
        with self._lock:
            st = self.state
            scale, unit = st.force_scale
            sides = {}
            for side, ss in st.sides.items():
                hist = list(ss.history)
                if len(hist) > _HISTORY_POINTS:  # the last few seconds, thinned evenly for display
                    step = len(hist) / _HISTORY_POINTS
                    hist = [hist[int(i * step)] for i in range(_HISTORY_POINTS)] + [hist[-1]]
                trail = list(ss.trail)[-_TRAIL_POINTS:]
                sides[side] = {
                    "force": _num(ss.force_n * scale),
                    "values": [] if ss.held is None else [_num(v) for v in ss.held],
                    "peak_scale": _num(ss.peak_scale),
                    "history": [[_num(t - (st.t0 or 0.0)), _num(f * scale)] for t, f in hist],
                    "trail": [[_num(x if side == "left" else -x), _num(y)] for _, x, y in trail],
                    "contact_time_ms": _num(1e3 * st.side_mean(side, "contact_time_s")),
                    "valr": _num(st.side_mean(side, "valr_bw_s" if unit == "BW" else "valr_n_s")),
                    "n_steps": len(ss.steps),
                    "link": {
                        "packets": ss.packets,
                        "loss_pct": _num(ss.loss_pct),
                        "gaps": ss.gaps,
                        "battery_pct": ss.battery_pct,
                    },
                }
            snap = {
                "t": _num(st.elapsed_s),
                # time.monotonic of the newest sample, unrounded (latency checks); None before any (JSON has no NaN)
                "host_time_s": st.now if math.isfinite(st.now) else None,
                "unit": unit,
                "cadence_spm": _num(st.cadence_spm),
                "asymmetry": {
                    "contact_time_pct": _num(st.asymmetry_pct("contact_time_s")),
                    "valr_pct": _num(st.asymmetry_pct("valr_bw_s" if unit == "BW" else "valr_n_s")),
                    "n_left": len(st.sides["left"].steps) if "left" in st.sides else 0,
                    "n_right": len(st.sides["right"].steps) if "right" in st.sides else 0,
                },
                "sides": sides,
                "recording": None if st.recording is None else Path(st.recording).name,
                "error": None if self.error is None else str(self.error),
                "targets": asdict(self.targets),
                "cues": list(self.cues)[-10:],
                "events": [
                    {k: (_num(v) if isinstance(v, float) else v) for k, v in e.items()}
                    for e in list(self.events)[-10:]
                ],
                "samples": self.samples,
            }
        self.snapshot_count += 1
        return snap


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, 3) if math.isfinite(v) else None
