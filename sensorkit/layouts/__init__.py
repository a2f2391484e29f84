"""Building and estimating sensor layouts: sensel grids, anatomical masks, least-squares fits.

``sensorkit.layout`` holds the :class:`~sensorkit.layout.SensorLayout` object and the
built-in layouts; this package makes new ones.
"""

from sensorkit.layouts.grid import grid_layout
from sensorkit.layouts.masks import anatomical_masks, regions_by_length

__all__ = ["anatomical_masks", "grid_layout", "regions_by_length"]
