"""sensorkit: plantar-pressure insoles in Python.

Stream from real or simulated insoles, record and replay sessions, compute gait and
loading metrics with Numba kernels, and turn them into insole suggestions.

>>> import sensorkit as sk
>>> rec = sk.simulate(duration_s=10, seed=1)
>>> rec.left.shape[1]
16
"""

from sensorkit import layouts
from sensorkit.analysis import Analysis, AnalysisParams, StreamingAnalyzer, analyze
from sensorkit.calibrate import Calibration, apply_calibration
from sensorkit.devices import open, open_pair
from sensorkit.errors import (
    CalibrationError,
    DeviceError,
    FileFormatError,
    ProtocolError,
    SensorkitError,
)
from sensorkit.io import read, write
from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
from sensorkit.recommend import Recommendation
from sensorkit.recording import Recording
from sensorkit.report.api import report
from sensorkit.simulate import GroundTruth, simulate

# isort: split
# Last, so that the function (not the sub-package of the same name) is sk.recommend; it also
# takes a Recording or a path.
from sensorkit.api import recommend

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "AnalysisParams",
    "Calibration",
    "CalibrationError",
    "DeviceError",
    "FileFormatError",
    "GroundTruth",
    "ProtocolError",
    "Recommendation",
    "Recording",
    "SensorLayout",
    "SensorkitError",
    "StreamingAnalyzer",
    "__version__",
    "analyze",
    "apply_calibration",
    "builtin_layouts",
    "layouts",
    "load_layout",
    "open",
    "open_pair",
    "read",
    "recommend",
    "report",
    "simulate",
    "write",
]
