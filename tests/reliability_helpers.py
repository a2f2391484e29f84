"""Helpers of the reliability tests: real captures rewritten record by record, a TCP insole that alters packets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from sensorkit.devices.firmware import SimFirmware, SimParams, serve_socket
from sensorkit.io.capture import CaptureReader, CaptureRecord, CaptureWriter
from sensorkit.protocol import Decoder, Packet, encode_frame

DATA = Path(__file__).parent / "data"
#: Written by the version-1 writer before the format change: a 0.5 s simulated pair, 139 records.
V1_CAPTURE = DATA / "captures" / "v1_sim_pair.skr"
#: Written by the version-2 writer before end records: a 0.5 s simulated pair (seed 7), 141
#: records, no ``end_record`` in the header and no end record.
V2_CAPTURE_NO_END = DATA / "captures" / "v2_sim_pair_no_end_record.skr"


def records_of(path: Path) -> list[CaptureRecord]:
    return list(CaptureReader(path).records())


def packets(rec: CaptureRecord) -> list[Packet]:
    return list(Decoder().feed(rec.data))


def rewrite(
    dst: Path,
    records: Iterable[tuple[int, int, float, bytes]],
    header: dict | None = None,
    src: Path = V1_CAPTURE,
) -> Path:
    """Write a capture with the writer of today: ``src``'s header (or ``header``) and ``records``."""
    head = dict(CaptureReader(src).header if header is None else header)
    with CaptureWriter(dst, head, overwrite=True) as w:
        for kind, stream, t, data in records:
            w.write(kind, stream, t, data)
    return dst


def same_records(src: Path = V1_CAPTURE) -> list[tuple[int, int, float, bytes]]:
    return [(r.kind, r.stream, r.time_s, r.data) for r in records_of(src)]


def close_orderly(conn: socket.socket, server: socket.socket) -> None:
    """End a gateway's connection as a peer does: FIN, read what the host still sends, close."""
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(2.0)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()
    server.close()


class AlteringGateway:
    """A loopback TCP insole (the simulated firmware) whose k-th PRESSURE packet is rewritten by ``alter``.

    ``alter(k, packet)`` returns the packet to send instead (or the same one).
    """

    def __init__(self, alter: Callable[[int, Packet], Packet], seconds: float, seed: int = 2) -> None:
        self.firmware = SimFirmware(SimParams(seed=seed))
        self.alter = alter
        self.k = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.seconds = seconds
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _mangle(self, out: bytes) -> bytes:
        from sensorkit.protocol import PressureSamples

        parts = []
        for frame in out.split(b"\x00")[:-1]:
            pk = list(Decoder().feed(frame + b"\x00"))
            if len(pk) == 1 and isinstance(pk[0], PressureSamples):
                self.k += 1
                parts.append(encode_frame(self.alter(self.k, pk[0])))
            else:
                parts.append(frame + b"\x00")
        return b"".join(parts)

    def _run(self) -> None:
        conn, _ = self.server.accept()
        stop = threading.Event()
        timer = threading.Timer(self.seconds, stop.set)
        timer.start()
        serve_socket(self.firmware, conn, stop, self._mangle)
        close_orderly(conn, self.server)
