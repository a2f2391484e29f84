"""The ``sensorkit`` command line: one module per verb, each with ``add_parser`` and ``run``.

Errors raised on purpose (:class:`sensorkit.errors.SensorkitError`) and bad arguments are
printed as one clear line plus a hint; ``--debug`` (before or after the verb) shows the
traceback instead. Warnings print as one ``warning: ...`` line; user text is never parsed as
rich markup.

Start-up is cheap (issue 17): only the module of the verb being run is imported;
``sensorkit --help`` imports none of them (it lists :data:`COMMANDS`, whose one-line help
``tests/test_cli_startup.py`` checks against what each module registers). When Numba's
kernel cache is cold, one line on stderr says that the kernels are being compiled.
When the program reading stdout stops early (``| head``), the command ends quietly with
:data:`EXIT_BROKEN_PIPE`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from sensorkit import __version__
from sensorkit.errors import SensorkitError

__all__ = ["COMMANDS", "EXIT_BROKEN_PIPE", "build_parser", "main"]

_DEBUG_HELP = "show tracebacks instead of one-line errors"

#: Verbs in the order ``--help`` lists them: name -> (module, one-line help as the module registers it).
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("sensorkit.cli.demo", "simulate a run, analyse it and print a summary (no hardware)"),
    "stream": ("sensorkit.cli.stream", "live view of insoles (default sim://); Ctrl-C stops"),
    "serve": (
        "sensorkit.cli.serve",
        "live view in a web browser (phone, tablet) with recording, tags and biofeedback",
    ),
    "record": ("sensorkit.cli.record", "record insoles to a raw capture file (.skr); Ctrl-C stops"),
    "replay": ("sensorkit.cli.replay", "replay a capture file (.skr) with the live view"),
    "devices": ("sensorkit.cli.devices", "list serial ports and nearby BLE insoles"),
    "analyze": ("sensorkit.cli.analyze", "gait events, loading rates and asymmetry of a recording"),
    "report": (
        "sensorkit.cli.report",
        "HTML/PDF report of a session, a comparison of sessions, or a cohort folder",
    ),
    "recommend": (
        "sensorkit.cli.recommend",
        "insole advice for the recording's activity, with the evidence behind each item",
    ),
    "compare": (
        "sensorkit.cli.compare",
        "insole trial: compare sessions with different insoles against a baseline, comfort first",
    ),
    "batch": (
        "sensorkit.cli.batch",
        "analyse many recordings into one steps table and one sessions table (Parquet dataset)",
    ),
    "calibrate": (
        "sensorkit.cli.calibrate",
        "guided calibration of an insole pair or one insole (tare, body-weight gain, drift check)",
    ),
    "simulate": ("sensorkit.cli.simulate", "write a simulated insole recording (generic CSV)"),
    "convert": (
        "sensorkit.cli.convert",
        "convert a recording between formats (CSV, Parquet, C3D, OpenSim .mot; reads every format sensorkit reads)",
    ),
}


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser.

    Parameters
    ----------
    commands : iterable of str, optional
        Verbs whose modules are imported and whose full parsers are registered; the others
        are listed with their one-line help only. Default: all of them.
    """
    full = set(COMMANDS) if commands is None else set(commands)
    parser = argparse.ArgumentParser(
        prog="sensorkit",
        description="Plantar-pressure insoles: stream, record, replay, analyse, recommend.",
        epilog="Run 'sensorkit demo' for a tour without hardware.",
    )
    parser.add_argument("--version", action="version", version=f"sensorkit {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        if name in full:
            importlib.import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=help_text)
    for verb in sub.choices.values():  # --debug after the verb too (SUPPRESS keeps the top-level value)
        verb.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


def _verb(argv: Sequence[str]) -> str | None:
    """The verb on a command line (the first word that is not an option), if it is one."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sensorkit`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # NumPy asks the kernel for transparent huge pages on every large array; where THP defrag
    # is "madvise" (Ubuntu's and Debian's default) each first touch can then stall in memory
    # compaction: reading 8 h of 2 x 16 at 1 kHz took 3.6 s instead of 0.6 s to fault in its
    # arrays, and `analyze --report` 16.5 s instead of 13.2 s (docs/performance.md, goal 5).
    # NumPy's documented switch is read when NumPy is imported, so it is set only when NumPy
    # is not loaded yet (the console script), never over the user's own setting, and only for
    # the duration of the command (workers that `batch` spawns inherit it).
    own = "numpy" not in sys.modules and "NUMPY_MADVISE_HUGEPAGE" not in os.environ
    if own:
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
    try:
        status = _run(argv)
        if sys.stdout is not None:  # None when the command was started with stdout closed
            sys.stdout.flush()  # a reader that stopped early is seen here at the latest
        return status
    except BrokenPipeError:
        return _reader_gone()
    finally:
        if own:
            os.environ.pop("NUMPY_MADVISE_HUGEPAGE", None)


#: Exit status when the program reading stdout stopped early (``sensorkit analyze f | head -1``):
#: 128 + SIGPIPE, what a shell shows for a command ended by a closed pipe.
EXIT_BROKEN_PIPE = 141


def _reader_gone() -> int:
    """Stop quietly when stdout's reader is gone: nothing to tell it, and no error on stderr.

    stdout is pointed at the null device so that Python's own flush at exit does not fail
    again (the recipe of the Python docs, "Note on SIGPIPE" in the signal module).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a descriptor (replaced in tests)
        pass
    return EXIT_BROKEN_PIPE


def _run(argv: list[str]) -> int:
    verb = _verb(argv)
    parser = build_parser(() if verb is None else (verb,))
    args, extra = parser.parse_known_args(argv)
    if extra:  # the verb's own usage, and the option meant (the top-level usage said nothing)
        _unrecognized(parser, verb, extra)
    if args.command is None:
        parser.print_help()
        return 2
    from sensorkit._jit_cache import announce_compilation, kernel_cache_is_cold

    helper = None
    if kernel_cache_is_cold():
        announce_compilation()
        if args.command in _ANALYSING_VERBS:
            from sensorkit import _warmup

            helper = _warmup.start_helper()  # compiles from the other end of the pipeline
    from sensorkit.cli.console import one_line_warnings

    try:
        with one_line_warnings():
            return run_stoppable(lambda: args.run(args), debug=args.debug)
    finally:
        if helper is not None:
            _warmup.stop_helper(helper)


def run_stoppable(run: Callable[[], int | None], *, debug: bool = False) -> int:
    """Run a command with the stops of :func:`_polite_stops_interrupt`; its exit status.

    Parameters
    ----------
    run : callable
        The command; returns its status (None is 0).
    debug : bool
        Let errors through with their traceback instead of one line.

    Returns
    -------
    int
        The command's status, 1 after an error (printed in one line with its hint), or the
        status of a stop (:func:`_stop_status`).
    """
    stops: list[int] = []  # the signals (Ctrl-C, SIGTERM, SIGHUP) that stopped the command, in order
    try:
        with _polite_stops_interrupt(stops):
            status = int(run() or 0)
    except KeyboardInterrupt:
        _print_error("interrupted")
        status = 130
    except BrokenPipeError:
        raise  # not an error of the command: main() ends quietly
    except (SensorkitError, ValueError, OSError) as exc:
        if debug:
            raise
        _print_error(str(exc), getattr(exc, "hint", None))
        return 1
    except Exception:
        if not stops or debug:
            raise
        # a stop that lands inside a kernel's first compilation surfaces as Numba's own error
        # ("no compiled object yet") once its callback has swallowed the interrupt
        _print_error("interrupted")
        status = 130
    return _stop_status(status, stops)


def _stop_status(status: int, stops: Sequence[int]) -> int:
    """The exit status of a command that ended with ``status`` after the stops in ``stops``.

    A command that takes the stop as its normal end (``record``, ``stream``, ``serve``: the
    capture closed, the summary printed) exits with its own status, 0, whichever signal it
    was, as a service that shuts down cleanly does. A stop that cuts a command short (the
    interrupt reached the top: ``status`` 130) exits 128 + the first signal's number: 130
    for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP, the shell's convention, so a supervisor can
    tell ``timeout`` or systemd from Ctrl-C. An error while stopping keeps its status (1).

    Parameters
    ----------
    status : int
        The status the command returned (130 when the interrupt reached the top).
    stops : sequence of int
        The signals :func:`_polite_stops_interrupt` turned into the interrupt, in order.

    Returns
    -------
    int
        The process's exit status.
    """
    return 128 + stops[0] if stops and status == 130 else status


@contextlib.contextmanager
def _polite_stops_interrupt(stops: list[int] | None = None) -> Iterator[None]:
    """Ctrl-C (SIGINT), SIGTERM (``timeout``, systemd, ``docker stop``) and SIGHUP (the terminal
    closed) stop a command alike, with a :class:`KeyboardInterrupt`, so a recording closes its
    capture with its end record and prints its summary (SIGTERM and SIGHUP ended the process at
    once, leaving a file that read as killed). After the first stop SIGTERM and SIGHUP are
    ignored, so that the cleanup is not cut (``timeout`` then the terminal closing, or Ctrl-C
    then systemd); a second Ctrl-C still interrupts it, as a person insisting. A signal
    ignored by whoever started us (``nohup`` ignores SIGHUP, a shell's background job
    SIGINT) stays ignored, a SIGINT handler other than Python's is kept, and the previous
    handlers come back afterwards (``main`` may run inside another program). A stop raised
    inside a C callback, where Python can only print it as "Exception ignored" with a
    traceback (Numba's object-cache notice during a first run's compilation), is not printed:
    the command says "interrupted" once.

    Parameters
    ----------
    stops : list of int, optional
        Gets the number of each stop signal appended, for the exit status (:func:`_stop_status`).
    """
    import signal

    polite = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]

    def interrupt(signum: int, frame: object) -> None:
        for sig in polite:  # once: a second SIGTERM or SIGHUP must not cut the cleanup
            signal.signal(sig, signal.SIG_IGN)
        if stops is not None:
            stops.append(signum)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    polite = [sig for sig in polite if signal.getsignal(sig) is not signal.SIG_IGN]
    wanted = list(polite)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        wanted.append(signal.SIGINT)
    previous = {sig: signal.signal(sig, interrupt) for sig in wanted}
    unraisable = sys.unraisablehook

    def quiet_stop(info) -> None:  # the stop raised inside a C callback (Numba's cache notice)
        if not issubclass(info.exc_type, KeyboardInterrupt):
            unraisable(info)  # whose traceback Python prints as "Exception ignored": it is the stop

    sys.unraisablehook = quiet_stop
    try:
        yield
    finally:
        sys.unraisablehook = unraisable
        for sig, handler in previous.items():
            if handler is not None:  # (None: a handler set outside Python, which cannot be put back)
                signal.signal(sig, handler)


def _unrecognized(parser: argparse.ArgumentParser, verb: str | None, extra: list[str]) -> None:
    """Exit with argparse's error for ``extra``, from the verb's parser, naming the closest
    option of each misspelled one (``--masss`` -> ``--mass``)."""
    import difflib

    target = parser
    if verb is not None:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        target = sub.choices[verb]
    options = [o for a in target._actions for o in a.option_strings if o.startswith("--")]
    hints = []
    for word in extra:
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1, cutoff=0.75)
            if close:
                hints.append(f"did you mean {close[0]}?")
    target.error(f"unrecognized arguments: {' '.join(extra)}" + (f" ({'; '.join(hints)})" if hints else ""))


#: Verbs that analyse a recording: on a cold kernel cache they start the compiling helper
#: (sensorkit._warmup) beside them.
_ANALYSING_VERBS = frozenset({"demo", "analyze", "report", "recommend", "compare", "batch", "replay"})


def _print_error(message: str, hint: str | None = None) -> None:
    from sensorkit.cli.console import print_error

    print_error(message, hint)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
