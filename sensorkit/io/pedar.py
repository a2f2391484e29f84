"""novel pedar ASCII exports (``.asc``): 2 x 99 pressure sensors per frame, kPa.

File structure (checked against ``pedar_example.asc`` of the pressuRe R package)::

    file name:  3DI_S001_V2_FE_2.sol<TAB>date/time  25.04.23 10.49
    sensor type:  y-1865l-1870r-pxf306-11mar2021
    total time [secs]:  15.050<TAB>time per frame [secs]:  0.01000<TAB>scanning rate [Hz]:   100
    pressure values in  kPa

    mask definition:
    left insole: 1,2,...,99,
    right insole: 1,2,...,99,

    time[secs]  <TAB>  1<TAB>  2 ... 99<TAB>  1 ... 99
         0.01000<TAB> 32.500<TAB> ...

Each row: time (s), the 99 sensors of the left insole, then the 99 of the right one, all
in kPa. The insole size is the first field of ``sensor type`` (``y`` above); the layout is
the built-in ``pedar-<size>`` (**approximate**: see ``calibration/sources/pressuRe-pedar``),
or the ``layout=`` given. The ``date/time`` field is kept as written (``pedar_date_time``)
and, when it reads as day.month.year hour.minute, as ``start_time`` in ISO 8601
(:func:`_start_time`).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import HEAD_BYTES, FormatSpec, head_text
from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.recording import Recording

__all__ = ["FORMAT", "N_SENSORS", "looks_like_pedar", "read_pedar"]

N_SENSORS = 99
_TIME_HEADER = re.compile(r"^\s*time\s*\[secs?\]", re.IGNORECASE)
_MAX_HEADER_LINES = 40
#: Header fields as pedar writes them (``fields`` keys that are not).
_FIELD_NAMES = {"date_time": "date/time", "units": "pressure values in"}


def looks_like_pedar(path: Path, head: bytes) -> bool:
    """True when the head has pedar's ``sensor type:`` and ``time[secs]`` lines, or is a whole
    file that begins like a pedar export (:func:`_starts_like_pedar`): one cut inside its header,
    which :func:`read_pedar` then reports as such."""
    text = head_text(head)
    lower = text.lower()
    if "sensor type:" in lower and ("time[secs]" in lower or "pressure values in" in lower):
        return True
    return len(head) < HEAD_BYTES and _starts_like_pedar(text.splitlines())


def _starts_like_pedar(lines: list[str]) -> bool:
    """The lines begin as a pedar export does: with its ``file name:`` line, or hold its
    ``sensor type:`` line."""
    return bool(lines) and (
        lines[0].lower().startswith("file name:")
        or any(ln.lower().startswith("sensor type:") for ln in lines)
    )


def _header(lines: list[str], path: Path) -> tuple[dict[str, str], int]:
    fields: dict[str, str] = {}
    for i, line in enumerate(lines[:_MAX_HEADER_LINES]):
        if _TIME_HEADER.match(line):
            return fields, i
        for part in line.split("\t"):
            key, sep, value = part.partition(":")
            if part.strip().lower().startswith("date/time"):
                fields["date_time"] = part.strip()[len("date/time") :].strip()
            elif sep:
                fields[key.strip().lower()] = value.strip()
            elif part.strip().lower().startswith("pressure values in"):
                fields["units"] = part.strip()[len("pressure values in") :].strip()
    if len(lines) < _MAX_HEADER_LINES and _starts_like_pedar(lines):
        found = ", ".join(_FIELD_NAMES.get(k, k) for k in fields) or "no field"
        missing = "the rest of the header, its 'time[secs]' column header line and every data row"
        raise _cut("inside its header", len(lines), found, missing, path)
    raise FileFormatError(
        "no 'time[secs]' column header in the first lines: not a pedar export", path=str(path)
    )


def _check_rows_follow(lines: list[str], header_idx: int, text: str, path: Path) -> None:
    """Raise when no complete data row follows the ``time[secs]`` line: the export ends inside
    that line (fewer than its 2 x 99 sensor columns, no line end), right after it, or inside
    the first data row."""
    rows = [k for k in range(header_idx + 1, len(lines)) if lines[k].strip()]
    ended = text.endswith(("\n", "\r"))
    n_cols = 1 + 2 * N_SENSORS
    if len(rows) > 1 or (rows and (ended or len(lines[rows[0]].split()) >= n_cols)):
        return
    end = len(lines)
    if rows:
        found = f"the whole header and {len(lines[rows[0]].split())} of the first row's {n_cols} values"
        raise _cut(
            "inside its first data row", end, found, "the rest of that row and every row after it", path
        )
    names = len(lines[header_idx].split()) - 1  # "time[secs]", then one number per sensor
    if names < 2 * N_SENSORS and header_idx == end - 1 and not ended:
        found = f"the header fields and {names} of the {2 * N_SENSORS} sensor column names"
        missing = "the rest of that line and every data row"
        raise _cut("inside its 'time[secs]' column header line", end, found, missing, path)
    raise _cut("right after its header", end, "the whole header", "every data row", path)


def _cut(where: str, line: int, found: str, missing: str, path: Path) -> FileFormatError:
    """The error for a pedar export that ends ``where``, at ``line``: what it holds, what it lacks."""
    return FileFormatError(
        f"a pedar export cut {where}: the file ends at line {line}; found: {found}; missing: {missing}",
        path=str(path),
        hint="the file was cut short (an interrupted export, copy or download): export or copy it again",
    )


def read_pedar(
    path: str | Path,
    *,
    layout: SensorLayout | str | Path | None = None,
    body_mass_kg: float | None = None,
) -> Recording:
    """Read a pedar ASCII export into a two-sided pressure Recording (kPa).

    Parameters
    ----------
    path : str or Path
        The ``.asc`` file.
    layout : SensorLayout, str or Path, optional
        A 99-sensor pressure layout; default the built-in ``pedar-<size>`` of the insole
        size in the header (approximate geometry).
    body_mass_kg : float, optional
        Subject mass in kg.

    Returns
    -------
    Recording
        ``left`` and ``right`` (n, 99) in kPa on the file's time column (s); header fields
        in ``metadata`` (``pedar_file_name``, ``pedar_date_time``, ``insole_size`` ...) and
        the recording's start as ``start_time`` (ISO 8601 local time, as Moticon's; absent
        when ``date/time`` does not read as :func:`_start_time` expects).

    Raises
    ------
    FileFormatError
        Units other than kPa, a row without 1 + 2 x 99 numbers or with a non-number (line
        and column named), an unknown insole size without ``layout=``, a file cut inside its
        header or its first data row (what it holds and what is missing).

    Warns
    -----
    FileTruncatedWarning
        When the last row is cut short (the rows before it are read).
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # pedar headers may hold Windows-1252 file names
    lines = text.splitlines()
    fields, header_idx = _header(lines, path)
    _check_rows_follow(lines, header_idx, text, path)
    units = fields.get("units", "kPa")
    if units.lower() != "kpa":
        raise FileFormatError(
            f"pressure values in {units!r}; sensorkit reads pedar exports in kPa", path=str(path)
        )
    size = fields.get("sensor type", "").split("-")[0].strip().lower()
    lay = _layout(layout, size, path)

    n_cols = 1 + 2 * N_SENSORS
    body = lines[header_idx + 1 :]
    cut = False
    last = len(body) - 1
    while last >= 0 and not body[last].strip():
        last -= 1
    if last >= 0 and len(body[last].split()) < n_cols and not text.endswith(("\n", "\r")):
        cut = True
        body = body[:last]
    for k, line in enumerate(body):
        n = len(line.split())
        if line.strip() and n != n_cols:
            raise FileFormatError(
                f"{n} fields, expected {n_cols} (time, 99 left sensors, 99 right sensors)",
                path=str(path),
                line=header_idx + 2 + k,
            )
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(body)), sep=r"\s+", header=None, dtype=np.float64, engine="c"
        )
    except ValueError:
        raise _locate(body, header_idx, path) from None
    data = table.to_numpy()
    if cut:
        warnings.warn(
            f"{path}: the last row (line {header_idx + 2 + last}) is cut short; read the {len(data)} rows before it",
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )
    metadata = {
        f"pedar_{k.replace(' ', '_').replace('[', '').replace(']', '')}": v for k, v in fields.items()
    }
    metadata.update(source=str(path), format="pedar-asc", insole_size=size or None)
    started = _start_time(fields.get("date_time", ""))
    if started is not None:
        metadata["start_time"] = started
    try:
        return Recording.from_arrays(
            data[:, 0],
            data[:, 1 : 1 + N_SENSORS],
            data[:, 1 + N_SENSORS :],
            layout=lay,
            units="kPa",
            body_mass_kg=body_mass_kg,
            metadata=metadata,
        )
    except ValueError as exc:
        message = re.sub(
            r"frame (\d+)",
            lambda m: f"frame {m.group(1)} (line {header_idx + 2 + int(m.group(1))})",
            str(exc),
        )
        raise FileFormatError(message, path=str(path)) from None


def _start_time(date_time: str) -> str | None:
    """The ``date/time`` of a pedar header as an ISO 8601 local date-time, or None.

    Assumes day.month.year with a two-digit year, then hour.minute (``25.04.23 10.49`` is
    ``2023-04-25T10:49``), as in the one export checked (``pedar_example.asc`` of pressuRe);
    the year is 20yy for 00-68 and 19yy for 69-99 (:func:`time.strptime`). Other pedar
    versions or locales may write it otherwise: anything else is not guessed at.

    Parameters
    ----------
    date_time : str
        The field's text after ``date/time``.

    Returns
    -------
    str or None
        ``YYYY-MM-DDTHH:MM`` (no time zone: pedar writes the local time of the recording
        PC), or None when the text is not of that form.

    Examples
    --------
    >>> _start_time("25.04.23 10.49"), _start_time("04/25/2023 10:49 AM")
    ('2023-04-25T10:49', None)
    """
    try:
        stamp = _dt.datetime.strptime(date_time.strip(), "%d.%m.%y %H.%M")
    except ValueError:
        return None
    return stamp.isoformat(timespec="minutes")


def _layout(layout: SensorLayout | str | Path | None, size: str, path: Path) -> SensorLayout:
    sizes = [n.removeprefix("pedar-") for n in builtin_layouts() if n.startswith("pedar-")]
    if layout is None:
        if size not in sizes:
            raise FileFormatError(
                f"no built-in layout for pedar insole size {size or '(none in the header)'!r}",
                path=str(path),
                hint=f"pass layout= a 99-sensor pressure layout (built in: {', '.join('pedar-' + s for s in sizes)})",
            )
        layout = f"pedar-{size}"
    try:
        lay = load_layout(layout) if isinstance(layout, (str, Path)) else layout.for_side("left")
    except CalibrationError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None
    if lay.n_sensors != N_SENSORS or lay.value_kind != "pressure":
        raise FileFormatError(
            f"layout {lay.name!r} has {lay.n_sensors} {lay.value_kind} sensors; pedar needs 99 pressure sensors",
            path=str(path),
        )
    return lay


def _locate(body: list[str], header_idx: int, path: Path) -> FileFormatError:
    for k, line in enumerate(body):
        for c, cell in enumerate(line.split()):
            try:
                float(cell)
            except ValueError:
                return FileFormatError(
                    f"not a number: {cell!r}", path=str(path), line=header_idx + 2 + k, column=c + 1
                )
    return FileFormatError("cannot parse the data rows", path=str(path))


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="pedar-asc",
    extensions=(".asc",),
    sniff=looks_like_pedar,
    read=read_pedar,
    options=frozenset({"layout", "body_mass_kg"}),
    description="novel pedar ASCII export (2 x 99 sensors, kPa)",
)
