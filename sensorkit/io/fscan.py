"""Tekscan F-Scan ASCII movies (``.asf``): a sensel grid per frame, one foot per file.

File structure (as written by Tekscan's F-Scan Research software, checked against the
example ``fscan_testL.asf`` of the pressuRe R package)::

    DATA_TYPE MOVIE
    ROWS 60
    COLS 21
    ROW_SPACING 5.08 mm
    COL_SPACING 5.08 mm
    SENSEL_AREA 25.8064 mm2
    SECONDS_PER_FRAME 0.032
    START_FRAME 1
    UNITS KPa
    MIRROR_ROW 0
    MIRROR_COL 0
    ...                     (other KEY value lines, COMMENTS: followed by free text)
    ASCII_DATA @@

    Frame 1
    B,B,0,0,18,...          (ROWS lines of COLS comma-separated cells)
    ...
    @@

``B`` marks cells outside the trimmed insole; they must be the same in every frame.

Orientation (inferred from the example walk, MIRROR_ROW 0 / MIRROR_COL 0 of a left foot):
row 1 is the toe end, the last row the heel end (the heel loads first in each step and the
insole is widest about 2/3 of the way from the heel), and columns increase towards the
medial side (the lateral midfoot band loads, the medial arch does not). A right foot is the
mirror image; ``MIRROR_ROW``/``MIRROR_COL`` 1 flips the corresponding axis. The foot is taken
from the file name (``...L.asf`` / ``...R.asf``, Tekscan's naming), else from the movie's name
in the header (``FILENAME ...\\FrasP01L.fsx``), else it is the left, with a warning; when the
two disagree, the file name is kept, with a warning.

The sensels become a :class:`~sensorkit.layout.SensorLayout` with a ``grid`` and the
anatomical masks of :mod:`sensorkit.layouts.masks` (approximate, from the recording's
footprint).
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from pathlib import Path

import numpy as np

from sensorkit._stack import user_stacklevel
from sensorkit.errors import FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import FormatSpec, head_text
from sensorkit.layouts.grid import grid_layout
from sensorkit.recording import Recording

__all__ = ["FORMAT", "KPA_PER_UNIT", "looks_like_fscan", "read_fscan"]

#: Pressure units of F-Scan exports and their factor to kPa.
KPA_PER_UNIT = {"kpa": 1.0, "mpa": 1000.0, "psi": 6.894757293168361, "kg/cm2": 98.0665, "mmhg": 0.1333223684}
_FRAME = re.compile(r"^Frame\s+(\d+)\s*$")
_REQUIRED = ("ROWS", "COLS", "ROW_SPACING", "COL_SPACING", "SECONDS_PER_FRAME", "UNITS")
_SIDE_FROM_NAME = re.compile(r"([LR])$", re.IGNORECASE)


def looks_like_fscan(path: Path, head: bytes) -> bool:
    """True when the text starts with Tekscan ``KEY value`` lines (``DATA_TYPE``/``SENSOR_TYPE``/``ASCII_DATA``)."""
    text = head_text(head)
    keys = {ln.split(" ", 1)[0].strip() for ln in text.splitlines()[:60]}
    return "ASCII_DATA" in keys or ({"DATA_TYPE", "ROWS", "COLS"} <= keys)


def _number(text: str, key: str, path: Path, lineno: int) -> float:
    m = re.match(r"\s*([-+0-9.eE]+)", text)
    if not m:
        raise FileFormatError(f"{key} must be a number, got {text.strip()!r}", path=str(path), line=lineno)
    return float(m.group(1))


_KEY = re.compile(r"[A-Z][A-Z0-9_]*:?")


def _start_time(text: str) -> str | None:
    """``TIME`` (``Thursday, 16 February 2017 11:26:22 a.m.``) as ISO 8601 local time, or None.

    The English day and month names F-Scan writes; a header in another language, or another
    form, gives None (the text stays in ``fscan_time``).
    """
    t = re.sub(r"\b([ap])\.?m\.?$", lambda m: m.group(1).upper() + "M", text.strip(), flags=re.IGNORECASE)
    for form in (
        "%A, %d %B %Y %I:%M:%S %p",
        "%A, %d %B %Y %H:%M:%S",
        "%d %B %Y %I:%M:%S %p",
        "%d %B %Y %H:%M:%S",
    ):
        try:
            return _dt.datetime.strptime(t, form).isoformat()
        except ValueError:
            continue
    return None


def _header(lines: list[str], path: Path) -> tuple[dict[str, tuple[str, int]], int]:
    """``KEY -> (value, line number)`` and the index of the first line after ``ASCII_DATA``.

    Keys are upper case (``START_FRAME``); the free-text lines after ``COMMENTS:`` up to the
    next key are the comments' value, joined by `` / `` (a comment line ``overground walk``
    was read as a key ``overground``).
    """
    fields: dict[str, tuple[str, int]] = {}
    comments: list[str] | None = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("ASCII_DATA"):
            return fields, i + 1
        first = text.split(" ", 1)[0]
        if comments is not None and text and not _KEY.fullmatch(first):
            comments.append(text)
            fields["COMMENTS"] = (" / ".join(comments), fields["COMMENTS"][1])
            continue
        comments = None
        if not text or (" " not in text and not text.endswith(":")):
            continue
        key, _, value = text.partition(" ")
        fields[key.rstrip(":")] = (value.strip(), i + 1)
        if key.rstrip(":") == "COMMENTS":
            comments = [value.strip()] if value.strip() else []
    raise FileFormatError(
        "no ASCII_DATA line: not an F-Scan ASCII movie, or cut in its header", path=str(path)
    )


def read_fscan(
    path: str | Path,
    *,
    body_mass_kg: float | None = None,
) -> Recording:
    """Read an F-Scan ASCII movie into a one-sided pressure Recording (kPa).

    Parameters
    ----------
    path : str or Path
        The ``.asf`` file.
    body_mass_kg : float, optional
        Subject mass in kg.

    Returns
    -------
    Recording
        ``left`` or ``right`` of shape (n_frames, n_sensels) in kPa, where sensels are the
        grid cells not marked ``B``; ``time`` = (frame number - START_FRAME) x
        SECONDS_PER_FRAME (s), so missing frame numbers become gaps. The layout
        (``fscan-<rows>x<cols>``) has the grid geometry, sensel areas and anatomical masks.
        ``metadata`` holds the header fields (``fscan_<key>``; ``fscan_comments`` joins the
        lines after ``COMMENTS:`` with `` / ``), ``side_from``, and ``start_time`` (ISO 8601
        local time, from ``TIME`` when it reads as F-Scan's English date; absent otherwise).

    Raises
    ------
    FileFormatError
        Missing header keys, unknown units, a frame whose rows or columns disagree with
        ROWS x COLS, a non-number cell, ``B`` cells that change between frames (line and
        column named).

    Warns
    -----
    FileTruncatedWarning
        When the file ends inside a frame; the complete frames before the cut are read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise FileFormatError(f"not UTF-8 text ({exc.reason})", path=str(path), line=line) from None
    lines = text.splitlines()
    fields, start = _header(lines, path)
    missing = [k for k in _REQUIRED if k not in fields]
    if missing:
        raise FileFormatError(f"header lacks {', '.join(missing)}", path=str(path))
    rows = int(_number(*fields["ROWS"][:1], "ROWS", path, fields["ROWS"][1]))
    cols = int(_number(*fields["COLS"][:1], "COLS", path, fields["COLS"][1]))
    dy = _number(fields["ROW_SPACING"][0], "ROW_SPACING", path, fields["ROW_SPACING"][1])
    dx = _number(fields["COL_SPACING"][0], "COL_SPACING", path, fields["COL_SPACING"][1])
    period = _number(
        fields["SECONDS_PER_FRAME"][0], "SECONDS_PER_FRAME", path, fields["SECONDS_PER_FRAME"][1]
    )
    if rows < 1 or cols < 1 or dy <= 0 or dx <= 0 or period <= 0:
        raise FileFormatError("ROWS, COLS, spacings and SECONDS_PER_FRAME must be positive", path=str(path))
    unit = fields["UNITS"][0].strip().lower()
    if unit not in KPA_PER_UNIT:
        raise FileFormatError(
            f"UNITS {fields['UNITS'][0]!r} are not a pressure (raw sensel sums are not calibrated)",
            path=str(path),
            line=fields["UNITS"][1],
            hint="export the movie in kPa (or MPa, PSI) from F-Scan",
        )
    first_frame = int(_number(fields.get("START_FRAME", ("1", 0))[0], "START_FRAME", path, 0))

    numbers, frames, blank = [], [], None
    i, n_lines, cut = start, len(lines), False
    while i < n_lines:
        text_i = lines[i].strip()
        if not text_i:
            i += 1
            continue
        if text_i.startswith("@@"):
            break
        m = _FRAME.match(text_i)
        if not m:
            raise FileFormatError(f"expected 'Frame N', found {text_i[:30]!r}", path=str(path), line=i + 1)
        block = lines[i + 1 : i + 1 + rows]
        if len(block) < rows or any(
            not b.strip() or _FRAME.match(b.strip()) or b.startswith("@@") for b in block
        ):
            got = next(
                (
                    k
                    for k, b in enumerate(block)
                    if not b.strip() or _FRAME.match(b.strip()) or b.startswith("@@")
                ),
                len(block),
            )
            if i + 1 + got >= n_lines:
                cut = True
                break
            raise FileFormatError(
                f"frame {m.group(1)} has {got} rows but the header declares ROWS {rows}",
                path=str(path),
                line=i + 2 + got,
            )
        grid = np.empty((rows, cols), dtype=np.float64)
        for r, raw in enumerate(block):
            cells = raw.strip().split(",")
            lineno = i + 2 + r
            if len(cells) != cols:
                if i + 1 + r == n_lines - 1 and not text.endswith("\n"):
                    cut = True
                    break
                raise FileFormatError(
                    f"{len(cells)} columns but the header declares COLS {cols}", path=str(path), line=lineno
                )
            for c, cell in enumerate(cells):
                cell = cell.strip()
                if cell == "B":
                    grid[r, c] = np.nan
                    continue
                try:
                    grid[r, c] = float(cell)
                except ValueError:
                    raise FileFormatError(
                        f"not a number: {cell!r}", path=str(path), line=lineno, column=c + 1
                    ) from None
        else:
            isb = np.isnan(grid)
            if blank is None:
                blank = isb
            elif (isb != blank).any():
                r, c = np.argwhere(isb != blank)[0]
                raise FileFormatError(
                    "the sensels outside the insole ('B') differ from the first frame's",
                    path=str(path),
                    line=i + 2 + int(r),
                    column=int(c) + 1,
                )
            numbers.append(int(m.group(1)))
            frames.append(grid[~blank])
            i += 1 + rows
            continue
        break
    if cut:
        warnings.warn(
            f"{path}: the file ends inside frame {len(numbers) + 1}; read the {len(numbers)} complete frames",
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )
    if len(frames) < 2:
        raise FileFormatError(
            f"{len(frames)} complete frame(s); a recording needs at least 2", path=str(path)
        )
    values = np.vstack(frames) * KPA_PER_UNIT[unit]
    time = (np.asarray(numbers, dtype=np.float64) - first_frame) * period

    side, side_from = _side(path, fields.get("FILENAME", ("", 0))[0])
    flip_rows = fields.get("MIRROR_ROW", ("0", 0))[0].strip() == "1"
    flip_cols = fields.get("MIRROR_COL", ("0", 0))[0].strip() == "1"
    medial_increasing = (side == "left") != flip_cols
    layout = grid_layout(
        f"fscan-{rows}x{cols}",
        ~blank,
        row_spacing_mm=dy,
        col_spacing_mm=dx,
        heel_row="first" if flip_rows else "last",
        medial_cols="increasing" if medial_increasing else "decreasing",
        footprint=_footprint(values, ~blank, period),
        side=side,
        description="Tekscan F-Scan sensel grid read from the file; anatomical masks approximate "
        "(geometric, from this recording's footprint: sensorkit.layouts.masks)",
        source=f"{path.name} header (ROWS, COLS, ROW_SPACING, COL_SPACING)",
    )
    metadata = {f"fscan_{k.lower()}": v for k, (v, _) in fields.items()}
    metadata.update(source=str(path), format="fscan-asf", side_from=side_from)
    started = _start_time(fields.get("TIME", ("", 0))[0])
    if started is not None:  # as the Moticon and pedar readers give it
        metadata["start_time"] = started
    kwargs = {side: values}
    try:
        return Recording.from_arrays(
            time,
            layout=layout if side == "left" else layout.mirror(),
            layout_right=layout if side == "right" else None,
            units="kPa",
            body_mass_kg=body_mass_kg,
            metadata=metadata,
            rate_hz=1.0 / period,
            **kwargs,
        )
    except ValueError as exc:
        raise FileFormatError(str(exc), path=str(path)) from None


#: A cell belongs to the footprint when loaded for at least this long (and 3 frames): one noisy
#: reading of a toe-row sensel in one frame put the foot's length back to the whole sheet.
FOOTPRINT_MIN_S = 0.05


def _footprint(values: np.ndarray, active: np.ndarray, period_s: float) -> np.ndarray:
    """Cells loaded (above 0) in at least ``max(3, FOOTPRINT_MIN_S / period_s)`` frames, on the
    (rows, cols) grid; all active cells when none is (an empty recording keeps the sheet)."""
    frames = max(3, int(np.ceil(FOOTPRINT_MIN_S / period_s)))
    loaded = np.count_nonzero(np.nan_to_num(values) > 0, axis=0) >= frames
    fp = np.zeros(active.shape, dtype=bool)
    fp[active] = loaded if loaded.any() else True
    return fp


def _side(path: Path, recorded_as: str) -> tuple[str, str]:
    """The foot, and where it was read: the file's name, else the header's ``FILENAME``
    (the movie as Tekscan saved it, ``...\\FrasP01L.fsx``), else left with a warning."""
    stem = re.split(r"[\\/]", recorded_as.strip())[-1].rsplit(".", 1)[0] if recorded_as.strip() else ""
    named = {
        where: ("left" if m.group(1).upper() == "L" else "right")
        for where, text in (("file name", path.stem), ("header FILENAME", stem))
        if text and (m := _SIDE_FROM_NAME.search(text))
    }
    if len(set(named.values())) > 1:
        warnings.warn(
            f"{path}: the file name says the {named['file name']} foot, the header's FILENAME "
            f"({recorded_as.strip()}) the {named['header FILENAME']}: read as the {named['file name']} foot",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if named:
        where = "file name" if "file name" in named else "header FILENAME"
        return named[where], where
    warnings.warn(
        f"{path}: cannot tell the foot from the file name or the header's FILENAME (Tekscan names end "
        "in L or R); read as the left foot",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return "left", "assumed"


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="fscan-asf",
    extensions=(".asf",),
    sniff=looks_like_fscan,
    read=read_fscan,
    options=frozenset({"body_mass_kg"}),
    description="Tekscan F-Scan ASCII movie (sensel grid, kPa)",
)
