"""Load a real PhysioNet gaitpdb walk and plot its centre-of-pressure paths on both insoles.

    python examples/physionet_cop.py
    python examples/physionet_cop.py tests/data/physionet-gaitpdb/GaCo03_01.txt --mass 72 --out figures/

Data: PhysioNet "Gait in Parkinson's Disease" (Hausdorff et al.; Goldberger et al. 2000), ODC-By 1.0.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import sensorkit as sk
from sensorkit.report.figures import cop_paths_figure, force_curves_figure
from sensorkit.report.style import figure_to_png

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "physionet-gaitpdb" / "GaCo01_01.txt"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", default=str(DEFAULT), help="a gaitpdb .txt file (default: GaCo01_01)"
    )
    parser.add_argument(
        "--mass", type=float, default=83.0, help="body mass in kg (default 83, subject GaCo01)"
    )
    parser.add_argument("--out", help="folder for the PNGs (default: a temporary folder)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sensorkit-cop-"))
    out.mkdir(parents=True, exist_ok=True)

    rec = sk.read(args.file, body_mass_kg=args.mass)
    res = sk.analyze(rec)
    print(rec)
    print(res)
    for name, fig in (("cop_paths", cop_paths_figure(res, rec)), ("force_curves", force_curves_figure(res))):
        path = out / f"{Path(args.file).stem}_{name}.png"
        path.write_bytes(figure_to_png(fig))
        print(f"wrote {path}")
    ap = res.summary.loc["cop_ap_excursion_mm"]
    print(f"COP AP excursion: left {ap['left']:.0f} mm, right {ap['right']:.0f} mm (insole length 260 mm)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
