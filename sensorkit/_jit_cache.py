"""Where Numba may keep sensorkit's compiled kernels (issue 17, goal 8).

The kernels are compiled with ``cache=True``. Numba looks for a cache directory when a
kernel module is imported, in this order: ``NUMBA_CACHE_DIR``, the ``__pycache__`` next to
the source, then the user-wide cache (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``). When
none is writable (a read-only site-packages and no writable home: containers, shared
installs) it raises ``RuntimeError: cannot cache function ...: no locator available`` and
the kernel module cannot be imported at all.

:func:`ensure_cache_dir` runs when ``sensorkit`` is imported, before any kernel module: it
makes the same checks without importing Numba (``os.access``, microseconds), and when no
location would work it points ``NUMBA_CACHE_DIR`` at a private directory under the
system temp directory (``sensorkit-numba-cache-<uid>``, mode 0700, reused by later runs
of the same user; a fresh ``mkdtemp`` directory when that one is not safely ours) and
says so with one :class:`JitCacheWarning`. An explicit ``NUMBA_CACHE_DIR`` is never changed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from typing import TextIO

__all__ = [
    "JitCacheWarning",
    "announce_compilation",
    "cache_was_cold",
    "ensure_cache_dir",
    "kernel_cache_is_cold",
    "say_compiling",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
_CACHE_DIR_NAME = "sensorkit-numba-cache"
_done = False


class JitCacheWarning(UserWarning):
    """Numba's kernel cache could not be written where Numba looks; a temporary one is used."""


def _writable_dir(path: Path) -> bool:
    """Whether ``path`` is (or could be created as) a directory this process can write."""
    p = path
    while not p.exists():
        if p.parent == p:
            return False
        p = p.parent
    return p.is_dir() and os.access(p, os.W_OK | os.X_OK)


def _in_tree_writable() -> bool:
    """Whether every sensorkit package directory's ``__pycache__`` is writable."""
    dirs = [_PACKAGE_DIR, *(d for d in _PACKAGE_DIR.iterdir() if (d / "__init__.py").is_file())]
    return all(_writable_dir(d / "__pycache__") for d in dirs)


def _user_wide_dir() -> Path:
    """Numba's user-wide cache directory on this platform (``numba.misc.appdirs``)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return Path(base) / "numba" / "Cache"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Caches")) / "numba"
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "numba"


def _private_temp_dir() -> str | None:
    """A directory only this user can write, under the system temp directory; None if impossible."""
    try:
        base = tempfile.gettempdir()
    except (OSError, FileNotFoundError):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = os.path.join(base, _CACHE_DIR_NAME if uid is None else f"{_CACHE_DIR_NAME}-{uid}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
        # Someone else's directory (or a symlink) could hand us cache files to unpickle.
        if (
            stat.S_ISDIR(st.st_mode)
            and (uid is None or st.st_uid == uid)
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            and os.access(path, os.W_OK | os.X_OK)
        ):
            return path
        return tempfile.mkdtemp(prefix=f"{_CACHE_DIR_NAME}-")
    except OSError:
        try:
            return tempfile.mkdtemp(prefix=f"{_CACHE_DIR_NAME}-")
        except OSError:
            return None


def ensure_cache_dir() -> str | None:
    """Make sure Numba can cache sensorkit's kernels somewhere; call before importing any kernel.

    Returns
    -------
    str or None
        The directory ``NUMBA_CACHE_DIR`` was set to, or None when nothing had to change
        (the in-tree or user-wide cache is writable, or ``NUMBA_CACHE_DIR`` is set).

    Warns
    -----
    JitCacheWarning
        Once per process, when it falls back to a temporary directory, or when even that
        is impossible (the first kernel import will then fail as Numba reports).
    """
    global _done
    if _done:
        return None
    _done = True
    if os.environ.get("NUMBA_CACHE_DIR") or _in_tree_writable() or _writable_dir(_user_wide_dir()):
        return None
    path = _private_temp_dir()
    if path is None:
        warnings.warn(
            "Numba cannot cache sensorkit's kernels: the package directory, the user cache "
            f"({_user_wide_dir()}) and the temp directory are all read-only; set NUMBA_CACHE_DIR "
            "to a writable directory",
            JitCacheWarning,
            stacklevel=3,
        )
        return None
    os.environ["NUMBA_CACHE_DIR"] = path
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # Numba imported before sensorkit: make it re-read the variable
        numba_config.reload_config()
    warnings.warn(
        f"the sensorkit package directory and the user cache ({_user_wide_dir()}) are read-only; "
        f"compiled kernels are cached in {path} instead (set NUMBA_CACHE_DIR to choose)",
        JitCacheWarning,
        stacklevel=3,
    )
    return path


def _kernel_cache_dirs() -> list[Path]:
    """Where Numba would look for the cached ``sensorkit.kernels`` (its locators, in order)."""
    source_dir = os.path.dirname(os.path.abspath(_PACKAGE_DIR / "kernels" / "cop.py"))
    # numba.core.caching._CacheLocator.get_suitable_cache_subpath
    subpath = f"{os.path.basename(source_dir)}_{hashlib.sha1(source_dir.encode()).hexdigest()}"
    dirs = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs.append(Path(os.environ["NUMBA_CACHE_DIR"]) / subpath)
    dirs.append(Path(source_dir) / "__pycache__")
    dirs.append(_user_wide_dir() / subpath)
    return dirs


def kernel_cache_is_cold() -> bool:
    """True when no compiled kernel of this Python version is cached (the next run compiles).

    Looks for Numba's index files (``*.py<major><minor>.nbi``) in the directory Numba
    would use (the first writable one of its locators), without importing Numba. A cache
    made stale by edited sources still counts as warm. The first answer in a process is kept
    (:func:`cache_was_cold`).
    """
    global _first_answer
    pattern = f"*.py{sys.version_info.major}{sys.version_info.minor}.nbi"
    cold = True
    for d in _kernel_cache_dirs():
        if _writable_dir(d):
            cold = not (d.is_dir() and next(d.glob(pattern), None) is not None)
            break
    if _first_answer is None:
        _first_answer = cold
    return cold


_first_answer: bool | None = None


def cache_was_cold() -> bool:
    """Whether the kernel cache was cold when this process first looked (asks now if it never did).

    The CLI looks before it starts the compiling helper (:mod:`sensorkit._warmup`), which fills
    the cache within seconds: ``batch --workers`` starting a Dask cluster meanwhile then found
    the cache warm and never said that its workers were compiling.
    """
    return kernel_cache_is_cold() if _first_answer is None else _first_answer


def announce_compilation(stream: TextIO | None = None) -> None:
    """Print one line on ``stream`` (stderr) when Numba first compiles a kernel in this process.

    Imports Numba (call it only when :func:`kernel_cache_is_cold`). The line appears at
    the first real compilation (a cache miss), never for kernels loaded from the cache.
    """
    from numba.core import event

    class _FirstCompile(event.Listener):
        said = False

        def on_start(self, ev: event.Event) -> None:
            if not self.said:
                self.said = True
                say_compiling(stream)

        def on_end(self, ev: event.Event) -> None:
            pass

    event.register("numba:compile", _FirstCompile())


def say_compiling(stream: TextIO | None = None) -> None:
    """Print the first-run line on ``stream`` (stderr), once per process whoever asks.

    :func:`announce_compilation` calls it at this process's first compilation; ``batch``
    calls it before its local workers start, since they compile in their own processes,
    where this process's listener cannot see it.
    """
    global _said
    out = stream if stream is not None else sys.stderr
    if _said or out is None:  # stderr closed: say nothing (print(file=None) writes to stdout)
        return
    _said = True
    print(_COMPILING_MESSAGE, file=out, flush=True)


_said = False


def compiling_said() -> bool:
    """Whether this process has told the user that the kernels compile (line or spinner)."""
    return _said


def mark_compiling_said() -> None:
    """Record that the user was told another way (the analysing spinner's note), so the
    first-run line is not printed as well."""
    global _said
    _said = True


_COMPILING_MESSAGE = (
    "sensorkit: first run: compiling the analysis kernels for this machine "
    "(once, about 5-10 s; later runs load them from the cache)"
)
