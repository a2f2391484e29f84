"""Where a warning of sensorkit points: at the user's line, whatever the path inside sensorkit.

A fixed ``stacklevel`` fits one call path only: a reader's warning with ``stacklevel=2``
named the user's line when the reader was called directly, but a line of
``sensorkit/io/__init__.py`` when it was reached through ``sk.read`` (one frame more).
:func:`user_stacklevel` counts the frames up to the first one outside the package instead
(``skip_file_prefixes`` of :func:`warnings.warn` does this from Python 3.12 on).
"""

from __future__ import annotations

import os
import sys

__all__ = ["user_stacklevel"]

#: The package's folder with a trailing separator: frames of files under it are sensorkit's.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that names the first caller outside sensorkit.

    Call it in the argument list of ``warnings.warn`` (``stacklevel=user_stacklevel()``) in
    the function that warns.

    Returns
    -------
    int
        1 for the function that warns, plus one per sensorkit frame above it. In a thread
        sensorkit started (a replay's reader) that first frame outside is the standard
        library's ``threading`` module: no user line is on that stack.
    """
    frame = sys._getframe(1)  # the function that warns (stacklevel 1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level
