"""``sensorkit stream [URL...] [--record F] [--duration S]``: a plain live view of one or two insoles.

One line per second per side (mean and peak total force, samples, packets, loss, gaps)
and one line per step when the streaming analyser is available. Pressure insoles (kPa)
whose layout gives sensor areas are shown and analysed in N (pressure x area, as
``Recording.forces_n``); without areas the line shows the highest sensor pressure, since a
sum of pressures is no quantity. The numbers depend only
on the chunks (their host times and values), so ``sensorkit replay`` of the recording
prints the same lines.

Insoles that send raw ADC counts need ``--calibration cal.json`` (from ``sensorkit
calibrate``) for newtons, steps and body weights. Without it the plain view shows the
sum of each insole's counts over its channels, labelled so (no step lines), and the
dashboard, which shows forces and body weights, refuses with a hint.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sensorkit.cli.console import console
from sensorkit.devices.chunk import Chunk
from sensorkit.devices.info import insole_sides as device_sides

__all__ = ["LiveView", "add_parser", "force_factors", "live_loop", "live_view", "run", "standalone"]

BUCKET_S = 1.0  # one line per side per second of data


class _Bucket:
    __slots__ = ("force_sum", "gaps", "missing", "n", "n_valued", "packets", "peak")

    def __init__(self) -> None:
        self.n = 0
        self.n_valued = 0  # samples with values (a device may send NaN for a sample it lacks)
        self.force_sum = 0.0
        self.peak = -math.inf
        self.packets = 0
        self.missing = 0
        self.gaps = 0


class LiveView:
    """Per-second summary lines (and step lines) from chunks; deterministic for given chunks.

    Parameters
    ----------
    t0_s : float
        Host time (s) of the session start; second ``k`` covers ``[t0 + k, t0 + k + 1)``.
    sides : sequence of str
        Sides to expect; a second is printed once every side has moved past it.
    emit : callable
        Receives each line of text.
    analysers : dict, optional
        ``{side: StreamingAnalyzer}`` for step lines.
    force_factors : dict, optional
        ``{side: (S,) float32}`` N per kPa of each sensor (its area, from
        :meth:`sensorkit.SensorLayout.pressure_to_force_factor`): kPa chunks of those sides
        are shown and analysed as forces in N (:func:`force_factors`).
    """

    def __init__(
        self,
        t0_s: float,
        sides,
        emit: Callable[[str], None],
        analysers: dict | None = None,
        force_factors: dict | None = None,
    ) -> None:
        self.t0 = t0_s
        self.sides = tuple(sides)
        self.emit = emit
        self.analysers = analysers or {}
        self.force_factors = force_factors or {}
        self._buckets: dict[str, dict[int, _Bucket]] = {s: {} for s in self.sides}
        self._reached: dict[str, int] = dict.fromkeys(self.sides, -1)
        self._steps: dict[int, list[tuple[float, str]]] = {}
        self._printed = -1
        self.units: dict[str, str] = dict.fromkeys(self.sides, "N")  # of each side's lines
        self.channels: dict[str, int] = dict.fromkeys(self.sides, 0)  # values per sample of each side
        # one unit for every step line of the session: BW with a body mass, N without
        self._bw = any(getattr(a, "body_mass_kg", None) is not None for a in self.analysers.values())
        self.lines: list[str] = []

    def add(self, chunk: Chunk) -> None:
        """Account for one chunk."""
        side = chunk.side if chunk.side in self._buckets else self.sides[0]
        values, units = chunk.values, chunk.units
        factor = self.force_factors.get(side)
        if units == "kPa" and factor is not None:
            values, units = values * factor, "N"  # pressure x area
        self.units[side] = units
        self.channels[side] = int(values.shape[1])
        buckets = self._buckets[side]
        k = np.floor((chunk.time - self.t0) / BUCKET_S).astype(np.int64)
        if units == "kPa":  # no sensor areas: the highest sensor pressure of each frame
            force = values.max(axis=1).astype(np.float64)
        else:
            force = values.sum(axis=1, dtype=np.float64)
        valued = np.isfinite(force)
        for b in np.unique(k):
            sel = k == b
            acc = buckets.setdefault(int(b), _Bucket())
            acc.n += int(sel.sum())
            known = force[sel & valued]
            if known.size:
                acc.n_valued += int(known.size)
                acc.force_sum += float(known.sum())
                acc.peak = max(acc.peak, float(known.max()))
        last = buckets.setdefault(int(k[-1]), _Bucket())
        last.packets += chunk.n_packets
        for g in chunk.gaps:
            gb = buckets.setdefault(math.floor((g["end_s"] - self.t0) / BUCKET_S), _Bucket())
            gb.gaps += 1
            gb.missing += int(g["n_missing"])
        analyser = self.analysers.get(side)
        if analyser is not None and units == "N":
            for step in analyser.feed(chunk.time, **{side: values}).steps:
                if step.get("truncated"):  # under way when the data began: no contact time, no peak
                    continue
                t_end = float(step.get("t_toe_off_s", chunk.time[-1]))
                # a step comes a few frames after its toe-off: when that second is already
                # printed, it goes with the next one (it was filed under a printed second and lost)
                sb = max(math.floor((t_end - self.t0) / BUCKET_S), self._printed + 1)
                p = analyser.params
                line = _step_line(step, self.t0, bw=self._bw, max_contact_s=p.max_contact_time_s,
                                  min_contact_s=p.min_contact_time_s)  # fmt: skip
                self._steps.setdefault(sb, []).append((float(step["t_contact_s"]), line))
        self._reached[side] = max(self._reached[side], int(k[-1]))
        self._flush(min(self._reached.values()) - 1)

    def _flush(self, upto: int) -> None:
        while self._printed < upto:
            self._printed += 1
            self._print_bucket(self._printed)

    def _print_bucket(self, k: int) -> None:
        for side in self.sides:
            acc = self._buckets[side].pop(k, None)
            if acc is None or (acc.n == 0 and acc.gaps == 0):
                continue
            mean = f"{acc.force_sum / acc.n_valued:8.1f}" if acc.n_valued else f"{'-':>8}"
            peak = f"{acc.peak:8.1f}" if acc.n_valued else f"{'-':>8}"
            missing = 100.0 * acc.missing / (acc.n + acc.missing) if acc.n + acc.missing else 0.0
            u = self.units[side]
            what = _what(u, self.channels[side])
            if acc.n_valued < acc.n:
                what += f"  {acc.n - acc.n_valued} without values"
            self._line(
                f"{k * BUCKET_S:6.0f} s  {side:<5}  mean {mean} {u}  peak {peak} {u}  "
                f"{acc.n:5d} samples  {acc.packets:4d} packets  missing {missing:5.1f}%  gaps {acc.gaps}{what}"
            )
        for _, line in sorted(self._steps.pop(k, [])):
            self._line(line)

    def _line(self, text: str) -> None:
        self.lines.append(text)
        self.emit(text)

    def finish(self) -> None:
        """Print every second not yet printed (the last, partial one included)."""
        pending = [k for b in self._buckets.values() for k in b] + list(self._steps)
        if pending:
            self._flush(max(pending))


def _what(units: str, channels: int) -> str:
    """What a side's per-second numbers are, after them on its line: nothing for a force (N,
    the insole's total), the highest sensor pressure for kPa without sensor areas, else the
    sum over the insole's channels in their unit (raw counts: ``(sum of 16 channels, counts)``;
    "mean 17030 counts" read as one sensor's reading)."""
    if units == "N":
        return ""
    if units == "kPa":
        return "  (of the highest sensor pressure)"
    return f"  (sum of {channels} channels, {units})"


def _step_line(
    step: dict, t0: float, *, bw: bool = True, max_contact_s: float = math.inf, min_contact_s: float = 0.0
) -> str:
    """One step's line: contact time, peak force and loading rate, in BW and BW/s when ``bw``
    (a body mass was given), else in N and N/s, the same for every step of a session.

    A stance that is no step (the analysis leaves it out) says so instead: longer than
    ``max_contact_s`` (the analysis's ``max_contact_time_s``) it is standing, shorter than
    ``min_contact_s`` too short; else it is left out for another reason (a data gap in it).
    """
    if not step.get("valid", True):
        down = float(step.get("t_toe_off_s", math.nan)) - float(step["t_contact_s"])
        if down > max_contact_s:
            what = "standing"
        elif down < min_contact_s:
            what = "too short for a step"
        else:
            what = "left out (a data gap, or no clear loading)"
        return (
            f"        {step['side']:<5} foot down at {float(step['t_contact_s']) - t0:7.2f} s for "
            f"{down:.2f} s: {what}, not a step"
        )

    def num(key: str, fmt: str) -> str:
        value = step.get(key)
        return (
            "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)
        )

    peak = f"{num('peak_force_bw', '.2f')} BW" if bw else f"{num('peak_force_n', '.0f')} N"
    return (
        f"        step {step['side']:<5} at {float(step['t_contact_s']) - t0:7.2f} s  contact {num('contact_time_s', '.3f')} s  "
        f"peak {peak}  {_rate_text(step, num, bw)}  {step.get('strike_pattern', '')}"
    )


def _rate_text(step: dict, num, bw: bool = True) -> str:
    """The step's loading rate as the analysis would report it: VALR for running steps only
    when reliable (enough samples in its 20-80 % window, docs/methods.md), the loading rate
    for walking steps; an unreliable value is never printed as a number. In BW/s when ``bw``,
    else in N/s."""
    unit, key = ("BW/s", "bw_s") if bw else ("N/s", "n_s")
    if step.get("activity") == "walking":
        from sensorkit.analysis.summary import MIN_RATE_SAMPLES  # (loaded with the analysers)

        enough = int(step.get("loading_rate_samples") or 0) >= MIN_RATE_SAMPLES
        return f"loading rate {num('loading_rate_' + key, '.1f' if bw else '.0f') if enough else '-'} {unit}"
    if step.get("valr_reliable"):
        return f"VALR {num('valr_' + key, '.0f')} {unit}"
    samples = int(step.get("valr_samples") or 0)
    if num("valr_" + key, ".0f") != "-":
        return f"VALR unreliable ({samples} sample{'s' if samples != 1 else ''} in its window)"
    return "VALR -"


def live_view(session, emit: Callable[[str], None], body_mass_kg: float | None) -> LiveView:
    """The plain live view of ``session``: its insoles, their analysers and the kPa-to-N
    factors of pressure insoles (:func:`force_factors`, found once for both)."""
    factors = force_factors(session)
    return LiveView(
        session.host_t0_s,
        session_sides(session),
        emit,
        make_analysers(session, body_mass_kg, factors),
        factors,
    )


def make_analysers(session, body_mass_kg: float | None, factors: dict | None = None) -> dict:
    """One streaming analyser per side, when ``sensorkit.analysis.streaming`` is available;
    pressure insoles get one when ``factors`` (default :func:`force_factors`) turn them into forces."""
    try:
        from sensorkit.analysis.streaming import StreamingAnalyzer
        from sensorkit.layout import load_layout
    except ImportError:
        return {}
    out = {}
    factors = force_factors(session) if factors is None else factors
    units = getattr(session, "units_by_side", {})
    for dev in session.devices:
        info = dev.info
        if info is None or not info.layout:
            continue
        if units.get(dev.side, info.units) != "N" and not all(s in factors for s in device_sides(dev.side)):
            continue  # counts, or pressures without sensor areas: no forces to analyse
        try:
            layout = load_layout(info.layout)
            for side in device_sides(dev.side):
                out[side] = StreamingAnalyzer(
                    layout, info.sample_rate_hz, body_mass_kg=body_mass_kg, sides=(side,)
                )
        except Exception:  # the analyser is optional: never let it stop the stream
            continue
    return out


def force_factors(session) -> dict[str, np.ndarray]:
    """``{side: (S,) float32}`` N per kPa of each sensor, for the sides of devices that stream
    pressures (kPa) with a layout that gives sensor areas; other sides are left out."""
    from sensorkit.layout import load_layout

    out = {}
    units = getattr(session, "units_by_side", {})
    for dev in session.devices:
        info = dev.info
        if info is None or not info.layout or units.get(dev.side, info.units) != "kPa":
            continue
        try:
            layout = load_layout(info.layout)
        except Exception:  # an unknown layout name: shown as pressures
            continue
        if not layout.has_areas:
            continue
        for side in device_sides(dev.side):
            out[side] = layout.for_side(side).pressure_to_force_factor().astype(np.float32)
    return out


def session_sides(session) -> list[str]:
    """The insoles of every device of ``session``, for a :class:`LiveView`."""
    return [s for d in session.devices for s in device_sides(d.side)]


def summary_lines(session) -> list[str]:
    """Closing lines: link statistics per side."""
    lines = []
    for dev in session.devices:
        st = dev.stats
        # "missing", not "lost": a board's pause (time jump) is missing samples no link lost
        reasons = sorted((getattr(dev, "missing_by_reason", None) or {}).items(), key=lambda kv: -kv[1])
        why = "; ".join(f"{reason} {n}" for reason, n in reasons if n)
        lines.append(
            f"{dev.side}: {st.samples} samples, {st.packets_ok} packets, missing {st.missing_samples} samples "
            f"({100 * st.loss_fraction:.1f}%) in {st.gaps} gaps{f' ({why})' if why else ''}, {st.crc_errors} CRC / "
            f"{st.framing_errors} framing errors, {st.reconnects} reconnects"
        )
    for side, (chunks, samples) in (getattr(session, "dropped", None) or {}).items():
        lines.append(
            f"{side}: the display fell behind and skipped {samples} samples ({chunks} chunks); "
            + (
                "the capture holds them all"
                if getattr(session, "capture", None) is not None
                else "not recorded"
            )
        )
    return lines


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``stream`` command."""
    p = sub.add_parser("stream", help="live view of insoles (default sim://); Ctrl-C stops")
    p.add_argument("urls", nargs="*", metavar="URL", help="device URL(s); two for a pair (default sim://)")
    p.add_argument("--record", metavar="FILE.skr", help="also write a raw capture file")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--mass", type=float, metavar="KG", help="body mass (for BW units and the capture header)")
    p.add_argument("--reconnect", action="store_true", help="reconnect on a lost link instead of stopping")
    p.add_argument("--force", action="store_true", help="replace the --record file if it exists")
    add_calibration_option(p)
    p.add_argument(
        "--plain", action="store_true", help="plain lines instead of the dashboard (automatic off a TTY)"
    )
    p.add_argument(
        "--lsl",
        action="store_true",
        help="publish the insoles and step/gap markers on Lab Streaming Layer (one status line a second)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Stream until Ctrl-C or ``--duration``; close the recording cleanly."""
    from sensorkit.devices import open as open_devices

    subject = {"body_mass_kg": args.mass} if args.mass else {}
    urls = stream_urls(args.urls, args.calibration)
    session = open_devices(*urls, record=args.record, subject=subject,
                           reconnect=True if args.reconnect else None,
                           calibration=args.calibration, overwrite=args.force)  # fmt: skip
    # without --mass, the subject's (a calibration's own, see Session): BW units
    mass = args.mass if args.mass else session.subject.get("body_mass_kg")
    if getattr(args, "lsl", False):
        from sensorkit.cli.serve import run_live

        return run_live(session, duration_s=args.duration, body_mass_kg=mass, lsl=True, web=None)
    if console.is_terminal and not args.plain:
        from sensorkit.dashboard.app import run_session_dashboard

        return run_session_dashboard(session, duration_s=args.duration, body_mass_kg=mass, console=console)
    return live_loop(session, args.duration, mass, record=args.record)


def stream_urls(urls: list[str] | None, calibration: str | None) -> list[str]:
    """The device URLs to open: the given ones, else ``sim://`` (``sim://?units=counts`` with a calibration).

    A calibration converts raw ADC counts; the default simulated pair sends newtons, so with
    ``--calibration`` and no URL the simulated raw-count pair is opened instead, and a plain
    ``sim://`` URL with a calibration is an error naming the URL that works.

    Raises
    ------
    CalibrationError
        ``sim://`` without ``units=counts`` together with a calibration.
    """
    from sensorkit.errors import CalibrationError

    if not urls:
        return ["sim://?units=counts"] if calibration else ["sim://"]
    if calibration:
        for url in urls:
            if url.startswith("sim://") and "units=counts" not in url:
                raise CalibrationError(
                    f"{url} sends newtons already; a calibration converts raw ADC counts",
                    hint="the simulated raw-count insole pair is sim://?units=counts "
                    "(sensorkit stream 'sim://?units=counts' --calibration FILE)",
                )
    return list(urls)


def add_calibration_option(p: argparse.ArgumentParser) -> None:
    """``--calibration FILE``: convert raw-count insoles to N (see ``sensorkit calibrate``)."""
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON (from sensorkit calibrate) for insoles that send raw ADC counts",
    )


def units_notice(session) -> str | None:
    """One line saying that the session's values are raw counts or calibrated ones, None for devices in N."""
    if getattr(session, "calibrated", False):
        src = getattr(session, "calibration_source", None)
        where = " from the capture header" if src == "header" else ""
        subject = getattr(session, "subject", None) or {}
        mass = ""
        if subject.get("body_mass_source") == "calibration":
            mass = f"; body mass {subject['body_mass_kg']:g} kg, the calibration's (--mass gives another)"
        return f"raw ADC counts converted to {session.units} with the calibration{where}{mass}"
    if getattr(session, "units", None) == "counts":
        return (
            "values are raw ADC counts (no calibration): no newtons, steps or body weights; "
            "pass --calibration cal.json (from sensorkit calibrate)"
        )
    return None


def live_loop(
    session, duration_s: float | None, body_mass_kg: float | None, *, record: str | None = None
) -> int:
    """Print the live view of ``session`` until Ctrl-C or ``duration_s``; returns the exit status."""
    names = ", ".join(f"{d.side}={d.url}" for d in session.devices)
    console.print(f"streaming {names}" + (f", recording to {record}" if record else "") + " (Ctrl-C stops)",
                  markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    notice = units_notice(session)
    if notice:
        console.print(notice, markup=False, highlight=False, soft_wrap=True)
    view = live_view(session, _printer, body_mass_kg)
    start = time.monotonic()
    status = 0
    seen: dict[int, Any] = {}
    try:
        while duration_s is None or time.monotonic() - start < duration_s:
            chunk = session.read(timeout_s=0.1)
            if chunk is not None:
                view.add(chunk)
            for line in link_notices(session, seen):
                _printer(line)
    except KeyboardInterrupt:
        pass
    except StopIteration:
        pass
    finally:
        error = None
        try:
            session.close()
        except Exception as exc:  # report after the view is complete
            error = exc
        for chunk in session.drain():
            view.add(chunk)
        view.finish()
        for line in summary_lines(session):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        for line in saturation_lines(session):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if session.capture is not None:
            console.print(f"recorded {session.capture.n_records} records to {session.capture.path}",
                          markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        if error is not None:
            raise error
    return status


def link_notices(session, seen: dict[int, Any]) -> list[str]:
    """Lines for the link events of ``session``'s devices since the last call (``seen`` keeps,
    per device, the last event shown): with ``?reconnect=1`` a lost link was silent until the
    session ended, so an unplugged insole looked like a quiet one."""
    lines = []
    for dev in session.devices:
        events = list(getattr(dev, "events", ()))
        new = []
        for event in reversed(events):
            if event is seen.get(id(dev)):
                break
            new.append(event)
        if events:
            seen[id(dev)] = events[-1]
        for event in reversed(new):
            if event.get("event") == "link_lost":
                retry = "; reconnecting" if getattr(dev, "reconnect", False) else ""
                lines.append(f"{dev.side}: {event.get('reason', 'link lost')}{retry}")
            elif event.get("event") == "reconnected":
                lines.append(f"{dev.side}: reconnected")
    return lines


def _printer(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def saturation_lines(session) -> list[str]:
    """Closing lines: saturated readings per side of a calibrated session (none when nothing saturated)."""
    lines = []
    for side, counts in (getattr(session, "saturation", None) or {}).items():
        if counts.any():
            lines.append(
                f"{side}: {int(counts.sum())} saturated readings on {int((counts > 0).sum())} sensors "
                "(values there are lower bounds of the load)"
            )
    return lines


def standalone(add: Callable, name: str, argv: list[str] | None = None) -> int:
    """Run one command module on its own (``python -m sensorkit.cli.<name>``), with one-line errors."""
    import sys

    from sensorkit.cli import run_stoppable

    parser = argparse.ArgumentParser(prog="sensorkit")
    add(parser.add_subparsers(dest="command"))
    args = parser.parse_args([name, *(sys.argv[1:] if argv is None else argv)])
    return run_stoppable(lambda: args.run(args))  # stops and errors as under `sensorkit`


if __name__ == "__main__":
    raise SystemExit(standalone(add_parser, "stream"))
