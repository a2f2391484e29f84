"""Sustained ingest: N simulated insoles x S sensors x R Hz over real pseudo-terminals.

A writer *process* plays N firmwares on the master sides of N ptys (answers REQUEST_INFO,
START, SYNC_TIME; streams PRESSURE packets stamped with the CLOCK_MONOTONIC time at which
the packet is written). This process opens N ``serial://`` devices on the slave sides
(pyserial), and consumes every chunk. It reports the CPU share of this process (the whole
ingest: pyserial reads, framing, decoding, clock mapping, chunk assembly, and the capture
file when ``--record`` is given) and the end-to-end latency from a packet being written
to its chunk being delivered (using the host time of the chunk's last sample, which the
clock mapping puts within a fraction of a round trip of the write time).

Run::

    PYTHONPATH=. python benchmarks/bench_ingest.py --devices 8 --sensors 32 --rate 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import queue
import select
import subprocess
import sys
import time
import tty

import numpy as np


def writer(fds: list[int], sensors: int, rate: int) -> None:
    """Child process: one firmware per master fd, single-threaded, paced by CLOCK_MONOTONIC."""
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
    while True:
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
                    send(fd, DeviceInfo(0, fd, (1, 0, 0), Side.LEFT, sensors, 12, Units.RAW_COUNTS, 0, 0, rate))
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
                st["k"] = k + per_packet
                st["next"] += packet_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--sensors", type=int, default=32)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--record", metavar="FILE.skr", help="also write a capture file")
    ap.add_argument("--batch-ms", type=float, default=0.0, help="device batch_s in ms (0 = read at once)")
    ap.add_argument("--writer", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.writer:
        writer([int(x) for x in args.writer.split(",")], args.sensors, args.rate)
        return

    from sensorkit.devices import Device
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
    child = subprocess.Popen(
        [sys.executable, __file__, "--writer", ",".join(map(str, masters)), "--sensors", str(args.sensors),
         "--rate", str(args.rate)],
        pass_fds=masters,
    )  # fmt: skip
    sink: queue.Queue = queue.Queue()
    devices = [
        Device(SerialTransport(os.ttyname(s)), url=f"serial://{os.ttyname(s)}", stream=i, sink=sink,
               batch_s=args.batch_ms / 1000)
        for i, s in enumerate(slaves)
    ]
    capture = None
    try:
        for dev in devices:
            dev.open(start=False)
        if args.record:
            capture = CaptureWriter(args.record, {"streams": [{"stream": d.stream, "url": d.url} for d in devices]})
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
        latencies: list[float] = []
        samples = 0
        cpu0, wall0 = time.process_time(), time.monotonic()
        end = wall0 + args.seconds
        while time.monotonic() < end:
            chunk = sink.get(timeout=1.0)
            latencies.append(host_time() - float(chunk.time[-1]))
            samples += chunk.n
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        stats = [d.stats for d in devices]
    finally:
        for dev in devices:
            dev.close()
        if capture is not None:
            capture.close()
        child.kill()
        child.wait()
    lat = np.array(latencies) * 1e3
    expected = args.devices * args.rate * wall
    print(f"ingest: {args.devices} insoles x {args.sensors} sensors x {args.rate} Hz over ptys, {wall:.1f} s, "
          f"batch {args.batch_ms:g} ms"
          + (f", recording to {args.record}" if args.record else ""))  # fmt: skip
    print(f"{'samples/s':>22}: {samples / wall:,.0f} (expected {expected / wall:,.0f})")
    print(f"{'chunks/s':>22}: {len(lat) / wall:,.0f}")
    print(f"{'CPU (% of one core)':>22}: {100 * cpu / wall:.1f}")
    print(f"{'latency p50 (ms)':>22}: {np.percentile(lat, 50):.2f}")
    print(f"{'latency p99 (ms)':>22}: {np.percentile(lat, 99):.2f}")
    print(f"{'latency max (ms)':>22}: {lat.max():.2f}")
    print(f"{'errors / lost samples':>22}: {sum(s.errors for s in stats)} / {sum(s.missing_samples for s in stats)}")


if __name__ == "__main__":
    main()
