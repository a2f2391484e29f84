"""The shape of one entry of the format table (see :mod:`sensorkit.io.formats`).

A file format is described by a :class:`FormatSpec`: its name, the file extensions it
usually has, a content check (``sniff``), a reader, an optional writer and the keyword
options its reader accepts. The dispatch follows MNE-Python's ``mne.io.read_raw``: the
extension picks the likely readers, the content check decides.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HEAD_BYTES", "FormatSpec", "head_text", "write_only"]

#: Bytes of a file's beginning handed to every ``sniff``.
HEAD_BYTES = 8192


@dataclass(frozen=True)
class FormatSpec:
    """One file format sensorkit reads (and perhaps writes).

    Parameters
    ----------
    name : str
        Format name users pass as ``format=`` (``"generic-csv"``, ``"pedar-asc"``, ...).
    extensions : tuple of str
        Usual file name endings, lower case with the dot (``(".asc",)``); a file with one
        of them is sniffed by this format before formats without a matching extension.
    sniff : callable
        ``sniff(path, head) -> bool`` with ``head`` the first :data:`HEAD_BYTES` bytes of the
        file: True when the content is this format. Must not raise.
    read : callable
        ``read(path, **options) -> Recording``.
    options : frozenset of str
        Keyword options ``read`` accepts (``"layout"``, ``"body_mass_kg"``, ...). An option a
        format does not take is an error naming the format, never silently ignored.
    write : callable, optional
        ``write(rec, path) -> Path`` for formats sensorkit writes.
    binary : bool
        True for binary formats (recognised by magic bytes); other formats are text.
    description : str
        One line for help texts and error hints.
    readable : bool
        False for formats sensorkit only writes (:func:`write_only`): hints about reading
        never offer them.
    """

    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[Path, bytes], bool]
    read: Callable[..., object]
    options: frozenset[str] = field(default_factory=frozenset)
    write: Callable[..., object] | None = None
    binary: bool = False
    description: str = ""
    readable: bool = True


def head_text(head: bytes) -> str:
    """The text of a file head for content checks: BOM removed, UTF-8 or else Latin-1.

    A head cut inside a multi-byte UTF-8 character still decodes (the cut character is
    dropped). Latin-1 maps every byte, so this never raises; readers report bad bytes
    with their line themselves.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="replace")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # cut inside the last character
            return head[: exc.start].decode("utf-8", errors="replace")
        return head.decode("latin-1")


def write_only(
    name: str,
    extensions: tuple[str, ...],
    write: Callable[..., object],
    *,
    what: str,
    binary: bool,
    description: str,
) -> FormatSpec:
    """The table entry of a format sensorkit writes but never reads (C3D, OpenSim ``.mot``).

    Its sniff never claims a file, and reading one is a
    :class:`~sensorkit.errors.FileFormatError` pointing to the recording it was made from.
    ``what`` names the files in that error ("C3D files").
    """

    def sniff(path: Path, head: bytes) -> bool:
        return False

    def read(path: str | Path, **options: object) -> object:
        from sensorkit.errors import FileFormatError

        raise FileFormatError(
            f"sensorkit writes {what} but does not read them",
            path=str(path),
            hint="read the recording this file was made from (CSV, Parquet, .skr keep everything)",
        )

    return FormatSpec(
        name=name, extensions=extensions, sniff=sniff, read=read, write=write, binary=binary,
        description=description, readable=False,
    )  # fmt: skip
