"""Reading and writing recordings: one module per file format, all returning a Recording."""

from __future__ import annotations

from pathlib import Path

from sensorkit.errors import FileFormatError
from sensorkit.io.capture import looks_like_capture, read_capture
from sensorkit.io.csv_generic import looks_like_generic_csv, read_generic_csv, write_generic_csv
from sensorkit.io.moticon import looks_like_moticon_opengo, read_moticon_opengo
from sensorkit.io.parquet import looks_like_parquet, read_parquet, write_parquet
from sensorkit.io.physionet import looks_like_physionet_gaitpdb, read_physionet_gaitpdb
from sensorkit.layout import SensorLayout
from sensorkit.recording import Recording

__all__ = ["FORMATS", "detect_format", "read", "write_generic_csv", "write_parquet"]

#: Formats :func:`read` knows, by name.
FORMATS = ("capture", "parquet", "generic-csv", "moticon-opengo", "physionet-gaitpdb")
_HEAD_BYTES = 4096


def detect_format(path: str | Path) -> str:
    """Name of the format of ``path`` (one of :data:`FORMATS`), from its name and first bytes.

    Raises
    ------
    FileFormatError
        When the file is missing, empty, binary or of no known format.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError("no such file", path=str(path))
    with path.open("rb") as fh:
        raw = fh.read(_HEAD_BYTES)
    if not raw.strip():
        raise FileFormatError("the file is empty", path=str(path))
    # binary formats first: they are recognised by their magic bytes
    if looks_like_capture(path, raw):
        return "capture"
    if looks_like_parquet(path, raw):
        return "parquet"
    if b"\x00" in raw:
        raise FileFormatError(
            "binary file of no known format", path=str(path), hint=f"known formats: {', '.join(FORMATS)}"
        )
    head = raw.decode("utf-8", errors="replace")
    if looks_like_physionet_gaitpdb(path, head):
        return "physionet-gaitpdb"
    if looks_like_moticon_opengo(path, head):  # before generic CSV, which claims any '#' header
        return "moticon-opengo"
    if looks_like_generic_csv(path, head):
        return "generic-csv"
    raise FileFormatError(
        "cannot tell the file format",
        path=str(path),
        hint="generic CSV starts with '# key: value' lines or a 'time,L1,...' header; "
        "PhysioNet gaitpdb files have 19 tab-separated columns",
    )


def read(
    path: str | Path,
    *,
    format: str | None = None,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
    calibration=None,
) -> Recording:
    """Read a recording from any supported file; the format is detected when not given.

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        Force a format (one of :data:`FORMATS`).
    layout : SensorLayout or str, optional
        Sensor layout, for formats that do not name one.
    body_mass_kg : float, optional
        Subject body mass in kg, overriding the file's.
    calibration : Calibration, dict or path, optional
        For raw captures of insoles that send ADC counts: convert with this calibration
        instead of the one in the capture's header. Other formats hold N or kPa already.

    Returns
    -------
    Recording

    Raises
    ------
    FileFormatError
        Naming the file, and the line and column of the problem when there is one.

    Examples
    --------
    >>> rec = read("GaCo01_01.txt", body_mass_kg=83)  # doctest: +SKIP
    """
    fmt = format or detect_format(path)
    if fmt == "capture":
        return read_capture(path, layout=layout, body_mass_kg=body_mass_kg, calibration=calibration)
    if calibration is not None:
        raise FileFormatError(
            "a calibration applies to raw captures (.skr) of insoles that send counts; "
            f"this {fmt} file holds calibrated values already",
            path=str(path),
        )
    readers = {
        "parquet": read_parquet,
        "generic-csv": read_generic_csv,
        "moticon-opengo": read_moticon_opengo,
    }
    if fmt in readers:
        return readers[fmt](path, layout=layout, body_mass_kg=body_mass_kg)
    if fmt == "physionet-gaitpdb":  # the layout is fixed by the dataset
        return read_physionet_gaitpdb(path, body_mass_kg=body_mass_kg)
    raise FileFormatError(
        f"unknown format {fmt!r}", path=str(path), hint=f"known formats: {', '.join(FORMATS)}"
    )
