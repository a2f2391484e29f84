"""``sensorkit calibrate [URL...] --mass KG -o calibration.json``: the guided insole calibration.

Guides the subject through the steps of :mod:`sensorkit.calibrate.guided` (lift each foot,
stand on both feet, on the left, on the right) with live feedback, prints every check with
its number and limit, and writes the calibration file (``sensorkit.calibration/1``). Steps
advance when the posture is detected or time out; nothing waits for a key press, so the
command also runs without a terminal.

Sources:

* device URLs (one URL that opens a pair, or two URLs): opened with :func:`sensorkit.open`;
  the insoles must send raw ADC counts. Their chunks become the procedure's
  ``(time, left, right)`` frames with :class:`sensorkit.calibrate.pairing.PairedFrames`:
  both devices are already on the host clock, each left sample takes the right sample
  nearest in host time within half a sample period, unpaired samples are dropped (counted
  in the calibration's ``procedure["source"]``). ``replay://calib.skr`` re-runs a recorded
  calibration. The simulated raw insole holds the postures with ``script=calibration``:
  ``sim://?units=counts&script=calibration&miscal=3`` (``mass`` defaults to ``--mass``).
* one device URL that opens a single insole (its URL or the device says ``side=left`` or
  ``right``): the one-insole steps of :func:`sensorkit.calibrate.guided.single_insole_steps`
  (that foot lifted, both feet, that foot, the other foot) on its chunks alone; the written
  calibration has that side only and says what one insole cannot check
  (``procedure["limits"]``).
* ``sim://`` without ``units=counts`` (the default): the built-in offline simulated guided
  session (:func:`sensorkit.simulate.raw.simulate_guided_session`, no device layer), paced
  by ``--speed``; ``sim://?side=left`` (or ``right``) calibrates that simulated insole alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

from rich.live import Live
from rich.table import Table
from rich.text import Text

from sensorkit.calibrate import defaults as D
from sensorkit.calibrate.calibration import Calibration
from sensorkit.calibrate.gain import body_weight_n
from sensorkit.calibrate.guided import Chunk, GuidedUpdate, run_guided_calibration, single_insole_steps
from sensorkit.calibrate.live import ChunkCalibrator
from sensorkit.calibrate.pairing import PairedFrames, raw_counts
from sensorkit.cli.console import console
from sensorkit.devices.url import parse_url
from sensorkit.errors import CalibrationError, printable
from sensorkit.io.outputs import check_output
from sensorkit.simulate.raw import InsoleErrors, simulate_guided_session

__all__ = ["add_parser", "run"]

_BAR_WIDTH = 30


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``calibrate`` command."""
    p = sub.add_parser(
        "calibrate",
        help="guided calibration of an insole pair or one insole (tare, body-weight gain, drift check)",
        description="Guided calibration: lift each foot, stand on both feet, on the left, on the right "
        "(one insole: lift that foot, stand on both feet, on that foot, on the other). "
        "Steps advance on the detected posture (or time out); writes a calibration JSON file.",
    )
    p.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        help="device URL(s) of raw-count insoles: a pair (two URLs, or one that opens a pair) or one "
        "insole whose URL says side=left or side=right; default sim:// = the built-in simulated guided session",
    )
    p.add_argument(
        "--mass", type=float, default=None, metavar="KG", help="subject body mass in kg (required)"
    )
    p.add_argument("-o", "--output", default="calibration.json", help="calibration file to write")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument("--layout", default=None, help="insole layout (default: the device's, else ref16)")
    p.add_argument("--response", default=None, help="response curves: built-in name or JSON file")
    p.add_argument(
        "--hold", type=float, default=D.GUIDED_HOLD_S, metavar="S", help="seconds to hold a posture"
    )
    p.add_argument("--timeout", type=float, default=D.GUIDED_TIMEOUT_S, metavar="S", help="step timeout, s")
    p.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="built-in simulator pace: 1 = real time, 0 = as fast as possible (default); devices run in real time",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the guided calibration; 0 when every check passed, 1 otherwise."""
    body_weight_n(args.mass)  # a missing or implausible mass fails before anything is opened
    check_output(args.output, overwrite=args.force)  # ... and so does an output that exists
    urls = list(args.urls or ["sim://"])
    if _builtin_sim(urls):
        chunks, sides = _open_source(urls[0], args.mass, args.layout or "ref16", args.speed)
        cal = _guide(chunks, args, args.layout or "ref16", sides=sides)
    else:
        cal = _calibrate_devices(urls, args)
    console.print(_results_table(cal.procedure))
    unclear = [c for c in cal.procedure.get("checks", []) if c.get("undetermined")]
    if unclear:
        worst = max(c["uncertainty"] for c in unclear)
        console.print(
            Text(
                f"unclear: the two tares cannot tell a zero drift within +-{worst:.2g} N/min of what they read "
                f"(the limit is {unclear[0]['limit']:g} N/min): hold each lifted foot still for longer, "
                "and re-tare (sensorkit calibrate again) during long sessions"
            ),
            soft_wrap=True,
        )
    for note in cal.procedure.get("notes", []):
        console.print(Text(f"note: {note}"), soft_wrap=True)
    if "limits" in cal.procedure:
        console.print(Text(f"limits: {cal.procedure['limits']}"), soft_wrap=True)
    path = cal.save(args.output)
    gains = ", ".join(f"{s} gain {c.gain:.3f}" for s, c in cal.sides.items())
    if cal.passed:
        console.print(Text.assemble(("PASS", "bold green"), f": {gains}; wrote {path}"), soft_wrap=True)
        if _builtin_sim(urls):
            one = f"&side={next(iter(cal.sides))}" if len(cal.sides) == 1 else ""
            stream_urls = _quote(STREAM_URL_OF_BUILTIN_SIM + one)
        else:
            stream_urls = " ".join(_quote(u) for u in urls)
        console.print(
            Text(f"next: sensorkit stream {stream_urls} --calibration {_quote(str(path))}"), soft_wrap=True
        )
        return 0
    failed = [f"step {r['name']}" for r in cal.procedure.get("steps", []) if not r["completed"]]
    failed += [c["name"] for c in cal.procedure.get("checks", []) if not c["passed"]]
    console.print(
        Text.assemble(
            ("FAIL", "bold red"),
            f" ({', '.join(failed)}): {gains}; wrote {path} (marked as failed); {_retry_advice(failed)}",
        ),
        soft_wrap=True,
    )
    return 1


def _retry_advice(failed: list[str]) -> str:
    """What to do about the checks and steps that failed (a drifting sensor is not fixed by
    repeating the calibration at once)."""
    if failed and all(name.endswith("zero drift") for name in failed):
        return (
            "the zero drifted between the two tares: let the insoles settle on the feet for a few "
            "minutes (the foam and the sensors warm up), then repeat; re-tare during long sessions"
        )
    if any(name.endswith("tare noise") for name in failed):
        return "keep each lifted foot off the floor and still, then repeat the calibration"
    if any(name.startswith("step ") for name in failed):
        return "repeat the calibration, holding each posture still until it is done (the failed steps say what was read)"
    return "check the body mass and the response curves (--response), then repeat the calibration"


#: The simulated insole pair that sends raw ADC counts, as the built-in calibration session
#: simulates it: a calibration from ``sensorkit calibrate`` (default source) converts its stream.
STREAM_URL_OF_BUILTIN_SIM = "sim://?units=counts"


def _quote(text: str) -> str:
    """Shell-quote ``text`` when it has characters a shell would interpret."""
    import shlex

    return shlex.quote(text)


def _guide(
    chunks: Iterable[Chunk],
    args: argparse.Namespace,
    layout: str,
    *,
    sides: tuple[str, ...] = ("left", "right"),
) -> Calibration:
    view = _View(live=console.is_terminal)
    with view:
        return run_guided_calibration(
            chunks,
            sides=sides,
            body_mass_kg=args.mass,
            layout=layout,
            response=args.response,
            feedback=view.update,
            hold_s=args.hold,
            timeout_s=args.timeout,
        )


def _builtin_sim(urls: list[str]) -> bool:
    """True for one ``sim://`` URL without ``units=counts``: the built-in offline session."""
    if len(urls) != 1:
        return False
    url = parse_url(urls[0])
    return url.scheme == "sim" and url.params.get("units", "N") != "counts"


def _calibrate_devices(urls: list[str], args: argparse.Namespace) -> Calibration:
    """Open the devices with :func:`sensorkit.open` and run the procedure on their raw counts."""
    from sensorkit.devices import open as open_devices

    urls = [_with_sim_mass(u, args.mass) for u in urls]
    with open_devices(*urls) as session:
        first = session.devices[0]
        if not session.is_pair and first.side not in ("left", "right"):
            raise CalibrationError(
                f"{urls[0]} does not say which foot it is on; the calibration is per foot",
                hint="add side=left or side=right to the URL, e.g. 'serial:///dev/ttyUSB0?side=left'",
            )
        layout = args.layout or first.info.layout or "ref16"
        nominal = ChunkCalibrator(Calibration.nominal(layout, args.response))
        for dev in session.devices:
            nominal.check(dev.side, units=dev.info.units, sensor_count=dev.info.sensor_count,
                          adc_bits=dev.info.adc_bits, source=dev.url)  # fmt: skip
        names = ", ".join(f"{d.side}={d.url}" for d in session.devices)
        console.print(f"calibrating {names}", markup=False, highlight=False, soft_wrap=True)
        if args.response is None:  # a home-made board gets the reference insole's curves unless told
            curves = next(iter(nominal.calibration.sides.values())).response
            console.print(
                f"response curves: {curves.name} (assumed for layout {layout}: {curves.description}) "
                "A board with other sensors or another circuit needs its own: --response NAME|FILE",
                markup=False, highlight=False, soft_wrap=True,
            )  # fmt: skip
        if session.is_pair:
            frames = PairedFrames(session, period_s=1.0 / first.info.sample_rate_hz)
            cal = _guide(frames, args, layout)
        else:
            one = _OneInsole(session)
            cal = _guide(one, args, layout, sides=(first.side,))
    source: dict = {"urls": urls, "devices": [d.info.to_dict() for d in session.devices]}
    if session.is_pair:
        source["paired_frames"] = frames.paired
        source["dropped_samples"] = dict(frames.dropped)
        source["pairing"] = (
            "left samples as the time axis; nearest right sample in host time within half a period"
        )
    else:
        source["frames"] = one.frames
    cal.procedure["source"] = source
    return cal


class _OneInsole:
    """Iterate one insole's chunks as the procedure's ``(time, left, right)`` frames (the other None)."""

    def __init__(self, chunks: Iterable) -> None:
        self._chunks = chunks
        self.frames = 0  # frames yielded so far

    def __iter__(self) -> Iterator[Chunk]:
        for chunk in self._chunks:
            counts = raw_counts(chunk)
            if chunk.n == 0:
                continue
            self.frames += chunk.n
            yield (chunk.time, counts, None) if chunk.side == "left" else (chunk.time, None, counts)


def _with_sim_mass(url: str, mass: float) -> str:
    """A ``sim://`` URL simulates a subject of ``--mass`` unless it says ``mass=``."""
    parsed = parse_url(url)
    if parsed.scheme != "sim" or "mass" in parsed.params:
        return url
    return f"{url}{'&' if '?' in url else '?'}mass={mass:g}"


def _open_source(
    url: str | None, mass: float | None, layout: str, speed: float
) -> tuple[Iterable[Chunk], tuple[str, ...]]:
    """Chunks of the built-in offline simulated guided session (``sim://`` without ``units=counts``)
    and the sides it calibrates (``side=left|right``: that insole alone)."""
    parts = urlsplit(url or "sim://")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    seed = int(query.get("seed", 0))
    insole = InsoleErrors.random(seed)
    sim_mass = float(query.get("mass", mass if mass is not None else 70.0))
    side = query.get("side")
    if side is None:
        session = simulate_guided_session(insole, body_mass_kg=sim_mass, seed=seed, layout=layout)
        return _paced(session.chunks(0.1), speed), ("left", "right")
    if side not in ("left", "right"):
        raise CalibrationError(f"{url}: side must be left or right, got {printable(side)!r}")
    postures = [step.name for step in single_insole_steps(side)]  # the subject of one insole
    session = simulate_guided_session(
        insole, body_mass_kg=sim_mass, seed=seed, layout=layout, postures=postures
    )
    return _paced(session.chunks(0.1), speed), (side,)


def _paced(chunks: Iterable[Chunk], speed: float) -> Iterator[Chunk]:
    """Deliver chunks at ``speed`` x real time (0: as fast as possible)."""
    start_wall = time.monotonic()
    start_t = None
    for chunk in chunks:
        t = chunk[0]
        if speed > 0 and t.size:
            start_t = float(t[0]) if start_t is None else start_t
            delay = (float(t[-1]) - start_t) / speed - (time.monotonic() - start_wall)
            if delay > 0:
                time.sleep(delay)
        yield chunk


#: Piped or logged output: a reading line at most this often (s of the step), and on a posture change.
_PLAIN_EVERY_S = 1.0
#: ... and a posture change at most this often (a reading on a posture's threshold flaps).
_PLAIN_MIN_S = 0.5


class _View:
    """Live feedback: a rich panel on a terminal; otherwise (piped, logged) a line per step and a
    reading line once a second and whenever the posture read changes."""

    def __init__(self, *, live: bool) -> None:
        self._live = Live(console=console, refresh_per_second=10, transient=True) if live else None
        self._said: tuple[float, str] | None = None  # (step time, posture) of the last reading line

    def __enter__(self) -> _View:
        if self._live is not None:
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def update(self, u: GuidedUpdate) -> None:
        if u.kind == "step":
            self._said = None
            console.print(f"[bold]Step {u.index + 1}/{u.n_steps}[/]: {u.message}")
        elif u.kind == "step_done":
            mark = "[green]done[/]" if u.passed else "[red]failed[/]"
            console.print(f"  {mark}: {u.message}")
        elif u.kind == "progress" and self._live is not None:
            self._live.update(_progress(u))
        elif u.kind == "progress":
            said = self._said
            changed = said is not None and u.posture != said[1] and u.elapsed_s >= said[0] + _PLAIN_MIN_S
            if said is None or changed or u.elapsed_s >= said[0] + _PLAIN_EVERY_S:
                self._said = (u.elapsed_s, u.posture)
                console.print("  " + _reading_text(u), highlight=False)

    # no output for "done": the results table follows


def _reading_text(u: GuidedUpdate) -> str:
    """One plain line of what the insoles read (% of body weight) and the posture held."""
    sides = [
        f"{side} {100 * v:5.1f} % BW" for side, v in (("left", u.left_bw), ("right", u.right_bw)) if v == v
    ]
    return (
        f"{'  '.join(sides)}  posture {u.posture}  held {u.held_s:.1f}/{u.hold_s:g} s  "
        f"(step {u.elapsed_s:.1f}/{u.timeout_s:g} s)"
    )


def _progress(u: GuidedUpdate) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_row(Text(f"Step {u.index + 1}/{u.n_steps}", style="bold"), Text(printable(u.message)))
    for side, value in (("left", u.left_bw), ("right", u.right_bw)):
        if value != value:  # NaN: that insole is not being calibrated
            continue
        table.add_row(Text(side), Text(_bar(value, 1.5) + f" {100 * value:5.1f} % BW"))
    table.add_row(
        Text("posture"),
        Text(
            f"{u.posture}  held {u.held_s:4.1f}/{u.hold_s:g} s  (step {u.elapsed_s:4.1f}/{u.timeout_s:g} s)"
        ),
    )
    return table


def _bar(value: float, full: float) -> str:
    filled = 0 if value != value else max(0, min(_BAR_WIDTH, round(_BAR_WIDTH * value / full)))
    return "#" * filled + "." * (_BAR_WIDTH - filled)


def _results_table(procedure: dict) -> Table:
    table = Table(title="calibration checks")
    for col in ("check", "value", "limit", "result"):
        table.add_column(col)
    for step in procedure.get("steps", []):
        if not step["completed"]:
            table.add_row(f"step {step['name']}", step["message"], "", "[red]FAIL[/]")
    for c in procedure.get("checks", []):
        limit = c["limit"]
        kind = c.get("kind", "abs")
        if kind == "range":
            limit_text = f"{limit[0]:g}-{limit[1]:g}"
        else:
            limit_text = f"{'<=' if kind == 'max' else '+-'}{limit:g}"
        value_text = f"{c['value']:.3f}"
        if c.get("uncertainty"):  # a measured value whose noise matters: the limit allows for it
            value_text += f" +- {c['uncertainty']:.2f}"
        result = "[green]PASS[/]" if c["passed"] else "[red]FAIL[/]"
        if c.get("undetermined"):  # the noise hides what the check is for: it cannot tell
            result = "[yellow]UNCLEAR[/]"
        table.add_row(
            c["name"],
            f"{value_text} {c['unit']}".strip(),
            f"{limit_text} {c['unit']}".strip(),
            result,
        )
    return table
