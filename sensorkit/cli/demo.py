"""``sensorkit demo``: simulate a short run, analyse it, print what came out.

No hardware, no network, no prompts. The simulator knows its ground truth, so the demo
also shows how close the analysis came to it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from rich.table import Table

from sensorkit.analysis import analyze
from sensorkit.cli.analyze import first_run_note
from sensorkit.cli.console import console
from sensorkit.cli.report_options import working
from sensorkit.cli.tables import flagged_metrics, new_table, summary_table, with_flagged_rows
from sensorkit.quantities import format_value, quantity
from sensorkit.simulate import simulate

#: Summary rows of the demo table (names, units and precision from sensorkit.quantities).
_ROWS = (
    "contact_time_s",
    "stride_time_s",
    "flight_time_s",
    "peak_force_bw",
    "impact_peak_bw",
    "valr_bw_s",
    "vilr_bw_s",
    "strike_index_pct",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "arch_indicator",
    "ml_ratio",
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``demo`` command."""
    p = sub.add_parser("demo", help="simulate a run, analyse it and print a summary (no hardware)")
    p.add_argument("--duration", type=float, default=30.0, metavar="S", help="simulated seconds (default 30)")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, analyse and print."""
    params = {
        "duration_s": args.duration,
        "seed": args.seed,
        "rate_hz": 500.0,
        "foot_type": "flat",
        "strike": "rearfoot",
        "speed_mps": 3.2,
        "body_mass_kg": 72.0,
        "asymmetry": 0.12,
        "noise": 2.0,
        "dropout": 0.01,
    }
    t0 = time.perf_counter()
    with working(f"simulating {args.duration:g} s of running"):
        rec = simulate(**params)
    t1 = time.perf_counter()
    with working(f"analysing{first_run_note()}"):
        res = analyze(rec)
    t2 = time.perf_counter()
    truth = rec.metadata["ground_truth"]

    console.print("[bold]sensorkit demo[/]: a simulated insole pair, no hardware needed")
    console.print(
        f"runner: {params['body_mass_kg']:g} kg, {params['speed_mps']:g} m/s, {truth.cadence_spm:g} steps/min, "
        f"{params['strike']} strike, {params['foot_type']} feet, left {100 * params['asymmetry']:g}% stronger; "
        f"sensor noise {params['noise']:g} N, {100 * params['dropout']:g}% packets lost"
    )
    console.print(f"recording: {rec!r}")
    console.print(f"analysis: {res!r}")
    counts = res.counts
    console.print(
        f"{counts.loc['both', 'n_valid']} steps found, {counts.loc['both', 'n_steady_state']} steady-state "
        f"steps summarised ({res.activity}; VALR method: {res.info.loading_rate_method})"
    )
    console.print(table_of_summary(res.summary, res.asymmetry, with_flagged_rows(res, _ROWS)))
    console.print(f"cadence (both feet): {format_value('cadence_spm', res.cadence_spm)} steps/min")
    console.print(truth_comparison(res, truth))
    flags = flagged_metrics(res)
    if flags:
        console.print(
            f"[yellow]asymmetric beyond each metric's limit (95% CI)[/] in: {', '.join(flags)} "
            "(SI sign: positive = left larger)"
        )
    console.print(
        f"[dim]simulated in {t1 - t0:.2f} s, analysed in {t2 - t1:.2f} s. "
        "Try: sensorkit simulate -o run.csv; python -c \"import sensorkit as sk; print(sk.read('run.csv'))\"[/]"
    )
    return 0


def table_of_summary(summary, asymmetry, rows: Sequence[str] = _ROWS) -> Table:
    """The per-side summary with symmetry indices, in the CLI table style."""
    return summary_table(
        "per-side summary (means over steady-state steps)", summary, asymmetry, rows, with_cv=False
    )


def truth_comparison(res, truth) -> Table:
    """Measured medians next to the simulator's ground truth."""
    measured = res.steps[res.steps["steady_state"]]
    true = truth.steps[truth.steps.complete]
    table = new_table(
        "analysis vs simulator ground truth (medians)",
        [("metric", "left"), ("unit", "left"), ("measured", "right"), ("truth", "right")],
    )
    for col in ("contact_time_s", "valr_bw_s", "peak_force_bw", "strike_index_pct"):
        if col not in measured or col not in true:
            continue
        values = measured[col]
        if col == "valr_bw_s":
            values = values[measured["valr_reliable"]]
        q = quantity(col)
        table.add_row(
            q.label, q.unit, format_value(col, values.median()), format_value(col, true[col].median())
        )
    return table
