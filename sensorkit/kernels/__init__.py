"""Numba kernels: pure functions of arrays (no pandas, no Python objects inside).

One module per topic; each kernel has a deliberately naive numpy twin in
:mod:`sensorkit.reference` that the tests compare against.

=================  ===========================================================
module             kernels
=================  ===========================================================
``cop``            total force and centre of pressure per frame
``filters``        centred moving average (event and VILR low-pass)
``events``         contact / toe-off state machine (threshold, hysteresis, durations, holes)
``stance``         per-stance peak force, impulse, time-jump check
``loading``        impact peak, VALR, VILR per stance
``cop_path``       COP excursions, path velocity, CPEI per stance
``walking``        first/second peak, valley, loading/unloading rate; strike index
``regional``       regional impulses, peak forces and peak pressures per stance
``symmetry``       Robinson symmetry index and Zifchock symmetry angle
=================  ===========================================================

All kernels are compiled with ``cache=True`` (float32 sensor arrays, float64 time), so cold
start is a cache load. Sensor arrays come in either memory order (:func:`sensor_array`): the
COP runs row-major tiles (:func:`row_tiles`), and ``regional_loads``, written without
fast-math, gives the same bits in either order (one compiled signature per order, all
warmed by :mod:`sensorkit._warmup`).
"""

from sensorkit.kernels.cop import cop_frames, cop_frames_into, row_tiles, sensor_array, total_force
from sensorkit.kernels.cop_path import cop_path_metrics, cop_path_points
from sensorkit.kernels.events import (
    FLAG_BRIDGED,
    FLAG_CONTACT_IN_HOLE,
    FLAG_EVENT_IN_HOLE,
    FLAG_GAP,
    FLAG_OPEN_END,
    FLAG_TOE_OFF_IN_HOLE,
    FLAG_TRUNCATED,
    STATE_SIZE,
    detect_contacts,
    new_event_state,
    open_stance,
    refine_events,
)
from sensorkit.kernels.filters import moving_average
from sensorkit.kernels.loading import METHOD_13PCT, METHOD_IMPACT, METHOD_NONE, METHOD_WINDOW, loading_rates
from sensorkit.kernels.regional import N_REGIONS, regional_loads
from sensorkit.kernels.stance import sensor_peaks, stance_force, stance_time_jumps
from sensorkit.kernels.symmetry import symmetry_angle, symmetry_index
from sensorkit.kernels.walking import strike_index, walking_features

__all__ = [
    "FLAG_BRIDGED",
    "FLAG_CONTACT_IN_HOLE",
    "FLAG_EVENT_IN_HOLE",
    "FLAG_GAP",
    "FLAG_OPEN_END",
    "FLAG_TOE_OFF_IN_HOLE",
    "FLAG_TRUNCATED",
    "METHOD_13PCT",
    "METHOD_IMPACT",
    "METHOD_NONE",
    "METHOD_WINDOW",
    "N_REGIONS",
    "STATE_SIZE",
    "cop_frames",
    "cop_frames_into",
    "cop_path_metrics",
    "cop_path_points",
    "detect_contacts",
    "loading_rates",
    "moving_average",
    "new_event_state",
    "open_stance",
    "refine_events",
    "regional_loads",
    "row_tiles",
    "sensor_array",
    "sensor_peaks",
    "stance_force",
    "stance_time_jumps",
    "strike_index",
    "symmetry_angle",
    "symmetry_index",
    "total_force",
    "walking_features",
]
