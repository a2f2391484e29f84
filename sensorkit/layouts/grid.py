"""Layouts of sensel grids (F-Scan insoles, pressure mats): one sensor per active cell.

Cell (row, col) of a ``rows x cols`` grid with spacings ``row_spacing_mm`` and
``col_spacing_mm`` becomes a sensor at the cell centre, with area = row spacing x column
spacing (the whole cell; Tekscan's sensel area). In the sensorkit frame y runs from the heel
end of the grid towards the toes and x is positive medial, so the caller says which grid end
is the heel and which column direction is medial.
"""

from __future__ import annotations

import numpy as np

from sensorkit.layout import SensorLayout
from sensorkit.layouts.masks import anatomical_masks, ml_labels, regions_by_length

__all__ = ["grid_layout"]


def grid_layout(
    name: str,
    active: np.ndarray,
    *,
    row_spacing_mm: float,
    col_spacing_mm: float,
    heel_row: str = "last",
    medial_cols: str = "increasing",
    footprint: np.ndarray | None = None,
    side: str = "left",
    description: str = "",
    source: str = "",
) -> SensorLayout:
    """A pressure layout with one sensor per active grid cell, with anatomical masks.

    Parameters
    ----------
    name : str
        Layout name.
    active : ndarray of bool, shape (rows, cols)
        Cells that are sensels of the insole (in row-major order they become sensors
        ``r<row>c<col>``, 1-based).
    row_spacing_mm, col_spacing_mm : float
        Centre-to-centre spacing of rows and columns in mm.
    heel_row : {"last", "first"}
        Which grid row is at the heel end.
    medial_cols : {"increasing", "decreasing"}
        Whether higher column numbers are more medial.
    footprint : ndarray of bool, shape (rows, cols), optional
        Cells that carried load in the recording; its length sets the heel/midfoot/
        forefoot/toe bands (:func:`~sensorkit.layouts.masks.regions_by_length`), and it
        sets the foot's size: ``foot_length_mm`` from the grid's heel edge (where the shoe
        puts the heel) to the footprint's toe edge, ``foot_width_mm`` the footprint's width;
        and it sets the medial / central / lateral labels (``ml``): outside +-width/6 of the
        footprint's medio-lateral midline, as the anatomical masks are split within it, and
        not of the sheet's (a foot placed 5 mm off the centre of Tekscan's test sheet had
        ``ml_ratio`` -0.84 against -0.63 from its own midline). The layout keeps which
        sensels are in it (``grid["footprint"]``), so a uniform load is a load on the foot
        (:func:`sensorkit.recommend.baseline.uniform_baseline`).
        The strike index and the CPEI are fractions of these, so a sensor sheet longer and
        wider than the foot (Tekscan's test file: 304.8 x 106.7 mm for a footprint reaching
        254.0 mm, 76.2 mm wide) does not shrink them. Default: the active cells (the whole
        insole).
    side : {"left", "right"}
    description, source : str

    Returns
    -------
    SensorLayout
        ``value_kind="pressure"``, with ``mask`` and ``grid`` set; x centred on the active
        cells' mean column, y = 0 at the heel edge of the grid.
    """
    active = np.asarray(active, dtype=bool)
    if active.ndim != 2 or not active.any():
        raise ValueError("active must be a 2-D boolean grid with at least one sensel")
    if heel_row not in ("last", "first") or medial_cols not in ("increasing", "decreasing"):
        raise ValueError("heel_row must be 'last' or 'first', medial_cols 'increasing' or 'decreasing'")
    rows, cols = active.shape
    r, c = np.nonzero(active)
    along = (rows - 1 - r) if heel_row == "last" else r
    y = (along + 0.5) * row_spacing_mm
    sign = 1.0 if medial_cols == "increasing" else -1.0
    x = sign * (c - c.mean()) * col_spacing_mm
    fp = active if footprint is None else (np.asarray(footprint, dtype=bool) & active)
    if not fp.any():  # no footprint on the sensels: the whole insole, as without one
        fp, footprint = active, None
    fr, _ = np.nonzero(fp)
    fy = ((rows - 1 - fr) if heel_row == "last" else fr) * row_spacing_mm
    region = regions_by_length(y, float(fy.min()), float(fy.max()) + row_spacing_mm)
    width = (c.max() - c.min() + 1) * col_spacing_mm
    _, fc = np.nonzero(fp)
    foot_length = float(fy.max()) + row_spacing_mm  # the grid's heel edge to the footprint's toe edge
    foot_width = float(fc.max() - fc.min() + 1) * col_spacing_mm
    outline = _outline(along, x, row_spacing_mm, col_spacing_mm)
    in_foot = fp[r, c]
    if footprint is None:
        ml = ml_labels(x, width)
    else:  # labels about the foot's own midline, with the foot's width
        midline = (float(x[in_foot].min()) + float(x[in_foot].max())) / 2.0
        ml = ml_labels(x - midline, foot_width)
    return SensorLayout(
        name=name,
        x_mm=x,
        y_mm=y,
        area_mm2=np.full(x.shape[0], row_spacing_mm * col_spacing_mm),
        region=region,
        ml=ml,
        foot_length_mm=foot_length,
        foot_width_mm=foot_width,
        outline_mm=outline,
        side=side,
        value_kind="pressure",
        sensor_names=[f"r{i + 1}c{j + 1}" for i, j in zip(r, c, strict=True)],
        description=description,
        source=source,
        mask=anatomical_masks(x, region, within=in_foot),
        grid={
            "rows": rows,
            "cols": cols,
            "row_spacing_mm": float(row_spacing_mm),
            "col_spacing_mm": float(col_spacing_mm),
            "row": r.tolist(),
            "col": c.tolist(),
            **({} if footprint is None else {"footprint": in_foot.tolist()}),
        },
    )


def _outline(along: np.ndarray, x: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Staircase outline of the cells: lateral edges heel to toe, then medial edges back."""
    lateral, medial = [], []
    for k in np.unique(along):
        xs = x[along == k]
        y0, y1 = k * dy, (k + 1) * dy
        lo, hi = float(xs.min()) - dx / 2, float(xs.max()) + dx / 2
        lateral += [(lo, y0), (lo, y1)]
        medial += [(hi, y0), (hi, y1)]
    return np.array(lateral + medial[::-1], dtype=float)
