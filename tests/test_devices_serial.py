"""serial:// through a real pseudo-terminal: pyserial reads the slave side, a thread plays firmware on the master.

Fault injection: garbage and CRC errors, a CSV board, wrong baud rate (noise), a
non-sensorkit device, a device that stops sending, and an unplugged-then-replugged port.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from conftest import Pty

import sensorkit.devices as skd
from sensorkit.devices.firmware import SimFirmware, SimParams, serve_fd
from sensorkit.devices.transport import LinkLost
from sensorkit.errors import DeviceError
from sensorkit.protocol import PressureSamples, encode_frame
from tests.conftest import collect

# real pseudo-terminals at real rates (~25 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow


def firmware(side: str = "left", **kw) -> SimFirmware:
    return SimFirmware(SimParams(side=side, seed=7, **kw))


def test_binary_protocol_over_a_real_pty(pty):
    pty.run(serve_fd, firmware(rate=500), pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}?baud=921600") as dev:
        assert dev.info.side == "left" and dev.info.sample_rate_hz == 500
        chunks = collect(dev, 500)
    seq = np.concatenate([c.seq for c in chunks])
    assert np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))
    assert chunks[-1].stats.errors == 0 and chunks[-1].stats.gaps == 0


def test_garbage_and_crc_errors_are_counted_and_the_stream_resyncs(pty):
    rng = np.random.default_rng(0)
    state = {"n": 0}

    def mangle(data: bytes) -> bytes:
        frames = data.split(b"\x00")
        out = []
        for f in frames[:-1]:
            state["n"] += 1
            if state["n"] > 20 and state["n"] % 7 == 0 and len(f) > 10:  # flip one byte: CRC error
                f = bytearray(f)
                f[5] ^= 0x5A if f[5] ^ 0x5A else 0x33
                f = bytes(f)
            if state["n"] > 20 and state["n"] % 11 == 0:  # line noise between frames
                out.append(bytes(rng.integers(1, 256, 9, dtype=np.uint8)))
            out.append(f + b"\x00")
        return b"".join(out) + frames[-1]

    pty.run(serve_fd, firmware(rate=500), pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}") as dev:
        chunks = collect(dev, 1000)
    st = chunks[-1].stats
    assert st.crc_errors > 0 and st.errors > st.crc_errors
    # every corrupted pressure packet is a gap, with its time span; nothing is made up
    assert st.missing_samples > 0 and st.gaps > 0
    seq = np.concatenate([c.seq for c in chunks])
    assert seq.size + st.missing_samples == seq[-1] - seq[0] + 1


def test_csv_line_board_with_layout(pty):
    def board(fd, stop):
        k = 0
        while not stop.is_set():
            lines = "".join(
                f"t{1000 * (k + i)}," + ",".join(str((k + i + j) % 4096) for j in range(16)) + "\r\n"
                for i in range(5)
            )
            os.write(fd, lines.encode())
            k += 5
            time.sleep(0.005)

    pty.run(board, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}?format=csv&layout=ref16&rate=1000&units=counts") as dev:
        assert dev.info.mode == "csv" and dev.info.sensor_count == 16
        chunks = collect(dev, 200)
    v = np.concatenate([c.values for c in chunks])
    assert chunks[0].units == "counts" and v.shape[1] == 16
    assert np.all(np.diff(np.concatenate([c.time for c in chunks])) > 0)


def test_csv_board_opened_in_binary_mode_says_use_format_csv(pty):
    def board(fd, stop):
        while not stop.is_set():
            os.write(fd, b"10,20,30,40\n")
            time.sleep(0.01)

    pty.run(board, pty.master, pty.stop)
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match="CSV lines") as err:
        skd.open(f"serial://{pty.link}", handshake_timeout_s=1.0)
    assert "format=csv" in err.value.hint and time.monotonic() - t0 < 3
    # a maker's trial: the hint named no layout; 4 values per line match none built in
    assert "(4 values per line)" in str(err.value)
    assert "no built-in layout has 4 sensors: give a layout JSON file of your own" in err.value.hint


def test_wrong_baud_rate_noise_is_a_clear_error_within_seconds(pty):
    def noise(fd, stop):  # what a UART at the wrong baud rate delivers: bytes with no frame structure
        rng = np.random.default_rng(1)
        while not stop.is_set():
            os.write(fd, bytes(rng.integers(0, 256, 64, dtype=np.uint8)))
            time.sleep(0.01)

    pty.run(noise, pty.master, pty.stop)
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match="no valid sensorkit frame") as err:
        skd.open(f"serial://{pty.link}?baud=115200", handshake_timeout_s=1.5)
    assert "baud" in err.value.hint and time.monotonic() - t0 < 3


def test_a_non_sensorkit_device_is_named_as_such(pty):
    def gps(fd, stop):
        while not stop.is_set():
            os.write(fd, b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n")
            time.sleep(0.02)

    pty.run(gps, pty.master, pty.stop)
    with pytest.raises(DeviceError, match="not a sensorkit device"):
        skd.open(f"serial://{pty.link}", handshake_timeout_s=1.0)


def test_silent_port_fails_the_handshake(pty):
    with pytest.raises(DeviceError, match="no bytes received"):
        skd.open(f"serial://{pty.link}", handshake_timeout_s=0.5)


def test_missing_port_is_a_clear_error(tmp_path):
    with pytest.raises(DeviceError, match="cannot open serial port") as err:
        skd.open(f"serial://{tmp_path}/ttyNONE")
    assert "sensorkit devices" in err.value.hint


def test_device_that_stops_sending_raises_a_clear_device_error(pty):
    fw = firmware()
    stop_streaming = threading.Event()

    def mangle(data: bytes) -> bytes:
        return b"" if stop_streaming.is_set() else data

    pty.run(serve_fd, fw, pty.master, pty.stop, mangle)
    with skd.open(f"serial://{pty.link}", timeout_s=0.5) as dev:
        collect(dev, 20)
        stop_streaming.set()
        t0 = time.monotonic()
        with pytest.raises(DeviceError, match="stopped sending"):
            while time.monotonic() - t0 < 5:
                dev.read(timeout_s=0.2)
        assert time.monotonic() - t0 < 2
        assert dev.devices[0].stats.timeouts == 1


def test_unplugged_port_reconnects_and_marks_the_gap(pty, tmp_path):
    fw = firmware(rate=200)
    pty.run(serve_fd, fw, pty.master, pty.stop)
    out = tmp_path / "unplug.skr"
    with skd.open(f"serial://{pty.link}?reconnect=1", record=out) as dev:
        before = collect(dev, 100)
        pty.stop.set()
        for th in pty.threads:
            th.join(timeout=2)
        pty.unplug()
        time.sleep(0.3)  # unplugged for a while: the firmware keeps sampling
        pty.stop.clear()
        pty.threads.clear()
        pty.plug()
        pty.run(serve_fd, fw, pty.master, pty.stop)
        after = []
        deadline = time.monotonic() + 5
        while not any(c.gaps for c in after):  # chunks queued before the unplug come first
            assert time.monotonic() < deadline, "no gap after the reconnection"
            after += collect(dev, 1)
        after += collect(dev, 100)
        gaps = dev.gaps
        stats = dev.devices[0].stats
    assert stats.reconnects == 1
    lost = [g for g in gaps if g["reason"] == "link lost"]
    assert len(lost) == 1 and lost[0]["n_missing"] >= 40, (gaps, dev.devices[0].events)  # >= 0.2 s at 200 Hz
    assert lost[0]["start_s"] >= before[-1].time[-1] - 1e-9 or lost[0]["start_s"] == pytest.approx(
        before[-1].time[-1]
    )
    # the recording keeps everything before and after, with the gap marked
    from sensorkit.io.capture import read_capture

    rec = read_capture(out)
    assert "link lost" in set(rec.gaps["reason"])
    n_before_after = sum(c.n for c in before) + sum(c.n for c in after)
    assert np.isfinite(rec.left).all(axis=1).sum() >= n_before_after


def test_unplugged_port_without_reconnect_ends_with_device_error(pty):
    pty.run(serve_fd, firmware(), pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        collect(dev, 10)
        pty.stop.set()
        for th in pty.threads:
            th.join(timeout=2)
        pty.unplug()
        with pytest.raises(DeviceError, match="link lost") as err:
            for _ in range(50):
                dev.read(timeout_s=0.2)
        # each way of asking: the CLI flag first (a new user was told only of reconnect=True)
        assert (
            "--reconnect on the command line, ?reconnect=1 in the URL, reconnect=True in Python"
            in err.value.hint
        )


def test_frames_before_device_info_are_kept(pty):
    """A board already streaming when the host attaches: from the attach on, none lost.

    Bytes sent before the port was opened are gone, as on a real UART; every sample from the
    moment the host asked for DEVICE_INFO on is delivered, in order, with no hole.
    """

    class Board(SimFirmware):
        info_at_sample: int | None = None  # the firmware's next sample number when it sent DEVICE_INFO

        def _info(self):
            if self.info_at_sample is None:
                self.info_at_sample = self._next_sample
            return super()._info()

    fw = Board(SimParams(side="left", seed=1, rate=200))
    fw._start(fw._h0)
    pty.run(serve_fd, fw, pty.master, pty.stop)
    time.sleep(0.1)
    with skd.open(f"serial://{pty.link}") as dev:
        chunks = collect(dev, 50)
    seq = np.concatenate([c.seq for c in chunks])
    # none lost: delivery starts no later than the sample the firmware was at when it answered
    # the host's info request, then continues without a hole, and the link counts nothing missing
    assert fw.info_at_sample is not None and seq[0] <= fw.info_at_sample, (seq[:3], fw.info_at_sample)
    np.testing.assert_array_equal(np.diff(seq), 1)
    assert chunks[-1].stats.missing_samples == 0 and not any(c.gaps for c in chunks)
    assert chunks[-1].stats.packets_ok > 0


def test_encoded_pressure_frames_decode_to_the_values_written(pty):
    values = np.arange(32, dtype=np.uint16).reshape(2, 16) * 100
    from sensorkit.protocol import DeviceInfo, Side, Units

    info = encode_frame(DeviceInfo(0, 42, (1, 2, 3), Side.RIGHT, 16, 12, Units.KILOPASCAL, 0, 1, 100))

    def board(fd, stop):  # a minimal board: ignores commands, repeats DEVICE_INFO every 0.1 s
        k = 0
        while not stop.is_set():
            if k % 10 == 0:
                os.write(fd, info)
            os.write(fd, encode_frame(PressureSamples(k + 1, 10_000 * k, 2 * k, 10_000_000, 16, values)))
            k += 1
            time.sleep(0.01)

    pty.run(board, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}") as dev:
        assert dev.info.side == "right" and dev.info.units == "kPa" and dev.info.firmware == "1.2.3"
        chunks = collect(dev, 6)
    assert np.array_equal(chunks[0].values[:2], values.astype(np.float32))


# ----------------------------------------------------------------------------- read batching


@pytest.mark.parametrize("batch_ms", [0, 40])
def test_batched_reads_keep_the_clock_unbiased(pty, batch_ms):
    """``?batch_ms=`` lets bytes gather between reads (bigger chunks, fewer wake-ups), but a
    TIME_SYNC reply is read at once: its arrival time is t4 of the exchange (PROTOCOL.md 6.3),
    and one left in the buffer for 40 ms would map every sample up to 20 ms late."""
    fw = firmware(rate=1000, drift=100)
    pty.run(serve_fd, fw, pty.master, pty.stop)
    with skd.open(f"serial://{pty.link}?batch_ms={batch_ms}", sync_interval_s=0.1) as dev:
        assert dev.devices[0].batch_s == batch_ms / 1000
        chunks = collect(dev, 1500)
        n_syncs = dev.devices[0].clock.n_syncs
    seq = np.concatenate([c.seq for c in chunks])
    t = np.concatenate([c.time for c in chunks])
    err = t - fw.true_sample_times(seq)
    assert n_syncs >= 8
    assert np.max(np.abs(err[seq - seq[0] > 300])) < 1.5e-3
    sizes = np.array([c.n for c in chunks])
    if batch_ms:
        assert np.median(sizes) >= 20  # ~40 ms of 1 kHz samples per chunk
    else:
        assert np.median(sizes) <= 20  # one packet or so per read


def test_batch_ms_out_of_range_is_refused(pty):
    with pytest.raises(DeviceError, match="batch_ms"):
        skd.open(f"serial://{pty.link}?batch_ms=-5")


def test_a_port_whose_device_stops_reading_fails_the_write_instead_of_blocking(pty):
    """Writes are bounded (WRITE_TIMEOUT_S): nobody reads the master side, so the pty's buffer
    fills and pyserial would block forever; the shared reader that sends time syncs to every
    insole must never hang on one of them."""
    from sensorkit.devices.serial import SerialTransport
    from sensorkit.devices.transport import WRITE_TIMEOUT_S, LinkLost

    tr = SerialTransport(str(pty.link))
    tr.open()
    try:
        t0 = time.monotonic()
        with pytest.raises(LinkLost, match="write timed out"):
            for _ in range(10_000):  # 40 MB: far beyond any tty buffer
                tr.write(b"\x55" * 4096)
        assert time.monotonic() - t0 < WRITE_TIMEOUT_S + 2.0
    finally:
        tr.close()


def test_one_stalled_insole_does_not_stall_the_other_on_the_shared_reader(tmp_path):
    """Two serial insoles on the shared reader; the right one stops reading its input (its
    buffer is full), so every time sync sent to it times out. The left one keeps streaming."""
    left, right = Pty(tmp_path / "ttyL"), Pty(tmp_path / "ttyR")
    try:
        left.run(serve_fd, firmware("left", rate=200), left.master, left.stop)
        fw_r = firmware("right", rate=200)
        stalled = threading.Event()

        def right_board(fd, stop):
            # serve normally until told, then keep sending samples but never read again
            serve_fd(fw_r, fd, stalled)
            while not stop.is_set():
                out = fw_r.output()
                if out:
                    try:
                        os.write(fd, out)
                    except OSError:
                        return
                time.sleep(0.005)

        right.run(right_board, right.master, right.stop)
        with skd.open(f"serial://{left.link}", f"serial://{right.link}", sync_interval_s=0.05) as pair:
            collect(pair, 200)
            stalled.set()
            # fill the right board's input buffer quickly: syncs of 20-odd bytes alone would take minutes
            dev_r = next(d for d in pair.devices if d.side == "right")
            with pytest.raises(LinkLost):  # the write times out: the board reads nothing
                for _ in range(10_000):
                    dev_r.transport.write(b"\x55" * 4096)
            t0 = time.monotonic()
            got = {"left": 0, "right": 0}
            while time.monotonic() - t0 < 1.5:
                c = pair.read(timeout_s=0.1)
                if c is not None:
                    got[c.side] += c.n
        assert got["left"] >= 200  # ~1.5 s at 200 Hz, less the syncs' write timeouts
    finally:
        left.close()
        right.close()


def test_the_layout_hint_names_the_built_in_layouts_with_the_board_s_sensor_count():
    from sensorkit.devices.diagnose import layout_hint

    hint = layout_hint(16)
    names = hint.split(": ", 1)[1].split(";", 1)[0].split(", ")
    assert names == ["esp32-insole", "magic-insoles", "moticon-s7-estimated", "ref16"]
    assert "layout=path/to/layout.json" in hint and "calibration/README.md" in hint
    assert layout_hint(8).startswith("built-in layouts with 8 sensors: physionet8;")
