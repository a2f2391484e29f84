"""Typed errors raised by sensorkit.

Every error says what failed and where (file, line, column, packet offset) so the
CLI can print one clear line. Catch :class:`SensorkitError` to catch them all.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "CalibrationError",
    "CaptureNotKeptWarning",
    "CaptureWriteError",
    "ClockSlipWarning",
    "DeviceError",
    "DuplicateRowsWarning",
    "FileFormatError",
    "FileLockedError",
    "FileTruncatedWarning",
    "OutputExistsError",
    "OutputFolderError",
    "OutputNotWritableError",
    "ProfileError",
    "ProtocolError",
    "SameFileError",
    "SensorkitError",
    "SideConflictWarning",
    "printable",
]


class SensorkitError(Exception):
    """Base class of every error sensorkit raises on purpose.

    Parameters
    ----------
    message : str
        One sentence naming the problem.
    hint : str, optional
        What the user can do about it; printed by the CLI after the message.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class FileFormatError(SensorkitError, ValueError):
    """A file could not be read: names the file, and the line and column when known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | int | None = None,
        hint: str | None = None,
    ) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message, hint=hint)
        self.path = path
        self.line = line
        self.column = column


class ProfileError(FileFormatError):
    """A device profile that does not fit the schema: names the file, the key and what was expected."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None,
                 hint: str | None = None) -> None:  # fmt: skip
        super().__init__(f"key {key!r}: {message}" if key else message, path=path, hint=hint)
        self.key = key


class ProtocolError(SensorkitError, ValueError):
    """Bytes on the wire violate firmware_protocol/PROTOCOL.md (bad CRC, truncated, ...)."""


class DeviceError(SensorkitError, OSError):
    """A device could not be opened, stopped answering, or is not a sensorkit device."""


class CalibrationError(SensorkitError, ValueError):
    """A calibration is missing, inconsistent, or does not fit the layout."""


class FileTruncatedWarning(UserWarning):
    """A file ends in the middle of its data (an export cut short); what came before the cut was read."""


class DuplicateRowsWarning(UserWarning):
    """A file repeats rows (the same frame written twice); the copies were dropped and counted."""


class SideConflictWarning(UserWarning):
    """A device frame names another foot than the URL's ``side=``; the URL's side was used (the
    frames that disagree are counted in the device's ``profile_stats.side_conflicts``)."""


class OutputExistsError(SensorkitError, FileExistsError):
    """An output file exists and replacing it was not asked for (``--force`` / ``overwrite=True``)."""


class OutputFolderError(SensorkitError, FileNotFoundError):
    """The folder an output would be written into does not exist.

    A :class:`FileNotFoundError` whose ``filename`` is the output, with sensorkit's message.
    """

    def __init__(self, message: str, *, hint: str | None = None, filename: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.filename = filename

    def __str__(self) -> str:
        return str(self.args[0])  # not OSError's "[Errno ...] None: path" once filename is set


class OutputNotWritableError(SensorkitError, PermissionError):
    """The folder an output would be written into (or created in) cannot be written:
    permissions or a read-only file system. Raised before any work, naming the option."""

    def __init__(self, message: str, *, hint: str | None = None, filename: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.filename = filename

    def __str__(self) -> str:
        return str(self.args[0])


class SameFileError(SensorkitError, ValueError):
    """An output is also an input (same path, hard link or symlink): writing it would destroy the input."""


class FileLockedError(SensorkitError, OSError):
    """Another process holds the exclusive lock of a file being written (e.g. a second recorder)."""


class CaptureWriteError(SensorkitError, OSError):
    """Writing a capture failed (disk full, file-size limit, I/O error); the file is readable up to there."""


class ClockSlipWarning(UserWarning):
    """The two insoles of a pair ran at different rates: on the left insole's time axis some
    right samples fell on frames already taken (dropped, counted in ``metadata["clock_slips"]``)
    and some frames got none (NaN, dropout gaps)."""


class CaptureNotKeptWarning(UserWarning):
    """Records a device delivered before its capture was attached were not kept (the buffer that
    holds them was full); the capture holds an EVENT ``records_not_kept`` with their count."""


#: Characters that reorder how the text around them is shown (Unicode bidirectional embeddings,
#: overrides and isolates): a name could display as something else ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` with control characters other than newline and tab written as ``\\xNN``.

    Messages can quote what a file or a device sent (a damaged page's bytes, a file or BLE
    name); the console prints them through this, and so do messages that quote such bytes,
    so a hostile string can never move the cursor, recolour or clear the user's terminal
    (rich drops a few control codes but passes ESC). Escaped: the C0 and C1 control
    characters and DEL (Unicode category Cc) and the bidirectional overrides; kept as they
    are: every other character, including no-break and narrow spaces and the zero-width
    joiner of emoji sequences.
    """
    if text.isprintable():
        return text
    return "".join(_escape(c) if _hostile(c) else c for c in text)


def _hostile(c: str) -> bool:
    return (c not in "\n\t" and unicodedata.category(c) == "Cc") or c in _BIDI_CONTROLS


def _escape(c: str) -> str:
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
