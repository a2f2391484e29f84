"""Consistent Overhead Byte Stuffing (COBS), the frame encoding of PROTOCOL.md.

A packet is COBS-encoded so that it contains no 0x00 byte; a single 0x00 then
ends each frame on the wire. The encoder emits the canonical form (a final
254-byte run is not followed by an empty ``0x01`` block); the decoder accepts
both forms.
"""

from __future__ import annotations

import numpy as np

from .constants import ErrorCode
from .errors import PacketError

__all__ = ["cobs_decode", "cobs_decode_fast", "cobs_encode"]

_BLOCK = 254
_kernel = None  # compiled on first use, so importing the protocol does not import numba


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


def _cobs_kernel_py(enc, out) -> int:
    """Decode ``enc`` into ``out``; the decoded length, or -1 if it is not valid COBS.

    Same rules as :func:`cobs_decode`: no 0x00 anywhere, the chain of code bytes ends
    exactly at the end of the frame, a code byte stands for a 0x00 unless the block
    before it was a full 254-byte run (0xFF) or it ends the frame.
    """
    n = enc.shape[0]
    if n == 0:
        return -1
    j = 0
    k = 0
    while j < n:
        code = int(enc[j])
        if code == 0:
            return -1
        end = j + code
        if end > n:
            return -1
        for i in range(j + 1, end):
            b = enc[i]
            if b == 0:
                return -1
            out[k] = b
            k += 1
        j = end
        if j < n and code != 0xFF:
            out[k] = 0
            k += 1
    return k


def cobs_decode_fast(encoded: bytes) -> bytearray | None:
    """:func:`cobs_decode` for the stream decoder's hot path: a compiled loop, None when invalid.

    Returns the same bytes as :func:`cobs_decode` for a valid frame; for an invalid one it
    returns None and the caller asks :func:`cobs_decode` for the precise error.
    """
    global _kernel
    kernel = _kernel
    if kernel is None:
        kernel = _kernel = _load_kernel()
    out = bytearray(len(encoded))
    n = kernel(np.frombuffer(encoded, np.uint8), np.frombuffer(out, np.uint8))
    if n < 0:
        return None
    del out[n:]
    return out


def _load_kernel():
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the Python loop is the reference
        return _cobs_kernel_py
    return numba.njit(cache=True, nogil=True, boundscheck=False)(_cobs_kernel_py)
