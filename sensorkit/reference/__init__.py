"""Deliberately naive numpy / pure-Python twins of :mod:`sensorkit.kernels`.

Written for clarity, not speed, and used only by tests and benchmarks (the stumpy
``tests/naive.py`` pattern): every kernel is checked against its twin here. Signatures
match the kernels (the state-machine twin takes the whole signal at once).
"""

from sensorkit.reference.cop import cop_frames, total_force
from sensorkit.reference.cop_path import cop_path_metrics, cop_path_points
from sensorkit.reference.events import detect_contacts, refine_events
from sensorkit.reference.filters import moving_average
from sensorkit.reference.loading import loading_rates
from sensorkit.reference.regional import regional_loads
from sensorkit.reference.stance import sensor_peaks, stance_force, stance_time_jumps
from sensorkit.reference.symmetry import symmetry_angle, symmetry_index
from sensorkit.reference.walking import strike_index, walking_features

__all__ = [
    "cop_frames",
    "cop_path_metrics",
    "cop_path_points",
    "detect_contacts",
    "loading_rates",
    "moving_average",
    "refine_events",
    "regional_loads",
    "sensor_peaks",
    "stance_force",
    "stance_time_jumps",
    "strike_index",
    "symmetry_angle",
    "symmetry_index",
    "total_force",
    "walking_features",
]
