"""Generic CSV recordings (DESIGN.md "Generic CSV").

Layout of a file::

    # units: N
    # layout: ref16
    # body_mass_kg: 70
    # rate_hz: 100
    time,L1,...,L16,R1,...,R16
    0.00,12.5,...

Optional leading ``# key: value`` lines, then a header whose first column is ``time`` (or
``time_s``, seconds) followed by one column per sensor: left columns start with ``L``, right
ones with ``R`` (``L1``..``Ln`` or ``L_<sensor name>``). Either side may be absent. Empty
cells are allowed only for whole frames a side did not deliver (they become gaps).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit.errors import CalibrationError, FileFormatError
from sensorkit.io.validate import MAX_HEADER_LINE_CHARS, check_csv_header, text_lines
from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording

__all__ = ["looks_like_generic_csv", "read_generic_csv", "write_generic_csv"]

_KNOWN_KEYS = {"units", "layout", "body_mass_kg", "rate_hz"}
_TIME_NAMES = ("time", "time_s")


def looks_like_generic_csv(path: Path, head: str) -> bool:
    """True when the first meaningful line is a ``#`` metadata line or a ``time,`` header."""
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        return stripped.startswith("#") or stripped.split(",")[0].strip().lower() in _TIME_NAMES
    return False


def read_generic_csv(
    path: str | Path,
    *,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
) -> Recording:
    """Read a generic CSV recording.

    Parameters
    ----------
    path : str or Path
        The file.
    layout : SensorLayout or str, optional
        Overrides the file's ``# layout:`` line.
    body_mass_kg : float, optional
        Overrides the file's ``# body_mass_kg:`` line.

    Raises
    ------
    FileFormatError
        Naming the file, line and column of the problem.
    """
    path = Path(path)
    meta, header_line = _read_preamble(path)
    header_lineno = header_line + 1  # 1-based line number of the column header
    try:
        table = pd.read_csv(path, skiprows=header_line, dtype=np.float64, skipinitialspace=True)
    except ValueError as exc:  # ParserError (ragged rows) and non-numeric cells
        raise _locate_bad_cell(path, header_line, exc) from None
    columns = [str(c).strip() for c in table.columns]
    if not columns or columns[0].lower() not in _TIME_NAMES:
        raise FileFormatError(
            f"the first column must be 'time' (seconds), found {columns[0] if columns else 'nothing'!r}",
            path=str(path),
            line=header_lineno,
            column=1,
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

    lay = layout if layout is not None else meta.get("layout")
    if lay is None:
        raise FileFormatError(
            "no sensor layout: positions are needed for the centre of pressure",
            path=str(path),
            hint="add a line '# layout: ref16' (see sensorkit.builtin_layouts()) or pass layout=",
        )
    try:
        lay = load_layout(lay) if isinstance(lay, str) else lay
    except CalibrationError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None

    data = table.to_numpy(dtype=np.float64)
    time = data[:, 0]
    missing_time = np.flatnonzero(np.isnan(time))
    if missing_time.size:
        raise FileFormatError(
            "time is empty", path=str(path), line=header_lineno + 1 + int(missing_time[0]), column="time"
        )
    left = data[:, left_cols].astype(np.float32) if left_cols else None
    right = data[:, right_cols].astype(np.float32) if right_cols else None
    mass = body_mass_kg if body_mass_kg is not None else meta.get("body_mass_kg")
    rate = meta.get("rate_hz")
    extra = {k: v for k, v in meta.items() if k not in _KNOWN_KEYS}
    extra["source"] = str(path)
    extra["format"] = "generic-csv"
    try:
        return Recording.from_arrays(
            time,
            left,
            right,
            layout=lay,
            units=meta.get("units"),
            body_mass_kg=None if mass is None else float(mass),
            metadata=extra,
            rate_hz=None if rate is None else float(rate),
        )
    except ValueError as exc:
        raise FileFormatError(_frame_to_line(str(exc), header_lineno), path=str(path)) from None


def write_generic_csv(rec: Recording, path: str | Path, *, float_format: str = "%.9g") -> None:
    """Write a recording as generic CSV (lossless for float32 values with the default format).

    Metadata lines: units, layout (built-in name), body_mass_kg, rate_hz. Missing frames are
    written as empty cells and read back as gaps.
    """
    path = Path(path)
    lines = [f"# units: {rec.units}", f"# layout: {rec.layout.name}", f"# rate_hz: {rec.rate_hz:.9g}"]
    if rec.body_mass_kg is not None:
        lines.append(f"# body_mass_kg: {rec.body_mass_kg:.9g}")
    df = rec.to_dataframe()
    df.columns = ["time", *df.columns[1:]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
        df.to_csv(fh, index=False, float_format=float_format, lineterminator="\n")


def _read_preamble(path: Path) -> tuple[dict, int]:
    """Parse leading '# key: value' lines; return metadata and the 0-based header line index."""
    meta: dict = {}
    try:
        with path.open("r", encoding="utf-8") as fh:
            for lineno, raw in enumerate(iter(lambda: fh.readline(MAX_HEADER_LINE_CHARS), "")):
                check_csv_header(raw, str(path), lineno + 1)  # a bounded line, a bounded column count
                line = raw.strip()
                if not line:
                    continue
                if not line.startswith("#"):
                    return meta, lineno
                body = line[1:].strip()
                if not body:
                    continue
                if ":" not in body:
                    raise FileFormatError(
                        f"metadata line must be '# key: value', got {line!r}", path=str(path), line=lineno + 1
                    )
                key, value = (s.strip() for s in body.split(":", 1))
                meta[key] = _parse_meta_value(key, value, path, lineno + 1)
    except UnicodeDecodeError as exc:
        text_lines(str(path))  # raises naming the line and column of the bad byte
        raise FileFormatError(f"not a text file ({exc.reason})", path=str(path)) from None
    raise FileFormatError("no header line after the metadata", path=str(path))


def _parse_meta_value(key: str, value: str, path: Path, lineno: int):
    if key in ("body_mass_kg", "rate_hz"):
        try:
            return float(value)
        except ValueError:
            raise FileFormatError(
                f"{key} must be a number, got {value!r}", path=str(path), line=lineno
            ) from None
    if key == "units" and value not in ("N", "kPa"):
        raise FileFormatError(f"units must be 'N' or 'kPa', got {value!r}", path=str(path), line=lineno)
    return value


def _locate_bad_cell(path: Path, header_line: int, exc: Exception) -> FileFormatError:
    """Find the first ragged row or non-numeric cell to report its line and column."""
    lines = text_lines(str(path))  # split at line feeds only; a bad byte names its line
    header = [c.strip() for c in lines[header_line].split(",")]
    for lineno in range(header_line + 1, len(lines)):
        text = lines[lineno]
        if not text.strip():
            continue
        cells = text.split(",")
        if len(cells) != len(header):
            return FileFormatError(
                f"expected {len(header)} comma-separated fields, found {len(cells)}",
                path=str(path),
                line=lineno + 1,
            )
        for name, cell in zip(header, cells, strict=True):
            cell = cell.strip()
            if not cell:
                continue
            try:
                float(cell)
            except ValueError:
                return FileFormatError(
                    f"not a number: {cell!r}", path=str(path), line=lineno + 1, column=name
                )
    return FileFormatError(f"cannot parse ({exc})", path=str(path))


def _frame_to_line(message: str, header_lineno: int) -> str:
    """Turn 'frame N' in a validation message into the file's line number."""
    return re.sub(
        r"frame (\d+)", lambda m: f"frame {m.group(1)} (line {header_lineno + 1 + int(m.group(1))})", message
    )
