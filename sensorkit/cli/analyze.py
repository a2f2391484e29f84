"""``sensorkit analyze FILE [--json] [--mass KG]``: per-side gait summary and asymmetry flags."""

from __future__ import annotations

import argparse
import json
import math

from rich.console import Console
from rich.table import Table

import sensorkit as sk
from sensorkit.cli import report_options
from sensorkit.io.outputs import check_output

__all__ = ["add_parser", "run"]

#: Rows of the printed table (names carry units; BW or N variants chosen at run time).
_ROWS = (
    "n_steps",
    "cadence_spm",
    "contact_time_s",
    "stride_time_s",
    "peak_force_{f}",
    "impact_peak_{f}",
    "valr_{r}",
    "vilr_{r}",
    "impulse_{r}",
    "strike_index_pct",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "cop_velocity_mm_s",
    "cpei_pct",
    "arch_indicator",
    "ml_ratio",
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``analyze`` verb."""
    p = sub.add_parser("analyze", help="gait events, loading rates and asymmetry of a recording")
    p.add_argument("file", metavar="FILE", help="a recording sensorkit can read (CSV, PhysioNet, ...)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--mass", type=float, metavar="KG", help="body mass in kg (BW units)")
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON for raw-count captures (default: the capture's)",
    )
    report_options.add_report_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file`` and print the summary table (or JSON); returns the exit status."""
    if args.report:  # before the work: an existing report is kept unless --force
        check_output(args.report, overwrite=args.force, inputs=[args.file])
    with report_options.working(f"analysing {args.file}"):
        rec = sk.read(args.file, calibration=args.calibration)
        res = sk.analyze(rec, body_mass_kg=args.mass)
    report_options.write_report_from_args(args, rec, res)
    if args.json:
        print(json.dumps(res.to_dict(), allow_nan=False, indent=1))
        return 0
    console = Console()
    f, r = ("bw", "bw_s") if res.force_units == "BW" else ("n", "n_s")
    table = Table(title=f"{args.file}: {len(res.steps)} steps, forces in {res.force_units} (insole-derived)")
    for col in ("metric", "left", "right", "SI % (L>R +)", "SA %"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    summary = res.summary
    for name in _ROWS:
        metric = name.format(f=f, r=r)
        if metric not in summary.index:
            continue
        row = summary.loc[metric]
        flag = bool(row["asymmetry_flag"])
        si = _fmt(row["symmetry_index_pct"])
        table.add_row(
            metric,
            _fmt(row["left"]),
            _fmt(row["right"]),
            f"[bold red]{si}[/]" if flag else si,
            _fmt(row["symmetry_angle_pct"]),
        )
    console.print(table)
    console.print(f"cadence: {_fmt(res.cadence_spm)} steps/min (both feet)")
    flagged = summary.index[summary["asymmetry_flag"].astype(bool)].tolist()
    if flagged:
        console.print(f"[bold]asymmetry |SI| > {res.params.asymmetry_flag_pct:g} %:[/] " + ", ".join(flagged))
    else:
        console.print(f"no asymmetry above |SI| {res.params.asymmetry_flag_pct:g} %")
    if len(res.gaps):
        console.print(f"{len(res.gaps)} data gap(s); steps touching them are left out of the summary")
    return 0


def _fmt(value: float) -> str:
    return "-" if value is None or not math.isfinite(float(value)) else f"{float(value):.3g}"
