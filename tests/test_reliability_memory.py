"""Bounded memory: the chunk queue has a limit and a policy, gap lists are summarised, the recording never drops."""

from __future__ import annotations

import threading
import time

import numpy as np

import sensorkit as sk
import sensorkit.devices.gaplog as gaplog_module
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.devices.chunkqueue import ChunkQueue
from sensorkit.devices.device import StreamEnd
from sensorkit.io.capture import CaptureReader


def _chunk(stream: int, k: int, n: int = 3) -> Chunk:
    t = np.arange(n, dtype=np.float64) + 10 * k
    return Chunk("left", stream, t, np.arange(n, dtype=np.int64) + n * k, np.zeros((n, 4), np.float32),
                 "N", 1, float(t[-1]), (), LinkStats())  # fmt: skip


def test_a_full_queue_drops_the_oldest_chunks_and_the_next_one_says_how_many():
    q = ChunkQueue(10)
    for k in range(25):
        q.put(_chunk(0, k))
    q.put(StreamEnd(0, None))  # end markers never count nor drop
    first = q.get_nowait()
    assert first.seq[0] == 15 * 3 and (first.missed_chunks, first.missed_samples) == (15, 45)
    rest = [q.get_nowait() for _ in range(10)]
    assert [c.missed_chunks for c in rest[:9]] == [0] * 9 and isinstance(rest[-1], StreamEnd)
    assert q.dropped == {0: [15, 45]}


def test_a_lossless_queue_makes_the_producer_wait_and_delivers_everything_in_order():
    q = ChunkQueue(4)
    done = threading.Event()

    def produce():
        for k in range(50):
            q.put(_chunk(1, k), lossless=True)
        done.set()

    threading.Thread(target=produce, daemon=True).start()
    time.sleep(0.2)
    assert not done.is_set() and q.qsize() == 4  # waiting, not growing
    got = [q.get(timeout=2).seq[0] for _ in range(50)]
    assert got == [3 * k for k in range(50)] and done.wait(2)


def test_a_consumer_that_stops_reading_misses_chunks_but_the_capture_keeps_every_sample(tmp_path):
    path = tmp_path / "r.skr"
    with sk.open("sim://?seed=2", record=path, queue_chunks=8) as session:
        time.sleep(1.5)  # nobody reads: without a limit the queue grew by ~130 chunks/s
        assert session.source._queue.qsize() <= 8 + 2
        got = {"left": 0, "right": 0}
        missed = {"left": 0, "right": 0}
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            chunk = session.read(timeout_s=0.1)
            if chunk is not None:
                got[chunk.side] += chunk.n
                missed[chunk.side] += chunk.missed_samples
    for chunk in session.drain():
        got[chunk.side] += chunk.n
        missed[chunk.side] += chunk.missed_samples
    assert missed["left"] > 50 and missed["right"] > 50
    assert {side: n for side, (_, n) in session.dropped.items()} == missed
    from sensorkit.cli.stream import summary_lines

    assert any("skipped" in line and "the capture holds them all" in line for line in summary_lines(session))
    stats = {d.side: d.stats for d in session.devices}
    for side in ("left", "right"):
        assert got[side] + missed[side] == stats[side].samples  # told exactly what it missed
    rec = sk.read(path)
    assert reader_ok(path)
    for side, values in (("left", rec.left), ("right", rec.right)):
        assert np.count_nonzero(~np.isnan(values).any(axis=1)) == stats[side].samples


def reader_ok(path) -> bool:
    reader = CaptureReader(path)
    list(reader.records())
    return reader.cut is None and reader.damaged == []


def test_read_capture_of_a_long_file_loses_nothing_through_a_small_queue(tmp_path):
    path = tmp_path / "r.skr"
    with sk.open("sim://?seed=3", record=path) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            session.read(timeout_s=0.1)
    full = sk.read(path)
    with sk.open(f"replay://{path}?speed=0", queue_chunks=2) as replay:
        n = {"left": 0, "right": 0}
        for chunk in replay:
            time.sleep(0.001)  # a slow reader
            n[chunk.side] += chunk.n
            assert chunk.missed_chunks == 0
    assert n["left"] == np.count_nonzero(~np.isnan(full.left).any(axis=1))
    assert n["right"] == np.count_nonzero(~np.isnan(full.right).any(axis=1))


def test_device_gaps_are_summarised_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(gaplog_module, "GAPS_KEPT", 10)
    with sk.open("sim://?side=left&loss=0.5&seed=1&rate=400") as dev:
        seen = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            chunk = dev.read(timeout_s=0.1)
            if chunk is not None:
                seen.extend(chunk.gaps)
        device = dev.devices[0]
        gaps = list(device.gaps)
        stats = device.stats
    assert len(seen) > 30  # a gap every few packets
    assert len(gaps) <= 11
    assert sum(int(g.get("n_gaps", 1)) for g in gaps) == stats.gaps == len(seen)
    assert (
        sum(int(g["n_missing"]) for g in gaps) == stats.missing_samples == sum(g["n_missing"] for g in seen)
    )
    assert "summarised" in gaps[0]["reason"] and gaps[0]["start_s"] == seen[0]["start_s"]
    assert gaps[-1] == seen[-1]
