"""Compare two insoles (or shoes) for the same runner: one session with each, side by side.

Give two recordings, or run without arguments for two simulated sessions of one 70 kg
runner. The simulator cannot model an insole, so the demo stands in for "insole B" with a
midfoot-strike session of the same runner (what a change of footwear can bring about);
with real recordings the same table compares what the insoles actually changed.

    python examples/compare_insoles.py
    python examples/compare_insoles.py insole_a.csv insole_b.csv --names "EVA,PU+gel" --out results/
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import sensorkit as sk
from sensorkit.report.data import steady_steps
from sensorkit.report.style import SIDE_COLORS, figure_to_png, new_figure

METRICS = (
    "contact_time_s",
    "peak_force_{f}",
    "valr_{f}_s",
    "vilr_{f}_s",
    "strike_index_pct",
    "cop_ml_excursion_mm",
)


def compare(a: sk.Analysis, b: sk.Analysis, names: tuple[str, str]) -> pd.DataFrame:
    """Per metric (both feet): mean of A and B, difference B - A in % of A, and Cohen's d."""
    f = "bw" if a.force_units == b.force_units == "BW" else "n"
    rows = []
    for template in METRICS:
        metric = template.format(f=f)
        va = steady_steps(a)[metric].dropna().to_numpy()
        vb = steady_steps(b)[metric].dropna().to_numpy()
        pooled = np.sqrt((va.var(ddof=1) + vb.var(ddof=1)) / 2.0) if va.size > 1 and vb.size > 1 else np.nan
        rows.append(
            {
                "metric": metric,
                names[0]: va.mean(),
                names[1]: vb.mean(),
                "change_pct": 100.0 * (vb.mean() - va.mean()) / va.mean(),
                "cohens_d": (vb.mean() - va.mean()) / pooled if pooled else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def figure(table: pd.DataFrame, names: tuple[str, str]):
    """Change B vs A per metric, in % of A."""
    fig = new_figure(6.5, 3.2)
    ax = fig.subplots()
    change = table["change_pct"]
    ax.barh(
        change.index,
        change.to_numpy(),
        color=[SIDE_COLORS["right"] if v > 0 else SIDE_COLORS["left"] for v in change],
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change {names[1]} vs {names[0]} (% of {names[0]})")
    ax.set_title(f"{names[1]} vs {names[0]}: per-step means, both feet")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", nargs="?", help="session with insole A (default: simulated)")
    parser.add_argument("b", nargs="?", help="session with insole B (default: simulated)")
    parser.add_argument("--names", default="insole A,insole B", help="two labels, comma-separated")
    parser.add_argument("--mass", type=float, default=70.0, help="runner's body mass in kg (default 70)")
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds per simulated session (default 30)"
    )
    parser.add_argument("--out", help="folder for comparison.csv and .png (default: a temporary folder)")
    args = parser.parse_args(argv)
    names = tuple(n.strip() for n in args.names.split(","))[:2]
    if args.a and args.b:
        rec_a, rec_b = sk.read(args.a), sk.read(args.b)
    elif args.a or args.b:
        parser.error("give two recordings, or none for the simulated demo")
    else:
        rec_a = sk.simulate(duration_s=args.duration, seed=11, body_mass_kg=args.mass, strike="rearfoot")
        rec_b = sk.simulate(duration_s=args.duration, seed=12, body_mass_kg=args.mass, strike="midfoot")
    res_a = sk.analyze(rec_a, body_mass_kg=args.mass)
    res_b = sk.analyze(rec_b, body_mass_kg=args.mass)
    table = compare(res_a, res_b, names)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sensorkit-compare-"))
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "comparison.csv")
    (out / "comparison.png").write_bytes(figure_to_png(figure(table, names)))
    with pd.option_context("display.precision", 3, "display.width", 120):
        print(table)
    print(f"wrote {out / 'comparison.csv'} and {out / 'comparison.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
