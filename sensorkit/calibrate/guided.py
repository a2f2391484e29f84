"""The guided calibration procedure: prompts, posture detection, tare, body-weight gains, checks.

The procedure consumes an iterable of chunks ``(time_s (n,), left_counts (n, S),
right_counts (n, S))`` (a live device, a replay or the simulator) and reports progress to a
callback, so a terminal, a GUI or a test can drive it. It never waits for a key press: each
step completes when the requested posture has been held for ``hold_s`` (detected from the
counts, see :mod:`sensorkit.calibrate.posture`) or fails after ``timeout_s``.

Steps (default order; tare first, so the standing steps are shown in body weights):

1. ``lift_left``  -- seated, left foot held up: zero offsets of the left insole.
2. ``lift_right`` -- seated, right foot held up: zero offsets of the right insole.
3. ``both``       -- quiet standing on both feet: checks ``g_L F_L + g_R F_R = BW``.
4. ``left``       -- standing on the left foot only: left gain; the lifted right foot gives
   a second right tare (zero drift during the procedure).
5. ``right``      -- standing on the right foot only: right gain; second left tare.

One insole (``sides=("left",)`` or ``("right",)``, steps :func:`single_insole_steps`): a
tare with that foot held up, standing on both feet, the gain standing on that foot only, a
second tare standing on the other foot. The postures are read from that insole alone
(:func:`sensorkit.calibrate.posture.classify_one_insole`), so nothing confirms that the
other foot is off the floor during the gain step; the both-feet step checks the gain instead:
the calibrated insole must carry 40-60 % of body weight there
(:data:`~sensorkit.calibrate.defaults.ONE_INSOLE_BOTH_FEET_SHARE`). A gain taken with the
other foot touching reads too high by 1 / (share on the insole foot); the check catches a
touch over about 20 % of body weight, not a lighter one (said in ``procedure["limits"]``).

Results: a :class:`~sensorkit.calibrate.calibration.Calibration` whose ``procedure`` lists
every step and every check with its number, limit and pass/fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from sensorkit.calibrate import defaults as D
from sensorkit.calibrate.calibration import Calibration, utc_now
from sensorkit.calibrate.drift import sensitivity_at_load
from sensorkit.calibrate.gain import body_weight_gain, body_weight_n
from sensorkit.calibrate.posture import classify_one_insole, classify_postures, side_force_n
from sensorkit.calibrate.response import SensorResponse
from sensorkit.calibrate.tare import TareResult, tare_offsets
from sensorkit.errors import CalibrationError
from sensorkit.layout import SIDES, SensorLayout

__all__ = ["DEFAULT_STEPS", "GuidedStep", "GuidedUpdate", "run_guided_calibration", "single_insole_steps"]

Chunk = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class GuidedStep:
    """One step: the posture to hold and what to tell the subject."""

    name: str
    instruction: str


DEFAULT_STEPS = (
    GuidedStep("lift_left", "Sit down and hold your LEFT foot off the floor"),
    GuidedStep("lift_right", "Stay seated and hold your RIGHT foot off the floor"),
    GuidedStep("both", "Stand up and stand still on BOTH feet"),
    GuidedStep("left", "Stand still on your LEFT foot only"),
    GuidedStep("right", "Stand still on your RIGHT foot only"),
)


#: Seconds at the end of a step that timed out whose readings say why (:func:`_missed_posture`).
_MISS_WINDOW_S = 3.0
#: Factors between the curves and a board that a failed step names; further off, a dead sensor or
#: connector is likelier than curves that do not fit (a reviewer's dead insole read "0.001x").
_FACTOR_SAID = (0.2, 5.0)
#: What one insole reads in each step it can detect (see classify_one_insole).
_ONE_INSOLE_POSTURE = {
    "left": {"lift_left": "unloaded", "both": "both", "left": "left", "right": "unloaded"},
    "right": {"lift_right": "unloaded", "both": "both", "right": "right", "left": "unloaded"},
}


def single_insole_steps(side: str) -> tuple[GuidedStep, ...]:
    """The steps that calibrate one insole, each changing what that insole carries.

    ``lift_<side>`` (tare, foot held up), ``both`` (standing on both feet: the share check),
    ``<side>`` (gain, standing on that foot only), then standing on the other foot only
    (second tare: zero drift). The insole goes unloaded, half loaded, fully loaded, unloaded,
    so no step can complete on the posture of the step before it.

    Parameters
    ----------
    side : {"left", "right"}
        The foot wearing the insole.

    Returns
    -------
    tuple of GuidedStep
        Four steps.

    Raises
    ------
    CalibrationError
        When ``side`` is not left or right.
    """
    if side not in SIDES:
        raise CalibrationError(f"side must be 'left' or 'right', got {side!r}")
    s = side.upper()
    other = SIDES[1 - SIDES.index(side)]
    return (
        GuidedStep(f"lift_{side}", f"Sit down and hold your {s} foot off the floor"),
        GuidedStep("both", "Stand up and stand still on BOTH feet, your weight even on both"),
        GuidedStep(side, f"Stand still on your {s} foot only"),
        GuidedStep(other, f"Stand still on your {other.upper()} foot only, {s} foot off the floor"),
    )


@dataclass(frozen=True)
class GuidedUpdate:
    """What the procedure tells its callback.

    Attributes
    ----------
    kind : {"step", "progress", "step_done", "done"}
        A step starts, live progress within a step, a step ended, the procedure ended.
    step : str
        Step name ("" for "done").
    index, n_steps : int
        Step number (0-based) and number of steps.
    message : str
        Instruction or result text.
    left_bw, right_bw : float
        Current force of each insole in body weights (best calibration so far).
    posture : str
        Detected posture of the latest frame.
    held_s, hold_s : float
        How long the posture has been held, and how long it must be, s.
    elapsed_s, timeout_s : float
        Time since the step started, and the step timeout, s.
    passed : bool or None
        Outcome for "step_done" and "done".
    """

    kind: str
    step: str
    index: int
    n_steps: int
    message: str = ""
    left_bw: float = float("nan")
    right_bw: float = float("nan")
    posture: str = ""
    held_s: float = 0.0
    hold_s: float = 0.0
    elapsed_s: float = 0.0
    timeout_s: float = 0.0
    passed: bool | None = None


Feedback = Callable[[GuidedUpdate], None]


@dataclass
class _Capture:
    """Frames of one completed step (the settled part of the held posture)."""

    time_s: np.ndarray
    left: np.ndarray
    right: np.ndarray


class _Reader:
    """Chunk iterator with push-back, so frames after a completed step start the next one."""

    def __init__(self, chunks: Iterable[Chunk], present: tuple[str, ...]) -> None:
        self._it: Iterator[Chunk] = iter(chunks)
        self._pending: list[Chunk] = []
        self._present = present

    def next(self) -> Chunk | None:
        if self._pending:
            return self._pending.pop()
        try:
            t, left, right = next(self._it)
        except StopIteration:
            return None
        t = np.asarray(t, dtype=np.float64)
        for side, counts in (("left", left), ("right", right)):
            if side in self._present and (
                counts is None or np.ndim(counts) != 2 or len(counts) != t.shape[0]
            ):
                raise CalibrationError(
                    f"a chunk has no {side} counts (n, S) for its {t.shape[0]} times",
                    hint="pass sides=('left',) or sides=('right',) to calibrate one insole",
                )
        return t, np.asarray(left), np.asarray(right)

    def push_back(self, chunk: Chunk) -> None:
        if chunk[0].size:
            self._pending.append(chunk)


def run_guided_calibration(
    chunks: Iterable[Chunk],
    *,
    body_mass_kg: float | None,
    layout: str | SensorLayout = "ref16",
    response: str | SensorResponse | None = None,
    foot_length_mm: float | None = None,
    feedback: Feedback | None = None,
    steps: Sequence[GuidedStep] | None = None,
    sides: str | Sequence[str] = SIDES,
    hold_s: float = D.GUIDED_HOLD_S,
    settle_s: float = D.GUIDED_SETTLE_S,
    timeout_s: float = D.GUIDED_TIMEOUT_S,
    both_feet_tolerance: float = D.BOTH_FEET_TOLERANCE,
    one_insole_share: tuple[float, float] = D.ONE_INSOLE_BOTH_FEET_SHARE,
    gain_range: tuple[float, float] = D.GAIN_RANGE,
    drift_limit_n_per_min: float = D.DRIFT_LIMIT_N_PER_MIN,
    tare_max_noise_counts: float | None = None,
) -> Calibration:
    """Run the guided calibration over a stream of raw-count chunks.

    Parameters
    ----------
    chunks : iterable of (time_s, left_counts, right_counts)
        Frames in order: times (n,) in s and raw counts (n, S) of each insole (the side not
        in ``sides`` is ignored and may be None).
    body_mass_kg : float
        Subject mass in kg (required: the gains make quiet standing read m g).
    layout : str or SensorLayout
        Insole layout.
    response : str or SensorResponse, optional
        Nominal response curves (default: the layout's built-in curves).
    foot_length_mm : float, optional
        Foot length the layout is scaled to, mm (stored in the calibration).
    feedback : callable, optional
        Called with a :class:`GuidedUpdate` at each step start, after each chunk, at each
        step end and at the end. It must not block.
    steps : sequence of GuidedStep, optional
        Steps in order (names from :data:`sensorkit.calibrate.posture.POSTURES`); default
        :data:`DEFAULT_STEPS` for a pair, :func:`single_insole_steps` for one insole.
    sides : str or sequence of str
        The insoles to calibrate: ``("left", "right")`` (default), or one of them.
    hold_s, settle_s, timeout_s : float
        Posture hold time, settling time discarded at the start of the hold, step timeout, s.
    both_feet_tolerance : float
        Largest relative error of the both-feet check (a pair).
    one_insole_share : (float, float)
        Range of the share of body weight one calibrated insole carries standing on both feet.
    gain_range : (float, float)
        Plausible range of a gain.
    drift_limit_n_per_min : float
        Limit of the zero drift measured between the two tares of each insole, N/min.
    tare_max_noise_counts : float, optional
        Largest robust sd of a sensor's counts during a tare, counts (default: 8 counts of a
        10-bit ADC, scaled to the response's ADC: :func:`sensorkit.calibrate.defaults.tare_max_noise_counts`).

    Returns
    -------
    Calibration
        With ``procedure["passed"]`` telling whether every check passed.

    Raises
    ------
    CalibrationError
        Missing or implausible mass, no tare possible for an insole, no gain possible, a
        chunk without the counts of an insole in ``sides``, or a step that one insole cannot
        detect (the other foot lifted while seated).
    """
    weight_n = body_weight_n(body_mass_kg)
    present = _checked_sides(sides)
    steps = (
        tuple(steps)
        if steps is not None
        else (DEFAULT_STEPS if len(present) == 2 else single_insole_steps(present[0]))
    )
    if len(present) == 1:
        unseen = [st.name for st in steps if st.name not in _ONE_INSOLE_POSTURE[present[0]]]
        if unseen:
            raise CalibrationError(
                f"one {present[0]} insole cannot detect the step(s) {', '.join(unseen)}",
                hint=f"use single_insole_steps({present[0]!r}), or calibrate the pair",
            )
        chunks = _one_side(chunks, present[0])
    nominal = Calibration.nominal(layout, response, foot_length_mm=foot_length_mm)
    live = dict(nominal.sides)  # best calibration so far, for the live display
    notify = feedback or (lambda update: None)
    reader = _Reader(chunks, present)
    captures: dict[str, _Capture] = {}
    step_rows = []
    for index, step in enumerate(steps):
        notify(
            GuidedUpdate(
                "step", step.name, index, len(steps), step.instruction, hold_s=hold_s, timeout_s=timeout_s
            )
        )
        capture, row = _run_step(
            reader, step, index, len(steps), live, weight_n, notify, hold_s, settle_s, timeout_s, present
        )
        step_rows.append(row)
        if capture is not None:
            captures[step.name] = capture
            _update_live(live, step.name, capture)
        notify(
            GuidedUpdate("step_done", step.name, index, len(steps), row["message"], passed=row["completed"])
        )
    cal = _solve(
        nominal,
        present,
        captures,
        step_rows,
        body_mass_kg,
        weight_n,
        both_feet_tolerance,
        one_insole_share,
        gain_range,
        drift_limit_n_per_min,
        tare_max_noise_counts,
    )
    notify(GuidedUpdate("done", "", len(steps), len(steps), "calibration finished", passed=cal.passed))
    return cal


def _checked_sides(sides: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(sides, str):
        sides = (sides,)
    present = tuple(s for s in SIDES if s in sides)
    if not present or len(present) != len(tuple(sides)):
        raise CalibrationError(f"sides must be left, right or both, got {tuple(sides)!r}")
    return present


def _one_side(chunks: Iterable[Chunk], side: str) -> Iterator[Chunk]:
    """Chunks with the absent insole's counts replaced by an empty (n, 0) array."""
    for t, left, right in chunks:
        t = np.asarray(t, dtype=np.float64)
        empty = np.zeros((t.shape[0], 0))
        yield (t, left, empty) if side == "left" else (t, empty, right)


def _postures(left_bw: np.ndarray, right_bw: np.ndarray, present: tuple[str, ...]) -> np.ndarray:
    """Posture per frame from both insoles, or from the one insole worn."""
    if len(present) == 2:
        return classify_postures(left_bw, right_bw)
    side = present[0]
    return classify_one_insole(left_bw if side == "left" else right_bw, side)


def _matches(step: str, postures: np.ndarray, present: tuple[str, ...], left_bw: np.ndarray,
             right_bw: np.ndarray) -> np.ndarray:  # fmt: skip
    """Frames whose posture is the one ``step`` asks for. A pair's lift steps ask only that the
    foot held up be unloaded and the other not stood on: with both under the unloaded level (a
    seated foot resting lightly on an insole that reads low, or a preload on the lifted one),
    the table's posture would name one foot whichever the step."""
    if len(present) == 2 and step in ("lift_left", "lift_right"):
        up, down = (left_bw, right_bw) if step == "lift_left" else (right_bw, left_bw)
        return (up < D.POSTURE_UNLOADED_BW) & (down < D.POSTURE_SEATED_MAX_BW)
    want = step if len(present) == 2 else _ONE_INSOLE_POSTURE[present[0]][step]
    return postures == want


# -- one step -----------------------------------------------------------------------------------
def _run_step(
    reader: _Reader,
    step: GuidedStep,
    index: int,
    n_steps: int,
    live: dict,
    weight_n: float,
    notify: Feedback,
    hold_s: float,
    settle_s: float,
    timeout_s: float,
    present: tuple[str, ...],
) -> tuple[_Capture | None, dict]:
    parts: list[Chunk] = []
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (t, left BW, right BW) read
    n_seen = 0
    t_start = None
    run_start = None  # index (within the step) of the first frame of the current run
    run_t0 = 0.0
    while True:
        chunk = reader.next()
        if chunk is None:
            msg = "the data ended before the posture was held"
            if levels:
                msg += _missed_posture(step.name, levels, live, present)
            return None, _row(step, t_start, None, 0, False, msg)
        t, left, right = chunk
        if t.size == 0:
            continue
        if t_start is None:
            t_start = float(t[0])
        nan = np.full(t.size, np.nan)
        fl = side_force_n(live["left"], left) / weight_n if "left" in present else nan
        fr = side_force_n(live["right"], right) / weight_n if "right" in present else nan
        postures = _postures(fl, fr, present)
        ok = _matches(step.name, postures, present, fl, fr)
        levels.append((t, fl, fr))
        done_at = None
        timed_out = False
        for i in range(t.size):
            if not ok[i]:
                run_start = None
            elif run_start is None:
                run_start, run_t0 = n_seen + i, float(t[i])
            if run_start is not None and t[i] - run_t0 >= hold_s:
                done_at = i
                break
            if t[i] - t_start > timeout_s:
                timed_out = True
                done_at = i
                break
        cut = t.size if done_at is None else done_at + 1
        parts.append((t[:cut], left[:cut], right[:cut]))
        n_seen += cut
        if done_at is not None:
            reader.push_back((t[cut:], left[cut:], right[cut:]))
        held = 0.0 if run_start is None else float(t[cut - 1]) - run_t0
        notify(
            GuidedUpdate(
                "progress",
                step.name,
                index,
                n_steps,
                step.instruction,
                left_bw=float(fl[cut - 1]),
                right_bw=float(fr[cut - 1]),
                posture=str(postures[cut - 1]),
                held_s=held,
                hold_s=hold_s,
                elapsed_s=float(t[cut - 1]) - t_start,
                timeout_s=timeout_s,
            )
        )
        if timed_out:
            msg = f"posture not held for {hold_s:g} s within {timeout_s:g} s"
            return None, _row(
                step,
                t_start,
                float(t[cut - 1]),
                0,
                False,
                msg + _missed_posture(step.name, levels, live, present),
            )
        if done_at is not None:
            tt = np.concatenate([p[0] for p in parts])
            keep = slice(run_start, None)
            tt = tt[keep]
            sel = tt >= tt[0] + settle_s
            cap = _Capture(
                tt[sel],
                np.concatenate([p[1] for p in parts])[keep][sel],
                np.concatenate([p[2] for p in parts])[keep][sel],
            )
            msg = f"held for {hold_s:g} s ({int(sel.sum())} frames used)"
            return cap, _row(step, t_start, float(tt[-1]), int(sel.sum()), True, msg)


def _missed_posture(step: str, levels: list, live: dict, present: tuple[str, ...]) -> str:
    """Why a step that timed out may have failed, from what the insoles read over its last
    :data:`_MISS_WINDOW_S` (body weights through the live curves): "" when nothing says more.

    The postures are told apart by levels the response curves must get within about 30 %
    (:mod:`sensorkit.calibrate.posture`); a board whose sensors read half what the curves
    assume never reaches them, and the only sign was a timeout and the instruction again.
    """
    t = np.concatenate([x[0] for x in levels])
    keep = t >= t[-1] - _MISS_WINDOW_S
    read = {
        side: float(np.median(np.concatenate([x[k] for x in levels])[keep]))
        for k, side in ((1, "left"), (2, "right"))
    }
    off, foot, both_min = D.POSTURE_UNLOADED_BW, D.POSTURE_ONE_FOOT_MIN_BW, D.POSTURE_BOTH_FEET_MIN_BW
    lo, hi = D.POSTURE_TOTAL_RANGE_BW
    one = len(present) == 1
    want = _ONE_INSOLE_POSTURE[present[0]][step] if one else step
    if want in ("lift_left", "lift_right", "unloaded"):  # a foot held up
        lifted = present[0] if one else want.removeprefix("lift_")
        if read[lifted] < off:
            return ""
        return (
            f": the {lifted} insole read {100 * read[lifted]:.1f} % of body weight with that foot held up "
            f"(at most {100 * off:g} %): the foot touched something, or its sensors read a large load at rest"
        )
    if one:
        f = read[present[0]]
        if want == present[0] and both_min <= f < foot:
            said, reading, expect = (
                f"the {want} insole read {100 * f:.1f} % of body weight (standing on that foot alone reads at "
                f"least {100 * foot:g} %, on both feet about half)",
                f,
                1.0,
            )
        elif want == "both" and f >= off and not both_min <= f < foot:
            said, reading, expect = (
                f"the {present[0]} insole read {100 * f:.1f} % of body weight (standing on both feet: "
                f"{100 * both_min:g}-{100 * foot:g} %)",
                f,
                0.5,
            )
        else:
            return ""
    else:
        other = {"left": "right", "right": "left"}.get(want)
        if other is not None and read[other] < off and read[want] < foot:
            said, reading, expect = (
                f"the {other} foot was off the floor but the {want} insole read {100 * read[want]:.1f} % of "
                f"body weight (standing on one foot reads at least {100 * foot:g} %)",
                read[want],
                1.0,
            )
        elif want == "both" and min(read.values()) >= off and not lo <= sum(read.values()) <= hi:
            total = sum(read.values())
            said, reading, expect = (
                f"the insoles read {100 * total:.1f} % of body weight together (standing on both feet: "
                f"{100 * lo:g}-{100 * hi:g} %)",
                total,
                1.0,
            )
        else:
            return ""
    ratio = reading / expect
    if not _FACTOR_SAID[0] <= ratio <= _FACTOR_SAID[1]:  # no curves read a board that far off
        return f": {said}. Check the insole's connections and sensors, and the body mass"
    curves = "', '".join(sorted({live[s].response.name for s in present}))
    return (
        f": {said}. If you held the posture, the response curves '{curves}' read this board at "
        f"about {ratio:.2g}x its load: give curves that fit its sensors and divider "
        "(--response FILE.json), or check the body mass"
    )


def _row(step: GuidedStep, t0: float | None, t1: float | None, n: int, ok: bool, msg: str) -> dict:
    return {
        "name": step.name,
        "instruction": step.instruction,
        "completed": ok,
        "start_s": t0,
        "end_s": t1,
        "n_frames": n,
        "message": msg,
    }


def _update_live(live: dict, name: str, cap: _Capture) -> None:
    """Improve the live display calibration with a completed tare step."""
    for side, lifted in (("left", "lift_left"), ("right", "lift_right")):
        if name == lifted:
            counts = cap.left if side == "left" else cap.right
            res = tare_offsets(cap.time_s, counts, unloaded=np.ones(cap.time_s.size, bool), side=side)
            off = np.clip(res.offset_counts, 0, live[side].response.saturation_counts - 1)
            live[side] = replace(live[side], offset_counts=off)


# -- solving for offsets and gains ---------------------------------------------------------------
_TARE_SOURCES = {"left": ("lift_left", "right"), "right": ("lift_right", "left")}
_GAIN_STEP = {"left": "left", "right": "right"}


def _solve(
    nominal: Calibration,
    present: tuple[str, ...],
    captures: dict[str, _Capture],
    step_rows: list[dict],
    body_mass_kg: float | None,
    weight_n: float,
    both_tol: float,
    share_range: tuple[float, float],
    gain_range: tuple[float, float],
    drift_limit: float,
    tare_max_noise: float | None,
) -> Calibration:
    checks: list[dict] = []
    notes: list[str] = []  # what passed but limits the calibration
    side_proc: dict[str, dict] = {s: {} for s in present}
    tares: dict[str, list[tuple[str, TareResult]]] = {}
    for side in present:
        tares[side] = []
        for source in _TARE_SOURCES[side]:
            cap = captures.get(source)
            if cap is None or cap.time_s.size == 0:
                continue
            counts = cap.left if side == "left" else cap.right
            res = tare_offsets(cap.time_s, counts, unloaded=np.ones(cap.time_s.size, bool), side=side)
            tares[side].append((source, res))
        if not tares[side]:
            failed = " and ".join(f"'{s}'" for s in _TARE_SOURCES[side])
            raise CalibrationError(
                f"cannot tare the {side} insole: steps {failed} did not complete",
                hint=f"the {side} foot must be held off the floor for a few seconds",
            )
        source, first = tares[side][0]
        noise = float(first.noise_counts.max())
        limit = tare_max_noise
        if limit is None:
            limit = D.tare_max_noise_counts(nominal.side(side).response.adc_bits)
        checks.append(_check(f"{side} tare noise", noise, limit, "counts", noise <= limit, "max"))
        side_proc[side]["tare"] = dict(first.to_dict(), step=source)

    sides = {
        s: replace(nominal.side(s), offset_counts=tares[s][0][1].offset_counts, timestamp_utc=utc_now())
        for s in present
    }
    mean_force = {}
    for name in ("left", "right", "both"):
        cap = captures.get(name)
        if cap is not None:
            mean_force[name] = {
                s: float(side_force_n(sides[s], cap.left if s == "left" else cap.right).mean())
                for s in present
            }
    gains: dict[str, float] = {}
    for side in present:
        if side in mean_force:
            cap = captures[side]
            force = side_force_n(sides[side], cap.left if side == "left" else cap.right)
            gains[side] = body_weight_gain(force, body_mass_kg, what=f"standing on the {side} foot")
            side_proc[side]["gain_step"] = side
            side_proc[side]["force_before_gain_n"] = mean_force[side][side]
    independent_check = len(gains) == 2
    missing = [s for s in present if s not in gains]
    if missing:
        if len(present) == 1:
            raise CalibrationError(
                f"cannot compute the {present[0]} gain: the step on the {present[0]} foot did not complete",
                hint=f"stand still on the {present[0]} foot only for a few seconds; if you did, the "
                "step's message says what the insole read",
            )
        if "both" not in mean_force:
            raise CalibrationError(
                f"cannot compute the {' and '.join(missing)} gain: the one-foot and both-feet steps did not complete",
                hint="stand still on the requested foot for a few seconds; if you did, the steps' "
                "messages say what the insoles read",
            )
        fb = mean_force["both"]
        known = sum(gains[s] * fb[s] for s in gains)
        share = sum(fb[s] for s in missing)
        if not share > 0:
            raise CalibrationError("standing on both feet read no force on the insoles to be calibrated")
        for s in missing:
            gains[s] = (weight_n - known) / share
            side_proc[s]["gain_step"] = "both"
    for side in present:
        g = gains[side]
        ok = gain_range[0] <= g <= gain_range[1]
        checks.append(_check(f"{side} gain", g, list(gain_range), "", ok))
        sides[side] = replace(sides[side], gain=g)

    if "both" in mean_force and len(present) == 1:
        side = present[0]
        share = gains[side] * mean_force["both"][side] / weight_n
        lo, hi = share_range
        checks.append(_check(f"{side} share standing on both feet", 100.0 * share, [100.0 * lo, 100.0 * hi], "%",
                             lo <= share <= hi))  # fmt: skip
        side_proc[side]["both_feet_share"] = share
        if abs(share - 0.5) > D.ONE_INSOLE_EVEN_TOLERANCE:
            notes.append(
                f"the {side} insole read {100 * share:.1f} % of body weight standing on both feet, not about "
                f"half: either the weight was not even, or the response curves '{sides[side].response.name}' "
                "do not fit these sensors between half and all of the body weight, and forces further from "
                "it (walking peaks, loading rates) are off by as much or more; curves measured on the "
                "sensors (--response FILE.json) remove that"
            )
    elif "both" in mean_force:
        fb = mean_force["both"]
        err = (gains["left"] * fb["left"] + gains["right"] * fb["right"]) / weight_n - 1.0
        name = "both feet = body weight" + ("" if independent_check else " (not independent)")
        checks.append(_check(name, 100.0 * err, 100.0 * both_tol, "%", abs(err) <= both_tol))
        side_proc["left"]["both_feet_share"] = gains["left"] * fb["left"] / weight_n

    for side in present:
        if len(tares[side]) < 2:
            continue
        (_, a), (_, b) = tares[side][:2]
        minutes = (b.time_s - a.time_s) / 60.0
        if abs(minutes) < 1e-6:
            continue
        slope = (b.offset_counts - a.offset_counts) / minutes
        sens = sensitivity_at_load(sides[side], weight_n / sides[side].n_sensors)
        drift = float(np.sum(slope * sens))
        # the two offsets are means of noisy counts: their error, as N/min at the same load (two
        # standard errors), keeps a noisy but steady board from failing (1 in 5 drift-free runs
        # of a maker's board failed at 1 N/min)
        se = np.hypot(a.noise_counts / np.sqrt(a.n_frames), b.noise_counts / np.sqrt(b.n_frames))
        uncertainty = float(2.0 * np.sqrt(np.sum((sens * se / abs(minutes)) ** 2)))
        side_proc[side]["drift"] = {
            "slope_counts_per_min": slope.tolist(),
            "drift_n_per_min": drift,
            "uncertainty_n_per_min": uncertainty,
            "limit_n_per_min": drift_limit,
            "span_min": minutes,
        }
        check = _check(
            f"{side} zero drift", drift, drift_limit, "N/min", abs(drift) <= drift_limit + uncertainty
        )
        check["uncertainty"] = uncertainty  # two standard errors: passed unless beyond the limit by more
        # passed, but the check could not tell: noise that hides a drift of the limit's size, or
        # a drift over the limit that passed only by its uncertainty
        check["undetermined"] = bool(
            check["passed"] and (uncertainty > drift_limit or abs(drift) > drift_limit)
        )
        checks.append(check)

    completed = all(r["completed"] for r in step_rows)
    passed = completed and all(c["passed"] for c in checks)
    sides = {s: replace(sides[s], procedure=side_proc[s]) for s in present}
    procedure = {
        "method": "guided",
        "insoles": list(present),
        "body_weight_n": weight_n,
        "steps": step_rows,
        "checks": checks,
        "all_steps_completed": completed,
        "passed": passed,
        "notes": notes,
    }
    if len(present) == 1:
        procedure["limits"] = (
            "one insole: its postures are read from that insole alone, so nothing confirms the other "
            "foot is off the floor while the gain is taken; a touch makes the gain too high by 1 / (share "
            "on the insole foot). "
            + (
                f"The both-feet share ({100 * share_range[0]:g}-{100 * share_range[1]:g} %) catches a touch "
                "carrying over about 20 % of body weight, not a lighter one."
                if "both" in mean_force
                else "Without the both-feet step nothing checks the gain."
            )
        )
    return Calibration(
        nominal.layout,
        sides,
        foot_length_mm=nominal.foot_length_mm,
        body_mass_kg=float(body_mass_kg),
        created_utc=utc_now(),
        procedure=procedure,
    )


def _check(name: str, value: float, limit: float | list, unit: str, ok: bool, kind: str = "abs") -> dict:
    """One check: ``kind`` says how ``limit`` applies ("abs": |value| <= limit, "max": value <=
    limit, "range": limit[0] <= value <= limit[1])."""
    if isinstance(limit, list):
        kind = "range"
    return {
        "name": name,
        "value": float(value),
        "limit": limit,
        "kind": kind,
        "unit": unit,
        "passed": bool(ok),
    }
