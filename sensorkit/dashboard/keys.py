"""Single key presses from the terminal without Enter (POSIX cbreak mode), polled without blocking.

Works over SSH (it only needs a TTY on stdin). Where stdin is not a terminal, or on
platforms without ``termios``, :class:`KeyReader` reads nothing and ``enabled`` is False.
"""

from __future__ import annotations

import os
import select
import sys
from typing import Any

__all__ = ["KeyReader"]


class KeyReader:
    """Context manager that puts a TTY stdin in cbreak mode and restores it on exit.

    Examples
    --------
    >>> with KeyReader() as keys:   # doctest: +SKIP
    ...     for key in keys.poll():
    ...         print(key)
    """

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self.enabled = False
        self._saved: Any = None
        self._fd: int | None = None

    def __enter__(self) -> KeyReader:
        try:
            import termios
            import tty

            fd = self.stream.fileno()
            if not os.isatty(fd):
                return self
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
            self._fd = fd
            self.enabled = True
        except (ImportError, OSError, ValueError, AttributeError):
            self.enabled = False
        return self

    def poll(self) -> list[str]:
        """Keys pressed since the last poll (lower-cased characters); never blocks."""
        if not self.enabled or self._fd is None:
            return []
        keys = []
        while select.select([self._fd], [], [], 0)[0]:
            data = os.read(self._fd, 64)
            if not data:
                break
            keys.extend(data.decode("utf-8", errors="ignore").lower())
        return keys

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None and self._fd is not None:
            import termios

            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        self.enabled = False
