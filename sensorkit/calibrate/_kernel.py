"""Numba kernel of the power-law conversion (fused: offset, conductance, power, gain, saturation).

The plain-numpy reference is :meth:`PowerLawModel.to_values` plus the saturation test in
:func:`sensorkit.calibrate.convert.counts_to_values`; ``tests/test_calibration_models.py``
checks that both agree.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["PARALLEL_MIN_FRAMES", "power_law_into"]

_FULL_SCALE_GUARD_COUNTS = 0.5  # same guard as power_law.py


#: Frames from which the conversion runs on all cores. Below, one thread: a live stream
#: converts chunks of one to a few frames, and waking the thread pool for each kept the
#: idle workers spinning (a calibrated `record` used 24.6 s of CPU in 40 s, 1.9 s without).
PARALLEL_MIN_FRAMES = 4096


@numba.njit(cache=True, fastmath=False)
def _convert_row(
    counts, i, offset_counts, scale, exponent, full_scale_counts, gain, saturation_counts, out, saturated
) -> None:
    for j in range(counts.shape[1]):
        raw = np.float64(counts[i, j])
        c = raw - offset_counts[j]
        den = max(full_scale_counts - c, _FULL_SCALE_GUARD_COUNTS)
        g = c / den
        v = gain * scale[j] * abs(g) ** exponent[j]
        out[i, j] = v if g >= 0 else -v
        saturated[i, j] = raw >= saturation_counts


@numba.njit(cache=True, parallel=True, fastmath=False)
def _power_law_parallel(
    counts, offset_counts, scale, exponent, full_scale_counts, gain, saturation_counts, out, saturated
):
    for i in numba.prange(counts.shape[0]):
        _convert_row(
            counts,
            i,
            offset_counts,
            scale,
            exponent,
            full_scale_counts,
            gain,
            saturation_counts,
            out,
            saturated,
        )


@numba.njit(cache=True, fastmath=False)
def _power_law_serial(
    counts, offset_counts, scale, exponent, full_scale_counts, gain, saturation_counts, out, saturated
):
    for i in range(counts.shape[0]):
        _convert_row(
            counts,
            i,
            offset_counts,
            scale,
            exponent,
            full_scale_counts,
            gain,
            saturation_counts,
            out,
            saturated,
        )


def power_law_into(
    counts: np.ndarray,
    offset_counts: np.ndarray,
    scale: np.ndarray,
    exponent: np.ndarray,
    full_scale_counts: float,
    gain: float,
    saturation_counts: float,
    out: np.ndarray,
    saturated: np.ndarray,
) -> None:
    """Fill ``out`` (n, S) float32 with values and ``saturated`` (n, S) bool with the flags.

    The same arithmetic per reading on one thread (fewer than :data:`PARALLEL_MIN_FRAMES`
    frames) or on all cores, so the result does not depend on the size of the input.
    """
    kernel = _power_law_parallel if counts.shape[0] >= PARALLEL_MIN_FRAMES else _power_law_serial
    kernel(counts, offset_counts, scale, exponent, full_scale_counts, gain, saturation_counts, out, saturated)
