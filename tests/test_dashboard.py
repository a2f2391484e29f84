"""Live dashboard: state from simulated chunks, rendering to text, keys, plain fallback."""

from __future__ import annotations

import io
import math
import re
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

import sensorkit as sk
from sensorkit.dashboard import DashboardState, plain_lines, render_dashboard
from sensorkit.dashboard.app import handle_key, run_dashboard
from sensorkit.dashboard.render import MAP_COLS, insole_map
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.errors import DeviceError


@pytest.fixture(scope="module")
def run():
    return sk.simulate(duration_s=12, seed=2, body_mass_kg=70)


def text_of(renderable, width=110) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def test_state_matches_batch_analysis(run):
    state = DashboardState.for_recording(run)
    state.feed_recording(run, chunk_frames=7)
    batch = sk.analyze(run).steps
    for side in ("left", "right"):
        last = batch[(batch["side"] == side) & batch["valid"]].tail(12)
        assert state.side_mean(side, "contact_time_s") == pytest.approx(
            last["contact_time_s"].mean(), rel=0.02
        )
        # VALR only from reliable steps (at 100 Hz none is: NaN on both sides of the comparison)
        reliable = last.loc[last["valr_reliable"], "valr_bw_s"]
        got = state.side_mean(side, "valr_bw_s")
        if len(reliable):
            assert got == pytest.approx(reliable.mean(), rel=0.05)
        else:
            assert math.isnan(got) and last["valr_bw_s"].notna().any()
    assert state.cadence_spm == pytest.approx(sk.analyze(run).cadence_spm, rel=0.03)
    assert state.sides["left"].samples == run.n_frames


def test_render_shows_feet_gait_steps_and_link(run):
    state = DashboardState.for_recording(run)
    state.feed_recording(run)
    out = text_of(render_dashboard(state, source="sim://"))
    for needle in (
        "sensorkit live  sim://",
        "left foot",
        "right foot",
        "medial →",
        "← medial",
        "last steps",
        "VALR BW/s",
        "packets",
        "q quit",
    ):
        assert needle in out, needle
    cadence = re.search(r"cadence\s+(\d+) steps/min", out)
    assert cadence and 160 <= int(cadence.group(1)) <= 180
    # VALR is "–" for a step without an impact peak when the trial's method is the impact peak
    step_rows = [
        ln for ln in out.splitlines() if re.search(r"(left|right)\s+\d+\.\d\s+\d{3}\s+(\d+|–)\s", ln)
    ]
    assert len(step_rows) == 8


def test_cop_dot_and_trail_appear_during_stance(run):
    steps = sk.analyze(run).steps
    left = steps[steps["side"] == "left"].iloc[3]
    state = DashboardState.for_recording(run)
    state.feed_recording(run, stop_s=float(left["t_contact_s"] + 0.12))
    text = insole_map(state.sides["left"]).plain
    assert text.count("●") == 1 and text.count("·") >= 2
    dot_row = next(i for i, ln in enumerate(text.splitlines()) if "●" in ln)
    assert dot_row >= 4  # mid-stance COP is behind the forefoot (toes are the top rows)


def test_map_is_seen_from_above(run):
    lay = run.layout
    medial_fore = np.flatnonzero((np.array(lay.region) == "forefoot") & (np.array(lay.ml) == "medial"))
    frame = np.zeros((5, lay.n_sensors), np.float32)
    frame[:, medial_fore] = 300.0
    state = DashboardState({"left": lay, "right": lay.mirror()}, 100.0, 70.0, analyse=False)
    t = np.arange(5) * 0.01
    state.add_frames("left", t, frame)
    state.add_frames("right", t, frame)
    for side, medial_half in (("left", "right"), ("right", "left")):
        rows = insole_map(state.sides[side]).plain.splitlines()
        cols = [c for row in rows[:8] for c, ch in enumerate(row.ljust(MAP_COLS)) if ch == "█"]
        assert cols, side
        centre = MAP_COLS / 2
        assert np.mean(cols) > centre + 1 if medial_half == "right" else np.mean(cols) < centre - 1


def test_link_quality_from_chunk_stats(run):
    state = DashboardState.for_recording(run, analyse=False)
    stats = LinkStats(packets_ok=480, samples=950, missing_samples=50, gaps=2, crc_errors=1)
    chunk = Chunk(
        "left",
        0,
        run.time[:10],
        np.arange(10),
        run.left[:10],
        "N",
        3,
        0.0,
        ({"start_s": 0, "end_s": 0.1, "side": "left", "n_missing": 50, "reason": "dropout"},),
        stats,
    )
    state.add(chunk)
    state.set_battery("left", 37)
    row = next(ln for ln in text_of(render_dashboard(state)).splitlines() if re.search(r"left\s+480", ln))
    assert re.search(r"480\s+5\.0\s+2\s+1\s+37 %", row), row


def test_plain_lines_for_pipes(run):
    state = DashboardState.for_recording(run)
    state.feed_recording(run, stop_s=5)
    lines = plain_lines(state)
    assert len(lines) == 3 and lines[0].split()[2] == "left" and "cadence" in lines[2]
    assert "\x1b" not in "".join(lines)


class FakeSession:
    """The parts of a device Session the dashboard uses, fed from a recording."""

    def __init__(self, rec, chunk=5, fail_tare=False):
        self.rec, self.k, self.chunk = rec, 0, chunk
        info = SimpleNamespace(layout=rec.layout.name, sample_rate_hz=rec.rate_hz, units=rec.units)
        self.devices = [
            SimpleNamespace(
                side=s,
                url="fake://",
                info=info,
                status=None,
            )
            for s in ("left", "right")
        ]
        self.tared, self.recorded, self.closed = 0, [], False
        self.capture, self.fail_tare = None, fail_tare
        self.side_i = 0

    def read(self, timeout_s=None):
        lo = self.k * self.chunk
        if lo >= self.rec.n_frames:
            raise StopIteration
        side = ("left", "right")[self.side_i]
        hi = min(lo + self.chunk, self.rec.n_frames)
        chunk = Chunk(
            side,
            self.side_i,
            self.rec.time[lo:hi],
            np.arange(lo, hi),
            self.rec.values(side)[lo:hi],
            "N",
            1,
            0.0,
            (),
            LinkStats(packets_ok=hi, samples=hi),
        )
        self.side_i ^= 1
        if self.side_i == 0:
            self.k += 1
        return chunk

    def tare(self):
        if self.fail_tare:
            raise DeviceError("left insole did not acknowledge TARE")
        self.tared += 1

    def record(self, path, overwrite=False):
        self.recorded.append(Path(path))
        self.capture = SimpleNamespace(path=Path(path), close=lambda: self.recorded.append("closed"))

    def close(self):
        self.closed = True

    def drain(self):
        return []


def test_keys_tare_record_and_quit_on_a_live_session(tmp_path):
    import time

    import sensorkit as sk
    from sensorkit.dashboard.app import state_for_session
    from sensorkit.io.capture import read_capture

    with sk.open("sim://?seed=3&rate=100") as session:
        state = state_for_session(session, body_mass_kg=70)
        first = session.read(timeout_s=1.0)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # more than a stride of running: a stance is in tare's window
            chunk = session.read(timeout_s=1.0)
            if chunk is not None and chunk.time[-1] - first.time[0] > 1.2:
                break
        # the simulated runner loads the insoles: 't' refuses to zero them, and says why (issue 13)
        assert (
            handle_key("t", session, state, tmp_path) and "not tared: the insole is loaded" in state.message
        )
        assert handle_key("r", session, state, tmp_path)  # start recording mid-session
        path = Path(state.recording)
        assert path.parent == tmp_path and path.suffix == ".skr" and session.capture is not None
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.8:
            session.read(timeout_s=0.2)
        assert handle_key("r", session, state, tmp_path)  # stop it; streaming goes on
        assert session.capture is None and state.recording is None and "stopped" in state.message
        assert session.read(timeout_s=1.0) is not None
        assert handle_key("x", session, state, tmp_path)  # unknown keys are ignored
        assert handle_key("q", session, state, tmp_path) is False
    rec = read_capture(path)  # a capture started and stopped mid-session opens
    assert rec.sides == ("left", "right") and rec.n_frames >= 50


def test_a_refused_tare_becomes_the_status_message(run, tmp_path):
    failing = FakeSession(run, fail_tare=True)
    state = DashboardState.for_recording(run, analyse=False)
    assert handle_key("t", failing, state, tmp_path) and "did not acknowledge" in state.message


def test_run_dashboard_plain_off_terminal_until_q(run, tmp_path):
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    session = FakeSession(run)
    script = iter([[]] * 400 + [["q"]])
    keys = SimpleNamespace(poll=lambda: next(script, ["q"]), enabled=True)
    ticks = iter(np.arange(0, 1e4, 0.01))
    status = run_dashboard(
        session, console=console, keys=keys, clock=lambda: next(ticks), record_dir=tmp_path
    )
    assert status == 0 and session.closed
    lines = out.getvalue().splitlines()
    assert lines and all("\x1b" not in ln for ln in lines)
    assert any(" left  force " in ln for ln in lines) and any("cadence" in ln for ln in lines)
    assert session.k * session.chunk < run.n_frames  # stopped by q, not by the end of the data


def test_run_dashboard_live_on_a_terminal(run):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=110, color_system=None)
    session = FakeSession(run, chunk=20)
    keys = SimpleNamespace(poll=lambda: [], enabled=False)
    assert run_dashboard(session, console=console, keys=keys, body_mass_kg=70) == 0
    text = out.getvalue()
    assert "sensorkit live  fake://" in text and "left foot" in text and "q quit" not in text  # no keys read


def test_dashboard_fits_80_by_24_without_cut_words_and_keeps_the_key_help(run):
    # before: columns cut to "conta…", "le…", the link panel and key help lost at 80 x 24
    state = DashboardState.for_recording(run)
    state.feed_recording(run)
    state.recording = "run.skr"
    console = Console(record=True, width=80, height=24, file=io.StringIO(), color_system=None)
    console.print(render_dashboard(state, source="sim://", width=80, height=24))
    lines = console.export_text().rstrip().splitlines()
    assert len(lines) <= 24 and max(len(ln) for ln in lines) <= 80
    text = "\n".join(lines)
    assert "…" not in text
    for needle in (
        "left foot",
        "right foot",
        "gait",
        "contact ms",
        "cadence",
        "last steps",
        "link",
        "q quit",
        "REC",
    ):
        assert needle in text, needle


def test_live_cop_is_the_analysis_cop(run):
    # one number, one computation: the trail holds the COP sk.analyze computes for the same
    # frames (COP kernel, baseline removed, NaN below the contact threshold), not a copy
    res = sk.analyze(run)
    state = DashboardState.for_recording(run)
    state.feed_recording(run, chunk_frames=9)
    cop = res.cop[res.cop["side"] == "left"].set_index("time_s")
    trail = list(state.sides["left"].trail)
    assert len(trail) > 20  # the last 1.5 s of stances
    t = np.array([p[0] for p in trail])
    np.testing.assert_allclose([p[1] for p in trail], cop.loc[t, "x_mm"], atol=1e-3)
    np.testing.assert_allclose([p[2] for p in trail], cop.loc[t, "y_mm"], atol=1e-3)
    # and frames the analysis leaves without a COP (force below its threshold) are not in the trail
    last_s = t.max()
    window = cop[(cop.index > last_s - 1.0) & (cop.index <= last_s)]
    assert set(np.round(t[t > last_s - 1.0], 9)) == set(np.round(window.index[window["x_mm"].notna()], 9))


def test_the_session_dashboard_refuses_raw_counts_and_closes_the_session():
    from sensorkit.calibrate.live import UncalibratedError
    from sensorkit.dashboard.app import run_session_dashboard
    from sensorkit.devices import open as open_devices

    session = open_devices("sim://?units=counts")
    with pytest.raises(UncalibratedError, match="the dashboard") as info:
        run_session_dashboard(session, duration_s=1, console=Console(file=io.StringIO()))
    # one insole's owner had no live view at all: the plain view shows counts without a calibration
    assert "--calibration cal.json" in info.value.hint and "add --plain" in info.value.hint
    deadline = time.monotonic() + 5.0
    with pytest.raises(StopIteration):  # closed: the queued chunks, then the end
        while time.monotonic() < deadline:
            session.read(timeout_s=0.2)


def test_samples_without_values_neither_warn_nor_crash_the_dashboard_and_the_plain_view(run):
    """A device that sends NaN for a sample it lacks (a Moticon export replayed over UDP) made the
    dashboard warn "All-NaN slice" and then crash drawing the force sparkline ("cannot convert
    float NaN to integer"); the plain view printed "mean nan N"."""
    import warnings

    from sensorkit.cli.stream import LiveView

    values = run.left.copy()
    values[::37] = np.nan  # whole samples without values
    state = DashboardState.for_recording(run)
    view = LiveView(0.0, ("left",), lambda line: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lo in range(0, run.n_frames, 10):
            sl = slice(lo, lo + 10)
            state.add_frames("left", run.time[sl], values[sl])
            view.add(SimpleNamespace(side="left", units="N", time=run.time[sl], values=values[sl], n_packets=1,
                                     gaps=()))  # fmt: skip
            text_of(render_dashboard(state, source="sim://"))
        view.finish()
    assert state.sides["left"].peak_scale > 100
    total = np.nansum(values, axis=1)
    for ln in view.lines:
        k = int(ln.split()[0])
        sec = (run.time >= k) & (run.time < k + 1) & np.isfinite(values[:, 0])
        assert float(ln.split()[4]) == pytest.approx(total[sec].mean(), abs=0.06), ln
        assert ln.endswith("without values"), ln


def test_standing_is_neither_a_step_in_the_table_nor_a_contact_in_the_cadence(run):
    # a maker's trial: the live views showed 4.6 s of standing as a step of dashes
    n = 460  # 4.6 s at 100 Hz, both feet carrying 350 N, between two runs
    stand = np.full((n, run.left.shape[1]), 350.0 / run.left.shape[1], np.float32)
    t = np.concatenate(
        [run.time, run.time[-1] + 0.01 * np.arange(1, n + 1), run.time[-1] + 4.6 + run.time[1:301]]
    )
    left = np.concatenate([run.left, stand, run.left[1:301]])
    right = np.concatenate([run.right, stand, run.right[1:301]])
    rec = sk.Recording.from_arrays(t, left, right, layout=run.layout, body_mass_kg=70)
    state = DashboardState.for_recording(rec)
    state.feed_recording(rec, chunk_frames=10)
    kept = [s for st in state.sides.values() for s in st.steps]
    assert any(not s["valid"] for s in kept)  # the analyser did report the standing stance
    shown = state.recent_steps()
    assert shown and all(s["valid"] and math.isfinite(s["contact_time_s"]) for s in shown)

    # the cadence counts the contacts of steps only (the standing stance is none)
    def cadence(steps):
        t = sorted(st["t_contact_s"] for st in steps)
        t = [x for x in t if x >= t[-1] - 10.0]
        return 60.0 * (len(t) - 1) / (t[-1] - t[0])

    assert state.cadence_spm == pytest.approx(cadence(shown)) and cadence(shown) != cadence(kept)
