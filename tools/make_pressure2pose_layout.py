"""Write the Pressure2Pose sensel layout ``calibration/layouts/pressure2pose.json``.

Input, all from GitHub JunjianChi/Pressure2Pose at ea7deca (MIT License, Copyright (c) 2026
Junjian Chi; the tables below are its numbers, with that notice):

* the 33 x 15 image the host draws the insole on, and the table that sends wire index ``i``
  to the ``table[i]``-th sensel cell of that image in row-major order
  (``host/live_pressure_visualize/single_pressure_server.py`` lines 17-63; the double-frame
  viewer uses the same table for both gains). The firmware sends the sensels column by
  column over its own 32 x 10 scan pattern (``firmware/main/adc_continuous.c`` lines 30-63,
  238-259), which is what the table undoes;
* the cell pitch: 7.5 mm along and across the foot, the centre spacing of the sensel
  electrodes (concentric circles, 1.54 mm outer radius) on the top copper of the version 2
  insole (``hardware/insole_fpc_ver2/insole_ver2_gerber.zip``, ``Insole_ver2.GTL``): 33 rows
  and 11 columns, the extent of the image's sensel cells (columns 2-12). The repository and
  the README state no pitch in words.

Image row 0 is the toe end (4 sensels; the widest rows, 8-9, are the metatarsal heads) and
the host draws the left foot as is and mirrors columns for the right foot, so for the left
foot higher image columns are medial (hallux and first metatarsal head on that side). One
layout serves both feet: sensorkit's x is positive medial on both.

The layout lists the sensors in wire order (sensor ``i`` is word ``i`` of the datagram), named
after their image cell (``r<row>c<col>``, 1-based, as :func:`~sensorkit.layouts.grid.grid_layout`
names them), with regions, medial/lateral labels and anatomical masks from ``grid_layout``.

Run from the repository root: ``python tools/make_pressure2pose_layout.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sensorkit.layouts.grid import grid_layout

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "calibration" / "layouts" / "pressure2pose.json"
PITCH_MM = 7.5  # Insole_ver2.GTL: sensel electrode centres 7.5 mm apart in both directions

# The host's image: per row (toe end first), the first and last image column holding a sensel.
IMAGE_SPANS = [
    (6, 9), (5, 10), (5, 10), (4, 11), (4, 11), (3, 11), (3, 11), (3, 11), (2, 12), (2, 12),
    (2, 11), (2, 11), (2, 11), (2, 11), (2, 10), (2, 10), (2, 9), (3, 9), (3, 9), (3, 9),
    (4, 9), (4, 9), (4, 9), (4, 9), (3, 9), (3, 10), (4, 10), (4, 10), (4, 10), (4, 10),
    (4, 10), (5, 10), (5, 9),
]  # fmt: skip
IMAGE_COLS = 15

# Wire index -> row-major sensel number in the image (one line per firmware scan column).
WIRE_TO_CELL = [
    [16, 32, 41, 59, 70, 81, 91, 101, 111, 121, 130, 139, 140, 147, 154, 161, 162, 168, 174, 180,
     192, 199, 200, 207, 214, 221, 228, 235, 236, 242, 248, 249],
    [4, 24, 33, 50, 60, 71, 82, 92, 102, 112, 122, 131, 132, 141, 148, 155, 156, 163, 169, 175,
     186, 193, 194, 201, 208, 215, 222, 229, 230, 237, 243, 244],
    [10, 17, 25, 42, 51, 61, 72, 83, 93, 103, 113, 123, 124, 133, 142, 149, 150, 157, 164, 170,
     181, 187, 188, 195, 202, 209, 216, 223, 224, 231, 238, 250],
    [5, 11, 18, 34, 43, 52, 62, 73, 84, 94, 104, 114, 115, 125, 134, 143, 144, 151, 158, 165,
     176, 182, 183, 189, 196, 203, 210, 217, 218, 225, 232, 251],
    [0, 6, 12, 26, 35, 44, 53, 63, 74, 85, 95, 105, 106, 116, 126, 135, 136, 145, 152, 159,
     171, 177, 178, 184, 190, 197, 204, 211, 212, 219, 226, 245],
    [1, 2, 7, 19, 27, 36, 45, 54, 64, 75, 86, 96, 97, 107, 117, 127, 128, 137, 146, 153,
     166, 172, 173, 179, 185, 191, 198, 205, 206, 213, 220, 239],
    [3, 13, 20, 28, 37, 46, 55, 65, 76, 87, 88, 98, 108, 118, 119, 129, 138, 160, 167, 227, 233],
    [8, 14, 21, 29, 38, 47, 56, 66, 77, 78, 89, 99, 109, 110, 120, 234, 240],
    [9, 15, 22, 30, 39, 48, 57, 67, 68, 79, 90, 100, 241, 246],
    [23, 31, 40, 49, 58, 69, 80, 247, 252],
]  # fmt: skip


def image() -> np.ndarray:
    """The host's 33 x 15 image: True where a sensel is drawn."""
    active = np.zeros((len(IMAGE_SPANS), IMAGE_COLS), dtype=bool)
    for row, (first, last) in enumerate(IMAGE_SPANS):
        active[row, first : last + 1] = True
    return active


def wire_to_cell() -> np.ndarray:
    """(253,) int: the row-major image sensel of each wire index."""
    table = np.array([k for column in WIRE_TO_CELL for k in column])
    if sorted(table.tolist()) != list(range(253)):
        raise ValueError("the table must send the 253 wire indices to 253 distinct sensels")
    return table


def build() -> dict:
    active = image()
    if int(active.sum()) != 253:
        raise ValueError(f"the image has {int(active.sum())} sensels, expected 253")
    grid = grid_layout(
        "pressure2pose",
        active,
        row_spacing_mm=PITCH_MM,
        col_spacing_mm=PITCH_MM,
        heel_row="last",
        medial_cols="increasing",
        description=(
            "Pressure2Pose (UCL) insole, 253 piezoresistive sensels on a 7.5 mm grid (33 rows x 11 "
            "columns of a 33 x 15 image), sensors in wire order (word i of a datagram); sensel "
            "cells from the host's lookup table, pitch from the version 2 FPC Gerber"
        ),
        source=(
            "GitHub JunjianChi/Pressure2Pose ea7deca (MIT License, Copyright (c) 2026 Junjian Chi): "
            "host/live_pressure_visualize/single_pressure_server.py "
            "lines 17-63 (image and lookup table), firmware/main/adc_continuous.c lines 30-63 (scan "
            "order), hardware/insole_fpc_ver2/insole_ver2_gerber.zip Insole_ver2.GTL (7.5 mm pitch); "
            "built by tools/make_pressure2pose_layout.py"
        ),
    )
    spec = grid.to_dict()
    order = wire_to_cell()  # sensor i of the file = row-major sensel order[i]
    spec["sensors"] = [spec["sensors"][k] for k in order]
    for key in ("row", "col"):
        spec["grid"][key] = [spec["grid"][key][k] for k in order]
    return spec


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
