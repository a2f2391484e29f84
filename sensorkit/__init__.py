"""sensorkit: plantar-pressure insoles in Python.

Stream from real or simulated insoles, record and replay sessions, compute gait and
loading metrics with Numba kernels, and turn them into insole suggestions.

>>> import sensorkit as sk
>>> rec = sk.simulate(duration_s=10, seed=1)
>>> rec.left.shape[1]
16

Importing the package is cheap: the public names below are imported on first use
(PEP 562 module ``__getattr__``), so ``import sensorkit`` and ``sensorkit --help`` do not
load pandas, Numba or the kernels (issue 17). Before anything can import a kernel,
:func:`sensorkit._jit_cache.ensure_cache_dir` makes sure Numba has somewhere to cache them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from sensorkit._jit_cache import ensure_cache_dir
from sensorkit.errors import (
    CalibrationError,
    DeviceError,
    FileFormatError,
    ProtocolError,
    SensorkitError,
)

__version__ = "0.1.0"

ensure_cache_dir()

#: Public name -> module that defines it (imported on first access).
_LAZY = {
    "Analysis": "sensorkit.analysis",
    "AnalysisParams": "sensorkit.analysis",
    "StreamingAnalyzer": "sensorkit.analysis",
    "analyze": "sensorkit.analysis",
    "Calibration": "sensorkit.calibrate",
    "apply_calibration": "sensorkit.calibrate",
    "open": "sensorkit.devices",
    "open_pair": "sensorkit.devices",
    "read": "sensorkit.io",
    "write": "sensorkit.io",
    "SensorLayout": "sensorkit.layout",
    "builtin_layouts": "sensorkit.layout",
    "load_layout": "sensorkit.layout",
    "Comparison": "sensorkit.recommend",
    "Recommendation": "sensorkit.recommend",
    "compare": "sensorkit.recommend",
    "recommend": "sensorkit.api",  # also takes a Recording, a path or a DataFrame
    "report": "sensorkit.report.api",
    "Cohort": "sensorkit.cohort",
    "analyze_many": "sensorkit.cohort",
    "Recording": "sensorkit.recording",
    "GroundTruth": "sensorkit.simulate",
    "simulate": "sensorkit.simulate",
}
_SUBMODULES = frozenset({"layouts"})

__all__ = [
    "Analysis",
    "AnalysisParams",
    "Calibration",
    "CalibrationError",
    "Cohort",
    "Comparison",
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
    "analyze_many",
    "apply_calibration",
    "builtin_layouts",
    "compare",
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


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and cache the name here (PEP 562)."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """The package module: importing a subpackage never hides the function of the same name.

    ``sensorkit.simulate`` and ``sensorkit.recommend`` are both subpackages and public
    functions. Python binds a subpackage to its parent's attribute when the subpackage is
    first imported (``import sensorkit.simulate.raw``); eagerly imported, the function was
    bound afterwards and won. Lazily, the order is not fixed, so the binding of such a
    subpackage is skipped here: ``sk.simulate`` is always the function (as before), and
    the subpackage stays in ``sys.modules`` for ``from sensorkit.simulate import ...``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # the names as static analysers and IDEs should see them
    from sensorkit import layouts
    from sensorkit.analysis import Analysis, AnalysisParams, StreamingAnalyzer, analyze
    from sensorkit.api import recommend
    from sensorkit.calibrate import Calibration, apply_calibration
    from sensorkit.cohort import Cohort, analyze_many
    from sensorkit.devices import open, open_pair
    from sensorkit.io import read, write
    from sensorkit.layout import SensorLayout, builtin_layouts, load_layout
    from sensorkit.recommend import Comparison, Recommendation, compare
    from sensorkit.recording import Recording
    from sensorkit.report.api import report
    from sensorkit.simulate import GroundTruth, simulate
