"""C3D export: insole channels as analog data for gait-lab software (needs ``ezc3d``).

C3D (https://www.c3d.org, "The C3D File Format User Guide", Motion Lab Systems) is the
file gait labs exchange; Visual3D, Vicon Nexus, Mokka, OpenSim's converters and most lab
software read it. The file is written with ezc3d (Michaud & Begon 2021, JOSS 6(58), 2911),
in C3D's floating-point format (``POINT:SCALE`` < 0), so values are stored as float32.

What the file holds
-------------------
Analog channels, one value per frame at the recording's nominal rate
(``ANALOG:RATE`` = ``POINT:RATE``; there are no 3-D points):

=================  ========  =======================================================
label              unit      what
=================  ========  =======================================================
``L1`` .. ``Ln``   N or kPa  left sensors in layout order (the recording's units)
``R1`` .. ``Rn``   N or kPa  right sensors
``L_FZ``, ``R_FZ`` N         total force normal to the insole (sum of sensor forces)
``L_COPX``, ...    mm        COP x in the insole frame: medial positive on both feet
``L_COPY``, ...    mm        COP y in the insole frame: anterior from the heel end
``L_VALID``, ...   (1/0)     1 where the insole delivered the frame, 0 in a gap
=================  ========  =======================================================

The COP is in each insole's own frame (origin at the heel end of the insole's long axis,
y towards the toes, x medial; README.md "Files and formats"), **not** the lab frame: the
insole does not know where the foot is. It is NaN where the total force is below
``cop_min_force_n``. ``ANALOG:DESCRIPTIONS`` says this per channel.

Missing data: C3D has no missing-value code for analog data. Frames an insole did not
deliver are written as NaN (IEEE float, which the floating-point format keeps and ezc3d
reads back as NaN) **and** flagged 0 in ``<side>_VALID``, so they stay recognisable to a
reader that turns NaN into 0. Time jumps (frames absent from the recording) become NaN
frames with ``VALID`` 0 at their place on the uniform C3D time axis.

Time: frame 1 is the recording's first frame; frame ``k`` (1-based) is at
``SENSORKIT:TIME_ORIGIN_S + (k - 1) / rate``. The origin is stored as a decimal string so a
Unix-time axis keeps its microseconds (C3D floats are 32-bit). The recording's frames must
lie on a uniform grid within ``max_time_error_frac`` of a period (:func:`frame_grid`): the
nominal rate's, or, for a device clock that runs slightly fast or slow, the best-fitting
rate, which is then the file's rate (``SENSORKIT:NOMINAL_RATE_HZ`` keeps the nominal one).

Events (``rec.events``, columns ``time_s``, ``label``, ``source``) go into the standard
``EVENT`` group: ``TIMES`` (2, k) as minutes and seconds after the first frame,
``LABELS`` = label, ``DESCRIPTIONS`` = source, ``CONTEXTS`` = "General", ``USED`` = k.

Metadata: ``SUBJECTS:NAMES`` (subject id, when known), ``PROCESSING:Bodymass`` (kg, the
Vicon convention, when known), and a ``SENSORKIT`` group: ``SCHEMA``, ``LAYOUT``,
``UNITS``, ``SIDES``, ``TIME_ORIGIN_S``, ``TIME_MAX_ERROR_S``, ``NOMINAL_RATE_HZ``, ``BODY_MASS_KG``,
``SUBJECT_ID``, ``COP_FRAME``, ``COP_MIN_FORCE_N``, ``MISSING``, the left layout's
``SENSOR_X_MM``, ``SENSOR_Y_MM``, ``SENSOR_AREA_MM2`` (NaN where unknown),
``FOOT_LENGTH_MM``, and the gap table ``GAP_START_S``, ``GAP_END_S`` (s after the first
frame), ``GAP_SIDE``, ``GAP_REASON``.

>>> import sensorkit as sk
>>> from sensorkit.io.c3d import write_c3d
>>> write_c3d(sk.simulate(duration_s=5, seed=1), "walk.c3d")  # doctest: +SKIP
PosixPath('walk.c3d')
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit.errors import SensorkitError
from sensorkit.io.foot_loads import COP_MIN_FORCE_N, foot_loads, has_forces
from sensorkit.io.spec import write_only
from sensorkit.outputs import atomic_output
from sensorkit.recording import Recording

__all__ = [
    "C3D_SCHEMA",
    "FORMAT",
    "MAX_ANALOG_CHANNELS",
    "frame_grid",
    "write_c3d",
]

C3D_SCHEMA = "sensorkit.c3d/1"
#: Analog channels this writer supports: a C3D parameter dimension is one byte (255), and
#: ezc3d's Python writer keeps per-channel units only within one LABELS block.
MAX_ANALOG_CHANNELS = 255
#: Largest dimension of a C3D parameter (one byte): at most this many events, and longer
#: metadata arrays (sensor positions of big grids, long gap tables) are listed in
#: ``SENSORKIT:NOT_STORED`` instead of written.
_MAX_DIM = 255
_INSTALL_HINT = "install it with: pip install 'sensorkit[c3d]' (or pip install ezc3d)"
_PREFIX = {"left": "L", "right": "R"}
_COP_FRAME = (
    "insole frame per foot: origin at the heel end of the insole long axis, "
    "y anterior (mm), x medial positive on both feet (mm); not the lab frame"
)
_MISSING = "analog NaN and <side>_VALID = 0 where the insole delivered no data"


def _ezc3d():
    try:
        import ezc3d
    except ImportError:
        raise SensorkitError(
            "C3D export needs the ezc3d package, which is not installed", hint=_INSTALL_HINT
        ) from None
    return ezc3d


def _events(rec: Recording) -> pd.DataFrame | None:
    """The recording's events table, or None when it has none (works before Recording.events exists)."""
    ev = getattr(rec, "events", None)
    if ev is None or len(ev) == 0:
        return None
    return ev


def frame_grid(time: np.ndarray, rate_hz: float, max_error_frac: float) -> tuple[np.ndarray, float, float]:
    """Place frames on a uniform grid: slot of each frame, the grid's rate and its largest time error.

    Slots follow the frame intervals: an interval of about m periods (at ``rate_hz``)
    advances m slots, so a time jump leaves m - 1 empty slots. The grid starts at the first
    frame and runs at ``rate_hz`` when every frame lies within ``max_error_frac`` of a
    period of its slot. A device clock that runs a little fast or slow drifts off that grid
    (PhysioNet gaitpdb files drift 8.5 ms in 2 min); then the grid runs at the rate that
    fits the frame times best (least squares through the first frame), if every frame lies
    within the same tolerance of it.

    Parameters
    ----------
    time : ndarray, shape (n,)
        Frame times in s, strictly increasing.
    rate_hz : float
        Nominal rate in Hz.
    max_error_frac : float
        Largest allowed distance of a frame from its slot, as a fraction of a period.

    Returns
    -------
    index : ndarray, shape (n,), int64
        Grid slot of each frame (0 = the first frame).
    grid_rate_hz : float
        Rate of the grid (``rate_hz`` or the fitted rate).
    max_error_s : float
        Largest |time - slot time| in s.

    Raises
    ------
    SensorkitError
        When a frame is further than ``max_error_frac`` periods from its slot on both grids:
        the recording is not uniformly sampled.
    """
    rel = time - time[0]
    steps = np.maximum(np.rint(np.diff(rel) * rate_hz), 1).astype(np.int64)
    index = np.concatenate(([0], np.cumsum(steps)))
    err = rel - index / rate_hz
    grid_rate = float(rate_hz)
    if np.abs(err).max() > max_error_frac / rate_hz and index[-1] > 0:
        fitted = float(np.dot(index, index) / np.dot(index, rel))  # slots per second, through (0, 0)
        fit_err = rel - index / fitted
        if np.abs(fit_err).max() < np.abs(err).max():
            grid_rate, err = fitted, fit_err
    worst = int(np.argmax(np.abs(err)))
    max_error_s = float(abs(err[worst]))
    if max_error_s > max_error_frac / grid_rate:
        raise SensorkitError(
            f"frame {worst} (t = {float(time[worst])!r} s) is {max_error_s * 1e3:.3f} ms off the "
            f"{grid_rate:g} Hz grid (allowed: {max_error_frac:g} of a period)",
            hint="C3D needs uniformly sampled frames, and these times are not (a live stream timed by "
            "arrival, say): export to CSV or Parquet, which keep each frame's own time",
        )
    return index, grid_rate, max_error_s


def _channels(
    rec: Recording, per_sensor: bool, cop_min_force_n: float
) -> list[tuple[str, str, str, np.ndarray]]:
    """(label, unit, description, values (n,)) of every analog channel, in file order."""
    out: list[tuple[str, str, str, np.ndarray]] = []
    if per_sensor:
        for side in rec.sides:
            lay, p, values = rec.layout_for(side), _PREFIX[side], rec.values(side)
            for j, name in enumerate(lay.sensor_names):
                desc = (
                    f"{side} sensor {name} ({lay.region[j]}, {lay.ml[j]}) at x={lay.x_mm[j]:.1f} mm "
                    f"y={lay.y_mm[j]:.1f} mm"
                )
                out.append((f"{p}{j + 1}", rec.units, desc, values[:, j]))
    if has_forces(rec):
        for side in rec.sides:
            loads, p = foot_loads(rec, side, min_force_n=cop_min_force_n), _PREFIX[side]
            out.append((f"{p}_FZ", "N", f"{side} total force normal to the insole", loads.force_n))
            out.append((f"{p}_COPX", "mm", f"{side} COP x, medial positive, insole frame", loads.cop_x_mm))
            out.append((f"{p}_COPY", "mm", f"{side} COP y, anterior from heel, insole frame", loads.cop_y_mm))
    for side in rec.sides:
        delivered = ~np.isnan(rec.values(side)).any(axis=1)
        out.append((f"{_PREFIX[side]}_VALID", "", f"1 = {side} insole delivered the frame", delivered))
    return out


def write_c3d(
    rec: Recording,
    path: str | Path,
    *,
    per_sensor: bool = True,
    cop_min_force_n: float = COP_MIN_FORCE_N,
    max_time_error_frac: float = 0.25,
    include_events: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write ``rec`` as a C3D file of analog channels (see the module docstring for the contents).

    Parameters
    ----------
    rec : Recording
        Values in N, or kPa (force and COP need the layout's sensor areas; without them
        only the per-sensor and VALID channels are written, and ``SENSORKIT:DERIVED`` says so).
    path : str or Path
        The file to write (any name; written to a temporary file beside it, then renamed).
    per_sensor : bool
        Write one analog channel per sensor (default). False writes only per-foot force,
        COP and VALID (for grids with more sensors than C3D tools handle).
    cop_min_force_n : float
        COP is NaN where the total force of that insole is below this (N).
    max_time_error_frac : float
        Largest allowed distance of a frame from the uniform C3D time grid, in periods.
    include_events : bool
        Write ``rec.events`` into the ``EVENT`` group (default). C3D holds at most 255
        events; with more, pass False (or write a shorter ``rec.slice_time(...)``).
    overwrite : bool
        Replace ``path`` if it exists (default: refuse).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    SensorkitError
        ezc3d is not installed (with the install hint); the recording is not uniformly
        sampled; more than :data:`MAX_ANALOG_CHANNELS` channels; more than 255 events.
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    """
    ezc3d = _ezc3d()
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (or --force) to replace it")
    index, rate, max_err = frame_grid(rec.time, rec.rate_hz, max_time_error_frac)
    channels = _channels(rec, per_sensor, cop_min_force_n)
    if len(channels) > MAX_ANALOG_CHANNELS:
        raise SensorkitError(
            f"{len(channels)} analog channels; this C3D writer holds at most {MAX_ANALOG_CHANNELS}",
            hint="pass per_sensor=False to write per-foot force, COP and VALID only",
        )
    events = _events(rec) if include_events else None
    if events is not None and len(events) > _MAX_DIM:
        raise SensorkitError(
            f"{len(events)} events; a C3D EVENT group holds at most {_MAX_DIM}",
            hint="pass include_events=False, or write a shorter rec.slice_time(start_s, stop_s)",
        )
    n_slots = int(index[-1]) + 1
    analogs = np.full((1, len(channels), n_slots), np.nan, dtype=np.float64)
    for c, (label, _unit, _desc, values) in enumerate(channels):
        if label.endswith("_VALID"):
            analogs[0, c, :] = 0.0
        analogs[0, c, index] = values
    t0 = float(rec.time[0])

    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [rate]
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = [rate]
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = [ch[0] for ch in channels]
    c3d.add_parameter("ANALOG", "UNITS", [ch[1] for ch in channels])
    c3d.add_parameter("ANALOG", "DESCRIPTIONS", [ch[2] for ch in channels])
    c3d["data"]["analogs"] = analogs
    c3d["data"]["points"] = np.zeros((3, 0, n_slots))
    del c3d["data"]["rotations"]  # none; an empty rotation block breaks ezc3d's writer
    _add_metadata(c3d, rec, t0, max_err, cop_min_force_n)
    c3d.add_parameter("SENSORKIT", "NOMINAL_RATE_HZ", [rec.rate_hz], "the recording's nominal rate (Hz)")
    if events is not None:
        for t, label, source in zip(events["time_s"], events["label"], events["source"], strict=True):
            minutes, seconds = divmod(float(t) - t0, 60.0)
            c3d.add_event([minutes, seconds], context="General", label=str(label), description=str(source))

    # a new file gets the umask's permissions (mkstemp gave 0600); ezc3d adds .c3d to other names
    with atomic_output(path, suffix=".c3d") as tmp:
        c3d.write(str(tmp))
        _check_complete(tmp, n_slots, len(channels))
    return path


def _check_complete(path: Path, n_frames: int, n_analog: int) -> None:
    """Raise when ezc3d's file is shorter than its own header says: ezc3d ignores write errors
    (a full disk left a truncated file and no error).

    A C3D file is 512-byte blocks: the header's word 9 is the first data block, and each frame
    of this writer holds ``n_analog`` float32 values (no 3-D points, one analog sample per
    frame), so the data ends at ``(start - 1) * 512 + n_frames * n_analog * 4`` bytes
    (C3D User Guide, "The C3D file header"; the frame count is ours, as the header's 16-bit
    field overflows beyond 65535 frames).
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
        size = fh.seek(0, os.SEEK_END)
    expected = None
    if len(head) == 512:
        start = int.from_bytes(head[16:18], "little")
        expected = (start - 1) * 512 + n_frames * n_analog * 4
    if expected is None or size < expected:
        raise SensorkitError(
            f"the C3D file was not written completely ({size} of {expected or 'at least 512'} bytes)",
            hint="is the disk full? the file it would replace is kept",
        )


def _add_metadata(c3d, rec: Recording, t0: float, max_err: float, cop_min_force_n: float) -> None:
    md = rec.metadata
    subject = md.get(
        "subject"
    )  # a capture header's {"id": ..., "body_mass_kg": ...}, or a reader's id string
    subject_id = (
        subject.get("id") if isinstance(subject, dict) else subject if isinstance(subject, str) else None
    )
    subject_id = subject_id or md.get("subject_id")
    mass = rec.body_mass_kg
    if subject_id:
        c3d.add_parameter("SUBJECTS", "USED", 1)
        c3d.add_parameter("SUBJECTS", "NAMES", [str(subject_id)])
    if mass is not None:
        c3d.add_parameter("PROCESSING", "Bodymass", [float(mass)], "body mass (kg)")
    g = "SENSORKIT"
    lay = rec.layout
    c3d.add_parameter(g, "SCHEMA", [C3D_SCHEMA])
    c3d.add_parameter(g, "LAYOUT", [lay.name])
    c3d.add_parameter(g, "UNITS", [rec.units], "units of the per-sensor channels")
    c3d.add_parameter(g, "SIDES", list(rec.sides))
    c3d.add_parameter(g, "TIME_ORIGIN_S", [repr(t0)], "time of frame 1 on the recording's axis (s)")
    c3d.add_parameter(g, "TIME_MAX_ERROR_S", [max_err], "largest frame distance from the C3D time grid (s)")
    if mass is not None:
        c3d.add_parameter(g, "BODY_MASS_KG", [float(mass)])
    if subject_id:
        c3d.add_parameter(g, "SUBJECT_ID", [str(subject_id)])
    c3d.add_parameter(g, "COP_FRAME", [_COP_FRAME])
    c3d.add_parameter(g, "COP_MIN_FORCE_N", [float(cop_min_force_n)], "COP is NaN below this force (N)")
    c3d.add_parameter(g, "MISSING", [_MISSING])
    if not has_forces(rec):
        c3d.add_parameter(g, "DERIVED", ["none: kPa values and the layout has no sensor areas"])
    not_stored: list[str] = []
    arrays = {
        "SENSOR_X_MM": (lay.x_mm.astype(np.float64), "left layout, medial positive"),
        "SENSOR_Y_MM": (lay.y_mm.astype(np.float64), "left layout, from the heel end"),
        "SENSOR_AREA_MM2": (lay.area_mm2.astype(np.float64), "NaN where unknown"),
    }
    if len(rec.gaps):
        gaps = rec.gaps
        arrays["GAP_START_S"] = (gaps["start_s"].to_numpy(np.float64) - t0, "s after frame 1")
        arrays["GAP_END_S"] = (gaps["end_s"].to_numpy(np.float64) - t0, "s after frame 1")
        arrays["GAP_SIDE"] = ([str(s) for s in gaps["side"]], "left, right or both")
        arrays["GAP_REASON"] = ([str(r) for r in gaps["reason"]], "how the gap was found")
    for name, (values, desc) in arrays.items():
        if len(values) > _MAX_DIM:  # one C3D parameter dimension is a byte
            not_stored.append(f"{name} ({len(values)} values > {_MAX_DIM})")
        else:
            c3d.add_parameter(g, name, values, desc)
    c3d.add_parameter(g, "FOOT_LENGTH_MM", [lay.foot_length_mm])
    if not_stored:
        c3d.add_parameter(g, "NOT_STORED", not_stored, "too long for a C3D parameter")


def _write_replacing(rec: Recording, path: str | Path) -> Path:
    """``sk.write`` replaces an existing file (the CLI asks for --force first)."""
    return write_c3d(rec, path, overwrite=True)


#: This format's entry for sensorkit.io.formats.FORMAT_TABLE: written by ``sk.write``, never read.
FORMAT = write_only(
    "c3d",
    (".c3d",),
    _write_replacing,
    what="C3D files",
    binary=True,
    description="C3D for gait-lab software (written only): analog channels per sensor, force and COP per foot",
)
