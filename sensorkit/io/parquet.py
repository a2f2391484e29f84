"""Parquet recordings: columnar, compressed, lossless (needs ``pyarrow``: ``pip install 'sensorkit[parquet]'``).

Columns: ``time_s`` (float64, s), then one float32 column per sensor, ``L_<name>`` and
``R_<name>``, in the layout's units; frames a side did not deliver are NaN. The file's
key-value metadata holds, under the key ``sensorkit``, a JSON object (schema
``sensorkit.recording/1``) with everything else a :class:`~sensorkit.recording.Recording`
carries: the full layout of each side (so custom layouts survive), units, nominal rate,
body mass, the gap table (with reasons), the events (``[time_s, label, source]``) and the
JSON-serialisable metadata. Reading a file
written here gives back the same arrays, bit for bit, and the same gaps.

Every data page carries a CRC-32 (Parquet's page checksum, written since 2026-12-01), and
so does the sensorkit header in the footer (:data:`METADATA_CRC_KEY`); the reader verifies
both. A page whose bytes were damaged on disk or in a copy is a
:class:`~sensorkit.errors.FileFormatError` naming its row group, where four of twenty files
with a few bytes changed used to read as other values (32.5 kPa as 6.1e-36); a damaged header
is one too, where one flipped bit made a pedar sensor's area 194 -> 19 420 mm2. Files written
before, or by tools that write no checksums, are read unverified; since 2026-12-02 the
header also names the key of its checksum (``header_crc32_key``), so a footer that lost that
key is refused as damaged rather than read as an older file.

>>> import sensorkit as sk
>>> rec = sk.simulate(duration_s=5, seed=1)
>>> write_parquet(rec, "run.parquet")           # doctest: +SKIP
>>> read_parquet("run.parquet").left.dtype      # doctest: +SKIP
dtype('float32')
"""

from __future__ import annotations

import json
import math
import threading
import warnings
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, FileFormatError, SensorkitError, printable
from sensorkit.io.outputs import atomic_output, check_output, input_files
from sensorkit.io.spec import FormatSpec
from sensorkit.io.validate import check_seconds, declared_gaps, declared_rate, median_step_s, parquet_header
from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording, ScannedValues, join_scans, scan_flagged

__all__ = [
    "FORMAT",
    "METADATA_CRC_KEY",
    "METADATA_KEY",
    "PARQUET_MAGIC",
    "SCHEMA",
    "looks_like_parquet",
    "read_parquet",
    "write_parquet",
]

PARQUET_MAGIC = b"PAR1"
METADATA_KEY = b"sensorkit"
#: The header's CRC-32 (decimal text), beside it: Parquet's page checksums cover the data pages
#: only, not the footer that holds the header (the layout with its sensor areas, gaps, events).
METADATA_CRC_KEY = b"sensorkit.crc32"
SCHEMA = "sensorkit.recording/1"
_ROW_GROUP_FRAMES = 262_144  # ~17 MB per row group at 16 + 16 float32 sensors
_INSTALL_HINT = "install it with: pip install 'sensorkit[parquet]' (or pip install pyarrow)"


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SensorkitError(
            "Parquet files need the pyarrow package, which is not installed", hint=_INSTALL_HINT
        ) from None
    return pa, pq


def looks_like_parquet(path: str | Path, head_bytes: bytes) -> bool:
    """True when ``head_bytes`` (the first bytes of ``path``) start with the Parquet magic ``PAR1``.

    Examples
    --------
    >>> looks_like_parquet("x.parquet", b"PAR1\\x15\\x04")
    True
    """
    return bytes(head_bytes[:4]) == PARQUET_MAGIC


def _jsonable_metadata(metadata: dict) -> tuple[dict, list[str]]:
    """The metadata entries that survive JSON, and the names of those that do not."""
    kept, dropped = {}, []
    for key, value in metadata.items():
        if key in ("body_mass_kg", "rate_hz"):
            continue
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            dropped.append(str(key))
            continue
        kept[str(key)] = value
    return kept, dropped


def _header(rec: Recording) -> dict[str, Any]:
    from sensorkit import __version__

    extra, dropped = _jsonable_metadata(rec.metadata)
    right = rec.layout_right.for_side("left").to_dict()
    gaps = [
        {
            "start_s": float(g["start_s"]),
            "end_s": float(g["end_s"]),
            "side": str(g["side"]),
            "n_missing": int(g["n_missing"]),
            "reason": str(g["reason"]),
        }
        for g in rec.gaps.to_dict(orient="records")
    ]
    return {
        "schema": SCHEMA,
        "layout": rec.layout.name,
        "layout_spec": rec.layout.to_dict(),
        "layout_right_spec": None if right == rec.layout.to_dict() else right,
        "units": rec.units,
        "rate_hz": rec.rate_hz,
        "body_mass_kg": rec.body_mass_kg,
        "sides": list(rec.sides),
        "gaps": gaps,
        "events": [[float(t), str(lab), str(src)] for t, lab, src in rec.events.itertuples(index=False)],
        "metadata": extra,
        "metadata_not_stored": dropped,
        "sensorkit_version": __version__,
        # where the header's own CRC-32 is: a footer that lost that key (one flipped bit in its
        # name) is refused as damaged instead of read unverified like a file written before it
        "header_crc32_key": METADATA_CRC_KEY.decode(),
    }


def write_parquet(
    rec: Recording,
    path: str | Path,
    *,
    compression: str = "lz4",
    row_group_frames: int = _ROW_GROUP_FRAMES,
    on_progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``rec`` as a Parquet file (lossless; see the module docstring for the layout).

    Parameters
    ----------
    rec : Recording
    path : str or Path
        The file (an existing one only with ``overwrite=True``).
    compression : str
        Parquet codec: ``"lz4"`` (default, fast to read), ``"zstd"`` (about 10 %
        smaller, 5x slower to read), ``"snappy"``, ``"gzip"`` or ``"none"``. Whatever the
        codec, columns are written without dictionary encoding and with the
        ``BYTE_STREAM_SPLIT`` encoding (Parquet format 2.8), which groups the bytes of each
        float by significance: sensor floats rarely repeat, so a dictionary made files
        larger than the raw arrays (1.38x) and slower to read, while byte-stream split
        lets the codec find the repeated exponent bytes (issue 17: 0.83x the raw size with
        lz4 on noisy 1 kHz data).
    row_group_frames : int
        Frames per row group; also the progress granularity.
    on_progress : callable, optional
        Called as ``on_progress(frames_written, n_frames)`` after each row group.
    overwrite : bool
        Replace an existing file (default: :class:`~sensorkit.errors.OutputExistsError`).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    SensorkitError
        When pyarrow is not installed, or older than 17 (with the install hint).

    Examples
    --------
    >>> import sensorkit as sk
    >>> write_parquet(sk.simulate(duration_s=5, seed=1), "run.parquet")  # doctest: +SKIP
    PosixPath('run.parquet')
    """
    pa, pq = _pyarrow()
    if not hasattr(pq.ParquetWriter, "add_key_value_metadata"):  # before any data is written
        raise SensorkitError(
            f"writing Parquet needs pyarrow 17 or newer (this is {pa.__version__})",
            hint="upgrade it with: pip install -U 'pyarrow>=17'",
        )
    path = check_output(path, overwrite=overwrite, inputs=input_files(rec))
    names = ["time_s"]
    columns: list[np.ndarray] = [rec.time]
    for side, prefix in (("left", "L_"), ("right", "R_")):
        values = getattr(rec, side)
        if values is None:
            continue
        for j, name in enumerate(rec.layout_for(side).sensor_names):
            names.append(prefix + name)
            columns.append(values[:, j])
    fields = [pa.field(n, pa.float64() if n == "time_s" else pa.float32(), nullable=False) for n in names]
    head = _header(rec)
    if head["metadata_not_stored"]:  # said, not silently dropped (Moticon's own force and COP)
        warnings.warn(
            f"{path}: metadata not stored in Parquet (not JSON): {', '.join(head['metadata_not_stored'])}; "
            "the sensor values, gaps, events and layout are stored",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    header = json.dumps(head, allow_nan=False, separators=(",", ":"))
    raw_header = header.encode("utf-8")
    schema = pa.schema(fields)
    n = rec.n_frames
    step = max(int(row_group_frames), 1)
    with (
        atomic_output(path) as tmp,  # complete or absent: never a file without its footer
        _open_writer(tmp, schema, raw_header, compression) as writer,
    ):
        for lo in range(0, n, step):
            hi = min(lo + step, n)
            batch = pa.record_batch(
                [pa.array(np.ascontiguousarray(c[lo:hi])) for c in columns], schema=schema
            )
            writer.write_batch(batch, row_group_size=hi - lo)
            if on_progress is not None:
                on_progress(hi, n)
    return path


def _open_writer(where: str | Path, schema, raw_header: bytes, compression: str = "lz4"):
    """A ``pyarrow.parquet.ParquetWriter`` writing ``where`` as :func:`write_parquet` writes
    (its encodings, page checksums), with ``raw_header`` (the sensorkit JSON, UTF-8) and its
    CRC-32 as the file's key-value metadata; the caller writes the row groups and closes it.
    """
    _, pq = _pyarrow()
    writer = pq.ParquetWriter(
        str(where),
        schema,
        compression=compression,
        use_dictionary=False,
        use_byte_stream_split=True,
        write_page_checksum=True,  # read back verified: a damaged page is an error, not new values
        # no serialised Arrow schema (ARROW:schema): the columns' Parquet types say all of it
        # for float32 and float64, and it held a base64 copy of the header (0.8 MB of
        # footer for 1 h at 1 % loss, decoded at every look at the schema: 2.3 ms each)
        store_schema=False,
    )
    # the header as the file's key-value metadata (Arrow shows it as the schema's metadata)
    writer.add_key_value_metadata(
        {METADATA_KEY: raw_header, METADATA_CRC_KEY: str(zlib.crc32(raw_header)).encode()}
    )
    return writer


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def read_parquet(
    path: str | Path,
    *,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
) -> Recording:
    """Read a Parquet recording written by :func:`write_parquet` (or any table with the same columns).

    Parameters
    ----------
    path : str or Path
        The file.
    layout : SensorLayout or str, optional
        Overrides the layout stored in the file (required for files without sensorkit metadata).
    body_mass_kg : float, optional
        Overrides the stored body mass (kg).

    Returns
    -------
    Recording
        Same arrays, layout, units, rate, body mass and gaps as the recording written.

    Raises
    ------
    FileFormatError
        Not a Parquet file, unknown schema, missing or unexpected columns, row counts that
        cannot be (negative, or not adding up), damaged pages or header.
    SensorkitError
        When pyarrow is not installed, or the arrays do not fit in memory (naming the size).
    """
    pa, pq = _pyarrow()
    path = Path(path)
    try:
        # one open file for every reader and thread: replacing the path meanwhile changes nothing
        source = pa.OSFile(str(path))
    except (pa.ArrowException, OSError) as exc:
        raise FileFormatError(f"not a readable Parquet file ({exc})", path=str(path)) from None
    with source:
        try:
            pf = pq.ParquetFile(source, page_checksum_verification=True)
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # (a damaged column name)
            raise FileFormatError(f"not a readable Parquet file ({exc})", path=str(path)) from None
        return _read_open(pf, source, path, layout, body_mass_kg)


def _read_open(
    pf, source, path: Path, layout: SensorLayout | str | None, body_mass_kg: float | None
) -> Recording:
    """:func:`read_parquet` once the file is open. Errors come in this order: the header, the
    layouts, the columns (names, then types), the columns against the layouts, the row
    counts, the values; decoding starts before the header is checked when the columns allow."""
    pa, _ = _pyarrow()
    # looked at once: Arrow builds it anew at each access, and for a file written before
    # 2026-12-02 that decodes a base64 Arrow schema
    schema = pf.schema_arrow
    names = list(schema.names)
    columns = {
        side: [c for c in names if c.startswith(prefix)] for side, prefix in (("left", "L_"), ("right", "R_"))
    }
    wrong = _column_error(schema, path, pa)
    decoder = None
    if wrong is None:
        rows, count_error = _row_counts(pf, path)  # raised in its turn, by the decoder
        n = sum(rows) if count_error is None else 0  # a damaged count allocates nothing
        try:
            time = np.empty(n, dtype=np.float64)
            # column-major: each row group's column is one contiguous copy (no interleaving)
            sides = {
                s: np.empty((n, len(c)), dtype=np.float32, order="F") if c else None
                for s, c in columns.items()
            }
        except (MemoryError, ValueError):  # (ValueError: beyond any address space)
            raise SensorkitError(
                f"{path}: reading its {n} frames needs {n * (8 + 4 * len(names[1:])) / 1e9:.3g} GB "
                "of memory, more than this machine could allocate",
                hint="read it on a machine with more memory (or its row groups one at a time with "
                "pyarrow.parquet.ParquetFile(path).read_row_group(k))",
            ) from None
        position = {c: k for k, c in enumerate(names)}
        targets = [  # array <- columns (by position)
            _Target(sides[s], [position[c] for c in columns[s]]) for s in sides if columns[s]
        ]
        decoder = _GroupDecoder(path, source, pf, names, targets, rows, count_error)  # threads from here on
    try:
        stored = schema.metadata or {}
        raw = stored.get(METADATA_KEY)
        header: dict[str, Any] = {}
        if raw is not None:
            _check_header_crc(raw, stored.get(METADATA_CRC_KEY), path)
            header = parquet_header(raw, str(path))  # types, ranges and depth checked (io/validate.py)
            _check_crc_was_found(header, stored, path)
            if header.get("schema") != SCHEMA:
                raise FileFormatError(
                    f"unknown sensorkit schema {header.get('schema')!r} (this version reads {SCHEMA!r})",
                    path=str(path),
                    hint="upgrade sensorkit",
                )
        lay_left, lay_right = _layouts(header, layout, path)
        if wrong is not None:
            raise wrong
        order = {
            side: _sensor_order(columns[side], [prefix + s for s in lay.sensor_names], side, lay.name, path)
            for side, prefix, lay in (("left", "L_", lay_left), ("right", "R_", lay_right))
        }
        # the time column here, while the threads decode the sensors; errors in row-group order
        failed = decoder.fill_here(time, names[0])
        step = median_step_s(time) if failed is None and decoder.error is None else 0.0
        scans = iter(decoder.result(failed))
    finally:
        if decoder is not None:
            decoder.close()
    values: dict[str, Any] = {s: next(scans) if columns[s] else None for s in sides}
    for side, perm in order.items():
        if perm is not None:  # columns in another order than the layout's sensors: matched by name
            values[side] = values[side].values[:, perm]  # scanned again, with the layout's sensor numbers
    extra = dict(header.get("metadata") or {})
    extra.update(source=str(path), format="parquet")
    if header.get("metadata_not_stored"):  # what the writer could not keep, so a reader knows
        extra["metadata_not_stored"] = list(header["metadata_not_stored"])
    mass = body_mass_kg if body_mass_kg is not None else _float_or_none(header.get("body_mass_kg"))
    check_seconds(step, path, column=names[0], hint="the time_s column must be in seconds: divide it by 1000")
    rate = declared_rate(_float_or_none(header.get("rate_hz")), step, path, field="rate_hz")
    try:
        return Recording.from_arrays(
            time,
            values["left"],
            values["right"],
            layout=lay_left,
            layout_right=lay_right,
            units=header.get("units"),
            body_mass_kg=mass,
            metadata=extra,
            gaps=declared_gaps(header.get("gaps"), time, rate, path, field="gaps") or None,
            rate_hz=rate,
            events=[{"time_s": t, "label": lab, "source": src} for t, lab, src in header.get("events") or []],
        )
    except FileFormatError:
        raise  # already names the file
    except ValueError as exc:
        raise FileFormatError(str(exc), path=str(path)) from None


def _check_header_crc(raw: bytes, crc: bytes | None, path: Path) -> None:
    """Refuse a header whose CRC-32 (:data:`METADATA_CRC_KEY`) disagrees with it; a file
    written before 2026-12-01, or by another tool, has none and is read unverified.

    Raises
    ------
    FileFormatError
        The header or its checksum was damaged.
    """
    if crc is None:
        return
    if crc != str(zlib.crc32(raw)).encode():
        raise FileFormatError(
            "the sensorkit metadata (layout, gaps, events) is damaged: its CRC-32 does not match",
            path=str(path),
            hint="the file is damaged (a truncated copy or bad storage); read it from a good copy",
        )


def _check_crc_was_found(header: dict[str, Any], stored: dict[bytes, bytes], path: Path) -> None:
    """Refuse a header that says where its CRC-32 is kept (``header_crc32_key``, written since
    2026-12-02) when that key is not among the file's metadata: the footer was damaged (a
    flipped bit in the key's name), so the header could not be verified.

    Raises
    ------
    FileFormatError
        The checksum's key is missing, naming it and the keys found instead.
    """
    key = header.get("header_crc32_key")
    if key is None or key.encode("utf-8") in stored:
        return
    others = sorted(printable(k.decode("utf-8", "replace")[:40]) for k in stored if k != METADATA_KEY)[:5]
    raise FileFormatError(
        f"the sensorkit metadata (layout, gaps, events) cannot be verified: its CRC-32 under the key "
        f"{printable(key)!r} is missing (other keys: {', '.join(map(repr, others)) or 'none'})",
        path=str(path),
        hint="the file's footer is damaged (bad storage or a faulty copy): read it from a good copy. "
        "A header edited by hand must store its new CRC-32 under that key, or drop 'header_crc32_key'",
    )


def _sensor_order(
    got: list[str], expected: list[str], side: str, layout: str, path: Path
) -> list[int] | None:
    """Where each of the layout's sensor columns is among ``got``: None when in the layout's order.

    Raises
    ------
    FileFormatError
        Columns missing or not of the layout, named.
    """
    if not got or got == expected:
        return None
    place = {c: k for k, c in enumerate(got)}
    known = set(expected)
    missing = [c for c in expected if c not in place]
    foreign = [c for c in got if c not in known]
    if missing or foreign:
        said = []
        if missing:
            said.append(f"no column {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
        if foreign:
            said.append(f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''} not of this layout")
        raise FileFormatError(
            f"{side} columns do not match layout {layout!r}: {'; '.join(said)} "
            f"({len(got)} columns, {len(expected)} sensors)",
            path=str(path),
            hint="a column dropped or renamed after writing?"
            if len(foreign) < len(got)
            else "pass layout= the insole's layout (--layout on the command line)",
        )
    return [place[c] for c in expected]


def _column_error(schema, path: Path, pa) -> FileFormatError | None:
    """The first problem of the columns (time first, then L_/R_ sensors, each name once, all
    numeric), or None."""
    names = list(schema.names)
    if not names or names[0] not in ("time_s", "time"):
        return FileFormatError("the first column must be 'time_s' (seconds)", path=str(path), column=1)
    seen: set[str] = set()
    for name in names:
        if name in seen:  # columns are decoded by name
            return FileFormatError(f"column {name!r} appears twice", path=str(path), column=name)
        seen.add(name)
    unknown = [n for n in names[1:] if not n.startswith(("L_", "R_"))]
    if unknown:
        return FileFormatError(
            f"column {unknown[0]!r} is neither a left (L_) nor a right (R_) sensor",
            path=str(path),
            column=unknown[0],
        )
    for field in schema:
        if not (pa.types.is_floating(field.type) or pa.types.is_integer(field.type)):
            return FileFormatError(
                f"column {field.name!r} holds {field.type}, not numbers", path=str(path), column=field.name
            )
    return None


class _Target(NamedTuple):
    """A side's output array, shape (n, S) column-major, and the file's column positions
    that fill it (its values are checked for NaN frames and infinities as they are copied)."""

    array: np.ndarray
    positions: list[int]


class _GroupDecoder:
    """Decode a file's row groups straight into preallocated arrays, two at a time in threads.

    Each thread decodes one row group (its own reader on the one open file, whose positional
    reads are thread-safe, and on the parsed footer), copies each sensor column into rows
    ``lo:hi`` of its side's column-major (n, S) array (one contiguous copy per column: a
    row-major array needs the columns interleaved, which cost as much as decoding them), and
    checks each column for NaN and infinities as it is copied
    (:func:`~sensorkit.recording.scan_flagged`), so :meth:`Recording.from_arrays` needs no
    second pass. Decoding, copying and scanning
    release the GIL, so two row groups are worked on at once while the calling thread checks
    the JSON header and decodes and checks the time column (:meth:`fill_here`). Measured
    figures: docs/performance.md, "Goal 2: day-long sessions (Parquet)".

    Peak memory is the arrays plus the two row groups being worked on: no whole-file table
    and no ``column_stack`` copy of it (reading once peaked at 3.6x the raw data). A file of
    one row group is decoded in the calling thread when :meth:`result` is called. Nulls
    (other writers) become NaN, which :meth:`Recording.from_arrays` treats as missing frames.
    """

    THREADS = 2

    def __init__(
        self,
        path: Path,
        source,
        pf,
        names: list[str],
        targets: list[_Target],
        rows: list[int],
        count_error: FileFormatError | None,
    ) -> None:
        self.path, self.source, self.pf, self.targets = path, source, pf, targets
        self.pa, self.pq = _pyarrow()
        self.rows = rows  # per row group (:func:`_row_counts`)
        self.starts = np.concatenate([[0], np.cumsum(rows)]).astype(int).tolist()
        self.local = threading.local()
        # the threads' columns, by name (``names``: the file's columns, each once: _column_error)
        wanted = sorted({k for t in targets for k in t.positions})
        self.wanted_names = [names[k] for k in wanted]
        self.wanted_at = {k: j for j, k in enumerate(wanted)}
        self.pool = None
        self.futures: list = []
        self.error = count_error  # raised by result(), after the header's errors
        if count_error is None and len(rows) > 1:
            self.pool = ThreadPoolExecutor(max_workers=min(self.THREADS, len(rows)))
            self.futures = [self.pool.submit(self._group, g) for g in range(len(rows))]

    def result(self, failed_here: tuple[int, FileFormatError] | None = None) -> list[ScannedValues]:
        """Wait for every row group; per target, its joined scan.

        Parameters
        ----------
        failed_here : (int, FileFormatError), optional
            The row group where :meth:`fill_here` failed, and its error: raised in row-group
            order with the threads' errors (the first damaged row group is the one named).

        Raises
        ------
        FileFormatError
            Row counts that disagree with the file's metadata; the first row group that
            cannot be decoded.
        """
        if self.error is not None:
            raise self.error
        per_group = []
        for g in range(len(self.rows)):
            if failed_here is not None and g == failed_here[0]:
                raise failed_here[1]
            per_group.append(self._group(g, self.pf) if self.pool is None else self.futures[g].result())
        return [join_scans(t.array, [scans[k] for scans in per_group]) for k, t in enumerate(self.targets)]

    def close(self) -> None:
        """Stop: row groups not started are dropped, running ones are waited for; the readers
        and futures are let go (a future's exception would otherwise keep them alive)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.futures, self.local, self.error = [], threading.local(), None

    def fill_here(self, dst: np.ndarray, column: str) -> tuple[int, FileFormatError] | None:
        """Decode one column of every row group into ``dst`` (n,) in the calling thread (the
        time column, while the threads decode the sensors).

        Returns
        -------
        (int, FileFormatError) or None
            The first row group that could not be decoded and why (for :meth:`result`, which
            raises it in row-group order), or None. Nothing is decoded when the row counts
            are wrong (:meth:`result` raises that): check :attr:`error` before using ``dst``.
        """
        if self.error is not None:
            return None
        for g in range(len(self.rows)):
            try:
                group = self._decode(g, self.pf, [column])
            except FileFormatError as exc:
                return g, exc
            dst[self.starts[g] : self.starts[g + 1]] = _numpy_column(group.column(0))
        return None

    def _decode(self, g: int, reader, columns: list[str] | None = None):
        """Row group ``g`` (its ``columns``, default all) as an Arrow table, rows checked."""
        lo, hi = self.starts[g], self.starts[g + 1]
        try:
            group = reader.read_row_group(g, columns=columns, use_threads=False)
        except (self.pa.ArrowException, OSError) as exc:  # a damaged page: name where, keep Arrow's reason
            reason = printable(" ".join(str(exc).split()))  # Arrow quotes the damaged bytes
            raise FileFormatError(
                f"row group {g} (frames {lo}-{hi - 1}) cannot be decoded: {reason}",
                path=str(self.path),
                hint="the file is damaged (a truncated copy or bad storage); the row groups before "
                "it can still be read with pyarrow.parquet.ParquetFile(path).read_row_group(k)",
            ) from None
        if group.num_rows != hi - lo:
            raise FileFormatError(
                f"row group {g} holds {group.num_rows} rows, its metadata says {hi - lo}", path=str(self.path)
            )
        return group

    def _group(self, g: int, reader=None) -> list[ScannedValues]:
        if reader is None:
            reader = getattr(self.local, "reader", None)
            if reader is None:  # one reader per thread: the open file and its parsed footer
                reader = self.local.reader = self.pq.ParquetFile(
                    self.source, metadata=self.pf.metadata, page_checksum_verification=True
                )
        if not self.targets:  # no sensor columns: from_arrays says so
            return []
        lo, hi = self.starts[g], self.starts[g + 1]
        group = self._decode(g, reader, self.wanted_names)
        at = self.wanted_at
        out: list[ScannedValues] = []
        finite = np.empty(hi - lo, dtype=bool)
        all_finite = np.empty(hi - lo, dtype=bool)
        for dst, positions in self.targets:
            all_finite[:] = True
            for k, position in enumerate(positions):  # (n, S) column-major: one contiguous copy each
                column = dst[lo:hi, k]  # contiguous
                column[...] = _numpy_column(group.column(at[position]))
                # checked as stored (a float64 1e39 is inf in float32), while in cache
                np.logical_and(all_finite, np.isfinite(column, out=finite), out=all_finite)
            out.append(scan_flagged(dst[lo:hi], all_finite, offset=lo))
        return out


def _row_counts(pf, path: Path) -> tuple[list[int], FileFormatError | None]:
    """The rows of each row group, and the error of counts that cannot be (negative, or not
    adding up to the rows the file declares), checked before anything is allocated for them."""
    n = pf.metadata.num_rows
    rows = [pf.metadata.row_group(g).num_rows for g in range(pf.num_row_groups)]
    error = None
    if n < 0 or min(rows, default=0) < 0:
        error = FileFormatError(
            f"the file declares a negative number of rows ({min([n, *rows])})", path=str(path)
        )
    elif sum(rows) > n:
        error = FileFormatError("row groups hold more rows than the file declares", path=str(path))
    elif sum(rows) < n:
        error = FileFormatError(f"the file declares {n} rows but holds {sum(rows)}", path=str(path))
    return rows, error


def _numpy_column(col) -> np.ndarray:
    """One column of a row group as a NumPy array (nulls as NaN)."""
    if col.null_count:
        col = col.cast("float64").fill_null(float("nan"))
    return col.to_numpy()


def _layouts(
    header: dict, layout: SensorLayout | str | None, path: Path
) -> tuple[SensorLayout, SensorLayout]:
    if layout is not None:
        left = load_layout(layout) if isinstance(layout, (str, Path)) else layout.for_side("left")
        return left, left.mirror()
    spec = header.get("layout_spec")
    if spec is None:
        name = header.get("layout")
        if name is None:
            raise FileFormatError(
                "no sensor layout in this Parquet file",
                path=str(path),
                hint="pass layout= (e.g. layout='ref16'; --layout NAME|FILE on the command line); files written by "
                "sensorkit carry it",
            )
        left = load_layout(name)
        return left, left.mirror()
    right_spec = header.get("layout_right_spec")
    try:
        left = SensorLayout.from_dict(spec)
        right = SensorLayout.from_dict(right_spec).for_side("right") if right_spec else left.mirror()
    except CalibrationError as exc:  # the header's layout, not the user's: name the file
        raise FileFormatError(
            f"the layout stored in this file is not valid: {exc}",
            path=str(path),
            hint="pass layout= the insole's layout (--layout on the command line)",
        ) from None
    return left, right


def _write_replacing(rec: Recording, path: str | Path) -> Path:
    """The format table's writer: :func:`sensorkit.write` has checked the output already."""
    return write_parquet(rec, path, overwrite=True)


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="parquet",
    extensions=(".parquet", ".pq"),
    sniff=looks_like_parquet,
    read=read_parquet,
    options=frozenset({"layout", "body_mass_kg"}),
    write=_write_replacing,
    binary=True,
    description="Parquet table written by sensorkit (lossless)",
)
