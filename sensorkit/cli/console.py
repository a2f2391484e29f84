"""Terminal output shared by the CLI commands (rich, degrading to plain text off a TTY).

User text (file names, messages, hints) is never parsed as rich markup: ``data[/b].csv``
prints as is instead of crashing, ``patient[red].csv`` keeps its brackets. Warnings print
as one readable line (``warning: ...``), never with a source line. Control characters in
anything printed (messages, table cells, progress lines) are written as ``\\xNN``
(:class:`sensorkit._console.SafeConsole`, :func:`sensorkit.errors.printable`).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from rich.text import Text

from sensorkit._console import SafeConsole
from sensorkit.errors import printable

__all__ = [
    "console",
    "error_console",
    "one_line_warnings",
    "print_error",
    "print_warning",
    "printable",
    "say",
]

#: Width of tables written to a pipe or file (a terminal's own width is used on a terminal).
PIPE_WIDTH = 120


def _width(stream) -> int | None:
    """None (rich decides) on a terminal or with $COLUMNS set; :data:`PIPE_WIDTH` for pipes and files."""
    import os

    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return None if tty or os.environ.get("COLUMNS") else PIPE_WIDTH


console = SafeConsole(highlight=False, width=_width(sys.stdout))
error_console = SafeConsole(stderr=True, highlight=False, width=_width(sys.stderr))


def print_error(message: str, hint: str | None = None) -> None:
    """Print one error line (and a hint line) on stderr; the texts are printed literally."""
    error_console.print(Text.assemble(("error:", "bold red"), " ", printable(str(message))), soft_wrap=True)
    if hint:
        error_console.print(Text.assemble(("hint:", "dim"), " ", printable(str(hint))), soft_wrap=True)
    sys.stderr.flush()


def print_warning(message: str | Warning, category: type[Warning] | None = None) -> None:
    """Print ``warning: <message>`` on one line on stderr (no file, line or source)."""
    text = printable(" ".join(str(message).split()))
    name = category.__name__ if category is not None else type(message).__name__
    suffix = f" ({name})" if name not in ("UserWarning", "str", "Warning") else ""
    error_console.print(Text.assemble(("warning:", "yellow"), " ", text + suffix), soft_wrap=True)


def say(text: str, *, err: bool = False) -> None:
    """Print user-facing text literally (no markup, no highlighting), soft-wrapped."""
    (error_console if err else console).print(text, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show every warning raised inside as one :func:`print_warning` line."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        print_warning(message, category)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous
