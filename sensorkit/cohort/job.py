"""One file of a cohort: read, analyse, and return its steps and its session row.

A pure function of its arguments (picklable in and out), so every engine runs exactly the same
code; an error is caught and becomes the session row's ``status="error"`` with its type and
message, never an exception that stops the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.recording import missing_time_s

__all__ = [
    "SESSION_COLUMNS",
    "SESSION_METRICS",
    "STEP_KEY_COLUMNS",
    "JobOptions",
    "analyse_one",
    "empty_sessions",
    "normalise",
    "session_dtypes",
]

#: Per-session metrics: each gives ``<m>_left``, ``<m>_right``, ``<m>_both``, ``<m>_cv_pct``
#: (both feet), ``<m>_si_pct`` (positive = left larger) and ``<m>_asymmetry`` (the status).
SESSION_METRICS = (
    "contact_time_s",
    "stride_time_s",
    "swing_time_s",
    "stance_pct_gait_cycle",
    "double_support_s",
    "peak_force_n",
    "peak_force_bw",
    "first_peak_n",
    "first_peak_bw",
    "second_peak_n",
    "second_peak_bw",
    "loading_rate_n_s",
    "loading_rate_bw_s",
    "valr_n_s",
    "valr_bw_s",
    "strike_index_pct",
    "cop_ap_excursion_mm",
)
#: Identification columns leading both tables.
STEP_KEY_COLUMNS = ("file_index", "file_id", "file", "subject", "session", "condition")
_INFO_COLUMNS = (
    ("path", "object"),  # as given to the batch: `file` is only the name, which repeats across folders
    ("status", "object"),
    ("error_type", "object"),
    ("error_message", "object"),
    ("format", "object"),
    ("layout", "object"),
    ("units", "object"),
    ("rate_hz", "float64"),
    ("duration_s", "float64"),
    ("n_sensors", "Int64"),
    ("sides", "object"),
    ("body_mass_kg", "float64"),
    ("activity", "object"),
    ("loading_rate_method", "object"),
    ("n_stances", "Int64"),
    ("n_valid", "Int64"),
    ("n_steady_state", "Int64"),
    ("n_asymmetric", "Int64"),
    ("n_gaps", "Int64"),
    ("missing_s", "float64"),
    ("missing_pct", "float64"),
    ("cadence_spm", "float64"),
)
_METRIC_SUFFIXES = (
    ("left", "float64"),
    ("right", "float64"),
    ("both", "float64"),
    ("cv_pct", "float64"),
    ("si_pct", "float64"),
    ("asymmetry", "object"),
)
#: Columns of the sessions table, in order (docs/cohorts.md).
SESSION_COLUMNS = (
    *STEP_KEY_COLUMNS,
    *(c for c, _ in _INFO_COLUMNS),
    *(f"{m}_{s}" for m in SESSION_METRICS for s, _ in _METRIC_SUFFIXES),
)


def session_dtypes() -> dict[str, str]:
    """The dtype of every sessions column (stable whatever the files gave)."""
    out = {"file_index": "int64", "file_id": "object", "file": "object"}
    out.update({c: "object" for c in ("subject", "session", "condition")})
    out.update(dict(_INFO_COLUMNS))
    out.update({f"{m}_{s}": d for m in SESSION_METRICS for s, d in _METRIC_SUFFIXES})
    return out


def normalise(frame: pd.DataFrame, dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """Typed columns, and None (not NaN) for a missing value in a text column, whether the table
    was built in memory or read back from Parquet (so every path gives equal tables)."""
    out = frame.astype(dtypes) if dtypes else frame.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def empty_sessions() -> pd.DataFrame:
    """A sessions table with no rows and every column typed."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in session_dtypes().items()})


@dataclass(frozen=True)
class JobOptions:
    """What every file of a batch is analysed with.

    Attributes
    ----------
    layout : str, optional
        Built-in layout name or layout JSON path, used only for files that need one.
    body_mass_kg : float, optional
        Body mass for files that carry none (BW columns).
    params : dict
        Analysis parameters (:class:`sensorkit.AnalysisParams` fields).
    read_options : dict
        Options of :func:`sensorkit.read` (:data:`READ_OPTIONS`): ``format`` reads every file
        as that format; the CSV dialect options go to the files whose format takes them
        (generic CSV) and to no other.
    """

    layout: str | None = None
    body_mass_kg: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    read_options: dict[str, str] = field(default_factory=dict)


#: The :func:`sensorkit.read` options a batch takes for the files whose format reads them.
READ_OPTIONS = ("format", "sep", "decimal", "encoding", "time_unit")


def check_read_options(options: dict[str, Any] | None) -> dict[str, str]:
    """``options`` without unset entries; a name outside :data:`READ_OPTIONS` is a ValueError."""
    given = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = sorted(set(given) - set(READ_OPTIONS))
    if unknown:
        raise ValueError(
            f"unknown read option(s) {', '.join(unknown)}; a batch takes {', '.join(READ_OPTIONS)}"
        )
    if "format" in given:  # an unknown name fails before any work, not once per file
        from sensorkit.io.formats import format_spec

        format_spec(given["format"])
    return given


def analyse_one(task: dict[str, Any], options: JobOptions) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Analyse one file of the task table.

    Parameters
    ----------
    task : dict
        One row of :func:`sensorkit.cohort.resolve_sources`.
    options : JobOptions

    Returns
    -------
    steps : DataFrame
        The steps table with :data:`STEP_KEY_COLUMNS` in front (empty on error).
    session : dict
        The session row (keys :data:`SESSION_COLUMNS`).
    """
    import sensorkit as sk

    keys = {k: task.get(k) for k in STEP_KEY_COLUMNS}
    row: dict[str, Any] = {
        **keys,
        "path": str(task["path"]),
        "status": "ok",
        "error_type": None,
        "error_message": None,
    }
    try:
        rec, fmt = _read(task["path"], options)
        res = sk.analyze(rec, body_mass_kg=_mass(rec, options, task), **options.params)
    except Exception as exc:  # a file that fails gets an error row, the batch goes on
        row.update({"status": "error", "error_type": type(exc).__name__, "error_message": str(exc)[:500]})
        return pd.DataFrame(), _complete(row)
    if row["subject"] is None or _isnan(row["subject"]):
        row["subject"] = rec.metadata.get("subject") or None
    counts = res.counts
    gaps = rec.gaps
    missing = float(missing_time_s(gaps, rec.rate_hz).sum())  # frames, not the gaps' intervals
    row.update(
        {
            "format": fmt,
            "layout": rec.layout.name,
            "units": rec.units,
            "rate_hz": rec.rate_hz,
            "duration_s": rec.duration_s,
            "n_sensors": rec.n_sensors,
            "sides": "+".join(rec.sides),
            "body_mass_kg": res.body_mass_kg,
            "activity": res.activity,
            "loading_rate_method": res.info.loading_rate_method,
            "n_stances": int(counts.loc["both", "n_stances"]),
            "n_valid": int(counts.loc["both", "n_valid"]),
            "n_steady_state": int(counts.loc["both", "n_steady_state"]),
            "n_asymmetric": int(res.asymmetry["flag"].sum()),
            "n_gaps": len(gaps),
            "missing_s": missing,
            "missing_pct": 100.0 * missing / rec.duration_s if rec.duration_s > 0 else math.nan,
            "cadence_spm": res.cadence_spm,
        }
    )
    for m in SESSION_METRICS:
        s = res.summary.loc[m] if m in res.summary.index else None
        a = res.asymmetry.loc[m] if m in res.asymmetry.index else None
        row[f"{m}_left"] = float(s["left"]) if s is not None else math.nan
        row[f"{m}_right"] = float(s["right"]) if s is not None else math.nan
        row[f"{m}_both"] = float(s["both"]) if s is not None else math.nan
        row[f"{m}_cv_pct"] = float(s["both_cv_pct"]) if s is not None else math.nan
        row[f"{m}_si_pct"] = float(s["symmetry_index_pct"]) if s is not None else math.nan
        row[f"{m}_asymmetry"] = str(a["status"]) if a is not None else None
    steps = res.steps.copy()
    for i, (k, v) in enumerate(keys.items()):
        steps.insert(i, k, v if k != "subject" else row["subject"])
    return steps, _complete(row)


def _read(path: str, options: JobOptions):
    """Read a file; the batch's layout is used only for files that need one, its read
    options only for files whose format takes them."""
    import sensorkit as sk
    from sensorkit.errors import FileFormatError
    from sensorkit.io.formats import detect_format, format_spec

    fmt = options.read_options.get("format") or detect_format(path)
    taken = format_spec(fmt).options
    kwargs = {k: v for k, v in options.read_options.items() if k in taken}
    kwargs["format"] = fmt
    try:
        return sk.read(path, **kwargs), fmt
    except FileFormatError as exc:
        if options.layout is None or "layout" not in str(exc) + str(getattr(exc, "hint", "")):
            raise
        return sk.read(path, layout=options.layout, **kwargs), fmt


def table_mass(value: Any) -> float | None:
    """A ``body_mass_kg`` cell of a sources table in kg, or None when empty (``""``, NaN, ``n/a``,
    ``NA``: BIDS and pandas spellings of "unknown").

    Raises
    ------
    ValueError
        A cell that is neither empty nor a number.
    """
    if value is None or _isnan(value) or str(value).strip().lower() in ("", "n/a", "na", "nan", "none"):
        return None
    try:
        return float(value)  # sk.analyze checks the range
    except ValueError:
        raise ValueError(f"body_mass_kg of this file in the table is not a number: {value!r}") from None


def _mass(rec, options: JobOptions, task: dict[str, Any] | None = None) -> float | None:
    """The body mass to analyse ``rec`` with: the task table's ``body_mass_kg`` for this file
    when given (a participants table), else the file's own, else the batch's."""
    given = None if task is None else table_mass(task.get("body_mass_kg"))
    if given is not None:
        return given
    return None if rec.body_mass_kg is not None else options.body_mass_kg


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _complete(row: dict[str, Any]) -> dict[str, Any]:
    out = {c: row.get(c) for c in SESSION_COLUMNS}
    for c, d in session_dtypes().items():
        if d == "float64" and out[c] is None:
            out[c] = np.nan
    return out
