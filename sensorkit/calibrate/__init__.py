"""Calibration layer: raw ADC counts -> N or kPa; zero offsets (tare), body-weight gain, drift.

One job per module:

==================  ===========================================================
``response``        response-curve assets (``calibration/sensors/*.json``)
``power_law``       FSR power-law model (voltage-divider conductance)
``table``           monotone piecewise-linear lookup table model
``convert``         vectorised counts <-> values, range check, saturation flags
``unloaded``        swing / lifted-foot detection from raw counts
``tare``            zero offsets from unloaded frames
``gain``            body-weight gain from quiet standing
``drift``           zero-drift check over a session (N/min against a limit)
``calibration``     the :class:`Calibration` object and its JSON file format
``_kernel``         Numba kernel of the power-law conversion (numpy reference in ``power_law``)
``apply``           calibration applied to counts -> :class:`~sensorkit.recording.Recording`
``posture``         posture detection for the guided procedure
``guided``          the guided procedure (chunks in, Calibration out, callback for feedback)
``defaults``        default parameters with their reasons
==================  ===========================================================
"""

from sensorkit.calibrate.apply import SaturationWarning, apply_calibration, retare
from sensorkit.calibrate.calibration import CALIBRATION_SCHEMA, Calibration, SideCalibration
from sensorkit.calibrate.convert import Converted, check_counts, counts_to_values, values_to_counts
from sensorkit.calibrate.drift import DriftResult, check_drift
from sensorkit.calibrate.gain import body_weight_gain, body_weight_n
from sensorkit.calibrate.guided import (
    DEFAULT_STEPS,
    GuidedStep,
    GuidedUpdate,
    run_guided_calibration,
    single_insole_steps,
)
from sensorkit.calibrate.posture import classify_one_insole, classify_postures
from sensorkit.calibrate.power_law import PowerLawModel
from sensorkit.calibrate.response import (
    RESPONSE_SCHEMA,
    SensorResponse,
    builtin_responses,
    load_response,
)
from sensorkit.calibrate.table import TableModel
from sensorkit.calibrate.tare import TareResult, tare_offsets
from sensorkit.calibrate.unloaded import detect_unloaded

__all__ = [
    "CALIBRATION_SCHEMA",
    "DEFAULT_STEPS",
    "RESPONSE_SCHEMA",
    "Calibration",
    "Converted",
    "DriftResult",
    "GuidedStep",
    "GuidedUpdate",
    "PowerLawModel",
    "SaturationWarning",
    "SensorResponse",
    "SideCalibration",
    "TableModel",
    "TareResult",
    "apply_calibration",
    "body_weight_gain",
    "body_weight_n",
    "builtin_responses",
    "check_counts",
    "check_drift",
    "classify_one_insole",
    "classify_postures",
    "counts_to_values",
    "detect_unloaded",
    "load_response",
    "retare",
    "run_guided_calibration",
    "single_insole_steps",
    "tare_offsets",
    "values_to_counts",
]
