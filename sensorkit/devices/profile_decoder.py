"""Decoding a byte stream with a device :class:`~sensorkit.devices.profile.Profile`.

:class:`ProfileDecoder` is incremental: :meth:`~ProfileDecoder.feed` takes any slice of
the stream (a read, a datagram, a BLE notification) and returns the samples of the frames
it completed, per side. Bytes that do not match the profile are counted and reported
(:attr:`ProfileDecoder.stats`: how many, and the first offending bytes), never turned
into samples. Any chunking of the same bytes gives the same samples.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from sensorkit._stack import user_stacklevel
from sensorkit.devices.profile import BINARY_TYPES, FieldSpec, Profile
from sensorkit.errors import SideConflictWarning

__all__ = ["ProfileBlock", "ProfileDecoder", "ProfileStats"]

MAX_RECORD = 8192  # bytes: a text record longer than this is garbage (cut, counted)
FIRST_BAD_KEPT = 32  # bytes of the first offending input kept for the report
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MISSING_COMMA = re.compile(rb'([0-9\]}"])(\s*)(?="[^"]*"\s*:)')


@dataclass
class ProfileStats:
    """Counters of a :class:`ProfileDecoder`.

    Attributes
    ----------
    bytes_in : int
        Bytes fed.
    frames_ok : int
        Frames (binary) or records (text) that gave samples.
    bad_frames : int
        Frames or records that did not match the profile (rejected, no samples).
    bad_bytes : int
        Bytes skipped while looking for the next frame (binary ``sync``) or in rejected records.
    skipped : int
        Text records matched by the profile's ``skip`` pattern (headers, comments).
    first_bad : bytes
        The first offending bytes (up to 32), for the report.
    first_bad_reason : str
        Why they were rejected.
    side_conflicts : int
        Frames whose own foot (side field, prefix or marker) named the other foot than the
        URL's ``side=`` (which of the two decided: see :class:`ProfileDecoder`).
    first_side_conflict : str
        What the first of them said, for the report.
    bad_datagram_sizes : dict of int to int
        Datagrams rejected whole for their length (``datagram_records``): length in bytes ->
        how many, so that an error can name the profile whose frames have that length.
    """

    bytes_in: int = 0
    frames_ok: int = 0
    bad_frames: int = 0
    bad_bytes: int = 0
    skipped: int = 0
    first_bad: bytes = b""
    first_bad_reason: str = ""
    side_conflicts: int = 0
    first_side_conflict: str = ""
    bad_datagram_sizes: dict[int, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: how much was rejected, at what rate, and the first offending bytes."""
        if not self.bad_frames and not self.bad_bytes:
            return "no bytes rejected"
        rate = self.bad_bytes / self.bytes_in if self.bytes_in else 0.0
        return (
            f"{self.bad_frames} frame(s) and {self.bad_bytes} byte(s) did not match the profile "
            f"({100 * rate:.1f} % of {self.bytes_in} bytes); first: {self.first_bad!r} ({self.first_bad_reason})"
        )


@dataclass
class ProfileBlock:
    """Samples of one side decoded from one :meth:`ProfileDecoder.feed` call.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n, S)`` float32 pressure in the profile's units.
    ticks : numpy.ndarray or None
        ``(n,)`` uint64 raw device timestamps (profile's ``timestamp.unit``), when the profile has one.
    counter : numpy.ndarray or None
        ``(n,)`` uint64 sample counter from the profile's ``sequence`` field, when it has one:
        frame counter x ``samples_per_frame`` + the sample's place in its frame, so it steps
        by 1 per sample and wraps at ``2**sequence_bits x samples_per_frame``.
    extra : dict of str to numpy.ndarray
        Extra and IMU fields, name -> ``(n, k)`` float64 (IMU names: ``imu_accel``,
        ``imu_gyro``, ``imu_quat``).
    """

    values: np.ndarray
    ticks: np.ndarray | None
    extra: dict = field(default_factory=dict)
    counter: np.ndarray | None = None


class ProfileDecoder:
    """Incremental decoder of one device stream described by ``profile``.

    Parameters
    ----------
    profile : Profile
        The checked profile.
    side : {"left", "right"}, optional
        The URL's ``side=``: the foot of frames that do not name one, and of every frame whose
        foot field the profile marks ``trusted = false`` (a value the firmware fixes:
        Pressure2Pose's single-frame build always sends 0, left). A frame's own foot field,
        prefix or marker otherwise decides (a port can carry both insoles). Either way a frame
        naming the other foot than ``side`` is counted in :attr:`ProfileStats.side_conflicts`,
        and the first gives a :class:`~sensorkit.errors.SideConflictWarning` saying which
        decided. Not given, frames that do not name a foot are ``"left"``.
    """

    def __init__(self, profile: Profile, side: str | None = None) -> None:
        self.profile = profile
        self.url_side = side if side in ("left", "right") else None
        self.default_side = self.url_side or "left"
        self.stats = ProfileStats()
        self._pending = bytearray()
        self._discarding = False
        # text: the first record of a connection may be the tail of one cut by the attach
        # (PROTOCOL.md 10 does the same for CSV lines): it is skipped, counted in ``skipped``
        self._skip_first = profile.framing == "text"
        p = profile
        self._extra_fields = [(name, sides) for name, sides in p.extras.items()] + [
            (f"imu_{name}", sides) for name, sides in p.imu.items()
        ]

    # ------------------------------------------------------------------ public
    def reconnected(self) -> None:
        """A new connection: drop a partial frame, and skip the next text record (it may be cut)."""
        self._pending.clear()
        self._discarding = False
        self._skip_first = self.profile.framing == "text"

    def feed(self, data: bytes) -> dict[str, ProfileBlock]:
        """Consume ``data``; the samples of the frames it completed, per side (sides with none are absent)."""
        self.stats.bytes_in += len(data)
        rows: dict[str, list] = {}
        if self.profile.framing == "binary":
            self._feed_binary(bytes(data), rows)
        else:
            self._feed_text(bytes(data), rows)
        return {side: self._block(r) for side, r in rows.items() if r}

    # ------------------------------------------------------------------ binary
    def _feed_binary(self, data: bytes, rows: dict) -> None:
        p = self.profile
        size, sync = p.size, p.sync
        if p.datagram_records:  # one feed is one datagram (or whole ones joined): never realigned
            if len(data) % size:
                sizes = self.stats.bad_datagram_sizes
                sizes[len(data)] = sizes.get(len(data), 0) + 1
                self._bad(data, f"a datagram of {len(data)} bytes is not a whole number of {size}-byte frames",
                          nbytes=len(data))  # fmt: skip
                return
            buf = bytearray(data)
        else:
            buf = self._pending + data if self._pending else bytearray(data)
        pos = 0
        frames = []
        while len(buf) - pos >= size:
            if sync and buf[pos : pos + len(sync)] != sync:
                nxt = buf.find(sync, pos + 1)
                end = len(buf) - len(sync) + 1 if nxt < 0 else nxt
                end = max(end, pos + 1)
                self._bad(
                    bytes(buf[pos:end]), f"no sync bytes {sync.hex()} where a frame should start", frame=False
                )
                pos = end
                continue
            frames.append(bytes(buf[pos : pos + size]))
            pos += size
        self._pending = bytearray(buf[pos:])
        if frames:
            self._binary_frames(b"".join(frames), len(frames), rows)

    def _binary_frames(self, block: bytes, n: int, rows: dict) -> None:
        p = self.profile
        k = p.samples_per_frame

        def read(spec: FieldSpec) -> np.ndarray:
            code, width = BINARY_TYPES[spec.type]
            dt = np.dtype(p.byte_order + code) if width > 1 else np.dtype(code)
            arr = np.ndarray((n, k, spec.count), dtype=dt, buffer=block, offset=spec.offset,
                             strides=(p.size, p.sample_stride, width))  # fmt: skip
            return _physical(spec, spec.pick(arr.astype(np.float64).reshape(n * k, spec.count)))

        ticks = read(p.timestamp)[:, 0] if p.timestamp is not None else None  # per sample (sample_stride)
        if ticks is not None and p.timestamp_unit == "s":
            ticks = ticks * 1e6
        counter = None
        if p.sequence is not None:  # a frame counter: the first sample's copy numbers the frame
            frames = np.rint(read(p.sequence)[:, 0].reshape(n, k)[:, 0]).astype(np.uint64)
            counter = (frames[:, None] * np.uint64(k) + np.arange(k, dtype=np.uint64)).reshape(n * k)
        sides = self._binary_sides(read, n * k, block)
        for side, mask in sides.items():
            if side == "bad" or not mask.any():
                continue
            spec = p.pressure.get(side) or p.pressure["any"]
            vals = read(spec)[mask]
            extra = {name: read(s.get(side) or s["any"])[mask] for name, s in self._extra_fields}
            rows.setdefault(side, []).append((vals, None if ticks is None else ticks[mask], extra,
                                              None if counter is None else counter[mask]))  # fmt: skip
        good = n * k - int(sides.get("bad", np.zeros(0, bool)).sum())
        self.stats.frames_ok += good // k

    def _binary_sides(self, read, m: int, block: bytes) -> dict:
        p = self.profile
        if set(p.pressure) == {"left", "right"}:
            every = np.ones(m, dtype=bool)
            return {"left": every, "right": every}
        if p.side is None:
            return {self.default_side: np.ones(m, dtype=bool)}
        code = read(p.side)[:, 0]
        out = {}
        known = np.zeros(m, dtype=bool)
        for value, side in p.side_values.items():
            mask = code == float(value)
            out[side] = mask
            known |= mask
        if self.url_side is not None:  # frames that name the other foot than side= are counted
            other = out.get(_OTHER[self.url_side], np.zeros(m, dtype=bool))
            if other.any():
                first = int(np.flatnonzero(other)[0])
                self._side_conflict(int(other.sum()) // p.samples_per_frame,
                                    f"side field value {code[first]:g} ({_OTHER[self.url_side]})")  # fmt: skip
            if not p.side_trusted:  # a fixed foot word: the URL's side= decides
                out = {self.url_side: known.copy()}
        if not known.all():
            out["bad"] = ~known
            first = int(np.flatnonzero(~known)[0])
            frame = first // p.samples_per_frame
            self._bad(block[frame * p.size : (frame + 1) * p.size],
                      f"side field value {code[first]:g} is neither {' nor '.join(map(str, p.side_values))}",
                      count=int((~known).sum()))  # fmt: skip
        return out

    # ------------------------------------------------------------------ text
    def _feed_text(self, data: bytes, rows: dict) -> None:
        p = self.profile
        start = 0
        delim = p.delimiter
        while True:
            end = data.find(delim, start)
            if end < 0:
                rest = data[start:]
                if self._discarding:
                    return
                if len(self._pending) + len(rest) > MAX_RECORD:
                    self._bad(bytes(self._pending[:FIRST_BAD_KEPT]), f"record longer than {MAX_RECORD} bytes",
                              frame=True, nbytes=len(self._pending) + len(rest))  # fmt: skip
                    self._pending.clear()
                    self._discarding = True
                else:
                    self._pending += rest
                return
            if self._discarding:
                self._discarding = False
                self.stats.bad_bytes += end - start
            else:
                record = bytes(self._pending) + data[start:end] if self._pending else data[start:end]
                self._pending.clear()
                if p.keep_delimiter:
                    record += delim
                if self._skip_first:
                    self._skip_first = False
                    self.stats.skipped += 1
                else:
                    self._record(record.strip(b"\r"), rows)
            start = end + 1

    def _record(self, rec: bytes, rows: dict) -> None:
        p = self.profile
        if p.ignore:
            rec = rec.translate(None, p.ignore)
        marked = None
        if p.side_marker:  # inserted by the device wherever it cut its stream: never data
            found = set()
            for marker, s in p.side_marker.items():
                if marker in rec:
                    found.add(s)
                    rec = rec.replace(marker, b"")
            if len(found) > 1:
                self._bad(rec, "markers of both feet in one record")
                return
            marked = found.pop() if found else None
        if not rec.strip():
            return
        if p.skip is not None and p.skip.search(rec):
            self.stats.skipped += 1
            return
        side = marked
        if p.side_prefix:
            for prefix, s in p.side_prefix.items():
                if rec.startswith(prefix):
                    side, rec = s, rec[len(prefix) :]
                    break
            else:
                self._bad(rec, f"starts with none of {', '.join(k.decode() for k in p.side_prefix)}")
                return
        try:
            get, raw = self._getter(rec)
            if p.side is not None:
                code = raw(p.side)
                side = next((s for v, s in p.side_values.items() if _same(v, code)), None)
                if side is None:
                    raise ValueError(
                        f"side field value {code!r} is neither {' nor '.join(map(str, p.side_values))}"
                    )
            said = side  # what the record itself says (marker, prefix or side field), or None
            if self.url_side is not None and (side is None or (p.side is not None and not p.side_trusted)):
                side = self.url_side
            sides = (
                ("left", "right") if set(p.pressure) == {"left", "right"} else (side or self.default_side,)
            )
            ticks = None
            if p.timestamp is not None:
                t = get(p.timestamp)[0]
                if not ((t >= 0 and float(t).is_integer()) or p.timestamp_unit == "s"):
                    raise ValueError(f"timestamp {t!r} is not a non-negative integer")
                ticks = t * 1e6 if p.timestamp_unit == "s" else t
            counter = None
            if p.sequence is not None:
                c = get(p.sequence)[0]
                bits = p.sequence_bits
                if p.sequence_signed:  # two's complement: -1 follows 2**(bits-1) - 1 ... 0 wraps on
                    if not (float(c).is_integer() and -(2 ** (bits - 1)) <= c < 2 ** (bits - 1)):
                        raise ValueError(f"sequence {c!r} is not a signed {bits}-bit integer")
                    c = int(c) % (1 << bits)
                elif not (c >= 0 and float(c).is_integer()):
                    raise ValueError(f"sequence {c!r} is not a non-negative integer")
                counter = np.array([c], dtype=np.uint64)
            out = []
            for s in sides:
                spec = p.pressure.get(s) or p.pressure["any"]
                vals = np.asarray(get(spec), dtype=np.float64)
                extra = {
                    name: np.asarray(get(e.get(s) or e["any"]), dtype=np.float64)
                    for name, e in self._extra_fields
                }
                out.append((s, vals, extra))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            self._bad(rec, str(exc) or type(exc).__name__)
            return
        if said is not None and self.url_side is not None and said != self.url_side and len(sides) == 1:
            self._side_conflict(1, f"the record's {self._side_source()} ({said})")
        for s, vals, extra in out:
            rows.setdefault(s, []).append((vals[None, :], None if ticks is None else np.array([ticks]),
                                           {k: v[None, :] for k, v in extra.items()}, counter))  # fmt: skip
        self.stats.frames_ok += 1

    def _side_source(self) -> str:
        p = self.profile
        return "side field" if p.side is not None else "prefix" if p.side_prefix else "marker"

    def _side_conflict(self, n: int, what: str) -> None:
        """``n`` frames said ``what``, another foot than the URL's side=; which one decides
        depends on ``side_trusted``."""
        self.stats.side_conflicts += n
        if self.stats.first_side_conflict:
            return
        self.stats.first_side_conflict = what
        p = self.profile
        if p.side is not None and not p.side_trusted:
            decided = (f"every frame is taken as the {self.url_side} foot, as side= says (this profile's "
                       "foot field is a value the firmware fixes)")  # fmt: skip
        else:
            decided = ("each frame keeps the foot it names (a port that carries both insoles); remove side= "
                       "or check which insole this is")  # fmt: skip
        warnings.warn(
            f"profile {p.name!r}: {what} names the other foot than the URL's side={self.url_side}; {decided} "
            "(frames that disagree are counted in profile_stats.side_conflicts)",
            SideConflictWarning,
            stacklevel=user_stacklevel(),
        )

    def _getter(self, rec: bytes):
        """A function FieldSpec -> its float64 values in this record (raises on a mismatch)."""
        p = self.profile
        fmt = p.text_format
        if fmt == "json":
            text = _MISSING_COMMA.sub(rb"\1,\2", rec) if p.repair_json else rec
            obj = json.loads(text)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")

            def get_json(spec: FieldSpec) -> np.ndarray:
                key, sl = spec.key, None
                m = re.fullmatch(r"(.*)\[(\d+):(\d+)\]", key)
                if m:
                    key, sl = m.group(1), (int(m.group(2)), int(m.group(3)))
                value = obj
                for part in key.split("."):
                    if not isinstance(value, dict) or part not in value:
                        raise KeyError(f"no key {key!r}")
                    value = value[part]
                vals = value if isinstance(value, list) else [value]
                if sl is not None:
                    vals = vals[sl[0] : sl[1]]
                if len(vals) != spec.count or not all(_is_number(v) for v in vals):
                    raise ValueError(f"{key!r} holds {vals!r}, expected {spec.count} number(s)")
                return _physical(spec, [float(v) for v in spec.pick(vals)])

            def raw_json(spec: FieldSpec):
                value = obj
                for part in spec.key.split("."):
                    if not isinstance(value, dict) or part not in value:
                        raise KeyError(f"no key {spec.key!r}")
                    value = value[part]
                return value

            return get_json, raw_json
        if fmt == "numbers":
            tokens = _NUMBER.findall(rec)
        elif fmt == "whitespace":
            tokens = rec.split()
        else:
            tokens = [t.strip() for t in rec.split(p.separator)]

        def get_index(spec: FieldSpec) -> np.ndarray:
            end = spec.index + spec.count
            if end > len(tokens):
                raise ValueError(f"{len(tokens)} values, the profile reads up to value {end}")
            return _physical(
                spec, [float(t) for t in spec.pick(tokens[spec.index : end])]
            )  # ValueError: not a number

        def raw_index(spec: FieldSpec):
            if spec.index >= len(tokens):
                raise ValueError(f"{len(tokens)} values, the side field is value {spec.index}")
            return tokens[spec.index].decode("ascii", "replace")

        return get_index, raw_index

    # ------------------------------------------------------------------ helpers
    def _bad(
        self, data: bytes, reason: str, *, frame: bool = True, count: int = 1, nbytes: int | None = None
    ) -> None:
        if frame:
            self.stats.bad_frames += count
        self.stats.bad_bytes += len(data) if nbytes is None else nbytes
        if not self.stats.first_bad_reason:
            self.stats.first_bad = data[:FIRST_BAD_KEPT]
            self.stats.first_bad_reason = reason

    def _block(self, parts: list) -> ProfileBlock:
        values = np.concatenate([v for v, _, _, _ in parts]).astype(np.float32)
        ticks = None
        if parts[0][1] is not None:
            ticks = np.rint(np.concatenate([t for _, t, _, _ in parts])).astype(np.uint64)
        extra = {}
        for name in parts[0][2]:
            extra[name] = np.concatenate([e[name] for _, _, e, _ in parts])
        counter = None
        if parts[0][3] is not None:
            counter = np.concatenate([c for _, _, _, c in parts]).astype(np.uint64)
        return ProfileBlock(values, ticks, extra, counter)


_OTHER = {"left": "right", "right": "left"}


def _physical(spec: FieldSpec, kept: np.ndarray | list[float]) -> np.ndarray:
    """A field's kept values (``spec.pick`` of those read, ``(..., n_values)``) as float64
    x ``scale`` + ``value_offset``; every decoding path (binary, text, JSON) ends here."""
    out = np.asarray(kept, dtype=np.float64)
    if spec.scale != 1.0:
        out = out * spec.scale
    return out + spec.value_offset if spec.value_offset else out


def _same(expected, got) -> bool:
    """A side field's value ``got`` (number, or text from a text record) equals the profile's ``expected``."""
    if isinstance(expected, str):
        return str(got) == expected
    if isinstance(got, str):
        try:
            return float(got) == float(expected)
        except ValueError:
            return False
    return _is_number(got) and float(got) == float(expected)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
