"""The single error type of the codec: :class:`PacketError`, a :class:`ProtocolError`."""

from __future__ import annotations

from sensorkit.errors import ProtocolError

from .constants import ErrorCode

__all__ = ["PacketError"]


class PacketError(ProtocolError):
    """A frame or packet violates firmware_protocol/PROTOCOL.md.

    Parameters
    ----------
    code : ErrorCode
        Which rule was broken; matches the ``error`` field of the vector files.
    message : str
        One sentence naming the problem.
    offset : int, optional
        Stream byte offset of the start of the offending frame, when known.
    """

    def __init__(self, code: ErrorCode, message: str, *, offset: int | None = None) -> None:
        where = f" (frame at byte {offset})" if offset is not None else ""
        super().__init__(f"{code.value}: {message}{where}")
        self.code = code
        self.detail = message
        self.offset = offset

    def at(self, offset: int) -> PacketError:
        """The same error, located at stream byte ``offset``."""
        return PacketError(self.code, self.detail, offset=offset)
