"""``sensorkit analyze FILE [--json] [--mass KG]``: per-side gait summary and asymmetry flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import sensorkit as sk
from sensorkit.analysis.summary import missing_reasons, recorded_sides
from sensorkit.cli import report_options
from sensorkit.cli.console import console, say
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.cli.tables import flagged_metrics, summary_table, with_flagged_rows
from sensorkit.outputs import check_writable, removed_on_failure
from sensorkit.quantities import format_number, format_value

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
    p.add_argument(
        "--json", action="store_true", help="print the full result as JSON (with version and parameters)"
    )
    p.add_argument(
        "--steps",
        metavar="OUT.csv|OUT.parquet",
        help=(
            "write the steps table; a CSV is the plain table (pandas.read_csv reads it) with the "
            "sensorkit version and analysis parameters in OUT.csv.json next to it, a Parquet file "
            "holds them in its metadata"
        ),
    )
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
    # before the work: an existing report, PDF or figure PNG is kept unless --force
    report_options.check_report_outputs(args.report, args.png_dir, args.pdf, args.force, [args.file])
    inputs = [args.file, args.calibration]
    outputs = report_options.report_paths(args.report, args.png_dir, args.pdf)
    if args.steps:  # ... and so is an existing steps file; an input never is, even with --force
        from sensorkit.report.export import check_steps_output, check_steps_sidecar

        check_steps_output(args.steps, overwrite=args.force, inputs=inputs)
        outputs += [Path(args.steps), check_steps_sidecar(args.steps, overwrite=args.force, inputs=inputs)]
    # ... and every output folder can be written (the error came after the analysis)
    report_options.check_report_folders(args.report, args.png_dir)
    if args.steps:
        check_writable(args.steps, what=f"--steps {args.steps}")
    with report_options.working(f"reading {args.file}"):
        rec = sk.read(args.file, **read_kwargs(args))
    with report_options.working(f"analysing {args.file}{first_run_note()}"):
        res = sk.analyze(
            rec,
            body_mass_kg=args.mass,
            start_s=args.start,
            end_s=args.end,
            exclude_steps=args.exclude_steps,
            exclude_bouts=args.exclude_bouts,
        )
    # a failure half-way (a full disk, Ctrl-C) leaves none of this run's outputs: the report
    # written before the figures failed made the retry stop at "exists"
    identities = None
    if args.steps and args.json:  # both name the inputs: hash each file once
        from sensorkit.report.export import input_identities

        identities = input_identities(inputs)
    with removed_on_failure(p for p in outputs if p is not None):
        report_options.write_report_from_args(args, rec, res)
        if args.steps:
            from sensorkit.report.export import steps_sidecar, write_steps

            path = write_steps(res, args.steps, overwrite=args.force, inputs=inputs, anonymize=args.anonymize,
                               identities=identities)  # fmt: skip
            sidecar = steps_sidecar(path)
            where = f"in {sidecar}" if sidecar is not None else "in the file"
            say(
                f"wrote {len(res.steps)} steps to {path} (sensorkit version and parameters {where})", err=True
            )
    if args.json:
        from sensorkit.report.export import analysis_json

        doc = analysis_json(res, inputs, anonymize=args.anonymize, identities=identities)
        print(json.dumps(doc, allow_nan=False, indent=1))
        return 0
    f = "bw" if res.force_units == "BW" else "n"
    counts = res.counts
    title = (
        f"{args.file}: {res.activity}, {counts.loc['both', 'n_valid']} steps "
        f"({counts.loc['both', 'n_steady_state']} steady state), forces in {res.force_units} (insole-derived)"
    )
    metrics = with_flagged_rows(
        res, [name.format(f=f, r=f"{f}_s") for name in _ROWS.get(res.activity, _COMMON)]
    )
    if res.activity == "none":  # no steps: a table of dashes would say nothing
        rec_sides = [s for s in ("left", "right") if s in res.baseline_n]
        why = (
            f"; standing (load share between the feet) needs both insoles, this recording has the {rec_sides[0]} one"
            if len(rec_sides) == 1
            else ""
        )
        say(
            f"{args.file}: no walking or running steps ({counts.loc['both', 'n_valid']} valid of "
            f"{len(res.steps)} stances); nothing to summarise, asymmetry: not enough data{why}"
        )
    else:
        sides = recorded_sides(res.summary)
        notes = None
        if len(sides) == 1:
            notes = missing_reasons(res.steps, res.activity, res.params, sides[0])
        console.print(summary_table(title, res.summary, res.asymmetry, metrics, notes=notes))
        say(
            f"cadence: {format_value('cadence_spm', res.cadence_spm)} steps/min "
            f"({res.cadence_basis}, steady state)"
        )
        if res.activity == "running":
            say(
                f"loading rate method: {res.info.loading_rate_method} "
                f"(one per trial; {res.info.loading_rate_note})"
            )
        flagged = flagged_metrics(res)
        if len(sides) == 1:
            say(f"asymmetry: needs both insoles (steps on the {sides[0]} one only)")
        elif flagged:
            say("asymmetric beyond each metric's limit (95% CI): " + ", ".join(flagged))
        elif (
            not res.asymmetry["status"]
            .isin(["asymmetric", "within limit", "inconclusive", "no limit set"])
            .any()
        ):
            say(
                "asymmetry: not enough data (fewer than "
                f"{res.params.min_steps_asymmetry} steady-state steps on a side, or one insole)"
            )
        else:
            say("no asymmetry beyond the metrics' limits (95% CI)")
    if res.standing is not None and len(res.standing):
        for _, st in res.standing.iterrows():
            say(
                f"standing {st['start_s']:.1f}-{st['end_s']:.1f} s: left carries {st['left_share_pct']:.1f} % "
                f"(SI {format_number(st['symmetry_index_pct'], 1, signed=True)} %, {st['status']})"
            )
    reasons = res.steps.loc[~res.steps["steady_state"], "exclude_reason"].value_counts()
    for reason, k in reasons.items():
        say(f"left out of the summary: {k} x {reason}")
    if len(res.gaps):
        from sensorkit.report.sections import gap_counts

        inside, edge = gap_counts(res.gaps, rec)
        text = f"{inside} data gap(s) inside the session; metrics whose window touches one are not measured"
        if edge:
            text += f"; {edge} at its start or end (one insole started or stopped before the other)"
        say(text)
    return 0


def first_run_note(terminal: bool | None = None) -> str:
    """Why this analysis may take seconds, for a spinner: ``" (the first run compiles ...)"``
    when the kernel cache is cold (Numba compiles the kernels once), else ``""``.

    The user is told once: when the spinner shows (``terminal``, default whether stderr is
    one) and the first-run line has not been printed yet, the note takes its place (the line
    is then not printed); without a spinner, or once the line was printed, the note is ``""``.
    """
    from sensorkit._jit_cache import cache_was_cold, compiling_said, mark_compiling_said
    from sensorkit.cli.console import error_console

    if terminal is None:
        terminal = error_console.is_terminal
    if not (terminal and cache_was_cold()) or compiling_said():
        return ""
    mark_compiling_said()
    return " (the first run compiles the Numba kernels, a few seconds)"


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
