"""Declarative device profiles: what a foreign insole sends, described in a TOML (or JSON) file.

A profile tells sensorkit how to cut a device's byte stream into frames, where each field
sits in a frame, what its units are and which layout its sensors have, so an insole that
does not speak sensorkit's protocol streams through ``?profile=NAME_OR_FILE`` on any
transport. The schema is documented in ``docs/device-profiles.md``; the built-in profiles
live in ``sensorkit/devices/profiles/`` and ship in the wheel.

:func:`load_profile` reads and checks a profile; every mistake is one
:class:`~sensorkit.errors.ProfileError` naming the file, the key and what was expected.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sensorkit.errors import ProfileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "BINARY_TYPES",
    "PROFILE_DIR",
    "SCHEMA",
    "FieldSpec",
    "Profile",
    "builtin_profiles",
    "datagram_profiles",
    "load_profile",
    "profile_from_dict",
    "profile_layout",
    "with_rate",
]

SCHEMA = "sensorkit.profile/1"
PROFILE_DIR = Path(__file__).parent / "profiles"
#: Binary field types: struct code and size in bytes.
BINARY_TYPES = {
    "u8": ("B", 1), "i8": ("b", 1), "u16": ("H", 2), "i16": ("h", 2), "u32": ("I", 4),
    "i32": ("i", 4), "u64": ("Q", 8), "f32": ("f", 4), "f64": ("d", 8),
}  # fmt: skip
PRESSURE_UNITS = ("N", "kPa", "counts", "%", "mV", "pF", "ohm")
TIME_UNITS = {"s": 1e6, "ms": 1e3, "us": 1.0}
FRAMINGS = ("binary", "text")
TEXT_FORMATS = ("csv", "whitespace", "json", "numbers")
SIDES = ("left", "right")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class FieldSpec:
    """Where one field sits in a frame, and how many values it has.

    Attributes
    ----------
    index : int or None
        Text formats ``csv``/``whitespace``/``numbers``: 0-based position of the first value.
    offset : int or None
        Binary frames: byte offset of the first value in the sample (or frame).
    type : str or None
        Binary frames: one of :data:`BINARY_TYPES`.
    key : str or None
        JSON lines: the key (dotted for nested objects).
    count : int
        Number of consecutive values.
    scale : float
        Value x scale = value in the field's stated unit.
    indices : tuple of int
        Which of the ``count`` values are kept (0-based, increasing); empty: all of them
        (e.g. the cells of a sensor matrix that hold a sensor).
    value_offset : float
        Added after ``scale`` (pressure channels: ``units.offset``): value = value_offset +
        raw x scale. With a negative scale it turns counts that fall under load (a sensor
        pulled up to full scale) into counts that rise.
    """

    index: int | None = None
    offset: int | None = None
    type: str | None = None
    key: str | None = None
    count: int = 1
    scale: float = 1.0
    indices: tuple[int, ...] = ()
    value_offset: float = 0.0

    @property
    def n_values(self) -> int:
        """Values the field yields: ``len(indices)``, or ``count``."""
        return len(self.indices) or self.count

    def pick(self, values: Any) -> Any:
        """The kept values (``indices``) of the ``count`` values read (last axis)."""
        if not self.indices:
            return values
        if isinstance(values, list):
            return [values[i] for i in self.indices]
        return values[..., list(self.indices)]


@dataclass(frozen=True)
class Profile:
    """A checked device profile (see ``docs/device-profiles.md`` for every key).

    Attributes
    ----------
    name, description, source : str
        Identity, what the device is, where the format is documented.
    transport : dict
        ``baud``, ``ble_service``, ``ble_notify``, ``ble_write``, ``start``, ``stop`` (bytes).
    framing : str
        ``"binary"`` (fixed-size frames) or ``"text"`` (delimited records).
    text_format : str or None
        ``csv``, ``whitespace``, ``json`` or ``numbers`` (text framing).
    size : int or None
        Bytes per binary frame.
    byte_order : str
        ``"<"`` (little-endian) or ``">"`` (big-endian).
    sync : bytes
        Bytes every binary frame starts with (may be empty).
    samples_per_frame, sample_stride : int
        Binary frames holding several samples: their number and the byte distance between them.
    delimiter, separator : bytes
        Text framing: record end and (csv) value separator.
    skip : re.Pattern or None
        Text records matching this are headers or comments, ignored (counted).
    repair_json : bool
        JSON lines: insert commas a firmware forgot between a value and the next key.
    keep_delimiter : bool
        Text framing: the delimiter belongs to the record (e.g. ``}`` ending a JSON object).
    ignore : bytes
        Text framing: bytes removed wherever they appear before a record is parsed (e.g. the
        CR LF a firmware's serial echo puts after each piece of a record).
    datagram_records : bool
        Text framing over UDP: each datagram holds whole records, so a datagram's end ends a
        record even without the delimiter (Moticon OpenGo sends one line per datagram, with or
        without its newline). Binary framing over UDP: each datagram holds whole frames, so a
        datagram whose length is not a whole number of frames is rejected whole (counted),
        never realigned onto the next frame boundary. False: datagrams are pieces of a byte
        stream (serial-to-UDP bridges cut lines anywhere), reassembled at the delimiter.
    timestamp, sequence : FieldSpec or None
        Device clock (``timestamp_unit``, ``timestamp_bits``) and a frame counter
        (``sequence_bits``), which numbers frames so that lost and duplicated frames are
        counted exactly. ``sequence_signed``: a text counter is a signed integer of
        ``sequence_bits`` bits (two's complement, e.g. an AVR ``int`` going from 32767 to -32768).
    side : FieldSpec or None
        A field naming the foot; ``side_values`` maps its values (numbers or prefixes) to sides.
        ``side_trusted`` False (``trusted = false``): the firmware writes a fixed value there
        whatever the foot, so a URL's ``side=`` decides over it; True (default): the records'
        foot decides, and a ``side=`` that disagrees is warned about.
    side_prefix : dict
        Text records starting with these prefixes belong to these sides.
    side_marker : dict
        Text framing: marker bytes a device inserts into its stream (at the start of each
        piece it sends) to name its foot. They are removed wherever they appear; a record
        that held one belongs to its side, a record without any to the URL's side.
    pressure : dict of str to FieldSpec
        Per side (``"left"``/``"right"``), or ``"any"`` when the side comes from ``side``,
        ``side_prefix`` or the URL.
    extras : dict
        Extra per-side fields kept for cross-checks (name -> side -> FieldSpec).
    imu : dict
        IMU fields (``accel``/``gyro``/``quat``) -> side -> FieldSpec, with ``imu_units``.
    units : str
        Unit of the pressure values after ``scale`` and ``offset`` (``units.offset`` + raw x
        ``scale``; held in each pressure :class:`FieldSpec`).
    rate_hz : float
        Nominal sample rate (Hz).
    layout : str or None
        A built-in layout name or layout JSON path.
    approximate : dict or None
        ``rows``, ``cols``, ``length_mm``, ``width_mm``: an approximate grid layout, labelled so.
    raw : dict
        The profile as loaded (stored in capture headers, so a replay needs no file).
    path : str
        Where it was loaded from (``builtin:NAME`` for shipped ones).
    """

    name: str
    description: str
    source: str
    transport: dict
    framing: str
    text_format: str | None
    size: int | None
    byte_order: str
    sync: bytes
    samples_per_frame: int
    sample_stride: int
    delimiter: bytes
    separator: bytes
    skip: re.Pattern | None
    repair_json: bool
    keep_delimiter: bool
    timestamp: FieldSpec | None
    timestamp_unit: str
    timestamp_bits: int | None
    sequence: FieldSpec | None
    sequence_bits: int | None
    side: FieldSpec | None
    side_values: dict
    side_prefix: dict
    pressure: dict
    extras: dict
    imu: dict
    imu_units: dict
    units: str
    rate_hz: float
    layout: str | None
    approximate: dict | None
    raw: dict = field(repr=False)
    path: str = ""
    datagram_records: bool = False
    ignore: bytes = b""
    side_marker: dict = field(default_factory=dict)
    sequence_signed: bool = False
    side_trusted: bool = True

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides one frame carries: ``("left", "right")``, or ``("any",)``."""
        return tuple(self.pressure)

    @property
    def names_foot(self) -> bool:
        """Whether each record says its foot (a side field, prefix or marker, or both feet in
        every frame); otherwise only the URL's ``side=`` can."""
        return (
            self.side is not None
            or bool(self.side_prefix or self.side_marker)
            or set(self.pressure)
            == {
                "left",
                "right",
            }
        )

    @property
    def n_sensors(self) -> int:
        """Pressure channels per side (the kept ``indices``, or ``count``)."""
        return next(iter(self.pressure.values())).n_values

    def to_dict(self) -> dict:
        """The profile as loaded (JSON-ready), for capture headers."""
        return dict(self.raw)


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with sensorkit."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def datagram_profiles(nbytes: int) -> list[str]:
    """Built-in profiles whose UDP datagrams are one binary frame of ``nbytes`` bytes
    (``datagram_records``): the profiles a sender of such datagrams may need.

    Examples
    --------
    >>> datagram_profiles(1014), datagram_profiles(508), datagram_profiles(300)
    (['pressure2pose-double'], ['pressure2pose'], [])
    """
    out = []
    for name in builtin_profiles():
        p = load_profile(name)
        if p.framing == "binary" and p.datagram_records and p.size == nbytes:
            out.append(name)
    return out


def load_profile(spec: str | Path | dict | Profile) -> Profile:
    """A checked profile from a built-in name, a ``.toml``/``.json`` path, or a dict.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file, or a key that breaks the schema (named, with what
        was expected).
    """
    if isinstance(spec, Profile):
        return spec
    if isinstance(spec, dict):
        return profile_from_dict(spec, path="<dict>")
    text = str(spec)
    path = Path(text)
    if not path.suffix and (PROFILE_DIR / f"{text}.toml").is_file():
        path, label = PROFILE_DIR / f"{text}.toml", f"builtin:{text}"
    elif path.is_file():
        label = str(path)
    else:
        raise ProfileError(
            f"no device profile {text!r}",
            hint=f"a built-in name ({', '.join(builtin_profiles())}) or a .toml/.json file path",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read the profile: {exc}", path=label) from None
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(data.decode("utf-8"))
        else:
            raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(
            f"not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}", path=label
        ) from None
    return profile_from_dict(raw, path=label)


# ---------------------------------------------------------------------------------- checking
class _Checker:
    """Reads keys of one table, remembering which were used; unknown keys are errors (typos)."""

    def __init__(self, table: Any, where: str, path: str) -> None:
        self.path = path
        self.where = where
        if not isinstance(table, dict):
            raise ProfileError(
                f"expected a table, got {type(table).__name__}", path=path, key=where or "(top)"
            )
        self.table = table
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, expected: str, got: Any) -> ProfileError:
        return ProfileError(f"expected {expected}, got {got!r}", path=self.path, key=self.key(name))

    def get(self, name: str, kinds: tuple[type, ...], default: Any = None, *, required: bool = False,
            choices: tuple | None = None, lo: float | None = None, hi: float | None = None,
            expected: str | None = None) -> Any:  # fmt: skip
        self.used.add(name)
        if name not in self.table:
            if required:
                raise ProfileError(f"missing; expected {expected or _kinds(kinds)}", path=self.path,
                                   key=self.key(name))  # fmt: skip
            return default
        value = self.table[name]
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise self.fail(name, expected or _kinds(kinds), value)
        if choices is not None and value not in choices:
            raise self.fail(name, "one of " + ", ".join(map(str, choices)), value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise self.fail(name, expected or f"a number in [{lo}, {hi}]", value)
        return value

    def table_of(self, name: str) -> _Checker | None:
        self.used.add(name)
        if name not in self.table:
            return None
        return _Checker(self.table[name], self.key(name), self.path)

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ProfileError(
                f"unknown key (expected one of {', '.join(sorted(self.used))})",
                path=self.path,
                key=self.key(unknown[0]),
            )


def _kinds(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "an array", dict: "a table"}  # fmt: skip
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _bytes_of(c: _Checker, name: str) -> bytes:
    """Text key ``name`` (escapes as in TOML strings) or ``name_hex`` (hex digits) as bytes."""
    text = c.get(name, (str,))
    hexed = c.get(f"{name}_hex", (str,))
    if text is not None and hexed is not None:
        raise c.fail(f"{name}_hex", f"only one of {name} and {name}_hex", hexed)
    if hexed is not None:
        try:
            return bytes.fromhex(hexed)
        except ValueError:
            raise c.fail(f"{name}_hex", "hex digits such as '01 ff'", hexed) from None
    return b"" if text is None else text.encode("utf-8")


def _field(c: _Checker, framing: str, text_format: str | None) -> FieldSpec:
    if framing == "binary":
        offset = c.get("offset", (int,), required=True, lo=0, hi=65535, expected="a byte offset >= 0")
        kind = c.get("type", (str,), required=True, choices=tuple(BINARY_TYPES))
        spec = FieldSpec(offset=offset, type=kind)
    elif text_format == "json":
        spec = FieldSpec(key=c.get("key", (str,), required=True, expected="the JSON key (dotted for nested)"))
    else:
        spec = FieldSpec(index=c.get("index", (int,), required=True, lo=0, hi=100_000,
                                     expected="a 0-based value position"))  # fmt: skip
    count = c.get("count", (int,), 1, lo=1, hi=4096, expected="a count in 1..4096")
    scale = c.get("scale", (float,), 1.0, expected="a number")
    indices = c.get("indices", (list,), [], expected="a list of 0-based positions among the field's values")
    if indices and not (
        all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < count for i in indices)
        and list(indices) == sorted(set(indices))
    ):
        raise c.fail("indices", f"increasing 0-based positions below count = {count}", indices)
    return FieldSpec(spec.index, spec.offset, spec.type, spec.key, int(count), float(scale), tuple(indices))


def _sided(c: _Checker, name: str, framing: str, text_format: str | None, *, per_side: bool = True) -> dict:
    """``name = {index=...}`` (any side) or ``[name.left] / [name.right]`` -> side -> FieldSpec."""
    sub = c.table_of(name)
    if sub is None:
        return {}
    if per_side and any(k in sub.table for k in SIDES):
        out = {}
        for side in SIDES:
            t = sub.table_of(side)
            if t is None:
                raise ProfileError(
                    f"expected both {name}.left and {name}.right", path=c.path, key=sub.key(side)
                )
            out[side] = _field(t, framing, text_format)
            t.done()
        sub.done()
        return out
    spec = _field(sub, framing, text_format)
    sub.done()
    return {"any": spec}


#: Characters a side marker may not hold: it is removed wherever it appears in a record, so
#: it must not be able to occur in a number, a separator or JSON's punctuation.
_MARKER_REFUSED = "0123456789+-.eE \t,;:{}[]\"'"


def profile_from_dict(raw: dict, *, path: str = "<dict>") -> Profile:
    """Check a parsed profile (see :func:`load_profile`)."""
    top = _Checker(raw, "", path)
    schema = top.get("schema", (str,), SCHEMA)
    if schema != SCHEMA:
        raise top.fail("schema", repr(SCHEMA), schema)
    name = top.get("name", (str,), required=True, expected="a name of lower-case letters, digits, . _ -")
    if not _NAME.fullmatch(name):
        raise top.fail("name", "lower-case letters, digits, '.', '_' or '-' (at most 64)", name)
    description = top.get("description", (str,), "")
    source = top.get("source", (str,), "")

    tr = top.table_of("transport") or _Checker({}, "transport", path)
    transport: dict[str, Any] = {
        "baud": tr.get("baud", (int,), None, lo=50, hi=20_000_000, expected="a baud rate"),
        "ble_service": tr.get("ble_service", (str,)),
        "ble_notify": tr.get("ble_notify", (str,)),
        "ble_write": tr.get("ble_write", (str,)),
        "start": _bytes_of(tr, "start"),
        "stop": _bytes_of(tr, "stop"),
    }
    for key in ("ble_service", "ble_notify", "ble_write"):
        if transport[key] is not None:
            transport[key] = _uuid(transport[key], tr, key)
    tr.done()

    fr = top.table_of("framing")
    if fr is None:
        raise ProfileError("missing; expected a [framing] table", path=path, key="framing")
    framing = fr.get("kind", (str,), required=True, choices=FRAMINGS)
    text_format = size = None
    byte_order, sync, samples, stride = "<", b"", 1, 0
    delimiter, separator, skip, repair, keep, datagrams = b"\n", b",", None, False, False, False
    ignore = b""
    if framing == "binary":
        size = fr.get("size", (int,), required=True, lo=1, hi=65535, expected="bytes per frame (1..65535)")
        order = fr.get("byte_order", (str,), "little", choices=("little", "big"))
        byte_order = "<" if order == "little" else ">"
        sync = _bytes_of(fr, "sync")
        samples = fr.get("samples", (int,), 1, lo=1, hi=1024, expected="samples per frame (1..1024)")
        stride = fr.get("sample_stride", (int,), 0, lo=0, hi=65535, expected="bytes between samples")
        datagrams = fr.get("datagram_records", (bool,), False)
    else:
        text_format = fr.get("format", (str,), required=True, choices=TEXT_FORMATS)
        delimiter = _bytes_of(fr, "delimiter") or b"\n"
        if len(delimiter) != 1:
            raise fr.fail("delimiter", "one byte (e.g. '\\n')", delimiter.decode("latin-1"))
        separator = _bytes_of(fr, "separator") or b","
        pattern = fr.get("skip", (str,))
        if pattern is not None:
            try:
                skip = re.compile(pattern.encode())
            except re.error as exc:
                raise fr.fail("skip", f"a regular expression ({exc})", pattern) from None
        repair = fr.get("repair", (bool,), False)
        keep = fr.get("keep_delimiter", (bool,), False)
        datagrams = fr.get("datagram_records", (bool,), False)
        ignore = _bytes_of(fr, "ignore")
        if delimiter in ignore:
            raise fr.fail("ignore", "bytes other than the delimiter", ignore.decode("latin-1"))
        if datagrams and keep:
            raise fr.fail(
                "datagram_records",
                "false with keep_delimiter (a datagram's end cannot stand for a kept delimiter)",
                True,
            )
    fr.done()

    fl = top.table_of("fields")
    if fl is None:
        raise ProfileError("missing; expected a [fields] table", path=path, key="fields")
    timestamp = sequence = side = None
    unit, bits, side_values, side_prefix, side_marker = "us", None, {}, {}, {}
    side_trusted = True
    ts = fl.table_of("timestamp")
    if ts is not None:
        unit = ts.get("unit", (str,), required=True, choices=tuple(TIME_UNITS))
        bits = ts.get("bits", (int,), None, choices=(16, 32, 64))
        ts.used.add("unit")
        ts.used.add("bits")
        timestamp = _field(ts, framing, text_format)
        ts.done()
    seq_bits, seq_signed = None, False
    sq = fl.table_of("sequence")
    if sq is not None:
        seq_bits = sq.get("bits", (int,), None, choices=(8, 16, 32, 64))
        sq.used.add("bits")
        seq_signed = sq.get("signed", (bool,), False)
        sequence = _field(sq, framing, text_format)
        if seq_signed and (seq_bits is None or sequence.type is not None):
            raise sq.fail("signed", "a text counter with bits (the width at which it wraps)", seq_signed)
        if seq_bits is None and sequence.type is not None:
            if sequence.type not in ("u8", "u16", "u32", "u64"):
                raise sq.fail("type", "an unsigned integer type (u8, u16, u32, u64) for a frame counter",
                              sequence.type)  # fmt: skip
            seq_bits = 8 * BINARY_TYPES[sequence.type][1]  # a binary counter wraps at its width
        sq.done()
    sd = fl.table_of("side")
    if sd is not None:
        prefixes = sd.table_of("prefix")
        markers = sd.table_of("marker")
        if markers is not None:
            if prefixes is not None or framing != "text":
                raise sd.fail("marker", "a marker with a text framing, not with a prefix", markers.table)
            for k, v in markers.table.items():
                if v not in SIDES:
                    raise markers.fail(k, "left or right", v)
                if not k or delimiter in k.encode() or set(k.encode()) & set(ignore):
                    raise markers.fail(k, "a marker that holds neither the delimiter nor ignored bytes", k)
                if set(k) & set(_MARKER_REFUSED):  # removed wherever it appears: never from a value
                    raise markers.fail(
                        k, "a marker of characters that cannot occur in a value or between values", k
                    )
                markers.used.add(k)
                side_marker[k.encode()] = v
            markers.done()
        elif prefixes is not None:
            for k, v in prefixes.table.items():
                if v not in SIDES:
                    raise prefixes.fail(k, "left or right", v)
                prefixes.used.add(k)
                side_prefix[k.encode()] = v
        else:
            side_values = {}
            for s in SIDES:
                v = sd.get(s, (int, str), required=True, expected=f"the field's value for the {s} foot")
                side_values[v] = s
            side_trusted = sd.get("trusted", (bool,), True, expected="true or false")
            side = _field(sd, framing, text_format)
        sd.done()
    pressure = _sided(fl, "pressure", framing, text_format)
    if not pressure:
        raise ProfileError("missing; expected the pressure channels ({index|offset|key, count})", path=path,
                           key="fields.pressure")  # fmt: skip
    counts = {p.n_values for p in pressure.values()}
    if len(counts) != 1:
        raise ProfileError("expected the same count for both feet", path=path, key="fields.pressure")
    if len({p.indices for p in pressure.values()}) != 1:  # one layout serves both feet
        raise ProfileError(
            "expected the same indices for both feet (the layout places sensor k in cell indices[k])",
            path=path,
            key="fields.pressure",
        )
    channels = fl.table_of("channels")  # one array holding both feet: per-side ranges
    if channels is not None:
        if set(pressure) != {"any"}:
            raise channels.fail(
                "left", "either fields.pressure.left/right or fields.channels, not both", "both"
            )
        spec = pressure["any"]
        if spec.indices:
            raise channels.fail("left", "no fields.pressure.indices with fields.channels", "both")
        ranges = {}
        for s in SIDES:
            r = channels.get(s, (list,), required=True, expected="[first, stop) channel range")
            if len(r) != 2 or not all(isinstance(x, int) for x in r) or not 0 <= r[0] < r[1] <= spec.count:
                raise channels.fail(s, f"[first, stop) with 0 <= first < stop <= {spec.count}", r)
            ranges[s] = r
        channels.done()
        if ranges["left"][1] - ranges["left"][0] != ranges["right"][1] - ranges["right"][0]:
            raise ProfileError("expected ranges of equal length", path=path, key="fields.channels")
        pressure = {s: _subrange(spec, r, framing) for s, r in ranges.items()}
    extras = {}
    ex = fl.table_of("extra")
    if ex is not None:
        for k in list(ex.table):
            if not _NAME.fullmatch(k):
                raise ex.fail(k, "a lower-case name", k)
            extras[k] = _sided(ex, k, framing, text_format)
        ex.done()
    imu, imu_units = {}, {}
    im = fl.table_of("imu")
    if im is not None:
        for k, unit_default in (("accel", "g"), ("gyro", "deg/s"), ("quat", "1")):
            spec = _sided(im, k, framing, text_format)
            if spec:
                imu[k] = spec
                imu_units[k] = unit_default
        for k in ("accel_unit", "gyro_unit"):
            u = im.get(k, (str,))
            if u is not None:
                imu_units[k.split("_")[0]] = u
        im.done()
    fl.done()
    if (side is not None or side_prefix or side_marker) and set(pressure) != {"any"}:
        raise ProfileError("expected one pressure field when a side field or prefix names the foot",
                           path=path, key="fields.pressure")  # fmt: skip

    un = top.table_of("units") or _Checker({}, "units", path)
    units = un.get("pressure", (str,), required=True, choices=PRESSURE_UNITS)
    rate = un.get("rate_hz", (float,), required=True, lo=0.01, hi=100_000, expected="the nominal rate in Hz")
    scale = un.get("scale", (float,), 1.0, expected="a number (value x scale = value in units)")
    value_offset = un.get("offset", (float,), 0.0, expected="a number (value = offset + raw x scale)")
    un.done()
    if not math.isfinite(value_offset):
        raise un.fail("offset", "a finite number (value = offset + raw x scale)", value_offset)
    if scale != 1.0 or value_offset != 0.0:
        pressure = {  # (every other attribute of the field kept as it is)
            s: replace(p, scale=p.scale * scale, value_offset=float(value_offset))
            for s, p in pressure.items()
        }

    ly = top.table_of("layout")
    if ly is None:
        raise ProfileError(
            "missing; expected a [layout] table (name, or approximate)", path=path, key="layout"
        )
    layout = ly.get("name", (str,))
    approx = None
    ap = ly.table_of("approximate")
    if ap is not None:
        approx = {
            "rows": ap.get("rows", (int,), required=True, lo=1, hi=200),
            "cols": ap.get("cols", (int,), required=True, lo=1, hi=200),
            "length_mm": float(ap.get("length_mm", (float,), 260.0, lo=100, hi=400)),
            "width_mm": float(ap.get("width_mm", (float,), 95.0, lo=40, hi=200)),
        }
        ap.done()
        cells = next(iter(pressure.values())).count  # with indices: the kept cells of the grid
        if approx["rows"] * approx["cols"] < cells:
            raise ProfileError(f"expected rows x cols >= {cells} (the field's count)",
                               path=path, key="layout.approximate")  # fmt: skip
    ly.done()
    if (layout is None) == (approx is None):
        raise ProfileError("expected exactly one of name and approximate", path=path, key="layout")
    top.done()
    if framing == "binary":
        _check_fits(path, size, samples, stride, [timestamp, sequence, side, *pressure.values(),
                    *(s for e in extras.values() for s in e.values()),
                    *(s for e in imu.values() for s in e.values())])  # fmt: skip
    return Profile(
        name=name, description=description, source=source, transport=transport, framing=framing,
        text_format=text_format, size=size, byte_order=byte_order, sync=sync, samples_per_frame=int(samples),
        sample_stride=int(stride), delimiter=delimiter, separator=separator, skip=skip, repair_json=bool(repair),
        keep_delimiter=bool(keep), datagram_records=bool(datagrams), ignore=ignore,
        timestamp=timestamp, timestamp_unit=unit, timestamp_bits=bits, sequence=sequence,
        sequence_bits=seq_bits, sequence_signed=bool(seq_signed), side=side,
        side_values=side_values, side_trusted=bool(side_trusted), side_prefix=side_prefix, side_marker=side_marker, pressure=pressure, extras=extras, imu=imu,
        imu_units=imu_units, units=units, rate_hz=float(rate), layout=layout, approximate=approx, raw=raw,
        path=path,
    )  # fmt: skip


def _subrange(spec: FieldSpec, r: list, framing: str) -> FieldSpec:
    first, stop = r
    if framing == "binary":
        size = BINARY_TYPES[spec.type][1]
        return FieldSpec(None, spec.offset + first * size, spec.type, None, stop - first, spec.scale)
    if spec.key is not None:
        return FieldSpec(None, None, None, f"{spec.key}[{first}:{stop}]", stop - first, spec.scale)
    return FieldSpec(spec.index + first, None, None, None, stop - first, spec.scale)


def _check_fits(path: str, size: int, samples: int, stride: int, specs: list) -> None:
    for spec in specs:
        if spec is None:
            continue
        end = spec.offset + spec.count * BINARY_TYPES[spec.type][1] + (samples - 1) * stride
        if end > size:
            raise ProfileError(f"a field at byte {spec.offset} ({spec.count} x {spec.type}) ends at byte {end}, "
                               f"past the {size}-byte frame", path=path, key="framing.size")  # fmt: skip


_UUID16 = re.compile(r"[0-9a-fA-F]{4}")
_UUID128 = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _uuid(text: str, c: _Checker, key: str) -> str:
    """A 16-bit SIG UUID (``"FFF1"``) expanded on the Bluetooth base UUID, or a 128-bit one, lower case."""
    if _UUID16.fullmatch(text):
        return f"0000{text.lower()}-0000-1000-8000-00805f9b34fb"
    if _UUID128.fullmatch(text):
        return text.lower()
    raise c.fail(key, "a 16-bit UUID such as 'FFF1' or a 128-bit one", text)


def with_rate(profile: Profile, rate_hz: float | None) -> Profile:
    """``profile`` with another nominal rate (the URL's ``rate=``), or itself."""
    import dataclasses

    if rate_hz is None or rate_hz == profile.rate_hz:
        return profile
    raw = {**profile.raw, "units": {**profile.raw.get("units", {}), "rate_hz": rate_hz}}
    return dataclasses.replace(profile, rate_hz=float(rate_hz), raw=raw)


def header_layout(profile: Profile, layout: Any) -> Any:
    """The layout a capture header kept for a profile device, its approximate grid said so.

    Captures written before a profile's ``[layout] approximate`` grid was labelled
    ``positions="approximate"`` (:func:`profile_layout`) keep it as ``"specified"``; that grid,
    recognised by its name ``<profile>-approximate``, is read as approximate.
    """
    import dataclasses

    if (
        profile.approximate is not None
        and layout.positions == "specified"
        and layout.name == f"{profile.name}-approximate"
    ):
        return dataclasses.replace(layout, positions="approximate")
    return layout


def profile_layout(profile: Profile) -> Any:
    """The :class:`~sensorkit.layout.SensorLayout` of a profile: its named layout, or its approximate grid.

    An approximate layout places the sensors in row-major order on a ``rows x cols`` grid
    over an insole of ``length_mm x width_mm`` (heel at the last row; with the pressure
    field's ``indices``, sensor k in cell ``indices[k]``); its name ends in
    ``-approximate``, its description says the positions are not published and its
    ``positions`` is ``"approximate"``.
    """
    import dataclasses

    import numpy as np

    from sensorkit.layout import load_layout
    from sensorkit.layouts.grid import grid_layout

    if profile.layout is not None:
        return load_layout(profile.layout)
    ap = profile.approximate
    assert ap is not None
    n = profile.n_sensors
    active = np.zeros((ap["rows"], ap["cols"]), dtype=bool)
    cells = next(iter(profile.pressure.values())).indices
    active.flat[list(cells) if cells else slice(0, n)] = True
    layout = grid_layout(
        f"{profile.name}-approximate",
        active,
        row_spacing_mm=ap["length_mm"] / ap["rows"],
        col_spacing_mm=ap["width_mm"] / ap["cols"],
        description=(
            f"APPROXIMATE layout of {profile.name}: {n} sensors placed on a {ap['rows']} x {ap['cols']} grid "
            "because the device's sensor positions are not published; positions, regions and COP are "
            "indicative only"
        ),
        source=f"sensorkit device profile {profile.path or profile.name}",
    )
    # positions="approximate": reports and the recommender say so, as for pedar's or the
    # estimated Moticon layouts (SensorLayout.positions_note)
    layout = dataclasses.replace(layout, positions="approximate")
    if profile.units != "kPa":
        layout = dataclasses.replace(layout, value_kind="force", mask=(), grid=None)
    return layout
