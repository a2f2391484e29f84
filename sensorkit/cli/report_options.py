"""``--report OUT.html``, ``--pdf``, ``--png-dir DIR`` and the session identity options, plus progress display.

Identity options (``--subject --session --condition --notes``, ``--anonymize``) fill the
report header; they override what the recording's metadata says.

Hook into a command with::

    report_options.add_report_options(parser)           # in add_parser
    report_options.write_report_from_args(args, rec, res)  # in run, after sk.analyze

Progress and the closing "wrote ..." lines go to stderr, so ``--json`` output on stdout
stays valid JSON. Bars show only on a terminal.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from sensorkit.analysis.result import Analysis
from sensorkit.cli.console import error_console, printable
from sensorkit.io.outputs import input_files
from sensorkit.outputs import check_writable
from sensorkit.recording import Recording

__all__ = [
    "add_identity_options",
    "add_report_options",
    "check_report_folders",
    "identity_kwargs",
    "progress",
    "report_paths",
    "report_written",
    "say_written",
    "working",
    "write_report_from_args",
]

#: Options of the command that are passed on to ``sensorkit.recommend`` when present.
_RUNNER_KEYS = ("surface", "weekly_km", "back_pain", "pain_severity", "insole_age_months")


def add_identity_options(parser: argparse.ArgumentParser) -> None:
    """``--subject --session --condition --notes --anonymize --pdf``: what the report header says."""
    g = parser.add_argument_group("report header")
    g.add_argument("--subject", metavar="ID", help="subject id or name (default: the recording's)")
    g.add_argument("--session", metavar="TEXT", help="session label, e.g. 'visit 2'")
    g.add_argument("--condition", metavar="TEXT", help="condition, e.g. 'barefoot' or 'insole A'")
    g.add_argument("--notes", metavar="TEXT", help="free-text notes printed in the header")
    g.add_argument(
        "--anonymize",
        action="store_true",
        help=(
            "leave out what the file says about the person: subject name, notes, device serials, "
            "file name, date (year kept); a pseudonym given with --subject is kept"
        ),
    )
    g.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--report``, ``--png-dir`` and the identity options to a command's parser."""
    parser.add_argument(
        "--report",
        metavar="OUT.html",
        help="write a self-contained HTML report with plots (no network needed)",
    )
    parser.add_argument("--png-dir", metavar="DIR", help="also write every report figure as a PNG into DIR")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace output files that exist (--report, its PDF and --png-dir PNGs, --steps); an input is never replaced",
    )
    add_identity_options(parser)


def identity_kwargs(args: argparse.Namespace) -> dict:
    """The identity keyword arguments of :func:`sensorkit.report.write_report` from parsed options."""
    return {
        "subject": getattr(args, "subject", None),
        "session": getattr(args, "session", None),
        "condition": getattr(args, "condition", None),
        "notes": getattr(args, "notes", None),
        "anonymize": bool(getattr(args, "anonymize", False)),
        "pdf": bool(getattr(args, "pdf", False)) or None,
    }


class _Description(ProgressColumn):
    """A task's description as given (a file name is neither markup nor control codes)."""

    def render(self, task: Task) -> Text:
        return Text(printable(task.description), style="progress.description")


def progress(console: Console | None = None, *, transient: bool = True) -> Progress:
    """A rich progress bar on stderr (hidden off a terminal): spinner, text, bar, count, time."""
    console = console or error_console
    return Progress(
        SpinnerColumn(),
        _Description(),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal,
    )


@contextmanager
def working(description: str, console: Console | None = None) -> Iterator[None]:
    """Show a spinner with elapsed time while a block runs (for work without steps, e.g. ``sk.analyze``).

    Examples
    --------
    >>> with working("analysing run.csv"):  # doctest: +SKIP
    ...     res = sk.analyze(rec)
    """
    console = console or error_console
    if not console.is_terminal:
        yield
        return
    with console.status(Text(printable(description)), spinner="dots"):  # a Text: no markup in file names
        yield


def write_report_from_args(args: argparse.Namespace, recording: Recording, analysis: Analysis) -> dict | None:
    """Write the report and/or PNGs that ``args.report`` / ``args.png_dir`` ask for.

    Returns
    -------
    dict or None
        What :func:`sensorkit.report.write_report` returns, None when neither option is set.

    Raises
    ------
    OSError
        When the output folder does not exist or cannot be written (one-line CLI error).
    """
    report = getattr(args, "report", None)
    png_dir = getattr(args, "png_dir", None)
    if getattr(args, "pdf", False) and not report:
        raise ValueError("--pdf prints the HTML report: give --report OUT.html too")
    if not report and not png_dir:
        return None
    from sensorkit.report import FIGURES, write_report

    if report and Path(report).suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--report {report}: the report is an HTML file; give a name ending in .html")
    check_report_outputs(
        report, png_dir, getattr(args, "pdf", False), getattr(args, "force", False), input_files(recording)
    )
    check_report_folders(report, png_dir)
    with progress() as bar:
        task = bar.add_task("rendering report figures", total=len(FIGURES))
        runner = {k: getattr(args, k) for k in _RUNNER_KEYS if getattr(args, k, None) is not None}
        result = write_report(
            report,
            recording,
            analysis,
            png_dir=png_dir,
            runner=runner,
            on_figure=lambda spec: bar.advance(task),
            **identity_kwargs(args),
        )
    report_written(result, png_dir)
    return result


def check_report_outputs(
    report: str | Path | None, png_dir: str | Path | None, pdf: bool, force: bool, inputs: list
) -> None:
    """Refuse, before any work, each file a session report would replace without ``--force``:
    the HTML page, its PDF (the page's name with ``.pdf``) and every figure PNG in ``png_dir``
    (:func:`sensorkit.report.api.check_report_outputs`, which ``sk.report`` runs too).

    Raises
    ------
    OutputExistsError, SameFileError
        From :func:`sensorkit.outputs.check_output`, naming the first such file.
    """
    from sensorkit.report.api import check_report_outputs as check

    check(report, pdf=bool(report) and pdf, png_dir=png_dir, overwrite=force, inputs=inputs)


def check_report_folders(report: str | Path | None, png_dir: str | Path | None) -> None:
    """Refuse, before any work, a report or PNG folder that cannot be written (the PDF goes next
    to the report), naming the option: the analysis ran first and the error came at the end.

    Raises
    ------
    OutputNotWritableError, OutputFolderError
        From :func:`sensorkit.outputs.check_writable`.
    """
    if report:
        check_writable(report, what=f"--report {report}")
    if png_dir:
        check_writable(png_dir, what=f"--png-dir {png_dir}", folder=True)


def report_paths(report: str | Path | None, png_dir: str | Path | None, pdf: bool) -> list[Path]:
    """Every file and folder a session report may create: the page, its PDF, the PNG folder
    (with the parents it makes) and each figure PNG; for :func:`sensorkit.outputs.removed_on_failure`."""
    from sensorkit.report.api import report_outputs

    paths = report_outputs(report, pdf=bool(report) and pdf, png_dir=png_dir)
    if png_dir:
        folder = Path(png_dir)
        while str(folder) not in ("", ".") and folder != folder.parent:
            paths.append(folder)  # the folders mkdir(parents=True) may make; existing ones are kept
            folder = folder.parent
    return paths


def say_written(result: dict) -> None:
    """``wrote <file>`` on stderr for a comparison or cohort page."""
    if result.get("html") is not None:
        error_console.print(f"wrote report {result['html']}", markup=False, soft_wrap=True)


def report_written(result: dict, png_dir: str | None = None) -> None:
    """The closing "wrote ..." lines of a report on stderr."""
    if result.get("html") is not None:
        status = result.get("recommendation")
        note = {
            "ok": "",
            "skipped": " (no insole recommendation: not requested)",
        }.get(status, " (no insole recommendation: sensorkit.recommend unavailable)")
        error_console.print(
            f"wrote report {result['html']} ({result['bytes'] / 1024:.0f} kB){note}",
            markup=False,
            soft_wrap=True,
        )
    if result.get("pdf") is not None:
        error_console.print(f"wrote PDF {result['pdf']}", markup=False, soft_wrap=True)
    if result.get("pngs"):
        error_console.print(
            f"wrote {len(result['pngs'])} PNG figures to {png_dir}", markup=False, soft_wrap=True
        )
