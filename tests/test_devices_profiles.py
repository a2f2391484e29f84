"""Device profiles (issue 13): every built-in profile streams bytes synthesised from its public spec
through its real transport (a pty read by pyserial, loopback UDP, bleak's client with a fake
backend only at its ``backend=`` seam); bad profiles and bad bytes get clear reports.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import struct
import threading
import time
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from conftest import free_udp_port

import sensorkit as sk
import sensorkit.devices as skd
from sensorkit.devices.profile import builtin_profiles, load_profile, profile_from_dict, profile_layout
from sensorkit.errors import DeviceError, ProfileError, SideConflictWarning
from tests.ble_helpers import FakePeripheralBase

# ---------------------------------------------------------------------------- helpers


def udp_sender(port: int, datagrams: list[bytes], period_s: float, stop: threading.Event) -> threading.Thread:
    def body() -> None:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for d in datagrams:
            if stop.is_set():
                break
            out.sendto(d, ("127.0.0.1", port))
            time.sleep(period_s)
        out.close()

    th = threading.Thread(target=body, daemon=True)
    th.start()
    return th


def udp_session(query: str, datagrams: list[bytes], period_s: float, n: int, *, side: str | None = None,
                record: Path | None = None) -> tuple[list, object]:  # fmt: skip
    """``udp://127.0.0.1:PORT?query`` opened while a thread sends ``datagrams`` to it: the chunks
    of ``n`` samples (of ``side``) and the device, whose stats stay readable after closing."""
    port = free_udp_port()
    stop = threading.Event()
    sender = udp_sender(port, datagrams, period_s, stop)  # sent before and while the host listens
    try:
        with skd.open(f"udp://127.0.0.1:{port}?{query}", record=record) as dev:
            chunks = collect(dev, n, side=side)
            device = dev.devices[0]
    finally:
        stop.set()
        sender.join(2)
    return chunks, device


def collect(session, n: int, timeout_s: float = 8.0, side: str | None = None) -> list:
    chunks, got = [], 0
    deadline = time.monotonic() + timeout_s
    while got < n:
        assert time.monotonic() < deadline, f"only {got} samples"
        c = session.read(timeout_s=0.3)
        if c is not None:
            chunks.append(c)
            got += c.n if side is None or c.side == side else 0
    return chunks


class FakePeripheral(FakePeripheralBase):
    """A BLE peripheral at bleak's backend seam: one service, a notify and a write characteristic.

    ``SERVICE``/``NOTIFY``/``WRITE`` are set by each test; ``NOTIFICATIONS`` is the list of
    notification payloads played every ``PERIOD_S`` (one per tick) once subscribed;
    ``WRITES`` collects what the host wrote. The MTU is the default 23.
    """

    MTU = 23
    SERVICE = NOTIFY = WRITE = ""
    NOTIFICATIONS: ClassVar[list[bytes]] = []
    PERIOD_S = 0.005
    WRITES: ClassVar[list[bytes]] = []

    def gatt(self) -> tuple[str, list[tuple[int, str, list[str]]]]:
        chars = [(2, self.NOTIFY, ["notify"])] + ([(4, self.WRITE, ["write"])] if self.WRITE else [])
        return self.SERVICE, chars

    async def notifications(self, characteristic, callback) -> None:
        for payload in type(self).NOTIFICATIONS:
            if not self._connected:
                return
            callback(bytearray(payload))
            await asyncio.sleep(self.PERIOD_S)

    def written(self, characteristic, data: bytes) -> None:
        assert characteristic.uuid == self.WRITE
        type(self).WRITES.append(data)


def peripheral(profile: str, notifications: list[bytes], period_s: float = 0.005) -> type:
    p = load_profile(profile)
    return type(
        "Fake_" + profile.replace("-", "_"),
        (FakePeripheral,),
        {"SERVICE": p.transport["ble_service"], "NOTIFY": p.transport["ble_notify"],
         "WRITE": p.transport["ble_write"] or "", "NOTIFICATIONS": notifications, "PERIOD_S": period_s,
         "WRITES": []},
    )  # fmt: skip


# ---------------------------------------------------------------------------- serial profiles
def esp32_line(ms: int, counts) -> bytes:
    """One data line exactly as Insole_Test.ino prints it (lines 219-223, 238): ``%lu`` then ``,%d``
    x 16 and a bare ``\n`` (the boot and status lines are ``Serial.println``: they end in ``\r\n``)."""
    return (f"{ms}" + "".join(f",{int(v)}" for v in counts) + "\n").encode()


def test_esp32_insole_streams_with_millis_past_65535_and_time_ms_not_a_sensor(pty):
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 4096, (300, 16))
    lines = [
        b"# fw=1.2.0 esp32c3\r\n",
        b"time_ms," + ",".join(f"ch{i}" for i in range(16)).encode() + b"\r\n",
    ]
    lines += [esp32_line(65_000 + 10 * k, counts[k]) for k in range(300)]
    lines.insert(100, b"12,oops,\r\n")  # one line the board garbled
    pty.play(lines, 0.02, per_write=2)
    with skd.open(f"serial://{pty.path}?profile=esp32-insole") as dev:
        assert dev.info.mode == "profile" and dev.info.sensor_count == 16 and dev.info.units == "counts"
        chunks = collect(dev, 200)
        stats = dev.devices[0].profile_stats
    values = np.concatenate([c.values for c in chunks])
    k0 = int(np.flatnonzero((4095 - counts == values[0]).all(axis=1))[0])
    assert np.array_equal(values, 4095 - counts[k0 : k0 + values.shape[0]])  # the 16 channels, not time_ms
    assert not any(c.gaps for c in chunks)  # 65 535 ms passed without a reset or a rejected line
    assert stats.bad_frames == 1 and stats.first_bad.startswith(b"12,oops")  # counted, not a sample
    assert np.allclose(np.diff(np.concatenate([c.time for c in chunks])), 0.010, atol=0.0005)


def test_esp32_insole_runs_at_the_firmware_100_hz_so_one_lost_line_is_one_missing_sample(pty):
    # Insole_Test.ino line 69: LOG_HZ 100, one line every 10 ms of millis(); at the profile's old
    # 50 Hz a lost line (a 20 ms step) was no gap at all and 5 lost lines were reported as 2
    counts = np.full((240, 16), 4095)
    stamps = [1_000 + 10 * k for k in range(240)]
    lines = [esp32_line(ms, c) for ms, c in zip(stamps, counts, strict=True)]
    del lines[150]  # the host missed one line
    del lines[80:85]  # and later five
    pty.play(lines, 0.02, per_write=2)
    with skd.open(f"serial://{pty.path}?profile=esp32-insole&side=right") as dev:
        chunks = collect(dev, 200)
        rate_hz = dev.info.sample_rate_hz
    gaps = [g for c in chunks for g in c.gaps]
    assert [(g["n_missing"], g["reason"]) for g in gaps] == [(5, "time jump"), (1, "time jump")], gaps
    assert rate_hz == 100
    t = np.concatenate([c.time for c in chunks])
    assert np.median(np.diff(t)) == pytest.approx(0.010, abs=0.0005)


def test_esp32_insole_counts_rise_with_load_although_the_board_reads_4095_unloaded(pty):
    # the sensor pulls the pulled-up ADC input down (Insole_Test.ino lines 10-13): the board
    # prints 4095 unloaded and less under load; upstream plots 4095 - v (visualize data.py
    # line 104). sensorkit took the printed count as the load: an unloaded insole read full scale
    board = np.full((300, 16), 4095)
    board[:, 3] = 4095 - (np.arange(300) % 50) * 40  # channel 3 pressed harder and harder
    board[:, 12] = 600  # channel 12 pressed hard all along
    lines = [esp32_line(1_000 + 10 * k, board[k]) for k in range(300)]
    pty.play(lines, 0.02, per_write=2)
    with skd.open(f"serial://{pty.path}?profile=esp32-insole&side=right") as dev:
        chunks = collect(dev, 200)
    values = np.concatenate([c.values for c in chunks])
    assert all(c.units == "counts" for c in chunks)  # still counts, for a calibration to convert
    unloaded = np.delete(values, [3, 12], axis=1)
    assert np.all(unloaded == 0) and np.all(values[:, 12] == 3495), values[0]
    k0 = int(np.flatnonzero((board == 4095 - values[0]).all(axis=1))[0])
    assert np.array_equal(values, 4095 - board[k0 : k0 + values.shape[0]])
    assert np.all(values[:, 3] == (np.arange(k0, k0 + values.shape[0]) % 50) * 40)  # rises with the load


def test_esp32_insole_calibrated_reads_no_force_unloaded_and_more_force_under_more_load(pty):
    # a calibration converts counts that rise with the load (sensors/README: "FSR on the low
    # side: use FS - counts"); the board's own 4095 unloaded read as saturated, thousands of N
    from sensorkit.calibrate import Calibration

    board = np.full((300, 16), 4095)
    board[:, 3] = 4095 - (np.arange(300) % 50) * 40
    pty.play([esp32_line(1_000 + 10 * k, board[k]) for k in range(300)], 0.02, per_write=2)
    cal = Calibration.nominal("ref16", "ref16-fsr")
    with skd.open(f"serial://{pty.path}?profile=esp32-insole&side=right", calibration=cal) as dev:
        chunks = collect(dev, 200)
    assert all(c.units == "N" for c in chunks)
    force = np.concatenate([c.values for c in chunks])
    counts = np.concatenate([c.counts for c in chunks])  # what the calibration converted
    assert not any(c.saturated.any() for c in chunks)
    assert np.all(np.delete(counts, 3, axis=1) == 0) and np.all(np.delete(force, 3, axis=1) == 0)
    order = np.argsort(counts[:, 3], kind="stable")  # channel 3: more load, more counts, more force
    assert np.all(np.diff(force[order, 3]) >= 0) and np.all(force[counts[:, 3] > 0, 3] > 0)


def test_esp32_insole_boot_and_status_lines_are_skipped_not_framing_errors(pty):
    # Insole_Test.ino prints these with Serial.println (lines 138, 141, 149, 152, 189) at every
    # boot: a board without an SD card prints the first two and no header (line 163 is reached
    # only once the card opened); here the board restarts twice while streaming
    counts = np.full((200, 16), 4095)
    lines = [esp32_line(50 + 10 * k, counts[k]) for k in range(40)]
    lines += [
        b"[SD] init failed. Check wiring & CS pin.\r\n",
        b"[WARN] SD disabled. Will print CSV to Serial only.\r\n",
    ]
    lines += [esp32_line(50 + 10 * k, counts[k]) for k in range(60)]
    lines += [b"[SD] init OK.\r\n", b"[SD] logging to /LOG003_R.CSV\r\n"]  # restarted with a card
    lines += [b"time_ms," + ",".join(f"ch{i}" for i in range(16)).encode() + b"\r\n"]
    lines += [esp32_line(60 + 10 * k, counts[k]) for k in range(100)]
    pty.play(lines, 0.02, per_write=2)
    with skd.open(f"serial://{pty.path}?profile=esp32-insole&side=right") as dev:
        chunks = collect(dev, 190)  # at most 40 lost before the port opened: past both restarts
        stats = dev.devices[0].profile_stats
        link = dev.devices[0].stats
    assert stats.bad_frames == 0 and stats.bad_bytes == 0, stats.describe()
    assert link.framing_errors == 0
    assert stats.skipped >= 2 + 3  # the five status and header lines, counted apart (and the first line)
    assert sum(c.n for c in chunks) <= stats.frames_ok


def test_esp32_insole_layout_is_the_published_sensor_positions():
    # 'visualize data.py' lines 28-35 (upstream bd98c4e): channel R_chi drawn at sensor_pos_right[i],
    # pixels of the insole photo, y down, rows 2-3-3-3-3-2 from the toes; the insole outline runs
    # from the toe tip at y 89.70 px to the heel at 888.56 px and x 524.08-761.92 px (+300 as drawn)
    published = [(585, 180), (650, 180), (560, 290), (630, 290), (700, 290), (580, 385), (650, 385),
                 (720, 385), (590, 480), (660, 480), (720, 480), (596, 600), (650, 600), (700, 600),
                 (610, 760), (700, 760)]  # fmt: skip
    layout = profile_layout(load_profile("esp32-insole"))
    assert layout.name == "esp32-insole" and layout.positions == "approximate" and layout.n_sensors == 16
    assert "APPROXIMATE" in layout.description and "visualize data.py" in layout.source
    mm_per_px = 260.0 / (888.56 - 89.70)  # the stated (assumed) 260 mm insole
    px = np.array(published, dtype=float)
    assert np.allclose(layout.y_mm, (888.56 - px[:, 1]) * mm_per_px, atol=0.01)  # from the heel end
    assert np.allclose(layout.x_mm, ((524.08 + 761.92) / 2 - px[:, 0]) * mm_per_px, atol=0.01)  # + medial
    assert list(layout.sensor_names) == [f"ch{i}" for i in range(16)]
    assert list(layout.region) == ["toes"] * 2 + ["forefoot"] * 6 + ["midfoot"] * 6 + ["heel"] * 2
    assert layout.mask[:2] == ("hallux", "lesser_toes") and layout.mask[2:5] == ("MTH1", "MTH2-3", "MTH4-5")
    assert [layout.ml[i] for i in (2, 4, 5, 7)] == ["medial", "lateral", "medial", "lateral"]


def test_esp32_insole_says_its_lines_carry_no_side_and_the_firmware_default_is_right():
    # Insole_Test.ino line 37: FOOT_RIGHT is the default build; no line says the foot
    p = load_profile("esp32-insole")
    assert p.side is None and not p.side_prefix and set(p.pressure) == {"any"}
    assert "side=right" in p.description and "FOOT_RIGHT" in p.description and "left" in p.description


def palmilha_step_lines(
    steps: dict[int, tuple[int, int]], n: int
) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Serial output of LucasSantosCarlos/prototipopalmilha 73a2877 (prototipopalmilha.ino) for step
    inputs: ``steps[sensor] = (first sample, counts after the baseline)``. Per sample and sensor
    (lines 119-136): ema += 0.18 (corr - ema); pct = round(100 clamp(ema / 4095, 0, 1)); emaInt =
    round(ema); printed as ``t0,pct0..pct5,emaInt0..emaInt5`` with println (CR LF), lines 140-143,
    after the boot lines of lines 93-102. Returns the lines and the expected pct and emaInt."""

    def lround(v: float) -> int:  # lroundf: halves away from zero (v >= 0 here)
        return int(v + 0.5)

    lines = [b"Calibrando baseline por 1s (NAO pressione os sensores)...\r\n", b"Offsets: 181,175,190,168,172,177\r\n",
             ("t_ms" + "".join(f",pct{k}" for k in range(6)) + "".join(f",ema{k}" for k in range(6)) + "\r\n").encode()]  # fmt: skip
    ema = [0.0] * 6
    pct, counts = [], []
    for i in range(n):
        for k in range(6):
            first, c = steps.get(k, (0, 0))
            corr = c if i >= first and c >= 6 else 0  # DEADBAND 6 (line 120)
            ema[k] = ema[k] + 0.18 * (corr - ema[k])
        pct.append([lround(100 * min(max(e / 4095, 0.0), 1.0)) for e in ema])
        counts.append([lround(e) for e in ema])
        t0 = 1312 + 150 * i  # SAMPLE_MS 150 (line 16)
        lines.append((f"{t0}," + ",".join(map(str, pct[-1] + counts[-1])) + "\r\n").encode())
    return lines, np.array(pct, dtype=float), np.array(counts, dtype=float)


def test_palmilha_serial_reads_ema_percentages_and_the_ema_in_counts_as_the_firmware_prints_them(pty):
    lines, pct, counts = palmilha_step_lines({0: (0, 4000), 3: (5, 2048)}, 45)
    assert list(pct[5:14, 3]) == [9, 16, 22, 27, 31, 35, 38, 40, 42]  # a step to 50 % reads 42 % after 9
    pty.play(lines, 0.01, per_write=3)
    with skd.open(f"serial://{pty.path}?profile=palmilha-serial&side=right") as dev:
        chunks = collect(dev, 30)
    assert all(c.side == "right" and c.units == "%" for c in chunks)
    values = np.concatenate([c.values for c in chunks])
    ema = np.concatenate([c.extra["ema_counts"] for c in chunks])
    assert "ema_pct" not in chunks[0].extra
    k0 = int(np.flatnonzero(counts[:, 0] == ema[0, 0])[0])  # the first samples may precede the reader
    n = min(values.shape[0], 45 - k0)
    assert np.array_equal(values[:n], pct[k0 : k0 + n]) and np.array_equal(ema[:n], counts[k0 : k0 + n])
    desc = load_profile("palmilha-serial").description
    assert "0.18" in desc and "5 samples" in desc and "attenuated" in desc


def test_palmilha_serial_counts_ten_lost_lines_as_ten_missing_samples():
    # SAMPLE_MS 150 (line 16) is 6.67 Hz; at the profile's former 7 Hz, ten lost lines (1.65 s
    # between the samples either side) were counted as 11 missing samples. Lines arrive at the
    # board's own pace (its t_ms + 20 ms of latency), as over a real serial port.
    from sensorkit.devices.linestream import LineStream

    p = load_profile("palmilha-serial")
    lines, _, _ = palmilha_step_lines({0: (0, 2000)}, 80)
    ls = LineStream("profile", url="test", layout=profile_layout(p), side="right", profile=p)
    gaps = []
    for line in lines[:3] + lines[3 : 3 + 40] + lines[3 + 50 :]:  # banner and header, samples 40-49 lost
        t_ms = int(line.split(b",")[0]) if line[:1].isdigit() else 1000
        for em in ls.feed(line, t_ms / 1000 + 0.02, "right"):
            gaps += [(g["n_missing"], g["reason"]) for g in em.gaps]
    assert gaps == [(10, "time jump")], gaps


# ---------------------------------------------------------------------------- UDP profiles
def moticon_line(k: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    t = 0.01 * k
    left_p = (np.arange(16) + k % 7) * 0.5  # N/cm2
    right_p = (np.arange(16)[::-1] + k % 5) * 0.25
    acc_l, gyro_l, cop_l = [0.1, 0.2, 0.98], [1.0, 2.0, 3.0], [0.05, 0.4]
    acc_r, gyro_r, cop_r = [0.3, 0.1, 1.01], [-1.0, 0.5, 0.0], [-0.02, 0.55]
    fields = [
        t,
        *acc_l,
        *gyro_l,
        *cop_l,
        *left_p,
        left_p.sum() * 5,
        *acc_r,
        *gyro_r,
        *cop_r,
        *right_p,
        right_p.sum() * 5,
    ]
    return (" ".join(f"{v:.4f}" for v in fields) + "\n").encode(), left_p, right_p


def test_moticon_udp_keeps_cop_total_force_and_imu_and_replays_without_the_profile(tmp_path):
    lines = [moticon_line(k) for k in range(400)]
    cap = tmp_path / "moticon.skr"
    chunks, _ = udp_session(
        "profile=moticon-udp", [d for d, _, _ in lines], 0.01, 300, side="left", record=cap
    )
    left = [c for c in chunks if c.side == "left"]
    right = [c for c in chunks if c.side == "right"]
    assert left and right and all(c.units == "kPa" for c in chunks)
    lv = np.concatenate([c.values for c in left])
    assert np.all(
        np.isin(lv[:, 0], 5.0 * np.arange(7))
    )  # left pressure 0 = (k % 7) x 0.5 N/cm2 = 5 (k % 7) kPa
    assert np.allclose(lv[:, 3] - lv[:, 0], 15.0)  # (3 x 0.5 N/cm2) = 15 kPa above sensor 0
    total = np.concatenate([c.extra["total_force_n"] for c in left])[:, 0]
    assert np.allclose(total, lv.sum(axis=1) / 10 * 5, rtol=1e-3)  # Moticon's own field, kept as sent
    assert np.allclose(np.concatenate([c.extra["cop"] for c in right]), [-0.02, 0.55])
    assert np.allclose(np.concatenate([c.extra["imu_accel"] for c in left]), [0.1, 0.2, 0.98])
    # the header holds the profile: the capture reads back with nothing else
    rec = sk.read(cap)
    assert rec.units == "kPa" and rec.left is not None and rec.right is not None
    assert rec.layout.name == "moticon-s7-estimated" and np.all(np.diff(rec.time) > 0)
    imu = rec.metadata["imu"]["left"]
    assert list(imu.columns[:4]) == ["time_s", "accel_x_g", "accel_y_g", "accel_z_g"]
    assert np.allclose(imu[["accel_x_g", "accel_y_g", "accel_z_g"]].to_numpy(), [0.1, 0.2, 0.98])
    assert "total_force_n" in rec.metadata["device_fields"]["right"].columns
    # Moticon's own timestamps, as sent (datagram k says 0.01 k s), next to the mapped times
    for side in ("left", "right"):
        fields = rec.metadata["device_fields"][side]
        sent = fields["device_time_s"].to_numpy()
        assert np.allclose(sent * 100, np.round(sent * 100), atol=1e-6) and np.all(np.diff(sent) > 0)
        assert np.allclose(np.diff(fields["time_s"]), np.diff(sent), atol=0.003)  # same spacing


def test_moticon_udp_datagrams_without_a_line_end_are_one_sample_each():
    # a datagram is a whole message: senders that leave the newline out (sendto(line.encode()))
    # were run together into one record and refused as "longer than 8192 bytes"
    lines = [moticon_line(k) for k in range(300)]
    chunks, dev = udp_session(
        "profile=moticon-udp", [d.rstrip(b"\n") for d, _, _ in lines], 0.005, 150, side="left"
    )
    stats = dev.profile_stats
    assert stats.bad_frames == 0 and stats.bad_bytes == 0, stats.describe()
    lv = np.concatenate([c.values for c in chunks if c.side == "left"])
    assert lv.shape[0] >= 150 and np.all(np.isin(lv[:, 0], 5.0 * np.arange(7)))
    assert np.allclose(lv[:, 15] - lv[:, 0], 75.0)  # 15 x 0.5 N/cm2 = 75 kPa above sensor 0


def test_csv_lines_cut_across_datagrams_by_a_serial_bridge_are_joined_at_their_line_ends():
    # ser2net / ESP-Link forward a serial byte stream in arbitrary pieces: a datagram is not a line
    # unless the profile says so (a reviewer's catch: 763 framing errors when every datagram was
    # ended as a line)
    text = "".join(
        f"t{10_000 * (k + 1)}," + ",".join(str(k + j) for j in range(16)) + "\r\n" for k in range(600)
    )
    pieces = [text[i : i + 48].encode() for i in range(0, len(text), 48)]
    chunks, dev = udp_session("format=csv&layout=ref16&rate=100&units=counts", pieces, 0.001, 200)
    stats = dev.stats
    values = np.concatenate([c.values for c in chunks])
    seq = np.concatenate([c.seq for c in chunks])
    assert stats.framing_errors == 0 and np.array_equal(seq, np.arange(seq[0], seq[0] + seq.size))
    assert np.array_equal(values[:, 5] - values[:, 0], np.full(values.shape[0], 5.0))


def test_datagram_records_is_a_text_framing_key_and_not_with_a_kept_delimiter(tmp_path):
    assert load_profile("moticon-udp").datagram_records is True
    assert load_profile("esp32-insole").datagram_records is False  # serial text: a byte stream
    bad = tmp_path / "bad.toml"
    text = Path(skd.__file__).parent.joinpath("profiles", "sensmove.toml").read_text()
    bad.write_text(
        text.replace("[framing]\n", "[framing]\ndatagram_records = true\nkeep_delimiter = true\n", 1)
    )
    with pytest.raises(ProfileError, match="datagram_records"):
        load_profile(str(bad))


def test_binary_udp_datagrams_are_passed_on_unchanged():
    from sensorkit.devices.udp import UdpTransport

    port = free_udp_port()
    tr = UdpTransport("127.0.0.1", port)  # binary mode: no line end added
    tr.open()
    try:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.sendto(b"\x01\x02", ("127.0.0.1", port))
        out.sendto(b"\x03", ("127.0.0.1", port))
        out.close()
        time.sleep(0.1)
        data, _ = tr.read(0.5)
    finally:
        tr.close()
    assert data == b"\x01\x02\x03"
    text = UdpTransport("127.0.0.1", port, record_end=b"\n")
    assert (
        text._whole(b"1 2 3") == b"1 2 3\n"
        and text._whole(b"1 2\r\n") == b"1 2\r\n"
        and text._whole(b"") == b""
    )


def test_pressure2pose_udp_frames_carry_their_foot_in_a_side_word():
    frames = []
    for k in range(200):
        side = k % 2
        words = (np.arange(253) + k) % 4096
        frames.append(struct.pack("<253H", *words.tolist()) + struct.pack("<H", side))
    frames.insert(60, b"\x07" * 508)  # a frame whose foot word is neither 0 nor 1: rejected, counted
    chunks, dev = udp_session("profile=pressure2pose&rate=100", frames, 0.005, 80, side="right")
    stats = dev.profile_stats
    right = np.concatenate([c.values for c in chunks if c.side == "right"])
    left = np.concatenate([c.values for c in chunks if c.side == "left"])
    assert right.shape[1] == 253 and np.all(right[:, 0] % 2 == 1) and np.all(left[:, 0] % 2 == 0)
    assert np.array_equal(right[:, 252] - right[:, 0], np.full(right.shape[0], 252.0))
    assert stats.bad_frames == 1 and "side field value 1799" in stats.first_bad_reason
    assert stats.first_bad == b"\x07" * 32


def p2p_single(k: int, foot: int = 0) -> bytes:
    """A datagram as the single-frame build sends it (adc_continuous.c lines 238-264): 253 u16 + foot
    word, which that build sets to 0 whatever the foot (line 261); 1 only from an edited line 261."""
    return struct.pack("<254H", *((np.arange(253) + k) % 4096).tolist(), foot)


def test_pressure2pose_single_frame_foot_is_the_urls_side_and_a_foot_word_that_disagrees_is_warned():
    # the build that sends 508-byte datagrams writes word 253 = 0 (left) on every insole
    # (adc_continuous.c line 261): ?side=right was ignored and a right insole streamed as left
    frames = [p2p_single(k) for k in range(200)]
    with pytest.warns(SideConflictWarning, match=r"side field value 0 \(left\) names the other foot than the URL's side=right"):  # fmt: skip
        chunks, dev = udp_session("profile=pressure2pose&side=right", frames, 0.004, 100, side="right")
    assert {c.side for c in chunks} == {"right"}
    values = np.concatenate([c.values for c in chunks])
    k = values[:, 0]
    assert np.array_equal(values, (k[:, None] + np.arange(253)) % 4096)  # wire order, every frame
    stats = dev.profile_stats
    assert stats.side_conflicts == stats.frames_ok >= values.shape[0] and stats.bad_frames == 0
    assert stats.first_side_conflict == "side field value 0 (left)"
    # upstream states 30 Hz (docs/methodology.md lines 10, 214; the firmware sets no rate)
    assert dev.info.side == "right" and dev.info.sample_rate_hz == 30.0
    # an edited line 261 that sends 1: right without side=, and side=right agrees (no warning)
    edited = [p2p_single(k, foot=1) for k in range(200)]
    for query in ("profile=pressure2pose", "profile=pressure2pose&side=right"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            chunks, dev = udp_session(query, edited, 0.004, 60, side="right")
        assert {c.side for c in chunks} == {"right"} and dev.profile_stats.side_conflicts == 0
        assert not [w for w in caught if issubclass(w.category, SideConflictWarning)], query
    # the URL decides against the foot word too: side=left over a foot word 1 is left, warned
    with pytest.warns(SideConflictWarning, match=r"value 1 \(right\) names the other foot than the URL's side=left"):  # fmt: skip
        chunks, dev = udp_session("profile=pressure2pose&side=left", edited, 0.004, 60, side="left")
    assert {c.side for c in chunks} == {"left"} and dev.profile_stats.side_conflicts > 0


def p2p_double(k: int, foot: int = 0) -> bytes:
    """A datagram as the double-frame build (the committed sdkconfig) sends it (adc_continuous.c
    lines 367-446): 253 gain-1 words, the same 253 sensels at gain 16, the foot word; 1014 bytes."""
    low = (np.arange(253) + k) % 4096
    return struct.pack("<507H", *low.tolist(), *(4095 - low).tolist(), foot)


def test_pressure2pose_double_frame_of_the_committed_build_is_read_with_its_high_gain_copy(tmp_path):
    frames = [p2p_double(k, foot=7) for k in range(200)]  # the foot word is not trusted: any value
    assert len(frames[0]) == 1014
    frames.insert(40, p2p_single(999))  # a 508-byte datagram: rejected whole, counted
    frames.insert(80, p2p_double(999)[:-2])  # one word short
    cap = tmp_path / "p2p.skr"
    chunks, dev = udp_session("profile=pressure2pose-double&side=right", frames, 0.004, 120, record=cap)
    stats = dev.profile_stats
    assert {c.side for c in chunks} == {"right"}  # the URL's side (the foot word is unknown)
    values = np.concatenate([c.values for c in chunks])
    high = np.concatenate([c.extra["high_gain"] for c in chunks])
    foot = np.concatenate([c.extra["foot_word"] for c in chunks])
    k = values[:, 0]
    assert values.shape[1] == 253 and high.shape[1] == 253 and np.all(k < 200)  # no k = 999 frame
    assert np.array_equal(values, (k[:, None] + np.arange(253)) % 4096)  # per sensel, wire order
    assert np.array_equal(high, 4095 - values) and np.all(foot == 7)
    assert stats.bad_frames == 2 and stats.frames_ok == values.shape[0]
    assert "datagram of 508 bytes" in stats.first_bad_reason
    # replayed from the capture: one datagram per record, the same samples and rejections
    with skd.open(f"replay://{cap}?speed=0") as session:
        again = collect(session, values.shape[0])
        replay_stats = session.devices[0].profile_stats
    assert np.array_equal(np.concatenate([c.values for c in again])[: values.shape[0]], values)
    assert replay_stats.bad_frames == 2


def test_pressure2pose_single_frame_rejects_a_double_frame_datagram_instead_of_realigning():
    # word 253 of a double frame is the first high-gain word: 0 there once looked like a left foot
    # word, so the first 508 bytes were taken as a frame and every later frame was misaligned
    frames = [p2p_single(k, foot=k % 2) for k in range(150)]
    bad = bytearray(p2p_double(500))
    bad[506:508] = b"\x00\x00"
    frames.insert(30, bytes(bad))
    chunks, dev = udp_session("profile=pressure2pose", frames, 0.004, 100)
    stats = dev.profile_stats
    for c in chunks:
        k = c.values[:, 0]
        assert np.array_equal(c.values, (k[:, None] + np.arange(253)) % 4096)
        assert np.all(k < 150) and np.all(k % 2 == (c.side == "right"))
    assert stats.bad_frames == 1 and "datagram of 1014 bytes" in stats.first_bad_reason


def test_a_pressure2pose_frame_sent_to_the_other_build_s_profile_is_an_error_naming_the_right_one():
    """A double frame (1014 bytes) sent to the single-frame profile failed with "a profile that
    does not describe this device, or another sender at this address?" (new-user tester); the
    hint now names the profile whose frame has the datagrams' length, both ways round."""
    cases = [
        ("pressure2pose", [p2p_double(k) for k in range(400)], "pressure2pose-double"),
        ("pressure2pose-double", [p2p_single(k) for k in range(400)], "pressure2pose"),
        ("pressure2pose", [p2p_single(k)[:300] for k in range(400)], None),  # no profile's frame
    ]
    for profile, datagrams, right in cases:
        port = free_udp_port()
        stop = threading.Event()
        sender = udp_sender(port, datagrams, 0.004, stop)
        try:
            with pytest.raises(DeviceError) as err:
                skd.open(f"udp://127.0.0.1:{port}?profile={profile}", handshake_timeout_s=0.8)
        finally:
            stop.set()
            sender.join(2)
        assert f"no frame matched profile {profile!r}" in str(err.value)
        assert f"a datagram of {len(datagrams[0])} bytes is not a whole number" in str(err.value)
        if right is None:
            assert (
                err.value.hint
                == "a profile that does not describe this device, or another sender at this address?"
            )
        else:
            assert err.value.hint == (
                f"the datagrams are {len(datagrams[0])} bytes, the frame of profile {right!r}: "
                f"open it with ?profile={right} instead of ?profile={profile}"
            )


def test_pressure2pose_layout_puts_each_wire_index_on_its_published_cell_heel_to_toes():
    # single_pressure_server.py: wire i -> the lookup_table[i]-th sensel (row-major) of its 33 x 15
    # image, row 0 the toe end; pitch 7.5 mm (Insole_ver2.GTL). Spot checks, worked by hand:
    # wire 0 -> sensel 16 = row 3, column 4 (rows 0-2 hold 4 + 6 + 6 sensels, row 3 starts at 4);
    # wire 4 -> sensel 70 = row 9, column 2 (rows 0-7: 4+6+6+8+8+9+9+9 = 59, row 8: 11 more)
    # wire 32 -> sensel 4 = row 1, column 5; wire 252 (the last) -> sensel 252 = row 32, column 9
    # (row 32 spans columns 5-9: sensels 248-252); wire 251 -> sensel 247 = row 31, column 10
    for name in ("pressure2pose", "pressure2pose-double"):
        layout = profile_layout(load_profile(name))
        assert layout.name == "pressure2pose" and layout.n_sensors == 253
        assert layout.grid is not None and layout.positions == "specified"
        row, col = np.array(layout.grid["row"]), np.array(layout.grid["col"])
        for wire, cell in {0: (3, 4), 4: (9, 2), 32: (1, 5), 251: (31, 10), 252: (32, 9)}.items():
            assert (row[wire], col[wire]) == cell, (name, wire)
        assert layout.grid["row_spacing_mm"] == layout.grid["col_spacing_mm"] == 7.5
        y = np.asarray(layout.y_mm)
        assert y[252] == pytest.approx(3.75) and y.min() < 10  # the heel end of the insole
        assert y[0] == pytest.approx((32 - 3 + 0.5) * 7.5) and y.max() > 240  # the toes
        assert np.all(np.diff(np.sort(np.unique(y))) == pytest.approx(7.5))
        x = np.asarray(layout.x_mm)
        assert x[251] - x[252] == pytest.approx(7.5) and x[4] - x[0] == pytest.approx(-15.0)  # medial: +x
        regions = np.asarray(layout.region)
        assert regions[252] == "heel" and regions[0] == "toes"
        assert {"heel", "midfoot", "MTH1", "hallux"} <= set(layout.mask)


# ---------------------------------------------------------------------------- BLE profiles
def test_magic_insoles_both_feet_in_one_41_byte_frame_over_ble():
    frames = []
    for k in range(150):
        pressures = [(i * 3 + k) % 256 for i in range(32)]
        frames.append(struct.pack("<BH32sBBBHB", 1, k, bytes(pressures), 2, 1, 90, 10 + k // 2, 77))
    frames.insert(20, b"\x09" + bytes(40))  # a frame of another type: no sync, counted as rejected bytes
    fake = peripheral("magic-insoles", frames)
    with skd.open("ble://C0:FF:EE:00:00:03?profile=magic-insoles", backend=fake) as dev:
        chunks = collect(dev, 100, side="left")
        stats = dev.devices[0].profile_stats
    left = np.concatenate([c.values for c in chunks if c.side == "left"])
    right = np.concatenate([c.values for c in chunks if c.side == "right"])
    assert left.shape[1] == right.shape[1] == 16
    n = min(left.shape[0], right.shape[0])  # each frame gives one sample of each foot
    left, right = left[:n], right[:n]
    assert np.array_equal(
        (right[:, 0] - left[:, 0]) % 256, np.full(right.shape[0], 48.0)
    )  # channel 16 = 0 + 48
    battery = np.concatenate([c.extra["battery_pct"] for c in chunks if c.side == "left"])
    assert np.all(battery == 77)
    assert stats.bad_bytes >= 41 and "no sync bytes 01" in stats.first_bad_reason


# Junble19768/Magic-Insoles ea835fa, frontend/public/data/boundary_assets.json (= INSOLE_CENTROID_RIGHT of
# tools/win-datacap/generated/insole_sensor_centroids.h): (cx, cy) in px of FSR 0..15, right foot seen from
# above, top-left origin, y down (toes up); render_payload.json: 0.0855 cm/px.
MAGIC_CENTROIDS_PX = [
    (33.1250, 101.8828),
    (54.7585, 106.9494),
    (75.4763, 107.5994),
    (96.0255, 97.8308),
    (56.8961, 171.0872),
    (77.3914, 175.7129),
    (96.8333, 185.0023),
    (65.2016, 277.4173),
    (92.8206, 277.1865),
    (64.4831, 229.9548),
    (93.5455, 229.7792),
    (98.2897, 139.9293),
    (27.9959, 52.8871),
    (44.5907, 46.9560),
    (59.9794, 47.4352),
    (79.2714, 57.0998),
]


def test_magic_insoles_layout_is_the_published_one_with_toes_on_12_to_15_and_heel_on_7_8():
    from sensorkit.kernels.cop import cop_frames

    layout = profile_layout(load_profile("magic-insoles"))
    assert list(np.flatnonzero(layout.region_mask("heel"))) == [7, 8]
    assert list(np.flatnonzero(layout.region_mask("toes"))) == [12, 13, 14, 15]
    assert layout.n_sensors == 16 and layout.positions == "approximate"
    order = np.argsort(layout.y_mm)
    assert set(order[:2]) == {7, 8} and set(order[-4:]) == {12, 13, 14, 15}
    # stated conversion: 0.855 mm/px; y from the heel end of the insole outline (311.7 px), x from the
    # middle of its width (66.55 px), positive medial: the hallux (FSR 12) and the arch are at small cx
    cx, cy = np.array(MAGIC_CENTROIDS_PX).T
    assert np.allclose(layout.y_mm, (311.7 - cy) * 0.855, atol=0.01)
    assert np.allclose(layout.x_mm, (66.55 - cx) * 0.855, atol=0.01)
    assert layout.ml[12] == "medial" and layout.ml[15] == "lateral" and layout.ml[7] == "medial"
    assert "Magic-Insoles" in layout.source and "boundary_assets.json" in layout.source
    values = np.zeros((1, 16), dtype=np.float32)
    values[0, 12:16] = 50.0  # load on the toe channels only
    f32 = np.float32
    _, y, _ = cop_frames(values, layout.x_mm.astype(f32), layout.y_mm.astype(f32), np.zeros(16, f32), 1.0)
    assert y[0] > 0.8 * layout.foot_length_mm  # front of the foot (the 8 x 2 grid put it at 20 mm)


def test_left01_text_split_across_20_byte_notifications_after_writing_begin():
    rows = []
    for k in range(120):
        side = "L_" if k % 2 == 0 else "R_"
        matrix = [[round(0.5 * (r * 4 + c) + k, 1) for c in range(4)] for r in range(6)]
        rows.append((side + str(matrix).replace(" ", "") + "\n").encode())
    stream = b"".join(rows)
    notes = [stream[i : i + 20] for i in range(0, len(stream), 20)]  # MTU 23: 20-byte fragments
    fake = peripheral("left01-insole", notes, period_s=0.002)
    # a record every 10 ms (5 notifications 2 ms apart), feet alternating: each foot at 50 Hz
    with skd.open("ble://C0:FF:EE:00:00:04?profile=left01-insole&rate=50", backend=fake) as dev:
        chunks = collect(dev, 40, side="right")
    assert fake.WRITES[0] == b"begin" and fake.WRITES[-1] == b"end"
    left = np.concatenate([c.values for c in chunks if c.side == "left"])
    # jot143/fighter-man foot/app.py line 25: cells 8, 12, 16, 19, 20, 23 hold no sensor
    cells = [i for i in range(24) if i not in {8, 12, 16, 19, 20, 23}]
    assert left.shape[1] == 18
    assert np.allclose(left - left[:, :1], 0.5 * np.array(cells))  # cell i = 0.5 x i above cell (0, 0)
    assert np.array_equal(np.diff(left[:, 0]), np.full(left.shape[0] - 1, 2.0))  # every left record, in order
    # the fake paces its notifications with asyncio.sleep: on a loaded machine it really pauses,
    # and samples without a clock that arrive late and stay late are a pause ("time jump")
    assert {g["reason"] for c in chunks for g in c.gaps} <= {"time jump"}


def test_left01_profile_keeps_the_18_sensor_cells_and_its_layout_has_18_sensors_in_those_cells():
    p = load_profile("left01-insole")
    cells = [i for i in range(24) if i not in {8, 12, 16, 19, 20, 23}]
    assert p.n_sensors == 18 and list(p.pressure["any"].indices) == cells
    layout = profile_layout(p)
    assert layout.n_sensors == 18
    grid = profile_layout(
        load_profile({**p.raw, "fields": {**p.raw["fields"], "pressure": {"index": 0, "count": 24}}})
    )
    kept = np.isin(np.arange(24), cells)
    for a, b in ((layout.x_mm, grid.x_mm[kept]), (layout.y_mm, grid.y_mm[kept])):
        assert np.ptp(a - b) < 1e-9  # the same cells (grid_layout centres the active ones)
    assert "only while it is loaded" in p.description


# ---------------------------------------------------------------------------- sensmove (alex3165)
def sensmove_record(index: int, fsr: list[int], acc: list[int], *, comma: bool = True) -> str:
    """SMDataManager.cpp line 70: the index is an AVR int (16-bit two's complement)."""
    index = (index + 32768) % 65536 - 32768
    sep = "," if comma else ""  # before 1828c13 (2015-08-17) the comma after the index was missing
    return f'{{"index":{index}{sep}"fsr":[{",".join(map(str, fsr))}],"acc":[{",".join(map(str, acc))}]}}'


def sensmove_pieces(record: str, *, right: bool, frame: int = 19) -> list[bytes]:
    """SMBLEApplication::sendInstruction (lines 59-88): '$' + record + '$' cut into pieces of
    BLEFRAME - 1 = 18 characters, the rest in one last piece, each after '@' on the right insole.
    Firmware before f82d9e8 (2015-08-25) cut pieces of BLEFRAME = 19 without a marker (frame=20)."""
    wrapped, size = "$" + record + "$", frame - 1
    n = len(wrapped) // 19
    marker = "@" if right else ""
    pieces = [marker + wrapped[i * size : (i + 1) * size] for i in range(n)]
    if 19 % n != 0:
        pieces.append(marker + wrapped[n * size :])
    return [p.encode() for p in pieces]


def ble_notifications(pieces: list[bytes]) -> list[bytes]:
    """Adafruit_BLE_UART::write (lines 247-266) sends a piece in notifications of at most 20 bytes."""
    return [p[i : i + 20] for p in pieces for i in range(0, len(p), 20)]


def sensmove_values(k: int) -> tuple[list[int], list[int]]:
    fsr = [(k * 37 + 101 * i) % 1024 for i in range(7)]  # 1 to 4 digits: records of 49 to 84 characters
    return fsr, fsr[:3]  # 'acc' reads pins 6, 0, 2 again: the first three FSR pins (program.ino 20-21)


def decode_all(decoder, parts: list[bytes]) -> dict:
    out: dict[str, list] = {}
    for part in parts:
        for side, blk in decoder.feed(part).items():
            out.setdefault(side, []).append(blk)
    return {
        side: (np.concatenate([b.values for b in blks]), np.concatenate([b.counter for b in blks]),
               np.concatenate([b.extra["fsr_reread"] for b in blks]))
        for side, blks in out.items()
    }  # fmt: skip


@pytest.mark.parametrize("right", [False, True])
def test_sensmove_records_as_the_firmware_sends_them_decode_as_notifications_and_as_a_serial_stream(right):
    from sensorkit.devices.profile_decoder import ProfileDecoder

    first = 32_700  # the index passes 32767 and goes on at -32768
    pieces = []
    for k in range(first, first + 120):
        pieces += sensmove_pieces(sensmove_record(k, *sensmove_values(k)), right=right)
    pieces = pieces[1:]  # attached after the first piece: the tail of that record is skipped
    notes = ble_notifications(pieces)
    assert {len(p) for p in pieces} >= {19 if right else 18} and max(len(n) for n in notes) == 20
    assert all(n.startswith(b"@") for n in notes if len(n) > 2) == right
    stream = b"".join(pieces)
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.choice(np.arange(1, len(stream)), 300, replace=False))
    echo = b"".join(p + b"\r\n" for p in pieces)  # the USB serial echo: Serial.println of each piece
    side = "right" if right else "left"
    for parts in (
        notes,
        [stream],
        [stream[a:b] for a, b in itertools.pairwise([0, *cuts, len(stream)])],
        [echo],
    ):
        dec = ProfileDecoder(load_profile("sensmove"))
        got = decode_all(dec, parts)
        assert set(got) == {side}  # the '@' says right; none says left (the URL's default)
        values, counter, reread = got[side]
        k = np.arange(first + 1, first + 120)  # the first record of a connection is skipped
        expected = np.array([sensmove_values(int(i))[0] for i in k])
        assert np.array_equal(values, expected) and np.array_equal(reread, expected[:, :3])
        assert np.array_equal(counter, k % 65536)  # 32767 then -32768 = 32768: one step
        assert dec.stats.bad_frames == 0 and dec.stats.bad_bytes == 0 and dec.stats.frames_ok == 119


def test_sensmove_older_firmware_without_the_comma_and_the_marker_decodes_as_the_url_side():
    from sensorkit.devices.profile_decoder import ProfileDecoder

    # 4c035fa (2015-06-26) .. 1828c13 (2015-08-17): '$'-wrapped, 19-character pieces, no '@', no comma
    pieces = []
    for k in range(40):
        pieces += sensmove_pieces(sensmove_record(k, *sensmove_values(k), comma=False), right=False, frame=20)
    for side in ("left", "right"):
        got = decode_all(ProfileDecoder(load_profile("sensmove"), side=side), ble_notifications(pieces))
        values, counter, _ = got[side]
        assert np.array_equal(counter, np.arange(40))
        assert np.array_equal(values, [sensmove_values(k)[0] for k in range(40)])


def test_sensmove_right_insole_over_ble_wraps_its_index_and_counts_a_corrupted_and_a_lost_piece():
    first = 32_740
    notes = []
    for k in range(first, first + 80):
        pieces = sensmove_pieces(sensmove_record(k, *sensmove_values(k)), right=True)
        if k == first + 30:
            pieces[1] = pieces[1][:5] + b"#" + pieces[1][6:]  # a corrupted piece: the record is rejected
        if k == first + 50:
            del pieces[2]  # a lost piece: the record is rejected, its index is a lost sample
        notes += ble_notifications(pieces[1:] if k == first else pieces)  # attached after a first piece
    fake = peripheral("sensmove", notes, period_s=0.001)
    with skd.open("ble://C0:FF:EE:00:00:05?profile=sensmove&rate=100", backend=fake) as dev:
        chunks = collect(dev, 77)
        stats = dev.devices[0].stats
    assert {c.side for c in chunks} == {"right"}
    values = np.concatenate([c.values for c in chunks])
    seq = np.concatenate([c.seq for c in chunks])
    k = np.array([i for i in range(first + 1, first + 80) if i not in (first + 30, first + 50)])
    assert np.array_equal(values, [sensmove_values(int(i))[0] for i in k])
    assert np.array_equal(seq, k - (first + 1))  # numbered on across the wrap at 32767 -> -32768
    gaps = [(g["n_missing"], g["reason"]) for c in chunks for g in c.gaps]
    assert gaps == [(1, "packet loss"), (1, "packet loss")]  # only the two rejected records
    assert stats.framing_errors == 2


#: sensmove 6a77793 SMSensorsVectors.json lines 39-75 ("right", set by 0324442 "Fix sensors
#: positions"): where the app draws fsr[i] of the right insole, points, y down
SENSMOVE_APP_PT = [(58, 91), (91, 30), (119, -21), (76, -33), (34, -47), (58, -94), (104, -94)]


def test_sensmove_layout_is_the_apps_drawing_of_the_right_insole_with_fsr0_at_the_heel():
    # the approximate 4 x 2 grid put fsr[0] at the toes and fsr[6] at the heel: the reverse of
    # where upstream's app draws them (fsr[0] alone at the heel end, fsr[5] and fsr[6] at the toes)
    layout = profile_layout(load_profile("sensmove"))
    assert layout.name == "sensmove" and layout.positions == "approximate" and layout.n_sensors == 7
    assert "APPROXIMATE" in layout.description and "assumed" in layout.description
    assert "SMSensorsVectors.json" in layout.source and list(layout.sensor_names) == [
        f"fsr{i}" for i in range(7)
    ]
    pt = np.array(SENSMOVE_APP_PT, dtype=float)
    x, y = np.asarray(layout.x_mm), np.asarray(layout.y_mm)
    # the drawing itself, at the stated (assumed) 1 mm per point: toe up, medial towards the other foot
    assert np.allclose(y - y[0], -(pt[:, 1] - pt[0, 1])) and np.allclose(x - x[0], -(pt[:, 0] - pt[0, 0]))
    assert np.argmin(y) == 0 and set(np.flatnonzero(y == y.max())) == {5, 6} and x[5] > x[6]
    assert np.argmax(x) == 4 and np.argmin(x) == 2  # the forefoot row runs lateral (2) to medial (4)
    assert layout.region[0] == "heel" and layout.region[5] == layout.region[6] == "toes"
    assert layout.mask == ()  # no anatomical masks claimed from a drawing


def test_sensmove_right_insole_pressed_at_fsr0_over_serial_loads_the_heel_of_its_layout(pty):
    # the USB serial echo (SMBLEApplication.cpp lines 78, 85) of a right insole whose first FSR, pin 6
    # (program.ino line 20), is pressed: the load shows at the heel end, not at the toes
    lines = []
    for k in range(60):
        fsr = [0] * 7
        fsr[0 if k < 30 else 5] = 700 + k
        lines += [p + b"\r\n" for p in sensmove_pieces(sensmove_record(k, fsr, fsr[:3]), right=True)]
    pty.play(lines, 0.002, per_write=4)
    with skd.open(f"serial://{pty.path}?profile=sensmove&side=right") as dev:
        chunks = collect(dev, 50)
        layout = dev.devices[0].sensor_layout
    values = np.concatenate([c.values for c in chunks])
    assert {c.side for c in chunks} == {"right"} and values.shape[1] == 7
    pressed = values.argmax(axis=1)
    heel, toes = pressed[values[:, 0] > 0], pressed[values[:, 5] > 0]
    assert heel.size and toes.size and set(heel) == {0} and set(toes) == {5}
    assert layout.region[0] == "heel" and layout.region[5] == "toes" and layout.y_mm[0] < layout.y_mm[5]
    assert layout.x_mm[5] > 0  # fsr[5], the toe sensor the app draws medial


def test_a_text_marker_or_prefix_decides_over_the_urls_side_and_a_disagreement_is_warned():
    # markers and prefixes are sent by each insole's own firmware: a port can carry both insoles
    # (sensmove's USB echo, left01 rows of both feet). side= overriding them merged both insoles
    # into one foot (a review); they decide, and a side= that disagrees is warned and counted
    from sensorkit.devices.profile_decoder import ProfileDecoder

    pieces = []
    for k in range(30):  # the right insole: '@' before every piece
        pieces += sensmove_pieces(sensmove_record(k, *sensmove_values(k)), right=True)
    with pytest.warns(
        SideConflictWarning, match=r"the record's marker \(right\) names the other foot.*each frame keeps"
    ) as rec:
        dec = ProfileDecoder(load_profile("sensmove"), side="left")
        got = decode_all(dec, ble_notifications(pieces))
    assert set(got) == {"right"} and len(rec) == 1  # one warning per stream, every record counted
    assert dec.stats.side_conflicts == dec.stats.frames_ok == 30
    rows = [
        (("L_" if k % 2 else "R_") + str([[k] * 4] * 6).replace(" ", "") + "\n").encode() for k in range(10)
    ]
    with pytest.warns(SideConflictWarning, match=r"the record's prefix \(right\)"):
        dec = ProfileDecoder(load_profile("left01-insole"), side="left")
        got = {s: b.values for s, b in dec.feed(b"".join(rows)).items()}
    # the first record is skipped (it may be a cut one): 5 left rows, 4 right rows, each its foot
    assert got["left"].shape[0] == 5 and got["right"].shape[0] == 4 and dec.stats.side_conflicts == 4
    assert np.array_equal(got["left"][:, 0], [1, 3, 5, 7, 9]) and np.array_equal(
        got["right"][:, 0], [2, 4, 6, 8]
    )


def test_a_trusted_foot_field_decides_and_only_pressure2poses_fixed_foot_word_yields_to_side():
    from sensorkit.devices.profile_decoder import ProfileDecoder

    single = b"".join(p2p_single(k, foot=1) for k in range(5))  # an edited board that says right
    with pytest.warns(SideConflictWarning, match="taken as the left foot, as side= says"):
        got = ProfileDecoder(load_profile("pressure2pose"), side="left").feed(single)
    assert set(got) == {"left"}  # the published firmware fixes the word: side= decides
    assert load_profile("pressure2pose").side_trusted is False
    assert load_profile("pressure2pose-imu").side_trusted is True  # FOOT_SIDE from menuconfig
    imu = b"".join(p2p_single_imu(k, foot=1) for k in range(5))
    with pytest.warns(SideConflictWarning, match="each frame keeps the foot it names"):
        dec = ProfileDecoder(load_profile("pressure2pose-imu"), side="left")
        got = dec.feed(imu)
    assert set(got) == {"right"} and dec.stats.side_conflicts == 5


@pytest.mark.parametrize(
    ("patch", "key", "expected"),
    [
        ('sequence = { key = "index", signed = true }', "fields.sequence.signed", "with bits"),
        ('side = { marker = { "$@" = "right" } }', "fields.side.marker.$@", "neither the delimiter"),
        ('side = { marker = { "@" = "up" } }', "fields.side.marker.@", "left or right"),
        # removed wherever it appears: "9" turned the record 19,290,3 into 1,20,3 of the right foot
        ('side = { marker = { "9" = "right" } }', "fields.side.marker.9", "cannot occur in a value"),
        ('side = { marker = { ":" = "right" } }', "fields.side.marker.:", "cannot occur in a value"),
    ],
)
def test_sensmove_style_keys_are_checked(tmp_path, patch, key, expected):
    text = Path(skd.__file__).parent.joinpath("profiles", "sensmove.toml").read_text()
    line = patch.split(" = ")[0] + " = "
    text = "\n".join(patch if ln.startswith(line) else ln for ln in text.splitlines())
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        load_profile(str(path))
    assert repr(key) in str(err.value) and expected in str(err.value), str(err.value)


def test_per_side_indices_must_be_the_same_for_both_feet():
    # one layout serves both feet (sensor k in cell indices[k]): the right foot's differing
    # indices were accepted and its sensors drawn in the left foot's cells
    raw = {"name": "two", "framing": {"kind": "text", "format": "csv"},
           "fields": {"pressure": {"left": {"index": 0, "count": 4, "indices": [0, 1, 2]},
                                   "right": {"index": 4, "count": 4, "indices": [1, 2, 3]}}},
           "units": {"pressure": "counts", "rate_hz": 50},
           "layout": {"approximate": {"rows": 2, "cols": 2}}}  # fmt: skip
    with pytest.raises(ProfileError, match="the same indices for both feet"):
        profile_from_dict(raw)
    raw["fields"]["pressure"]["right"]["indices"] = [0, 1, 2]
    assert profile_from_dict(raw).n_sensors == 3


# ---------------------------------------------------------------------------- profiles as files
def test_every_builtin_profile_loads_and_has_a_layout_of_its_sensor_count():
    names = builtin_profiles()
    assert len(names) >= 6
    for name in names:
        p = load_profile(name)
        layout = profile_layout(p)
        assert layout.n_sensors == p.n_sensors, name
        if p.approximate is not None:
            assert "APPROXIMATE" in layout.description and layout.name.endswith("-approximate")


@pytest.mark.parametrize(
    ("patch", "key", "expected"),
    [
        ('[units]\npressure = "newton"\nrate_hz = 50\n', "units.pressure", "one of N, kPa"),
        ('[units]\npressure = "N"\nrate_hz = "fast"\n', "units.rate_hz", "the nominal rate in Hz"),
        ('[units]\npressure = "N"\nrate_hz = 50\nrate = 3\n', "units.rate", "unknown key"),
    ],
)
def test_a_profile_with_a_wrong_field_names_file_key_and_expectation(tmp_path, patch, key, expected):
    text = (
        'name = "bad"\n[framing]\nkind = "text"\nformat = "csv"\n[fields]\npressure = { index = 1, count = 4 }\n'
        + patch
        + "[layout]\napproximate = { rows = 2, cols = 2 }\n"
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        skd.open(f"serial:///dev/null?profile={path}")
    msg = str(err.value)
    assert str(path) in msg and repr(key) in msg and expected in msg, msg


def test_units_offset_with_a_negative_scale_turns_falling_counts_into_rising_ones():
    # value = units.offset + raw x field scale x units.scale, in every framing
    from sensorkit.devices.profile_decoder import ProfileDecoder

    base = {"name": "inv", "units": {"pressure": "counts", "rate_hz": 100, "offset": 4095, "scale": -1},
            "layout": {"approximate": {"rows": 2, "cols": 2}}}  # fmt: skip
    text = load_profile({**base, "framing": {"kind": "text", "format": "csv"},
                         "fields": {"pressure": {"index": 0, "count": 4}}})  # fmt: skip
    dec = ProfileDecoder(text, "left")
    out = dec.feed(b"cut\n4095,4000,95,0\n")
    assert out["left"].values.tolist() == [[0, 95, 4000, 4095]]
    binary = load_profile({**base, "framing": {"kind": "binary", "size": 8},
                           "fields": {"pressure": {"offset": 0, "type": "u16", "count": 4}}})  # fmt: skip
    out = ProfileDecoder(binary, "left").feed(struct.pack("<4H", 4095, 4000, 95, 0))
    assert out["left"].values.tolist() == [[0, 95, 4000, 4095]]
    with pytest.raises(ProfileError, match=r"units\.offset.*finite"):
        load_profile({**base, "units": {**base["units"], "offset": float("nan")}, "framing": text.raw["framing"],
                      "fields": text.raw["fields"]})  # fmt: skip


def test_bytes_that_match_no_frame_are_reported_with_rate_and_first_bytes(pty):
    pty.play([b"\x00\xff\x13 not an esp32 line at all\r\n"] * 50, 0.01)
    with pytest.raises(DeviceError) as err:
        skd.open(f"serial://{pty.path}?profile=esp32-insole", handshake_timeout_s=0.8)
    msg = str(err.value)
    assert "no frame matched profile 'esp32-insole'" in msg and "did not match the profile" in msg
    assert "% of" in msg and "first: b'\\x00\\xff\\x13" in msg


def test_devices_cli_lists_the_profiles(capsys):
    from sensorkit.cli import main

    assert main(["devices", "--profiles"]) == 0
    out = capsys.readouterr().out
    for name in builtin_profiles():
        assert name in out
    assert "udp" in out or "UDP" in out
    # one column for the transports, however long a name (pressure2pose-double pushed its row over)
    rows = [re.match(r"^  \S+ +", line) for line in out.splitlines() if "://" in line]
    starts = {m.end() for m in rows if m}
    assert len(rows) == len(builtin_profiles()) and len(starts) == 1, starts


USER_PROFILE = """\
name = "teensy-fsr8"
description = "Teensy 4.0 with 8 FSRs behind a Wi-Fi bridge"

[framing]
kind = "text"
format = "csv"
separator = ";"

[fields]
side = { index = 0, left = "L", right = "R" }
timestamp = { index = 1, unit = "us", bits = 32 }
pressure = { index = 2, count = 8 }

[units]
pressure = "N"
rate_hz = 200

[layout]
approximate = { rows = 4, cols = 2 }
"""


def test_a_user_profile_written_from_the_docs(tmp_path):
    # docs/device-profiles.md, "A worked example": a device not in OPEN_INSOLES.md, over TCP,
    # both feet on one link, a micros() clock that wraps at 2**32 during the test
    path = tmp_path / "teensy-fsr8.toml"
    path.write_text(USER_PROFILE)
    assert USER_PROFILE.strip() in (Path(__file__).parents[1] / "docs" / "device-profiles.md").read_text()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def bridge() -> None:
        conn, _ = server.accept()
        k = 0
        while not stop.is_set() and k < 1200:
            lines = []
            for _ in range(10):  # 5 ms of both feet at 200 Hz... per foot
                side = "L" if k % 2 == 0 else "R"
                stamp = ((1 << 32) - 1_000_000 + 5000 * (k // 2)) % (1 << 32)
                forces = [round(0.25 * (j + 1) + (k // 2) % 40, 2) for j in range(8)]
                lines.append(f"{side};{stamp};" + ";".join(map(str, forces)) + "\r\n")
                k += 1
            try:
                conn.sendall("".join(lines).encode())
            except OSError:
                break
            time.sleep(0.025)
        conn.close()

    th = threading.Thread(target=bridge, daemon=True)
    th.start()
    try:
        with skd.open(f"tcp://127.0.0.1:{port}?profile={path}") as dev:
            chunks = collect(dev, 300, side="left")
            events = [e["event"] for e in dev.devices[0].events]
    finally:
        stop.set()
        th.join(2)
        server.close()
    left = [c for c in chunks if c.side == "left"]
    right = [c for c in chunks if c.side == "right"]
    assert left and right and all(c.units == "N" and c.values.shape[1] == 8 for c in chunks)
    lv = np.concatenate([c.values for c in left])
    assert np.allclose(lv[:, 7] - lv[:, 0], 1.75)
    for side_chunks in (left, right):
        t = np.concatenate([c.time for c in side_chunks])
        assert not any(c.gaps for c in side_chunks)  # the wrap at 2**32 us (after 1 s) is not a restart
        assert np.allclose(np.diff(t), 0.005, atol=0.005 * 0.011)
    assert "device_restart" not in events


def test_magic_insoles_frame_counter_drops_repeated_notifications_and_counts_lost_frames_across_its_wrap():
    # bleak/BlueZ may deliver each notification twice; frames 65530+60 .. +69 never arrive; the
    # u16 counter wraps from 65535 to 0 on the way (a continuation, not a restart)
    first = 65_500
    frames = []
    for k in range(160):
        if 60 <= k < 70:
            continue
        pressures = [(k + i) % 256 for i in range(32)]
        frame = struct.pack("<BH32sBBBHB", 1, (first + k) % 65536, bytes(pressures), 2, 1, 90, k, 77)
        frames += [frame, frame] if k % 3 == 0 and k < 150 else [frame]
    doubled = len([k for k in range(0, 150, 3) if not 60 <= k < 70])
    fake = peripheral("magic-insoles", frames, period_s=0.003)
    with skd.open("ble://C0:FF:EE:00:00:05?profile=magic-insoles", backend=fake) as dev:
        chunks = collect(dev, 150, side="right", timeout_s=10)
        stats = dev.devices[0].stats
    for side, channel0 in (("left", 0), ("right", 16)):
        mine = [c for c in chunks if c.side == side]
        seq = np.concatenate([c.seq for c in mine])
        values = np.concatenate([c.values for c in mine])
        # one sample per frame, each once, in order, numbered with the 10 lost ones skipped
        assert seq[0] == 0 and seq[-1] == 159 and len(seq) == 150
        assert np.array_equal(np.diff(seq)[np.diff(seq) != 1], [11])
        assert np.array_equal(values[:, 0], (seq + channel0) % 256)  # each sample from its own frame
        # (a "time jump" of no missing sample would be the fake pausing on a loaded machine)
        gaps = [g for c in mine for g in c.gaps if g["reason"] != "time jump" or g["n_missing"]]
        assert [(g["n_missing"], g["reason"]) for g in gaps] == [(10, "packet loss")]
    assert stats.duplicates == 2 * doubled  # each repeated frame carried both feet
    assert stats.missing_samples == 20  # 10 frames x 2 feet


@pytest.mark.parametrize(
    ("counters", "t", "keep", "gaps"),
    [
        # u8 counter wrapping 254, 255, 0, 1: follows on
        ([254, 255, 0, 1], [0.0, 0.0, 0.0, 0.0], [1, 1, 1, 1], []),
        # a repeat and an older frame: dropped
        ([5, 6, 6, 7, 5, 8], [0.0] * 6, [1, 1, 0, 1, 0, 1], []),
        # 3 lost frames
        ([10, 11, 15, 16], [0.0] * 4, [1, 1, 1, 1], [(2, 3, "packet loss")]),
    ],
)
def test_frame_counter_screen_known_answers(counters, t, keep, gaps):
    from sensorkit.devices.sequencer import FrameCounter

    fc = FrameCounter(8, 1, 50.0)
    got_keep, got_gaps = fc.screen(np.array(counters, dtype=np.uint64), 1.0, False)
    assert got_keep.tolist() == [bool(k) for k in keep]
    assert got_gaps == gaps
    assert fc.duplicates == keep.count(0)


def test_frame_counter_restart_and_reconnect():
    from sensorkit.devices.sequencer import FrameCounter

    fc = FrameCounter(16, 1, 50.0)
    fc.screen(np.arange(40_000, 40_050, dtype=np.uint64), 1.0, False)
    # 0.5 s later the counter reads 0: 25,535 frames at 50 Hz cannot have been sent: a restart
    keep, gaps = fc.screen(np.arange(0, 5, dtype=np.uint64), 1.5, False)
    assert keep.all() and gaps == [(0, None, "device restart")]
    # a reconnect 2 s later that continued the count at 100 (95 lost)
    keep, gaps = fc.screen(np.arange(100, 105, dtype=np.uint64), 3.5, True)
    assert gaps == [(0, 95, "link lost")]
    # a reconnect that follows on exactly: no gap
    keep, gaps = fc.screen(np.arange(105, 110, dtype=np.uint64), 4.0, True)
    assert gaps == []
    # two frames per notification: counters are frame x 2 + place; frame 7 lost
    fc2 = FrameCounter(8, 2, 100.0)
    c = np.array([f * 2 + j for f in (5, 6, 8) for j in (0, 1)], dtype=np.uint64)
    keep, gaps = fc2.screen(c, 0.0, False)
    assert gaps == [(4, 2, "packet loss")]


def test_frame_counter_loss_inside_one_read_restart_near_the_last_value_and_repeat_after_reconnect():
    from sensorkit.devices.sequencer import FrameCounter

    # a BLE stall: 3 s later one read brings frames 100-109 and, 150 frames lost, 260-269
    fc = FrameCounter(16, 1, 100.0)
    fc.screen(np.arange(0, 100, dtype=np.uint64), 1.0, False)
    c = np.r_[np.arange(100, 110), np.arange(260, 270)].astype(np.uint64)
    assert fc.screen(c, 4.0, False)[1] == [(10, 150, "packet loss")]
    # a reboot 4 s after frame 39: counting from 0 again is a restart, not 40 repeats
    fc = FrameCounter(16, 1, 100.0)
    fc.screen(np.arange(0, 40, dtype=np.uint64), 1.0, False)
    keep, gaps = fc.screen(np.arange(0, 45, dtype=np.uint64), 5.0, False)
    assert keep.all() and gaps == [(0, None, "device restart")] and fc.duplicates == 0
    # right after a reconnect the last frame comes again: dropped, and no gap (nothing lost)
    fc = FrameCounter(16, 1, 100.0)
    fc.screen(np.arange(0, 40, dtype=np.uint64), 1.0, False)
    keep, gaps = fc.screen(np.arange(39, 45, dtype=np.uint64), 1.3, True)
    assert keep.tolist() == [False, True, True, True, True, True] and gaps == []


def test_a_repeated_frame_after_the_device_clock_wrapped_does_not_move_later_times():
    from sensorkit.devices.linestream import LineStream
    from sensorkit.devices.profile import profile_from_dict

    raw = {"schema": "sensorkit.profile/1", "name": "wrap16",
           "framing": {"kind": "binary", "size": 8, "byte_order": "little", "sync_hex": "AA"},
           "fields": {"timestamp": {"offset": 1, "type": "u16", "unit": "ms", "bits": 16},
                      "sequence": {"offset": 3, "type": "u16"}, "pressure": {"offset": 5, "type": "u8", "count": 3}},
           "units": {"pressure": "counts", "rate_hz": 100},
           "layout": {"approximate": {"rows": 3, "cols": 1, "length_mm": 250, "width_mm": 90}}}  # fmt: skip
    p = profile_from_dict(raw)

    def frame(k: int) -> bytes:  # 10 ms per frame: the ms clock wraps after frame 6553
        return struct.pack("<BHHBBB", 0xAA, (k * 10) % 65536, k % 65536, 1, 2, 3)

    def run(repeat: bool) -> tuple[np.ndarray, int]:
        ls = LineStream("profile", url="test", layout=profile_layout(p), side="left", profile=p)
        times = []
        for k in range(0, 7000, 2):
            blk = frame(k) + (frame(k - 1) if repeat and k == 6600 else b"") + frame(k + 1)
            for em in ls.feed(blk, (k + 1) * 0.01 + 0.005, "left"):
                times += [x for part in em.parts for x in part[0].tolist()]
        return np.array(times), ls.duplicates

    clean, _ = run(False)
    repeated, dups = run(True)
    assert dups == 1 and repeated.shape == clean.shape
    np.testing.assert_array_equal(repeated, clean)  # the repeat changed nothing (it reset the unwrapper)


def test_a_profiles_approximate_grid_layout_is_flagged_approximate_in_its_report_and_capture_header(tmp_path):
    # [layout] approximate = {...} places sensors on a guessed grid (left01-insole, palmilha-serial):
    # the layout said positions == "specified", so the report and the recommender's foot loading
    # text did not say the positions were approximate, as they do for pedar or moticon-s7-estimated
    import dataclasses

    from sensorkit.layout import SensorLayout

    for name in ("left01-insole", "palmilha-serial"):
        layout = profile_layout(load_profile(name))
        assert layout.name == f"{name}-approximate" and layout.positions == "approximate", name
        assert "device profile's grid" in layout.positions_note
        assert SensorLayout.from_dict(layout.to_dict()).positions == "approximate"  # the capture header
    layout = profile_layout(load_profile("left01-insole"))
    rec = sk.simulate(duration_s=12, seed=3, layout=layout)
    page = sk.report(rec, output=tmp_path / "a.html")["html"].read_text(encoding="utf-8")
    header = page.split("<td>layout</td>")[1].split("</tr>")[0]
    assert "sensor positions are approximate" in header and "device profile&#x27;s grid" in header
    # a capture header written before keeps the grid as "specified": read as approximate
    from sensorkit.devices.profile import header_layout

    for name in ("left01-insole", "palmilha-serial"):
        old = dataclasses.replace(profile_layout(load_profile(name)), positions="specified")
        assert header_layout(load_profile(name), old).positions == "approximate"
    named = profile_layout(load_profile("magic-insoles"))  # a named layout is left as it says
    assert header_layout(load_profile("magic-insoles"), named) is named


def udp_pair(
    queries: tuple[str, str], datagrams: tuple[list[bytes], list[bytes]], seconds: float
) -> tuple[list, list]:
    """Two ``udp://127.0.0.1`` devices opened as a pair while a thread sends each its datagrams:
    the chunks read for ``seconds`` and the pair's devices, left first."""
    ports = [free_udp_port(), free_udp_port()]
    stop = threading.Event()
    senders = [udp_sender(port, d, 0.004, stop) for port, d in zip(ports, datagrams, strict=True)]
    try:
        urls = [f"udp://127.0.0.1:{port}?{q}" for port, q in zip(ports, queries, strict=True)]
        with skd.open(*urls) as session:
            chunks, deadline = [], time.monotonic() + seconds
            while time.monotonic() < deadline:
                c = session.read(timeout_s=0.3)
                if c is not None:
                    chunks.append(c)
            devices = list(session.devices)
    finally:
        stop.set()
        for th in senders:
            th.join(2)
    return chunks, devices


def test_a_pair_of_profile_devices_whose_records_do_not_name_the_foot_needs_side():
    # the double-frame build's foot word is not trusted (pressure2pose-double has no side field)
    # and neither URL says side=: the pair assigned left and right to the devices, but the
    # decoder had already labelled their first chunks, so both streamed "left" chunks. Telling
    # them apart after the first records raced the reader thread (a review): side= is asked for
    a = [p2p_double(k) for k in range(300)]  # sensel 0 counts k: 0..299 from the first URL
    b = [p2p_double(k + 1000) for k in range(300)]  # 1000.. from the second
    with pytest.raises(DeviceError, match="do not say which foot they are") as err:
        udp_pair(("profile=pressure2pose-double",) * 2, (a, b), 0.3)
    assert "side=left" in err.value.hint and "side=right" in err.value.hint
    # with side= on each URL: one left and one right stream, every chunk on its side
    chunks, devices = udp_pair(("profile=pressure2pose-double&side=right", "profile=pressure2pose-double&side=left"),
                               (b, a), 1.0)  # fmt: skip
    assert [d.side for d in devices] == ["left", "right"]
    by_side = {s: np.concatenate([c.values for c in chunks if c.side == s]) for s in ("left", "right")}
    assert {c.side for c in chunks} == {"left", "right"}
    assert np.all(by_side["left"][:, 0] < 1000) and np.all(by_side["right"][:, 0] >= 1000)
    for values in by_side.values():  # one sequence per device: no sample repeated or out of order
        assert np.all(np.diff(values[:, 0]) > 0) and values.shape[0] > 50


def p2p_imu_words(k: int) -> tuple[list[int], list[int]]:
    """The IMU's raw int16 sample of scan k (imu_icm45686.h lines 9-12: ax, ay, az, gx, gy, gz),
    signs and both ends of the 16-bit range included; every fifth scan has no new IMU sample."""
    if k % 5 == 4:
        return [0] * 6, [0] * 6  # adc_continuous.c lines 357-359 / 532-534: memset to 0
    raw = [8192 + k, -8192 - k, -32768 if k % 5 == 0 else 100 * k - 20000, -32768 + k, 32767, -164 * (k % 7)]
    return raw, [v & 0xFFFF for v in raw]  # (uint16_t)imu.ax ...: two's complement (lines 346-351)


def p2p_single_imu(k: int, foot: int) -> bytes:
    """A datagram as the single-frame IMU build sends it (adc_continuous.c lines 308-364,
    sensor_config.h lines 86-95): 253 u16 sensels, foot word FOOT_SIDE (word 253), the six IMU
    words 254-259; 260 words of the little-endian ESP32, 520 bytes."""
    _, words = p2p_imu_words(k)
    return struct.pack("<260H", *((np.arange(253) + k) % 4096).tolist(), foot, *words)


def p2p_double_imu(k: int, foot: int) -> bytes:
    """The double-frame IMU build (adc_continuous.c lines 449-539, sensor_config.h lines 102-111):
    253 gain-1 words, 253 gain-16 words, foot word 506, IMU words 507-512; 1026 bytes."""
    low = (np.arange(253) + k) % 4096
    _, words = p2p_imu_words(k)
    return struct.pack("<513H", *low.tolist(), *(4095 - low).tolist(), foot, *words)


@pytest.mark.parametrize(
    ("name", "build"), [("pressure2pose-imu", p2p_single_imu), ("pressure2pose-double-imu", p2p_double_imu)]
)
def test_pressure2pose_imu_builds_decode_pressure_foot_and_the_imu_in_g_and_deg_s(name, build):
    # the IMU builds send 520 (single) or 1026 (double) bytes: no profile took them (the 520-byte
    # datagrams were rejected by pressure2pose); the foot word is menuconfig's FOOT_SIDE
    # (sensor_config.h lines 27-33), the IMU +-4 g and +-2000 deg/s, 16-bit (imu_icm45686.c lines 102, 110-113)
    frames = [build(k, foot=1) for k in range(200)]
    assert len(frames[0]) == (520 if name == "pressure2pose-imu" else 1026)
    chunks, dev = udp_session(f"profile={name}", frames, 0.004, 100, side="right")
    assert {c.side for c in chunks} == {"right"}  # foot word 1 without side=
    values = np.concatenate([c.values for c in chunks])
    accel = np.concatenate([c.extra["imu_accel"] for c in chunks])
    gyro = np.concatenate([c.extra["imu_gyro"] for c in chunks])
    k = values[:, 0].astype(int)
    assert np.array_equal(values, (k[:, None] + np.arange(253)) % 4096)
    raw = np.array([p2p_imu_words(int(i))[0] for i in k], dtype=float)
    np.testing.assert_allclose(accel, raw[:, :3] / 8192)  # 8192 counts per g at +-4 g
    np.testing.assert_allclose(gyro, raw[:, 3:] * 2000 / 32768)  # 16.384 counts per deg/s at +-2000
    assert np.all(accel[k % 5 == 0, 2] == -4.0) and (k % 5 == 0).any()  # int16 -32768: -4 g, the range's end
    assert np.all(gyro[k % 5 != 4, 1] == 32767 * 2000 / 32768) and np.all(accel[k % 5 != 4, 1] <= -1.0)
    assert np.all(accel[k % 5 == 4] == 0) and np.all(gyro[k % 5 == 4] == 0)  # no new IMU sample
    if name == "pressure2pose-double-imu":
        high = np.concatenate([c.extra["high_gain"] for c in chunks])
        assert np.array_equal(high, 4095 - values)
    p = load_profile(name)
    assert p.imu_units == {"accel": "g", "gyro": "deg/s"} and dev.profile_stats.bad_frames == 0
    # a left board (FOOT_LEFT, word 0) on the same profile is left
    left, _ = udp_session(f"profile={name}", [build(k, foot=0) for k in range(100)], 0.004, 30, side="left")
    assert {c.side for c in left} == {"left"}


def test_an_imu_builds_520_byte_datagrams_sent_to_pressure2pose_name_the_imu_profile():
    port = free_udp_port()
    stop = threading.Event()
    sender = udp_sender(port, [p2p_single_imu(k, 0) for k in range(400)], 0.004, stop)
    try:
        with pytest.raises(DeviceError) as err:
            skd.open(f"udp://127.0.0.1:{port}?profile=pressure2pose", handshake_timeout_s=0.8)
    finally:
        stop.set()
        sender.join(2)
    assert "?profile=pressure2pose-imu" in err.value.hint
