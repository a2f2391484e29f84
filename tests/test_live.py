"""Live data out (issue 19): a real pylsl inlet in another process, the live hub, the web API
and the page in headless Chromium. LSL stays on this machine: LSLAPICFG points at
tests/lsl_api.cfg (resolve scope machine, peers 127.0.0.1, IPv6 off) for this process and its
children, set before pylsl is imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

LSL_CFG = Path(__file__).parent / "lsl_api.cfg"
os.environ["LSLAPICFG"] = str(LSL_CFG)

import sensorkit as sk  # noqa: E402
from sensorkit.live.hub import LiveHub, Targets  # noqa: E402

pylsl = pytest.importorskip("pylsl")

INLET = r"""
import json, sys, time, pylsl
name, want = sys.argv[1], int(sys.argv[2])
data = pylsl.resolve_byprop("name", name + " left", timeout=15)
marks = pylsl.resolve_byprop("name", name + " markers", timeout=15)
inlet = pylsl.StreamInlet(data[0], max_buflen=60)
minlet = pylsl.StreamInlet(marks[0], max_buflen=60)
inlet.open_stream(timeout=10); minlet.open_stream(timeout=10)
info = inlet.info(timeout=5)  # keep it: desc() points into it
desc = info.desc()
layout_name, units = desc.child("layout").child_value("name"), desc.child_value("units")
labels = []
ch = desc.child("channels").child("channel")
while not ch.empty():
    labels.append([ch.child_value("label"), ch.child_value("unit"), ch.child_value("y_mm")])
    ch = ch.next_sibling()
print("ready", flush=True)
ts, v0, markers = [], [], []
t0 = time.monotonic()
while time.monotonic() - t0 < 30:
    d, t = inlet.pull_chunk(timeout=0.2, max_samples=4096)
    ts += t; v0 += [row[0] for row in d]
    md, mt = minlet.pull_chunk(timeout=0.0)
    markers += [[m[0], x] for m, x in zip(md, mt)]
    if len(ts) >= want and any(m[0].startswith("tag") for m in markers):
        break
print(json.dumps({"t": ts, "v": v0, "markers": markers, "labels": labels,
                  "layout": layout_name, "units": units}))
"""


@pytest.mark.slow
def test_a_real_lsl_inlet_in_another_process_gets_samples_times_and_markers():
    from sensorkit.live.lsl import LslOutlet

    want = 1500
    with sk.open("sim://?rate=500&seed=3") as session:
        outlet = LslOutlet.for_session(session, name="sktest-a")
        proc = subprocess.Popen(
            [sys.executable, "-c", INLET, "sktest-a", str(want)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "LSLAPICFG": str(LSL_CFG)},
        )
        assert proc.stdout.readline().strip() == "ready"
        session.drain()
        hub = LiveHub(session, lsl=outlet)  # the hub pushes every chunk and the step markers
        sent_t, sent_v = [], []
        hub_state_add = hub.state.add

        def spy(chunk):
            if chunk.side == "left":
                sent_t.extend(chunk.time.tolist())
                sent_v.extend(chunk.values[:, 0].tolist())
            return hub_state_add(chunk)

        hub.state.add = spy
        hub.start()
        deadline = time.monotonic() + 20
        while len(sent_t) < want + 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        hub.tag("trial 1")
        out, _ = proc.communicate(timeout=40)
        hub.close()
    got = json.loads(out)
    t = np.asarray(got["t"]) - outlet.offset_s
    sent_t = np.asarray(sent_t)
    # at least 99 % of the samples pushed after the inlet connected, in order
    assert len(t) >= 0.99 * want
    assert np.all(np.diff(t) > 0)
    # times are the recording's own (not re-stamped at push time): within 2 ms of them
    idx = np.searchsorted(sent_t, t)
    idx = np.clip(idx, 0, len(sent_t) - 1)
    assert np.max(np.abs(sent_t[idx] - t)) < 0.002
    np.testing.assert_allclose(np.asarray(got["v"]), np.asarray(sent_v)[idx], rtol=1e-6)
    # the description carries channels, units and the layout
    assert got["labels"][0][:2] == ["L1", "N"] and got["layout"] == "ref16" and got["units"] == "N"
    assert len(got["labels"]) == 16
    kinds = {m[0] for m in got["markers"]}
    assert "tag label=trial 1" in kinds
    assert any(k in ("left contact", "right contact") for k in kinds)


@pytest.mark.slow
def test_lsl_inlet_reads_an_insole_stream_back_on_the_host_clock():
    from sensorkit.live.lsl import LslOutlet, LslSource

    layout = sk.load_layout("ref16")
    outlet = LslOutlet({"left": layout}, 100.0, "N", name="sktest-b")
    source = LslSource("name=sktest-b left", timeout_s=10)
    assert source.n_channels == 16 and source.side == "left" and source.layout_name == "ref16"
    time.sleep(0.5)
    base = time.monotonic()
    t = base + np.arange(50) / 100.0
    values = np.arange(50 * 16, dtype=np.float32).reshape(50, 16)

    class Chunk:  # the fields LslOutlet.push_chunk reads
        side, n, gaps = "left", 50, ()

    Chunk.time, Chunk.values = t, values
    outlet.push_chunk(Chunk)
    got = []
    deadline = time.monotonic() + 10
    while sum(len(g["time"]) for g in got) < 50 and time.monotonic() < deadline:
        part = source.read(timeout_s=0.5)
        if part is not None:
            got.append(part)
    source.close()
    times = np.concatenate([g["time"] for g in got])
    vals = np.concatenate([g["values"] for g in got])
    np.testing.assert_allclose(times, t, atol=0.002)
    np.testing.assert_array_equal(vals, values)


def _hub_with_sim(tmp_path, **kwargs):
    session = sk.open("sim://?rate=200&seed=5")
    hub = LiveHub(session, body_mass_kg=70, record_dir=tmp_path, **kwargs)
    hub.start()
    return session, hub


def test_the_web_api_records_tags_and_sets_targets(tmp_path):
    from starlette.testclient import TestClient

    from sensorkit.live.web import make_app

    session, hub = _hub_with_sim(tmp_path)
    try:
        client = TestClient(make_app(hub))
        page = client.get("/")
        assert page.status_code == 200 and "sensorkit live" in page.text
        assert "http" not in page.text.split("<body>")[1]  # no network resources
        assert client.get("/static/app.js").status_code == 200
        layout = client.get("/api/layout").json()
        assert set(layout) == {"left", "right"} and len(layout["left"]["x_mm"]) == 16
        time.sleep(1.5)
        snap = client.get("/api/snapshot").json()
        assert snap["samples"] > 0 and snap["unit"] == "BW"
        rec = client.post("/api/record", json={"action": "start"}).json()["recording"]
        time.sleep(0.5)
        client.post("/api/tag", json={"label": "<b>new insole</b>"})
        time.sleep(0.5)
        client.post("/api/targets", json={"cadence_min_spm": 200, "cadence_max_spm": 210})
        time.sleep(2.5)
        stopped = client.post("/api/record", json={"action": "stop"}).json()["recording"]
        assert stopped == rec and (tmp_path / rec).is_file()
        snap = client.get("/api/snapshot").json()
        assert snap["targets"]["cadence_min_spm"] == 200
        assert any(c["cue"] == "cadence low" for c in snap["cues"])  # a runner at ~170 steps/min
    finally:
        hub.close()
        session.close()
    events = sk.read(tmp_path / rec).events
    assert "<b>new insole</b>" in set(events["label"]) and "user" in set(events["source"])
    assert (events["source"] == "biofeedback").any()
    # a second start within the same second gets its own file, never the first one's
    assert len(list(tmp_path.glob("sensorkit-*.skr"))) == 1


def test_a_token_is_required_off_the_loopback(tmp_path):
    from starlette.testclient import TestClient

    from sensorkit.live.web import LiveServer, make_app

    session, hub = _hub_with_sim(tmp_path)
    try:
        client = TestClient(make_app(hub, token="s3cret"))
        assert client.get("/").status_code == 403
        assert client.get("/api/snapshot?token=wrong").status_code == 403
        assert client.get("/?token=s3cret").status_code == 200
        server = LiveServer(hub, host="0.0.0.0", port=0)
        assert server.token and len(server.token) >= 16
    finally:
        hub.close()
        session.close()


@pytest.mark.slow
def test_a_client_that_stops_reading_never_blocks_acquisition(tmp_path):
    import socket

    from sensorkit.live.web import LiveServer

    session, hub = _hub_with_sim(tmp_path)
    server = LiveServer(hub, port=0)
    server.start()
    try:
        hub.start_recording()
        # a WebSocket client that completes the handshake and then never reads
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        before = hub.samples
        time.sleep(4.0)
        after = hub.samples
        assert after - before > 0.9 * 4.0 * 200 * 2  # both insoles at 200 Hz kept flowing
        path = hub.stop_recording()
        sock.close()
    finally:
        server.stop()
        hub.close()
        session.close()
    rec = sk.read(path)
    assert rec.duration_s > 3.5


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_page_in_headless_chromium_shows_live_values_records_and_tags(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from sensorkit.live.web import LiveServer

    session, hub = _hub_with_sim(tmp_path)
    server = LiveServer(hub, port=0)
    url = server.start()
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=_chromium(),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(url)
            page.wait_for_function("document.getElementById('status').textContent === 'live'", timeout=15000)
            page.wait_for_function(
                "Number(document.getElementById('samples').textContent) > 0", timeout=15000
            )
            first = int(page.text_content("#samples"))
            page.wait_for_timeout(1500)
            assert int(page.text_content("#samples")) > first  # the values change
            page.wait_for_function("document.getElementById('cadence').textContent !== '–'", timeout=15000)
            assert 150 <= float(page.text_content("#cadence")) <= 190
            page.click("#record-btn")
            page.wait_for_function("!document.getElementById('recording').hidden", timeout=10000)
            page.fill("#tag-label", "from the page")
            page.click("#tag-btn")
            page.wait_for_timeout(1500)
            page.click("#record-btn")
            page.wait_for_function("document.getElementById('recording').hidden", timeout=10000)
            page.screenshot(path=str(tmp_path / "live.png"))
            browser.close()
    finally:
        server.stop()
        hub.close()
        session.close()
    files = list(tmp_path.glob("sensorkit-*.skr"))
    assert len(files) == 1
    rec = sk.read(files[0])
    assert "from the page" in set(rec.events["label"])
    assert rec.duration_s > 1.0


def test_targets_update_from_the_page_values():
    t = Targets()
    t.update({"cadence_min_spm": "160", "valr_max": "", "asymmetry_max_pct": None, "unknown": 3})
    assert t.cadence_min_spm == 160.0 and t.valr_max is None and t.asymmetry_max_pct is None


@pytest.mark.slow
def test_lsl_url_opens_an_insole_stream_through_the_device_layer_and_records_it(tmp_path):
    # lsl:// is one more transport in the registry: sk.open records and analyses any insole
    # stream on the lab's LSL network (here another sensorkit's outlet on this machine)
    import threading

    from sensorkit.live.lsl import LslOutlet

    layout = sk.load_layout("ref16")
    rec_in = sk.simulate(duration_s=10, seed=4, rate_hz=200)
    outlet = LslOutlet({"left": layout}, 200.0, "N", name="sktest-c")
    stop = threading.Event()

    class Chunk:
        side, gaps = "left", ()

    def push() -> None:  # an outlet streaming in real time, 20 samples every 0.1 s
        base = time.monotonic()
        for i in range(0, rec_in.n_frames, 20):
            if stop.is_set():
                return
            Chunk.time = base + rec_in.time[i : i + 20]
            Chunk.values = rec_in.left[i : i + 20]
            Chunk.n = len(Chunk.time)
            outlet.push_chunk(Chunk)
            time.sleep(max(0.0, base + rec_in.time[min(i + 20, rec_in.n_frames - 1)] - time.monotonic()))

    pusher = threading.Thread(target=push, daemon=True)
    pusher.start()
    capture = tmp_path / "from_lsl.skr"
    got = []
    try:
        with sk.open("lsl://name=sktest-c left", record=str(capture)) as session:
            deadline = time.monotonic() + 6.0
            while time.monotonic() < deadline:
                c = session.read(timeout_s=0.5)
                if c is not None:
                    got.append(c)
    finally:
        stop.set()
        pusher.join(5)
    values = np.concatenate([c.values for c in got])
    times = np.concatenate([c.time for c in got])
    assert values.shape[1] == 16 and len(values) > 500  # > 2.5 s of the 200 Hz stream
    assert np.all(np.diff(times) > 0)
    # the received samples are a contiguous run of the pushed ones, unchanged
    k = int(np.flatnonzero(values.sum(axis=1) > 1.0)[0])  # a loaded row identifies the offset
    first = (
        int(np.flatnonzero(np.all(np.isclose(rec_in.left, values[k], rtol=1e-6, atol=1e-4), axis=1))[0]) - k
    )
    assert first >= 0
    np.testing.assert_allclose(values, rec_in.left[first : first + len(values)], rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(np.diff(times), 0.005, atol=0.002)  # the stream's own timing
    back = sk.read(capture)  # replays through the same CSV decoder
    assert back.left.shape[1] == 16 and back.n_frames >= len(values) - 2


@pytest.mark.slow
def test_lsl_url_without_a_matching_stream_is_a_clear_device_error():
    with pytest.raises(sk.DeviceError, match=r"no LSL stream with name='sktest-none' found in 0\.5 s"):
        sk.open("lsl://name=sktest-none?resolve_s=0.5")
