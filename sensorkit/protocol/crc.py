"""CRC-16/CCITT-FALSE, the packet checksum of PROTOCOL.md.

Parameters: width 16, poly 0x1021, init 0xFFFF, refin false, refout false,
xorout 0x0000; check value over ASCII ``123456789`` is 0x29B1.
"""

from __future__ import annotations

import binascii

__all__ = ["CRC_CHECK_VALUE", "CRC_INIT", "CRC_POLY", "crc16"]

CRC_POLY = 0x1021
CRC_INIT = 0xFFFF
CRC_CHECK_VALUE = 0x29B1


def crc16(data: bytes | bytearray | memoryview, crc: int = CRC_INIT) -> int:
    """Return the CRC-16/CCITT-FALSE of ``data``.

    Parameters
    ----------
    data : bytes-like
        Bytes to checksum.
    crc : int, optional
        Running value to continue from (default: the initial value 0xFFFF).

    Returns
    -------
    int
        The 16-bit CRC.

    Notes
    -----
    ``binascii.crc_hqx`` implements exactly this non-reflected 0x1021 CRC with a
    caller-chosen initial value, in C, so no table is needed here.
    """
    return binascii.crc_hqx(data, crc)
