"""Schemas of the JSON that file readers in ``sensorkit.io`` trust (checked by :mod:`sensorkit._json`).

Each reader calls one function here from a line or two, so a hostile or damaged file gives
one :class:`~sensorkit.errors.FileFormatError` naming the file and the field.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sensorkit._json import Spec, check, load_json
from sensorkit._median import median_in_place
from sensorkit._stack import user_stacklevel
from sensorkit.errors import FileFormatError
from sensorkit.layout import LAYOUT_SPEC

__all__ = [
    "GAPS_SPEC",
    "MAX_CSV_COLUMNS",
    "MAX_HEADER_LINE_CHARS",
    "MAX_PLAUSIBLE_STEP_S",
    "PARQUET_HEADER_SPEC",
    "check_csv_header",
    "check_seconds",
    "declared_gaps",
    "declared_rate",
    "median_step_s",
    "parquet_header",
    "text_lines",
]

_NUM, _STR, _NONE = (float,), (str,), (type(None),)
_GAP = Spec((dict,), required=("start_s", "end_s"), keys={
    "start_s": Spec(_NUM), "end_s": Spec(_NUM), "side": Spec(_STR),
    "n_missing": Spec((int,), 0, 2**53), "reason": Spec(_STR),
})  # fmt: skip
_LAYOUT_OR_NONE = Spec((dict, *_NONE), keys=LAYOUT_SPEC.keys, required=LAYOUT_SPEC.required)
#: The ``sensorkit`` key-value metadata of a Parquet recording (``sensorkit.parquet/1``).
PARQUET_HEADER_SPEC = Spec((dict,), required=("schema",), keys={
    "schema": Spec(_STR), "layout": Spec((*_STR, *_NONE)), "layout_spec": _LAYOUT_OR_NONE,
    "layout_right_spec": _LAYOUT_OR_NONE, "units": Spec((*_STR, *_NONE)),
    "rate_hz": Spec((*_NUM, *_NONE), 1e-3, 1e6, finite=False),
    "body_mass_kg": Spec((*_NUM, *_NONE), finite=False), "sides": Spec((list, *_NONE), items=Spec(_STR)),
    "gaps": Spec((list, *_NONE), items=_GAP), "metadata": Spec((dict, *_NONE)),
    "metadata_not_stored": Spec((list, *_NONE)), "header_crc32_key": Spec(_STR),
})  # fmt: skip


#: A file's declared gaps (Parquet's ``gaps``, generic CSV's ``gaps_json`` read as mappings).
GAPS_SPEC = Spec((list,), items=_GAP)


def parquet_header(raw: bytes, path: str) -> dict[str, Any]:
    """The parsed and checked ``sensorkit`` metadata of the Parquet file ``path``.

    Raises
    ------
    FileFormatError
        Not UTF-8 JSON, nested too deeply, or a field of the wrong type or range (named).
    """
    header = load_json(raw, source=path, what="sensorkit metadata")
    return check(header, PARQUET_HEADER_SPEC, source=path, where="")


#: Most columns a text table may have: time plus 2 x 4096 sensors (a header of 1,000,000
#: columns is refused at once instead of being parsed for minutes).
MAX_CSV_COLUMNS = 1 + 2 * 4096
#: Longest header or metadata line read (characters); a longer one is refused.
MAX_HEADER_LINE_CHARS = 1 << 20


def check_csv_header(line: str, path: str, lineno: int) -> None:
    """Refuse a header line longer than :data:`MAX_HEADER_LINE_CHARS` or with too many columns.

    Raises
    ------
    FileFormatError
        Naming the file and the line.
    """
    cut = len(line) >= MAX_HEADER_LINE_CHARS and not line.endswith("\n")  # (its first part only)
    n = line.count(",") + 1
    if n > MAX_CSV_COLUMNS:
        raise FileFormatError(
            f"the header has {'more than ' if cut else ''}{n} columns; at most {MAX_CSV_COLUMNS} "
            "(time and 2 x 4096 sensors) are read",
            path=path,
            line=lineno,
        )
    if cut:
        raise FileFormatError(f"line longer than {MAX_HEADER_LINE_CHARS} characters", path=path, line=lineno)


def text_lines(path: str) -> list[str]:
    """The lines of a UTF-8 text file, split at line feeds only (a form feed is not a new line).

    ``str.splitlines`` also splits at ``\\f``, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85`` and
    ``\\u2028``, which shifts every line number after such a character in a notes line;
    pandas and text editors count ``\\n`` (and ``\\r\\n``) only.

    Raises
    ------
    FileFormatError
        A line that is not UTF-8, naming the line and the column (1-based byte) of the bad byte.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    out = []
    for i, line in enumerate(raw.split(b"\n")):
        try:
            out.append(line.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"not UTF-8 text (byte 0x{line[exc.start]:02x})", path=path, line=i + 1, column=exc.start + 1
            ) from None
    return out


def declared_gaps(
    gaps: list[dict] | None, time: np.ndarray, rate_hz: float | None, path: str | Path, *, field: str
) -> list[dict] | None:
    """A file's declared gaps (checked against :data:`GAPS_SPEC`) that lie on its data.

    Gaps wholly before the first frame or after the last (a file cropped after it was
    written, its header kept) are left out with a warning; a gap claiming more missing frames
    than its span holds at the file's rate is refused (a report said 9e13 s missing for a 20 s
    file).

    Parameters
    ----------
    gaps : list of dict or None
        Mappings with ``start_s``, ``end_s`` (s) and optionally ``n_missing``.
    time : numpy.ndarray
        (n,) frame times of the file (s).
    rate_hz : float or None
        The file's sample rate (Hz); None skips the count check.
    path : str or Path
        The file, named in the warning and the error.
    field : str
        Where the file declares them (``gaps_json``, ``gaps``), named likewise.

    Returns
    -------
    list of dict or None
        The gaps on the data, in their order.

    Raises
    ------
    FileFormatError
        A gap with more missing frames than fit between its ends.
    """
    if not gaps or time.size == 0:
        return gaps
    t0, t1 = float(time[0]), float(time[-1])
    start = np.array([g["start_s"] for g in gaps], dtype=np.float64)
    end = np.array([g["end_s"] for g in gaps], dtype=np.float64)
    on = (end >= t0) & (start <= t1)
    if not on.all():
        warnings.warn(
            f"{path}: {int((~on).sum())} of the {len(gaps)} gaps in {field} lie outside the data "
            f"({t0:g}-{t1:g} s; a file cropped after it was written?): left out",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    kept = [g for g, k in zip(gaps, on, strict=True) if k]
    if rate_hz:
        missing = np.array([g.get("n_missing", 0) for g in kept], dtype=np.float64)
        over = np.flatnonzero(missing > (end[on] - start[on]) * rate_hz + 1.0)
        if over.size:
            g = kept[int(over[0])]
            raise FileFormatError(
                f"{field} gap at {g['start_s']:g}-{g['end_s']:g} s says {g['n_missing']} frames missing, "
                f"more than its {g['end_s'] - g['start_s']:g} s hold at {rate_hz:g} Hz",
                path=str(path),
            )
    return kept


#: A time column in seconds whose median step exceeds this (s) is taken for milliseconds:
#: insoles sample at 10-1000 Hz, so frames are 1-100 ms apart.
MAX_PLAUSIBLE_STEP_S = 0.5


def median_step_s(time: np.ndarray) -> float:
    """The median step (s) between the frames of a time column ((n,) s); 0.0 below two frames.

    Computed once per file and handed to :func:`check_seconds` and :func:`declared_rate`
    (12 ms for 1 h at 1 kHz: a Parquet read should not pay it twice).
    """
    if time.size < 2:
        return 0.0
    return median_in_place(np.diff(time))


def check_seconds(step: float, path: str | Path, *, column: str, hint: str, line: int | None = None) -> None:
    """Refuse a time column in seconds whose median step (:func:`median_step_s`) says
    milliseconds (FileFormatError).

    A 100 Hz file read with its times in ms is 17 500 s at 0.1 Hz, in which no step is found:
    the error names the column (and its header ``line`` when given) and ``hint`` the fix.
    """
    if step > MAX_PLAUSIBLE_STEP_S:
        raise FileFormatError(
            f"column {column!r} steps by {step:g} between rows: that is milliseconds, not seconds "
            f"({1.0 / step:.3g} Hz would be far too slow for an insole)",
            path=str(path),
            line=line,
            column=column,
            hint=hint,
        )


#: A declared rate within this factor of the time column's (1 / its median step) agrees with it.
RATE_AGREEMENT = 1.25


def declared_rate(rate_hz: float | None, step: float, path: str | Path, *, field: str) -> float | None:
    """A file's declared sample rate, or None when its time column contradicts it.

    The time column is the data and the rate only describes it: a ``rate_hz`` more than
    :data:`RATE_AGREEMENT` times away from ``1 / median step`` (a header edited by hand, 50
    for a 100 Hz file) is left out with a warning naming both, and the recording measures
    its rate from the time column (:meth:`sensorkit.Recording.from_arrays`). Everything that
    uses the rate (filters, counts of missing frames, durations) would otherwise be off by
    that factor.

    Parameters
    ----------
    rate_hz : float or None
        The declared rate (Hz).
    step : float
        The time column's median step (s, :func:`median_step_s`; 0.0 below two frames).
    path : str or Path
        The file, named in the warning.
    field : str
        Where the file declares it (``# rate_hz``, ``rate_hz``), named likewise.

    Returns
    -------
    float or None
        ``rate_hz`` when it agrees with the time column (or the column has fewer than two
        frames), else None.
    """
    if rate_hz is None or not step > 0:
        return rate_hz  # fewer than two frames, or a time column that does not increase (refused where it is checked)
    ratio = rate_hz * step
    if 1.0 / RATE_AGREEMENT <= ratio <= RATE_AGREEMENT:
        return rate_hz
    warnings.warn(
        f"{path}: {field} says {rate_hz:g} Hz but the time column steps by {step:g} s ({1.0 / step:.4g} Hz): "
        "the rate is taken from the time column",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return None
