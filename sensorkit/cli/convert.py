"""``sensorkit convert IN OUT``: between the recording formats sensorkit reads and writes.

Reads everything :func:`sensorkit.read` knows plus Parquet, raw captures (``.skr``) and
Moticon OpenGo text exports; writes generic CSV, Parquet, C3D or OpenSim ``.mot``, chosen by
``--to`` or the extension of OUT. Parquet keeps everything (layout, units, rate, body mass,
gaps with their reasons, events); CSV keeps values, exact times, units, the layout (its name,
and the whole layout for one that is not built in), rate, body mass, subject, session and
events, with missing frames as empty cells. C3D (:mod:`sensorkit.io.c3d`) and ``.mot``
(:mod:`sensorkit.io.opensim`) are lab-interchange exports with their own rules.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sensorkit.cli.console import error_console
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.cli.report_options import progress, working
from sensorkit.io import read
from sensorkit.io.outputs import check_output

__all__ = ["OUTPUT_FORMATS", "add_parser", "run"]

#: Output format by name, and the file extensions that select it.
OUTPUT_FORMATS = {"csv": (".csv",), "parquet": (".parquet", ".pq"), "c3d": (".c3d",), "mot": (".mot",)}
_HEAD_BYTES = 4096


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``convert`` verb."""
    p = sub.add_parser(
        "convert",
        help="convert a recording between formats (CSV, Parquet, C3D, OpenSim .mot; reads every format sensorkit reads)",
        description="Convert a recording. Reads every format sensorkit reads (generic CSV, Parquet, captures "
        "(.skr), PhysioNet gaitpdb, Moticon OpenGo, pedar, F-Scan, XDF); writes generic CSV, Parquet, C3D or "
        "OpenSim .mot external loads.",
    )
    p.add_argument("input", metavar="IN", help="recording to read (format detected)")
    p.add_argument("output", metavar="OUT", help="file to write (.csv, .parquet, .c3d or .mot)")
    p.add_argument(
        "--to", choices=sorted(OUTPUT_FORMATS), help="output format (default: from OUT's extension)"
    )
    p.add_argument("--layout", metavar="NAME|FILE", help="sensor layout, for inputs that do not name one")
    p.add_argument("--mass", type=float, metavar="KG", help="body mass in kg to store with the recording")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument(
        "--missing",
        choices=("error", "omit", "nan"),
        default="error",
        help=".mot only: frames a foot has no data in are refused (error, the default), left out (omit: "
        "OpenSim interpolates across them) or written as NaN (nan: for pandas, not ExternalLoads)",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON for raw-count captures (default: the capture's)",
    )
    add_read_options(p, layout=False)  # --sep --decimal --encoding --time-unit, named by the CSV hints
    p.set_defaults(run=run)


def _output_format(path: Path, to: str | None) -> str:
    if to:
        return to
    suffix = path.suffix.lower()
    for name, suffixes in OUTPUT_FORMATS.items():
        if suffix in suffixes:
            return name
    raise ValueError(
        f"cannot tell the output format from {path.name!r}: use a .csv, .parquet, .c3d or .mot name, "
        "or --to csv|parquet|c3d|mot"
    )


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def run(args: argparse.Namespace) -> int:
    """Convert ``args.input`` to ``args.output``; returns the exit status."""
    src, dst = Path(args.input), Path(args.output)
    fmt = _output_format(dst, args.to)
    if args.missing != "error" and fmt != "mot":
        raise ValueError(f"--missing is for .mot outputs; {fmt} keeps missing frames as NaN")
    check_output(dst, overwrite=args.force, inputs=[src])  # (the folder too)
    with working(f"reading {src}"):
        rec = read(src, body_mass_kg=args.mass, **read_kwargs(args))
    if fmt == "parquet":
        from sensorkit.io.parquet import write_parquet

        with progress() as bar:
            task = bar.add_task(f"writing {dst.name}", total=rec.n_frames)
            write_parquet(
                rec, dst, on_progress=lambda done, total: bar.update(task, completed=done), overwrite=True
            )  # (checked above)
    elif fmt == "c3d":
        from sensorkit.io.c3d import write_c3d

        with working(f"writing {dst}"):
            write_c3d(rec, dst, overwrite=args.force)
    elif fmt == "mot":
        from sensorkit.io.opensim import write_mot

        with working(f"writing {dst}"):
            write_mot(rec, dst, overwrite=args.force, missing=args.missing)
    else:
        from sensorkit.io.csv_generic import write_generic_csv

        with working(f"writing {dst}"):
            write_generic_csv(rec, dst)
    source_fmt = rec.metadata.get("format", "?")
    error_console.print(
        f"converted {src} ({source_fmt}, {rec.duration_s:.1f} s, {'+'.join(rec.sides)}, {rec.n_sensors} sensors, "
        f"{len(rec.gaps)} gaps) -> {dst} ({fmt}, {_size(dst)})",
        markup=False,
        soft_wrap=True,
    )
    return 0
