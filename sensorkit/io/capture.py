"""The capture file (``.skr``) as a file format: :func:`read_capture`, and the container re-exported.

The container itself (writer, reader, records, damage and cut handling) lives in
:mod:`sensorkit.devices.capture`, below the device layer that writes it, so the device
layer never imports ``sensorkit.io``'s readers; this module keeps every name it had, so
``from sensorkit.io.capture import CaptureWriter`` still works.
"""

from __future__ import annotations

import os  # noqa: F401  (kept: tests patch sensorkit.io.capture.os.fsync)
from pathlib import Path
from typing import Any

from sensorkit.devices.capture import *  # noqa: F403
from sensorkit.devices.capture import (  # noqa: F401  (names that are not in __all__)
    _KINDS,
    _REC,
    RECORD_OVERHEAD,
)
from sensorkit.devices.capture import (
    __all__ as _container_all,
)

__all__ = [*_container_all, "read_capture"]


def read_capture(
    path: str | Path,
    *,
    layout: Any = None,
    body_mass_kg: float | None = None,
    calibration: Any = None,
) -> Any:
    """Read a capture file into a :class:`~sensorkit.recording.Recording`.

    The records go through ``replay://`` at full speed, i.e. the same framing, decoder,
    sequence-gap tracking, clock mapping and calibration as the live run, so the arrays are
    the ones the live session delivered. A cut file gives everything up to the cut and a
    :class:`CaptureCutWarning` saying where it was cut (also in ``metadata["capture_cut"]``);
    damage in the middle is skipped with a :class:`CaptureDamagedWarning` per damaged range
    (``metadata["capture_damaged"]``), and the samples lost there are NaN frames (gaps). A
    file whose writer never closed it (killed, crash, power loss: no end record although
    the header promises one) gives a :class:`CaptureUnfinishedWarning` with the host time of
    its last record (``metadata["capture_unfinished"]``, also set for such a file that is
    cut; then the cut's one warning says both); the end record of a closed file is
    ``metadata["capture_end"]``. Files written before end records existed warn about neither.

    Raw-count devices: the frames in the file are the raw ADC counts. The header's
    ``calibration`` (the one the live session applied) converts them to N, bit-identical
    to the live chunks; ``calibration=`` converts them with another calibration instead
    (re-calibration, e.g. after a better calibration was made). Saturated readings are
    flagged in ``metadata["saturated"]`` (side -> (n, S) bool) and a
    :class:`~sensorkit.calibrate.SaturationWarning` is issued.

    Parameters
    ----------
    path : str or Path
        The ``.skr`` file.
    layout : SensorLayout or str, optional
        Override the layout named by the devices.
    body_mass_kg : float, optional
        Override the subject body mass in the header (kg).
    calibration : Calibration, dict or path, optional
        Calibration for raw counts, instead of the header's (``metadata["calibration_source"]``
        says which one was used: ``"argument"`` or ``"header"``).

    Returns
    -------
    Recording
        Host time axis in s from the start of the capture; values in N or kPa. Lost
        samples are NaN and listed in ``rec.gaps``.

    Raises
    ------
    FileFormatError
        Not a capture file, or no samples in it.
    UncalibratedError
        Raw counts and no calibration, neither in the header nor given (a
        :class:`~sensorkit.errors.CalibrationError`, with a hint).
    CalibrationError
        A calibration that does not fit the devices (sides, sensors, ADC bits), or given
        for devices that sent N.
    """
    from sensorkit.devices.assemble import recording_from_capture

    return recording_from_capture(path, layout=layout, body_mass_kg=body_mass_kg, calibration=calibration)
