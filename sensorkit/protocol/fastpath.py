"""Compiled decoding of PRESSURE frames: the stream decoder's hot path (issue 17, goal 7).

One kernel call takes the encoded frames of a chunk (their byte ranges between 0x00
delimiters) and, for each frame that is a valid PRESSURE packet, COBS-decodes it, checks its
size, version, length and CRC-16/CCITT-FALSE, reads its header and unpacks its 12- or 16-bit
values into one shared output array (firmware_protocol/PROTOCOL.md). Any frame it does not
accept (another packet type, any error, a time stamp beyond 2**63) is marked for the
reference path (:func:`sensorkit.protocol.cobs.cobs_decode` and
:func:`sensorkit.protocol.codec.parse_packet`), which names the error. The kernel accepts
exactly the PRESSURE frames the reference path accepts, with the same values
(``tests/test_protocol_fastpath.py``).
"""

from __future__ import annotations

import numpy as np

from .constants import CRC_SIZE, HEADER_SIZE, MAX_ENCODED_FRAME, MAX_PACKET_SIZE, PROTOCOL_VERSION, PacketType
from .crc import CRC_INIT, CRC_POLY

__all__ = ["HEAD_COLUMNS", "decode_pressure_frame", "decode_pressure_frames", "one_frame_kernel", "warm_up"]

#: Columns of the per-frame header table: accepted (1) or for the reference path (0), then the
#: packet's fields and where its values start in the shared value array.
HEAD_COLUMNS = ("ok", "seq", "t0_us", "first_sample_seq", "period_ns", "bits", "channels", "count", "offset")
_PAYLOAD_SIZE = 19  # <QIIBBB: t0, first sample, period, channels, bits, count
_VALUES_AT = HEADER_SIZE + _PAYLOAD_SIZE
_PRESSURE = int(PacketType.PRESSURE)


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.int64)
    for b in range(256):
        crc = b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY) if crc & 0x8000 else (crc << 1)
        table[b] = crc & 0xFFFF
    return table


_CRC_TABLE = _crc_table()


def _frame_py(buf, lo, n, raw, values, nv):
    """Decode the frame ``buf[lo:lo + n]`` into ``values[nv:]``; returns (ok, seq, t0,
    first sample, period, bits, channels, count), ok 0 for the reference path."""
    if n <= 0 or n > MAX_ENCODED_FRAME:
        return 0, 0, 0, 0, 0, 0, 0, 0
    # COBS (cobs._cobs_kernel_py's rules), with a running CRC of the decoded bytes; the packet's
    # CRC covers all of them but the last two, so the CRC from two bytes back is kept
    j = 0
    k = 0
    crc = CRC_INIT
    crc1 = crc2 = CRC_INIT  # the CRC before the last byte, and before the one before it
    while j < n:
        code = np.int64(buf[lo + j])
        if code == 0 or j + code > n:
            return 0, 0, 0, 0, 0, 0, 0, 0
        for q in range(lo + j + 1, lo + j + code):
            b = buf[q]
            if b == 0:
                return 0, 0, 0, 0, 0, 0, 0, 0
            raw[k] = b
            crc2 = crc1
            crc1 = crc
            crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[((crc >> 8) ^ b) & 0xFF]
            k += 1
        j += code
        if j < n and code != 0xFF:
            raw[k] = 0
            crc2 = crc1
            crc1 = crc
            crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) & 0xFF]
            k += 1
    if k < _VALUES_AT + CRC_SIZE or k > MAX_PACKET_SIZE:
        return 0, 0, 0, 0, 0, 0, 0, 0
    length = np.int64(raw[2]) | (np.int64(raw[3]) << 8)
    if raw[0] != PROTOCOL_VERSION or raw[1] != _PRESSURE or HEADER_SIZE + length + CRC_SIZE != k:
        return 0, 0, 0, 0, 0, 0, 0, 0
    if crc2 != (np.int64(raw[k - 2]) | (np.int64(raw[k - 1]) << 8)):  # the CRC of raw[:k - 2]
        return 0, 0, 0, 0, 0, 0, 0, 0
    p = HEADER_SIZE
    if raw[p + 7] & 0x80:  # t0 >= 2**63: left to the reference path (int64 here)
        return 0, 0, 0, 0, 0, 0, 0, 0
    t0 = 0
    for q in range(7, -1, -1):
        t0 = (t0 << 8) | np.int64(raw[p + q])
    first = (
        np.int64(raw[p + 8])
        | (np.int64(raw[p + 9]) << 8)
        | (np.int64(raw[p + 10]) << 16)
        | (np.int64(raw[p + 11]) << 24)
    )
    period = (
        np.int64(raw[p + 12])
        | (np.int64(raw[p + 13]) << 8)
        | (np.int64(raw[p + 14]) << 16)
        | (np.int64(raw[p + 15]) << 24)
    )
    channels = np.int64(raw[p + 16])
    bits = np.int64(raw[p + 17])
    count = np.int64(raw[p + 18])
    if (bits != 16 and bits != 12) or channels == 0 or count == 0 or period == 0:
        return 0, 0, 0, 0, 0, 0, 0, 0
    m = channels * count
    packed = 2 * m if bits == 16 else (3 * m + 1) // 2
    if length != _PAYLOAD_SIZE + packed:
        return 0, 0, 0, 0, 0, 0, 0, 0
    a = _VALUES_AT
    if bits == 16:
        for q in range(m):
            values[nv + q] = np.int64(raw[a + 2 * q]) | (np.int64(raw[a + 2 * q + 1]) << 8)
    else:
        if m % 2 and raw[a + packed - 1] & 0xF0:  # padding nibble of an odd count
            return 0, 0, 0, 0, 0, 0, 0, 0
        for q in range(m // 2):
            b0 = np.int64(raw[a + 3 * q])
            b1 = np.int64(raw[a + 3 * q + 1])
            b2 = np.int64(raw[a + 3 * q + 2])
            values[nv + 2 * q] = b0 | ((b1 & 0x0F) << 8)
            values[nv + 2 * q + 1] = (b1 >> 4) | (b2 << 4)
        if m % 2:
            q = m // 2
            values[nv + 2 * q] = np.int64(raw[a + 3 * q]) | ((np.int64(raw[a + 3 * q + 1]) & 0x0F) << 8)
    seq = np.int64(raw[4]) | (np.int64(raw[5]) << 8)
    return 1, seq, t0, first, period, bits, channels, count


def _frames_py(buf, starts, ends, raw, values, head) -> int:
    """Every frame ``buf[starts[i]:ends[i]]`` into ``head[i]`` (see :data:`HEAD_COLUMNS`);
    returns the values written."""
    nv = 0
    for i in range(starts.shape[0]):
        ok, seq, t0, first, period, bits, channels, count = _frame(
            buf, starts[i], ends[i] - starts[i], raw, values, nv
        )
        head[i, 0] = ok
        head[i, 1] = seq
        head[i, 2] = t0
        head[i, 3] = first
        head[i, 4] = period
        head[i, 5] = bits
        head[i, 6] = channels
        head[i, 7] = count
        head[i, 8] = nv
        if ok:
            nv += channels * count
    return nv


def _one_py(buf, n, values):
    """:func:`_frame_py` of ``buf[:n]``, with its own scratch."""
    raw = np.empty(MAX_ENCODED_FRAME, dtype=np.uint8)
    return _frame(buf, 0, n, raw, values, 0)


# the kernels, compiled on first use (pure Python until then, and without Numba)
_frame = _frame_py
_frames = None
_one = None


def _one_plain(buf, n, values):
    """:func:`_one_py` without Numba, with the Python ints the compiled kernel returns."""
    return tuple(int(x) for x in _one_py(np.frombuffer(buf, np.uint8), n, values))


def _load_kernels() -> None:
    global _frame, _frames, _one
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the Python loops are the reference
        _frames, _one = _frames_py, _one_plain
        return
    jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    _frame = jit(_frame_py)  # before the kernels that call it are compiled
    _frames, _one = jit(_frames_py), jit(_one_py)


_NOT_ACCEPTED = (0,) * 8
_warm = False


def warm_up() -> None:
    """Load (or compile, on a cold cache) the kernels with the argument types the decoder
    uses, once per process: a decoder calls this when it is made, so the first data of a live
    stream is not held up (about 0.3 s from the cache, 1-2 s compiling)."""
    global _warm
    if _warm:
        return
    _warm = True
    body = b"\x01"  # an empty COBS frame: rejected at once
    decode_pressure_frame(body, 1)
    decode_pressure_frames(np.frombuffer(body, np.uint8), np.zeros(1, np.int64), np.ones(1, np.int64))


def one_frame_kernel():
    """The compiled kernel behind :func:`decode_pressure_frame`, loaded: ``kernel(body, n,
    values)`` decodes ``body[:n]`` (``n <= MAX_ENCODED_FRAME``) into ``values`` (uint16, at
    least ``n`` of them) and returns the ``HEAD_COLUMNS`` without the offset, as Python ints.
    For a caller that decodes one frame per call and cannot afford a wrapper's call."""
    if _one is None:
        _load_kernels()
    return _one


def decode_pressure_frames(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Decode the PRESSURE frames among ``buf[starts[i]:ends[i]]``.

    Parameters
    ----------
    buf : ndarray of uint8, shape (n,)
        A chunk of the stream.
    starts, ends : ndarray of int64, shape (m,)
        Encoded frames (without their 0x00 delimiter), in stream order.

    Returns
    -------
    head : ndarray of int64, shape (m, 9)
        Per frame, the :data:`HEAD_COLUMNS`; ``ok`` 0 for every frame left to the reference
        path (the other columns are then meaningless).
    values : ndarray of uint16, shape (k,)
        The accepted frames' values, sample-major, frame ``i``'s from ``head[i, 8]``
        (``channels * count`` of them).
    """
    if _frames is None:
        _load_kernels()
    head = np.empty((starts.shape[0], len(HEAD_COLUMNS)), dtype=np.int64)
    values = np.empty(max(buf.shape[0], 1), dtype=np.uint16)  # >= 1.5 encoded bytes a value
    raw = np.empty(MAX_ENCODED_FRAME, dtype=np.uint8)
    used = _frames(buf, starts, ends, raw, values, head)
    # the packets' values are views of this array: copied to its used size, so that a packet
    # kept from a large chunk does not hold 2 bytes per byte of the chunk
    return head, values[:used].copy() if used < values.shape[0] // 2 else values[:used]


def decode_pressure_frame(body: bytes, n: int) -> tuple[tuple[int, ...], np.ndarray]:
    """One encoded frame, ``body[:n]`` (no delimiter): :func:`decode_pressure_frames` with one
    call's overhead (the one-notification-per-read case of BLE).

    Returns
    -------
    head : tuple of int
        ``HEAD_COLUMNS`` without the offset (``ok`` 0: for the reference path).
    values : ndarray of uint16
        The frame's values (``channels * count`` of them when ``ok``).
    """
    if _one is None:
        _load_kernels()
    if n > MAX_ENCODED_FRAME:  # the reference path says OVERSIZE
        return _NOT_ACCEPTED, np.empty(0, dtype=np.uint16)
    values = np.empty(max(n, 1), dtype=np.uint16)
    return _one(body, n, values), values
