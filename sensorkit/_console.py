"""A rich ``Console`` that never writes control characters it was given as text.

rich passes ESC and other control characters in a string through to the terminal, so a
file name, a BLE device name or a value read from a file could move the cursor, recolour
or clear the user's screen when it lands in a table cell, a progress line or a live view.
:class:`SafeConsole` writes such characters in every rendered text segment as ``\\xNN``
(:func:`sensorkit.errors.printable`); the escape codes rich makes itself for styles and
for cursor control (``Segment.control``) are untouched.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from sensorkit.errors import printable

__all__ = ["SafeConsole"]


class SafeConsole(Console):
    """:class:`rich.console.Console` whose rendered text is made printable (see the module).

    Strings are made printable when they become rich text (table cells, printed strings), so
    widths are measured on what is shown; every text segment is checked again when rendered,
    which also covers ``Text`` objects built elsewhere.
    """

    def render_str(self, text: str, **kwargs) -> Text:
        """rich's ``render_str`` of ``text`` with its control characters written as ``\\xNN``."""
        return super().render_str(printable(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        """Render like rich, with control characters in text segments written as ``\\xNN``."""
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control or text.isprintable() or text == "\n":
                yield segment
            else:
                yield Segment(printable(text), segment.style)

    def on_broken_pipe(self) -> None:
        """The reader of the output stopped early (``| head``): go quiet and let the caller end.

        rich's default exits at once with status 1, which looked like a failure; the command
        line ends with status 141 instead, as a shell shows for a closed pipe
        (:data:`sensorkit.cli.EXIT_BROKEN_PIPE`).
        """
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the output's reader has stopped")

    def pop_render_hook(self) -> None:
        """rich's ``pop_render_hook``, tolerating a hook that was never pushed: a closed pipe
        stops a live display while it starts, before its hook is on the stack, and the
        display's ``stop()`` in a ``finally`` would then fail with ``IndexError``."""
        with self._lock:
            if self._render_hooks:
                self._render_hooks.pop()
