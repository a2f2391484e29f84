"""Reading and writing recordings: one module per file format, all returning a Recording.

The formats are listed in one table (:data:`sensorkit.io.formats.FORMAT_TABLE`); see
:mod:`sensorkit.io.formats` for how a file's format is found and how to add one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sensorkit.errors import FileFormatError
from sensorkit.io.csv_generic import write_generic_csv
from sensorkit.io.formats import FORMAT_TABLE, detect_format, format_spec, option_names, register_format
from sensorkit.io.outputs import check_output, input_files
from sensorkit.io.parquet import write_parquet
from sensorkit.io.spec import FormatSpec
from sensorkit.layout import SensorLayout
from sensorkit.recording import Recording

__all__ = [
    "FORMATS",
    "FORMAT_TABLE",
    "FormatSpec",
    "detect_format",
    "format_spec",
    "read",
    "register_format",
    "write",
    "write_generic_csv",
    "write_parquet",
]

#: Names of the formats :func:`read` knows, in sniffing order (see ``FORMAT_TABLE``).
FORMATS = tuple(s.name for s in FORMAT_TABLE)


def read(
    path: str | Path,
    *,
    format: str | None = None,
    layout: SensorLayout | str | Path | None = None,
    body_mass_kg: float | None = None,
    calibration: Any = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    time_unit: str | None = None,
    side: str | None = None,
    master_side: str | None = None,
) -> Recording:
    """Read a recording from any supported file; the format is detected when not given.

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        Force a format (a name in :data:`FORMATS`).
    layout : SensorLayout, str or Path, optional
        Sensor layout (built-in name, JSON file or object), for formats that do not carry one
        or to override the file's.
    body_mass_kg : float, optional
        Subject body mass in kg, overriding the file's.
    calibration : Calibration, dict or path, optional
        For files of raw ADC counts (captures of count-sending insoles, ESP32 SD logs):
        convert with this calibration. Other formats hold N or kPa already.
    sep, decimal, encoding : str, optional
        Generic CSV only: field separator (``","``, ``";"``, ``"\\t"``), decimal mark
        (``"."`` or ``","``) and text encoding (``"utf-8"``, ``"latin-1"``, ...); sniffed
        when not given.
    time_unit : {"s", "ms", "us"}, optional
        Generic CSV only: unit of the time column (default seconds; a column that looks
        like milliseconds is an error that says to pass ``time_unit="ms"``).
    side : {"left", "right"}, optional
        ESP32 SD logs only: the foot of a one-insole log (``L_LOG``/``R_LOG``), default from
        its file name (:func:`sensorkit.io.esp32.read_esp32_log`).
    master_side : {"right", "left"}, optional
        ESP32 SD logs only: the foot of the master board that wrote the two-insole
        ``COMBO_LOG`` (its build's ``SIDE_RIGHT``/``SIDE_LEFT``, upstream Insole_Logger_V1.ino
        lines 43-45); default ``"right"``, the logger's design. ``--master-side`` on the
        command line.

    Returns
    -------
    Recording

    Raises
    ------
    FileFormatError
        Naming the file, and the line and column of the problem when there is one; also
        for an option the file's format does not take.

    Examples
    --------
    >>> rec = read("GaCo01_01.txt", body_mass_kg=83)  # doctest: +SKIP
    """
    spec = format_spec(format) if format is not None else format_spec(detect_format(path))
    given = {
        "layout": layout,
        "body_mass_kg": body_mass_kg,
        "calibration": calibration,
        "sep": sep,
        "decimal": decimal,
        "encoding": encoding,
        "time_unit": time_unit,
        "side": side,
        "master_side": master_side,
    }
    options = {k: v for k, v in given.items() if v is not None}
    refused = sorted(set(options) - spec.options)
    if "calibration" in refused:
        raise FileFormatError(
            "a calibration applies to raw captures (.skr) and logs of insoles that send counts; "
            f"this {spec.name} file holds calibrated values already",
            path=str(path),
        )
    if refused:
        raise FileFormatError(
            f"option(s) {option_names(refused)} do not apply to {spec.name} files",
            path=str(path),
            hint=f"{spec.name} takes: {option_names(spec.options) or 'no options'}",
        )
    return spec.read(path, **options)


def write(rec: Recording, path: str | Path, *, format: str | None = None, overwrite: bool = False) -> Path:
    """Write ``rec`` to ``path`` in the format named, or the one its extension selects.

    Parameters
    ----------
    rec : Recording
    path : str or Path
        The file. CSV and Parquet are written under a temporary name and renamed when
        complete, so an error half-way leaves no partial file and any replaced file intact.
    format : str, optional
        A format name with a writer (default: from the extension, e.g. ``.csv``, ``.parquet``).
    overwrite : bool
        Replace an existing file (as ``--force`` on the command line). Never the file ``rec``
        was read from.

    Returns
    -------
    Path

    Raises
    ------
    FileFormatError
        Unknown extension or a format sensorkit does not write.
    OutputExistsError
        ``path`` exists and ``overwrite`` is False (every format alike; before, CSV was
        replaced and Parquet refused).
    SameFileError
        ``path`` is the file ``rec`` was read from (see :mod:`sensorkit.outputs`).
    """
    path = Path(path)
    writable = [s for s in FORMAT_TABLE if s.write is not None]
    if format is not None:
        spec = format_spec(format)
        if spec.write is None:
            raise FileFormatError(
                f"sensorkit reads {spec.name} files but does not write them",
                path=str(path),
                hint=f"writable formats: {', '.join(s.name for s in writable)}",
            )
    else:
        name = path.name.lower()
        matches = [s for s in writable if any(name.endswith(e) for e in s.extensions)]
        if not matches:
            raise FileFormatError(
                "cannot tell the output format from the file name",
                path=str(path),
                hint="use one of "
                + ", ".join(f"{s.name} ({'/'.join(s.extensions)})" for s in writable)
                + " or pass format=",
            )
        spec = matches[0]
    check_output(path, overwrite=overwrite, inputs=input_files(rec))
    spec.write(rec, path)
    return path
