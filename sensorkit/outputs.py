"""Output files that never destroy data: no silent replacing, no writing over an input, one writer.

Every writer of sensorkit (capture recorder, CSV and Parquet exporters, calibration files,
reports) checks its output here first:

* an existing file is replaced only when asked (``--force`` on the command line,
  ``overwrite=True`` in Python); otherwise :class:`~sensorkit.errors.OutputExistsError`
  with one message and the fix;
* an output that is also an input is refused even with ``--force``
  (:class:`~sensorkit.errors.SameFileError`): the same path, a hard link or a symlink to
  it all share ``(st_dev, st_ino)``, which is what is compared (``os.stat`` follows
  symlinks; ``os.path.samefile`` semantics);
* a file written in one go (CSV, Parquet, reports and figures, calibration, C3D, ``.mot``,
  cohort parts) is written under a temporary name next to it and
  renamed when complete (:func:`atomic_output`), so an error or a killed process half-way
  never leaves a truncated file under the final name nor destroys the file being replaced;
* a folder an output goes into must be writable, checked before any work
  (:func:`check_writable`, :class:`~sensorkit.errors.OutputNotWritableError` naming the
  option), and a command that fails half-way removes the outputs it had created
  (:func:`removed_on_failure`), never a file that was there before;
* a capture being written holds an exclusive, non-blocking ``flock`` on its file, so a
  second writer gets :class:`~sensorkit.errors.FileLockedError` at once instead of
  mixing its records into the first one's file. Platforms without ``fcntl`` (Windows)
  lock the first byte with ``msvcrt.locking``; where neither exists, the file is
  written unlocked and :func:`lock_exclusive` says so by returning False.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sensorkit.errors import (
    FileLockedError,
    OutputExistsError,
    OutputFolderError,
    OutputNotWritableError,
    SameFileError,
)

__all__ = [
    "atomic_output",
    "check_output",
    "check_writable",
    "input_files",
    "is_being_written",
    "lock_exclusive",
    "open_exclusive",
    "removed_on_failure",
    "same_file",
    "unique_path",
]

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

#: The one message of every refusal to replace a file, with the fix.
EXISTS_MESSAGE = "{path} exists; add --force to replace it (overwrite=True in Python) or choose another name"


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` are the same existing file (same path, hard link or symlink).

    Parameters
    ----------
    a, b : str or PathLike
        Paths; a path that does not exist is nobody's twin.
    """
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_output(
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike] = (),
    folder_made: bool = False,
) -> Path:
    """Refuse an output that would destroy data; return it as a Path.

    Parameters
    ----------
    path : str or PathLike
        The file about to be written.
    overwrite : bool
        Replace an existing file (``--force``).
    inputs : iterable of str or PathLike
        Files the same command reads; the output may not be any of them, even with
        ``overwrite``.
    folder_made : bool
        The writer creates the output's folder (``--png-dir``); otherwise it must exist.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SameFileError
        ``path`` is one of ``inputs`` (compared by device and inode).
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    OutputFolderError
        The folder of ``path`` does not exist (every command said it its own way, some with a
        bare ``[Errno 2]``).
    """
    out = Path(path)
    folder = out.parent
    if not folder_made and not folder.is_dir():
        raise OutputFolderError(
            f"cannot write {out}: "
            + (f"{folder} is a file, not a folder" if folder.exists() else f"folder {folder} does not exist"),
            hint="choose another output"
            if folder.exists()
            else "create the folder first, or choose another output",
            filename=str(out),
        )
    for src in inputs:
        if src is not None and same_file(out, src):
            raise SameFileError(
                f"{out}: the output is the input {src}; writing it would destroy what is being read",
                hint="write to another file",
            )
    if not overwrite and (out.exists() or out.is_symlink()):
        raise OutputExistsError(EXISTS_MESSAGE.format(path=out))
    return out


def check_writable(path: str | os.PathLike, *, what: str, folder: bool = False) -> None:
    """Refuse, before any work, an output whose folder cannot be written.

    Parameters
    ----------
    path : str or PathLike
        The file to be written, or with ``folder=True`` the folder to write into (created
        with its missing parents when absent, as ``--png-dir`` is).
    what : str
        What the output is, for the message: the option and its value (``"--png-dir ro/png"``).
    folder : bool
        ``path`` is a folder.

    Raises
    ------
    OutputNotWritableError
        The folder (or, for a folder to be made, its nearest existing parent) exists but
        cannot be written: permissions or a read-only file system.
    OutputFolderError
        A folder to be made where a file is, or a folder to write into that is a file.

    Examples
    --------
    >>> check_writable("/proc/x.csv", what="--steps /proc/x.csv")  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    sensorkit.errors.OutputNotWritableError: --steps /proc/x.csv: cannot write into folder /proc (permission denied or read-only)
    """
    target = Path(path)
    if folder:
        existing = target
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        verb = "cannot write into folder" if existing == target else f"cannot create {target} in folder"
    else:
        existing = target.parent
        verb = "cannot write into folder"
    existing = existing if str(existing) else Path(".")
    if existing.exists() and not existing.is_dir():
        raise OutputFolderError(
            f"{what}: {existing} is a file, not a folder", hint="choose another output", filename=str(target)
        )
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputNotWritableError(
            f"{what}: {verb} {existing} (permission denied or read-only)",
            hint="choose a folder you can write to",
            filename=str(target),
        )


@contextmanager
def removed_on_failure(paths: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Remove, when the block raises (an error or Ctrl-C), each of ``paths`` it created.

    A path that existed before the block is never removed, whatever happened to it; a folder
    is removed only when empty. So a command that fails after writing part of its outputs
    (the report, then not the figures) leaves nothing of that run behind, and its retry does
    not stop at "exists".

    Parameters
    ----------
    paths : iterable of str or PathLike
        Every file and folder the block may create (a folder's files before the folder need
        not be ordered: deeper paths go first).
    """
    planned = list(dict.fromkeys(Path(p) for p in paths))
    existed = {p for p in planned if p.exists() or p.is_symlink()}
    try:
        yield
    except BaseException:
        for p in sorted(planned, key=lambda q: len(q.absolute().parts), reverse=True):
            if p in existed:
                continue
            try:
                if p.is_dir() and not p.is_symlink():
                    p.rmdir()  # only an empty folder
                elif p.exists() or p.is_symlink():
                    p.unlink()
            except OSError:
                pass  # left as it is: the error that matters is the one being raised
        raise


@contextmanager
def atomic_output(path: str | os.PathLike, *, suffix: str = "") -> Iterator[Path]:
    """A new, empty temporary file next to ``path`` to write; renamed to ``path`` when the block ends.

    On an exception the temporary file is removed and ``path`` is left as it was (absent, or
    the file it held). The rename is ``os.replace`` within one folder (atomic on POSIX and
    Windows). An error or a killed process half-way therefore never leaves a partial file
    under ``path``; a power loss may (nothing is flushed to the disk here).

    - The temporary file is created exclusively (``O_EXCL``, a random name): two writers, two
      threads, or a link planted at its name cannot share or redirect it. A process killed
      half-way leaves it behind as ``.sensorkit-*.tmp``.
    - A file that is replaced keeps its permission bits; a new one gets the usual
      ``0o666`` less the umask.
    - A symbolic link is written through: its target is replaced and the link kept. A file
      with other hard links is replaced by a new file (the other names keep the old data).

    Parameters
    ----------
    path : str or PathLike
        The file to write.
    suffix : str
        Appended to the temporary name (``.sensorkit-<random>.tmp<suffix>``), for writers
        that insist on an extension (ezc3d adds ``.c3d`` to a name without it).

    Yields
    ------
    Path
        The temporary file, in the folder of ``path`` (or of its link target).
    """
    out = Path(path)
    if out.is_symlink():
        out = Path(os.path.realpath(out))
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder is there, not a file", str(out))
    while True:
        tmp = out.with_name(f".sensorkit-{secrets.token_hex(6)}.tmp{suffix}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        except OSError as exc:  # name the file asked for, not the temporary one
            raise type(exc)(exc.errno, exc.strerror, str(out)) from None
        break
    try:
        try:
            os.chmod(fd if os.chmod in os.supports_fd else tmp, stat.S_IMODE(os.stat(out).st_mode))
        except FileNotFoundError:
            pass  # a new file: the umask's permissions, from os.open
        finally:
            os.close(fd)
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def input_files(recording: object) -> list[str]:
    """The files a Recording was read from, as its metadata names them (``path``, ``source``)."""
    md = getattr(recording, "metadata", None) or {}
    return [str(v) for k in ("path", "source") if isinstance(v := md.get(k), (str, os.PathLike))]


def lock_exclusive(fd: int, path: str | os.PathLike) -> bool:
    """Take an exclusive, non-blocking lock on the open file ``fd`` (released when it is closed).

    Parameters
    ----------
    fd : int
        Descriptor of the file, open for writing.
    path : str or PathLike
        Its name, for the message.

    Returns
    -------
    bool
        True when locked; False on a platform without ``fcntl`` or ``msvcrt`` (unlocked).

    Raises
    ------
    FileLockedError
        Another process (or another open file description) holds the lock.
    """
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        if msvcrt is not None:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
    except OSError:
        raise FileLockedError(
            f"{path} is being written by another process (it holds the file's lock)",
            hint="stop the other recording, or record to another file",
        ) from None
    return False  # pragma: no cover


def is_being_written(path: str | os.PathLike) -> bool:
    """True when another open file description holds the writer's lock on ``path``
    (:func:`lock_exclusive`): a capture still being recorded.

    Tries a shared, non-blocking ``flock`` for an instant and releases it at once. False when
    the file is not locked, cannot be opened, or on a platform without ``fcntl``.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(os.fspath(path), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # (closing releases the shared lock)
    return False


def open_exclusive(path: str | os.PathLike, *, overwrite: bool = False, inputs: Iterable = ()) -> int:
    """Open ``path`` for writing with :func:`check_output`'s rules and an exclusive lock.

    Without ``overwrite`` the file is created with ``O_EXCL`` (a file that appears between
    the check and the open is not replaced either). With it, the file is locked *before*
    it is truncated, so a file another process is writing is never emptied.

    Returns
    -------
    int
        A descriptor open for writing, at offset 0 of an empty, locked file.

    Raises
    ------
    SameFileError, OutputExistsError, FileLockedError
        As in :func:`check_output` and :func:`lock_exclusive`.
    OSError
        The file cannot be created (missing folder, permissions).
    """
    path = check_output(path, overwrite=overwrite, inputs=inputs)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | (0 if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise OutputExistsError(EXISTS_MESSAGE.format(path=path)) from None
    try:
        lock_exclusive(fd, path)
        os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def unique_path(folder: str | os.PathLike, stem: str, suffix: str) -> Path:
    """A new file ``folder/stem{suffix}``, or ``stem-2``, ``stem-3``... if taken; created empty.

    Creating it (``O_EXCL``) reserves the name, so two calls in the same second never
    return the same file.
    """
    folder = Path(folder)
    k = 1
    while True:
        path = folder / (f"{stem}{suffix}" if k == 1 else f"{stem}-{k}{suffix}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return path
        except FileExistsError:
            k += 1
