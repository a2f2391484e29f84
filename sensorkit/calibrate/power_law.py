"""FSR power-law response: counts -> normalised conductance -> force (or pressure), and back.

Circuit assumption (see ``calibration/README.md``): the FSR sits between the supply and
the ADC input, a measurement resistor ``R_m`` from the ADC input to ground, and the ADC
reference is the divider supply (ratiometric). Then, with ``FS`` the full-scale count,

    counts = FS * R_m / (R_m + R_fsr)
    g      = R_m / R_fsr = counts / (FS - counts)          (normalised conductance)
    value  = scale * g ** exponent

An FSR's conductance grows roughly in proportion to force, so ``exponent`` is near 1
(typically 1.1-1.2). ``counts`` here are offset-corrected; a small negative ``g`` (noise
below the zero offset) gives a small negative value of the same size, so noise averages out
instead of being rectified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.errors import CalibrationError

__all__ = ["PowerLawModel"]

#: At exactly full scale (only possible with a zero offset) the conductance is infinite; it is
#: evaluated this many counts below full scale instead. Such samples are always saturated.
_FULL_SCALE_GUARD_COUNTS = 0.5


@dataclass(frozen=True, eq=False)
class PowerLawModel:
    """Per-sensor power law ``value = scale * (c / (FS - c)) ** exponent``.

    Parameters
    ----------
    scale : array_like, shape (S,)
        Value at unit normalised conductance (``c = FS / 2``), in the response units (N or kPa).
    exponent : array_like, shape (S,)
        Exponent between normalised conductance and value (dimensionless, > 0).
    full_scale_counts : float
        ADC full-scale count FS (``2**bits - 1``).
    """

    scale: np.ndarray
    exponent: np.ndarray
    full_scale_counts: float
    kind = "power_law"

    def __post_init__(self) -> None:
        scale = np.ascontiguousarray(self.scale, dtype=np.float64).reshape(-1)
        exponent = np.ascontiguousarray(self.exponent, dtype=np.float64).reshape(-1)
        if exponent.size == 1 and scale.size > 1:
            exponent = np.full(scale.size, exponent[0])
        if scale.size == 0 or scale.shape != exponent.shape:
            raise CalibrationError(
                f"power-law model: need one scale and one exponent per sensor "
                f"(got {scale.size} scales, {exponent.size} exponents)"
            )
        if not (np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise CalibrationError("power-law model: every scale must be a positive finite number")
        if not (np.all(np.isfinite(exponent)) and np.all(exponent > 0)):
            raise CalibrationError("power-law model: every exponent must be a positive finite number")
        if not (np.isfinite(self.full_scale_counts) and self.full_scale_counts > 1):
            raise CalibrationError(f"power-law model: bad full-scale count {self.full_scale_counts!r}")
        for name, arr in (("scale", scale), ("exponent", exponent)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "full_scale_counts", float(self.full_scale_counts))

    @property
    def n_sensors(self) -> int:
        """Number of sensors S."""
        return int(self.scale.size)

    def to_values(self, counts: np.ndarray) -> np.ndarray:
        """Offset-corrected counts (n, S) -> values (n, S) float64 in the response units."""
        c = np.asarray(counts, dtype=np.float64)
        den = np.maximum(self.full_scale_counts - c, _FULL_SCALE_GUARD_COUNTS)
        g = c / den
        return self.scale * np.sign(g) * np.abs(g) ** self.exponent

    def to_counts(self, values: np.ndarray) -> np.ndarray:
        """Values (n, S) in the response units -> offset-corrected counts (n, S) float64 (inverse)."""
        v = np.asarray(values, dtype=np.float64)
        g = np.sign(v) * (np.abs(v) / self.scale) ** (1.0 / self.exponent)
        # g = c / (FS - c)  <=>  c = FS g / (1 + g); for g < 0 the same formula holds while g > -1.
        return self.full_scale_counts * g / (1.0 + g)

    def sensitivity(self, counts: np.ndarray) -> np.ndarray:
        """Slope d value / d count at offset-corrected ``counts`` (n, S), in units per count."""
        c = np.asarray(counts, dtype=np.float64)
        den = np.maximum(self.full_scale_counts - c, _FULL_SCALE_GUARD_COUNTS)
        g = np.abs(c / den)
        dg_dc = self.full_scale_counts / den**2
        with np.errstate(divide="ignore"):
            dv_dg = (
                self.scale * self.exponent * np.where(g > 0, g, np.finfo(float).tiny) ** (self.exponent - 1)
            )
        return dv_dg * dg_dc

    def to_dict(self) -> dict:
        """The ``model`` section of a response file."""
        return {"type": self.kind, "scale": self.scale.tolist(), "exponent": self.exponent.tolist()}

    @classmethod
    def from_dict(cls, spec: dict, *, full_scale_counts: float) -> PowerLawModel:
        """Build from the ``model`` section of a response file (see calibration/README.md)."""
        try:
            return cls(
                np.asarray(spec["scale"], float), np.asarray(spec["exponent"], float), full_scale_counts
            )
        except KeyError as exc:
            raise CalibrationError(f"power-law model lacks the field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"power-law model: {exc}") from None
