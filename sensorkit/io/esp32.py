"""SD-card logs of the ESP32 16-channel insole (OPEN_INSOLES.md #6, GitHub Brilliant-Star-ch).

Structure (the master board's ``COMBO_LOG###.CSV``, upstream
``firmware/Insole_Logger_V1/Insole_Logger_V1.ino`` lines 230-233 and 406-410)::

    # fw=v3.1.0
    time_ms,frame_id,R_ch0,...,R_ch15,L_ch0,...,L_ch15,flags
    1981,1,4095,4012,...,0
    2031,2,...

``time_ms`` is the board's ``millis()``; ``frame_id`` counts frames; ``R_ch*`` and ``L_ch*`` are
**raw 12-bit ADC counts** (0-4095) of the right and left insole; ``flags`` is an integer the
firmware sets (Insole_Logger_V1.ino line 194, set at lines 389-391): bit 0 = the row has no
left half, bit 1 = the frame was written at the 70 ms timeout. The logger writes zeros for a
half it never got; zeros would read as full load, so those frames become missing (NaN) and
gaps whose ``reason`` starts "insole frame missing (flags". A timeout alone (bit 1) with both
halves present is a late but complete frame, kept. The board writes its buffer in blocks, so
rows may be out of order: they are sorted by time, and a frame written twice (same
``frame_id``, same values) is kept once and counted (:class:`~sensorkit.errors.DuplicateRowsWarning`).

**Which foot the master board is on is a build choice** (``SIDE_RIGHT`` or ``SIDE_LEFT``,
lines 43-45), not fixed by the firmware: the master files its own readings in the half of its
side and the slave's in the other (lines 289-296, 556-562), so ``R_ch*`` is the right foot and
``L_ch*`` the left in either build, but what a half-empty row means depends on it. The
logger's design, and the reader's default ``master_side="right"``, has the master on the right
foot and the slave on the left (lines 4, 290, 434, 545; the published logs, e.g.
``COMBO_LOG001.CSV``, start with rows that have no left half, flags 3, as a right master writes
them before its slave answers). With a right master, a left (slave) frame that never came is a
row with left zeros and flags 3; one that came after its frame was written is filed by the
logger in a new row with that frame id, right zeros and flags 2. With a left master
(``master_side="left"``) it is the other way round: a missing right (slave) frame is a row
with right zeros and flags 2, a late one a new row with left zeros and flags 3. The reader puts
a late half back into its frame, or, alone, makes the master's half of that row a gap and puts
the row at its frame's time. ``metadata["esp32_master_side"]`` says which was used and
``metadata["esp32_master_side_assumed"]`` whether it was the default.

**The logged counts fall under load.** Each sensor pulls a pulled-up ADC input towards ground
(upstream ``firmware/Insole_Test/Insole_Test.ino`` lines 10-13), so an unloaded sensor logs
4095 and a loaded one less. The reader converts every logged value ``v`` to ``4095 - v`` before
the calibration, exactly as the live ``esp32-insole`` profile does (``units.offset = 4095``,
``scale = -1``): 0 = unloaded, counts rising with the load. So a calibration fitted on the
live stream (``sensorkit calibrate`` with that profile) converts SD logs too, its zero offsets
and saturation count mean the same in both paths, and a count at the response's
``saturation_counts`` is a sensor pressed to (near) 0 logged, not an unloaded one.

A slave board (the left insole in the logger's design) writes its own file ``L_LOG###.CSV``
(or ``R_LOG###.CSV``) with the one-insole header ``time_ms,frame_id,seq,ch0,...,ch15``
(Insole_Logger_V1.ino lines 68-77, 235-237). The reader reads that form too, its foot from
``side=`` or else from the file name; but the published firmware sends the slave's frames to
the master and writes no rows there, so such a file is usually header only (an error saying
to read the master's ``COMBO_LOG`` file).

The counts are **uncalibrated**: a Recording holds N or kPa, so reading needs a calibration
(``calibration=``: a :class:`~sensorkit.calibrate.Calibration`, its dict or JSON file) whose
layout has as many sensors as the log has channels. Without one the reader refuses rather
than passing counts off as newtons. The board's layout is ``esp32-insole`` (the live
profile's), and a calibration of this board made with ``sensorkit calibrate`` on the
``esp32-insole`` profile has it::

    sensorkit calibrate "serial:///dev/ttyACM0?profile=esp32-insole&side=left" \
        "serial:///dev/ttyACM1?profile=esp32-insole&side=right" --response curves.json --mass 70 -o cal.json

    rec = sk.read("COMBO_LOG001.CSV", calibration="cal.json")   # layout esp32-insole

The calibration fixes the layout (its curves belong to its sensors): ``layout=`` may only
name the calibration's own.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, DuplicateRowsWarning, FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import FormatSpec, head_text
from sensorkit.recording import Recording, find_gaps

__all__ = ["ADC_MAX_COUNTS", "DEFAULT_MASTER_SIDE", "FORMAT", "looks_like_esp32_log", "read_esp32_log"]

#: Largest 12-bit count: what an unloaded sensor logs (load counts = ADC_MAX_COUNTS - logged value).
ADC_MAX_COUNTS = 4095
_CHANNEL = re.compile(r"^([RL])_ch(\d+)$")
#: ``flags`` bits (Insole_Logger_V1.ino line 194 "bit0: L missing, bit1: timeout", set at 389-391).
_FLAG_LEFT_MISSING = 0x01
_FLAG_TIMEOUT = 0x02
#: The master board's foot when ``master_side`` is not given: the logger's design (Insole_Logger_V1.ino
#: lines 4, 290, 434, 545); its build may say ``SIDE_LEFT`` instead (lines 43-45).
DEFAULT_MASTER_SIDE = "right"
#: Why a half is missing, per (master side, half): the slave's half that never came, or the
#: master's half of a row the logger opened for a slave frame that came late (findSlot).
_MISSING_REASON = {
    ("right", "L"): "insole frame missing (flags bit 0: the left insole's frame did not arrive)",
    ("right", "R"): "insole frame missing (flags: a late left frame written alone, no right frame)",
    ("left", "R"): "insole frame missing (flags 2 and right zeros: the right insole's frame did not arrive)",
    ("left", "L"): "insole frame missing (flags bit 0: a late right frame written alone, no left frame)",
}


def looks_like_esp32_log(path: Path, head: bytes) -> bool:
    """True when the first line is ``# fw=...`` and the header starts ``time_ms,frame_id``."""
    lines = [ln.strip() for ln in head_text(head).splitlines() if ln.strip()]
    return (
        len(lines) >= 2
        and lines[0].startswith("#")
        and "fw=" in lines[0]
        and lines[1].replace(" ", "").startswith("time_ms,frame_id,")
    )


def _firmware_fields(line: str) -> dict[str, str]:
    return {k: v for k, _, v in (tok.partition("=") for tok in line.lstrip("#").split()) if v}


def read_esp32_log(
    path: str | Path,
    *,
    calibration: Any = None,
    layout: Any = None,
    body_mass_kg: float | None = None,
    side: str | None = None,
    master_side: str | None = None,
) -> Recording:
    """Read an ESP32 insole SD-card log, converting its raw counts with ``calibration``.

    The logged counts fall under load; the calibration gets ``4095 - value`` (see the module
    docstring), the quantity the live ``esp32-insole`` profile streams and calibrates.

    Parameters
    ----------
    path : str or Path
        The log file.
    calibration : Calibration, dict or path
        Converts the load counts (4095 - logged value) to N (or kPa); required.
    layout : SensorLayout or str, optional
        Must be the calibration's layout when given (the calibration fixes the layout; for
        this board ``esp32-insole``).
    body_mass_kg : float, optional
        Subject mass in kg (default the calibration's).
    side : {"left", "right"}, optional
        The foot of a one-insole log (header ``time_ms,frame_id,seq,ch0..ch15``), whose lines
        do not say it; default from the logger's file name ``L_LOG###``/``R_LOG###``. Not for
        the two-insole log.
    master_side : {"right", "left"}, optional
        The foot of the master board, the one that wrote the two-insole log (its build's
        ``SIDE_RIGHT``/``SIDE_LEFT``, Insole_Logger_V1.ino lines 43-45); default ``"right"``,
        the logger's design (see the module docstring). It decides which rows are a missing
        slave frame and which a slave frame that came late. Not for a one-insole log.

    Returns
    -------
    Recording
        Frames sorted by ``time_ms`` (time in s = ms / 1000); ``metadata`` holds the firmware
        line's fields (``esp32_fw``, ...), ``rows_out_of_order`` (rows that follow a later
        frame in the file), ``duplicate_rows_dropped``, ``esp32_rows_with_flags``,
        ``esp32_rows_timed_out``, ``esp32_left_frames_missing``, ``esp32_right_frames_missing``,
        ``esp32_split_frames_merged``, ``esp32_master_side`` (``"right"``/``"left"``, or None
        for a one-insole log) and ``esp32_master_side_assumed`` (True when ``master_side``
        was not given and the default was used), and the calibration applied; frames missing from the
        time axis are gaps ("time jump"), halves the flags mark missing are NaN and gaps
        ("insole frame missing (flags ...)").

    Raises
    ------
    FileFormatError
        No calibration (the values are counts), a header that is not ``time_ms,frame_id,
        R_ch0..,L_ch0..,flags``, a cell that is not a whole number in 0-4095, one frame id
        with two different rows (line and column named), a ``master_side`` that is not
        ``"right"`` or ``"left"`` or given for a one-insole log.
    """
    path = Path(path)
    if master_side is not None and master_side not in ("right", "left"):
        raise FileFormatError(f"master_side must be 'right' or 'left', not {master_side!r}", path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise FileFormatError(f"not UTF-8 text ({exc.reason})", path=str(path), line=line) from None
    lines = text.splitlines()
    if not lines or not lines[0].startswith("#"):
        raise FileFormatError(
            "the first line must be the firmware comment '# fw=...'", path=str(path), line=1
        )
    fw = _firmware_fields(lines[0])
    header = [c.strip() for c in lines[1].split(",")] if len(lines) > 1 else []
    single = header[:3] == ["time_ms", "frame_id", "seq"]  # a slave board's own file (line 237)
    if header[:2] != ["time_ms", "frame_id"] or not (single or header[-1:] == ["flags"]):
        raise FileFormatError(
            "the header must be time_ms,frame_id,R_ch0..,L_ch0..,flags (the master's COMBO_LOG file) "
            "or time_ms,frame_id,seq,ch0..ch15 (one insole's L_LOG/R_LOG file)",
            path=str(path),
            line=2,
            column=1,
        )
    sides: dict[str, list[int]] = {"R": [], "L": []}
    if single:
        if master_side is not None:
            raise FileFormatError(
                f"master_side={master_side!r} is for the master's two-insole log (time_ms,frame_id,R_ch0..,"
                "L_ch0..,flags); this is one insole's log",
                path=str(path),
                hint="leave master_side out",
            )
        foot = _single_side(path, side)
        for k, name in enumerate(header[3:]):
            if name != f"ch{k}":
                raise FileFormatError(
                    f"unexpected column {name!r}, expected 'ch{k}'", path=str(path), line=2, column=name
                )
            sides[foot].append(k + 3)
    else:
        if side is not None:
            raise FileFormatError(
                f"side={side!r} is for one insole's log (time_ms,frame_id,seq,ch0..); this log holds both "
                "insoles in its R_ch and L_ch columns",
                path=str(path),
                hint="leave side= out",
            )
        for k, name in enumerate(header[2:-1]):
            m = _CHANNEL.match(name)
            if not m:
                raise FileFormatError(f"unexpected column {name!r}", path=str(path), line=2, column=name)
            sides[m.group(1)].append(k + 2)
            if int(m.group(2)) != len(sides[m.group(1)]) - 1:
                raise FileFormatError(f"channel {name!r} out of order", path=str(path), line=2, column=name)
    n_ch = len(sides["L"]) or len(sides["R"])
    if sides["L"] and sides["R"] and len(sides["L"]) != len(sides["R"]):
        raise FileFormatError(
            f"{len(sides['R'])} right channels but {len(sides['L'])} left ones", path=str(path), line=2
        )
    if len(lines) <= 2 or not any(ln.strip() for ln in lines[2:]):
        raise FileFormatError(
            "the log has no frames"
            + (
                ": the logger's slave build (L_LOG/R_LOG files) writes only this header and sends its "
                "frames to the master board, which logs both insoles (Insole_Logger_V1.ino lines 235-237, 306-334)"
                if single
                else ""
            ),
            path=str(path),
            line=len(lines) + 1,
            hint="read the master's COMBO_LOG file of the same session" if single else None,
        )
    if calibration is None:
        raise FileFormatError(
            "this log holds raw 12-bit ADC counts, not newtons: reading it needs a calibration",
            path=str(path),
            hint="pass calibration= a calibration JSON of this board (layout 'esp32-insole', "
            f"{n_ch} sensors; sensorkit calibrate with the esp32-insole profile, e.g. "
            "'serial://...?profile=esp32-insole&side=left' '...&side=right' --response CURVES --mass KG), "
            "e.g. sk.read(path, calibration='cal.json') or --calibration cal.json",
        )
    from sensorkit.calibrate import apply_calibration
    from sensorkit.calibrate.live import as_calibration

    try:
        cal = as_calibration(calibration)
    except CalibrationError as exc:
        raise FileFormatError(str(exc), path=str(path), hint=exc.hint) from None

    if len(lines) > 2 and not text.endswith(("\n", "\r")) and len(lines[-1].split(",")) < len(header):
        warnings.warn(
            f"{path}: the last row (line {len(lines)}) is cut short (power lost while writing?); "
            "read the rows before it",
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )
        lines = lines[:-1]
    count_cols = slice(3, None) if single else slice(2, -1)
    table = _table(lines, header, path, count_cols)
    data = table.to_numpy()
    line_of = np.arange(data.shape[0]) + 3  # 1-based file line of each row
    master = master_side or DEFAULT_MASTER_SIDE
    slave_half, master_half = ("L", "R") if master == "right" else ("R", "L")

    def half_missing(rows: np.ndarray, half: str) -> np.ndarray:
        return _left_missing(rows) if half == "L" else _right_missing(rows, sides["R"])

    retimed = np.zeros(data.shape[0], dtype=bool)
    if not single:
        retimed = _retime_lone_late_halves(data, half_missing(data, master_half))
    n_retimed = int(np.count_nonzero(retimed))
    order = np.argsort(data[:, 0], kind="stable")
    # rows written after a later frame (a row earlier in time than some row above it)
    t_file = data[:, 0]
    out_of_order = (
        int(np.count_nonzero(t_file[1:] < np.maximum.accumulate(t_file)[:-1])) if t_file.size else 0
    )
    data, line_of, retimed = data[order], line_of[order], retimed[order]
    keep = np.ones(data.shape[0], dtype=bool)
    dup_ids = pd.Series(data[:, 1]).duplicated(keep="first").to_numpy()
    n_merged = 0
    for i in np.flatnonzero(dup_ids):
        first = int(np.flatnonzero(data[:, 1] == data[i, 1])[0])
        if not np.array_equal(data[first], data[i]):
            pair = data[[first, i]]
            if single or not (half_missing(pair, slave_half)[0] and half_missing(pair, master_half)[1]):
                other = "left" if master == "right" else "right"
                flipped = (
                    not single and half_missing(pair, master_half)[0] and half_missing(pair, slave_half)[1]
                )
                raise FileFormatError(
                    f"frame_id {int(data[i, 1])} has two different rows (line {line_of[first]} and this one)",
                    path=str(path),
                    line=int(line_of[i]),
                    hint=f"these two rows are the halves of one frame as a master board on the {other} foot "
                    f"writes them: {_read_with_master(other, master)}"
                    if flipped
                    else None,
                )
            # the slave's frame came after the master had written the frame without it: the two
            # halves of one frame (see _right_missing); keep the first row's time and master half
            data[first, sides[slave_half]] = data[i, sides[slave_half]]
            if slave_half == "L":
                data[first, -1] &= ~_FLAG_LEFT_MISSING
            n_merged += 1
        keep[i] = False
    n_dup = int((~keep).sum()) - n_merged
    if n_dup:
        warnings.warn(
            f"{path}: {n_dup} duplicate row(s) (the same frame written twice) kept once",
            DuplicateRowsWarning,
            stacklevel=user_stacklevel(),
        )
    data, retimed = data[keep], retimed[keep]
    same_time = np.flatnonzero(np.diff(data[:, 0]) == 0)
    if same_time.size:
        i = int(same_time[0])
        hint = None
        if retimed[i] or retimed[i + 1]:  # a row taken as a late slave half, put at its frame's time
            k = i if retimed[i] else i + 1
            other = "left" if master == "right" else "right"
            hint = (
                f"frame {int(data[k, 1])}'s row has no {master} half: a master board on the {master} foot "
                f"writes such a row for a late {other} frame, so it was moved to its frame's time, where "
                f"another row is; a master board on the {other} foot writes it when the {master} insole's "
                f"frame did not arrive: {_read_with_master(other, master)}"
            )
        raise FileFormatError(
            f"frames {int(data[i, 1])} and {int(data[i + 1, 1])} have the same time_ms {int(data[i, 0])}",
            path=str(path),
            line=int(line_of[keep][i + 1]),
            column="time_ms",
            hint=hint,
        )
    if layout is not None:
        name = layout if isinstance(layout, str) else getattr(layout, "name", layout)
        if name != cal.layout_name:
            raise FileFormatError(
                f"layout {name!r} differs from the calibration's layout {cal.layout_name!r}",
                path=str(path),
                hint="the calibration fixes the layout of raw-count files; leave layout= out",
            )
    # logged counts fall under load (Insole_Test.ino lines 10-13): 4095 - v, as the live profile
    counts = {
        s: (ADC_MAX_COUNTS - data[:, cols].astype(np.float64) if cols else None) for s, cols in sides.items()
    }
    time_s = data[:, 0] / 1000.0
    flags = np.zeros(len(data), dtype=np.int64) if single else data[:, -1]
    none = np.zeros(len(data), dtype=bool)  # a one-insole file has no flags column
    missing = {h: none if single else half_missing(data, h) for h in ("L", "R")}
    gaps: list[dict] = []
    for s, side in (("L", "left"), ("R", "right")):
        if counts[s] is None or not missing[s].any():
            continue
        counts[s][missing[s]] = np.nan  # zeros written for a frame that never came: no data, not load
        if time_s.size > 1:
            period = float(np.median(np.diff(time_s)))  # as Recording.from_arrays estimates it
            reason = _MISSING_REASON[master, s]
            gaps += [dict(g, reason=reason) for g in find_gaps(time_s, counts[s], side, period)]
    metadata = {f"esp32_{k}": v for k, v in fw.items()}
    metadata.update(
        source=str(path),
        format="esp32-sd-log",
        rows_out_of_order=out_of_order,
        duplicate_rows_dropped=n_dup,
        esp32_rows_with_flags=int(np.count_nonzero(flags)),
        esp32_rows_timed_out=int(np.count_nonzero(flags & _FLAG_TIMEOUT)),
        esp32_left_frames_missing=int(missing["L"].sum()),
        esp32_right_frames_missing=int(missing["R"].sum()),
        esp32_split_frames_merged=n_merged,
        esp32_late_halves_retimed=n_retimed,
        esp32_master_side=None if single else master,
        esp32_master_side_assumed=not single and master_side is None,
        raw_units="counts (12-bit ADC), 4095 - logged value: 0 unloaded, rising with load",
    )
    try:
        return apply_calibration(
            cal,
            time_s,
            counts["L"],
            counts["R"],
            body_mass_kg=body_mass_kg,
            metadata=metadata,
            gaps=gaps or None,
        )
    except (CalibrationError, ValueError) as exc:
        raise FileFormatError(str(exc), path=str(path), hint=getattr(exc, "hint", None)) from None


def _read_with_master(other: str, master: str) -> str:
    """The hint's advice: read with the master board on the ``other`` foot."""
    return (
        f"read with master_side='{other}' (sensorkit.read(path, calibration=..., master_side='{other}'), "
        f"--master-side {other} on the command line; the reader assumed '{master}')"
    )


def _retime_lone_late_halves(data: np.ndarray, master_half_missing: np.ndarray) -> np.ndarray:
    """Put a slave's half filed alone at its frame's time; which rows were (``data`` changed in place).

    Such a row (the master's half zeros, ``master_half_missing``, and a frame id no other row
    has: its frame's own row was lost) is stamped when the late half arrived, at least 70 ms
    after its frame (``findSlot``, Insole_Logger_V1.ino lines 372 and 387), which put the
    slave's values one frame or more too late. Its time is interpolated from the frame ids and
    times of the complete rows (flags 0), the logger's frame clock; with fewer than two
    complete rows it is left as written.
    """
    none = np.zeros(data.shape[0], dtype=bool)
    if not master_half_missing.any() or data.shape[0] < 3:
        return none
    ids = data[:, 1]
    lone = master_half_missing & ~pd.Series(ids).duplicated(keep=False).to_numpy()
    complete = data[:, -1] == 0
    if not lone.any() or np.count_nonzero(complete) < 2:
        return none
    order = np.argsort(ids[complete], kind="stable")
    when = np.interp(ids[lone], ids[complete][order], data[complete, 0][order])
    data[lone, 0] = np.rint(when).astype(data.dtype)
    return lone


def _left_missing(rows: np.ndarray) -> np.ndarray:
    """(n,) bool per row of a two-insole log, (n, columns): flags bit 0, the row has no left
    half (``haveL`` false, line 390); the logger wrote zeros. With a right master: the left
    (slave) insole's frame did not arrive. With a left master, whose own half is always there,
    a row the logger opened for a right (slave) frame that came after its own row had been
    written (see :func:`_right_missing`)."""
    return (rows[:, -1] & _FLAG_LEFT_MISSING) != 0


def _right_missing(rows: np.ndarray, right_cols: list[int]) -> np.ndarray:
    """(n,) bool per row of a two-insole log, (n, columns): written at the timeout with a left
    half (flags = 2) and the zeros of a right half it never had.

    With a right master: a row the logger opened for a left (slave) frame that came after its
    own had been written. The master files a slave frame under its frame id, opening a new
    buffer slot when that id was already written (``findSlot``, Insole_Logger_V1.ino lines
    363-381); the slot times out 70 ms later and is written with flags = 2 (timeout, left
    present) and zeros for the right half (lines 387-410). With a left master: the right
    (slave) insole's frame did not arrive. All 16 right channels at 0 logged (= all fully
    loaded) means that, not a load.
    """
    if not right_cols:
        return np.zeros(rows.shape[0], dtype=bool)
    late = (rows[:, -1] & (_FLAG_LEFT_MISSING | _FLAG_TIMEOUT)) == _FLAG_TIMEOUT
    return late & ~rows[:, right_cols].any(axis=1)


def _single_side(path: Path, side: str | None) -> str:
    """ "L" or "R" for a one-insole log: ``side=``, else the logger's file name (L_LOG###/R_LOG###,
    Insole_Logger_V1.ino lines 68-77)."""
    if side is not None:
        if side not in ("left", "right"):
            raise FileFormatError(f"side must be 'left' or 'right', not {side!r}", path=str(path))
        return side[0].upper()
    name = path.name.upper()
    if name.startswith(("L_LOG", "R_LOG")):
        return name[0]
    raise FileFormatError(
        "this is one insole's log (time_ms,frame_id,seq,ch0..) and neither its lines nor its file "
        "name (the logger names them L_LOG###.CSV or R_LOG###.CSV) say which foot",
        path=str(path),
        line=2,
        hint="pass side='left' or side='right'",
    )


def _table(lines: list[str], header: list[str], path: Path, count_cols: slice) -> pd.DataFrame:
    """The rows as int64 (checking whole numbers, 0-4095 counts), or an error naming line and column."""
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(lines[2:])), header=None, names=header, dtype=np.int64, engine="c"
        )
    except (ValueError, pd.errors.ParserError):
        table = None
    if table is not None:
        counts = table.iloc[:, count_cols].to_numpy()
        bad = np.argwhere((counts < 0) | (counts > ADC_MAX_COUNTS))
        if not bad.size:
            if (table["time_ms"] < 0).any():
                i = int(np.flatnonzero(table["time_ms"] < 0)[0])
                raise FileFormatError("time_ms is negative", path=str(path), line=i + 3, column="time_ms")
            return table
        i, j = bad[0]
        raise FileFormatError(
            f"{int(counts[i, j])} is not a 12-bit count (0-{ADC_MAX_COUNTS})",
            path=str(path),
            line=int(i) + 3,
            column=header[count_cols][int(j)],
        )
    for k, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != len(header):
            raise FileFormatError(f"{len(cells)} fields, expected {len(header)}", path=str(path), line=k)
        for name, cell in zip(header, cells, strict=True):
            if not re.fullmatch(r"\s*\d+\s*", cell):
                raise FileFormatError(
                    f"not a whole number: {cell.strip()!r}", path=str(path), line=k, column=name
                )
    raise FileFormatError("cannot parse the rows", path=str(path))


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="esp32-sd-log",
    extensions=(".csv", ".txt", ".log"),
    sniff=looks_like_esp32_log,
    read=read_esp32_log,
    options=frozenset({"calibration", "layout", "body_mass_kg", "side", "master_side"}),
    description="ESP32 16-channel insole SD-card log (raw 12-bit counts; needs a calibration)",
)
