"""Link faults of the device layer, capture files and the live CLI verbs, against their specifications.

Every test states the answer the specifications give (firmware_protocol/PROTOCOL.md,
firmware_protocol/CAPTURE.md, the design's device and file sections) and drives real
components: pseudo-terminals read through pyserial (``conftest.Pty``), loopback TCP sockets
(127.0.0.1 only), the simulated firmware for valid frames and :mod:`sensorkit.protocol` for
crafted ones: counters that wrap, duplicated and reordered packets, boards that reboot, CSV
boards unplugged or joined mid-line, pairs on one clock, captures cut or corrupted, replay,
resource leaks and one-line CLI errors.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import Pty

import sensorkit
import sensorkit.devices as skd
from sensorkit.devices.firmware import SimFirmware, SimParams, serve_fd
from sensorkit.errors import DeviceError, FileFormatError
from sensorkit.io.capture import (
    REC_RX,
    CaptureCutWarning,
    CaptureReader,
    CaptureUnfinishedWarning,
    CaptureWriter,
    read_capture,
)
from sensorkit.protocol import (
    PressureSamples,
    TimeSync,
    decode_packet,
)

# real pseudo-terminals, sockets and timeouts (~45 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow

U32 = 1 << 32


# ----------------------------------------------------------------------------- helpers


class FwProxy:
    """Stands in for a SimFirmware in ``serve_fd`` so a test can swap the firmware (a reboot)."""

    def __init__(self, fw: SimFirmware) -> None:
        self.fw = fw
        self.lock = threading.Lock()

    def output(self, now=None):
        with self.lock:
            return self.fw.output(now)

    def next_due(self):
        with self.lock:
            return self.fw.next_due()

    def receive(self, data, now=None):
        with self.lock:
            self.fw.receive(data, now)

    def reboot(self, new: SimFirmware) -> None:
        with self.lock:
            new._emit(new._info())  # PROTOCOL.md 5.1: DEVICE_INFO is sent after boot
            self.fw = new


class WrapFirmware(SimFirmware):
    """SimFirmware whose sample counter starts just below 2**32 and header seq just below 2**16."""

    K0 = U32 - 40

    def __init__(self, params: SimParams, **kw) -> None:
        super().__init__(params, **kw)
        self._tx_seq = 65536 - 12

    def _start(self, now: float) -> None:
        self._streaming = True
        self._stream_t0_us = self.device_us(now)
        self._next_sample = self.K0

    def _sample_dev_us(self, k: int) -> int:
        return self._stream_t0_us + ((k - self.K0) * self._period_ns) // 1000

    def _raw(self, k: int, n: int) -> np.ndarray:
        return super()._raw(k - self.K0, n)


class UptimeFirmware(SimFirmware):
    """A board whose sample counter and timestamps both count from boot (a common firmware design)."""

    def __init__(self, params: SimParams, *, boot_us: int = 300_000, autostream: bool = False) -> None:
        super().__init__(params)
        self._boot_us = boot_us
        if autostream:
            self._start(self._h0)

    def _start(self, now: float) -> None:
        self._streaming = True
        self._stream_t0_us = 0
        self._next_sample = -(-self.device_us(now) * 1000 // self._period_ns)


def frames_of(data: bytes) -> list[bytes]:
    return [f + b"\x00" for f in data.split(b"\x00")[:-1] if f]


def read_samples(dev, n_samples: int, timeout_s: float = 4.0) -> list:
    chunks, n = [], 0
    deadline = time.monotonic() + timeout_s
    while n < n_samples:
        assert time.monotonic() < deadline, f"only {n} samples in {timeout_s} s"
        c = dev.read(timeout_s=0.2)
        if c is not None:
            chunks.append(c)
            n += c.n
    return chunks


def read_for(dev, seconds: float) -> list:
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        c = dev.read(timeout_s=0.05)
        if c is not None:
            out.append(c)
    return out


def cat(chunks, field):
    return np.concatenate([getattr(c, field) for c in chunks])


def sensorkit_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sensorkit") and t.is_alive()]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class OneShotServer:
    """A loopback TCP server that runs ``handler(conn, stop)`` for each connection."""

    def __init__(self, handler) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.handler = handler
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            try:
                self.handler(conn, self.stop)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.server.close()


# ----------------------------------------------------------------------------- sequence numbers


def test_u32_sample_seq_and_u16_header_seq_wrap_without_false_gaps_and_a_loss_across_the_wrap(pty):
    """PROTOCOL.md 7: seq wraps 65535 -> 0 and sample numbers 2**32-1 -> 0; a jump forward is a gap."""
    fw = WrapFirmware(SimParams(side="left", seed=3, rate=200))  # 2 samples per packet
    dropped = []

    def mangle(data: bytes) -> bytes:
        out = []
        for f in frames_of(data):
            p = decode_packet(f)
            if isinstance(p, PressureSamples) and p.first_sample_seq == 6 and not dropped:
                dropped.append(p)  # lose the 4th packet after the wrap (samples 2**32+6, +7)
                continue
            out.append(f)
        return b"".join(out)

    pty.run(serve_fd, fw, pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}") as dev:
        chunks = read_samples(dev, 120)
    seq = cat(chunks, "seq")
    t = cat(chunks, "time")
    assert seq[0] == WrapFirmware.K0 and seq[-1] > U32 + 20  # unwrapped: keeps counting past 2**32
    assert np.all(np.diff(seq) > 0) and np.all(np.diff(t) > 0)
    st = chunks[-1].stats
    gaps = [g for c in chunks for g in c.gaps]
    assert dropped and st.missing_samples == 2 and len(gaps) == 1 == st.gaps, gaps
    g = gaps[0]
    assert g["n_missing"] == 2 and g["reason"] == "packet loss"
    # the gap spans from the last sample before to the first sample after
    i = int(np.searchsorted(seq, U32 + 8))
    assert seq[i] == U32 + 8 and seq[i - 1] == U32 + 5
    assert g["start_s"] == t[i - 1] and g["end_s"] == t[i]
    assert g["end_s"] - g["start_s"] == pytest.approx(3 / 200, abs=2e-3)
    assert st.missing_packets == 1  # header seq wrapped 65535 -> 0 on the way without a false gap
    assert st.errors == 0


def test_duplicated_pressure_packets_are_dropped_not_delivered_twice_and_make_no_gap(pty):
    fw = SimFirmware(SimParams(side="left", seed=5, rate=200))

    def mangle(data: bytes) -> bytes:
        out = []
        for f in frames_of(data):
            out.append(f)
            if isinstance(decode_packet(f), PressureSamples):
                out.append(f)  # the link repeats every pressure frame
        return b"".join(out)

    pty.run(serve_fd, fw, pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}") as dev:
        chunks = read_samples(dev, 100)
    seq = cat(chunks, "seq")
    st = chunks[-1].stats
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))
    assert st.gaps == 0 and st.missing_samples == 0 and st.duplicates >= 40


def test_reordered_packets_keep_sample_numbers_increasing_and_the_books_balanced(pty):
    fw = SimFirmware(SimParams(side="left", seed=5, rate=200))
    held: list[bytes] = []
    count = [0]

    def mangle(data: bytes) -> bytes:
        out = []
        for f in frames_of(data):
            if isinstance(decode_packet(f), PressureSamples):
                count[0] += 1
                if count[0] % 10 == 5:
                    held.append(f)  # this one arrives after the next one
                    continue
                out.append(f)
                if held:
                    out.append(held.pop())
            else:
                out.append(f)
        return b"".join(out)

    pty.run(serve_fd, fw, pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}") as dev:
        chunks = read_samples(dev, 150)
    seq = cat(chunks, "seq")
    st = chunks[-1].stats
    assert np.all(np.diff(seq) > 0) and np.all(np.diff(cat(chunks, "time")) > 0)
    assert seq.size == st.samples and seq[-1] - seq[0] + 1 == seq.size + st.missing_samples
    assert st.gaps == len([g for c in chunks for g in c.gaps]) >= 1


# ----------------------------------------------------------------------------- device restart


def test_a_board_that_reboots_and_streams_again_is_a_reset_not_a_flood_of_duplicates(pty):
    """PROTOCOL.md 7: a sequence that goes backwards is a device restart: resynchronise, lose nothing after it."""
    params = SimParams(side="left", seed=2, rate=100)
    proxy = FwProxy(UptimeFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        before = read_samples(dev, 100)  # ~1 s of streaming
        read_for(dev, 0.1)
        # brown-out: the board reboots (uptime and sample counter restart) and streams from power-up
        proxy.reboot(UptimeFirmware(params, autostream=True))
        t_reboot = time.monotonic()
        after = read_for(dev, 1.2)
        st = dev.devices[0].stats
    n_after = sum(c.n for c in after if c.arrival_s > t_reboot + 0.05)
    gaps = [g for c in after for g in c.gaps]
    assert st.duplicates == 0, f"{st.duplicates} fresh packets dropped as duplicates"
    assert n_after >= 80  # ~1.1 s at 100 Hz keeps flowing
    assert any("restart" in g["reason"] for g in gaps), gaps
    t_all = cat(before + after, "time")
    assert np.all(np.diff(t_all) > 0)


def test_a_board_that_reboots_idle_while_streaming_is_restarted_or_reported(pty):
    """Faults are never silent: the host asked for a stream, the board rebooted and only sends STATUS
    (streaming=0, PROTOCOL.md 5.4) and DEVICE_INFO. Either streaming resumes or the caller gets a DeviceError."""
    params = SimParams(side="left", seed=2, rate=100)
    proxy = FwProxy(SimFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    outcome = "silent"
    with skd.open(f"serial://{pty.link}", timeout_s=1.3) as dev:
        read_samples(dev, 30)
        proxy.reboot(SimFirmware(params))  # comes back idle, STATUS every second
        t_reboot = time.monotonic()
        deadline = t_reboot + 2.8
        try:
            while time.monotonic() < deadline:
                c = dev.read(timeout_s=0.1)
                if c is not None and c.arrival_s > t_reboot + 0.1:
                    outcome = "resumed"
                    break
        except DeviceError:
            outcome = "reported"
        status = dev.devices[0].status
    assert outcome in ("resumed", "reported")
    if outcome == "reported":
        assert status is not None and not status.streaming  # the board said so
    else:  # the host noticed the reboot and restarted the stream
        assert any(e["event"] in ("device_restart", "device_idle") for e in dev.devices[0].events)


# ----------------------------------------------------------------------------- CSV-line mode


def csv_board(stamps: bool, rate_hz: int = 200, reset_after: int | None = None, channels: int = 16):
    """A board printing one CRLF-terminated line per sample, paced in real time."""

    def board(fd, stop):
        k = 0
        t_dev = 5_000_000
        t0 = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - t0) * rate_hz)
            lines = []
            while k < due:
                if reset_after is not None and k == reset_after:
                    t_dev = 1000  # the board rebooted: its microsecond clock restarts
                vals = ",".join(str((k * 7 + j) % 4096) for j in range(channels))
                lines.append((f"t{t_dev}," if stamps else "") + vals + "\r\n")
                t_dev += 1_000_000 // rate_hz
                k += 1
            if lines:
                try:
                    os.write(fd, "".join(lines).encode())
                except OSError:
                    return
            time.sleep(0.005)

    return board


def test_csv_board_without_timestamps_unplugged_and_replugged_marks_the_gap(pty):
    """Requirement: an unplugged port reconnects; the recording keeps before and after, gap marked."""
    pty.run(csv_board(stamps=False), pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}?format=csv&layout=ref16&rate=200&reconnect=1") as dev:
        read_samples(dev, 60)
        pty.unplug()
        time.sleep(0.4)
        pty.replug()
        pty.run(csv_board(stamps=False), pty.master, pty.stop)
        t_replug = time.monotonic()
        after = []
        while time.monotonic() - t_replug < 3 and sum(c.n for c in after if c.arrival_s > t_replug) < 60:
            c = dev.read(timeout_s=0.1)
            if c is not None:
                after.append(c)
        st = dev.devices[0].stats
        gaps = dev.gaps
    assert st.reconnects == 1 and sum(c.n for c in after if c.arrival_s > t_replug) >= 60
    lost = [g for g in gaps if g["reason"] == "link lost"]
    assert len(lost) == 1, gaps
    assert lost[0]["end_s"] - lost[0]["start_s"] >= 0.3


def test_csv_board_whose_clock_restarts_keeps_host_times_increasing(pty):
    pty.run(csv_board(stamps=True, reset_after=100), pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}?format=csv&layout=ref16&rate=200") as dev:
        chunks = read_samples(dev, 300)
    t = cat(chunks, "time")
    seq = cat(chunks, "seq")
    assert np.all(np.diff(seq) > 0)
    assert np.all(np.diff(t) > 0), f"host time goes back by {-np.diff(t).min():.3f} s"
    assert t[-1] - t[0] == pytest.approx((seq[-1] - seq[0]) / 200, abs=0.3)


def csv_gateway_joined_mid_line(cut_tail: bytes):
    """A TCP gateway handler: ``cut_tail`` (the end of a line cut by the attach), then 400 stamped
    16-value lines at 200 Hz whose first value is the line number."""

    def gateway(conn, stop):
        conn.sendall(cut_tail)
        k = 0
        while not stop.is_set() and k < 400:
            line = f"t{1000 + 5000 * k}," + ",".join(str(k + j) for j in range(16)) + "\r\n"
            conn.sendall(line.encode())
            k += 1
            time.sleep(0.005)

    return gateway


def test_csv_stream_joined_mid_line_skips_the_partial_line():
    """PROTOCOL.md 10: the first valid line fixes S *unless the host was configured with S* (the layout);
    a receiver attaching mid-line rejects that partial line and goes on."""
    srv = OneShotServer(csv_gateway_joined_mid_line(b"5,17,230,1023,4\r\n"))
    try:
        with skd.open(
            f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200", handshake_timeout_s=2
        ) as dev:
            chunks = read_samples(dev, 50)
            st = dev.devices[0].stats
    finally:
        srv.close()
    # the connection's first line is skipped unparsed (it may be the tail of a cut line), so the
    # cut line is neither a sample nor a rejected line, and the next lines decode
    v = cat(chunks, "values")
    assert v.shape[1] == 16 and st.framing_errors == 0 and v[0, 0] == 0


def test_csv_partial_lines_crlf_comments_and_extra_columns():
    """PROTOCOL.md 10: lines split across reads join up, CR is ignored, comments and blank lines are
    skipped, a line with a different column count is rejected and counted, decoding goes on."""

    def board(conn, stop):
        conn.sendall(b"# myboard v0.3\r\n  \r\n")
        k = 0
        while not stop.is_set() and k < 600:
            line = f"t{1000 + 5000 * k}," + ",".join(str(k + j) for j in range(16))
            if k % 50 == 25:
                line += ",99"  # an extra column
            data = (line + "\r\n").encode()
            cut = len(data) // 2
            conn.sendall(data[:cut])  # a line split across two reads
            time.sleep(0.001)
            conn.sendall(data[cut:])
            k += 1
            time.sleep(0.004)

    srv = OneShotServer(board)
    try:
        with skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200") as dev:
            chunks = read_samples(dev, 120)
    finally:
        srv.close()
    v = cat(chunks, "values")
    seq = cat(chunks, "seq")
    assert v.shape[1] == 16 and v[0, 0] == 0
    assert np.all(v[:, 1] - v[:, 0] == 1)  # no line mixed with another
    assert 25 not in set(v[:, 0].astype(int).tolist())  # the extra-column line was rejected
    assert chunks[-1].stats.framing_errors >= 1
    assert np.all(np.diff(cat(chunks, "time")) > 0)
    # the rejected line is a lost sample: listed as a gap, and the sample numbers skip it
    assert np.array_equal(seq - seq[0], v[:, 0].astype(np.int64))
    assert any(g["n_missing"] == 1 for c in chunks for g in c.gaps)


# ----------------------------------------------------------------------------- time sync


def test_delayed_time_sync_replies_are_outliers_that_do_not_move_the_clock(pty):
    """PROTOCOL.md 6.3: keep the exchanges with the smallest round trips; a reply held up on the way
    (large round trip) must not shift the mapping of device time onto host time."""
    fw = SimFirmware(SimParams(side="left", seed=8, rate=500, drift=150))
    held: list[tuple[float, bytes]] = []
    n_sync = [0]
    lock = threading.Lock()

    def mangle(data: bytes) -> bytes:
        out = []
        now = time.monotonic()
        with lock:
            while held and held[0][0] <= now:
                out.append(held.pop(0)[1])
            for f in frames_of(data):
                if isinstance(decode_packet(f), TimeSync):
                    n_sync[0] += 1
                    if n_sync[0] % 2 == 0:  # every other reply sits 120 ms in a buffer
                        held.append((now + 0.12, f))
                        continue
                out.append(f)
        return b"".join(out)

    pty.run(serve_fd, fw, pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}", sync_interval_s=0.1) as dev:
        chunks = read_for(dev, 2.0)
        n_syncs = dev.devices[0].clock.n_syncs
    seq = cat(chunks, "seq")
    t = cat(chunks, "time")
    err = t - fw.true_sample_times(seq)
    assert n_syncs >= 8
    assert np.max(np.abs(err[seq - seq[0] > 200])) < 1e-3  # after the first 0.4 s: within 1 ms


def test_pair_with_opposite_drift_and_a_late_right_insole_is_on_one_clock(tmp_path):
    """Two URLs give a pair on one host clock; the right insole answers 0.6 s later than the left."""
    links = []
    ptys = []
    fws = {}
    try:
        for side, drift, delay in (("left", 300, 0.0), ("right", -300, 0.6)):
            p = Pty(tmp_path / f"tty{side}")
            fw = SimFirmware(SimParams(side=side, seed=4, rate=500, drift=drift))
            fws[side] = fw

            def late(fw=fw, p=p, delay=delay):
                if p.stop.wait(delay):
                    return
                serve_fd(fw, p.master, p.stop)

            p.run(late)
            ptys.append(p)
            links.append(f"serial://{p.link}")
        with skd.open(*links) as session:
            assert [d.side for d in session.devices] == ["left", "right"]
            chunks = read_for(session, 2.5)
    finally:
        for p in ptys:
            p.close()
    for side in ("left", "right"):
        cs = [c for c in chunks if c.side == side]
        seq = cat(cs, "seq")
        t = cat(cs, "time")
        err = t - fws[side].true_sample_times(seq)
        assert np.max(np.abs(err[seq - seq[0] > 300])) < 1e-3, side


# ----------------------------------------------------------------------------- pairs and assembly


def _chunk(side, t, seq, values, gaps=()):
    from sensorkit.devices.chunk import Chunk, LinkStats

    return Chunk(side=side, stream=0 if side == "left" else 1, time=np.asarray(t, dtype=np.float64),
                 seq=np.asarray(seq, dtype=np.int64), values=np.asarray(values, dtype=np.float32), units="N",
                 n_packets=1, arrival_s=float(t[-1]), gaps=tuple(gaps), stats=LinkStats())  # fmt: skip


def test_pair_that_starts_at_different_times_is_aligned_on_the_host_clock():
    from sensorkit.devices.assemble import recording_from_chunks

    rate = 100.0
    tl = 1000.0 + np.arange(200) / rate  # left: 1000.00 .. 1001.99
    tr = 1000.5 + np.arange(250) / rate + 0.001  # right starts 0.5 s later, ends 0.5 s later
    vl = np.tile(np.arange(200, dtype=np.float32)[:, None], (1, 16))
    vr = np.tile(1000 + np.arange(250, dtype=np.float32)[:, None], (1, 16))
    chunks = [_chunk("left", tl[:100], np.arange(100), vl[:100]), _chunk("right", tr[:120], np.arange(120), vr[:120]),
              _chunk("left", tl[100:], np.arange(100, 200), vl[100:]), _chunk("right", tr[120:], np.arange(120, 250), vr[120:])]  # fmt: skip
    rec = recording_from_chunks(chunks, layout="ref16", t0_s=1000.0)
    assert rec.time[0] == pytest.approx(0.0) and rec.time[-1] == pytest.approx(2.99, abs=0.006)
    assert np.all(np.diff(rec.time) > 0)
    # each sample sits at its own host time; nothing is invented before a side starts or after it ends
    i_r0 = int(np.argmin(np.abs(rec.time - 0.501)))
    assert np.isnan(rec.right[:i_r0]).all() and rec.right[i_r0, 0] == 1000
    assert np.isnan(rec.left[200:]).all() and rec.left[199, 0] == 199
    assert np.isfinite(rec.right[:, 0]).sum() == 250 and np.isfinite(rec.left[:, 0]).sum() == 200


def test_two_urls_for_the_same_side_are_refused():
    with pytest.raises(DeviceError, match="left"):
        skd.open("sim://?side=left&seed=1", "sim://?side=left&seed=2")


# ----------------------------------------------------------------------------- capture files


def _small_capture(path: Path, n: int = 12) -> list[tuple[int, float, bytes]]:
    recs = [(REC_RX, 50.0 + 0.01 * i, bytes([1 + i % 200]) * (3 + i % 5) + b"\x00") for i in range(n)]
    with CaptureWriter(path, {"streams": [{"stream": 0, "url": "x://"}], "host_t0_s": 50.0}) as w:
        for kind, t, data in recs:
            w.write(kind, 0, t, data)
    return recs


def test_a_capture_cut_at_every_byte_opens_with_every_record_before_the_cut(tmp_path):
    """CAPTURE.md: killed at any moment, the file opens with everything up to the cut and one warning
    saying where (offset, size, complete records, host time of the last one) and, without the end
    record, that the file was not closed; only the whole file, end record included, says nothing."""
    full = tmp_path / "full.skr"
    recs = _small_capture(full)
    blob = full.read_bytes()
    data_offset = CaptureReader(full).data_offset
    ends = [data_offset]
    for _, _, d in recs:
        ends.append(ends[-1] + 12 + len(d) + 4)
    assert blob[ends[-1] : ends[-1] + 2] == bytes([3, 255])  # then the end record, to the end of the file
    cut = tmp_path / "cut.skr"
    for size in range(data_offset, len(blob) + 1):
        cut.write_bytes(blob[:size])
        reader = CaptureReader(cut)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = list(reader.records())
        k = sum(1 for e in ends[1:] if e <= size)
        assert [r.time_s for r in got] == [t for _, t, _ in recs[:k]], size
        assert [r.data for r in got] == [d for _, _, d in recs[:k]]
        if size == len(blob):
            assert reader.cut is None and reader.unfinished is None and not caught, size
            continue
        msg = str(caught[0].message)
        if size >= ends[-1] + 12:  # cut inside the end record, its head whole: the writer was closing
            assert len(caught) == 1 and caught[0].category is CaptureCutWarning and k == len(recs), size
            assert reader.cut is not None and reader.unfinished is None and "inside the end record" in msg
            continue
        assert len(caught) == 1 and reader.unfinished is not None and reader.unfinished.n_records == k, size
        assert "stopped without closing the file" in msg, size
        if size in ends:  # killed between two records
            assert reader.cut is None and caught[0].category is CaptureUnfinishedWarning, size
            assert k == 0 or f"(host time {recs[k - 1][1]:.3f} s)" in msg
        else:
            assert reader.cut is not None and reader.cut.offset == ends[k] and reader.cut.n_records == k
            assert caught[0].category is CaptureCutWarning
            assert f"cut at byte {ends[k]} of {size}" in msg and f"{k} complete records" in msg


@pytest.mark.parametrize("keep", [0, 3, 8, 10, 30])
def test_a_capture_cut_inside_the_magic_or_header_is_a_clear_file_format_error(tmp_path, keep):
    full = tmp_path / "full.skr"
    _small_capture(full)
    cut = tmp_path / "cut.skr"
    cut.write_bytes(full.read_bytes()[:keep])
    with pytest.raises(FileFormatError):
        CaptureReader(cut)


def test_a_capture_cut_inside_the_magic_says_cut_not_foreign(tmp_path):
    full = tmp_path / "full.skr"
    _small_capture(full)
    short = tmp_path / "short.skr"
    short.write_bytes(full.read_bytes()[:5])
    with pytest.raises(FileFormatError, match=r"\.skr: .*\b(cut|truncated|incomplete)"):
        CaptureReader(short)


def test_a_corrupt_record_in_the_middle_is_reported_and_skipped(tmp_path):
    """CAPTURE.md: a record failing its CRC in the middle is damage: the reader warns with its byte
    range and resumes at the next valid record (it used to stop there and lose the rest)."""
    path = tmp_path / "mid.skr"
    recs = _small_capture(path)
    reader = CaptureReader(path)
    offsets = [r.offset for r in reader.records()]
    blob = bytearray(path.read_bytes())
    blob[offsets[5] + 13] ^= 0xFF  # a payload byte of record 5
    path.write_bytes(bytes(blob))
    reader = CaptureReader(path)
    with pytest.warns(
        CaptureCutWarning, match=rf"damaged at bytes {offsets[5]}\.\.{offsets[6]} \(bad record CRC\)"
    ):
        got = list(reader.records())
    assert len(got) == len(offsets) - 1 and reader.cut is None
    assert reader.damaged[0].last_time_s == recs[4][1] and reader.damaged[0].n_records == 5
    blob[offsets[5] + 13] ^= 0xFF
    blob[offsets[7]] = 9  # unknown record kind
    path.write_bytes(bytes(blob))
    reader = CaptureReader(path)
    with pytest.warns(CaptureCutWarning, match="bad record kind"):
        assert len(list(reader.records())) == len(offsets) - 1


def test_read_capture_of_a_live_file_corrupted_in_the_middle_warns_and_keeps_both_parts(tmp_path):
    path = tmp_path / "live.skr"
    with skd.open("sim://?side=left&rate=200&seed=3", record=path) as dev:
        live = read_samples(dev, 150)
    reader = CaptureReader(path)
    offsets = [r.offset for r in reader.records()]
    mid = offsets[len(offsets) // 2]
    blob = bytearray(path.read_bytes())
    blob[mid + 14] ^= 0x55
    path.write_bytes(bytes(blob))
    with pytest.warns(CaptureCutWarning, match=f"damaged at bytes {mid}\\.\\."):
        rec = read_capture(path)
    assert rec.metadata["capture_damaged"][0]["offset"] == mid and rec.metadata["capture_cut"] is None
    n_live = sum(c.n for c in live)
    n_present = int((~np.isnan(rec.left).all(axis=1)).sum())
    assert n_live - 40 <= n_present <= n_live  # one record's samples at most are lost


def test_capture_writer_fsyncs_within_a_second_even_when_records_stop(tmp_path, monkeypatch):
    import sensorkit.io.capture as capmod

    calls: list[float] = []
    real = os.fsync

    def spy(fd):
        calls.append(time.monotonic())
        return real(fd)

    monkeypatch.setattr(capmod.os, "fsync", spy)
    w = CaptureWriter(tmp_path / "f.skr", {"streams": []})
    try:
        time.sleep(1.05)
        w.write(REC_RX, 0, 1.0, b"\x01\x00")  # this one fsyncs (more than 1 s since the header)
        w.write(REC_RX, 0, 1.1, b"\x02\x00")  # this one is left for the next write or close
        t_last = time.monotonic()
        time.sleep(1.3)
        assert any(c > t_last for c in calls), "the last record was never fsynced"
    finally:
        w.close()


# ----------------------------------------------------------------------------- replay


def _live_and_replay(path: Path, url: str, n: int, **kw):
    with skd.open(url, record=path, **kw) as dev:
        live = read_samples(dev, n)
        dev.close()
        live += dev.drain()
    with skd.open(f"replay://{path}?speed=0") as rep:
        replayed = list(rep)
    return live, replayed


def test_replay_of_a_link_lost_for_good_counts_the_reconnections_the_live_run_made(pty, tmp_path):
    """A link lost at the end and never regained: the replay ends there, as the live stream did,
    instead of counting one more reconnection than the live run (device tester, 2026-11-30)."""
    cap = tmp_path / "lost.skr"
    pty.run(csv_board(stamps=False), pty.master, pty.stop)
    url = f"serial://{pty.link}?format=csv&layout=ref16&rate=200&reconnect=1"
    with skd.open(url, record=cap) as dev:
        live = read_samples(dev, 60)
        pty.unplug()  # lost, then regained
        time.sleep(0.3)
        pty.replug()
        pty.run(csv_board(stamps=False), pty.master, pty.stop)
        deadline = time.monotonic() + 4
        while dev.devices[0].stats.reconnects < 1 or sum(c.n for c in live) < 200:
            assert time.monotonic() < deadline, "the port never came back"
            c = dev.read(timeout_s=0.1)
            if c is not None:
                live.append(c)
        pty.unplug()  # lost for good: the session is closed while the device tries to reconnect
        time.sleep(0.5)
        dev.close()
        live += dev.drain()
        live_stats = dev.devices[0].stats
        live_events = [e["event"] for e in dev.devices[0].events]
    assert live_stats.reconnects == 1 and live_events.count("link_lost") == 2
    with skd.open(f"replay://{cap}?speed=0") as rep:
        replayed = list(rep)
        rep_stats = rep.devices[0].stats
        rep_events = [e["event"] for e in rep.devices[0].events]
    assert rep_stats.reconnects == 1, rep_events  # was 2: the replay reconnected after the last loss
    assert rep_events.count("link_lost") == 2 and rep_events.count("reconnected") == 1
    assert rep_stats.samples == live_stats.samples == sum(c.n for c in replayed)
    assert np.array_equal(
        np.concatenate([c.values for c in replayed]), np.concatenate([c.values for c in live])
    )


def test_events_recorded_after_a_link_lost_for_good_are_kept(tmp_path):
    """The dashboard writes tags on stream 0: a left insole lost for good mid-session must not take
    the tags written afterwards with it (reviewer, 2026-11-30: the replay ended before them)."""
    import json

    import sensorkit as sk
    from sensorkit.io.capture import REC_EVENT, CaptureReader, CaptureWriter

    src, dst = tmp_path / "pair.skr", tmp_path / "lost.skr"
    with skd.open("sim://?seed=4", record=src) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.0:
            session.read(timeout_s=0.1)
    reader = CaptureReader(src)
    recs = list(reader.records(warn=False))
    header = {
        k: v
        for k, v in reader.header.items()
        if k not in ("format", "version", "end_record", "fsync_interval_s")
    }
    mid = recs[0].time_s + (recs[-1].time_s - recs[0].time_s) / 2
    tag_t = None
    with CaptureWriter(dst, header) as w:
        for r in recs:
            if r.stream == 0 and r.time_s >= mid:
                if tag_t is None:  # stream 0's link is lost here and never comes back
                    w.write(REC_EVENT, 0, mid, json.dumps({"event": "link_lost", "reason": "gone"}).encode())
                    tag_t = mid + 0.3
                continue
            if tag_t is not None and r.stream == 1 and r.time_s >= tag_t and tag_t > 0:
                w.write(
                    REC_EVENT, 0, r.time_s, json.dumps({"event": "tag", "label": "after the loss"}).encode()
                )
                tag_t = -1.0
            w.write(r.kind, r.stream, r.time_s, r.data)
    assert tag_t == -1.0  # the tag was written
    rec = sk.read(dst)
    labels = rec.events["label"].tolist()
    assert "link_lost: gone" in labels and "after the loss" in labels, labels
    assert rec.right is not None and np.isfinite(rec.right[-10:]).all()  # the other insole goes on


def test_replay_of_a_noisy_binary_link_is_bit_identical_and_reproduces_the_error_counts(pty, tmp_path):
    """CAPTURE.md: garbage and corrupted frames are stored too, so a replay reproduces the error counts."""
    rng = np.random.default_rng(3)
    n = [0]

    def mangle(data: bytes) -> bytes:
        out = []
        for f in frames_of(data):
            n[0] += 1
            if n[0] > 10 and n[0] % 9 == 0 and len(f) > 12:
                b = bytearray(f)
                b[6] = b[6] ^ 0x21 or 0x42  # CRC error
                f = bytes(b)
            if n[0] > 10 and n[0] % 13 == 0:
                out.append(bytes(rng.integers(1, 256, 7, dtype=np.uint8)))  # line noise
            out.append(f)
        return b"".join(out)

    pty.run(serve_fd, SimFirmware(SimParams(side="right", seed=6, rate=400)), pty.master, pty.stop, mangle)
    live, replayed = _live_and_replay(tmp_path / "noisy.skr", f"serial://{pty.link}", 400)
    for field in ("time", "seq", "values"):
        a, b = cat(live, field), cat(replayed, field)
        assert a.dtype == b.dtype and np.array_equal(a, b), field
    assert [g for c in live for g in c.gaps] == [g for c in replayed for g in c.gaps]
    s_live, s_rep = live[-1].stats, replayed[-1].stats
    assert s_live.crc_errors > 0 and s_live.framing_errors > 0
    for k in ("crc_errors", "framing_errors", "content_errors", "missing_samples", "gaps", "samples"):
        assert getattr(s_live, k) == getattr(s_rep, k), k


def test_replay_of_a_csv_board_is_bit_identical(tmp_path):
    def board(conn, stop):
        k = 0
        while not stop.is_set() and k < 800:
            line = f"t{7000 + 2500 * k}," + ",".join(str((k * 3 + j) % 1000) for j in range(16)) + "\n"
            conn.sendall(line.encode())
            k += 1
            time.sleep(0.0025)

    srv = OneShotServer(board)
    try:
        live, replayed = _live_and_replay(
            tmp_path / "csv.skr",
            f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=400&units=N&scale=0.01",
            200,
        )
    finally:
        srv.close()
    for field in ("time", "seq", "values"):
        a, b = cat(live, field), cat(replayed, field)
        assert a.dtype == b.dtype and np.array_equal(a, b), field
    # line 0 is skipped (a connection's first line may be cut); line 1 prints 4 for sensor 1
    assert replayed[0].units == "N" and replayed[0].values[0, 1] == np.float32(0.04)


def test_replay_at_speed_one_follows_the_recorded_arrival_times_without_drift(tmp_path):
    path = tmp_path / "pace.skr"
    with skd.open("sim://?side=left&rate=200&seed=1", record=path) as dev:
        read_for(dev, 1.3)
    with skd.open(f"replay://{path}?speed=1") as rep:
        got = []
        for c in rep:
            got.append((time.monotonic(), c.arrival_s))
    wall = np.array([g[0] for g in got])
    rec = np.array([g[1] for g in got])
    lag = (wall - wall[0]) - (rec - rec[0])
    assert rec[-1] - rec[0] > 1.0
    # each chunk is handed out when its recorded arrival comes round: no drift, no running ahead
    assert lag.min() > -0.01 and lag.max() < 0.06, (lag.min(), lag.max())
    assert abs(lag[-1] - lag[: len(lag) // 4].mean()) < 0.03


def test_replay_at_speed_zero_is_as_fast_as_possible(tmp_path):
    path = tmp_path / "fast.skr"
    with skd.open("sim://?rate=500&seed=2", record=path) as dev:
        read_for(dev, 1.0)
    t0 = time.monotonic()
    with skd.open(f"replay://{path}?speed=0") as rep:
        n = sum(c.n for c in rep)
    assert n > 800 and time.monotonic() - t0 < 0.6


def test_recording_a_replay_at_speed_zero_keeps_every_received_record(tmp_path):
    # The replay read the file from the moment it opened and dropped what it had read before
    # the capture was attached: `stream replay://x.skr?speed=0 --record y.skr` kept 0 to 210
    # of 502 frames, varying from run to run.
    from sensorkit.devices.capture import REC_RX, CaptureReader

    src, copy = tmp_path / "src.skr", tmp_path / "copy.skr"
    with skd.open("sim://?rate=500&seed=2", record=src) as dev:
        read_for(dev, 1.0)
    with skd.open(f"replay://{src}?speed=0", record=copy) as rep:
        for _ in rep:
            pass

    def received(path, stream):  # in order per stream (the two insoles' records interleave freely)
        return [
            (r.time_s, r.data)
            for r in CaptureReader(path).records()
            if (r.kind, r.stream) == (REC_RX, stream)
        ]

    for stream in (0, 1):
        assert len(received(src, stream)) > 50 and received(copy, stream) == received(src, stream)
    a, b = sensorkit.read(src), sensorkit.read(copy)
    assert (
        a.n_frames > 400 and np.array_equal(a.time, b.time) and np.array_equal(a.left, b.left, equal_nan=True)
    )


# ----------------------------------------------------------------------------- shutdown and leaks


def _device_threads() -> list[threading.Thread]:
    # a shared selector thread ("sensorkit-reader") may live for the whole process by design;
    # what must not survive close is a thread per device
    return [t for t in sensorkit_threads() if t.name != "sensorkit-reader"]


def test_open_close_cycles_leak_neither_threads_nor_file_descriptors(tmp_path):
    from sensorkit.devices.firmware import serve_socket

    fw = SimFirmware(SimParams(side="left", seed=1, rate=200))
    srv = OneShotServer(lambda conn, stop: serve_socket(fw, conn, stop))
    path = tmp_path / "cycle.skr"
    try:

        def cycle():
            with skd.open(f"tcp://127.0.0.1:{srv.port}", record=path, overwrite=True) as dev:
                read_samples(dev, 3)
            with skd.open("sim://?side=right&seed=3") as dev:
                read_samples(dev, 2)
            with skd.open(f"replay://{path}?speed=0") as dev:
                next(iter(dev))  # closed before the end of the file

        cycle()  # warm-up: lazily created shared state
        time.sleep(0.1)
        threads0, fds0 = len(_device_threads()), open_fds()
        for _ in range(3):
            cycle()
    finally:
        srv.close()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and len(_device_threads()) > threads0:
        time.sleep(0.02)
    assert len(_device_threads()) == threads0
    assert open_fds() <= fds0


def test_a_closed_serial_port_can_be_reopened_at_once(pty):
    pty.run(serve_fd, SimFirmware(SimParams(side="left", seed=1, rate=200)), pty.master, pty.stop)
    failures = 0
    for _ in range(30):
        try:
            dev = skd.open(f"serial://{pty.link}", start=False)
        except DeviceError as exc:
            assert "exclusively lock" in str(exc)
            failures += 1
            time.sleep(0.06)
            continue
        dev.close()
    assert failures == 0, f"{failures} of 30 immediate reopens failed"


def test_close_while_reconnecting_returns_promptly_and_ends_the_reader_thread(pty):
    pty.run(serve_fd, SimFirmware(SimParams(side="left", seed=1, rate=200)), pty.master, pty.stop)
    dev = skd.open(f"serial://{pty.link}?reconnect=1")
    try:
        read_samples(dev, 10)
        pty.unplug()
        pty.link.unlink()  # the port is gone: every reopen fails, the reader backs off
        time.sleep(0.5)
        reader = dev.devices[0].reader_thread
        assert reader.is_alive()
    finally:
        t0 = time.monotonic()
        dev.close()
        took = time.monotonic() - t0
    assert took < 1.0 and not reader.is_alive()
    with pytest.raises(StopIteration):
        while True:
            dev.read(timeout_s=0.1)


def test_ctrl_c_during_the_handshake_closes_the_port_and_the_reader(pty):
    import _thread

    threads0 = len(_device_threads())
    timer = threading.Timer(0.3, _thread.interrupt_main)  # a silent port: the handshake is waiting
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        skd.open(f"serial://{pty.link}", handshake_timeout_s=3.0)
    assert time.monotonic() - t0 < 1.0
    time.sleep(0.1)
    assert len(_device_threads()) == threads0
    # the port was released (it is opened exclusively): opening it again works
    pty.run(serve_fd, SimFirmware(SimParams(side="left", seed=1)), pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        read_samples(dev, 3)


def test_tcp_device_that_goes_silent_times_out_with_a_clear_error():
    fw = SimFirmware(SimParams(side="right", seed=2, rate=200))
    mute = threading.Event()
    from sensorkit.devices.firmware import serve_socket

    def handler(conn, stop):
        serve_socket(fw, conn, stop, lambda d: b"" if mute.is_set() else d)

    srv = OneShotServer(handler)
    try:
        with skd.open(f"tcp://127.0.0.1:{srv.port}", timeout_s=0.4) as dev:
            read_samples(dev, 10)
            mute.set()
            t0 = time.monotonic()
            with pytest.raises(DeviceError, match="stopped sending") as err:
                while time.monotonic() - t0 < 3:
                    dev.read(timeout_s=0.1)
            assert time.monotonic() - t0 < 1.5 and "reconnect" in (err.value.hint or "")
    finally:
        srv.close()


# ----------------------------------------------------------------------------- CLI: one clear line


def _cli(capsys, verb: str, argv: list[str]) -> tuple[int, str, str]:
    from sensorkit.cli import record as record_cli
    from sensorkit.cli import replay as replay_cli
    from sensorkit.cli import stream as stream_cli
    from sensorkit.cli.stream import standalone

    mod = {"stream": stream_cli, "record": record_cli, "replay": replay_cli}[verb]
    rc = standalone(mod.add_parser, verb, argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _closed_port() -> int:
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize(
    "verb,argv,pattern",
    [
        ("stream", ["tcp://127.0.0.1:{port}", "--plain", "--duration", "1"], "cannot connect"),
        ("stream", ["sim://?side=left&cadense=170", "--plain", "--duration", "1"], "unknown parameter"),
        ("record", ["tcp://127.0.0.1:{port}", "-o", "{tmp}/x.skr", "--duration", "1"], "cannot connect"),
        (
            "record",
            ["sim://?side=left", "-o", "{tmp}/no/such/dir/x.skr", "--duration", "1"],
            "does not exist",
        ),  # the folder, named (it was a bare Errno 2)
        ("replay", ["{tmp}/missing.skr", "--speed", "0"], "no such file"),
        ("replay", ["{tmp}/notcap.skr", "--speed", "0"], "not a sensorkit capture"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(capsys, tmp_path, verb, argv, pattern):
    (tmp_path / "notcap.skr").write_text("time,L1\n0,1\n")
    argv = [a.format(port=_closed_port(), tmp=tmp_path) for a in argv]
    rc, out, err = _cli(capsys, verb, argv)
    assert rc == 1 and "Traceback" not in err + out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("error:") and pattern in lines[0], err
    assert all(ln.startswith(("error:", "hint:")) for ln in lines), err


def test_cli_stream_that_loses_its_link_prints_the_summary_then_one_error_line(capsys):
    fw = SimFirmware(SimParams(side="left", seed=2, rate=200))
    from sensorkit.devices.firmware import serve_socket

    def handler(conn, stop):
        t_end = time.monotonic() + 0.6
        done = threading.Event()
        threading.Thread(
            target=lambda: (time.sleep(max(0.0, t_end - time.monotonic())), done.set()), daemon=True
        ).start()
        serve_socket(fw, conn, done)  # then the gateway hangs up

    srv = OneShotServer(handler)
    try:
        rc, out, err = _cli(capsys, "stream", [f"tcp://127.0.0.1:{srv.port}", "--plain", "--duration", "4"])
    finally:
        srv.close()
    assert rc == 1 and "Traceback" not in err
    assert "left:" in out and " samples" in out  # the summary still comes
    assert err.startswith("error:") and ("closed by the peer" in err or "link lost" in err)


def test_cli_replay_of_a_cut_capture_warns_where_it_was_cut(capsys, tmp_path):
    path = tmp_path / "cutrun.skr"
    with skd.open("sim://?side=left&rate=200&seed=3", record=path) as dev:
        read_samples(dev, 100)
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(size - 5)
    rc, _out, err = _cli(capsys, "replay", [str(path), "--speed", "0"])
    assert rc == 0 and "Traceback" not in err
    assert "warning:" in err and "cut at byte" in err and f"of {size - 5}" in err


class DeadProxy(FwProxy):
    """A board that is off (sends nothing, hears nothing) until ``revive`` installs a new firmware."""

    def __init__(self, fw: SimFirmware) -> None:
        super().__init__(fw)
        self.dead = False

    def output(self, now=None):
        with self.lock:
            return b"" if self.dead else self.fw.output(now)

    def receive(self, data, now=None):
        with self.lock:
            if not self.dead:
                self.fw.receive(data, now)


def test_restart_gap_is_reflected_in_the_sample_numbers_and_the_recording(pty, tmp_path):
    """Chunk.seq: 'a jump larger than one is a gap listed in gaps'; a Recording never fills a gap, it has
    NaN frames on a regular time axis. A board that is off for 0.5 s and reboots (clock restarts) makes
    one 'device restart' gap of ~50 samples at 100 Hz."""
    params = SimParams(side="left", seed=2, rate=100)  # boot clock ~94 s
    proxy = DeadProxy(SimFirmware(params))
    pty.run(serve_fd, proxy, pty.master, pty.stop)
    path = tmp_path / "restart.skr"
    with skd.open(f"serial://{pty.link}", record=path) as dev:
        before = read_samples(dev, 60)
        proxy.dead = True
        time.sleep(0.5)
        new = SimFirmware(params)
        new._boot_us = 200_000  # the device clock restarted
        new._start(new._h0)  # and this board streams from power-up
        proxy.reboot(new)
        proxy.dead = False
        after = read_for(dev, 1.0)
    gaps = [g for c in before + after for g in c.gaps]
    assert len(gaps) == 1 and gaps[0]["reason"] == "device restart", gaps
    g = gaps[0]
    assert 35 <= g["n_missing"] <= 70 and g["end_s"] - g["start_s"] == pytest.approx(0.5, abs=0.15)
    seq = cat(before + after, "seq")
    t = cat(before + after, "time")
    i = int(np.argmax(t >= g["end_s"]))
    rec = read_capture(path)
    nan_rows = int(np.isnan(rec.left).all(axis=1).sum())
    jump = float(np.diff(rec.time).max())
    assert seq[i] - seq[i - 1] - 1 == g["n_missing"], (
        f"the gap's samples are not in the sample numbering (recording: {nan_rows} NaN frames, "
        f"largest time step {jump:.3f} s)"
    )
    assert nan_rows == g["n_missing"] and jump < 0.015


def test_csv_lines_lost_on_the_wire_make_a_gap_that_the_sample_numbers_skip(tmp_path):
    def board(conn, stop):
        k = 0
        t0 = time.monotonic()
        while not stop.is_set() and k < 500:
            if not 100 <= k < 150:  # 50 lines lost (UART overrun)
                line = f"t{1000 + 5000 * k}," + ",".join(str(k + j) for j in range(16)) + "\n"
                conn.sendall(line.encode())
            k += 1
            time.sleep(max(0.0, t0 + 0.005 * k - time.monotonic()))  # 200 Hz in real time

    srv = OneShotServer(board)
    try:
        with skd.open(f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200&units=N") as dev:
            chunks = read_samples(dev, 300)
    finally:
        srv.close()
    gaps = [g for c in chunks for g in c.gaps]
    assert len(gaps) == 1 and gaps[0]["n_missing"] == 50
    v0 = cat(chunks, "values")[:, 0].astype(np.int64)
    seq = cat(chunks, "seq")
    assert np.array_equal(seq - seq[0], v0 - v0[0]), "sample numbers do not skip the 50 lost lines"
    # a board without ?side= is the left insole, its gap too: a recording of it could not be read
    # back ("gap 0 has side 'unknown'"), a tester found with `stream --record`
    from sensorkit.devices.assemble import recording_from_chunks

    assert {c.side for c in chunks} == {"unknown"} and gaps[0]["side"] == "unknown"
    rec = recording_from_chunks(chunks, layout="ref16", t0_s=float(chunks[0].time[0]))
    assert rec.sides == ("left",) and rec.gaps["side"].tolist() == ["left"]
    assert int(rec.gaps["n_missing"].iloc[0]) == 50


def test_cli_unknown_csv_layout_name_is_one_line_without_traceback(capsys, monkeypatch):
    crashed: list[str] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda a: crashed.append(f"{a.exc_type.__name__}: {a.exc_value}")
    )

    def board(conn, stop):
        k = 0
        while not stop.is_set() and k < 400:
            conn.sendall((",".join(str(k + j) for j in range(16)) + "\n").encode())
            k += 1
            time.sleep(0.005)

    srv = OneShotServer(board)
    try:
        rc, out, err = _cli(
            capsys,
            "stream",
            [f"tcp://127.0.0.1:{srv.port}?format=csv&layout=nosuch", "--plain", "--duration", "1"],
        )
    finally:
        srv.close()
    for th in _device_threads():
        th.join(timeout=1.0)  # a dying reader reports through excepthook after the CLI returned
    assert rc == 1 and "unknown layout" in err
    assert not crashed, f"reader thread died with an uncaught exception: {crashed}"
    assert "Traceback" not in err + out


@pytest.mark.parametrize("layout", ["nosuch", "physionet8"])
def test_binary_layout_override_that_cannot_fit_is_refused_at_open(layout):
    from sensorkit.devices.firmware import serve_socket

    fw = SimFirmware(SimParams(side="left", seed=2, rate=200))  # 16 sensors
    srv = OneShotServer(lambda conn, stop: serve_socket(fw, conn, stop))
    try:
        with pytest.raises((DeviceError, FileFormatError, ValueError)):
            with skd.open(f"tcp://127.0.0.1:{srv.port}?layout={layout}") as dev:
                read_samples(dev, 5)
    finally:
        srv.close()


def test_a_network_device_sending_garbage_is_not_told_about_baud_rates():
    """TCP and UDP have no baud rate, but the hint said "wrong baud rate? try ?baud=921600"."""

    def noise(conn, stop):
        rng = np.random.default_rng(2)
        while not stop.is_set():
            conn.sendall(bytes(rng.integers(0, 256, 64, dtype=np.uint8)))
            time.sleep(0.01)

    for query in ("", "?format=csv&layout=ref16"):
        srv = OneShotServer(noise)
        try:
            with pytest.raises(DeviceError) as err:
                skd.open(f"tcp://127.0.0.1:{srv.port}{query}", handshake_timeout_s=1.0)
        finally:
            srv.close()
        assert "baud" not in err.value.hint, err.value.hint
    assert "not a sensorkit device" in str(err.value.hint) or "comma-separated" in str(err.value.hint)


def test_a_link_lost_for_good_is_an_event_of_the_recording(tmp_path):
    """A device unplugged for good leaves no gap (no frame follows), and a recording that stopped
    at 3.6 s of a 14 s capture read as complete (a device tester): the loss is now an event."""

    def board(conn, stop):
        t0 = time.monotonic()
        for k in range(200):  # 1 s at 200 Hz, then the connection closes
            conn.sendall((f"t{1000 + 5000 * k}," + ",".join(str(50 + j) for j in range(16)) + "\n").encode())
            time.sleep(max(0.0, t0 + 0.005 * (k + 1) - time.monotonic()))

    srv = OneShotServer(board)
    path = tmp_path / "lost.skr"
    try:
        with skd.open(
            f"tcp://127.0.0.1:{srv.port}?format=csv&layout=ref16&rate=200&units=N&side=left", record=path
        ) as dev:
            with pytest.raises(DeviceError, match="link lost"):
                while True:
                    dev.read(timeout_s=2.0)
    finally:
        srv.close()
    rec = read_capture(path)
    lost = rec.events[rec.events["source"] == "link"]
    assert len(lost) == 1 and lost["label"].iloc[0].startswith("link_lost: link lost: tcp://127.0.0.1")
    assert lost["time_s"].iloc[0] >= rec.time[-1]  # after the last frame: the recording ends there


def test_a_pair_whose_boards_run_at_different_rates_says_which_samples_it_dropped():
    # a maker's trial: two boards at 97 and 98.2 Hz; 91 right samples were dropped without a word
    from sensorkit.devices.assemble import recording_from_chunks
    from sensorkit.errors import ClockSlipWarning

    tl = 1000.0 + np.arange(970) / 97.0
    tr = 1000.0 + np.arange(982) / 98.2 + 0.001
    vl = np.ones((970, 16), np.float32)
    vr = np.tile(np.arange(982, dtype=np.float32)[:, None], (1, 16))
    chunks = [_chunk("left", tl, np.arange(970), vl), _chunk("right", tr, np.arange(982), vr)]
    with pytest.warns(ClockSlipWarning, match=r"right sample\(s\) dropped") as caught:
        rec = recording_from_chunks(chunks, layout="ref16", t0_s=1000.0)
    slips = rec.metadata["clock_slips"]
    assert slips > 0 and np.isfinite(rec.right[:, 0]).sum() == 982 - slips  # the warning's count is the loss
    text = str(caught[0].message)
    assert (
        text.startswith(f"{slips} right sample(s) dropped")
        and "98.2 Hz against the left's 97 Hz (+1.24 %)" in text
    )
    same = [_chunk("left", tl, np.arange(970), vl), _chunk("right", tl + 0.001, np.arange(970), vl)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClockSlipWarning)
        assert recording_from_chunks(same, layout="ref16", t0_s=1000.0).metadata["clock_slips"] == 0
