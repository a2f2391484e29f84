"""Split a byte stream into delimited segments (binary frames or CSV lines), without decoding them.

The device layer records every segment in the capture file with its arrival time and
hands it to the protocol decoder; no segment is longer than :data:`MAX_SEGMENT` (bytes that
never see a delimiter, and delimited runs of garbage, are cut into pieces of that size), so a
flood of garbage can neither grow memory nor exceed a capture record's 65535-byte payload.
"""

from __future__ import annotations

__all__ = ["MAX_SEGMENT", "Framer"]

MAX_SEGMENT = 4096  # bytes; longer than any valid frame (516) or CSV line (1025)


class Framer:
    """Incremental splitter on a one-byte delimiter (``b"\\x00"`` or ``b"\\n"``).

    Parameters
    ----------
    delimiter : bytes
        One byte that ends every segment; segments keep it.
    """

    def __init__(self, delimiter: bytes) -> None:
        if len(delimiter) != 1:
            raise ValueError("the delimiter is one byte")
        self.delimiter = delimiter
        self._pending = b""

    @property
    def pending(self) -> int:
        """Bytes held until their delimiter arrives."""
        return len(self._pending)

    def split(self, data: bytes) -> list[bytes]:
        """Return the complete segments (delimiter included) that ``data`` finishes."""
        buf = self._pending + data if self._pending else data
        parts = buf.split(self.delimiter)
        tail = parts.pop()
        d = self.delimiter
        out = []
        for p in parts:
            seg = p + d
            # a delimited run longer than any frame (garbage) is cut too, so no segment (and
            # no capture record) exceeds MAX_SEGMENT; the bytes, joined, are unchanged
            while len(seg) > MAX_SEGMENT:
                out.append(seg[:MAX_SEGMENT])
                seg = seg[MAX_SEGMENT:]
            out.append(seg)
        while len(tail) > MAX_SEGMENT:
            out.append(tail[:MAX_SEGMENT])
            tail = tail[MAX_SEGMENT:]
        self._pending = tail
        return out

    def take_pending(self) -> bytes:
        """Hand over (and forget) a partial segment: the link was lost mid-frame, or the device closed."""
        tail, self._pending = self._pending, b""
        return tail
