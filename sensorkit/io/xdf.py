"""XDF import: insole sessions recorded with Lab Streaming Layer's LabRecorder (needs ``pyxdf``).

XDF (Extensible Data Format, https://github.com/sccn/xdf/wiki/Specifications) holds the
streams of one LSL session: a magic ``XDF:``, then chunks ``[NumLengthBytes][Length][Tag]
[Content]`` (tags 1 FileHeader, 2 StreamHeader, 3 Samples, 4 ClockOffset, 5 Boundary,
6 StreamFooter). The file is parsed by pyxdf (the LSL project's loader) after a framing
check of our own, because pyxdf skips damaged or cut chunks with only a log message.

Streams accepted
----------------
A numeric stream is an **insole stream** when its ``type`` is ``Pressure`` or ``Force``
(any case) or its channel labels are all ``L<k>`` / ``R<k>``. Other numeric streams (EEG,
IMU, ...) are skipped and listed in ``metadata["xdf_streams_skipped"]``. Its side and
shape, with S the layout's sensor count:

- channel labels ``L1..LS`` then ``R1..RS`` (2S channels): both feet in one stream;
- labels ``L1..LS`` or ``R1..RS`` (S channels): one foot;
- no such labels: ``<desc><side>left|right</side>`` with S channels, or ``both`` (or no
  side) with 2S channels, left first.

At most one stream per foot. The layout is ``layout=`` or, failing that, a built-in name in
``<desc><layout>``. Channel units (``<desc><channels><channel><unit>``), when given, must be
the layout's units: ``N`` (or newton, newtons) or ``kPa`` (or kilopascal, kilopascals), any case.

String streams (``channel_format`` ``string``, LSL markers) become events: ``time_s`` = the
marker's time stamp, ``label`` = its text (channels joined with ``"; "``), ``source`` =
``"xdf:<stream name>"``.

Time axis
---------
Time stamps are in seconds on the recorder's clock: pyxdf maps each stream's clock onto it
with the file's ClockOffset chunks (``synchronize_clocks``). They are **not** dejittered by
default: pyxdf's jitter removal fits one line per segment against the sample index, which
would move every sample after a short dropout; pass ``dejitter=True`` to have it anyway.

- One insole stream: the frames are its samples, at their time stamps (which must be
  strictly increasing). Lost samples show as time jumps, listed in ``rec.gaps``.
- Two insole streams (one per foot): both are placed on one grid at the nominal rate,
  starting at the earliest sample; each sample goes to the nearest slot (a shift of at most
  half a period; the largest per side is in ``metadata["xdf_max_shift_s"]``). A slot a
  foot has no sample for is NaN for that foot (a gap, listed). Two samples of one stream
  in one slot (irregular timing, or a clock far from the nominal rate) is an error:
  nothing is averaged, dropped or interpolated.

Bad input: a file without the magic, a chunk length that is not 1, 4 or 8 bytes, a file
cut in the middle of a chunk (LabRecorder stopped by a crash), or a chunk pyxdf reports as
corrupt (it logs the error and skips the chunk's samples) is a
:class:`~sensorkit.errors.FileFormatError` naming the file and the byte offset or pyxdf's
message; ``allow_damaged=True`` reads what pyxdf can, with a warning that lists what was
skipped.

>>> from sensorkit.io.xdf import read_xdf
>>> rec = read_xdf("session.xdf", layout="ref16")  # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import inspect
import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.errors import CalibrationError, FileFormatError, SensorkitError
from sensorkit.io.spec import FormatSpec
from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording

try:  # issue 14 adds this warning to sensorkit.errors on another branch
    from sensorkit.errors import FileTruncatedWarning as _TruncatedWarning
except ImportError:  # pragma: no cover - before that merge
    _TruncatedWarning = UserWarning

__all__ = ["FORMAT", "XDF_MAGIC", "check_framing", "looks_like_xdf", "read_xdf"]

XDF_MAGIC = b"XDF:"
_INSTALL_HINT = "install it with: pip install 'sensorkit[xdf]' (or pip install pyxdf)"
_INSOLE_TYPES = ("pressure", "force")
_LABEL = re.compile(r"^([LR])(\d+)$")
_SIDE_OF = {"L": "left", "R": "right"}
_BLOCK_BYTES = 1 << 20
#: Channel unit spellings accepted for each layout unit (LSL leaves the spelling free).
_UNIT_NAMES = {"N": {"n", "newton", "newtons"}, "kPa": {"kpa", "kilopascal", "kilopascals"}}
_GZIP_MAGIC = b"\x1f\x8b"


def looks_like_xdf(path: str | Path, head_bytes: bytes) -> bool:
    """True when ``head_bytes`` (the first bytes of ``path``) start with the XDF magic ``XDF:``,
    or ``path`` is a gzip-compressed ``.xdfz`` (gzip magic ``1f 8b``).

    Examples
    --------
    >>> looks_like_xdf("s.xdf", b"XDF:\\x01\\x3c\\x01\\x00")
    True
    """
    head = bytes(head_bytes[:4])
    return head == XDF_MAGIC or (Path(path).suffix.lower() == ".xdfz" and head[:2] == _GZIP_MAGIC)


class _LogCatcher(logging.Handler):
    """Collects the errors pyxdf logs while it skips damaged chunks."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _pyxdf():
    try:
        import pyxdf
    except ImportError:
        raise SensorkitError(
            "XDF files need the pyxdf package, which is not installed", hint=_INSTALL_HINT
        ) from None
    return pyxdf


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".xdfz" else path.open("rb")


def check_framing(path: str | Path) -> int | None:
    """Walk the chunk framing of an XDF file without decoding it.

    Parameters
    ----------
    path : str or Path
        An ``.xdf`` file (or gzip-compressed ``.xdfz``).

    Returns
    -------
    int or None
        None when every chunk ends inside the file; else the byte offset where the chunk
        that the file cuts short begins.

    Raises
    ------
    FileFormatError
        No ``XDF:`` magic, or a chunk length field of a size other than 1, 4 or 8 bytes
        (naming the byte offset).
    """
    path = Path(path)
    with _open(path) as fh:
        if fh.read(4) != XDF_MAGIC:
            raise FileFormatError("not an XDF file (it does not start with 'XDF:')", path=str(path))
        pos = 4
        while True:
            start = pos
            nbytes = fh.read(1)
            if not nbytes:
                return None
            size = nbytes[0]
            if size not in (1, 4, 8):
                raise FileFormatError(
                    f"byte {start}: a chunk length takes 1, 4 or 8 bytes, not {size} (corrupt file)",
                    path=str(path),
                )
            raw = fh.read(size)
            if len(raw) < size:
                return start
            length = int.from_bytes(raw, "little")
            remaining = length
            while remaining:  # skip the chunk in blocks; a short read means the file ends inside it
                got = len(fh.read(min(remaining, _BLOCK_BYTES)))
                if not got:
                    return start
                remaining -= got
            pos = start + 1 + size + length


# -- stream metadata ------------------------------------------------------------------------
def _first(d: Any, key: str) -> Any:
    """pyxdf stores each XML element as a list; the first value of ``key`` in ``d`` or None."""
    if not isinstance(d, dict):
        return None
    v = d.get(key)
    return v[0] if isinstance(v, list) and v else None


def _channels(info: dict) -> list[dict]:
    desc = _first(info, "desc")
    chans = _first(desc, "channels")
    return [c for c in (chans or {}).get("channel", []) if isinstance(c, dict)] if chans else []


class _Stream:
    """What read_xdf needs of one pyxdf stream."""

    def __init__(self, raw: dict) -> None:
        info = raw["info"]
        self.raw = raw
        self.name = str(_first(info, "name") or "")
        self.type = str(_first(info, "type") or "")
        self.format = str(_first(info, "channel_format") or "")
        self.n_channels = int(_first(info, "channel_count") or 0)
        self.rate_hz = float(_first(info, "nominal_srate") or 0.0)
        desc = _first(info, "desc")
        self.side = str(_first(desc, "side") or "").strip().lower() or None
        self.layout = str(_first(desc, "layout") or "").strip() or None
        chans = _channels(info)
        self.labels = [str(_first(c, "label") or "").strip() for c in chans]
        self.units = [str(_first(c, "unit") or "").strip() for c in chans]
        self.time = np.asarray(raw["time_stamps"], dtype=np.float64)

    @property
    def is_markers(self) -> bool:
        return self.format == "string"

    @property
    def label_sides(self) -> list[str] | None:
        """'left'/'right' per channel from L<k>/R<k> labels, or None when the labels are not that."""
        if len(self.labels) != self.n_channels or not self.labels:
            return None
        sides = []
        for lab in self.labels:
            m = _LABEL.match(lab)
            if m is None:
                return None
            sides.append(_SIDE_OF[m.group(1)])
        return sides

    @property
    def is_insole(self) -> bool:
        return not self.is_markers and (self.type.lower() in _INSOLE_TYPES or self.label_sides is not None)

    def describe(self) -> str:
        return f"{self.name!r} (type {self.type!r}, {self.n_channels} {self.format} channels)"


def _split_sides(stream: _Stream, n_sensors: int, path: Path) -> dict[str, np.ndarray]:
    """Values (n, S) per side of one insole stream (see the module docstring for the shapes)."""
    values = np.asarray(stream.raw["time_series"], dtype=np.float32)
    if values.ndim != 2:
        values = values.reshape(len(stream.time), -1)
    c = values.shape[1]

    def bad(msg: str) -> FileFormatError:
        return FileFormatError(
            f"stream {stream.describe()}: {msg}",
            path=str(path),
            hint="insole streams have S channels (one foot) or 2S (left then right), S = the layout's sensors",
        )

    sides = stream.label_sides
    if sides is not None:
        expected = [f"L{k}" for k in range(1, n_sensors + 1)] + [f"R{k}" for k in range(1, n_sensors + 1)]
        if stream.labels == expected:
            return {"left": values[:, :n_sensors], "right": values[:, n_sensors:]}
        for side, prefix in (("left", "L"), ("right", "R")):
            if stream.labels == [f"{prefix}{k}" for k in range(1, n_sensors + 1)]:
                return {side: values}
        raise bad(
            f"channel labels {stream.labels[:3]}... are not L1..L{n_sensors} and/or R1..R{n_sensors} in order"
        )
    if stream.side in ("left", "right"):
        if c != n_sensors:
            raise bad(f"side {stream.side} with {c} channels, but the layout has {n_sensors} sensors")
        return {stream.side: values}
    if stream.side not in (None, "both"):
        raise bad(f"unknown side {stream.side!r} in desc (left, right or both)")
    if c != 2 * n_sensors:
        raise bad(f"{c} channels and no side in desc: expected {2 * n_sensors} (left then right)")
    return {"left": values[:, :n_sensors], "right": values[:, n_sensors:]}


def _check_units(stream: _Stream, layout: SensorLayout, path: Path) -> None:
    accepted = _UNIT_NAMES[layout.units]
    for k, unit in enumerate(stream.units):
        if unit and unit.lower() not in accepted:
            raise FileFormatError(
                f"stream {stream.describe()}, channel {k + 1} ({stream.labels[k] or '?'}): unit {unit!r}, "
                f"but layout {layout.name!r} reports {layout.units}",
                path=str(path),
                column=k + 1,
            )


def _check_increasing(stream: _Stream, path: Path) -> None:
    bad = np.flatnonzero(np.diff(stream.time) <= 0)
    if bad.size:
        i = int(bad[0])
        raise FileFormatError(
            f"stream {stream.describe()}: sample {i + 1} (t = {float(stream.time[i + 1])!r} s) does not come after "
            f"sample {i} (t = {float(stream.time[i])!r} s)",
            path=str(path),
            hint="time stamps must increase; try dejitter=False or check the recorder's clock",
        )


def _on_grid(
    per_side: dict[str, tuple[np.ndarray, np.ndarray, _Stream]], rate_hz: float, path: Path
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float]]:
    """Place the samples of two streams on one grid (see the module docstring)."""
    t_start = min(float(t[0]) for t, _, _ in per_side.values())
    slots = {side: np.rint((t - t_start) * rate_hz).astype(np.int64) for side, (t, _, _) in per_side.items()}
    n = int(max(int(s[-1]) for s in slots.values())) + 1
    out, shift = {}, {}
    for side, (t, values, stream) in per_side.items():
        k = slots[side]
        dup = np.flatnonzero(np.diff(k) < 1)
        if dup.size:
            i = int(dup[0])
            raise FileFormatError(
                f"stream {stream.describe()}: samples {i} and {i + 1} (t = {float(t[i])!r} s, {float(t[i + 1])!r} s) fall "
                f"on one slot of the {rate_hz:g} Hz grid: its timing is irregular or its clock is off the "
                "nominal rate",
                path=str(path),
                hint="read one foot at a time with streams=[name]",
            )
        arr = np.full((n, values.shape[1]), np.nan, dtype=np.float32)
        arr[k] = values
        out[side] = arr
        shift[side] = float(np.abs(t - (t_start + k / rate_hz)).max())
    return t_start + np.arange(n) / rate_hz, out, shift


def _events(markers: list[_Stream]) -> pd.DataFrame:
    rows = []
    for s in markers:
        for t, sample in zip(s.time, s.raw["time_series"], strict=True):
            label = "; ".join(str(v) for v in sample if str(v).strip())
            if label:
                rows.append({"time_s": float(t), "label": label, "source": f"xdf:{s.name or 'markers'}"})
    df = pd.DataFrame(rows, columns=["time_s", "label", "source"])
    df = df.astype({"time_s": "float64", "label": "object", "source": "object"})
    return df.sort_values("time_s", kind="stable").reset_index(drop=True)


def read_xdf(
    path: str | Path,
    *,
    layout: SensorLayout | str | None = None,
    body_mass_kg: float | None = None,
    streams: Sequence[str] | None = None,
    dejitter: bool = False,
    allow_damaged: bool = False,
) -> Recording:
    """Read an LSL/LabRecorder XDF session as a Recording (see the module docstring for what is accepted).

    Parameters
    ----------
    path : str or Path
        The ``.xdf`` (or gzip-compressed ``.xdfz``) file.
    layout : SensorLayout or str, optional
        Sensor layout; default the built-in name in the insole stream's ``<desc><layout>``.
    body_mass_kg : float, optional
        Subject body mass in kg.
    streams : sequence of str, optional
        Names of the insole streams to use (default: every insole stream).
    dejitter : bool
        Let pyxdf replace time stamps by a per-segment linear fit (default False).
    allow_damaged : bool
        Read a file that is cut in the middle of a chunk, or has chunks pyxdf cannot parse,
        with a warning instead of an error. The samples of those chunks are lost
        (``metadata["xdf_truncated_at_byte"]``, ``metadata["xdf_problems"]``).

    Returns
    -------
    Recording
        Time in s on the recorder's clock; values (n, S) float32 in the layout's units;
        gaps listed; marker streams as events (``rec.events``, or ``metadata["events"]``
        with a sensorkit that predates ``Recording.events``).

    Raises
    ------
    FileFormatError
        Naming the file (and stream, channel or byte offset): not XDF, cut or corrupt, no
        insole stream, a stream shape or unit that does not fit the layout, two streams for
        one foot, time stamps that go back, samples that do not fit the nominal-rate grid.
    SensorkitError
        pyxdf is not installed (with the install hint).
    """
    pyxdf = _pyxdf()
    path = Path(path)
    if not path.is_file():
        raise FileFormatError("no such file", path=str(path))
    cut = check_framing(path)
    problems = (
        []
        if cut is None
        else [f"the file is cut short: the chunk at byte {cut} ends after the end of the file"]
    )
    if problems and not allow_damaged:  # fail before parsing a file we will not use
        raise FileFormatError(
            problems[0],
            path=str(path),
            hint="a recording stopped by a crash; pass allow_damaged=True to read up to the cut",
        )
    catcher = _LogCatcher()
    log = logging.getLogger("pyxdf")
    log.addHandler(catcher)
    try:
        raw_streams, _header = pyxdf.load_xdf(
            str(path), synchronize_clocks=True, handle_clock_resets=True, dejitter_timestamps=dejitter
        )
    except Exception as exc:  # pyxdf raises bare Exception, ValueError, struct.error, ParseError
        raise FileFormatError(f"pyxdf cannot read it ({type(exc).__name__}: {exc})", path=str(path)) from None
    finally:
        log.removeHandler(catcher)
    if catcher.messages and cut is None:  # with a cut, pyxdf's complaint is about the cut chunk
        problems += [f"pyxdf: {m}" for m in catcher.messages]
    if problems:
        if not allow_damaged:
            raise FileFormatError(
                f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                path=str(path),
                hint="the samples of damaged chunks would be lost; pass allow_damaged=True to read the rest",
            )
        warnings.warn(
            f"{path}: read with damage, samples lost: {'; '.join(problems)}",
            _TruncatedWarning,
            stacklevel=user_stacklevel(),
        )
    parsed = [_Stream(s) for s in raw_streams]
    markers = [s for s in parsed if s.is_markers]
    insoles = [s for s in parsed if s.is_insole and (streams is None or s.name in streams)]
    skipped = [s.describe() for s in parsed if not s.is_markers and s not in insoles]
    if not insoles:
        found = ", ".join(s.describe() for s in parsed) or "none"
        raise FileFormatError(
            f"no insole stream (streams: {found})",
            path=str(path),
            hint="insole streams have type 'Pressure' or 'Force', or channel labels L1.. / R1..",
        )
    lay = _layout(layout, insoles, path)
    per_side: dict[str, tuple[np.ndarray, np.ndarray, _Stream]] = {}
    for s in insoles:
        _check_units(s, lay, path)
        if s.time.size < 2:
            raise FileFormatError(f"stream {s.describe()} has {s.time.size} sample(s)", path=str(path))
        _check_increasing(s, path)
        for side, values in _split_sides(s, lay.n_sensors, path).items():
            if side in per_side:
                raise FileFormatError(
                    f"two streams for the {side} foot: {per_side[side][2].describe()} and {s.describe()}",
                    path=str(path),
                    hint="choose with streams=[name, ...]",
                )
            per_side[side] = (s.time, values, s)
    rates = {s.rate_hz for s in insoles}
    metadata: dict[str, Any] = {
        "source": str(path),
        "format": "xdf",
        "xdf_streams": [s.describe() for s in insoles],
        "xdf_streams_skipped": skipped,
    }
    if cut is not None:
        metadata["xdf_truncated_at_byte"] = cut
    if problems:
        metadata["xdf_problems"] = problems
    if len(insoles) == 1:
        time = insoles[0].time
        sides = {side: values for side, (_, values, _) in per_side.items()}
    else:
        if len(rates) != 1 or not next(iter(rates)) > 0:
            raise FileFormatError(
                f"the insole streams have nominal rates {sorted(rates)} Hz; one common rate > 0 is needed "
                "to put both feet on one time axis",
                path=str(path),
                hint="read one foot at a time with streams=[name]",
            )
        time, sides, shift = _on_grid(per_side, next(iter(rates)), path)
        metadata["xdf_max_shift_s"] = shift
    rate = next(iter(rates)) if len(rates) == 1 and next(iter(rates)) > 0 else None
    events = _events(markers)
    kwargs: dict[str, Any] = {}
    if "events" in inspect.signature(Recording.from_arrays).parameters:
        kwargs["events"] = events
    else:  # before Recording.events exists (issue 14, merged from another branch)
        metadata["events"] = events
    try:
        return Recording.from_arrays(
            time,
            sides.get("left"),
            sides.get("right"),
            layout=lay,
            body_mass_kg=body_mass_kg,
            metadata=metadata,
            rate_hz=rate,
            **kwargs,
        )
    except ValueError as exc:
        raise FileFormatError(str(exc), path=str(path)) from None


def _layout(layout: SensorLayout | str | None, insoles: list[_Stream], path: Path) -> SensorLayout:
    if layout is not None:
        return load_layout(layout) if isinstance(layout, str) else layout.for_side("left")
    names = {s.layout for s in insoles if s.layout}
    if len(names) != 1:
        raise FileFormatError(
            "no sensor layout: pass layout="
            if not names
            else f"the streams name different layouts {sorted(names)}",
            path=str(path),
            hint="pass layout= (a built-in name such as 'ref16' or a layout JSON file)",
        )
    name = names.pop()
    try:
        return load_layout(name)
    except CalibrationError as exc:
        raise FileFormatError(f"layout {name!r} named in the stream's desc: {exc}", path=str(path)) from None


#: This format's entry for sensorkit.io.formats.FORMAT_TABLE.
FORMAT = FormatSpec(
    name="xdf",
    extensions=(".xdf", ".xdfz"),
    sniff=looks_like_xdf,
    read=read_xdf,
    options=frozenset({"layout", "body_mass_kg", "streams", "dejitter", "allow_damaged"}),
    binary=True,
    description="Lab Streaming Layer recording (LabRecorder .xdf)",
)
