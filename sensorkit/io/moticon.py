"""Moticon OpenGo text exports (tab-separated ``.txt`` written by the OpenGo software).

What the reader expects (the structure of the export as parsed by Moticon's own
``moticon-opengo`` Python package, ``txt_export.Measurement``):

* leading comment lines ``# key: value``: ``Start time`` (``dd.mm.YYYY HH:MM:SS.fff``),
  ``Duration``, ``Sensor insoles`` (``Left SN..., Right SN...``), ``Size``,
  ``Recording type``, ``Name``, ``Notes``, ``Tag``;
* the last comment line is the tab-separated channel header, starting with ``time`` (s),
  e.g. ``time  left pressure 1[N/cm²] ... left pressure 16[N/cm²]  left acceleration X[g]
  ...  left total force[N]  left center of pressure X[-0.5...+0.5] ... right ...``;
* one tab-separated row per sample on a time axis shared by both insoles; a row where
  one insole had no sample leaves that insole's cells empty.

What the reader keeps, checked against two real exports (``moticon-opengo`` 1.0.3 test data):

* the 16 ``pressure`` channels of each insole, in N/cm², converted to kPa (x 10);
* Moticon's own ``total force`` (N) and ``center of pressure X/Y`` per side, in
  ``metadata["moticon"][side]`` as arrays ``total_force_n``, ``cop_ap_fraction`` and
  ``cop_ml_fraction`` (NaN where that insole has no sample). **Moticon's X is the
  heel-to-toe axis and its Y the side-to-side one** (swapped against sensorkit's x/y), both
  fractions -0.5..+0.5 of the insole's length and width with no millimetre scale; Y is
  positive medially on both feet (the fitted positions put the hallux, first metatarsal and
  arch sensors at positive Y). They are kept for comparison and layout fitting
  (:func:`sensorkit.layouts.fit`); sensorkit computes its own force and COP from the
  pressures and the layout. Non-JSON metadata: a Parquet copy does not store these arrays.
* the ``left steps[]``/``right steps[]`` columns as :attr:`Recording.events` with source
  ``"moticon"``: codes 11/21 are ``<side>_initial_contact`` and 15/25 ``<side>_toe_off`` (they
  match the initial-contact and toe-off times of Moticon's gait report for the same
  recordings to the 10 ms sample); other codes become ``<side>_step_code_<n>``. They are the
  vendor's detections, never used as sensorkit's.
* empty cells as missing frames (gaps, never filled): each real export starts with 50-59 rows
  without left-insole data and has 60-70 ms holes; a skipped row is a time-jump gap.
* a truncated export reads up to the cut with a ``FileTruncatedWarning``: a last row cut
  short is dropped; rows that end more than two frames before the header's ``Duration``
  (both real exports end within one frame of it) are reported as cut off the end.

Acceleration and angular-rate channels are not read.

**Sensor positions are not in the export.** By default the layout is the built-in
*estimated* ``moticon-s<size>-estimated`` of the insole size in the header (fitted from real
exports: ``tools/make_moticon_layout.py``); other sizes need ``layout=`` (a 16-sensor
pressure layout, which :func:`sensorkit.layouts.fit` can estimate from any export).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import FormatSpec, head_text
from sensorkit.io.validate import text_lines
from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.recording import Recording

__all__ = ["FORMAT", "KPA_PER_N_CM2", "STEP_EVENT_CODES", "looks_like_moticon_opengo", "read_moticon_opengo"]

#: 1 N/cm² = 10 kPa.
KPA_PER_N_CM2 = 10.0
_PRESSURE = re.compile(r"^(left|right) pressure (\d+)\s*\[\s*N/cm(?:²|2|\^2)\s*\]$", re.IGNORECASE)
_TOTAL = re.compile(r"^(left|right) total force\s*\[\s*N\s*\]$", re.IGNORECASE)
_COP = re.compile(r"^(left|right) center of pressure ([XY])\s*\[.*\]$", re.IGNORECASE)
_STEPS = re.compile(r"^(left|right) steps\s*\[\s*\]$", re.IGNORECASE)
#: Step-event codes of the ``steps[]`` columns: code -> (side, event).
STEP_EVENT_CODES = {
    11: ("left", "initial_contact"),
    15: ("left", "toe_off"),
    21: ("right", "initial_contact"),
    25: ("right", "toe_off"),
}
_HEADER_KEYS = ("Start time", "Duration", "Sensor insoles", "Size", "Recording type", "Name", "Notes", "Tag")
_MAX_HEADER_LINES = 200


def looks_like_moticon_opengo(path: str | Path, head: str) -> bool:
    """True when the text ``head`` of ``path`` has OpenGo comment keys or pressure channels.

    Examples
    --------
    >>> head = "# Start time: 27.09.2023 10:21:14.922\\n# Sensor insoles: Left SN1, Right SN2\\n"
    >>> looks_like_moticon_opengo("x.txt", head)
    True
    >>> looks_like_moticon_opengo("x.csv", "# units: N\\ntime,L1\\n")
    False
    """
    comments = [ln[1:].strip() for ln in head.splitlines() if ln.startswith("#")]
    keys = {c.split(":", 1)[0].strip() for c in comments if ":" in c}
    if {"Start time", "Sensor insoles"} <= keys:
        return True
    return any(_PRESSURE.match(f.strip()) for c in comments for f in c.split("\t"))


def _parse_header(path: Path) -> tuple[dict[str, str], list[str], int]:
    """Comment fields, channel names and the number of comment lines."""
    fields: dict[str, str] = {}
    channels: list[str] = []
    n_comment = 0
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                n_comment += 1
                if n_comment > _MAX_HEADER_LINES:
                    break
                body = line[1:].strip("\r\n").strip()
                key = body.split(":", 1)[0].strip()
                if key in _HEADER_KEYS and ":" in body:
                    fields[key] = body.split(":", 1)[1].strip()
                elif "\t" in body:
                    channels = [c.strip() for c in body.split("\t")]
    except UnicodeDecodeError as exc:
        text_lines(str(path))  # raises, naming the line and the byte
        raise FileFormatError(f"not a text file ({exc.reason})", path=str(path)) from None
    return fields, channels, n_comment


def _metadata(fields: dict[str, str], path: Path) -> dict[str, Any]:
    md: dict[str, Any] = {"source": str(path), "format": "moticon-opengo"}
    start = fields.get("Start time")
    if start:
        try:
            md["start_time"] = _dt.datetime.strptime(start, "%d.%m.%Y %H:%M:%S.%f").isoformat()
        except ValueError:
            md["start_time"] = start
    serials = fields.get("Sensor insoles")
    if serials:
        for part in (p.strip() for p in serials.split(",")):
            side, _, serial = part.partition(" ")
            if side.lower() in ("left", "right") and serial:
                md[f"serial_{side.lower()}"] = serial.strip()
    for key, name in (
        ("Size", "insole_size"),
        ("Recording type", "recording_type"),
        ("Name", "name"),
        ("Notes", "notes"),
        ("Tag", "tag"),
        ("Duration", "duration"),
    ):
        if fields.get(key):
            md[name] = fields[key]
    return md


def read_moticon_opengo(
    path: str | Path,
    *,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
) -> Recording:
    """Read an OpenGo text export into a Recording (pressures in kPa on ``layout``).

    Parameters
    ----------
    path : str or Path
        The ``.txt`` export.
    layout : SensorLayout or str, optional
        A pressure layout with one sensor per exported pressure channel (16), in the order
        of the channel numbers. Default: the built-in estimated layout of the header's
        insole size (``moticon-s7-estimated`` ...), when there is one.
    body_mass_kg : float, optional
        Subject mass in kg.

    Returns
    -------
    Recording
        ``time`` from the export's time column (s), pressures in kPa, empty cells as NaN
        frames listed in ``gaps``; header fields (start time, serials, size, tag ...) and
        Moticon's own force and COP (``metadata["moticon"]``) in ``metadata``; the step
        columns as ``events``.

    Raises
    ------
    FileFormatError
        Missing channel header or pressure channels, no or unsuitable layout, non-numeric
        cells (with line and column), time not increasing.

    Examples
    --------
    >>> rec = read_moticon_opengo("230927_102114.txt")  # doctest: +SKIP
    """
    path = Path(path)
    fields, channels, n_comment = _parse_header(path)
    if not channels or channels[0].lower() != "time":
        raise FileFormatError(
            "no channel header: the last '#' line of an OpenGo export lists the channels, starting with 'time'",
            path=str(path),
            line=max(n_comment, 1),
        )
    pressure: dict[str, list[tuple[int, int]]] = {"left": [], "right": []}
    for col, name in enumerate(channels):
        m = _PRESSURE.match(name)
        if m:
            pressure[m.group(1).lower()].append((int(m.group(2)), col))
    if not (pressure["left"] or pressure["right"]):
        raise FileFormatError(
            "no pressure channels ('left pressure 1[N/cm²]' ...) in the export",
            path=str(path),
            line=n_comment,
            hint="export the pressure channels of both insoles",
        )
    counts = {s: len(v) for s, v in pressure.items() if v}
    if len(set(counts.values())) > 1:
        raise FileFormatError(
            f"the insoles export different numbers of pressure channels {counts}",
            path=str(path),
            line=n_comment,
        )
    n_sensors = next(iter(counts.values()))
    if layout is None:
        layout = _default_layout(fields.get("Size"), n_sensors)
    lay = _check_layout(layout, n_sensors, path)
    vendor = _vendor_columns(channels)
    usecols = [0] + [col for side in ("left", "right") for _, col in sorted(pressure[side])]
    usecols += sorted({c for cols in vendor.values() for c in cols.values()} - set(usecols))
    n_rows = _complete_rows(path, n_comment, len(channels))
    try:
        table = pd.read_csv(
            path,
            sep="\t",
            header=None,
            skiprows=n_comment,
            nrows=n_rows,
            usecols=usecols,
            dtype=np.float64,
            engine="c",
            skip_blank_lines=True,
            keep_default_na=False,
            na_values=[""],  # only empty cells are missing; "n/a", "null" ... are errors
        )
    except ValueError as exc:  # UnicodeDecodeError too: a byte that is not UTF-8
        if isinstance(exc, UnicodeDecodeError):
            text_lines(str(path))  # raises, naming the line and the byte
        raise _locate(path, n_comment, channels, usecols) or FileFormatError(
            f"cannot parse ({exc})", path=str(path)
        ) from None
    data = {c: table[c].to_numpy() for c in usecols}
    time = data[0]
    missing_time = np.flatnonzero(np.isnan(time))
    if missing_time.size:
        raise FileFormatError(
            "time is empty", path=str(path), line=n_comment + 1 + int(missing_time[0]), column="time"
        )
    _check_duration(path, fields.get("Duration"), time)
    sides: dict[str, np.ndarray | None] = {}
    for side in ("left", "right"):
        cols = [col for _, col in sorted(pressure[side])]
        sides[side] = np.column_stack([data[c] for c in cols]) * KPA_PER_N_CM2 if cols else None
    metadata = _metadata(fields, path)
    moticon: dict[str, dict[str, np.ndarray]] = {}
    for side, cols in vendor.items():
        kept = {name: data[col] for name, col in cols.items() if name != "steps"}
        if kept:
            moticon[side] = kept
    if moticon:
        metadata["moticon"] = moticon
    events = [
        {"time_s": float(time[i]), "label": _step_label(side, data[cols["steps"]][i]), "source": "moticon"}
        for side, cols in vendor.items()
        if "steps" in cols
        for i in np.flatnonzero(np.isfinite(data[cols["steps"]]))
    ]
    try:
        return Recording.from_arrays(
            time,
            sides["left"],
            sides["right"],
            layout=lay,
            units="kPa",
            body_mass_kg=body_mass_kg,
            metadata=metadata,
            events=events,
        )
    except ValueError as exc:
        message = re.sub(
            r"frame (\d+)", lambda m: f"frame {m.group(1)} (line {n_comment + 1 + int(m.group(1))})", str(exc)
        )
        raise FileFormatError(message, path=str(path)) from None


def _duration_s(text: str | None) -> float | None:
    """The header's ``Duration`` (``mm:ss.fff`` or ``hh:mm:ss.fff``) in s, or None when absent or unreadable."""
    if not text:
        return None
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if not 1 <= len(values) <= 3 or any(v < 0 for v in values):
        return None
    seconds = 0.0
    for v in values:
        seconds = seconds * 60.0 + v
    return seconds if math.isfinite(seconds) else None


def _check_duration(path: Path, declared: str | None, time: np.ndarray) -> None:
    """Warn when the rows end well before the header's declared duration (an export cut at a row boundary).

    A cut inside a row is caught by :func:`_complete_rows`; a cut between rows leaves a file
    that parses, and only the header's ``Duration`` (the recording's length, which the last
    row's time matches to within a frame in complete exports, whose rows start at 0 s) tells
    that rows are missing. A file whose rows start later is an excerpt: not checked.
    """
    duration = _duration_s(declared)
    if duration is None or time.size < 2:
        return
    period = float(np.median(np.diff(time)))
    if period > 0 and float(time[0]) > 2.0 * period + 1e-6:
        return  # an excerpt (the first rows were cut on purpose): the header is the original's
    missing = duration - float(time[-1])
    if period > 0 and missing > 2.0 * period + 1e-6:
        warnings.warn(
            f"{path}: the rows end at {float(time[-1]):.3f} s but the header declares a duration of "
            f"{duration:.3f} s: {missing:.3f} s ({round(missing / period)} rows) look cut off the end",
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )


def _complete_rows(path: Path, n_comment: int, n_channels: int) -> int | None:
    """Rows to read: all (None), or all but a last row cut short by a truncated export (with a warning)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 65536, 0))
        tail = fh.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    last = tail.splitlines()[-1]
    if last.count(b"\t") + 1 >= n_channels:
        return None
    with path.open("rb") as fh:
        n_lines = sum(1 for _ in fh)
    n_data = n_lines - n_comment - 1
    warnings.warn(
        f"{path}: the last row (line {n_lines}) is cut short; read the {n_data} rows before it",
        FileTruncatedWarning,
        stacklevel=user_stacklevel(),
    )
    return n_data


def _vendor_columns(channels: list[str]) -> dict[str, dict[str, int]]:
    """Columns of Moticon's own total force, COP and step events, per side."""
    out: dict[str, dict[str, int]] = {"left": {}, "right": {}}
    for col, name in enumerate(channels):
        if m := _TOTAL.match(name):
            out[m.group(1).lower()]["total_force_n"] = col
        elif m := _COP.match(name):
            key = "cop_ap_fraction" if m.group(2).upper() == "X" else "cop_ml_fraction"
            out[m.group(1).lower()][key] = col
        elif m := _STEPS.match(name):
            out[m.group(1).lower()]["steps"] = col
    return {side: cols for side, cols in out.items() if cols}


def _step_label(side: str, code: float) -> str:
    known = STEP_EVENT_CODES.get(int(code)) if float(code).is_integer() else None
    if known is not None and known[0] == side:
        return f"{side}_{known[1]}"
    return f"{side}_step_code_{code:g}"


def _default_layout(size: str | None, n_sensors: int) -> str | None:
    """The built-in estimated layout of this insole size, or None."""
    name = f"moticon-s{(size or '').strip()}-estimated"
    return name if n_sensors == 16 and name in builtin_layouts() else None


def _check_layout(layout: SensorLayout | str | None, n_sensors: int, path: Path) -> SensorLayout:
    if layout is None:
        raise FileFormatError(
            "an OpenGo export holds no sensor positions and sensorkit has no layout for this insole size",
            path=str(path),
            hint=f"pass layout= a {n_sensors}-sensor pressure layout JSON for your insole size "
            "(estimate one from the export with sensorkit.layouts.fit; built in: "
            + ", ".join(n for n in builtin_layouts() if n.startswith("moticon-"))
            + ")",
        )
    try:
        lay = load_layout(layout) if isinstance(layout, (str, Path)) else layout.for_side("left")
    except CalibrationError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None
    if lay.value_kind != "pressure":
        raise FileFormatError(
            f"layout {lay.name!r} describes force sensors (N); OpenGo exports pressure",
            path=str(path),
            hint="use a layout with value_kind 'pressure' and the sensor areas of the insole",
        )
    if lay.n_sensors != n_sensors:
        raise FileFormatError(
            f"the export has {n_sensors} pressure channels per insole but layout "
            f"{lay.name!r} has {lay.n_sensors} sensors",
            path=str(path),
        )
    return lay


def _locate(path: Path, n_comment: int, channels: list[str], usecols: list[int]) -> FileFormatError | None:
    """The first non-numeric cell among the columns read, as an error naming line and channel."""
    with path.open("r", encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= n_comment or not line.strip():
                continue
            cells = line.rstrip("\r\n").split("\t")
            for col in usecols:
                cell = cells[col].strip() if col < len(cells) else ""
                if not cell:
                    continue
                try:
                    float(cell)
                except ValueError:
                    return FileFormatError(
                        f"not a number: {cell!r}", path=str(path), line=lineno, column=channels[col]
                    )
    return None


def _sniff(path: Path, head: bytes) -> bool:
    return looks_like_moticon_opengo(path, head_text(head))


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="moticon-opengo",
    extensions=(".txt",),
    sniff=_sniff,
    read=read_moticon_opengo,
    options=frozenset({"layout", "body_mass_kg"}),
    description="Moticon OpenGo text export (16 pressures per insole, N/cm²)",
)
