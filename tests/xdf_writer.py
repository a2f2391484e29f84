"""A minimal XDF 1.0 writer for tests, written from the specification
(https://github.com/sccn/xdf/wiki/Specifications), so read_xdf is checked against files built
independently of pyxdf and of sensorkit.

File: the magic ``XDF:``, then chunks. A chunk is ``[NumLengthBytes: u8 = 1, 4 or 8]
[Length: that many bytes, little-endian, = bytes of Tag + Content][Tag: u16][Content]``.
Tags: 1 FileHeader (XML), 2 StreamHeader (u32 stream id + XML), 3 Samples (u32 stream id,
varlen sample count, then per sample ``[TimeStampBytes: u8 0 or 8][f64 stamp][values]``,
numeric values little-endian in the channel format, strings as varlen length + UTF-8
bytes per channel), 4 ClockOffset (u32 id, f64 collection time, f64 offset), 5 Boundary
(16-byte UUID), 6 StreamFooter (u32 id + XML). A varlen integer is ``[u8 byte count: 1, 4
or 8][the value, little-endian]``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

BOUNDARY_UUID = bytes.fromhex("43A546DCCBF5410FB30ED5467383CBE4")  # the spec's Boundary chunk UUID


def varlen(n: int) -> bytes:
    """A varlen integer: 1, 4 or 8 bytes after a byte that says which."""
    if n < 1 << 8:
        return bytes([1, n])
    if n < 1 << 32:
        return bytes([4]) + struct.pack("<I", n)
    return bytes([8]) + struct.pack("<Q", n)


def chunk(tag: int, content: bytes, *, length_bytes: int | None = None) -> bytes:
    """One chunk; ``length_bytes`` forces the size of the length field (1, 4 or 8)."""
    n = len(content) + 2
    head = varlen(n) if length_bytes is None else bytes([length_bytes]) + n.to_bytes(length_bytes, "little")
    return head + struct.pack("<H", tag) + content


@dataclass
class Stream:
    """One LSL stream: its header fields, samples (time stamps + values) and clock offsets."""

    stream_id: int
    name: str
    type: str
    channel_count: int
    nominal_srate: float
    channel_format: str = "float32"
    labels: list[str] | None = None
    units: list[str] | None = None
    desc_extra: dict[str, str] = field(default_factory=dict)
    stamps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    values: list | np.ndarray = field(default_factory=list)
    clock_offsets: list[tuple[float, float]] = field(default_factory=list)

    def header_xml(self) -> bytes:
        desc = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.desc_extra.items())
        if self.labels is not None:
            chans = "".join(
                f"<channel><label>{escape(lab)}</label>"
                + (f"<unit>{escape(self.units[i])}</unit>" if self.units else "")
                + "</channel>"
                for i, lab in enumerate(self.labels)
            )
            desc += f"<channels>{chans}</channels>"
        return (
            '<?xml version="1.0"?><info>'
            f"<name>{escape(self.name)}</name><type>{escape(self.type)}</type>"
            f"<channel_count>{self.channel_count}</channel_count>"
            f"<nominal_srate>{self.nominal_srate!r}</nominal_srate>"
            f"<channel_format>{self.channel_format}</channel_format>"
            f"<source_id>test-{self.stream_id}</source_id><version>1.1</version>"
            f"<created_at>100.0</created_at><uid>uid-{self.stream_id}</uid>"
            f"<session_id>default</session_id><hostname>test</hostname>"
            f"<desc>{desc}</desc></info>"
        ).encode()

    def samples_content(self, lo: int, hi: int) -> bytes:
        out = [struct.pack("<I", self.stream_id), varlen(hi - lo)]
        for i in range(lo, hi):
            out.append(b"\x08" + struct.pack("<d", float(self.stamps[i])))
            row = self.values[i]
            if self.channel_format == "string":
                for v in row:
                    b = str(v).encode("utf-8")
                    out.append(varlen(len(b)) + b)
            else:
                out.append(np.asarray(row, dtype="<" + np.dtype(self.channel_format).str[1:]).tobytes())
        return b"".join(out)

    def footer_xml(self) -> bytes:
        first = float(self.stamps[0]) if len(self.stamps) else 0.0
        last = float(self.stamps[-1]) if len(self.stamps) else 0.0
        offsets = "".join(
            f"<offset><time>{t!r}</time><value>{v!r}</value></offset>" for t, v in self.clock_offsets
        )
        return (
            '<?xml version="1.0"?><info>'
            f"<first_timestamp>{first!r}</first_timestamp><last_timestamp>{last!r}</last_timestamp>"
            f"<sample_count>{len(self.stamps)}</sample_count><clock_offsets>{offsets}</clock_offsets></info>"
        ).encode()


def xdf_bytes(streams: list[Stream], *, samples_per_chunk: int = 25) -> bytes:
    """A whole XDF file: header, stream headers, interleaved sample chunks, offsets, boundary, footers."""
    parts = [b"XDF:", chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for s in streams:
        parts.append(chunk(2, struct.pack("<I", s.stream_id) + s.header_xml()))
    longest = max(len(s.stamps) for s in streams)
    for lo in range(0, longest, samples_per_chunk):
        for s in streams:
            hi = min(lo + samples_per_chunk, len(s.stamps))
            if lo < hi:
                parts.append(chunk(3, s.samples_content(lo, hi), length_bytes=4))
        if lo == 0:
            parts.append(chunk(5, BOUNDARY_UUID))
    for s in streams:
        for t, v in s.clock_offsets:
            parts.append(chunk(4, struct.pack("<I", s.stream_id) + struct.pack("<dd", t, v)))
    for s in streams:
        parts.append(chunk(6, struct.pack("<I", s.stream_id) + s.footer_xml()))
    return b"".join(parts)


def write_xdf(path: Path, streams: list[Stream], **kwargs) -> Path:
    """Write ``streams`` to ``path`` as XDF."""
    path.write_bytes(xdf_bytes(streams, **kwargs))
    return path
