"""``sensorkit demo``: simulate a short run, analyse it, print what came out.

No hardware, no network, no prompts. The simulator knows its ground truth, so the demo
also shows how close the analysis came to it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.table import Table

from sensorkit.analysis import analyze
from sensorkit.cli.console import console
from sensorkit.simulate import simulate

# (summary row, label, unit, format)
_ROWS = (
    ("contact_time_s", "contact time", "s", "{:.3f}"),
    ("stride_time_s", "stride time", "s", "{:.3f}"),
    ("flight_time_s", "flight time", "s", "{:.3f}"),
    ("peak_force_bw", "peak force", "BW", "{:.2f}"),
    ("impact_peak_bw", "impact peak", "BW", "{:.2f}"),
    ("valr_bw_s", "loading rate VALR", "BW/s", "{:.1f}"),
    ("vilr_bw_s", "loading rate VILR", "BW/s", "{:.1f}"),
    ("strike_index_pct", "strike index", "% foot length", "{:.1f}"),
    ("cop_ap_excursion_mm", "COP AP excursion", "mm", "{:.1f}"),
    ("cop_ml_excursion_mm", "COP ML excursion", "mm", "{:.1f}"),
    ("arch_indicator", "midfoot load share", "", "{:.3f}"),
    ("ml_ratio", "medial-lateral ratio", "", "{:+.3f}"),
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
    rec = simulate(**params)
    t1 = time.perf_counter()
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
    console.print(table_of_summary(res.summary, res.asymmetry))
    console.print(f"cadence (both feet): {res.cadence_spm:.1f} steps/min")
    console.print(truth_comparison(res, truth))
    flags = res.asymmetry.index[res.asymmetry["flag"].to_numpy(bool)].tolist()
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


def table_of_summary(summary, asymmetry) -> Table:
    """A rich table of the per-side summary with symmetry indices."""
    table = Table(title="per-side summary (means over steady-state steps)")
    for col, justify in (
        ("metric", "left"),
        ("unit", "left"),
        ("left", "right"),
        ("right", "right"),
        ("SI %", "right"),
    ):
        table.add_column(col, justify=justify)
    for row, label, unit, fmt in _ROWS:
        if row not in summary.index:
            continue
        r = summary.loc[row]
        si = float(r.get("symmetry_index_pct", np.nan))
        si_text = f"{si:+.1f}" if np.isfinite(si) else ""
        if row in asymmetry.index and bool(asymmetry.loc[row, "flag"]):
            si_text = f"[yellow]{si_text}[/]"
        table.add_row(label, unit, _fmt(fmt, r["left"]), _fmt(fmt, r["right"]), si_text)
    return table


def truth_comparison(res, truth) -> Table:
    """Measured medians next to the simulator's ground truth."""
    measured = res.steps[res.steps["steady_state"]]
    true = truth.steps[truth.steps.complete]
    table = Table(title="analysis vs simulator ground truth (medians)")
    for col in ("metric", "measured", "truth"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for col, label, fmt in (
        ("contact_time_s", "contact time (s)", "{:.3f}"),
        ("valr_bw_s", "VALR (BW/s)", "{:.1f}"),
        ("peak_force_bw", "peak force (BW)", "{:.2f}"),
        ("strike_index_pct", "strike index (%)", "{:.1f}"),
    ):
        if col not in measured or col not in true:
            continue
        values = measured[col]
        if col == "valr_bw_s":
            values = values[measured["valr_reliable"]]
        table.add_row(label, _fmt(fmt, values.median()), _fmt(fmt, true[col].median()))
    return table


def _fmt(fmt: str, value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return fmt.format(v) if np.isfinite(v) else "—"
