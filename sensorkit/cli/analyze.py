"""``sensorkit analyze FILE [--json] [--mass KG]``: per-side gait summary and asymmetry flags."""

from __future__ import annotations

import argparse
import json
import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table

import sensorkit as sk
from sensorkit.cli import report_options
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.io.outputs import check_output

__all__ = ["add_parser", "run"]

#: Rows of the printed table per activity (names carry units; BW or N variants chosen at run time).
_COMMON = ("contact_time_s", "stride_time_s", "swing_time_s", "step_time_s", "stance_pct_gait_cycle")
_ROWS = {
    "walking": (
        *_COMMON,
        "double_support_s",
        "first_peak_{f}",
        "valley_{f}",
        "second_peak_{f}",
        "loading_rate_{r}",
        "unloading_rate_{r}",
        "cop_ap_excursion_mm",
        "cop_velocity_mm_s",
    ),
    "running": (
        *_COMMON,
        "flight_time_s",
        "peak_force_{f}",
        "impact_peak_{f}",
        "valr_{r}",
        "vilr_{r}",
        "strike_index_pct",
        "cop_ap_excursion_mm",
        "cop_velocity_mm_s",
    ),
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``analyze`` verb."""
    p = sub.add_parser("analyze", help="gait events, loading rates and asymmetry of a recording")
    p.add_argument("file", metavar="FILE", help="a recording sensorkit can read (CSV, PhysioNet, ...)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument(
        "--mass", type=float, metavar="KG", help="body mass in kg (adds BW units; never changes steps)"
    )
    p.add_argument("--start", type=float, metavar="S", help="analyse from this time (s)")
    p.add_argument("--end", type=float, metavar="S", help="analyse up to this time (s)")
    p.add_argument(
        "--exclude-steps",
        metavar="ROWS",
        type=_int_list,
        default=(),
        help="comma-separated rows of the steps table to leave out of the summaries",
    )
    p.add_argument(
        "--exclude-bouts",
        metavar="IDS",
        type=_int_list,
        default=(),
        help="comma-separated bouts to leave out",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON for raw-count captures (default: the capture's)",
    )
    add_read_options(p)
    report_options.add_report_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.file`` and print the summary table (or JSON); returns the exit status."""
    if args.report:  # before the work: an existing report is kept unless --force
        check_output(args.report, overwrite=args.force, inputs=[args.file])
    with report_options.working(f"analysing {args.file}"):
        rec = sk.read(args.file, **read_kwargs(args))
        res = sk.analyze(
            rec,
            body_mass_kg=args.mass,
            start_s=args.start,
            end_s=args.end,
            exclude_steps=args.exclude_steps,
            exclude_bouts=args.exclude_bouts,
        )
    report_options.write_report_from_args(args, rec, res)
    if args.json:
        print(json.dumps(res.to_dict(), allow_nan=False, indent=1))
        return 0
    console = Console(highlight=False)
    f, r = ("bw", "bw_s") if res.force_units == "BW" else ("n", "n_s")
    counts = res.counts
    title = (
        f"{escape(str(args.file))}: {res.activity}, {counts.loc['both', 'n_valid']} steps "
        f"({counts.loc['both', 'n_steady_state']} steady state), forces in {res.force_units} (insole-derived)"
    )
    table = Table(title=title)
    for col in ("metric", "left", "right", "CV % (both)", "SI % (L>R +) [95% CI]", "asymmetry"):
        table.add_column(col, justify="left" if col in ("metric", "asymmetry") else "right")
    summary, asym = res.summary, res.asymmetry
    for name in _ROWS.get(res.activity, _COMMON):
        metric = name.format(f=f, r=r)
        if metric not in summary.index:
            continue
        row = summary.loc[metric]
        a = asym.loc[metric] if metric in asym.index else None
        si = _fmt(row["symmetry_index_pct"])
        if math.isfinite(row["si_ci_low_pct"]):
            si += f" [{_fmt(row['si_ci_low_pct'])}, {_fmt(row['si_ci_high_pct'])}]"
        status = "" if a is None else str(a["status"])
        table.add_row(
            metric,
            _fmt(row["left"]),
            _fmt(row["right"]),
            _fmt(row["both_cv_pct"]),
            si,
            f"[bold red]{status}[/]" if a is not None and bool(a["flag"]) else status,
        )
    console.print(table)
    console.print(f"cadence: {_fmt(res.cadence_spm)} steps/min (both feet, steady state)")
    if res.activity == "running":
        console.print(
            f"loading rate method: {res.info.loading_rate_method} (one per trial; {res.info.loading_rate_note})"
        )
    flagged = asym.index[asym["flag"].to_numpy(bool)].tolist()
    if flagged:
        console.print("[bold]asymmetric beyond each metric's limit (95% CI):[/] " + ", ".join(flagged))
    elif not asym["status"].isin(["asymmetric", "within limit", "inconclusive", "no limit set"]).any():
        console.print(
            "asymmetry: not enough data (fewer than "
            f"{res.params.min_steps_asymmetry} steady-state steps on a side, or one insole)"
        )
    else:
        console.print("no asymmetry beyond the metrics' limits (95% CI)")
    if res.standing is not None and len(res.standing):
        for _, st in res.standing.iterrows():
            console.print(
                f"standing {st['start_s']:.1f}-{st['end_s']:.1f} s: left carries {st['left_share_pct']:.0f} % "
                f"(SI {_fmt(st['symmetry_index_pct'])} %, {st['status']})"
            )
    reasons = res.steps.loc[~res.steps["steady_state"], "exclude_reason"].value_counts()
    for reason, k in reasons.items():
        console.print(f"left out of the summary: {k} x {escape(str(reason))}")
    if len(res.gaps):
        console.print(f"{len(res.gaps)} data gap(s); metrics whose window touches one are not measured")
    return 0


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _fmt(value: float) -> str:
    return "-" if value is None or not math.isfinite(float(value)) else f"{float(value):.3g}"
