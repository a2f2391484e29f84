"""Per-foot total vertical force and centre of pressure, for the lab-interchange writers.

The C3D and OpenSim ``.mot`` exporters write what an insole measures per foot: the total
force normal to the insole (N) and the centre of pressure (COP) in the insole frame (mm;
origin at the heel end of the long axis, ``y`` anterior, ``x`` medial on both feet; see
README.md "Files and formats"). Both use this module so the two files agree.

Definitions are those of :mod:`sensorkit.kernels.cop` (docs/methods.md "Force and centre of
pressure"): F = sum of sensor forces; COP = force-weighted mean sensor position; COP is
undefined (NaN) where F is below a threshold. No baseline is removed: the export carries
the recording's values as they are.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sensorkit.kernels.cop import cop_frames, sensor_array
from sensorkit.recording import Recording

__all__ = ["COP_MIN_FORCE_N", "FootLoads", "foot_loads", "has_forces"]

#: Default force (N) below which the COP is undefined: sensorkit's lowest contact threshold
#: (20 N, the analysis floor; docs/methods.md), kept here so exports do not depend on analysis.
COP_MIN_FORCE_N = 20.0


class FootLoads(NamedTuple):
    """Total force and COP of one insole, frame by frame (all arrays shape (n,), float32).

    Attributes
    ----------
    force_n : ndarray
        Sum of the sensor forces in N; NaN in frames the insole did not deliver.
    cop_x_mm, cop_y_mm : ndarray
        COP in the insole frame in mm (x medial, y anterior from the heel end); NaN where the
        force is below the threshold or the frame is missing.
    delivered : ndarray of bool
        True where the insole delivered the frame (False = missing data, a gap).
    """

    force_n: np.ndarray
    cop_x_mm: np.ndarray
    cop_y_mm: np.ndarray
    delivered: np.ndarray


def has_forces(rec: Recording) -> bool:
    """True when per-sensor forces (N) can be had: force sensors, or pressure sensors with areas."""
    return rec.units == "N" or all(rec.layout_for(s).has_areas for s in rec.sides)


def foot_loads(rec: Recording, side: str, *, min_force_n: float = COP_MIN_FORCE_N) -> FootLoads:
    """Total force and COP of one insole of ``rec``.

    Parameters
    ----------
    rec : Recording
        With values in N, or in kPa with known sensor areas (force = pressure x area).
    side : {"left", "right"}
    min_force_n : float
        COP is NaN where the total force is below this (N).

    Returns
    -------
    FootLoads
        Arrays of shape (n,) = ``rec.n_frames``.

    Raises
    ------
    ValueError
        When ``side`` was not recorded, or the layout has no sensor areas for kPa values.
    """
    lay = rec.layout_for(side)
    forces = sensor_array(rec.forces_n(side))  # a column-major side is not copied whole
    x = np.ascontiguousarray(lay.x_mm, dtype=np.float32)
    y = np.ascontiguousarray(lay.y_mm, dtype=np.float32)
    base = np.zeros(lay.n_sensors, dtype=np.float32)
    cop_x, cop_y, force = cop_frames(forces, x, y, base, float(min_force_n))
    return FootLoads(force, cop_x, cop_y, ~np.isnan(force))
