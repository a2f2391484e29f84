"""How a command ends when it is stopped: Ctrl-C, SIGTERM and SIGHUP, each sent for real to a
child process running :func:`sensorkit.cli.run_stoppable` (the wrapper of every command)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def _run(body: str) -> subprocess.CompletedProcess:
    """Run ``body`` (the command, a function ``command()``) under run_stoppable in a child."""
    code = textwrap.dedent(
        """
        import os, signal, sys, time
        from sensorkit.cli import run_stoppable
        {body}
        sys.exit(run_stoppable(command))
        """
    ).format(body=textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # a child of a background shell job may start with SIGINT ignored: start it with the default
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.mark.parametrize(("sig", "status"), [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_stop_that_cuts_a_command_short_exits_128_plus_the_signal(sig, status):
    done = _run(
        f"""
        def command():
            os.kill(os.getpid(), signal.{sig})
            time.sleep(10)
            print("not reached")
        """
    )
    assert done.returncode == status, done.stderr
    assert "interrupted" in done.stderr and "not reached" not in done.stdout


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_command_that_takes_the_stop_as_its_end_exits_0(sig):
    # record, stream and serve catch the interrupt, close their capture and print a summary
    done = _run(
        f"""
        def command():
            try:
                os.kill(os.getpid(), signal.{sig})
                time.sleep(10)
            except KeyboardInterrupt:
                print("summary")
            return 0
        """
    )
    assert (done.returncode, done.stdout.strip()) == (0, "summary"), done.stderr


def test_sigterm_during_the_cleanup_of_a_ctrl_c_does_not_cut_it():
    # Ctrl-C, then systemd's SIGTERM while the capture closes: the second stop cut the cleanup
    done = _run(
        """
        def command():
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(10)
            except KeyboardInterrupt:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.2)
                print("closed")
            return 0
        """
    )
    assert (done.returncode, done.stdout.strip()) == (0, "closed"), done.stderr


def test_a_stop_swallowed_inside_a_compilation_still_ends_as_the_stop():
    # A SIGTERM landing in Numba's object-cache callback (a ctypes callback) is swallowed there
    # and printed as "Exception ignored" with a traceback, and the kernel call then fails with
    # "RuntimeError: no compiled object yet": the first run ended with exit 1 and two
    # tracebacks instead of the stop
    done = _run(
        """
        def command():
            import ctypes

            @ctypes.CFUNCTYPE(None)
            def notify():  # a C callback, as llvmlite's: Python reports its exception as unraisable
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)

            notify()
            raise RuntimeError("no compiled object yet for <Library 'cop_frames'>")
        """
    )
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip() == "error: interrupted"


def test_an_error_without_a_stop_is_not_taken_for_one():
    done = _run(
        """
        def command():
            raise RuntimeError("a real bug")
        """
    )
    assert done.returncode == 1 and "RuntimeError: a real bug" in done.stderr


def test_an_error_while_stopping_keeps_its_status():
    # closing a capture on a full disk after SIGTERM: the error, exit 1, not a clean stop
    done = _run(
        """
        def command():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)
            except KeyboardInterrupt:
                raise OSError(28, "No space left on device")
        """
    )
    assert done.returncode == 1 and "No space left on device" in done.stderr
