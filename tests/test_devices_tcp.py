"""tcp:// through real loopback sockets (127.0.0.1), with a firmware server thread."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

import sensorkit.devices as skd
from sensorkit.devices.firmware import SimFirmware, SimParams, serve_socket
from sensorkit.errors import DeviceError
from tests.conftest import collect


class Gateway:
    """A loopback TCP server that plays one firmware per accepted connection (the same firmware each time)."""

    def __init__(self, firmware: SimFirmware) -> None:
        self.firmware = firmware
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.drop = threading.Event()
        self.accepting = threading.Event()
        self.accepting.set()
        self.connections = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.server.settimeout(0.05)
        while not self.stop.is_set():
            if not self.accepting.is_set():
                time.sleep(0.01)
                continue
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self.firmware.output()  # what the insole sent while nobody was connected is lost
            session_stop = threading.Event()
            watcher = threading.Thread(target=self._watch, args=(session_stop,), daemon=True)
            watcher.start()
            serve_socket(self.firmware, conn, session_stop)
            conn.close()

    def _watch(self, session_stop: threading.Event) -> None:
        while not (self.stop.is_set() or self.drop.is_set()):
            time.sleep(0.01)
        session_stop.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def gateway():
    gw = Gateway(SimFirmware(SimParams(side="right", seed=11, rate=200)))
    yield gw
    gw.close()


def test_protocol_over_loopback_tcp(gateway):
    with skd.open(f"tcp://127.0.0.1:{gateway.port}") as dev:
        assert dev.info.side == "right" and dev.info.transport == f"127.0.0.1:{gateway.port}"
        chunks = collect(dev, 200)
    seq = np.concatenate([c.seq for c in chunks])
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))


def test_dropped_connection_reconnects_with_backoff_and_marks_the_gap(gateway):
    with skd.open(f"tcp://127.0.0.1:{gateway.port}?reconnect=1") as dev:
        collect(dev, 50)
        gateway.accepting.clear()
        gateway.drop.set()
        time.sleep(0.4)  # refused while the gateway is down: back-off retries
        gateway.drop.clear()
        gateway.accepting.set()
        after = []
        deadline = time.monotonic() + 5
        while not any(c.gaps for c in after):
            assert time.monotonic() < deadline, "no gap after the reconnection"
            after += collect(dev, 1)
        stats = dev.devices[0].stats
        gap = next(g for c in after for g in c.gaps)
    assert stats.reconnects >= 1 and gateway.connections >= 2
    assert gap["reason"] == "link lost" and gap["n_missing"] >= 0.3 * 200
    assert gap["end_s"] - gap["start_s"] >= 0.3


def test_dropped_connection_without_reconnect_raises(gateway):
    with skd.open(f"tcp://127.0.0.1:{gateway.port}") as dev:
        collect(dev, 10)
        gateway.accepting.clear()
        gateway.drop.set()
        with pytest.raises(DeviceError, match=r"closed by the peer|link lost"):
            for _ in range(50):
                dev.read(timeout_s=0.2)


def test_connection_refused_is_a_clear_error():
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(DeviceError, match="cannot connect"):
        skd.open(f"tcp://127.0.0.1:{port}")
