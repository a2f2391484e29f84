"""Options of every verb that reads a recording file: ``--layout``, ``--from``, the CSV dialect
options and ``--master-side``.

``--layout NAME|FILE`` (a built-in layout name or a layout JSON file) for files that carry no
layout or to replace theirs; ``--from FORMAT`` for a file whose format is not recognised
(``sensorkit.read(path, format=...)``); ``--sep``, ``--decimal``, ``--encoding``,
``--time-unit`` for CSVs as people save them; ``--master-side right|left`` for an ESP32
SD-card log whose master board is on that foot (``sensorkit.read(path, master_side=...)``).
Options a file's format does not take are an error naming the format. The library's hints name these options
(:data:`sensorkit.io.formats.CLI_OPTIONS`).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_read_options", "read_kwargs"]


def add_read_options(
    p: argparse.ArgumentParser, *, layout: bool = True, input_format: bool = True, esp32: bool = True
) -> None:
    """Add ``--layout`` (unless the verb has one), ``--from`` (unless ``input_format`` is False),
    the CSV dialect options and (unless ``esp32`` is False) ``--master-side`` to ``p``."""
    if layout:
        p.add_argument(
            "--layout",
            metavar="NAME|FILE",
            help="sensor layout: a built-in name (sensorkit.builtin_layouts()) or a layout JSON file, "
            "for files that name none (or to replace theirs)",
        )
    if input_format:
        p.add_argument(
            "--from",
            dest="input_format",
            metavar="FORMAT",
            help="read the file as this format, e.g. generic-csv, parquet, moticon-opengo "
            "(default: recognised from its content)",
        )
    g = p.add_argument_group("CSV input")
    g.add_argument("--sep", metavar="CHAR", help="CSV field separator (default: sniffed: , ; or tab)")
    g.add_argument("--decimal", choices=[".", ","], help="CSV decimal mark (default: sniffed)")
    g.add_argument("--encoding", metavar="NAME", help="CSV text encoding, e.g. latin-1 (default: UTF-8)")
    g.add_argument(
        "--time-unit", choices=["s", "ms", "us"], help="unit of a CSV's plain 'time' column (default: s)"
    )
    if esp32:
        e = p.add_argument_group("ESP32 SD-card log")
        e.add_argument(
            "--master-side",
            choices=["right", "left"],
            help="foot of the master board that wrote a COMBO_LOG file (its build's SIDE_RIGHT/SIDE_LEFT; "
            "default: right, the logger's design)",
        )


def read_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`sensorkit.read` from the parsed options (unset ones left out)."""
    sep = getattr(args, "sep", None)
    if sep in ("\\t", "tab"):
        sep = "\t"
    given = {
        "format": getattr(args, "input_format", None),
        "layout": getattr(args, "layout", None),
        "calibration": getattr(args, "calibration", None),
        "sep": sep,
        "decimal": getattr(args, "decimal", None),
        "encoding": getattr(args, "encoding", None),
        "time_unit": getattr(args, "time_unit", None),
        "master_side": getattr(args, "master_side", None),
    }
    return {k: v for k, v in given.items() if v is not None}
