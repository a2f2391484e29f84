"""Write the approximate layout ``calibration/layouts/sensmove.json`` (sensmove, 7 FSRs).

Input: the 7 sensor positions the sensmove iOS app draws for the right insole (GitHub
alex3165/sensmove 6a77793, ``ios_development/sensmove/sensmove/SMSensorsVectors.json`` lines
39-75, the ``"right"`` list; last set by commit 0324442 "Fix sensors positions", which
reversed that list). Value i of the firmware's ``fsr`` array is drawn at entry i: the app
builds one force sensor per entry in list order (``SMSole.swift`` lines 48-55) and gives
sensor i value i of ``fsr`` (lines 60-63), for the right sole only (``SMSession.swift`` lines
91-100); the firmware sends ``fsr`` in the order of its pins 6, 0, 2, 3, 5, 4, 1
(``hardware_development/program/program.ino`` line 20, ``SMDataManager.cpp`` lines 58-59).

What is known: which value is which sensor on the right insole, and their arrangement as the
app draws it (points, y down, relative to the centre of the live view; each entry is the
top-left corner of a 30-point circle, ``SMLiveForcesTrack.swift`` lines 52-55, a shift shared
by all). The drawing is read toe up (two sensors side by side at the top, one alone at the
bottom) and seen from above, medial towards the other foot: the app's ``"left"`` list is the
same points mirrored (x -> -x - 3), so the pair is drawn side by side, left foot on the left.

What is assumed: the scale (1 point taken as 1 mm; the app states none, and no insole outline
shares its coordinates) and where the drawing sits on the insole (its extent centred on an
assumed 260 x 95 mm insole, sensorkit's default size for an approximate layout). Regions and
medio-lateral labels follow from those assumptions (:mod:`sensorkit.layouts.masks`); no
anatomical masks are claimed. Sensor areas are not published (the parts list names an
Adafruit force-sensitive resistor, product 166, ``documentation/how_to_craft_insole.md`` line
22, and no area or placement in mm). The left
insole is assumed wired as the mirror image of the right (the same firmware, pin order and
layout numbers, x positive medial on both feet): upstream does not say, and its app never
shows left-insole data (its ``"left"`` list, in the reverse order, was not updated by
0324442).

The upstream project carries no licence: its 7 positions are facts, cited here; nothing else of
it is reproduced. Run from the repository root: ``python tools/make_sensmove_layout.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sensorkit.layouts.masks import ml_labels, regions_by_length

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "calibration" / "layouts" / "sensmove.json"

#: ``SMSensorsVectors.json`` ``"right"`` (lines 39-75): (x, y) points, y down, fsr order.
SENSOR_PT = [(58, 91), (91, 30), (119, -21), (76, -33), (34, -47), (58, -94), (104, -94)]
MM_PER_PT = 1.0  # assumed: the app states no scale
LENGTH_MM, WIDTH_MM = 260.0, 95.0  # assumed: sensorkit's default approximate insole (docs/device-profiles.md)


def to_mm(pt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points -> (x_mm positive medial, y_mm from the heel end): the drawing's extent centred."""
    x_mid = (pt[:, 0].min() + pt[:, 0].max()) / 2.0
    y_mid = (pt[:, 1].min() + pt[:, 1].max()) / 2.0
    return (x_mid - pt[:, 0]) * MM_PER_PT, LENGTH_MM / 2.0 - (pt[:, 1] - y_mid) * MM_PER_PT


def build() -> dict:
    pt = np.array(SENSOR_PT, dtype=float)
    x, y = to_mm(pt)
    region = regions_by_length(y, 0.0, LENGTH_MM)
    a = np.linspace(0.0, 2.0 * np.pi, 36, endpoint=False)  # a plain oval of the assumed insole
    outline = np.column_stack([0.5 * WIDTH_MM * np.sin(a), 0.5 * LENGTH_MM * (1.0 - np.cos(a))])
    return {
        "schema": "sensorkit.layout/1",
        "name": "sensmove",
        "description": "sensmove (alex3165), 7 FSRs in the order of the firmware's 'fsr' array, as its app "
        "draws the right insole: 0 alone at the heel end; 1 lateral, midway; 2, 3, 4 a row across the "
        "forefoot from lateral to medial, 2 furthest back; 5 (medial) and 6 side by side at the toe end. "
        "APPROXIMATE: the scale (1 app point = 1 mm) and the 260 x 95 mm insole are assumed, so are the "
        "regions that follow; the left insole is assumed wired as the mirror image; sensor areas not "
        "published.",
        "source": "GitHub alex3165/sensmove 6a77793, ios_development/sensmove/sensmove/SMSensorsVectors.json "
        "lines 39-75 ('right', set by 0324442 'Fix sensors positions'), drawn in fsr order by SMSole.swift "
        "lines 48-63 and SMSession.swift lines 91-100; firmware pin order program.ino line 20; "
        "built by tools/make_sensmove_layout.py",
        "positions": "approximate",
        "layout_id": 0,
        "value_kind": "force",
        "units": "N",
        "coordinates": "mm",
        "reference_foot_length_mm": LENGTH_MM,
        "foot_width_mm": WIDTH_MM,
        "notes": f"{MM_PER_PT:g} mm per app point in x and y (assumed); the drawn extent "
        f"({np.ptp(pt[:, 0]):.0f} x {np.ptp(pt[:, 1]):.0f} points) is centred on the assumed "
        f"{LENGTH_MM:.0f} x {WIDTH_MM:.0f} mm insole. Toe up and medial towards the other foot, read "
        "from the drawing (the app's left list mirrors the right, x -> -x - 3). Regions and ml labels "
        "follow from these assumptions; no anatomical masks are claimed.",
        "sensors": [
            {
                "name": f"fsr{i}",
                "x_mm": round(float(x[i]), 2),
                "y_mm": round(float(y[i]), 2),
                "area_mm2": None,
                "region": region[i],
                "ml": ml,
                "source_position": [int(pt[i, 0]), int(pt[i, 1])],
            }
            for i, ml in enumerate(ml_labels(x, WIDTH_MM))
        ],
        "outline": [[round(float(a), 2), round(float(b), 2)] for a, b in outline],
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
