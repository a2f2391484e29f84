"""Estimate sensor areas and positions from an export's own total force and centre of pressure.

Vendors that do not publish their sensor geometry (Moticon OpenGo, for one) still export,
per frame, the pressure of each sensor together with their own total force and COP. Both are
linear in the unknown geometry, so least squares recovers it:

* total force  F(t) = sum_i p_i(t) A_i            -> the areas A_i (mm^2; kPa x mm^2 x 1e-3 = N)
* COP          c(t) F(t) = sum_i p_i(t) A_i c_i   -> the positions c_i along each COP axis

The positions come out in the units of the vendor's COP (for Moticon, fractions -0.5..+0.5 of
the insole's length and width); :meth:`LayoutFit.to_layout` scales them to millimetres. The
residuals say how well the estimated layout reproduces the vendor's own numbers. Frames with
any missing value are left out; COP rows only where the total force is at least
``min_force_n`` (the COP of an unloaded insole is noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensorkit.layout import SensorLayout
from sensorkit.layouts.masks import anatomical_masks, ml_labels, regions_by_length

__all__ = ["MIN_FORCE_N", "LayoutFit", "fit_layout"]

#: Frames below this total force (N) are left out of the COP fit.
MIN_FORCE_N = 50.0


@dataclass(frozen=True)
class LayoutFit:
    """Result of :func:`fit_layout`.

    Attributes
    ----------
    area_mm2 : ndarray, shape (S,)
        Effective sensor areas (mm^2) that turn the exported pressures into the exported total force.
    ap, ml : ndarray, shape (S,)
        Sensor positions along the vendor's anterior-posterior and medio-lateral COP axes, in
        the vendor's COP units.
    force_residual_rms_n, force_residual_max_n : float
        RMS and largest |sum p_i A_i - F| over the frames used (N).
    cop_residual_rms_ap, cop_residual_rms_ml, cop_residual_max_ap, cop_residual_max_ml : float
        RMS and largest COP error of the fitted positions, in COP units.
    n_frames_force, n_frames_cop : int
        Frames used for the areas and for the positions.
    """

    area_mm2: np.ndarray
    ap: np.ndarray
    ml: np.ndarray
    force_residual_rms_n: float
    force_residual_max_n: float
    cop_residual_rms_ap: float
    cop_residual_rms_ml: float
    cop_residual_max_ap: float
    cop_residual_max_ml: float
    n_frames_force: int
    n_frames_cop: int

    def residuals_mm(self, length_mm: float, width_mm: float) -> dict[str, float]:
        """COP residuals in mm when the COP axes span ``length_mm`` (AP) and ``width_mm`` (ML) per unit."""
        return {
            "cop_rms_ap_mm": self.cop_residual_rms_ap * length_mm,
            "cop_rms_ml_mm": self.cop_residual_rms_ml * width_mm,
            "cop_max_ap_mm": self.cop_residual_max_ap * length_mm,
            "cop_max_ml_mm": self.cop_residual_max_ml * width_mm,
        }

    def to_layout(
        self,
        name: str,
        *,
        length_mm: float,
        width_mm: float,
        ap_origin: float = -0.5,
        ml_sign: float = 1.0,
        sensor_names: Sequence[str] = (),
        description: str = "",
        source: str = "",
    ) -> SensorLayout:
        """A pressure layout in the sensorkit frame from the fitted positions.

        Parameters
        ----------
        name : str
        length_mm, width_mm : float
            Millimetres per COP unit along AP (the insole length) and ML (its width).
        ap_origin : float
            AP coordinate of the heel end (Moticon: -0.5).
        ml_sign : {1.0, -1.0}
            +1 when the vendor's ML axis is positive medially, -1 when laterally.
        sensor_names, description, source
            Passed to :class:`~sensorkit.layout.SensorLayout`, whose ``positions`` is
            ``"estimated"``.
        """
        y = (self.ap - ap_origin) * length_mm
        x = ml_sign * self.ml * width_mm
        region = regions_by_length(y, 0.0, length_mm)
        return SensorLayout(
            name=name,
            x_mm=x,
            y_mm=y,
            area_mm2=self.area_mm2,
            region=region,
            ml=ml_labels(x, width_mm),
            foot_length_mm=length_mm,
            foot_width_mm=width_mm,
            outline_mm=_ellipse_outline(length_mm, width_mm),
            value_kind="pressure",
            sensor_names=tuple(sensor_names),
            description=description,
            source=source,
            positions="estimated",
            mask=anatomical_masks(x, region),
        )


def _ellipse_outline(length_mm: float, width_mm: float, n: int = 36) -> np.ndarray:
    """A plain oval of the insole's length and width, for drawing (the true outline is unknown)."""
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([0.5 * width_mm * np.sin(a), 0.5 * length_mm * (1 - np.cos(a))])


def fit_layout(
    pressure_kpa: np.ndarray,
    total_force_n: np.ndarray,
    cop_ap: np.ndarray,
    cop_ml: np.ndarray,
    *,
    min_force_n: float = MIN_FORCE_N,
) -> LayoutFit:
    """Least-squares sensor areas and positions from per-sensor pressure, total force and COP.

    Parameters
    ----------
    pressure_kpa : ndarray, shape (n, S)
        Per-sensor pressure (kPa); rows from several insoles or files may be stacked when
        they share one geometry (Moticon's left and right layouts are mirror-symmetric in its
        normalised COP frame).
    total_force_n : ndarray, shape (n,)
        The vendor's total force (N).
    cop_ap, cop_ml : ndarray, shape (n,)
        The vendor's COP along its anterior-posterior and medio-lateral axes.
    min_force_n : float
        Frames with a total force below this (N) are not used for the positions.

    Returns
    -------
    LayoutFit

    Raises
    ------
    ValueError
        Shapes that disagree, fewer usable frames than sensors, or a fit that gives a
        non-positive area (the pressures do not explain the force).

    Notes
    -----
    Linear least squares (``numpy.linalg.lstsq``), areas first, then positions with the
    fitted per-sensor forces as regressors. Source: the definitions of total force and
    centre of pressure; the approach was checked on Moticon OpenGo exports.
    """
    p = np.asarray(pressure_kpa, dtype=np.float64)
    f = np.asarray(total_force_n, dtype=np.float64)
    ap = np.asarray(cop_ap, dtype=np.float64)
    ml = np.asarray(cop_ml, dtype=np.float64)
    if p.ndim != 2 or not (f.shape == ap.shape == ml.shape == (p.shape[0],)):
        raise ValueError(
            f"pressure must be (n, S) and force/COP (n,): got {p.shape}, {f.shape}, {ap.shape}, {ml.shape}"
        )
    n_sensors = p.shape[1]
    ok = np.isfinite(p).all(axis=1) & np.isfinite(f)
    if ok.sum() < 2 * n_sensors:
        raise ValueError(f"{int(ok.sum())} complete frames; the fit needs at least {2 * n_sensors}")
    x = p[ok] * 1e-3
    area = np.linalg.lstsq(x, f[ok], rcond=None)[0]
    if np.any(area <= 0):
        raise ValueError(f"the fit gives non-positive areas for sensors {np.flatnonzero(area <= 0).tolist()}")
    force = x * area  # per-sensor force (N)
    total = force.sum(axis=1)
    r_force = total - f[ok]
    use = (total >= min_force_n) & np.isfinite(ap[ok]) & np.isfinite(ml[ok])
    if use.sum() < 2 * n_sensors:
        raise ValueError(f"{int(use.sum())} loaded frames with a COP; the fit needs at least {2 * n_sensors}")
    fu, tu = force[use], total[use]
    pos_ap = np.linalg.lstsq(fu, ap[ok][use] * tu, rcond=None)[0]
    pos_ml = np.linalg.lstsq(fu, ml[ok][use] * tu, rcond=None)[0]
    r_ap = fu @ pos_ap / tu - ap[ok][use]
    r_ml = fu @ pos_ml / tu - ml[ok][use]
    return LayoutFit(
        area_mm2=area,
        ap=pos_ap,
        ml=pos_ml,
        force_residual_rms_n=float(np.sqrt(np.mean(r_force**2))),
        force_residual_max_n=float(np.max(np.abs(r_force))),
        cop_residual_rms_ap=float(np.sqrt(np.mean(r_ap**2))),
        cop_residual_rms_ml=float(np.sqrt(np.mean(r_ml**2))),
        cop_residual_max_ap=float(np.max(np.abs(r_ap))),
        cop_residual_max_ml=float(np.max(np.abs(r_ml))),
        n_frames_force=int(ok.sum()),
        n_frames_cop=int(use.sum()),
    )
