"""Which files a result was computed from: path, size, modification time and SHA-256.

A steps table or an analysis JSON written without naming its input cannot be traced back to
a recording once files are renamed or copied; the SHA-256 of the bytes identifies the
recording wherever it goes (FIPS 180-4). Hashing reads the file once more: about 1.6 GB/s here
(OpenSSL with the SHA extensions, ``hashlib.file_digest``), 0.25 s for an hour of 2 x 16
sensors at 1 kHz in Parquet.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import Any

__all__ = ["file_identity"]


def file_identity(path: str | os.PathLike) -> dict[str, Any]:
    """The identity of one input file.

    Parameters
    ----------
    path : str or PathLike
        The file.

    Returns
    -------
    dict
        ``name`` (the file name, never its folder: a path can itself identify a patient, as
        :mod:`sensorkit.report.identity` says), ``bytes``, ``modified_utc`` (ISO 8601) and
        ``sha256`` (hex digest of the whole file, which identifies it wherever it goes).

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    p = Path(path)
    st = p.stat()
    with p.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    modified = _dt.datetime.fromtimestamp(st.st_mtime, tz=_dt.timezone.utc)
    return {
        "name": p.name,
        "bytes": int(st.st_size),
        "modified_utc": modified.isoformat(timespec="seconds"),
        "sha256": digest,
    }
