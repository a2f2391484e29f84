"""Write the approximate layout ``calibration/layouts/esp32-insole.json`` (Insole-Pressure-Sensor).

Input: the 16 sensor positions the upstream project publishes for its right insole, in pixels
of its insole photo (GitHub Brilliant-Star-ch/Insole-Pressure-Sensor bd98c4e,
``visualization/visualize data.py`` lines 28-35, rows of 2-3-3-3-3-2 sensors from the toes to
the heel), and the ends and extent of the insole outline it draws them on
(``visualization/insole outline/insole_outline_px_smooth.csv``, shifted right by 300 px as
``visualize data.py`` line 25 does), which set the scale. The layout's outline is a plain oval
of the insole's size: the upstream outline (CC BY-NC 4.0) is not reproduced. Channel order: position i is drawn with column ``R_ch{i}``
(lines 58, 107), which the logger fills from MUX channel i (``Insole_Logger_V1.ino`` lines
136-140: identity map), the channel Insole_Test.ino prints as value i (lines 214-222).

The pixels have no stated scale: the insole's toe-to-heel length (799 px) is mapped onto an
assumed 260 mm insole, x and y alike. x is measured from the outline's mid-width, positive
towards the side of the toe tip and the deeper arch cut-out (the left of the photo), which is
medial. Regions, ml labels and masks come from :mod:`sensorkit.layouts.masks`.

Run from the repository root: ``python tools/make_esp32_insole_layout.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sensorkit.layouts.masks import anatomical_masks, ml_labels, regions_by_length

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "calibration" / "layouts" / "esp32-insole.json"

#: ``sensor_pos_right`` of ``visualize data.py`` (lines 28-35): (x, y) pixels, y down, channel order.
SENSOR_PX = [
    (585, 180), (650, 180),
    (560, 290), (630, 290), (700, 290),
    (580, 385), (650, 385), (720, 385),
    (590, 480), (660, 480), (720, 480),
    (596, 600), (650, 600), (700, 600),
    (610, 760), (700, 760),
]  # fmt: skip
#: The insole's ends (toe tip, heel end) and side-to-side extent in the photo, pixels (+300 in x as
#: drawn upstream): they set the scale and the mid-width, nothing else of its outline is used.
TOE_Y_PX, HEEL_Y_PX = 89.70, 888.56
X_MIN_PX, X_MAX_PX = 524.08, 761.92
LENGTH_MM = 260.0  # assumed: the project states no insole size


def to_mm(x_px, y_px) -> tuple[np.ndarray, np.ndarray]:
    """Pixels -> (x_mm positive medial, y_mm from the heel end)."""
    k = LENGTH_MM / (HEEL_Y_PX - TOE_Y_PX)
    mid = (X_MIN_PX + X_MAX_PX) / 2.0
    return (mid - np.asarray(x_px, float)) * k, (HEEL_Y_PX - np.asarray(y_px, float)) * k


def build() -> dict:
    px = np.array(SENSOR_PX, dtype=float)
    x, y = to_mm(px[:, 0], px[:, 1])
    width = float(np.diff(to_mm([X_MAX_PX, X_MIN_PX], [0, 0])[0])[0])
    region = regions_by_length(y, 0.0, LENGTH_MM)
    masks = anatomical_masks(x, region)
    a = np.linspace(0.0, 2.0 * np.pi, 36, endpoint=False)  # a plain oval of the insole's size
    outline = np.column_stack([0.5 * width * np.sin(a), 0.5 * LENGTH_MM * (1.0 - np.cos(a))])
    return {
        "schema": "sensorkit.layout/1",
        "name": "esp32-insole",
        "description": "Insole-Pressure-Sensor (ESP32-C3 + 16-channel MUX), 16 FSR-type sensors in rows of "
        "2-3-3-3-3-2. APPROXIMATE: positions from the project's plotting script, pixels of a photo of "
        f"the insole scaled to an assumed {LENGTH_MM:.0f} mm insole; sensor areas not published.",
        "source": "GitHub Brilliant-Star-ch/Insole-Pressure-Sensor bd98c4e, 'visualization/visualize data.py' "
        "lines 28-35 (sensor_pos_right, channel order R_ch0..15; the project's licence is CC BY-NC 4.0), "
        "scaled by the ends of 'visualization/insole outline/insole_outline_px_smooth.csv'; the outline is a "
        "plain oval of that size; built by tools/make_esp32_insole_layout.py",
        "positions": "approximate",
        "layout_id": 0,
        "value_kind": "force",
        "units": "N",
        "coordinates": "mm",
        "reference_foot_length_mm": LENGTH_MM,
        "foot_width_mm": round(width, 2),
        "notes": f"{LENGTH_MM / (HEEL_Y_PX - TOE_Y_PX):.5f} mm per pixel in x and y (insole toe-to-heel "
        f"{HEEL_Y_PX - TOE_Y_PX:.2f} px = {LENGTH_MM:.0f} mm, an assumed size); the photo gives a "
        f"width/length of {width / LENGTH_MM:.3f}. x from the outline's mid-width (x = "
        f"{(X_MIN_PX + X_MAX_PX) / 2:.1f} px), medial = the photo's left (toe tip and arch side). "
        "Channel i = MUX channel i = value i of a line 'time_ms,ch0..ch15'. The same numbers serve "
        "the left insole (x positive medial on both feet; upstream mirrors the right).",
        "sensors": [
            {
                "name": f"ch{i}",
                "x_mm": round(float(x[i]), 2),
                "y_mm": round(float(y[i]), 2),
                "area_mm2": None,
                "region": region[i],
                "ml": ml,
                "mask": masks[i],
                "source_position": [int(px[i, 0]), int(px[i, 1])],
            }
            for i, ml in enumerate(ml_labels(x, width))
        ],
        "outline": [[round(float(a), 2), round(float(b), 2)] for a, b in outline],
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
