"""Write the estimated Moticon OpenGo layout ``calibration/layouts/moticon-s7-estimated.json``.

Moticon does not publish its sensor positions, but every OpenGo export carries, per frame,
the 16 pressures of each insole with Moticon's own total force and centre of pressure. This
script stacks both insoles of both real size-7 exports (Moticon's left and right layouts are
symmetric in its normalised COP frame) and fits areas and positions by least squares
(:func:`sensorkit.layouts.fit`), then scales the normalised positions to millimetres with
the insole size's *assumed* length and width (:data:`SIZE_MM`).

Run from the repository root: ``python tools/make_moticon_layout.py [EXPORT.txt ...]``
(default: the two exports in ``../shared/data/moticon-opengo``, Apache-2.0, Moticon ReGo AG).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from sensorkit.io.moticon import read_moticon_opengo
from sensorkit.layout import load_layout
from sensorkit.layouts import fit_layout

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EXPORTS = sorted((ROOT.parent / "shared" / "data" / "moticon-opengo").glob("2309*.txt"))
OUT = ROOT / "calibration" / "layouts"
#: Insole length and width (mm) per Moticon size: ESTIMATES, not Moticon's numbers. Size 7
#: is taken as EU 44-45 (public OpenGo setups name size 6 "S6 (42-43)"); an EU 44.5 shoe
#: is about 297 mm long (2/3 cm per Paris point), the insole a little shorter; the width is a
#: typical forefoot width for that length. The COP residuals in mm scale with these.
SIZE_MM = {"7": (290.0, 100.0)}


def fit_exports(paths: list[Path]):
    """Stack both sides of every export and fit one layout; returns (fit, size)."""
    placeholder = dataclasses.replace(
        load_layout("ref16"), name="placeholder", value_kind="pressure", _region_masks={}
    )
    blocks, sizes = [], set()
    for path in paths:
        rec = read_moticon_opengo(path, layout=placeholder)
        sizes.add(rec.metadata.get("insole_size"))
        for side in rec.sides:
            v = rec.metadata["moticon"][side]
            blocks.append((rec.values(side), v["total_force_n"], v["cop_ap_fraction"], v["cop_ml_fraction"]))
    if len(sizes) != 1:
        raise SystemExit(
            f"exports of different insole sizes {sorted(map(str, sizes))}: fit one size at a time"
        )
    p, f, ap, ml = (np.concatenate([b[k] for b in blocks]) for k in range(4))
    return fit_layout(p, f, ap, ml), sizes.pop()


def build(paths: list[Path]) -> dict:
    fit, size = fit_exports(paths)
    length, width = SIZE_MM[size]
    # Moticon's Y is positive medially: the fitted hallux (most anterior) sensor has positive Y.
    ml_sign = 1.0 if fit.ml[int(np.argmax(fit.ap))] > 0 else -1.0
    res = fit.residuals_mm(length, width)
    layout = fit.to_layout(
        f"moticon-s{size}-estimated",
        length_mm=length,
        width_mm=width,
        ml_sign=ml_sign,
        description=f"Moticon OpenGo insole, size {size}, 16 pressure sensors. ESTIMATED: areas and "
        "positions fitted by least squares to Moticon's own total force and COP, not Moticon's geometry; "
        f"millimetre scale from an assumed insole of {length:.0f} x {width:.0f} mm.",
        source="tools/make_moticon_layout.py on "
        + ", ".join(p.name for p in paths)
        + " (moticon-opengo 1.0.3 test data, Apache-2.0, Moticon ReGo AG)",
    )
    spec = layout.to_dict()
    spec["notes"] = {
        "method": "areas: total force = sum(p_i A_i); positions: COP x force = sum(p_i A_i c_i); "
        "both insoles of every export stacked",
        "frames_force": fit.n_frames_force,
        "frames_cop": fit.n_frames_cop,
        "force_residual_rms_n": round(fit.force_residual_rms_n, 3),
        "force_residual_max_n": round(fit.force_residual_max_n, 3),
        "cop_residual_rms_fraction": [round(fit.cop_residual_rms_ap, 6), round(fit.cop_residual_rms_ml, 6)],
        "cop_residual_max_mm": [round(res["cop_max_ap_mm"], 3), round(res["cop_max_ml_mm"], 3)],
        "assumed_insole_mm": [length, width],
        "outline": "a plain oval of that size (the real outline is unknown)",
    }
    for entry in spec["sensors"]:
        for key in ("x_mm", "y_mm", "area_mm2"):
            entry[key] = round(entry[key], 3)
    spec["outline"] = [[round(x, 2), round(y, 2)] for x, y in spec["outline"]]
    return spec


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or DEFAULT_EXPORTS
    if not paths:
        raise SystemExit("no exports given and none found in ../shared/data/moticon-opengo")
    spec = build(paths)
    out = OUT / f"{spec['name']}.json"
    out.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(out, json.dumps(spec["notes"]))


if __name__ == "__main__":
    main(sys.argv[1:])
