"""Split a byte stream into delimited segments (binary frames or CSV lines), without decoding them.

The device layer records every segment in the capture file with its arrival time and
hands it to the protocol decoder; bytes that never see a delimiter are emitted once they
exceed :data:`MAX_SEGMENT` so a flood of garbage cannot grow memory or stall the capture.
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
        out = [p + d for p in parts]
        while len(tail) > MAX_SEGMENT:
            out.append(tail[:MAX_SEGMENT])
            tail = tail[MAX_SEGMENT:]
        self._pending = tail
        return out

    def take_pending(self) -> bytes:
        """Hand over (and forget) a partial segment: the link was lost mid-frame, or the device closed."""
        tail, self._pending = self._pending, b""
        return tail

    def drop_pending(self) -> int:
        """Forget a partial segment (the link was lost mid-frame); returns its length."""
        n = len(self._pending)
        self._pending = b""
        return n
