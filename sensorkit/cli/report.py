"""``sensorkit report FILE | A B ... | DIR``: the one report verb.

* one recording: the session report (HTML, optionally PDF and PNGs), as ``analyze --report``;
* several recordings: a comparison page (before/after, insole A/B) from ``sk.compare``;
* a folder: a cohort report from a ``sensorkit batch`` output.

The comparison and cohort pages are built by other parts of sensorkit; when they are not
installed the command says so in one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import sensorkit as sk
from sensorkit.cli import report_options
from sensorkit.cli.analyze import first_run_note
from sensorkit.cli.read_options import add_read_options, read_kwargs
from sensorkit.outputs import removed_on_failure

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``report`` verb."""
    p = sub.add_parser(
        "report",
        help="HTML/PDF report of a session, a comparison of sessions, or a cohort folder",
        description="One recording: its session report. Several: a comparison page. A folder: a cohort "
        "report from a batch output.",
    )
    p.add_argument("sources", nargs="+", metavar="FILE", help="recording(s), or one batch output folder")
    p.add_argument("-o", "--output", metavar="OUT.html", help="report file (default: <file name>.html here)")
    p.add_argument(
        "--force", action="store_true", help="replace an existing report (and its PDF and figure PNGs)"
    )
    p.add_argument("--mass", type=float, metavar="KG", help="body mass in kg (BW units)")
    p.add_argument("--png-dir", metavar="DIR", help="also write every figure as a PNG into DIR")
    p.add_argument("--no-recommend", action="store_true", help="leave the insole recommendation out")
    p.add_argument(
        "--same-person",
        action="store_true",
        help="several recordings: they are sessions of one person, whatever their subject identifiers "
        "or body masses say (as sensorkit compare --same-person)",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON for raw-count captures (default: the capture's)",
    )
    report_options.add_identity_options(p)
    add_read_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the report the sources ask for; returns the exit status."""
    sources = list(args.sources)
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--output {output}: the report is an HTML file; give a name ending in .html")
    if output is None:  # the library's default, named here to be checked before any work
        from sensorkit.report.api import default_output

        output = default_output(*sources)
    # an existing report is kept unless --force, whichever kind (as analyze --report does);
    # a session report's PDF and PNGs too
    session = len(sources) == 1 and not Path(sources[0]).is_dir()
    if not session:  # a comparison or a cohort page: say what does not apply instead of ignoring it
        given = [f"--{k.replace('_', '-')}" for k, v in report_options.identity_kwargs(args).items() if v]
        given += ["--png-dir"] if args.png_dir else []
        if given:
            what = "several recordings (a comparison)" if len(sources) > 1 else "a batch folder (a cohort)"
            verb = "applies" if len(given) == 1 else "apply"
            raise ValueError(f"{', '.join(given)} {verb} to the report of one recording, not of {what}")
    if args.same_person and len(sources) < 2:
        raise ValueError("--same-person applies to a comparison of several recordings")
    report_options.check_report_outputs(
        output, args.png_dir if session else None, bool(args.pdf) and session, args.force, sources
    )
    if not session:
        with report_options.working("building the comparison" if len(sources) > 1 else "reading the cohort"):
            result = sk.report(
                *sources,
                output=output,
                body_mass_kg=args.mass,
                overwrite=args.force,
                same_person=args.same_person,
                **read_kwargs(args),
            )
        report_options.say_written(result)
        return 0
    report_options.check_report_folders(output, args.png_dir)  # before the analysis, naming the option
    source = sources[0]
    with report_options.working(f"reading {source}"):
        rec = sk.read(source, **read_kwargs(args))
    with report_options.working(f"analysing {source}{first_run_note()}"):
        res = sk.analyze(rec, body_mass_kg=args.mass)
    from sensorkit.report import FIGURES

    # a failure half-way (a full disk, Ctrl-C) leaves none of this run's outputs behind
    planned = report_options.report_paths(output, args.png_dir, bool(args.pdf))
    with removed_on_failure(planned), report_options.progress() as bar:
        task = bar.add_task("rendering report figures", total=len(FIGURES))
        result = sk.report(
            rec,
            output=output,
            analysis=res,
            png_dir=args.png_dir,
            recommend=not args.no_recommend,
            on_figure=lambda spec: bar.advance(task),
            overwrite=args.force,
            **report_options.identity_kwargs(args),
        )
    report_options.report_written(result, args.png_dir)
    return 0
