"""stream / record / replay commands: the done-when check (stream with --record, then replay shows the same numbers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sensorkit.cli import record as record_cli
from sensorkit.cli import replay as replay_cli
from sensorkit.cli import stream as stream_cli
from sensorkit.cli.stream import standalone

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_stream_with_record_then_replay_prints_the_same_numbers(tmp_path, capsys):
    path = tmp_path / "run.skr"
    assert (
        standalone(
            stream_cli.add_parser, "stream", ["--record", str(path), "--duration", "2.2", "--mass", "70"]
        )
        == 0
    )
    live = capsys.readouterr().out
    assert standalone(replay_cli.add_parser, "replay", [str(path), "--speed", "0"]) == 0
    replayed = capsys.readouterr().out
    per_second = [ln for ln in live.splitlines() if " samples " in ln]
    assert len(per_second) >= 4  # seconds 0, 1, 2 for both sides
    assert per_second == [ln for ln in replayed.splitlines() if " samples " in ln]
    steps = [ln for ln in live.splitlines() if "step " in ln]
    assert steps == [ln for ln in replayed.splitlines() if "step " in ln]


@pytest.mark.slow
def test_ctrl_c_stops_stream_cleanly_and_closes_the_recording(tmp_path):
    path = tmp_path / "ctrlc.skr"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sensorkit.cli.stream", "--record", str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < 20_000):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "recorded" in out and "Traceback" not in err
    from sensorkit.io.capture import CaptureReader

    reader = CaptureReader(path)
    assert sum(1 for _ in reader.records(warn=False)) > 50 and reader.cut is None


def test_record_command_writes_a_capture_for_the_duration(tmp_path, capsys):
    path = tmp_path / "r.skr"
    assert (
        standalone(
            record_cli.add_parser,
            "record",
            ["sim://?side=left", "-o", str(path), "--duration", "0.6", "--mass", "65"],
        )
        == 0
    )
    out = capsys.readouterr().out
    assert f"wrote {path}" in out
    from sensorkit.io.capture import read_capture

    rec = read_capture(path)
    assert rec.sides == ("left",) and rec.body_mass_kg == 65 and 0.3 < rec.duration_s < 1.5


def test_bad_url_is_one_line_error(capsys):
    assert standalone(stream_cli.add_parser, "stream", ["usb://nothing", "--duration", "0.1"]) == 1
    err = capsys.readouterr().err
    assert "unknown device scheme" in err and "Traceback" not in err


def _step(**kw) -> dict:
    base = {"side": "left", "t_contact_s": 10.5, "contact_time_s": 0.25, "peak_force_bw": 2.4,
            "strike_pattern": "rearfoot", "activity": "running", "valr_bw_s": 91.2,
            "valr_samples": 1, "valr_reliable": False, "loading_rate_bw_s": float("nan"),
            "loading_rate_samples": 0}  # fmt: skip
    return {**base, **kw}


def test_a_live_step_line_never_prints_an_unreliable_loading_rate_as_a_number():
    # a new user saw "VALR 91 BW/s" live for steps whose 20-80 % window held one sample, which
    # the analysis reports as unreliable (and a clinician would read against 66 BW/s)
    line = stream_cli._step_line(_step(), t0=10.0)
    assert "VALR unreliable (1 sample in its window)" in line and "91" not in line
    line = stream_cli._step_line(_step(valr_samples=6, valr_reliable=True), t0=10.0)
    assert "VALR 91 BW/s" in line and "at    0.50 s" in line
    assert "VALR -" in stream_cli._step_line(_step(valr_bw_s=float("nan"), valr_samples=0), t0=0.0)
    # walking steps: the walking loading rate, with enough samples only
    walk = _step(activity="walking", valr_bw_s=float("nan"), loading_rate_bw_s=10.46, loading_rate_samples=9)
    assert "loading rate 10.5 BW/s" in stream_cli._step_line(walk, t0=0.0)
    walk["loading_rate_samples"] = 2
    line = stream_cli._step_line(walk, t0=0.0)
    assert "loading rate - BW/s" in line and "VALR" not in line


def test_the_plain_live_view_prints_every_step_even_one_found_after_its_second_was_printed():
    """A step comes a few frames after its toe-off; when the toe-off fell just before a second's
    end, that second was printed first and the step was filed under it and never printed
    (a replay printed 13 of 14 steps)."""
    from types import SimpleNamespace

    import sensorkit as sk
    from sensorkit.cli.stream import LiveView

    rec = sk.simulate(duration_s=12, seed=1)
    batch = sk.analyze(rec)
    analysers = {s: sk.StreamingAnalyzer(rec.layout, rec.rate_hz, sides=(s,)) for s in ("left", "right")}
    found: list = []
    for t0 in [
        k / 10 for k in range(10)
    ]:  # second boundaries at every offset: some fall just after a toe-off
        view = LiveView(-t0, ("left", "right"), lambda line: None,
                        {s: sk.StreamingAnalyzer(rec.layout, rec.rate_hz, sides=(s,)) for s in ("left", "right")})  # fmt: skip
        for lo in range(rec.n_frames):  # a frame a chunk (a replay's packets), the sides alternating
            for side in ("left", "right"):
                values = getattr(rec, side)[lo : lo + 1]
                view.add(SimpleNamespace(side=side, units="N", time=rec.time[lo : lo + 1], values=values,
                                         n_packets=1, gaps=()))  # fmt: skip
        view.finish()
        found.append(sum(" step " in line for line in view.lines))
    emitted = 0
    for side, sa in analysers.items():
        for lo in range(0, rec.n_frames, 5):
            steps = sa.feed(rec.time[lo : lo + 5], **{side: getattr(rec, side)[lo : lo + 5]}).steps
            emitted += sum(not st.get("truncated") for st in steps)  # a truncated stance is not printed
    assert emitted >= len(batch.steps) - 4  # the analyser finds them (the last ones may stay open)
    assert found == [emitted] * len(found), found


def test_the_live_view_says_when_a_link_is_lost_and_when_it_comes_back(capsys):
    """With ?reconnect=1 an unplugged insole was silent until the session ended (a device
    tester): nothing said the link was lost, or that it came back."""
    import socket
    import threading

    from sensorkit.cli import main

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    port = server.getsockname()[1]
    stop = threading.Event()

    def board():
        for _ in range(2):  # two connections: the first closes after 0.5 s
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                t0 = time.monotonic()
                k = 0
                while not stop.is_set() and time.monotonic() - t0 < 0.5:
                    line = f"t{1000 + 5000 * k}," + ",".join(str(50 + j) for j in range(16)) + "\n"
                    try:
                        conn.sendall(line.encode())
                    except OSError:
                        return
                    k += 1
                    time.sleep(0.005)

    thread = threading.Thread(target=board, daemon=True)
    thread.start()
    url = f"tcp://127.0.0.1:{port}?format=csv&layout=ref16&rate=200&units=N&side=left&reconnect=1"
    try:
        main(["stream", url, "--plain", "--duration", "2"])
    finally:
        stop.set()
        server.close()
        thread.join(2)
    out = capsys.readouterr().out
    assert "left: link lost: tcp://127.0.0.1" in out and "; reconnecting" in out, out
    assert "left: reconnected" in out


def test_the_plain_view_says_raw_counts_are_the_sum_over_the_insoles_channels(capsys):
    """A raw-count insole's line read "mean 17030.2 counts" without saying that this is the sum
    of its 16 channels' counts, not one sensor's reading (new-user tester); a force in N is the
    insole's total and needs no label."""
    from sensorkit.cli import main

    assert main(["stream", "sim://?units=counts", "--plain", "--duration", "1.5"]) == 0
    counts = [ln for ln in capsys.readouterr().out.splitlines() if " samples " in ln and " mean " in ln]
    assert {ln.split()[2] for ln in counts} == {"left", "right"}, counts
    for ln in counts:  # the simulated pair has the ref16 layout: 16 channels a foot
        assert ln.split()[5] == ln.split()[8] == "counts", ln
        assert ln.endswith("  (sum of 16 channels, counts)"), ln
    assert main(["stream", "sim://", "--plain", "--duration", "1.2"]) == 0
    newtons = [ln for ln in capsys.readouterr().out.splitlines() if " samples " in ln and " mean " in ln]
    assert newtons and all(ln.split()[5] == "N" and "sum of" not in ln for ln in newtons), newtons


def _free_udp_port() -> int:
    from conftest import free_udp_port

    return free_udp_port()


def _moticon_sender(port: int, seconds: float, nan_every: int = 0):
    """A thread sending a simulated walk as Moticon OpenGo datagrams to 127.0.0.1:port at 100 Hz
    (N/cm2 from the simulator's forces and the layout's areas); every ``nan_every``-th datagram
    says ``nan`` for its left pressures. Returns (recording, thread, stop event)."""
    import socket
    import threading

    import numpy as np

    import sensorkit as sk
    from sensorkit.layout import load_layout

    rec = sk.simulate(duration_s=seconds + 3, seed=4)
    area_cm2 = np.asarray(load_layout("moticon-s7-estimated").area_mm2) / 100.0
    pressure = {s: rec.forces_n(s) / area_cm2 for s in ("left", "right")}  # N/cm2, as Moticon sends
    stop = threading.Event()

    def sender():
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t0 = time.monotonic()
        for k in range(rec.n_frames):
            if stop.is_set():
                break
            vals = [1000.0 + k * 0.01]
            for s in ("left", "right"):
                p = pressure[s][k] * (np.nan if nan_every and s == "left" and k % nan_every == 0 else 1.0)
                vals += [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1, 0.5, *p, float(rec.forces_n(s)[k].sum())]
            out.sendto((" ".join(f"{v:.4f}" for v in vals) + "\n").encode(), ("127.0.0.1", port))
            time.sleep(max(0.0, t0 + (k + 1) * 0.01 - time.monotonic()))
        out.close()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    return rec, thread, stop


def _moticon_udp_session(capsys, *extra: str, seconds: float = 2.5):
    """``sensorkit stream udp://...?profile=moticon-udp --plain`` while :func:`_moticon_sender`
    sends a simulated walk; returns the simulated recording and the printed lines."""
    from sensorkit.cli import main

    port = _free_udp_port()
    rec, thread, stop = _moticon_sender(port, seconds)
    try:
        main(
            [
                "stream",
                f"udp://127.0.0.1:{port}?profile=moticon-udp",
                "--plain",
                "--duration",
                str(seconds),
                *extra,
            ]
        )
    finally:
        stop.set()
        thread.join(5)
    return rec, capsys.readouterr().out.splitlines()


def test_a_two_foot_profile_is_shown_as_two_insoles_in_the_live_view(capsys):
    """A moticon-udp stream was one side called "both", its two feet's kPa summed per second
    (a device tester), while its capture held left and right."""
    _, out = _moticon_udp_session(capsys)
    lines = [ln for ln in out if " mean " in ln]
    sides = {ln.split()[2] for ln in lines}
    assert sides == {"left", "right"}, lines


def test_a_pressure_insole_is_shown_in_newtons_and_its_steps_are_analysed(capsys):
    """The plain view summed kPa over sensors ("mean 1036 kPa", no quantity) and analysed no
    steps for pressure insoles; with sensor areas it now shows force = pressure x area in N,
    as the dashboard and Recording.forces_n do, and prints each step (device tester)."""
    import numpy as np

    rec, out = _moticon_udp_session(capsys, "--mass", "70", seconds=4.0)
    lines = [ln for ln in out if " mean " in ln]
    assert lines and all(ln.split()[5] == "N" and ln.split()[8] == "N" for ln in lines), lines
    full = [ln for ln in lines if int(ln.split()[9]) >= 95]  # seconds with (nearly) all 100 frames
    assert full, lines
    total = rec.forces_n("left").sum(axis=1)
    second = np.convolve(total, np.ones(100) / 100, mode="valid")  # the mean of every 1 s window sent
    assert any(ln.split()[2] == "left" for ln in full), lines
    for ln in full:
        if ln.split()[2] != "left":
            continue
        mean, peak = float(ln.split()[4]), float(ln.split()[7])
        # the second's mean force is one of the simulated walk's 1 s means (the kPa sum was ~3x it)
        assert second.min() * 0.97 <= mean <= second.max() * 1.03, (mean, second.min(), second.max())
        assert peak <= total.max() * 1.001
    steps = [ln for ln in out if ln.lstrip().startswith("step ")]
    assert steps and all(" BW " in ln for ln in steps), out
    bw = [float(ln.split(" peak ")[1].split()[0]) for ln in steps]
    sim_peak_bw = total.max() / (70 * 9.80665)
    assert all(0.7 * sim_peak_bw < b < 1.05 * sim_peak_bw for b in bw), (bw, sim_peak_bw)


def test_a_step_line_without_a_body_mass_gives_the_peak_in_newtons():
    from sensorkit.cli.stream import _step_line

    step = {"side": "left", "t_contact_s": 12.5, "contact_time_s": 0.612, "peak_force_bw": float("nan"),
            "peak_force_n": 812.4, "activity": "walking", "loading_rate_samples": 3}  # fmt: skip
    line = _step_line(step, 10.0, bw=False)
    assert "peak 812 N" in line and "BW" not in line and "at    2.50 s" in line, line
    assert "loading rate - N/s" in line  # 3 samples: too few for a rate
    enough = {**step, "loading_rate_samples": 20, "loading_rate_n_s": 10523.7, "loading_rate_bw_s": 15.3}
    assert "loading rate 10524 N/s" in _step_line(enough, 10.0, bw=False)
    with_mass = _step_line({**enough, "peak_force_bw": 1.183}, 10.0, bw=True)
    assert "peak 1.18 BW" in with_mass and "loading rate 15.3 BW/s" in with_mass


def test_the_plain_view_turns_pressures_into_forces_with_the_sensor_areas_and_labels_each_side():
    """kPa chunks: with sensor areas the line is the force (pressure x area) in N, exactly; without,
    the highest sensor pressure (a sum of pressures is no quantity). Each side keeps its own unit,
    and without a body mass every step line is in N and N/s (a reviewer saw units flip per step)."""
    from types import SimpleNamespace

    import numpy as np

    import sensorkit as sk
    from sensorkit.cli.stream import LiveView
    from sensorkit.layout import load_layout

    rec = sk.simulate(duration_s=6, seed=2)
    lay = load_layout("moticon-s7-estimated")
    factor = {s: lay.for_side(s).pressure_to_force_factor().astype(np.float32) for s in ("left", "right")}
    kpa = {s: (rec.forces_n(s) / factor[s]).astype(np.float32) for s in ("left", "right")}
    analysers = {"left": sk.StreamingAnalyzer(lay, rec.rate_hz, sides=("left",))}  # no body mass
    view = LiveView(0.0, ("left", "right"), lambda line: None, analysers, {"left": factor["left"]})
    for lo in range(0, rec.n_frames, 10):
        for side in ("left", "right"):
            sl = slice(lo, lo + 10)
            view.add(SimpleNamespace(side=side, units="kPa", time=rec.time[sl], values=kpa[side][sl],
                                     n_packets=1, gaps=()))  # fmt: skip
    view.finish()
    left = [ln for ln in view.lines if ln.split()[2:3] == ["left"]]
    right = [ln for ln in view.lines if ln.split()[2:3] == ["right"]]
    assert left and right
    sec = (rec.time // 1.0).astype(int)
    for ln in left:  # newtons: the mean of (pressure x area) summed over sensors, that second
        k = int(ln.split()[0])
        want = (kpa["left"][sec == k] * factor["left"]).sum(axis=1, dtype=np.float64)
        assert ln.split()[5] == "N" and float(ln.split()[4]) == pytest.approx(want.mean(), abs=0.06), ln
        assert float(ln.split()[7]) == pytest.approx(want.max(), abs=0.06)
        assert "highest sensor" not in ln
    for ln in right:  # no areas given for this side: the highest sensor pressure, in kPa
        k = int(ln.split()[0])
        want = kpa["right"][sec == k].max(axis=1).astype(np.float64)
        assert ln.split()[5] == "kPa" and float(ln.split()[4]) == pytest.approx(want.mean(), abs=0.06), ln
        assert ln.endswith("(of the highest sensor pressure)")
    steps = [ln for ln in view.lines if " step " in ln]
    assert steps and all(" N " in ln and "BW" not in ln for ln in steps), steps


def test_the_dashboard_and_the_browser_view_show_a_two_foot_device_as_two_insoles():
    """A moticon-udp stream (one device, both feet) was one "left" panel in the terminal dashboard
    and one "left" side in `serve`, both feet's chunks fed to one analyser ("analysis restarted"),
    no steps and no cadence (new-user tester, 2026-11-30)."""
    import warnings

    import sensorkit.devices as skd
    from sensorkit.dashboard import render_dashboard
    from sensorkit.dashboard.app import state_for_session
    from sensorkit.live.hub import LiveHub

    port = _free_udp_port()
    _, thread, stop = _moticon_sender(port, 6.0, nan_every=37)
    try:
        with skd.open(f"udp://127.0.0.1:{port}?profile=moticon-udp") as session:
            state = state_for_session(session, body_mass_kg=70)
            hub = LiveHub(session, body_mass_kg=70)
            assert set(state.sides) == set(hub.state.sides) == {"left", "right"}
            t_end = time.monotonic() + 5.5
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no "All-NaN slice" from the samples sent as nan
                while time.monotonic() < t_end:
                    chunk = session.read(timeout_s=0.2)
                    if chunk is not None:
                        state.add(chunk)
                        render_dashboard(state, source="udp")  # a NaN sample crashed the sparkline
    finally:
        stop.set()
        thread.join(5)
    assert not state.message, state.message  # no "analysis restarted"
    assert state.sides["left"].steps and state.sides["right"].steps
    assert state.cadence_spm > 60


def test_serve_ends_with_one_error_when_the_device_stops_sending():
    """`serve` printed a thread traceback and went on with a frozen page (and a record button
    writing empty files) when the device stopped; `stream` said so and exited 1."""
    import sensorkit.devices as skd
    from sensorkit.cli.serve import run_live
    from sensorkit.errors import DeviceError

    port = _free_udp_port()
    _, thread, stop = _moticon_sender(port, -1.5)  # about 1.5 s of datagrams, then silence
    try:
        with skd.open(f"udp://127.0.0.1:{port}?profile=moticon-udp", timeout_s=1.0) as session:
            t0 = time.monotonic()
            with pytest.raises(DeviceError, match="stopped sending"):
                run_live(session, duration_s=20, body_mass_kg=None, lsl=False, web=None)
            assert time.monotonic() - t0 < 10  # not the whole duration
    finally:
        stop.set()
        thread.join(5)


def test_a_stance_under_way_when_the_data_began_is_not_printed_as_a_step():
    """`step left at 1.88 s  contact - s  peak - BW  VALR -`: a stance the data began inside
    has no contact time nor peak (new-user tester)."""
    from types import SimpleNamespace

    import sensorkit as sk
    from sensorkit.cli.stream import LiveView

    rec = sk.simulate(duration_s=6, seed=1)
    first = sk.analyze(rec).steps
    t_mid = float(first[first.side == "left"]["t_contact_s"].iloc[1]) + 0.05  # inside a left stance
    rec = rec.slice_time(t_mid, None)
    view = LiveView(float(rec.time[0]), ("left",), lambda line: None,
                    {"left": sk.StreamingAnalyzer(rec.layout, rec.rate_hz, sides=("left",))})  # fmt: skip
    for lo in range(0, rec.n_frames, 10):
        view.add(SimpleNamespace(side="left", units="N", time=rec.time[lo : lo + 10],
                                 values=rec.left[lo : lo + 10], n_packets=1, gaps=()))  # fmt: skip
    view.finish()
    steps = [ln for ln in view.lines if " step " in ln]
    assert steps and not any("contact - s" in ln for ln in steps), steps


def test_standing_between_runs_is_said_to_be_standing_not_printed_as_a_step():
    # a maker's trial: 4.6 s of standing was printed as "step left ... contact - s peak - N VALR -"
    import numpy as np

    import sensorkit as sk
    from sensorkit.analysis.streaming import StreamingAnalyzer

    rec = sk.simulate(duration_s=6, seed=1)
    n = 460  # 4.6 s at 100 Hz, both feet carrying 350 N
    stand = np.full((n, rec.left.shape[1]), 350.0 / rec.left.shape[1], np.float32)
    t = np.concatenate(
        [rec.time, rec.time[-1] + 0.01 * np.arange(1, n + 1), rec.time[-1] + 4.6 + rec.time[1:301]]
    )
    left = np.concatenate([rec.left, stand, rec.left[1:301]]).astype(np.float32)
    right = np.concatenate([rec.right, stand, rec.right[1:301]]).astype(np.float32)
    analyser = StreamingAnalyzer(layout=rec.layout, rate_hz=100.0)
    lines = []
    for a in range(0, t.size, 10):
        for step in analyser.feed(t[a : a + 10], left=left[a : a + 10], right=right[a : a + 10]).steps:
            lines.append(
                stream_cli._step_line(step, 0.0, bw=False, max_contact_s=analyser.params.max_contact_time_s)
            )
    standing = [line for line in lines if "not a step" in line]
    assert len(standing) == 2 and all("standing, not a step" in line for line in standing)
    assert {line.split()[0] for line in standing} == {"left", "right"}
    assert all("VALR" not in line and "peak" not in line for line in standing)
    down = [float(line.split(" for ")[1].split(" s")[0]) for line in standing]
    assert all(4.5 < d < 5.2 for d in down), down  # the 4.6 s standing and the stance it began with
    assert sum("step" in line.split()[0] for line in lines) > 20  # the running steps are still steps
    short = stream_cli._step_line(
        {**_step(), "valid": False, "t_toe_off_s": 10.55}, t0=0.0, min_contact_s=0.1
    )
    assert "for 0.05 s: too short for a step, not a step" in short
    # a maker's trial: a 1.54 s stance cut by a pause was called "too short for a step"
    other = stream_cli._step_line({**_step(), "valid": False, "t_toe_off_s": 12.04}, t0=0.0, min_contact_s=0.1,
                                  max_contact_s=2.5)  # fmt: skip
    assert "for 1.54 s: left out (a data gap, or no clear loading), not a step" in other
