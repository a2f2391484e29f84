"""Boards that reboot, go idle or restart their clock: detection, restart, CSV cuts, and their replay.

Drives real components like tests/test_devices_link_faults.py (pseudo-terminals read through
pyserial, loopback TCP, the simulated firmware, crafted frames).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from test_devices_link_faults import (
    DeadProxy,
    FwProxy,
    OneShotServer,
    UptimeFirmware,
    cat,
    csv_gateway_joined_mid_line,
    read_for,
    read_samples,
)

import sensorkit.devices as skd
from sensorkit.devices.firmware import SimFirmware, SimParams, serve_fd, serve_socket
from sensorkit.errors import DeviceError
from sensorkit.protocol import CommandId, Status, StatusFlags

# boards rebooting on real pseudo-terminals (~20 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow

# ----------------------------------------------------------------------------- boot detection


def test_a_reboot_after_a_set_rate_handshake_is_still_detected(pty):
    params = SimParams(side="left", seed=2, rate=100)
    proxy = FwProxy(UptimeFirmware(params))  # SimFirmware ACKs SET_RATE without a DEVICE_INFO (a SHOULD)
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}", rate_hz=100) as dev:
        read_samples(dev, 100)
        read_for(dev, 0.1)
        proxy.reboot(UptimeFirmware(params, autostream=True))  # boot DEVICE_INFO, then streams
        after = read_for(dev, 1.2)
        d = dev.devices[0]
        st = d.stats
        events = [e["event"] for e in d.events]
    gaps = [g for c in after for g in c.gaps]
    assert st.duplicates == 0, f"{st.duplicates} packets of the rebooted board dropped as duplicates"
    assert "device_restart" in events and any(g["reason"] == "device restart" for g in gaps)


def test_a_reboot_after_a_plain_handshake_is_detected(pty):
    """Control for the test above: without SET_RATE the same reboot is a 'device restart'."""
    params = SimParams(side="left", seed=2, rate=100)
    proxy = FwProxy(UptimeFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        read_samples(dev, 100)
        read_for(dev, 0.1)
        proxy.reboot(UptimeFirmware(params, autostream=True))
        after = read_for(dev, 1.2)
        st = dev.devices[0].stats
    assert st.duplicates == 0
    assert any(g["reason"] == "device restart" for c in after for g in c.gaps)


def test_device_info_sent_on_a_new_connection_is_not_a_boot():
    fw = SimFirmware(SimParams(side="left", seed=4, rate=100))
    n_conn = [0]

    def handler(conn, stop):
        n_conn[0] += 1
        fw._emit(fw._info())  # PROTOCOL.md 5.1: DEVICE_INFO after every connection
        if n_conn[0] == 1:
            local = threading.Event()
            timer = threading.Timer(0.8, local.set)  # the gateway drops the first connection
            timer.start()
            serve_socket(fw, conn, local)
        else:
            serve_socket(fw, conn, stop)

    srv = OneShotServer(handler)
    try:
        with skd.open(f"tcp://127.0.0.1:{srv.port}?reconnect=1") as dev:
            read_samples(dev, 50)
            chunks = read_for(dev, 1.5)
            d = dev.devices[0]
            events = [e["event"] for e in d.events]
            st = d.stats
    finally:
        srv.close()
    assert st.reconnects == 1 and "reconnected" in events
    seq = cat(chunks, "seq")
    assert np.all(np.diff(seq) == 1)  # the firmware kept running: nothing lost, nothing restarted
    assert "device_restart" not in events, events


# ----------------------------------------------------------------------------- idle board, STOP


def test_a_board_that_went_idle_is_restarted_and_its_samples_are_kept(pty):
    fw = SimFirmware(SimParams(side="left", seed=2, rate=100))
    proxy = FwProxy(fw)
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        read_samples(dev, 100)
        with proxy.lock:
            fw._streaming = False  # the board stops on its own (watchdog, brown-out of the ADC task ...)
        t_idle = time.monotonic()
        after = read_for(dev, 2.3)
        d = dev.devices[0]
        events = [e["event"] for e in d.events]
        st = d.stats
    assert "device_idle" in events  # STATUS streaming=0 came (<= 1 s) and START was re-sent
    n_new = sum(c.n for c in after if c.arrival_s > t_idle + 0.05)
    assert st.duplicates == 0, f"{st.duplicates} fresh packets dropped as duplicates"
    assert n_new >= 80, n_new  # >= 1.2 s of the 2.3 s at 100 Hz after the restart


class _StatusOnStop(SimFirmware):
    """A firmware that reports a state change at once: STATUS right after the ACK of STOP (5.4: 'at least
    once per second')."""

    starts = 0

    def _command(self, cmd, now):
        super()._command(cmd, now)
        if cmd.command == CommandId.START:
            self.starts += 1
        elif cmd.command == CommandId.STOP:
            self._emit(Status(0, self.device_us(now), 90, 3100, StatusFlags.NONE, self._streaming))


def test_stop_is_not_undone_by_the_status_that_follows_it(pty):
    fw = _StatusOnStop(SimParams(side="left", seed=2, rate=100))
    pty.run(serve_fd, fw, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        read_samples(dev, 50)
        dev.stop()
        time.sleep(0.4)
        events = [e["event"] for e in dev.devices[0].events]
        streaming = fw._streaming
    assert not streaming and fw.starts == 1, f"START sent {fw.starts} times, events {events}"


# ----------------------------------------------------------------------------- CSV


def test_csv_attach_right_after_the_timestamp_of_a_line_keeps_decoding():
    tail = ",".join(str(j) for j in range(16)).encode() + b"\r\n"  # a line cut right after 't995000,'
    srv = OneShotServer(csv_gateway_joined_mid_line(tail))
    try:
        with skd.open(
            f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200", handshake_timeout_s=2
        ) as dev:
            chunks = read_for(dev, 1.0)
            st = dev.devices[0].stats
    finally:
        srv.close()
    assert sum(c.n for c in chunks) >= 100, (
        f"{sum(c.n for c in chunks)} samples, {st.framing_errors} rejected lines"
    )
    assert st.framing_errors <= 1


def test_csv_read_with_a_lost_line_and_a_clock_restart_is_cut_and_numbered(tmp_path):
    """One read holding a lost line and a board reboot: two gaps, sample numbers skip the lost line,
    host times increase, and the replay is bit for bit the same."""

    def board(conn, stop):
        lines = []
        for k in range(40):
            lines.append(f"t{1_000_000 + 5000 * k}," + ",".join(str(k + j) for j in range(16)))
        conn.sendall(("\n".join(lines) + "\n").encode())
        time.sleep(0.2)
        burst = []
        for k in range(40, 60):
            if k == 45:
                continue  # a lost line
            burst.append(f"t{1_000_000 + 5000 * k}," + ",".join(str(k + j) for j in range(16)))
        for k in range(60, 80):  # the board rebooted: its clock restarts
            burst.append(f"t{2000 + 5000 * (k - 60)}," + ",".join(str(k + j) for j in range(16)))
        conn.sendall(("\n".join(burst) + "\n").encode())  # one read
        stop.wait(1.0)

    srv = OneShotServer(board)
    path = tmp_path / "csvcut.skr"
    try:
        with skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200", record=path) as dev:
            live = read_samples(dev, 78)  # 80 lines: the connection's first is skipped, one is lost
            dev.close()
            live += dev.drain()
    finally:
        srv.close()
    with skd.open(f"replay://{path}?speed=0") as rep:
        replayed = list(rep)
    gaps = [g for c in live for g in c.gaps]
    assert [g["reason"] for g in gaps] == ["time jump", "device restart"], gaps
    assert gaps[0]["n_missing"] == 1
    v0 = cat(live, "values")[:, 0].astype(np.int64)
    seq = cat(live, "seq")
    assert v0[0] == 1  # line 0 is the connection's first line: skipped
    assert np.array_equal(seq[:45] - seq[0], v0[:45] - 1)
    assert seq[44] - seq[43] == 2  # the lost line (45) is skipped in the numbering
    assert np.all(np.diff(seq) > 0) and np.all(np.diff(cat(live, "time")) > 0)
    for field in ("time", "seq", "values"):
        assert np.array_equal(cat(live, field), cat(replayed, field)), field
    assert gaps == [g for c in replayed for g in c.gaps]


# ----------------------------------------------------------------------------- replay of a restart


def test_replay_of_a_reboot_held_for_its_time_sync_is_bit_identical(pty, tmp_path):
    """The boot DEVICE_INFO makes the reader hold samples until a TIME_SYNC: that decision, the gap and
    its numbering must come out the same from the capture."""
    params = SimParams(side="left", seed=2, rate=200)
    proxy = DeadProxy(SimFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    path = tmp_path / "reboot.skr"
    with skd.open(f"serial://{pty.link}", record=path) as dev:
        live = read_samples(dev, 100)
        proxy.dead = True
        time.sleep(0.3)
        new = SimFirmware(params)
        new._boot_us = 150_000
        proxy.reboot(new)  # boots idle: the host must re-send START
        proxy.dead = False
        live += read_for(dev, 1.0)
        dev.close()
        live += dev.drain()
        events = [e["event"] for e in dev.devices[0].events]
    with skd.open(f"replay://{path}?speed=0") as rep:
        replayed = list(rep)
    gaps = [g for c in live for g in c.gaps]
    assert "device_restart" in events and [g["reason"] for g in gaps] == ["device restart"], (events, gaps)
    assert sum(c.n for c in live) > 250
    for field in ("time", "seq", "values"):
        a, b = cat(live, field), cat(replayed, field)
        assert np.array_equal(a, b), field
    assert gaps == [g for c in replayed for g in c.gaps]
    t = cat(live, "time")
    assert np.all(np.diff(t) > 0)


def test_csv_board_at_another_rate_than_configured_is_a_clear_error():
    """Gaps are counted in periods of ``rate``; a 50 Hz board opened with the default 100 Hz would
    show a gap on every line, so its timestamps' spacing is checked and the error names the rate."""

    def board(conn, stop):
        k = 0
        while not stop.is_set() and k < 200:
            conn.sendall((f"t{1000 + 20_000 * k}," + ",".join(str(k + j) for j in range(16)) + "\n").encode())
            k += 1
            time.sleep(0.02)

    srv = OneShotServer(board)
    try:
        with pytest.raises(DeviceError, match=r"timestamps say 50 Hz but the rate is 100 Hz") as err:
            with skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16") as dev:
                read_for(dev, 1.5)
        assert "rate=50" in err.value.hint
        with skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=50") as dev:
            chunks = read_for(dev, 0.6)
        assert not [g for c in chunks for g in c.gaps] and sum(c.n for c in chunks) >= 20
    finally:
        srv.close()


class _NoSyncUptimeFirmware(UptimeFirmware):
    """A rebooted board that never answers SYNC_TIME: its samples wait for a sync that never comes."""

    def _command(self, cmd, now):
        if cmd.command == CommandId.SYNC_TIME:
            return
        super()._command(cmd, now)


def test_samples_held_for_a_time_sync_are_delivered_at_close_and_at_the_end_of_the_replay(pty, tmp_path):
    params = SimParams(side="left", seed=2, rate=100)
    proxy = FwProxy(UptimeFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    path = tmp_path / "held.skr"
    dev = skd.open(f"serial://{pty.link}", record=path)
    try:
        live = read_samples(dev, 100)
        proxy.reboot(_NoSyncUptimeFirmware(params, autostream=True))
        live += read_for(dev, 0.3)  # shorter than the 0.5 s hold: the new samples are still held
        restarted_before_close = any(g["reason"] == "device restart" for c in live for g in c.gaps)
    finally:
        dev.close()
    live += dev.drain()
    gap_at = [i for i, c in enumerate(live) if any(g["reason"] == "device restart" for g in c.gaps)]
    assert not restarted_before_close and len(gap_at) == 1  # the new board's samples came at close
    assert sum(c.n for c in live[gap_at[0] :]) >= 20
    with skd.open(f"replay://{path}?speed=0") as rep:
        replayed = list(rep)
    for field in ("time", "seq", "values"):
        assert np.array_equal(cat(live, field), cat(replayed, field)), field


def test_csv_board_printing_fewer_values_than_the_layout_has_sensors_is_named_in_the_error():
    """The decoder is built with the layout's S, so a 12-channel board gives no sample line at all;
    the handshake error says why instead of only 'no CSV sample line'."""

    def board(conn, stop):
        conn.sendall(b"5,6\r\n# banner\r\n")  # a cut line and a comment first
        k = 0
        while not stop.is_set() and k < 400:
            conn.sendall((f"t{1000 + 5000 * k}," + ",".join(str(k + j) for j in range(12)) + "\r\n").encode())
            k += 1
            time.sleep(0.005)

    srv = OneShotServer(board)
    try:
        with pytest.raises(
            DeviceError, match=r"prints 12 values per line but layout 'ref16' has 16 sensors"
        ) as err:
            skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200", handshake_timeout_s=0.6)
        assert err.value.hint.startswith("no built-in layout has 12 sensors")
    finally:
        srv.close()
