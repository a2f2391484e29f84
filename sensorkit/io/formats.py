"""The format table: one :class:`~sensorkit.io.spec.FormatSpec` per file format.

:func:`sensorkit.read` and :func:`detect_format` walk this table the way MNE-Python's
``read_raw`` walks its reader table: formats whose extensions match the file's name are
sniffed first, then the others, in table order (binary formats with magic bytes first,
permissive text formats last). **A new format is one module that defines a
``FORMAT = FormatSpec(...)`` and one line in** :data:`FORMAT_TABLE`; code outside
sensorkit can add one at run time with :func:`register_format`.
"""

from __future__ import annotations

from pathlib import Path

from sensorkit.errors import FileFormatError
from sensorkit.io import (
    c3d,
    capture,
    csv_generic,
    esp32,
    fscan,
    moticon,
    opensim,
    parquet,
    pedar,
    physionet,
    xdf,
)
from sensorkit.io.spec import HEAD_BYTES, FormatSpec

__all__ = [
    "CLI_OPTIONS",
    "FORMAT_TABLE",
    "FormatSpec",
    "detect_format",
    "format_spec",
    "option_names",
    "register_format",
]

# Capture files (.skr) belong to the capture writer's module; their entry lives here so
# that module stays as it is.
_CAPTURE = FormatSpec(
    name="capture",
    extensions=(".skr",),
    sniff=capture.looks_like_capture,
    read=capture.read_capture,
    options=frozenset({"layout", "body_mass_kg", "calibration"}),
    binary=True,
    description="sensorkit raw capture (.skr)",
)

#: Every format :func:`sensorkit.read` knows, in sniffing order.
FORMAT_TABLE: list[FormatSpec] = [
    _CAPTURE,
    parquet.FORMAT,
    physionet.FORMAT,
    moticon.FORMAT,
    pedar.FORMAT,
    fscan.FORMAT,
    esp32.FORMAT,
    xdf.FORMAT,
    c3d.FORMAT,  # written only
    opensim.FORMAT,  # written only
    csv_generic.FORMAT,  # last: it claims any file that starts with '#' lines
]


def register_format(spec: FormatSpec, *, before: str | None = None) -> None:
    """Add a format to the table (replacing one of the same name).

    Parameters
    ----------
    spec : FormatSpec
    before : str, optional
        Sniff it before this format (default: before ``generic-csv``, the catch-all).
    """
    names = [s.name for s in FORMAT_TABLE]
    if spec.name in names:
        FORMAT_TABLE[names.index(spec.name)] = spec
        return
    anchor = before or "generic-csv"
    pos = names.index(anchor) if anchor in names else len(FORMAT_TABLE)
    FORMAT_TABLE.insert(pos, spec)


#: The command-line option of each :func:`sensorkit.read` argument, so that a hint can name
#: both (``sensorkit.cli.read_options`` and the verbs define them).
CLI_OPTIONS = {
    "format": "--from",
    "layout": "--layout",
    "body_mass_kg": "--mass",
    "calibration": "--calibration",
    "sep": "--sep",
    "decimal": "--decimal",
    "encoding": "--encoding",
    "time_unit": "--time-unit",
    "master_side": "--master-side",
}


def option_names(names) -> str:
    """``"body_mass_kg (--mass), layout (--layout)"``: read arguments with their command-line option."""
    return ", ".join(f"{n} ({CLI_OPTIONS[n]})" if n in CLI_OPTIONS else n for n in sorted(names))


def format_spec(name: str) -> FormatSpec:
    """The table entry called ``name``.

    Raises
    ------
    FileFormatError
        Unknown name (the message lists the known ones).
    """
    for spec in FORMAT_TABLE:
        if spec.name == name:
            return spec
    raise FileFormatError(
        f"unknown format {name!r}", hint=f"known formats: {', '.join(s.name for s in FORMAT_TABLE)}"
    )


def _candidates(path: Path) -> list[FormatSpec]:
    name = path.name.lower()
    by_ext = [s for s in FORMAT_TABLE if any(name.endswith(e) for e in s.extensions)]
    return by_ext + [s for s in FORMAT_TABLE if s not in by_ext]


def _has_extension(path: Path, spec: FormatSpec) -> bool:
    return any(path.name.lower().endswith(e) for e in spec.extensions)


def detect_format(path: str | Path) -> str:
    """Name of the format of ``path`` (a :data:`FORMAT_TABLE` entry), from its name and first bytes.

    Raises
    ------
    FileFormatError
        When the file is missing, a folder, empty, binary or of no known format, or of a format
        sensorkit only writes (C3D, OpenSim ``.mot``).
    """
    path = Path(path)
    if path.is_dir():
        raise FileFormatError(
            "a folder, not a recording",
            path=str(path),
            hint="`sensorkit batch FOLDER -o OUT` analyses every recording in a folder (docs/cohorts.md)",
        )
    if not path.is_file():
        raise FileFormatError("no such file", path=str(path))
    first = _candidates(path)[0]
    if not first.readable and _has_extension(path, first):  # sensorkit's own C3D or .mot output
        first.read(path)  # raises what the format says ("sensorkit writes C3D files but does not read them")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise FileFormatError("the file is empty", path=str(path))
    binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    for spec in _candidates(path):
        if spec.binary != binary and not spec.binary:
            continue
        if spec.sniff(path, head):
            return spec.name
    known = ", ".join(s.name for s in FORMAT_TABLE if s.readable)  # not the ones sensorkit only writes
    if binary:
        raise FileFormatError(
            "binary file of no known format",
            path=str(path),
            hint=f"if it is one of sensorkit's formats, pass format= (--from on the command line): {known}",
        )
    raise FileFormatError(
        "cannot tell the file format",
        path=str(path),
        hint="generic CSV starts with '# key: value' lines or a 'time,L1,...' header; "
        f"pass format= (--from on the command line), one of: {known}",
    )
