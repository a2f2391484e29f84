"""The bounded queue between a device's reader and the code that reads its chunks.

The capture file is written by the reader before a chunk is queued, so the *recording*
never depends on the consumer. The queue is what grows when nobody reads (a script that
only records: +0.9 MB/s before it had a limit). It holds at most ``max_chunks`` chunks,
and what happens when it is full depends on the source:

* **live** devices (``lossless=False``): the oldest queued chunk is dropped, so a reader that
  lags sees the freshest data and memory stays bounded. The next chunk it gets of that
  stream says how much it missed (``Chunk.missed_chunks``, ``Chunk.missed_samples``), and
  :attr:`ChunkQueue.dropped` counts everything dropped per stream. The capture still holds
  every sample.
* **replays** (``lossless=True``): the producer waits for room (back-pressure), so
  ``read_capture`` and ``replay://`` never lose a chunk, whatever the reader's speed.

End-of-stream markers are never dropped and never count against the limit.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections import deque
from typing import Any

from sensorkit.devices.chunk import Chunk

__all__ = ["QUEUE_MAX_CHUNKS", "ChunkQueue", "ChunkReader", "StreamEnd"]

#: Default limit: 4096 chunks (at the 15 ms batch of the reader, about a minute of a pair;
#: at most a few tens of MB even for 32-sensor insoles at 1 kHz).
QUEUE_MAX_CHUNKS = 4096
_POLL_S = 0.05  # a waiting lossless producer re-checks its cancel event this often


class ChunkQueue:
    """FIFO of :class:`Chunk` (and end markers) with a limit and a drop policy (see the module).

    Parameters
    ----------
    max_chunks : int
        Chunks held at most.

    Attributes
    ----------
    dropped : dict
        Stream -> ``[chunks, samples]`` dropped because the reader lagged (live sources).
    """

    def __init__(self, max_chunks: int = QUEUE_MAX_CHUNKS) -> None:
        if max_chunks < 1:
            raise ValueError("max_chunks must be at least 1")
        self.max_chunks = int(max_chunks)
        self._items: deque = deque()
        self._n_chunks = 0
        self._cond = threading.Condition()
        self.dropped: dict[int, list[int]] = {}
        self._missed: dict[int, list[int]] = {}  # not yet reported to the reader, per stream

    def qsize(self) -> int:
        """Items queued (chunks and end markers)."""
        with self._cond:
            return len(self._items)

    def put(self, item: Any, *, lossless: bool = False, cancel: threading.Event | None = None) -> None:
        """Queue ``item``; when the queue is full, drop the oldest chunk or (``lossless``) wait for room.

        Parameters
        ----------
        item : Chunk or any
            Chunks count against the limit; other items (end markers) never do.
        lossless : bool
            Wait for room instead of dropping (replays).
        cancel : threading.Event, optional
            Stop waiting (and drop ``item``) once set: the producer is closing.
        """
        is_chunk = isinstance(item, Chunk)
        with self._cond:
            if is_chunk and self._n_chunks >= self.max_chunks:
                if lossless:
                    while self._n_chunks >= self.max_chunks:
                        if cancel is not None and cancel.is_set():
                            return
                        self._cond.wait(_POLL_S)
                else:
                    self._drop_oldest()
            self._items.append(item)
            if is_chunk:
                self._n_chunks += 1
            self._cond.notify_all()

    def _drop_oldest(self) -> None:
        for i, old in enumerate(self._items):
            if isinstance(old, Chunk):
                del self._items[i]
                self._n_chunks -= 1
                for book in (self.dropped, self._missed):
                    acc = book.setdefault(old.stream, [0, 0])
                    acc[0] += 1
                    acc[1] += old.n
                return

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Next item; raises :class:`queue.Empty` like :meth:`queue.Queue.get`.

        A chunk of a stream that lost chunks since the last one read comes with
        ``missed_chunks`` / ``missed_samples`` set.
        """
        with self._cond:
            if not block:
                timeout = 0.0
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._items:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise queue.Empty
                self._cond.wait(left)
            item = self._items.popleft()
            if isinstance(item, Chunk):
                self._n_chunks -= 1
                missed = self._missed.pop(item.stream, None)
                if missed is not None:
                    item = dataclasses.replace(item, missed_chunks=missed[0], missed_samples=missed[1])
            self._cond.notify_all()
            return item

    def get_nowait(self) -> Any:
        """:meth:`get` without waiting."""
        return self.get(block=False)


class StreamEnd:
    """Queue item: stream ``stream`` ended, with ``error`` (None for a clean end of replay)."""

    __slots__ = ("error", "stream")

    def __init__(self, stream: int, error: BaseException | None) -> None:
        self.stream = stream
        self.error = error


class ChunkReader:
    """Reads the chunks of ``n_streams`` streams from one queue, until every stream has ended.

    The consumer side shared by a :class:`~sensorkit.devices.device.Device` and a
    :class:`~sensorkit.devices.pair.DevicePair`: an iterator of :class:`Chunk`, a
    :meth:`read` with a timeout and a :meth:`drain`. A stream that ended with an error
    raises it from the :meth:`read` that reaches its end marker.
    """

    def __init__(self, sink: ChunkQueue | queue.Queue, n_streams: int) -> None:
        self._queue = sink
        self._n_streams = n_streams
        self._ended: set[int] = set()
        self._held_ends: list[StreamEnd] = []  # end markers met by drain(), for the next read()

    def read(self, timeout_s: float | None = None) -> Chunk | None:
        """Next chunk, or None if none arrives within ``timeout_s`` (None = wait forever).

        Raises
        ------
        DeviceError
            When a stream ended with one (link lost without reconnect, silent device, ...).
        StopIteration
            When every stream has ended (a replay's end, or closed).
        """
        while True:
            if len(self._ended) >= self._n_streams and not self._held_ends:
                raise StopIteration
            if self._held_ends:
                item: Any = self._held_ends.pop(0)
            else:
                try:
                    item = self._queue.get(timeout=timeout_s)
                except queue.Empty:
                    return None
            if isinstance(item, StreamEnd):
                self._ended.add(item.stream)
                if item.error is not None:
                    raise item.error
                continue
            return item

    def __iter__(self) -> ChunkReader:
        return self

    def __next__(self) -> Chunk:
        while True:
            chunk = self.read(timeout_s=0.2)
            if chunk is not None:
                return chunk

    def drain(self) -> list[Chunk]:
        """Chunks already queued (call after ``close()`` to get everything received)."""
        out = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out
            if isinstance(item, StreamEnd):
                self._held_ends.append(item)
            else:
                out.append(item)
