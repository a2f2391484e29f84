"""Building and estimating sensor layouts: sensel grids, anatomical masks, least-squares fits.

``sensorkit.layout`` holds the :class:`~sensorkit.layout.SensorLayout` object and the
built-in layouts; this package makes new ones. ``sk.layouts.fit`` estimates a layout from an
export's own total force and centre of pressure (:func:`~sensorkit.layouts.fit.fit_layout`).
"""

from sensorkit.layouts.fit import LayoutFit, fit_layout
from sensorkit.layouts.grid import grid_layout
from sensorkit.layouts.masks import anatomical_masks, regions_by_length

#: Short name: ``sk.layouts.fit(pressure_kpa, total_force_n, cop_ap, cop_ml)``.
fit = fit_layout

__all__ = ["LayoutFit", "anatomical_masks", "fit", "fit_layout", "grid_layout", "regions_by_length"]
