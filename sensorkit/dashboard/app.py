"""The live loop: read chunks from a device session, update the state, redraw, handle keys.

On a terminal the dashboard redraws a few times per second in place (rich ``Live``) and
reads single keys: ``q`` quits, ``t`` tares, ``r`` starts or stops a raw capture. Off a
terminal (a pipe, a log file) it prints :func:`~sensorkit.dashboard.render.plain_lines`
once per second instead and reads no keys.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live

from sensorkit._console import SafeConsole
from sensorkit.dashboard.keys import KeyReader
from sensorkit.dashboard.render import plain_lines, render_dashboard
from sensorkit.dashboard.state import DashboardState
from sensorkit.errors import SensorkitError
from sensorkit.io.outputs import unique_path

__all__ = ["handle_key", "run_dashboard", "run_session_dashboard", "state_for_session"]

REFRESH_HZ = 4.0
PLAIN_INTERVAL_S = 1.0


def state_for_session(session: Any, body_mass_kg: float | None = None) -> DashboardState:
    """A :class:`DashboardState` for the devices of an open session
    (:meth:`DashboardState.for_session`), showing the capture being written."""
    state = DashboardState.for_session(session, body_mass_kg)
    capture = getattr(session, "capture", None)
    if capture is not None:
        state.recording = str(capture.path)
    return state


def _stop_recording(session: Any) -> str:
    return str(session.stop_recording())


def handle_key(key: str, session: Any, state: DashboardState, record_dir: Path) -> bool:
    """Act on one key; returns False when the dashboard should quit.

    ``q`` quits, ``t`` tares both insoles, ``r`` starts a capture named
    ``sensorkit-YYYYmmdd-HHMMSS.skr`` in ``record_dir`` (``-2``, ``-3``... when that name is
    taken, so no capture is ever replaced) or stops the one running.
    Device errors become the status message instead of ending the session.
    """
    if key == "q":
        return False
    try:
        if key == "t":
            session.tare()
            state.message = "tared (zeroed) the insoles"  # refused while loaded (a DeviceError, below)
        elif key == "r":
            if getattr(session, "capture", None) is not None:
                path = _stop_recording(session)
                state.recording = None
                state.message = f"stopped recording {path}"
            else:
                stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                path = unique_path(record_dir, f"sensorkit-{stamp}", ".skr")  # -2, -3 within one second
                try:
                    session.record(path, overwrite=True)  # (the empty file unique_path reserved)
                except BaseException:
                    path.unlink(missing_ok=True)
                    raise
                state.recording = str(path)
                state.message = f"recording to {path}"
    except (SensorkitError, OSError, ValueError) as exc:
        state.message = f"{key}: {exc}"
    return True


def _batteries(session: Any, state: DashboardState) -> None:
    for dev in session.devices:
        status = getattr(dev, "status", None)
        if status is not None:
            state.set_battery(dev.side, getattr(status, "battery", None))


def run_session_dashboard(session: Any, **kwargs: Any) -> int:
    """:func:`run_dashboard` for a device session, which must stream forces in N or kPa.

    Raises
    ------
    UncalibratedError
        When the session streams raw counts (the session is closed first); the message says
        how to calibrate.
    """
    from sensorkit.calibrate.live import UncalibratedError

    try:
        session.require_physical_units("the dashboard (forces in N and body weights)")
    except UncalibratedError as exc:
        session.close()
        if exc.hint is None:
            raise
        raise UncalibratedError(
            str(exc), hint=f"{exc.hint}; to watch the raw counts now, add --plain"
        ) from None
    except BaseException:
        session.close()
        raise
    return run_dashboard(session, **kwargs)


def run_dashboard(
    session: Any,
    *,
    duration_s: float | None = None,
    body_mass_kg: float | None = None,
    console: Console | None = None,
    record_dir: str | Path = ".",
    keys: Any = None,
    refresh_hz: float = REFRESH_HZ,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Show the live dashboard for ``session`` until ``q``, Ctrl-C, the end of the data or ``duration_s``.

    Parameters
    ----------
    session : Session
        From :func:`sensorkit.devices.open` (anything with ``devices``, ``read``, ``tare``,
        ``record``, ``capture`` and ``close``).
    duration_s : float, optional
        Stop after this many seconds.
    body_mass_kg : float, optional
        For BW units and the contact threshold.
    console : rich Console, optional
        Default: a new console on stdout that writes control characters in text (a device's
        name) as ``\\xNN``. Off a terminal the output is plain lines.
    record_dir : str or Path
        Where ``r`` writes captures.
    keys : object with ``poll() -> list[str]``, optional
        Default: a :class:`KeyReader` on stdin (no keys when stdin is not a terminal).
    refresh_hz : float
        Redraws per second.

    Returns
    -------
    int
        Exit status (0). The session is closed on return.

    Examples
    --------
    >>> from sensorkit.devices import open as open_devices
    >>> run_dashboard(open_devices("sim://"), duration_s=10)  # doctest: +SKIP
    """
    console = console or SafeConsole()
    state = state_for_session(session, body_mass_kg)
    source = " + ".join(dict.fromkeys(str(d.url) for d in session.devices))
    start = clock()
    reader = keys if keys is not None else KeyReader()
    live_view = console.is_terminal and not console.is_dumb_terminal
    period = 1.0 / refresh_hz if live_view else PLAIN_INTERVAL_S
    next_draw = start
    running = True

    def draw(live: Live | None) -> None:
        _batteries(session, state)
        if live is not None:
            size = console.size
            live.update(
                render_dashboard(
                    state, source=source, keys=key_enabled, width=size.width, height=size.height
                ),
                refresh=True,
            )
        elif state.n_chunks:
            for line in plain_lines(state):
                console.print(line, markup=False, highlight=False, soft_wrap=True)

    enter = getattr(reader, "__enter__", None)
    if enter is not None:
        enter()
    key_enabled = bool(getattr(reader, "enabled", True))
    live = Live(console=console, auto_refresh=False, transient=False) if live_view else None
    try:
        if live is not None:
            live.start()
        while running and (duration_s is None or clock() - start < duration_s):
            try:
                chunk = session.read(timeout_s=0.05)
            except StopIteration:
                break
            if chunk is not None:
                state.add(chunk)
            for key in reader.poll():
                running = handle_key(key, session, state, Path(record_dir)) and running
            if clock() >= next_draw:
                draw(live)
                next_draw = clock() + period
    except KeyboardInterrupt:
        pass
    finally:
        try:
            session.close()
        finally:
            for chunk in getattr(session, "drain", list)():
                state.add(chunk)
            draw(live)
            if live is not None:
                live.stop()
            exit_ = getattr(reader, "__exit__", None)
            if exit_ is not None:
                exit_(None, None, None)
    if state.recording:
        console.print(f"recorded to {state.recording}", markup=False, highlight=False)
    return 0
