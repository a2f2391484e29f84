"""Incremental decoder for a byte stream of COBS frames.

The decoder never raises on bad input: it counts every rejected frame in
:class:`DecoderStats`, keeps the most recent errors, and resynchronises at the
next 0x00 delimiter. Feeding the same bytes in any chunking gives the same
packets and the same statistics.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field

import numpy as np

from .cobs import cobs_decode, cobs_decode_fast
from .codec import parse_packet
from .constants import CONTENT_CODES, FRAMING_CODES, MAX_ENCODED_FRAME, SEQ_MODULUS, ErrorCode
from .errors import PacketError
from .fastpath import _NOT_ACCEPTED, decode_pressure_frame, decode_pressure_frames, one_frame_kernel, warm_up
from .packets import Packet, PressureSamples

__all__ = ["Decoder", "DecoderStats"]

_SAMPLE_SEQ_MODULUS = 1 << 32
_UINT16 = np.dtype(np.uint16)
_OVERSIZE = PacketError(ErrorCode.OVERSIZE, f"encoded frame longer than {MAX_ENCODED_FRAME} bytes")

# The slot setters of PressureSamples, in field order: a frozen dataclass's __init__ sets each
# field through object.__setattr__ (0.8 us for the six, against 0.2 us for a mutable one),
# which was a fifth of decoding one BLE notification (issue 17, goal 7). The decoder sets the
# slots of the packets it builds directly; the packets stay frozen and equal field for field
# to ones built by PressureSamples(...) (tests/test_protocol_stream_fast.py).
_PRESSURE_FIELDS = ("seq", "t0_us", "first_sample_seq", "period_ns", "bits", "values")
_PRESSURE_SLOTS = tuple(PressureSamples.__dict__[name].__set__ for name in _PRESSURE_FIELDS)


def _pressure_samples(
    seq: int, t0: int, first: int, period: int, bits: int, values: np.ndarray
) -> PressureSamples:
    """``PressureSamples(seq, t0, first, period, bits, values)`` for fields the compiled path
    has checked (see :data:`_PRESSURE_SLOTS`)."""
    packet = object.__new__(PressureSamples)
    s_seq, s_t0, s_first, s_period, s_bits, s_values = _PRESSURE_SLOTS
    s_seq(packet, seq)
    s_t0(packet, t0)
    s_first(packet, first)
    s_period(packet, period)
    s_bits(packet, bits)
    s_values(packet, values)
    return packet


@dataclass
class DecoderStats:
    """Counters of a :class:`Decoder` (all start at zero).

    Attributes
    ----------
    bytes_in : int
        Bytes fed so far.
    frames : int
        Non-empty frames delimited so far (good and bad; empty frames are idle fill).
    packets_ok : int
        Frames decoded into packets.
    crc_errors : int
        Frames rejected with BAD_CRC.
    framing_errors : int
        Frames rejected with OVERSIZE, BAD_COBS, TRUNCATED or BAD_LENGTH.
    content_errors : int
        Frames rejected with BAD_VERSION, UNKNOWN_TYPE or BAD_PAYLOAD.
    seq_gaps : int
        Times the header sequence number jumped forward by more than one.
    missing_packets : int
        Packets skipped by those jumps (modulo 65536, forward jumps < 32768).
    seq_resets : int
        Times the sequence number repeated or went backwards (device restart or
        duplicate); not counted as missing.
    sample_gaps : int
        Times a pressure packet's first sample number was not the previous
        packet's last sample number + 1 (modulo 2**32, forward jumps < 2**31).
    missing_samples : int
        Pressure samples skipped by those jumps.
    errors_by_code : dict of str to int
        Rejected frames per :class:`ErrorCode` name.
    """

    bytes_in: int = 0
    frames: int = 0
    packets_ok: int = 0
    crc_errors: int = 0
    framing_errors: int = 0
    content_errors: int = 0
    seq_gaps: int = 0
    missing_packets: int = 0
    seq_resets: int = 0
    sample_gaps: int = 0
    missing_samples: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """All rejected frames."""
        return self.crc_errors + self.framing_errors + self.content_errors

    def as_dict(self) -> dict[str, object]:
        """Plain-dict snapshot (for logging or comparison)."""
        return asdict(self)


class Decoder:
    """Turn arbitrary byte chunks into packets.

    Parameters
    ----------
    max_recent_errors : int, optional
        How many of the latest :class:`PacketError` records to keep in
        :attr:`recent_errors` (default 64).

    Notes
    -----
    The start of the stream counts as a frame boundary, so a decoder attached
    in the middle of a frame reports that partial frame as one error.
    Sequence checks assume one sender per decoder.
    """

    def __init__(self, *, max_recent_errors: int = 64) -> None:
        self.stats = DecoderStats()
        self.recent_errors: deque[PacketError] = deque(maxlen=max_recent_errors)
        self._pending = bytearray()
        self._overflow = False
        self._offset = 0
        self._frame_start = 0
        self._last_seq: int | None = None
        self._next_sample: int | None = None
        warm_up()  # the compiled PRESSURE path, before the first data arrives
        self._one_frame = one_frame_kernel()

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished frame held until its delimiter arrives."""
        return len(self._pending)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Packet]:
        """Consume ``data`` and return the packets completed by it, in order.

        Parameters
        ----------
        data : bytes-like
            Any number of bytes (0 to megabytes).

        Returns
        -------
        list of Packet
            Packets whose delimiter was in ``data``; bad frames are counted in
            :attr:`stats` and recorded in :attr:`recent_errors` instead.
        """
        buf = bytes(data)
        n = len(buf)
        self.stats.bytes_in += n
        out: list[Packet] = []
        end = buf.find(b"\x00")
        if n > 1 and end == n - 1 and not self._pending and not self._overflow:
            # exactly one whole frame (a BLE notification): the short way, decode_pressure_frame
            # without its call (a BLE stream makes one feed call per notification)
            head = _NOT_ACCEPTED
            if end <= MAX_ENCODED_FRAME:
                values = np.empty(end, _UINT16)  # more than its values: >= 1.5 bytes each
                head = self._one_frame(buf, end, values)
            if head[0]:
                self._accept(head, values, out)
            else:
                self._reference_frame(buf[:end], out)
            self._offset += n
            self._frame_start = self._offset
            return out
        if end < 0:
            self._hold(buf, 0, n)
            self._offset += n
            return out
        # the frame earlier chunks began (or the first one of this chunk)
        if self._overflow:
            self._overflow = False
            self.stats.frames += 1
            self._reject(_OVERSIZE.at(self._frame_start))
        else:
            if self._pending:
                self._pending += buf[:end]
                body = bytes(self._pending)
                self._pending.clear()
            else:
                body = buf[:end]
            if body:
                self._frame(body, out)
        start = end + 1
        self._frame_start = self._offset + start
        last = buf.rfind(b"\x00", start)
        if last >= 0:  # whole frames: decoded together
            self._frames(buf, start, last, out)
            start = last + 1
            self._frame_start = self._offset + start
        self._hold(buf, start, n)
        self._offset += n
        return out

    def _frames(self, buf: bytes, lo: int, hi: int, out: list[Packet]) -> None:
        """The frames of ``buf[lo:hi]`` (``buf[hi]`` is a delimiter): PRESSURE frames by one
        compiled call (:mod:`sensorkit.protocol.fastpath`), the others one by one."""
        arr = np.frombuffer(buf, np.uint8)
        ends = np.flatnonzero(arr[lo : hi + 1] == 0) + lo
        starts = np.empty_like(ends)
        starts[0] = lo
        starts[1:] = ends[:-1] + 1
        full = ends > starts  # empty frames are idle fill
        starts, ends = starts[full], ends[full]
        head, values = decode_pressure_frames(arr, starts, ends)
        for row, s, e in zip(head.tolist(), starts.tolist(), ends.tolist(), strict=True):
            if row[0]:
                self._accept(row, values, out)
            else:
                self._frame_start = self._offset + s
                self._reference_frame(buf[s:e], out)

    def _accept(self, row: list[int] | tuple[int, ...], values: np.ndarray, out: list[Packet]) -> None:
        """A PRESSURE frame the compiled path decoded (``row``: its ``HEAD_COLUMNS``; without
        the offset, its values start at 0)."""
        seq, t0, first, period, bits, channels, count = row[1:8]
        at = row[8] if len(row) > 8 else 0
        m = channels * count
        out.append(
            _pressure_samples(seq, t0, first, period, bits, values[at : at + m].reshape(count, channels))
        )
        stats = self.stats
        stats.frames += 1
        stats.packets_ok += 1
        self._track(seq, first, count)

    def _hold(self, buf: bytes, start: int, n: int) -> None:
        if self._overflow or start == n:
            return
        if len(self._pending) + (n - start) > MAX_ENCODED_FRAME:
            self._overflow = True
            self._pending.clear()
        else:
            self._pending += buf[start:]

    def _frame(self, body: bytes, out: list[Packet]) -> None:
        """One frame: the compiled PRESSURE path, else :meth:`_reference_frame`."""
        head, values = decode_pressure_frame(body, len(body))
        if head[0]:
            self._accept(head, values, out)
        else:
            self._reference_frame(body, out)

    def _reference_frame(self, body: bytes, out: list[Packet]) -> None:
        """A frame the compiled PRESSURE path left: another packet type, or an error to name."""
        self.stats.frames += 1
        if len(body) <= MAX_ENCODED_FRAME:
            raw = cobs_decode_fast(body)  # compiled COBS; None: cobs_decode names the error
            if raw is not None:
                try:
                    packet = parse_packet(raw)
                except PacketError as exc:
                    self._reject(exc.at(self._frame_start))
                    return
                self.stats.packets_ok += 1
                self._track_packet(packet)
                out.append(packet)
                return
        try:
            if len(body) > MAX_ENCODED_FRAME:
                raise _OVERSIZE.at(self._frame_start)
            packet = parse_packet(cobs_decode(body))
        except PacketError as exc:
            self._reject(exc.at(self._frame_start))
            return
        self.stats.packets_ok += 1
        self._track_packet(packet)
        out.append(packet)

    def _reject(self, error: PacketError) -> None:
        stats = self.stats
        code = error.code
        if code is ErrorCode.BAD_CRC:
            stats.crc_errors += 1
        elif code in FRAMING_CODES:
            stats.framing_errors += 1
        elif code in CONTENT_CODES:
            stats.content_errors += 1
        stats.errors_by_code[code.value] = stats.errors_by_code.get(code.value, 0) + 1
        self.recent_errors.append(error)

    def _track_packet(self, packet: Packet) -> None:
        if isinstance(packet, PressureSamples):
            self._track(packet.seq, packet.first_sample_seq, packet.n_samples)
        else:
            self._track(packet.seq)

    def _track(self, seq: int, first: int | None = None, count: int = 0) -> None:
        """Sequence checks of a packet: its header ``seq``, and for a PRESSURE packet its first
        sample number and sample count."""
        stats = self.stats
        if self._last_seq is not None:
            jump = (seq - self._last_seq - 1) % SEQ_MODULUS
            if jump:
                if jump < SEQ_MODULUS // 2:
                    stats.seq_gaps += 1
                    stats.missing_packets += jump
                else:
                    stats.seq_resets += 1
        self._last_seq = seq
        if first is not None:
            if self._next_sample is not None:
                jump = (first - self._next_sample) % _SAMPLE_SEQ_MODULUS
                if 0 < jump < _SAMPLE_SEQ_MODULUS // 2:
                    stats.sample_gaps += 1
                    stats.missing_samples += jump
            self._next_sample = (first + count) % _SAMPLE_SEQ_MODULUS
