"""Re-export of :mod:`sensorkit.outputs` (files written safely), where it lived before.

The module moved to the package top level so the device layer (captures) uses it without
importing ``sensorkit.io``; every name is still importable from here.
"""

from __future__ import annotations

from sensorkit.outputs import *  # noqa: F403
from sensorkit.outputs import __all__  # noqa: F401
