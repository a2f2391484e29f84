"""Sustained ingest: N simulated insoles x S sensors x R Hz over real pseudo-terminals.

A writer *process* plays N firmwares on the master sides of N ptys (answers REQUEST_INFO,
START, SYNC_TIME; streams PRESSURE packets stamped with the CLOCK_MONOTONIC time at which
the packet is written). This process opens N ``serial://`` devices on the slave sides
(pyserial), and consumes every chunk. It reports the CPU share of this process (the whole
ingest: pyserial reads, framing, decoding, clock mapping, chunk assembly, and the capture
file when ``--record`` is given; not the writer process) and the end-to-end latency from
a packet being written to its chunk being delivered, for every packet: with batching the
first packet of a chunk waits longest, so the percentiles are over packets, not chunks.
The writer notes the ``CLOCK_MONOTONIC`` time right after each ``os.write`` and hands the
list over at the end, so latency is measured against the real write time of each packet,
not against the chunk's mapped host time: the clock mapping is what is being tested. The
mapping's error (mapped time of a chunk's last sample minus the write time of its
packet) is reported separately.

Run::

    PYTHONPATH=. python benchmarks/bench_ingest.py --devices 8 --sensors 32 --rate 1000 --seconds 10

``--profiles`` instead measures the cost of the device-profile decoders alone (no transport):
bytes synthesised from each spec for ``--seconds`` of streaming at the profile's rate (or
``--rate``), fed in 15 ms slices (the default batching), decoded and sequenced.
"""

from __future__ import annotations

import argparse
import os
import queue
import select
import signal
import subprocess
import sys
import time
import tty

import numpy as np


def writer(fds: list[int], sensors: int, rate: int, times_path: str) -> None:
    """Child process: one firmware per master fd, single-threaded, paced by CLOCK_MONOTONIC.

    On SIGTERM, saves ``(fd index, first sample number, write time in s)`` of every
    PRESSURE packet to ``times_path`` (.npy) and exits.
    """
    from sensorkit.protocol import (
        Ack,
        Command,
        CommandId,
        Decoder,
        DeviceInfo,
        PressureSamples,
        Side,
        TimeSync,
        Units,
        encode_frame,
    )  # fmt: skip

    per_packet = max(1, min((504 - 19) // (2 * sensors), rate // 100 or 1))
    period_ns = round(1e9 / rate)
    rng = np.random.default_rng(0)
    values = rng.integers(0, 4096, (per_packet, sensors), dtype=np.uint16)
    state = {fd: {"dec": Decoder(), "seq": 0, "streaming": False, "k": 0, "next": 0.0} for fd in fds}

    def now_us() -> int:
        return time.monotonic_ns() // 1000

    def send(fd: int, packet) -> None:
        st = state[fd]
        from dataclasses import replace

        os.write(fd, encode_frame(replace(packet, seq=st["seq"])))
        st["seq"] = (st["seq"] + 1) % 65536

    packet_s = per_packet / rate
    index = {fd: i for i, fd in enumerate(fds)}
    written: list[tuple[int, int, float]] = []
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        t = time.monotonic()
        due = [st["next"] for st in state.values() if st["streaming"]]
        wait = max(0.0, min(due) - t) if due else 0.05
        ready, _, _ = select.select(fds, [], [], min(wait, 0.05))
        for fd in ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            for p in state[fd]["dec"].feed(data):
                if not isinstance(p, Command):
                    continue
                if p.command == CommandId.REQUEST_INFO:
                    send(fd, Ack(0, p.seq, p.command))
                    send(
                        fd, DeviceInfo(0, fd, (1, 0, 0), Side.LEFT, sensors, 12, Units.RAW_COUNTS, 0, 0, rate)
                    )
                elif p.command == CommandId.SYNC_TIME:
                    rx = now_us()
                    send(fd, Ack(0, p.seq, p.command))
                    send(fd, TimeSync(0, p.seq, p.host_time_us or 0, rx, now_us()))
                else:
                    if p.command == CommandId.START:
                        state[fd]["streaming"] = True
                        state[fd]["next"] = time.monotonic() + packet_s
                    elif p.command == CommandId.STOP:
                        state[fd]["streaming"] = False
                    send(fd, Ack(0, p.seq, p.command))
        t = time.monotonic()
        for fd, st in state.items():
            while st["streaming"] and st["next"] <= t:
                k = st["k"]
                last_us = now_us()
                t0 = last_us - (per_packet - 1) * period_ns // 1000
                send(fd, PressureSamples(0, t0, k % (1 << 32), period_ns, 16, values))
                written.append((index[fd], k, time.monotonic()))
                st["k"] = k + per_packet
                st["next"] += packet_s
    np.save(times_path, np.array(written, dtype=np.float64).reshape(-1, 3))


def _synth(name: str, n: int) -> list[bytes]:
    """``n`` frames or records of profile ``name``, from its spec (as the tests build them)."""
    import struct

    rows = []
    for k in range(n):
        if name == "moticon-udp":
            f = [
                0.01 * k,
                *[0.1] * 8,
                *(np.arange(16) * 0.5),
                40.0,
                *[0.2] * 8,
                *(np.arange(16) * 0.25),
                30.0,
            ]
            rows.append((" ".join(f"{v:.4f}" for v in f) + "\n").encode())
        elif name == "magic-insoles":
            rows.append(
                struct.pack(
                    "<BH32sBBBHB", 1, k % 65536, bytes((i + k) % 256 for i in range(32)), 2, 1, 90, k, 77
                )
            )
        elif name == "pressure2pose":
            rows.append(struct.pack("<254H", *((np.arange(253) + k) % 4096).tolist(), k % 2))
        elif name == "esp32-insole":
            rows.append((f"{20 * k}," + ",".join(str((k + i) % 4096) for i in range(16)) + "\r\n").encode())
    return rows


def profile_costs(seconds: float, rate_override: int | None) -> None:
    """Decode + sequence cost of profile decoders, per second of stream, as % of one core."""
    from sensorkit.devices.profile import load_profile
    from sensorkit.devices.profile_decoder import ProfileDecoder
    from sensorkit.devices.sequencer import SampleSequencer

    print(f"profile decoders: {seconds:g} s of synthesised stream each, fed in 15 ms slices")
    print(f"{'profile':<16}{'rate Hz':>8}{'frames':>9}{'MB':>7}{'us/frame':>10}{'% core':>8}")
    for name in ("moticon-udp", "magic-insoles", "pressure2pose", "esp32-insole"):
        p = load_profile(name)
        rate = rate_override or int(p.rate_hz)
        n = int(seconds * rate)
        frames = _synth(name, n)
        per = max(1, int(0.015 * rate))
        slices = [b"".join(frames[i : i + per]) for i in range(0, n, per)]
        dec = ProfileDecoder(p)
        seqs: dict = {}
        t0 = time.process_time()
        for i, blob in enumerate(slices):
            for side, blk in dec.feed(blob).items():
                sq = seqs.setdefault(side, SampleSequencer(rate, side, p.timestamp_bits, 1.0))
                ticks = None if blk.ticks is None else sq.device_us(blk.ticks)
                sq.push(blk.values, ticks, i * 0.015)
        cpu = time.process_time() - t0
        mb = sum(map(len, slices)) / 1e6
        print(
            f"{name:<16}{rate:>8}{dec.stats.frames_ok:>9}{mb:>7.2f}{1e6 * cpu / max(n, 1):>10.1f}{100 * cpu / seconds:>8.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--sensors", type=int, default=32)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--record", metavar="FILE.skr", help="also write a capture file")
    ap.add_argument("--batch-ms", type=float, default=None,
                    help="device batch_s in ms (0 = read at once; default: the device default)")  # fmt: skip
    ap.add_argument("--profiles", action="store_true", help="measure the profile decoders' cost instead")
    ap.add_argument("--writer", help=argparse.SUPPRESS)
    ap.add_argument("--times", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.writer:
        writer([int(x) for x in args.writer.split(",")], args.sensors, args.rate, args.times)
        return
    if args.profiles:
        profile_costs(args.seconds, args.rate)
        return
    import tempfile

    from sensorkit.devices import Device
    from sensorkit.devices.device import DEFAULTS
    from sensorkit.devices.serial import SerialTransport
    from sensorkit.devices.transport import host_time
    from sensorkit.io.capture import CaptureWriter

    masters, slaves = [], []
    for _ in range(args.devices):
        m, s = os.openpty()
        tty.setraw(m)
        tty.setraw(s)
        masters.append(m)
        slaves.append(s)
    times_path = os.path.join(tempfile.mkdtemp(prefix="bench_ingest_"), "written.npy")
    child = subprocess.Popen(
        [sys.executable, __file__, "--writer", ",".join(map(str, masters)), "--sensors", str(args.sensors),
         "--rate", str(args.rate), "--times", times_path],
        pass_fds=masters,
    )  # fmt: skip
    sink: queue.Queue = queue.Queue()
    devices = [
        Device(
            SerialTransport(os.ttyname(s)),
            url=f"serial://{os.ttyname(s)}",
            stream=i,
            sink=sink,
            batch_s=DEFAULTS["batch_s"] if args.batch_ms is None else args.batch_ms / 1000,
        )
        for i, s in enumerate(slaves)
    ]
    capture = None
    try:
        for dev in devices:
            dev.open(start=False)
        if args.record:
            capture = CaptureWriter(
                args.record, {"streams": [{"stream": d.stream, "url": d.url} for d in devices]}
            )
            for dev in devices:
                dev.attach_capture(capture, dev.stream)
        else:
            for dev in devices:
                dev.discard_prebuffer()
        for dev in devices:
            dev.start()
        # warm-up (first syncs, allocation), then measure
        end_warm = time.monotonic() + 1.0
        while time.monotonic() < end_warm:
            sink.get(timeout=1.0)
        delivered: list[
            tuple[int, int, int, float, float]
        ] = []  # stream, first/last sample, mapped, delivery
        samples = 0
        cpu0, wall0 = time.process_time(), time.monotonic()
        end = wall0 + args.seconds
        while time.monotonic() < end:
            chunk = sink.get(timeout=1.0)
            delivered.append(
                (chunk.stream, int(chunk.seq[0]), int(chunk.seq[-1]), float(chunk.time[-1]), host_time())
            )
            samples += chunk.n
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        stats = [d.stats for d in devices]
    finally:
        for dev in devices:
            dev.close()
        if capture is not None:
            capture.close()
        child.terminate()
        child.wait()
    written = np.load(times_path)
    os.remove(times_path)
    os.rmdir(os.path.dirname(times_path))
    write_time = {(int(i), int(k)): t for i, k, t in written}
    per_packet = int(np.diff(written[written[:, 0] == 0, 1][:2])[0])
    lat, map_err = [], []
    for stream, first, last, mapped, t_out in delivered:
        for k in range(first - first % per_packet, last + 1, per_packet):  # every packet of the chunk
            t_in = write_time.get((stream, k))
            if t_in is not None:
                lat.append(t_out - t_in)
        map_err.append(mapped - write_time[(stream, last - last % per_packet)])
    lat = np.array(lat) * 1e3
    map_err = np.array(map_err) * 1e3
    expected = args.devices * args.rate * wall
    print(f"ingest: {args.devices} insoles x {args.sensors} sensors x {args.rate} Hz over ptys, {wall:.1f} s, "
          f"batch {1000 * devices[0].batch_s:g} ms"
          + (f", recording to {args.record}" if args.record else ""))  # fmt: skip
    print(f"{'samples/s':>22}: {samples / wall:,.0f} (expected {expected / wall:,.0f})")
    print(f"{'chunks/s':>22}: {len(delivered) / wall:,.0f} (packets/s {len(lat) / wall:,.0f})")
    print(f"{'CPU (% of one core)':>22}: {100 * cpu / wall:.1f}")
    print(
        f"{'latency p50 (ms)':>22}: {np.percentile(lat, 50):.2f} (per packet: written -> its chunk delivered)"
    )
    print(f"{'latency p99 (ms)':>22}: {np.percentile(lat, 99):.2f}")
    print(f"{'latency max (ms)':>22}: {lat.max():.2f}")
    print(
        f"{'clock map error (ms)':>22}: median {np.median(map_err):+.2f}, p1 {np.percentile(map_err, 1):+.2f}, "
        f"p99 {np.percentile(map_err, 99):+.2f} (mapped time of the last sample - its write time)"
    )
    print(
        f"{'errors / lost samples':>22}: {sum(s.errors for s in stats)} / {sum(s.missing_samples for s in stats)}"
    )


if __name__ == "__main__":
    main()
