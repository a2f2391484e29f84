"""Generic CSV recordings (README.md "Files and formats"), including CSVs as people save them.

Layout of a file::

    # units: N
    # layout: ref16
    # body_mass_kg: 70
    # rate_hz: 100
    # subject: S01
    time,L1,...,L16,R1,...,R16
    0.00,12.5,...

Optional leading ``# key: value`` lines, then a header whose first column is the time and
then one column per sensor: left columns start with ``L``, right ones with ``R`` (``L1``..``Ln``
or ``L_<sensor name>``), matched to the layout's sensors by those names or numbers in any
column order (never by place: a column that names no sensor, or a sensor without its column,
is an error). Either side may be absent. Empty cells are allowed only for whole
frames a side did not deliver (they become gaps).

Metadata keys: ``units``, ``layout`` (a built-in name), ``layout_json`` / ``layout_right_json``
(a whole ``sensorkit.layout/1`` object on one line, written for layouts that are not built in
so the file reads back without ``layout=``), ``body_mass_kg``, ``rate_hz`` (and ``configured_rate_hz``: a device's configured rate, when the
recording's is the one measured), ``events_json``
(a list of ``[time_s, label, source]``), ``gaps_json`` (a list of ``[start_s, end_s, side,
n_missing, reason]``; the line may repeat, each adding its gaps, so that long lossy sessions
stay under the line limit), ``subject_from_file_name`` (``true`` when the
subject was taken from a file name, as the PhysioNet reader does; read as a bool), and any
other key (``subject``, ``session`` ...), kept as text in ``metadata``.

The time column is ``time`` or ``time_s`` (seconds), ``time_ms`` (milliseconds) or
``time_us`` (microseconds). A ``time`` column whose median step is longer than
:data:`MAX_PLAUSIBLE_STEP_S` is refused as probably milliseconds (pass ``time_unit="ms"``),
never silently read 1000 times too slow; a ``time_unit`` that makes the rows closer than
:data:`MIN_PLAUSIBLE_STEP_S` (faster than 20 kHz) is refused too.

Dialects: a UTF-8 byte-order mark is skipped; the empty cells a spreadsheet adds to each
``#`` line (``# units: kPa;;;;``) are dropped, so a metadata value cannot end in ``;``, ``,``
or a tab; ``;`` or tab separators and decimal commas
are sniffed from the header and the first rows (and recorded in
``metadata["csv_dialect"]``) or given as ``sep=``/``decimal=``; text that is not UTF-8 is an
error naming the line unless ``encoding=`` says what it is (``"latin-1"``, ``"cp1252"``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit._json import check
from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import FormatSpec, head_text
from sensorkit.io.validate import (
    GAPS_SPEC,
    MAX_HEADER_LINE_CHARS,
    MAX_PLAUSIBLE_STEP_S,
    check_csv_header,
    check_seconds,
    declared_gaps,
    declared_rate,
    median_step_s,
)
from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.outputs import atomic_output
from sensorkit.recording import Recording

__all__ = [
    "FORMAT",
    "MAX_PLAUSIBLE_STEP_S",
    "MIN_PLAUSIBLE_STEP_S",
    "TIME_UNITS",
    "looks_like_generic_csv",
    "read_generic_csv",
    "write_generic_csv",
]

#: Seconds per unit of a time column.
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
#: A time column whose median step, in the unit given, is below this (s) is refused: faster than
#: 20 kHz is no insole (a seconds column read with ``time_unit="ms"``).
MIN_PLAUSIBLE_STEP_S = 5e-5
_TIME_NAMES = {"time": None, "time_s": "s", "time_ms": "ms", "time_us": "us"}
_PADDING = re.compile(r"(?:;+|,+|\t+)\s*$")  # the empty cells a spreadsheet adds to a '#' line
_KNOWN_KEYS = {
    "units",
    "layout",
    "layout_json",
    "layout_right_json",
    "body_mass_kg",
    "rate_hz",
    "events_json",
    "gaps_json",
}
#: Gaps written per ``gaps_json`` line (about 60 characters each: well under the line limit).
GAPS_PER_LINE = 5000
_SEPARATORS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def looks_like_generic_csv(path: Path, head: str) -> bool:
    """True when the first meaningful line is a ``# key: value`` metadata line or a ``time``
    header (a Markdown file's ``# Title`` is neither: it was read as a CSV whose metadata line
    was wrong, instead of a file of no known format)."""
    for line in head.splitlines():
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped == "#":  # blank and bare '#' lines: the reader skips them too
            continue
        first = re.split(r"[,;\t]", stripped)[0].strip().lower()
        return bool(_METADATA_LINE.match(stripped)) or first in _TIME_NAMES
    return False


#: A metadata line: ``# key: value`` (any non-empty key before the first colon).
_METADATA_LINE = re.compile(r"#\s*[^\s:#][^:]*:")


def _decode(path: Path, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding used; a clear error with the line for bad bytes."""
    raw = path.read_bytes()
    enc = encoding
    if raw.startswith(codecs.BOM_UTF8):
        raw, enc = raw[len(codecs.BOM_UTF8) :], enc or "utf-8"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = enc or "utf-16"
    enc = enc or "utf-8"
    try:
        return raw.decode(enc), enc
    except LookupError:
        raise FileFormatError(f"unknown text encoding {enc!r}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FileFormatError(
            f"byte 0x{raw[exc.start]:02x} is not {enc} text",
            path=str(path),
            line=line,
            column=column,
            hint="saved by Excel or an older tool? read it as latin-1 (or cp1252): "
            'sk.read(path, encoding="latin-1"); --encoding latin-1 on the command line',
        ) from None


def read_generic_csv(
    path: str | Path,
    *,
    layout: SensorLayout | str | Path | None = None,
    body_mass_kg: float | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    time_unit: str | None = None,
) -> Recording:
    """Read a generic CSV recording.

    Parameters
    ----------
    path : str or Path
        The file.
    layout : SensorLayout, str or Path, optional
        Overrides the file's ``# layout:`` / ``# layout_json:`` lines.
    body_mass_kg : float, optional
        Overrides the file's ``# body_mass_kg:`` line.
    sep : {",", ";", "\\t"}, optional
        Field separator; sniffed from the header line when not given.
    decimal : {".", ","}, optional
        Decimal mark; a decimal comma is sniffed when the separator is not a comma.
    encoding : str, optional
        Text encoding (default UTF-8, with or without a byte-order mark).
    time_unit : {"s", "ms", "us"}, optional
        Unit of a plain ``time`` column (``time_ms``/``time_us`` columns say it themselves).

    Returns
    -------
    Recording
        ``metadata["csv_dialect"]`` says which separator, decimal mark, encoding and time
        unit were used.

    Raises
    ------
    FileFormatError
        Naming the file, line and column of the problem; a time column that looks like
        milliseconds names the column and the fix.
    """
    path = Path(path)
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise FileFormatError(
            f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}", path=str(path)
        )
    if decimal is not None and decimal not in (".", ","):
        raise FileFormatError(f"decimal must be '.' or ',', not {decimal!r}", path=str(path))
    if sep is not None and (len(sep) != 1 or sep in '\r\n"' or sep.isalnum()):
        raise FileFormatError(
            f"the separator must be one character such as ',', ';' or a tab, not {sep!r}", path=str(path)
        )
    text, enc = _decode(path, encoding)
    lines = _split_lines(text)
    meta, header_line = _read_preamble(lines, path)
    header_lineno = header_line + 1  # 1-based line number of the column header
    sep = sep or _sniff_sep(lines[header_line])
    check_csv_header(lines[header_line].replace(sep, ","), str(path), header_lineno)
    if decimal is None:
        decimal = _sniff_decimal(lines[header_line + 1 : header_line + 50], sep)
    n_lines = len(lines)
    while len(lines) > header_line + 1 and (
        not lines[-1].strip(" \t\x1a") or lines[-1].lstrip().startswith("#")
    ):  # closing comments ("# end"), blank lines and Ctrl-Z, with or without a line end: no rows
        lines = lines[:-1]
    if len(lines) < n_lines:
        text = "\n".join(lines) + "\n"
    if not text.endswith(("\n", "\r")) and len(lines) > header_line + 1:
        # no line end: the file was cut, perhaps inside the last value (33.88 read as 3): the row
        # is left out, and the warning says how to keep a row that is whole
        n_fields = len(next(csv.reader([lines[-1]], delimiter=sep)))
        short = n_fields < len(next(csv.reader([lines[header_line]], delimiter=sep)))
        warnings.warn(
            f"{path}: the last row (line {len(lines)}) "
            + ("is cut short" if short else "has no line end, so it may be cut inside its last value")
            + "; read the rows before it"
            + ("" if short else " (end the file with a line break to keep that row)"),
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )
        lines = lines[:-1]
        text = "\n".join(lines) + "\n"
    if sep == decimal:
        raise FileFormatError(
            f"the separator and the decimal mark are both {sep!r}", path=str(path), line=header_lineno
        )
    try:
        table = pd.read_csv(
            io.StringIO(text),
            skiprows=header_line,
            sep=sep,
            decimal=decimal,
            dtype=np.float64,
            skipinitialspace=True,
            engine="c",
        )
    except ValueError as exc:  # ParserError (ragged rows) and non-numeric cells
        raise _locate_bad_cell(lines, header_line, sep, decimal, path, exc) from None
    columns = [str(c).strip() for c in table.columns]
    written = [c.strip() for c in next(csv.reader([lines[header_line]], delimiter=sep))]
    if len(written) == len(columns):
        columns = written  # as in the file: pandas renames a repeated name (L_H1 -> L_H1.1)
    time_name = columns[0].lower() if columns else ""
    if time_name not in _TIME_NAMES:
        raise FileFormatError(
            f"the first column must be 'time' (seconds), found {columns[0] if columns else 'nothing'!r}",
            path=str(path),
            line=header_lineno,
            column=1,
            hint="name it time (s), time_ms or time_us"
            + (f"; the separator used was {sep!r}" if sep else ""),
        )
    left_cols = [i for i, c in enumerate(columns[1:], start=1) if c[:1].upper() == "L"]
    right_cols = [i for i, c in enumerate(columns[1:], start=1) if c[:1].upper() == "R"]
    other = [c for i, c in enumerate(columns[1:], start=1) if i not in left_cols and i not in right_cols]
    if other:
        raise FileFormatError(
            f"column {other[0]!r} is neither a left (L...) nor a right (R...) sensor",
            path=str(path),
            line=header_lineno,
            column=other[0],
        )
    if left_cols and right_cols and len(left_cols) != len(right_cols):
        raise FileFormatError(
            f"{len(left_cols)} left sensor columns but {len(right_cols)} right ones",
            path=str(path),
            line=header_lineno,
        )
    if not (left_cols or right_cols):
        raise FileFormatError("no sensor columns after 'time'", path=str(path), line=header_lineno)

    lay, lay_right = _layouts(layout, meta, path)
    data = table.to_numpy(dtype=np.float64)
    time = data[:, 0]
    missing_time = np.flatnonzero(np.isnan(time))
    if missing_time.size:
        raise FileFormatError(
            "time is empty", path=str(path), line=header_lineno + 1 + int(missing_time[0]), column=columns[0]
        )
    step = median_step_s(time)  # in the column's own unit
    unit = _time_unit(columns[0], time_name, time_unit, step, path, header_lineno)
    if unit != "s":
        time = time * TIME_UNITS[unit]
        step = median_step_s(time)
    left_cols = _sensor_columns(columns, left_cols, lay, path, header_lineno)
    right_cols = _sensor_columns(columns, right_cols, lay_right or lay, path, header_lineno)
    left = data[:, left_cols].astype(np.float32) if left_cols else None
    right = data[:, right_cols].astype(np.float32) if right_cols else None
    mass = body_mass_kg if body_mass_kg is not None else meta.get("body_mass_kg")
    rate = declared_rate(meta.get("rate_hz"), step, path, field="# rate_hz")
    gaps = declared_gaps(meta.get("gaps_json"), time, rate, path, field="gaps_json")
    extra = {k: v for k, v in meta.items() if k not in _KNOWN_KEYS}
    extra["source"] = str(path)
    extra["format"] = "generic-csv"
    extra["csv_dialect"] = {"sep": sep, "decimal": decimal, "encoding": enc, "time_unit": unit}
    try:
        return Recording.from_arrays(
            time,
            left,
            right,
            layout=lay,
            layout_right=lay_right,
            units=meta.get("units"),
            body_mass_kg=None if mass is None else float(mass),
            metadata=extra,
            rate_hz=None if rate is None else float(rate),
            events=meta.get("events_json"),
            gaps=gaps,
        )
    except ValueError as exc:
        raise FileFormatError(_frame_to_line(str(exc), header_lineno), path=str(path)) from None


def _sniff_sep(header: str) -> str:
    """The separator that splits the header into the most fields (comma on a tie)."""
    counts = {s: header.count(s) for s in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _sniff_decimal(rows: list[str], sep: str) -> str:
    """``","`` when the separator is not a comma and the data cells use decimal commas."""
    if sep == ",":
        return "."
    for row in rows:
        if any(_DECIMAL_COMMA.match(cell) for cell in row.split(sep)):
            return ","
    return "."


def _time_unit(name: str, key: str, given: str | None, step: float, path: Path, header_lineno: int) -> str:
    """The unit of the time column, refusing a plain ``time`` column that looks like milliseconds.

    ``step`` is the column's median step in its own unit (:func:`~sensorkit.io.validate.median_step_s`)."""
    from_name = _TIME_NAMES[key]
    if from_name is not None:
        if given is not None and given != from_name:
            raise FileFormatError(
                f"column {name!r} is in {from_name} but time_unit={given!r} was given",
                path=str(path),
                line=header_lineno,
                column=name,
                hint="the column's name gives its unit: leave time_unit out (--time-unit on the command line)",
            )
        return from_name
    if given is not None:
        step_s = step * TIME_UNITS[given]
        if 0 < step_s < MIN_PLAUSIBLE_STEP_S:  # e.g. time_unit="ms" on a column in seconds
            raise FileFormatError(
                f"with time_unit={given!r}, column {name!r} steps by {step_s:g} s between rows "
                f"({1.0 / step_s:.3g} Hz would be far too fast for an insole)",
                path=str(path),
                line=header_lineno,
                column=name,
                hint="is the column in seconds? leave time_unit out (--time-unit on the command line)",
            )
        return given
    check_seconds(
        step,
        path,
        column=name,
        line=header_lineno,
        hint='pass time_unit="ms" (sk.read(path, time_unit="ms"); --time-unit ms on the command line) '
        "or rename the column to time_ms",
    )
    return "s"


def _sensor_columns(
    columns: list[str], picked: list[int], layout: SensorLayout, path: Path, line: int
) -> list[int]:
    """Positions of one side's sensor columns, in the layout's sensor order.

    A column names its sensor (``L_H1``: the layout's sensor ``H1``, case aside when that is
    unambiguous) or numbers it (``L1``..``Ln``: the layout's order), in any column order; the
    columns of a file whose sensors were reordered or renamed (by hand, in a spreadsheet) are
    matched by their names, never by their places.

    Raises
    ------
    FileFormatError
        A column that is no sensor of the layout, two columns for one sensor, or a sensor
        without a column.
    """
    if not picked:
        return picked
    sensors = list(layout.sensor_names)
    exact = {name: k for k, name in enumerate(sensors)}
    folded: dict[str, int | None] = {}
    for k, name in enumerate(sensors):
        folded[name.lower()] = None if name.lower() in folded else k  # None: ambiguous
    slots: dict[int, int] = {}  # sensor -> column position
    for i in picked:
        column = columns[i]
        rest = column[1:]
        name = rest[1:] if rest.startswith("_") else rest
        k = exact.get(name) if rest.startswith("_") else None
        if k is None and rest.startswith("_"):
            k = folded.get(name.lower())
        if k is None and name.isdigit() and 1 <= int(name) <= len(sensors):
            k = int(name) - 1
        if k is None:
            side = column[:1]
            raise FileFormatError(
                f"column {column!r} is not a sensor of layout {layout.name!r}",
                path=str(path),
                line=line,
                column=column,
                hint=f"name the columns {side}_{sensors[0]} .. {side}_{sensors[-1]} (the layout's sensors) "
                f"or number them {side}1 .. {side}{len(sensors)}, or pass the insole's layout",
            )
        if k in slots:
            raise FileFormatError(
                f"columns {columns[slots[k]]!r} and {column!r} are both sensor {sensors[k]!r} of layout "
                f"{layout.name!r}",
                path=str(path),
                line=line,
                column=column,
            )
        slots[k] = i
    absent = [sensors[k] for k in range(len(sensors)) if k not in slots]
    if absent:
        side = columns[picked[0]][:1]
        raise FileFormatError(
            f"no {side} column for sensor{'s' if len(absent) > 1 else ''} {', '.join(absent[:5])}"
            f"{' ...' if len(absent) > 5 else ''} of layout {layout.name!r} ({len(picked)} of "
            f"{len(sensors)} sensors have columns)",
            path=str(path),
            line=line,
            hint="every sensor of the layout needs its column; pass the insole's layout if it is another",
        )
    return [slots[k] for k in range(len(sensors))]


def _layouts(
    layout: SensorLayout | str | Path | None, meta: dict, path: Path
) -> tuple[SensorLayout, SensorLayout | None]:
    if layout is None:
        if "layout_json" in meta:
            return meta["layout_json"], meta.get("layout_right_json")
        layout = meta.get("layout")
    if layout is None:
        raise FileFormatError(
            "no sensor layout: positions are needed for the centre of pressure",
            path=str(path),
            hint="add a line '# layout: ref16' (see sensorkit.builtin_layouts()), or pass layout= "
            "(--layout NAME|FILE on the command line)",
        )
    try:
        lay = load_layout(layout) if isinstance(layout, (str, Path)) else layout.for_side("left")
    except CalibrationError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None
    return lay, None


def _exact(values: np.ndarray) -> list[str]:
    """Shortest text that reads back as the same float64 (``repr``): no ``1.7e+09`` cells."""
    return [repr(float(v)) for v in values]


def _differs_from_builtin(layout: SensorLayout) -> bool:
    if layout.name not in builtin_layouts():
        return True
    return load_layout(layout.name).to_dict() != layout.for_side("left").to_dict()


def write_generic_csv(rec: Recording, path: str | Path, *, float_format: str = "%.9g") -> Path:
    """Write a recording as generic CSV; reading it back gives the same recording.

    Lossless for float32 values with the default format; the time column is written with the
    shortest exact decimal of each float64 (a Unix-time axis keeps its microseconds). Metadata
    lines: units, layout (name, plus the whole layout as ``layout_json`` when it is not a
    built-in one), rate_hz, body_mass_kg, every metadata entry that is one line of text, a
    number or a flag (subject and session first; read back as text), with a warning naming
    the entries that are not (lists, tables), and the events (``events_json``). Missing frames are written as empty cells, and the gap table with its
    reasons as ``gaps_json`` lines (before 2026-12-01 a board's pause, ``time jump``, read back
    as ``dropout``).

    Returns
    -------
    Path
        The file written (replaced if it exists: :func:`sensorkit.write` and the CLI check
        first). It is written under a temporary name and renamed when complete.
    """
    path = Path(path)
    lines = [f"# units: {rec.units}", f"# layout: {rec.layout.name}"]
    if _differs_from_builtin(rec.layout):
        lines.append("# layout_json: " + json.dumps(rec.layout.to_dict(), separators=(",", ":")))
    right = rec.layout_right.for_side("left").to_dict()
    if right != rec.layout.to_dict():
        lines.append("# layout_right_json: " + json.dumps(right, separators=(",", ":")))
    lines.append(f"# rate_hz: {rec.rate_hz:.9g}")
    configured = rec.metadata.get("configured_rate_hz")
    if isinstance(configured, (int, float)) and not isinstance(configured, bool) and np.isfinite(configured):
        lines.append(f"# configured_rate_hz: {float(configured):.9g}")  # a device's, when it ran at another
    if rec.body_mass_kg is not None:
        lines.append(f"# body_mass_kg: {rec.body_mass_kg:.9g}")
    if rec.metadata.get("subject_from_file_name") is True:  # a converted copy keeps where it came from
        lines.append("# subject_from_file_name: true")
    kept, dropped = _text_metadata(rec.metadata)
    lines += [f"# {key}: {value}" for key, value in kept.items()]
    if dropped:  # said, not silently lost (as the Parquet writer says it)
        warnings.warn(
            f"{path}: metadata not stored in CSV (not one line of text): {', '.join(dropped)}; the sensor "
            "values, gaps, events and layout are stored (a Parquet file keeps those that JSON can hold)",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if len(rec.events):
        rows = [[float(t), str(lab), str(src)] for t, lab, src in rec.events.itertuples(index=False)]
        lines.append("# events_json: " + json.dumps(rows, ensure_ascii=False, separators=(",", ":")))
    gaps = [
        [float(a), float(b), str(side), int(k), str(reason)]
        for a, b, side, k, reason in rec.gaps[["start_s", "end_s", "side", "n_missing", "reason"]].itertuples(
            index=False
        )
    ]
    for i in range(0, len(gaps), GAPS_PER_LINE):
        lines.append(
            "# gaps_json: "
            + json.dumps(gaps[i : i + GAPS_PER_LINE], ensure_ascii=False, separators=(",", ":"))
        )
    df = rec.to_dataframe()
    df.columns = ["time", *df.columns[1:]]
    df["time"] = _exact(rec.time)
    with atomic_output(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
        df.to_csv(fh, index=False, float_format=float_format, lineterminator="\n")
    return path


#: Metadata a reader sets from the file it reads, or written on lines of their own.
_NOT_WRITTEN_AS_TEXT = {"source", "format", "csv_dialect", "configured_rate_hz", "subject_from_file_name"}


def _text_metadata(metadata: dict) -> tuple[dict[str, str], list[str]]:
    """Metadata written as ``# key: value`` lines (read back as text), and the names of the rest.

    Kept: text, numbers and booleans on one line, under a key that fits a metadata line;
    ``subject``, ``session`` and ``subject_naming`` first, as before.
    """
    kept: dict[str, str] = {}
    dropped: list[str] = []
    first = [k for k in ("subject", "session", "subject_naming") if k in metadata]
    for key in first + [k for k in metadata if k not in first]:
        value = metadata[key]
        if key in _NOT_WRITTEN_AS_TEXT or key in _KNOWN_KEYS:
            continue
        text = str(value).strip() if isinstance(value, (str, int, float, bool)) else None
        if (
            text is None
            or not text
            or any(c in text for c in "\r\n")
            or _PADDING.search(text)
            or not re.fullmatch(r"[A-Za-z_][\w.\-]*", str(key))
        ):
            dropped.append(str(key))
            continue
        kept[str(key)] = text
    return kept, dropped


def _split_lines(text: str) -> list[str]:
    """Lines split at line feeds only (``str.splitlines`` also splits at form feeds and other
    separators, which shifts every reported line number after a form feed in a notes line)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _read_preamble(lines: list[str], path: Path) -> tuple[dict, int]:
    """Parse leading '# key: value' lines; return metadata and the 0-based header line index."""
    meta: dict = {}
    for lineno, raw in enumerate(lines):
        if len(raw) > MAX_HEADER_LINE_CHARS:
            check_csv_header(raw[:MAX_HEADER_LINE_CHARS], str(path), lineno + 1)
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            return meta, lineno
        # a spreadsheet saves each line as a row of the table: '# units: kPa;;;;' (the empty
        # cells after the first); a value cannot end in a separator
        body = _PADDING.sub("", line[1:]).strip()
        if not body:
            continue
        if ":" not in body:
            raise FileFormatError(
                f"metadata line must be '# key: value', got {line[:60]!r}", path=str(path), line=lineno + 1
            )
        key, value = (s.strip() for s in body.split(":", 1))
        parsed = _parse_meta_value(key, value, path, lineno + 1)
        if key == "gaps_json":  # the line repeats: each adds its gaps
            meta.setdefault(key, []).extend(parsed)
        else:
            meta[key] = parsed
    raise FileFormatError("no header line after the metadata", path=str(path))


def _parse_meta_value(key: str, value: str, path: Path, lineno: int):
    if key in ("body_mass_kg", "rate_hz", "configured_rate_hz"):
        try:
            return float(value)
        except ValueError:
            raise FileFormatError(
                f"{key} must be a number, got {value!r}", path=str(path), line=lineno
            ) from None
    if key == "subject_from_file_name":
        return value.strip().lower() in ("true", "yes", "1")
    if key == "units" and value not in ("N", "kPa"):
        raise FileFormatError(f"units must be 'N' or 'kPa', got {value!r}", path=str(path), line=lineno)
    if key in ("layout_json", "layout_right_json", "events_json", "gaps_json"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"{key} is not JSON ({exc.msg})", path=str(path), line=lineno) from None
        if key == "gaps_json":
            if not isinstance(parsed, list) or not all(isinstance(g, list) and len(g) == 5 for g in parsed):
                raise FileFormatError(
                    "gaps_json must be a list of [start_s, end_s, side, n_missing, reason]",
                    path=str(path),
                    line=lineno,
                )
            gaps = [
                {"start_s": a, "end_s": b, "side": side, "n_missing": k, "reason": reason}
                for a, b, side, k, reason in parsed
            ]
            try:  # types and ranges as a Parquet header's gaps (strings for numbers, Infinity, ...)
                return check(gaps, GAPS_SPEC, source=str(path), where="gaps_json")
            except FileFormatError as exc:
                reason = str(exc).removeprefix(f"{path}: ")  # the file is named once, with the line
                raise FileFormatError(reason, path=str(path), line=lineno) from None
        if key == "events_json":
            if not isinstance(parsed, list) or not all(isinstance(e, list) and len(e) == 3 for e in parsed):
                raise FileFormatError(
                    "events_json must be a list of [time_s, label, source]", path=str(path), line=lineno
                )
            return [{"time_s": t, "label": lab, "source": src} for t, lab, src in parsed]
        try:
            layout = SensorLayout.from_dict(parsed)
        except CalibrationError as exc:
            raise FileFormatError(str(exc), path=str(path), line=lineno) from None
        return layout if key == "layout_json" else layout.for_side("right")
    return value


def _locate_bad_cell(
    lines: list[str], header_line: int, sep: str, decimal: str, path: Path, exc: Exception
) -> FileFormatError:
    """Find the first ragged row or non-numeric cell to report its line and column."""
    for lineno in range(header_line, len(lines)):
        if "\r" in lines[lineno].rstrip("\r"):  # the parser takes a lone CR for a line break
            return FileFormatError(
                "a carriage return (\\r) inside the line splits it in two", path=str(path), line=lineno + 1
            )
    header = [c.strip() for c in next(csv.reader([lines[header_line]], delimiter=sep))]
    sep_name = {",": "comma", ";": "semicolon", "\t": "tab"}.get(sep, repr(sep))
    for lineno in range(header_line + 1, len(lines)):
        text = lines[lineno]
        if not text.strip():
            continue
        cells = next(csv.reader([text], delimiter=sep))  # quoted cells as the parser saw them
        if text.lstrip().startswith("#") or [c.strip() for c in cells] == header:
            return FileFormatError(
                "a second header in the rows ("
                + ("a '#' line" if text.lstrip().startswith("#") else "the column names again")
                + f"; the header is line {header_line + 1}): two files joined into one?",
                path=str(path),
                line=lineno + 1,
                hint="read each file on its own, or keep only the first file's header",
            )
        if len(cells) != len(header):
            hint = None
            if sep == "," and len(next(csv.reader([text], delimiter=";"))) == len(header):
                hint = (
                    'the header is comma-separated but this row is ";"-separated: save the file with '
                    "one separator throughout (the header decides it)"
                )
            return FileFormatError(
                f"expected {len(header)} {sep_name}-separated fields, found {len(cells)}",
                path=str(path),
                line=lineno + 1,
                hint=hint,
            )
        for name, cell in zip(header, cells, strict=True):
            cell = cell.strip()
            if not cell:
                continue
            try:
                float(cell.replace(decimal, ".") if decimal != "." else cell)
            except ValueError:
                hint = (
                    'decimal commas? sk.read(path, decimal=","); --decimal , on the command line'
                    if _DECIMAL_COMMA.match(cell)
                    else None
                )
                return FileFormatError(
                    f"not a number: {cell!r}", path=str(path), line=lineno + 1, column=name, hint=hint
                )
    return FileFormatError(f"cannot parse ({exc})", path=str(path))


def _frame_to_line(message: str, header_lineno: int) -> str:
    """Turn 'frame N' in a validation message into the file's line number."""
    return re.sub(
        r"frame (\d+)", lambda m: f"frame {m.group(1)} (line {header_lineno + 1 + int(m.group(1))})", message
    )


def _sniff(path: Path, head: bytes) -> bool:
    return looks_like_generic_csv(Path(path), head_text(head))


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="generic-csv",
    extensions=(".csv",),
    sniff=_sniff,
    read=read_generic_csv,
    options=frozenset({"layout", "body_mass_kg", "sep", "decimal", "encoding", "time_unit"}),
    write=write_generic_csv,
    description="generic CSV: '# key: value' lines, then time,L1..,R1..",
)
