"""Monotone piecewise-linear lookup table: offset-corrected counts -> value, and back.

Each sensor has a table of breakpoints ``(counts_k, value_k)`` with both columns strictly
increasing (a bench characterisation: known loads against mean counts). Between
breakpoints the value is interpolated linearly; outside the table it is extrapolated
linearly from the first or last segment (so noise below the first breakpoint is not
rectified, and a sample beyond the last breakpoint keeps an increasing value; it is flagged
when it reaches the saturation count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.errors import CalibrationError

__all__ = ["TableModel"]


@dataclass(frozen=True, eq=False)
class TableModel:
    """Per-sensor monotone lookup tables.

    Parameters
    ----------
    counts : array_like, shape (K,) or (S, K)
        Breakpoints in offset-corrected counts, strictly increasing (shared or per sensor).
    values : array_like, shape (S, K) or (K,)
        Values at the breakpoints in the response units (N or kPa), strictly increasing.
    n_sensors : int, optional
        Number of sensors when both ``counts`` and ``values`` are shared (1-D).
    """

    counts: np.ndarray
    values: np.ndarray
    n_sensors_hint: int | None = None
    kind = "table"

    def __post_init__(self) -> None:
        c = np.asarray(self.counts, dtype=np.float64)
        v = np.asarray(self.values, dtype=np.float64)
        s = self.n_sensors_hint
        if c.ndim == 2:
            s = c.shape[0]
        elif v.ndim == 2:
            s = v.shape[0]
        if s is None:
            raise CalibrationError("lookup table: give per-sensor tables (2-D) or the number of sensors")
        try:
            c = np.ascontiguousarray(np.broadcast_to(c, (s, c.shape[-1])))
            v = np.ascontiguousarray(np.broadcast_to(v, (s, v.shape[-1])))
        except ValueError:
            raise CalibrationError(
                f"lookup table: counts {np.shape(self.counts)} and values {np.shape(self.values)} "
                f"do not fit {s} sensors"
            ) from None
        if c.shape != v.shape or c.shape[1] < 2:
            raise CalibrationError(
                f"lookup table: need at least 2 breakpoints and as many counts as values "
                f"(got counts {c.shape}, values {v.shape})"
            )
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(v))):
            raise CalibrationError("lookup table: breakpoints must be finite numbers")
        for what, arr in (("counts", c), ("values", v)):
            bad = np.flatnonzero(np.any(np.diff(arr, axis=1) <= 0, axis=1))
            if bad.size:
                j = int(bad[0])
                k = int(np.flatnonzero(np.diff(arr[j]) <= 0)[0])
                raise CalibrationError(
                    f"lookup table of sensor {j + 1} is not monotone: {what} go from {arr[j, k]:g} "
                    f"to {arr[j, k + 1]:g} at breakpoints {k + 1}-{k + 2}",
                    hint="a response table needs strictly increasing counts and values",
                )
        for name, arr in (("counts", c), ("values", v)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "n_sensors_hint", int(s))

    @property
    def n_sensors(self) -> int:
        """Number of sensors S."""
        return int(self.counts.shape[0])

    def to_values(self, counts: np.ndarray) -> np.ndarray:
        """Offset-corrected counts (n, S) -> values (n, S) float64."""
        return _interp_columns(np.asarray(counts, dtype=np.float64), self.counts, self.values)

    def to_counts(self, values: np.ndarray) -> np.ndarray:
        """Values (n, S) -> offset-corrected counts (n, S) float64 (inverse table)."""
        return _interp_columns(np.asarray(values, dtype=np.float64), self.values, self.counts)

    def sensitivity(self, counts: np.ndarray) -> np.ndarray:
        """Slope d value / d count (n, S) of the segment each sample falls in."""
        c = np.atleast_2d(np.asarray(counts, dtype=np.float64))
        out = np.empty(np.broadcast_shapes(c.shape, (1, self.n_sensors)))
        c = np.broadcast_to(c, out.shape)
        slopes = np.diff(self.values, axis=1) / np.diff(self.counts, axis=1)
        for j in range(self.n_sensors):
            k = np.clip(np.searchsorted(self.counts[j], c[:, j]) - 1, 0, slopes.shape[1] - 1)
            out[:, j] = slopes[j, k]
        return out

    def to_dict(self) -> dict:
        """The ``model`` section of a response file."""
        return {"type": self.kind, "counts": self.counts.tolist(), "values": self.values.tolist()}

    @classmethod
    def from_dict(cls, spec: dict, *, n_sensors: int | None = None) -> TableModel:
        """Build from the ``model`` section of a response file (see calibration/README.md)."""
        try:
            return cls(np.asarray(spec["counts"], float), np.asarray(spec["values"], float), n_sensors)
        except KeyError as exc:
            raise CalibrationError(f"lookup-table model lacks the field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"lookup-table model: {exc}") from None


def _interp_columns(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Column-wise linear interpolation with linear extrapolation at both ends."""
    x2 = np.atleast_2d(x)
    out = np.empty(x2.shape, dtype=np.float64)
    for j in range(xp.shape[0]):
        xj, fj, col = xp[j], fp[j], x2[:, j]
        y = np.interp(col, xj, fj)
        lo = col < xj[0]
        hi = col > xj[-1]
        if lo.any():
            y[lo] = fj[0] + (col[lo] - xj[0]) * (fj[1] - fj[0]) / (xj[1] - xj[0])
        if hi.any():
            y[hi] = fj[-1] + (col[hi] - xj[-1]) * (fj[-1] - fj[-2]) / (xj[-1] - xj[-2])
        out[:, j] = y
    return out.reshape(x.shape)
