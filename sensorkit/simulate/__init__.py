"""The simulated insole pair: physically plausible running and walking with ground truth."""

from sensorkit.simulate.core import GroundTruth, SideTruth, simulate

__all__ = ["GroundTruth", "SideTruth", "simulate"]
