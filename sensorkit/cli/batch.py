"""``sensorkit batch GLOB... -o DIR``: a cohort of recordings into a partitioned Parquet dataset."""

from __future__ import annotations

import argparse
import time

from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from sensorkit.cli.read_options import add_read_options, read_kwargs

__all__ = ["EXIT_FILES_FAILED", "add_parser", "run"]

#: Exit status when the batch ran to the end but some files failed (their error rows are in
#: the tables): scripts can tell it from 0 (every file analysed) and 1 (the batch itself failed).
EXIT_FILES_FAILED = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``batch`` verb."""
    p = sub.add_parser(
        "batch",
        help="analyse many recordings into one steps table and one sessions table (Parquet dataset)",
        description="Every file gets a session row; a file that fails gets its error in that row and "
        "the batch goes on. Results are written as files complete, so --resume continues a stopped run.",
        epilog=f"Exit status: 0 every file analysed; {EXIT_FILES_FAILED} finished, but some files failed "
        "(listed at the end, and in the sessions table); 1 the batch could not run.",
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="GLOB",
        help="files, folders, globs ('data/**/*') or a table (.tsv/.csv with a path column)",
    )
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder (partitioned Parquet)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, metavar="N", help="N local Dask workers (a LocalCluster on 127.0.0.1)"
    )
    where.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--processes", type=int, metavar="N", help="N local processes without Dask")
    p.add_argument(
        "--resume", action="store_true", help="continue a stopped run in DIR (skips finished files)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing DIR")
    p.add_argument("--layout", metavar="NAME|FILE", help="layout for files that need one (others ignore it)")
    p.add_argument("--mass", type=float, metavar="KG", help="body mass for files without one (BW columns)")
    # --from for every file; the CSV dialect options for the generic CSV files among them only
    add_read_options(p, layout=False, esp32=False)  # a batch takes no calibration, which ESP32 logs need
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the batch with a progress bar; print the failures at the end. Returns the exit status."""
    from sensorkit.cli.console import console
    from sensorkit.cohort import analyze_many
    from sensorkit.cohort.engines import dask_client

    reading = read_kwargs(args)
    reading.pop("layout", None)  # --layout is the batch's own: used only by files that need one
    kwargs = dict(
        output=args.output,
        resume=args.resume,
        force=args.force,
        layout=args.layout,
        body_mass_kg=args.mass,
        read_options=reading,
    )
    t0 = time.perf_counter()
    bar = Progress(
        TextColumn("[bold]batch[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TextColumn("{task.fields[errors]} errors"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = bar.add_task("files", total=None, errors=0, rate="")
    skipped: list[int] = []  # files a resumed run found done, from the first call
    local_workers = bool(args.workers or args.processes)

    def progress(done: int, total: int, errors: int, stances: int) -> None:
        if not skipped:  # the first call: the output is checked and the files are listed
            skipped.append(done)
            if local_workers and done < total:
                # local workers compile in their own processes, out of sight of the CLI's listener
                from sensorkit._jit_cache import cache_was_cold, say_compiling

                if cache_was_cold():  # as when the command started (the helper fills it meanwhile)
                    say_compiling()
        # steps/s of this run's files only; nothing before its first file is analysed
        rate = f"{stances / max(time.perf_counter() - t0, 1e-9):,.0f} steps/s" if done > skipped[0] else ""
        bar.update(task, completed=done, total=total, errors=errors, rate=rate)
        # started once the files are listed, with their total: an early error prints no bar
        if not bar.live.is_started:
            bar.start()

    try:
        if args.workers or args.scheduler:
            with dask_client(args.scheduler, args.workers) as client:
                cohort = analyze_many(args.sources, executor=client, progress=progress, **kwargs)
        elif args.processes:
            cohort = analyze_many(
                args.sources, executor="processes", workers=args.processes, progress=progress, **kwargs
            )
        else:
            cohort = analyze_many(args.sources, progress=progress, **kwargs)
    except KeyboardInterrupt:
        if skipped:  # the files were listed and the folder written: what is done stays done
            from sensorkit.cli.console import error_console

            if bar.live.is_started:
                bar.stop()
            error_console.print(
                f"stopped: the files analysed so far are kept in {args.output}; run the same command "
                "with --resume to go on",
                markup=False,
                soft_wrap=True,
            )
        raise
    finally:
        if bar.live.is_started:
            bar.stop()
    ok = int((cohort.sessions["status"] == "ok").sum())
    earlier = skipped[0] if skipped else 0
    console.print(
        f"{len(cohort.sessions)} files"
        + (f" ({earlier} of them done before this run)" if earlier else "")
        + f": {ok} analysed, {len(cohort.sessions) - ok} failed; {len(cohort.steps)} stances; "
        f"written to {escape(str(cohort.path))} "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    for row in cohort.failures.itertuples():
        console.print(escape(f"  failed: {row.file}: {row.error_type}: {row.error_message}"))
    return EXIT_FILES_FAILED if ok < len(cohort.sessions) else 0
