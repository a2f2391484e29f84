"""CSV-line mode for simple boards, and telling it apart from the binary protocol.

One line per sample: comma-separated unsigned integers, optionally preceded by a
``t<microseconds>`` field. Lines starting with ``#`` are comments. See the
"CSV-line mode" section of PROTOCOL.md.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .constants import MAX_CSV_LINE, ErrorCode
from .errors import PacketError

__all__ = ["CsvLineDecoder", "CsvSamples", "CsvStats", "detect_mode"]

_LINE = re.compile(rb"[ \t]*(?:t([0-9]{1,20})[ \t]*,[ \t]*)?([0-9]{1,5}(?:[ \t]*,[ \t]*[0-9]{1,5})*)[ \t]*")
_SPLIT = re.compile(rb"[ \t]*,[ \t]*")
_PRINTABLE = re.compile(rb"[\t\r\n\x20-\x7e]*")
_U64_MAX = (1 << 64) - 1


@dataclass(frozen=True, slots=True, eq=False)
class CsvSamples:
    """Samples parsed by one :meth:`CsvLineDecoder.feed` call.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n, S)`` uint16; ``n`` may be 0.
    timestamps_us : numpy.ndarray or None
        ``(n,)`` uint64 device timestamps when the stream carries them, else None.
    """

    values: np.ndarray
    timestamps_us: np.ndarray | None

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.values.shape[0])


@dataclass
class CsvStats:
    """Counters of a :class:`CsvLineDecoder`.

    Attributes
    ----------
    bytes_in : int
        Bytes fed.
    lines : int
        Complete lines seen (including blank, comment and bad ones).
    samples_ok : int
        Lines accepted as samples.
    comment_lines : int
        Lines starting with ``#`` (and blank lines are not counted anywhere but ``lines``).
    bad_lines : int
        Lines rejected (CSV_SYNTAX, CSV_COLUMNS or OVERSIZE).
    errors_by_code : dict of str to int
        Rejected lines per error code.
    """

    bytes_in: int = 0
    lines: int = 0
    samples_ok: int = 0
    comment_lines: int = 0
    bad_lines: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)


class CsvLineDecoder:
    """Incremental CSV-line decoder; never raises on bad input.

    Parameters
    ----------
    n_channels : int, optional
        Expected values per line. If None, the first valid sample line fixes it.
    max_recent_errors : int, optional
        How many :class:`PacketError` records :attr:`recent_errors` keeps.

    Notes
    -----
    Whether lines carry a timestamp is fixed by the first valid sample line;
    later lines that differ are rejected with CSV_COLUMNS. Any chunking of the
    same bytes gives the same samples and statistics.
    """

    def __init__(self, n_channels: int | None = None, *, max_recent_errors: int = 64) -> None:
        self.n_channels = n_channels
        self.has_timestamps: bool | None = None
        self.stats = CsvStats()
        self.recent_errors: deque[PacketError] = deque(maxlen=max_recent_errors)
        self._pending = bytearray()
        self._overflow = False
        self._offset = 0
        self._line_start = 0

    def feed(self, data: bytes | bytearray | memoryview) -> CsvSamples:
        """Consume ``data``; return the samples of the lines it completed.

        Parameters
        ----------
        data : bytes-like
            Any number of bytes.

        Returns
        -------
        CsvSamples
            Possibly empty block of samples.
        """
        buf = bytes(data)
        n = len(buf)
        self.stats.bytes_in += n
        rows: list[list[int]] = []
        stamps: list[int] = []
        start = 0
        while True:
            end = buf.find(b"\n", start)
            if end < 0:
                if not self._overflow and start < n:
                    if len(self._pending) + n - start > MAX_CSV_LINE + 1:
                        self._overflow = True
                        self._pending.clear()
                    else:
                        self._pending += buf[start:]
                break
            self.stats.lines += 1
            if self._overflow:
                self._overflow = False
                self._reject(ErrorCode.OVERSIZE, f"line longer than {MAX_CSV_LINE} bytes")
            else:
                if self._pending:
                    self._pending += buf[start:end]
                    line = bytes(self._pending)
                    self._pending.clear()
                else:
                    line = buf[start:end]
                self._line(line, rows, stamps)
            start = end + 1
            self._line_start = self._offset + start
        self._offset += n
        return self._block(rows, stamps)

    def _block(self, rows: list[list[int]], stamps: list[int]) -> CsvSamples:
        width = self.n_channels or 0
        values = np.array(rows, dtype=np.uint16).reshape(len(rows), width)
        times = np.array(stamps, dtype=np.uint64) if self.has_timestamps else None
        return CsvSamples(values, times)

    def _line(self, line: bytes, rows: list[list[int]], stamps: list[int]) -> None:
        # a CR before the LF ("\r\n") or after it ("\n\r", which some boards print) is ignored
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.startswith(b"\r"):
            line = line[1:]
        if len(line) > MAX_CSV_LINE:
            self._reject(ErrorCode.OVERSIZE, f"line longer than {MAX_CSV_LINE} bytes")
            return
        stripped = line.strip(b" \t")
        if not stripped:
            return
        if stripped.startswith(b"#"):
            self.stats.comment_lines += 1
            return
        match = _LINE.fullmatch(line)
        if match is None:
            self._reject(ErrorCode.CSV_SYNTAX, "not a comma-separated list of integers")
            return
        stamp_text, values_text = match.groups()
        values = [int(v) for v in _SPLIT.split(values_text)]
        stamp = int(stamp_text) if stamp_text is not None else None
        if max(values) > 0xFFFF or (stamp is not None and stamp > _U64_MAX):
            self._reject(ErrorCode.CSV_SYNTAX, "value above 65535 or timestamp above 2**64-1")
            return
        if self.n_channels is None:
            self.n_channels = len(values)
        if len(values) != self.n_channels:
            self._reject(ErrorCode.CSV_COLUMNS, f"{len(values)} values, expected {self.n_channels}")
            return
        # only a line with the right width is a valid sample line, so only it fixes the timestamp column
        if self.has_timestamps is None:
            self.has_timestamps = stamp is not None
        if (stamp is not None) != self.has_timestamps:
            self._reject(ErrorCode.CSV_COLUMNS, "timestamp column differs from the first sample line")
            return
        rows.append(values)
        if stamp is not None:
            stamps.append(stamp)
        self.stats.samples_ok += 1

    def _reject(self, code: ErrorCode, message: str) -> None:
        self.stats.bad_lines += 1
        self.stats.errors_by_code[code.value] = self.stats.errors_by_code.get(code.value, 0) + 1
        self.recent_errors.append(PacketError(code, message, offset=self._line_start))


def detect_mode(head: bytes | bytearray | memoryview) -> Literal["binary", "csv"] | None:
    """Guess the framing of a stream from its first bytes (PROTOCOL.md, "Telling the modes apart").

    Parameters
    ----------
    head : bytes-like
        The bytes received so far.

    Returns
    -------
    {"binary", "csv"} or None
        ``"binary"`` as soon as a 0x00 byte appears; ``"csv"`` once a complete
        printable line parses as a CSV sample line; None while undecided.
    """
    data = bytes(head)
    if b"\x00" in data:
        return "binary"
    for raw in data.split(b"\n")[:-1]:
        line = raw[:-1] if raw.endswith(b"\r") else raw
        line = line[1:] if line.startswith(b"\r") else line
        if len(line) <= MAX_CSV_LINE and _PRINTABLE.fullmatch(line) and _LINE.fullmatch(line):
            return "csv"
    return None
