"""A live link that survives what real boards do (issue 13), each failure through a real transport.

Pseudo-terminals read by pyserial, pyserial's ``loop://`` port (no file descriptor, like the
Windows class), bleak's client with a fake backend only at its ``backend=`` seam, the
simulator, and captures read back with ``sk.read``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import serial as pyserial

import sensorkit as sk
import sensorkit.devices as skd
from sensorkit.devices.device import Device
from sensorkit.devices.sequencer import SLEW_RATE, CounterUnwrapper, MonotonicSlew, SampleSequencer
from sensorkit.devices.serial import SerialTransport
from sensorkit.errors import DeviceError
from tests.conftest import collect

REPO = Path(__file__).resolve().parents[1]


def csv_board(stamps, *, eol: str = "\r\n", per_write: int = 5, period_s: float = 0.005, pause=None):
    """A board thread body printing ``t<stamp>,v0..v15`` lines; ``pause(k)`` s before line k."""

    def body(fd, stop):
        k = 0
        while not stop.is_set() and k < len(stamps):
            if pause is not None:
                time.sleep(pause(k))
            lines = "".join(
                f"t{stamps[i]}," + ",".join(str((i + j) % 4096) for j in range(16)) + eol
                for i in range(k, min(k + per_write, len(stamps)))
            )
            os.write(fd, lines.encode())
            k += per_write
            time.sleep(period_s)

    return body


def test_csv_lines_ending_in_newline_then_cr_are_samples_not_a_baud_rate_problem(pty):
    stamps = [1000 * (k + 1) for k in range(400)]
    pty.run(csv_board(stamps, eol="\n\r"), pty.master, pty.stop)
    with skd.open(f"serial://{pty.path}?format=csv&layout=ref16&rate=1000&units=counts") as dev:
        chunks = collect(dev, 100, timeout_s=6.0)
    values = np.concatenate([c.values for c in chunks])
    assert values.shape[1] == 16
    # the values are the printed ones: row i holds (i + j) % 4096 for the board's line i
    first = int(values[0, 0])
    assert np.array_equal(values[:50, 3], (np.arange(first, first + 50) + 3) % 4096)
    assert chunks[-1].stats.framing_errors == 0 and chunks[-1].stats.gaps == 0


@pytest.mark.parametrize(
    ("unit", "bits", "start"),
    [("us", None, (1 << 32) - 300_000), ("us", "32", (1 << 32) - 300_000), ("ms", "16", 65_535 - 300)],
)
def test_board_clock_wrapping_at_its_counter_width_continues_the_stream(pty, unit, bits, start):
    # Arduino micros() wraps at 2**32 us (71.6 min); a millis() value in a 16-bit field at 65 536 ms
    tick = 1 if unit == "us" else 1000
    width = 32 if unit == "us" else 16
    step = 10_000 // tick  # 100 Hz
    stamps = [(start + k * step) % (1 << width) for k in range(300)]
    assert min(stamps) < start  # the counter wraps inside the run
    pty.run(csv_board(stamps, per_write=3, period_s=0.03), pty.master, pty.stop)  # paced like the board
    url = f"serial://{pty.path}?format=csv&layout=ref16&rate=100&units=counts&clock_unit={unit}"
    if bits:
        url += f"&clock_bits={bits}"
    with skd.open(url) as dev:
        chunks = collect(dev, 250, timeout_s=6.0)
        events = [e["event"] for e in dev.devices[0].events]
    time_s = np.concatenate([c.time for c in chunks])
    seq = np.concatenate([c.seq for c in chunks])
    assert not any(c.gaps for c in chunks), [g for c in chunks for g in c.gaps]
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))  # nothing invented, nothing lost
    assert "device_restart" not in events
    # board time mapped to host time: 10 ms apart across the wrap, as the board said
    assert np.allclose(np.diff(time_s), 0.010, atol=0.010 * SLEW_RATE * 1.01)


def test_counter_unwrapper_tells_a_wrap_from_a_restart():
    u = CounterUnwrapper(None, tick_us=1.0)  # micros(): the 32-bit wrap is guessed
    span = 1 << 32
    out = u.unwrap(np.array([span - 20_000, span - 10_000, 0, 10_000], dtype=np.uint64))
    assert out.tolist() == [span - 20_000, span - 10_000, span, span + 10_000] and u.wraps == 1
    # a restart (a new boot counts from 0, far from the wrap) still goes back
    out = u.unwrap(np.array([5_000, 15_000], dtype=np.uint64))
    assert out.tolist() == [5_000, 15_000] and u.wraps == 1
    ms16 = CounterUnwrapper(16, tick_us=1000.0)
    assert ms16.unwrap(np.array([65_530, 4, 14], dtype=np.uint64)).tolist() == [65_530, 65_540, 65_550]
    assert ms16.unwrap(np.array([40_000], dtype=np.uint64)).tolist() == [105_536]  # forward: continues
    assert ms16.unwrap(np.array([100], dtype=np.uint64)).tolist() == [100]  # 25.5 s short of a wrap: restart


def test_a_backward_clock_correction_is_slewed_never_applied_backwards():
    # 1 kHz blocks of 10 samples; after 1 s the clock map moves 10.6 ms back (a BLE
    # connection-interval change seen by the next SYNC_TIME fit)
    slew = MonotonicSlew()
    out = []
    offset = 0.0
    for b in range(300):
        dev = b * 0.010 + np.arange(10) * 0.001
        if b == 100:
            offset = -0.0106
        anchor = None if b == 0 else (b * 0.010 - 0.001) + offset
        out.append(slew.place(dev + offset, anchor, 0.001))
    t = np.concatenate(out)
    d = np.diff(t)
    assert d.min() > 0.001 * (1 - SLEW_RATE) - 1e-12 and d.max() < 0.001 * (1 + SLEW_RATE) + 1e-12
    assert abs(t[-1] - (2.999 - 0.0106)) < 1e-9  # absorbed: 10.6 ms at 1 % takes 1.06 s of data
    assert abs(t[999] - 0.999) < 1e-12  # untouched before the correction


def test_arrival_mapping_keeps_a_real_insoles_own_timing_under_network_jitter():
    # Moticon's own timestamps (a real 100 Hz export, with the one sample it skipped), sent
    # as one datagram each and received with 2 ms (mean) exponential jitter and 80 ms stalls
    # (Wi-Fi: held, then delivered together), the first datagram 6 ms late. Known answer: the
    # device's timestamps. Once the first delay is slewed out (6 ms at 1 %: 0.6 s of data),
    # every sample time is the device's plus one constant, within 0.5 ms; never earlier than
    # it, and never more than the first delay later.
    path = Path(__file__).parent / "data" / "moticon-opengo" / "230927_102114.txt"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    dev_s = np.array([float(ln.split("\t", 1)[0]) for ln in lines])
    rng = np.random.default_rng(5)
    delay = 0.001 + rng.exponential(0.002, dev_s.size)
    stall_end = -1.0
    for k, t in enumerate(dev_s):
        if rng.random() < 0.005:
            stall_end = t + 0.08
        if t < stall_end:
            delay[k] += stall_end - t
    delay[0] = 0.007
    arrival = np.maximum.accumulate(100.0 + dev_s + delay)  # one socket: delivered in order
    seq = SampleSequencer(100.0, "left")
    times = np.concatenate(
        [
            seq.push(np.zeros((1, 16)), np.array([round(d * 1e6)], dtype=np.uint64), a)[0]
            for d, a in zip(dev_s, arrival, strict=True)
        ]
    )
    err = times - dev_s - 100.001  # the smallest delay is the offset found
    settled = dev_s >= 0.7
    assert np.abs(err[settled]).max() <= 0.0005, np.abs(err[settled]).max()
    assert err.min() >= -0.0005 and err.max() <= 0.0065, (err.min(), err.max())
    assert np.all(np.diff(times) > 0)


def test_csv_board_read_late_under_load_gives_times_that_never_go_back_and_read_back(pty, tmp_path):
    # the host reads the first burst 80 ms late (CPU load), then every burst on time: the
    # arrival-time clock map moves back by ~80 ms at the second burst
    stamps = [10_000 * (k + 1) for k in range(300)]  # 100 Hz, us
    pty.run(csv_board(stamps, per_write=10, period_s=0.1, pause=lambda k: 0.08 if k == 0 else 0.0),
            pty.master, pty.stop)  # fmt: skip
    cap = tmp_path / "late.skr"
    with skd.open(f"serial://{pty.path}?format=csv&layout=ref16&rate=100&units=N", record=cap) as dev:
        chunks = collect(dev, 150, timeout_s=8)
    t = np.concatenate([c.time for c in chunks])
    assert np.all(np.diff(t) > 0)
    rec = sk.read(cap)  # "time must be strictly increasing" before the fix
    assert np.all(np.diff(rec.time) > 0) and rec.left.shape[0] >= 150


def test_serial_port_without_a_file_descriptor_is_read_by_its_own_thread():
    # pyserial's loop:// port has no fd (fileno() raises), like pyserial's Windows class
    transport = SerialTransport("loop://", 115200)
    dev = Device(transport, url="serial://loop://", mode="csv", layout="ref16", csv_rate_hz=100.0,
                 handshake_timeout_s=3.0)  # fmt: skip
    transport.open()
    port = transport._ser
    with pytest.raises(OSError):
        port.fileno()
    assert transport.fileno() is None
    transport.close()

    def board() -> None:
        k = 0
        while not stop.is_set() and k < 400:
            ser = transport._ser
            if ser is not None:
                ser.write(
                    "".join(
                        f"t{10_000 * (k + i + 1)}," + ",".join(["7"] * 16) + "\n" for i in range(4)
                    ).encode()
                )
                k += 4
            time.sleep(0.01)

    stop = threading.Event()
    th = threading.Thread(target=board, daemon=True)
    th.start()
    try:
        with dev:
            assert dev.reader_thread is not None and dev.reader_thread.is_alive()  # not the shared selector
            chunks = collect(dev, 50, timeout_s=6.0)
    finally:
        stop.set()
        th.join(2)
    assert np.all(np.concatenate([c.values for c in chunks]) == 7)


def test_serial_port_busy_is_one_clear_error(pty):
    first = pyserial.Serial(pty.path, exclusive=True)
    try:
        with pytest.raises(DeviceError, match="busy") as err:
            skd.open(f"serial://{pty.path}?format=csv&layout=ref16")
        assert "close the other program" in err.value.hint
    finally:
        first.close()


def test_serial_port_not_permitted_names_the_dialout_group(pty):
    # a forked child without the right to open the tty (as root: drop to 'nobody'; otherwise
    # take the permission away) opens it through the transport and reports the error
    os.chmod(pty.path, 0o600 if os.geteuid() == 0 else 0)
    if os.geteuid() == 0:
        import pwd

        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("no 'nobody' user to open the port without permission")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report and leave without running any test machinery
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            try:
                SerialTransport(pty.path).open()
                msg = "opened"
            except DeviceError as exc:
                msg = f"{exc} | {exc.hint}"
            os.write(w, msg.encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        msg = fh.read().decode()
    os.waitpid(pid, 0)
    assert "no permission to open it" in msg and "dialout" in msg, msg


# ---------------------------------------------------------------- BLE (bleak, fake backend at its seam)
def ble_insole():
    from test_devices_ble import INSOLES, FakeClient

    from sensorkit.devices.firmware import SimFirmware, SimParams

    INSOLES.clear()
    INSOLES["C0:FF:EE:00:00:02"] = ("Insole-L", SimFirmware(SimParams(side="left", seed=5, rate=200)))
    return INSOLES, FakeClient


def test_ble_link_stuck_at_mtu_23_is_named_as_notification_truncation():
    import asyncio

    insoles, fake = ble_insole()

    class Mtu23Client(fake):
        """A link whose MTU exchange failed: every notification is cut to 20 bytes (ATT MTU 23 - 3)."""

        @property
        def mtu_size(self) -> int:
            return 23

        async def start_notify(self, characteristic, callback, **kwargs):
            firmware = insoles[self.address][1]

            async def pump() -> None:
                while self._connected:
                    for frame in firmware.output().split(b"\x00")[:-1]:
                        callback(bytearray((frame + b"\x00")[:20]))
                    await asyncio.sleep(0.01)

            self._pump = asyncio.get_running_loop().create_task(pump())

    try:
        with pytest.raises(DeviceError, match="cut to 20 bytes") as err:
            skd.open("ble://C0:FF:EE:00:00:02", backend=Mtu23Client, handshake_timeout_s=1.5)
        assert "MTU" in str(err.value) and "firmware too old" not in (err.value.hint or "")
    finally:
        insoles.clear()


def test_ble_notifications_delivered_twice_then_a_reconnect_are_not_a_reboot(tmp_path):
    import asyncio

    insoles, fake = ble_insole()

    class TwiceClient(fake):
        """Every notification arrives twice (a known bleak/BlueZ behaviour after re-subscribing)."""

        async def start_notify(self, characteristic, callback, **kwargs):
            firmware = insoles[self.address][1]
            firmware.output()

            async def pump() -> None:
                while self._connected:
                    for frame in firmware.output().split(b"\x00")[:-1]:
                        callback(bytearray(frame + b"\x00"))
                        callback(bytearray(frame + b"\x00"))
                    await asyncio.sleep(0.01)

            self._pump = asyncio.get_running_loop().create_task(pump())

    from test_devices_ble import CLIENTS

    cap = tmp_path / "twice.skr"
    try:
        with skd.open("ble://C0:FF:EE:00:00:02?reconnect=1", backend=TwiceClient, record=cap) as dev:
            collect(dev, 200, timeout_s=6.0)
            CLIENTS[-1].drop_link()
            deadline = time.monotonic() + 6
            while dev.devices[0].stats.reconnects < 1 or dev.devices[0].stats.samples < 800:
                assert time.monotonic() < deadline, "no data after the reconnection"
                dev.read(timeout_s=0.2)
            device = dev.devices[0]
            events = [e["event"] for e in device.events]
            reasons = [g["reason"] for g in device.gaps]
            stats = device.stats
    finally:
        insoles.clear()
    assert "device_restart" not in events, events
    assert "device restart" not in reasons and reasons.count("link lost") <= 1, reasons
    assert stats.duplicates > 0  # the second copies were seen, counted and dropped
    rec = sk.read(cap)
    assert np.all(np.diff(rec.time) > 0)


def test_a_link_whose_clock_correction_steps_back_reads_back_with_sk_read(tmp_path):
    # A capture as a BLE insole gives it: 1 kHz samples in 10 ms packets, one TIME_SYNC a
    # second; after 3 s the sync exchanges (same 20 ms round trip) put the device clock
    # 10.6 ms later (a connection-interval change moved the asymmetry), so the fitted map moves
    # sample times back by up to 10.6 ms. The recording must read back, strictly increasing.
    from sensorkit.io.capture import REC_RX, CaptureWriter
    from sensorkit.protocol import DeviceInfo, PressureSamples, TimeSync, encode_frame
    from sensorkit.protocol.constants import Side, Units

    def dev_us(host_s: float) -> int:
        return round((host_s - 100.0) * 1e6)  # device booted at host time 100 s

    info = DeviceInfo(seq=0, device_id=7, firmware_version=(1, 0, 0), side=Side.LEFT, sensor_count=16,
                      adc_bits=16, units=Units.NEWTON, scale_exp=0, layout_id=1, sample_rate_hz=1000)  # fmt: skip
    path = tmp_path / "interval_change.skr"
    header = {
        "host_t0_s": 100.0,
        "streams": [{"stream": 0, "url": "ble://C0:FF:EE:00:00:09", "side": "left"}],
    }
    rng = np.random.default_rng(3)
    with CaptureWriter(path, header) as w:
        w.write(REC_RX, 0, 100.05, encode_frame(info))
        seq = 1
        for k in range(600):  # 6 s
            h = 100.1 + k * 0.010
            if k % 100 == 0:  # a sync exchange sent at h - 0.02 s, answered at h
                skew = 0.0106 if k >= 300 else 0.0
                t2 = dev_us(h - 0.010 + skew)
                sync = TimeSync(seq=seq, command_seq=k, host_time_us=round((h - 0.020) * 1e6),
                                device_rx_us=t2, device_tx_us=t2 + 50)  # fmt: skip
                w.write(REC_RX, 0, h, encode_frame(sync))
                seq += 1
            values = rng.integers(0, 400, (10, 16), dtype=np.uint16)
            t0 = dev_us(h - 0.012)  # 10 samples stamped 12-3 ms before their arrival
            w.write(
                REC_RX, 0, h + 0.0005, encode_frame(PressureSamples(seq, t0, k * 10, 1_000_000, 16, values))
            )
            seq += 1
    rec = sk.read(path, layout="ref16")
    d = np.diff(rec.time)
    assert rec.left.shape[0] == 6000 and np.all(d > 0)
    # slewed, not stepped: no spacing departs from 1 ms by more than the slew rate plus the
    # drift the fit reads into the step (0.5 % here); a step back would be a spacing <= 0
    assert d.min() >= 0.001 * (1 - SLEW_RATE - 0.005) and d.max() <= 0.001 * (1 + SLEW_RATE + 0.005)


# ---------------------------------------------------------------- tare, simulator
def test_tare_while_walking_is_refused_and_a_forced_tare_is_a_recording_event(tmp_path):
    cap = tmp_path / "tare.skr"
    with skd.open("sim://?side=left&seed=2", record=cap) as session:
        collect(session, 200, timeout_s=6.0)  # 2 s of running at 100 Hz: stances in the window
        with pytest.raises(DeviceError, match="not tared: the insole is loaded") as err:
            session.tare()
        assert "take the weight off" in err.value.hint
        peak = max(float(c.values.sum(axis=1).max()) for c in collect(session, 150, timeout_s=6.0))
        assert peak > 1000.0  # the refusal kept the readings: stances still reach body-weight levels
        session.tare(force=True)
        events = [e["event"] for e in session.devices[0].events]
        collect(session, 50, timeout_s=6.0)
    assert events.count("tare_refused") == 1 and events.count("tare") == 1
    rec = sk.read(cap)
    tares = rec.events[rec.events["label"] == "tare"]
    assert len(tares) == 1 and tares["source"].iloc[0] == "device:left"
    assert rec.time[0] < tares["time_s"].iloc[0] < rec.time[-1]


@pytest.mark.parametrize("speed", [3.0, 1.3])  # running, walking
def test_sim_has_no_seams_between_its_simulation_blocks(speed):
    from sensorkit.devices.firmware import BLOCK_S, SimParams, SimSignal

    rate = 100
    n = round(3.2 * BLOCK_S * rate)  # three block boundaries (blocks are a little shorter than BLOCK_S)
    totals = {}
    for side in ("left", "right"):
        sig = SimSignal(SimParams(side=side, seed=4, rate=rate, speed=speed))
        totals[side] = sig.rows(0, n).sum(axis=1)
        assert len(sig._starts) >= 4  # the boundaries were crossed
        bounds = sig._starts[1:4]
    for side, total in totals.items():
        loaded = total > 20.0
        edges = np.flatnonzero(np.diff(loaded.astype(np.int8)))
        on, off = edges[::2] + 1, edges[1::2] + 1
        if loaded[0]:
            on, off = np.r_[0, on], off
        k = min(on.size, off.size)
        on, off = on[:k], off[:k]
        inner = (on > 0) & (off < n - 1)
        dur = (off - on)[inner]
        peaks = np.array([total[a:b].max() for a, b in zip(on[inner], off[inner], strict=True)])
        # every stance is whole: as long as the others and reaching their peak force
        assert dur.min() > 0.8 * np.median(dur), (side, dur.min(), np.median(dur))
        assert peaks.min() > 0.8 * np.median(peaks), (side, peaks.min(), np.median(peaks))
        for b in bounds:  # the left foot lands on each boundary: no force step across it
            assert abs(total[b] - total[b - 1]) < 0.5 * np.median(peaks), (side, b)


# ---------------------------------------------------------------- transports by URL scheme
def test_udp_board_streams_csv_datagrams_over_loopback():
    import socket

    from conftest import free_udp_port

    port = free_udp_port()
    stop = threading.Event()

    def board() -> None:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        k = 0
        while not stop.is_set() and k < 2000:
            lines = "".join(
                f"t{10_000 * (k + i + 1)}," + ",".join(str(k + i + j) for j in range(16)) + "\n"
                for i in range(5)
            )
            out.sendto(lines.encode(), ("127.0.0.1", port))  # one datagram per 5 lines
            k += 5
            time.sleep(0.05)
        out.close()

    th = threading.Thread(target=board, daemon=True)
    th.start()
    try:
        with skd.open(f"udp://127.0.0.1:{port}?format=csv&layout=ref16&rate=100&units=counts") as dev:
            chunks = collect(dev, 60, timeout_s=6.0)
    finally:
        stop.set()
        th.join(2)
    values = np.concatenate([c.values for c in chunks])
    seq = np.concatenate([c.seq for c in chunks])
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size)) and not any(c.gaps for c in chunks)
    assert np.array_equal(values[:, 2] - values[:, 0], np.full(values.shape[0], 2.0))  # the printed values


def test_a_new_scheme_is_one_module_and_one_registration(tmp_path, monkeypatch):
    from sensorkit.devices import transports

    (tmp_path / "sk_pipe_transport.py").write_text(
        "from sensorkit.devices.udp import UdpTransport\n"
        "from sensorkit.devices.serial import line_mode_options\n"
        "PARAMS = ('format', 'layout', 'rate', 'units')\n"
        "def build(url):\n"
        "    host, _, port = url.target.rpartition(':')\n"
        "    return UdpTransport(host, int(port)), line_mode_options(url)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(transports._REGISTRY, "mypipe", "sk_pipe_transport")
    assert "mypipe" in transports.schemes()
    with pytest.raises(ValueError, match="already served"):
        transports.register_transport("mypipe", "another.module")
    with pytest.raises(DeviceError, match="unknown parameter"):
        skd.open("mypipe://127.0.0.1:9?baud=9600")  # the module's PARAMS are enforced
    with pytest.raises(DeviceError, match="no bytes received"):
        skd.open("mypipe://127.0.0.1:0?format=csv&layout=ref16", handshake_timeout_s=0.3)


# ---------------------------------------------------------------- IMU packets reach the Recording
def test_imu_packets_of_the_protocol_reach_the_recording_on_the_host_clock(pty, tmp_path):
    from sensorkit.devices.firmware import SimFirmware, SimParams, serve_fd
    from sensorkit.devices.transport import host_time
    from sensorkit.protocol import Decoder, ImuSamples, PressureSamples, encode_frame

    fw = SimFirmware(SimParams(side="left", seed=9, rate=200))
    state = {"k": 0, "seq": 60000}

    def add_imu(data: bytes) -> bytes:
        if not any(isinstance(p, PressureSamples) for p in Decoder().feed(data)):
            return data  # one IMU packet after each read that carries pressure samples
        k = state["k"]
        accel = np.tile(
            np.array([[1024, -2048, 16384]], dtype=np.int16), (10, 1)
        )  # range 2 g: 1/16, -1/8, 1 g
        gyro = np.tile(np.array([[328, 0, -328]], dtype=np.int16), (10, 1))  # range 1000 dps: +-10.01 dps
        t0 = fw.device_us(host_time()) - 10_000
        state["seq"] = (state["seq"] + 1) % 65536
        imu = ImuSamples(state["seq"], t0, 10 * k, 1_000_000, 2, 1000, accel, gyro)
        state["k"] = k + 1
        return data + encode_frame(imu)

    pty.run(serve_fd, fw, pty.master, pty.stop, add_imu)
    cap = tmp_path / "imu.skr"
    with skd.open(f"serial://{pty.path}", record=cap) as dev:
        chunks = collect(dev, 300, timeout_s=6.0)
    assert any(c.imu is not None for c in chunks)
    rec = sk.read(cap)
    imu = rec.metadata["imu"]["left"]
    assert list(imu.columns) == ["time_s", "accel_x_g", "accel_y_g", "accel_z_g", "gyro_x_deg_s", "gyro_y_deg_s",
                                 "gyro_z_deg_s"]  # fmt: skip
    assert len(imu) >= 100
    assert np.allclose(imu[["accel_x_g", "accel_y_g", "accel_z_g"]].to_numpy(), [0.0625, -0.125, 1.0])
    assert np.allclose(imu["gyro_x_deg_s"], 328 * 1000 / 32768)
    t = imu["time_s"].to_numpy()
    # on the recording's time axis: within its span (device clock mapped like the pressure samples)
    assert t[0] > rec.time[0] - 0.1 and t[-1] < rec.time[-1] + 0.1
    assert np.all(np.diff(t[:10]) > 0)


def test_replay_of_a_capture_whose_layout_file_is_gone_takes_layout_from_the_cli(pty, tmp_path, capsys):
    # a board recorded with the lab's own layout file; replayed on a machine without that file
    import json

    from sensorkit.cli import main

    layout_file = tmp_path / "lab-insole.json"
    layout_file.write_text(json.dumps(sk.load_layout("ref16").to_dict()))
    stamps = [10_000 * (k + 1) for k in range(200)]  # 100 Hz, us
    pty.run(csv_board(stamps, per_write=20, period_s=0.02), pty.master, pty.stop)
    cap = tmp_path / "lab.skr"
    with skd.open(f"serial://{pty.path}?format=csv&layout={layout_file}&rate=100&units=N", record=cap) as dev:
        collect(dev, 150, timeout_s=8)
    layout_file.unlink()
    # the capture is self-contained: its header holds the layout, so the file is not needed
    assert main(["replay", str(cap), "--speed", "0", "--plain"]) == 0
    assert "0 gaps" in capsys.readouterr().out
    # --layout replaces it; one with another sensor count is one clear error
    assert main(["replay", str(cap), "--speed", "0", "--plain", "--layout", "moticon-s7-estimated"]) == 0
    capsys.readouterr()
    assert main(["replay", str(cap), "--speed", "0", "--plain", "--layout", "physionet8"]) != 0
    assert "layout 'physionet8' has 8 sensors, the capture has 16" in capsys.readouterr().err
