"""Write the approximate pedar layouts ``calibration/layouts/pedar-<size>.json``.

Input: ``calibration/sources/pressuRe-pedar/`` (see its README for the source and licence).
Each sensor's centre is the centroid of its quad and its area the published area of the
size; the unitless quads are scaled to mm by k = sqrt(median(published area / quad area)).
Regions follow pressuRe's ``pedar_mask(..., "mask1")`` sensor numbers (1-26 hindfoot,
27-54 midfoot, 55-82 forefoot, 83-99 toes); masks from :mod:`sensorkit.layouts.masks`.

Run from the repository root: ``python tools/make_pedar_layouts.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit.layouts.masks import anatomical_masks, ml_labels

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "calibration" / "sources" / "pressuRe-pedar"
OUT = ROOT / "calibration" / "layouts"
SIZES = ("u", "v", "w", "x", "y")  # the wide sizes do not fit the one drawn shape (see README)
REGION_BY_SENSOR = [(26, "heel"), (54, "midfoot"), (82, "forefoot"), (99, "toes")]


def _quads() -> tuple[np.ndarray, np.ndarray]:
    q = pd.read_csv(SRC / "pedar_left_insole_quads.csv")
    return q[["x1", "x2", "x3", "x4"]].to_numpy(float), q[["y1", "y2", "y3", "y4"]].to_numpy(float)


def _centroids(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygon centroid and area (shoelace) of each quad."""
    xn, yn = np.roll(x, -1, axis=1), np.roll(y, -1, axis=1)
    cross = x * yn - xn * y
    area = cross.sum(axis=1) / 2.0
    cx = ((x + xn) * cross).sum(axis=1) / (6.0 * area)
    cy = ((y + yn) * cross).sum(axis=1) / (6.0 * area)
    return cx, cy, np.abs(area)


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (Andrew's monotone chain), counter-clockwise."""
    pts = sorted(map(tuple, points))

    def half(seq):
        out: list[tuple[float, float]] = []
        for p in seq:
            while (
                len(out) >= 2
                and (
                    (out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                    - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])
                )
                <= 0
            ):
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.array(lower[:-1] + upper[:-1])


def build(size: str) -> dict:
    x, y = _quads()
    areas = pd.read_csv(SRC / "pedar_sensor_areas_mm2.csv")[size].to_numpy(float)
    cx, cy, a_unit = _centroids(x, y)
    k = float(np.sqrt(np.median(areas / a_unit)))
    x0 = (x.min() + x.max()) / 2.0  # long axis: middle of the insole's width
    y0 = y.min()  # heel end
    xs, ys = (cx - x0) * k, (cy - y0) * k  # the left insole's x grows medially already
    region = []
    for i in range(99):
        region.append(next(r for last, r in REGION_BY_SENSOR if i + 1 <= last))
    length = (y.max() - y0) * k
    width = (x.max() - x.min()) * k
    masks = anatomical_masks(xs, region)
    outline = _hull(np.column_stack([(x.ravel() - x0) * k, (y.ravel() - y0) * k]))
    return {
        "schema": "sensorkit.layout/1",
        "name": f"pedar-{size}",
        "description": f"novel pedar insole, size {size}, 99 capacitive pressure sensors. APPROXIMATE: "
        "positions from a drawing of the insole scaled by the published sensor areas.",
        "source": "pressuRe R package (ellenlii07/pressuRe, pedar_insole_grid and pedar_insole_areas, "
        "data by Scott Telfer, MIT); built by tools/make_pedar_layouts.py (see calibration/sources/pressuRe-pedar)",
        "positions": "approximate",
        "layout_id": 0,
        "value_kind": "pressure",
        "units": "kPa",
        "coordinates": "mm",
        "reference_foot_length_mm": round(float(length), 2),
        "foot_width_mm": round(float(width), 2),
        "notes": f"scale {k:.2f} mm per drawing unit; regions by sensor number as pressuRe's mask1",
        "sensors": [
            {
                "name": f"S{i + 1}",
                "x_mm": round(float(xs[i]), 2),
                "y_mm": round(float(ys[i]), 2),
                "area_mm2": float(areas[i]),
                "region": region[i],
                "ml": ml,
                "mask": masks[i],
            }
            for i, ml in enumerate(ml_labels(xs, width))
        ],
        "outline": [[round(float(px), 2), round(float(py), 2)] for px, py in outline],
    }


def main() -> None:
    for size in SIZES:
        path = OUT / f"pedar-{size}.json"
        path.write_text(json.dumps(build(size), indent=1) + "\n", encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()
