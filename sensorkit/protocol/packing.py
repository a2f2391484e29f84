"""Vectorised packing of pressure values: 16-bit little-endian or 12-bit packed.

12-bit packing stores values as one little-endian bit stream: value ``2k``
takes bits 0-11 and value ``2k+1`` bits 12-23 of each 3-byte group. An odd
count ends with a 2-byte group whose top 4 bits must be zero.
"""

from __future__ import annotations

import numpy as np

from .constants import ErrorCode
from .errors import PacketError

__all__ = ["pack_values", "packed_size", "unpack_values"]


def packed_size(count: int, bits: int) -> int:
    """Bytes taken by ``count`` values of width ``bits`` (12 or 16)."""
    return 2 * count if bits == 16 else (3 * count + 1) // 2


def pack_values(values: np.ndarray, bits: int) -> bytes:
    """Pack values (any shape, row-major order) into wire bytes.

    Parameters
    ----------
    values : numpy.ndarray
        Non-negative integers below ``2**bits`` (an integer dtype, or floats with whole values).
    bits : int
        12 or 16.

    Returns
    -------
    bytes
        ``packed_size(values.size, bits)`` bytes.

    Raises
    ------
    PacketError
        ``INVALID_FIELD`` if ``bits`` is unsupported, a value does not fit, or a value is not
        a whole number (a fraction, NaN or infinity: refused, not truncated).
    """
    flat = np.asarray(values).reshape(-1)
    if bits not in (12, 16):
        raise PacketError(ErrorCode.INVALID_FIELD, f"sample width must be 12 or 16, not {bits}")
    if flat.dtype.kind not in "biu":  # whole ADC counts only: a cast would truncate 1.7 to 1
        whole = flat.dtype.kind == "f" and bool(np.all(np.isfinite(flat) & (flat == np.trunc(flat))))
        if not whole:
            raise PacketError(
                ErrorCode.INVALID_FIELD,
                f"pressure values must be whole ADC counts (integers), not {flat.dtype} values"
                + (" with fractions, NaN or infinity" if flat.dtype.kind == "f" else ""),
            )
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= (1 << bits)):
        raise PacketError(ErrorCode.INVALID_FIELD, f"pressure value out of range for {bits} bits")
    v = flat.astype(np.uint16)
    if bits == 16:
        return v.astype("<u2").tobytes()
    n = v.size
    if n % 2:
        v = np.concatenate([v, np.zeros(1, np.uint16)])
    even = v[0::2]
    odd = v[1::2]
    out = np.empty((even.size, 3), np.uint8)
    out[:, 0] = even & 0xFF
    out[:, 1] = (even >> 8) | ((odd & 0x0F) << 4)
    out[:, 2] = odd >> 4
    return out.tobytes()[: packed_size(n, 12)]


def unpack_values(buf: bytes | bytearray | memoryview, offset: int, count: int, bits: int) -> np.ndarray:
    """Unpack ``count`` values starting at ``buf[offset]``.

    Parameters
    ----------
    buf : bytes-like
        Packet bytes; must hold exactly ``packed_size(count, bits)`` bytes from ``offset``
        (the caller checks the length).
    offset : int
        Start of the packed values.
    count : int
        Number of values.
    bits : int
        12 or 16.

    Returns
    -------
    numpy.ndarray
        ``(count,)`` uint16, a new aligned array (never a view of ``buf``).

    Raises
    ------
    PacketError
        ``BAD_PAYLOAD`` if the padding nibble of an odd 12-bit count is not zero.
    """
    if bits == 16:
        # Copy: the result is aligned and owned, not a view into the packet buffer.
        return np.frombuffer(buf, dtype="<u2", count=count, offset=offset).astype(np.uint16)
    nbytes = packed_size(count, 12)
    if count % 2 and buf[offset + nbytes - 1] & 0xF0:
        raise PacketError(ErrorCode.BAD_PAYLOAD, "12-bit padding bits are not zero")
    # Value 2k is the low 12 bits of the little-endian u16 at byte 3k, value 2k+1
    # the high 12 bits of the u16 at byte 3k+1: two strided views, no copies.
    n_even = (count + 1) // 2
    n_odd = count // 2
    even = np.ndarray((n_even,), dtype="<u2", buffer=buf, offset=offset, strides=(3,))
    out = np.empty(count, np.uint16)
    np.bitwise_and(even, 0x0FFF, out=out[0::2])
    if n_odd:
        odd = np.ndarray((n_odd,), dtype="<u2", buffer=buf, offset=offset + 1, strides=(3,))
        np.right_shift(odd, 4, out=out[1::2])
    return out
