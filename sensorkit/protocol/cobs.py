"""Consistent Overhead Byte Stuffing (COBS), the frame encoding of PROTOCOL.md.

A packet is COBS-encoded so that it contains no 0x00 byte; a single 0x00 then
ends each frame on the wire. The encoder emits the canonical form (a final
254-byte run is not followed by an empty ``0x01`` block); the decoder accepts
both forms.
"""

from __future__ import annotations

from .constants import ErrorCode
from .errors import PacketError

__all__ = ["cobs_decode", "cobs_encode"]

_BLOCK = 254


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS-encode ``data`` (no delimiter appended).

    Parameters
    ----------
    data : bytes-like
        Raw bytes, may contain 0x00.

    Returns
    -------
    bytes
        Encoding of ``len(data) + max(1, ceil(len(data) / 254))`` bytes at most,
        free of 0x00.
    """
    out = bytearray()
    parts = bytes(data).split(b"\x00")
    last = len(parts) - 1
    for index, part in enumerate(parts):
        while len(part) >= _BLOCK:
            out.append(0xFF)
            out += part[:_BLOCK]
            part = part[_BLOCK:]
            if index == last and not part:
                return bytes(out)
        out.append(len(part) + 1)
        out += part
    return bytes(out)


def cobs_decode(encoded: bytes | bytearray | memoryview) -> bytearray:
    """Decode one COBS frame (delimiter already removed).

    Parameters
    ----------
    encoded : bytes-like
        The frame body, at least one byte, without 0x00.

    Returns
    -------
    bytearray
        The raw bytes.

    Raises
    ------
    PacketError
        ``BAD_COBS`` if the frame is empty, contains 0x00, or a code byte points
        past the end of the frame.
    """
    enc = bytes(encoded)
    n = len(enc)
    if n == 0:
        raise PacketError(ErrorCode.BAD_COBS, "empty COBS frame")
    if enc.find(0) >= 0:
        raise PacketError(ErrorCode.BAD_COBS, "0x00 inside a COBS frame")
    out = bytearray(enc)
    drops: list[int] = []
    code = enc[0]
    j = code
    # Walk the chain of code bytes: each one is replaced by the 0x00 it stands
    # for, or removed when the previous block was a full 254-byte run.
    while j < n:
        if code == 0xFF:
            drops.append(j)
        else:
            out[j] = 0
        code = enc[j]
        j += code
    if j != n:
        raise PacketError(ErrorCode.BAD_COBS, f"COBS code byte points {j - n} byte(s) past the frame end")
    for pos in reversed(drops):
        del out[pos]
    del out[0]
    return out
