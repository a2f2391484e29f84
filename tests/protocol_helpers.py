"""Shared helpers for the protocol tests: vector loading, packet comparison, strategies."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from sensorkit.protocol import (
    Ack,
    Capability,
    Command,
    CommandId,
    DeviceInfo,
    ImuSamples,
    Nack,
    Packet,
    PressureSamples,
    Side,
    Status,
    StatusFlags,
    TimeSync,
    Units,
)

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_DIR = ROOT / "firmware_protocol"
VECTOR_DIR = PROTOCOL_DIR / "vectors"
TOOLS_DIR = PROTOCOL_DIR / "tools"
C_DIR = PROTOCOL_DIR / "c"

if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from vector_fields import fields_to_packet, packet_to_fields  # noqa: E402

__all__ = [
    "C_DIR",
    "TOOLS_DIR",
    "VECTOR_DIR",
    "fields_to_packet",
    "load_vectors",
    "packet_strategy",
    "packet_to_fields",
    "same_packet",
]

U16 = st.integers(0, 0xFFFF)
U32 = st.integers(0, 0xFFFFFFFF)
U64 = st.integers(0, (1 << 64) - 1)


def load_vectors() -> list[dict[str, Any]]:
    """Every committed vector, in file order."""
    return [json.loads(p.read_text()) for p in sorted(VECTOR_DIR.glob("[0-9][0-9][0-9]_*.json"))]


def same_packet(a: Packet, b: Packet) -> bool:
    """Exact equality of two packets, arrays included."""
    return type(a) is type(b) and packet_to_fields(a) == packet_to_fields(b)


@st.composite
def _pressure(draw: st.DrawFn) -> PressureSamples:
    bits = draw(st.sampled_from([12, 16]))
    channels = draw(st.integers(1, 24))
    per_sample = channels * bits / 8
    max_samples = max(1, min(255, int((504 - 19 - 1) // per_sample)))
    n = draw(st.integers(1, max_samples))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 1 << bits, size=(n, channels)).astype(np.uint16)
    if draw(st.booleans()):
        values[rng.random(values.shape) < 0.5] = 0  # zero-heavy data stresses COBS
    return PressureSamples(draw(U16), draw(U64), draw(U32), draw(st.integers(1, 2**32 - 1)),
                           bits, values)  # fmt: skip


@st.composite
def _imu(draw: st.DrawFn) -> ImuSamples:
    n = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    accel = rng.integers(-32768, 32768, size=(n, 3)).astype(np.int16)
    gyro = rng.integers(-32768, 32768, size=(n, 3)).astype(np.int16)
    return ImuSamples(draw(U16), draw(U64), draw(U32), draw(st.integers(1, 2**32 - 1)),
                      draw(st.integers(1, 255)), draw(st.integers(1, 0xFFFF)), accel, gyro)  # fmt: skip


_device_info = st.builds(
    DeviceInfo,
    U16,
    U64,
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    st.sampled_from(list(Side)),
    st.integers(1, 255),
    st.integers(1, 16),
    st.sampled_from(list(Units)),
    st.integers(-128, 127),
    U16,
    U16,
    st.integers(0, 255).map(Capability),
)
_status = st.builds(
    Status,
    U16,
    U64,
    st.one_of(st.integers(0, 100), st.just(255)),
    st.integers(-32768, 32767),
    U32.map(StatusFlags),
    st.booleans(),
)
_time_sync = st.builds(TimeSync, U16, U16, U64, U64, U64)
_known_command = st.one_of(
    st.builds(Command.start, U16),
    st.builds(Command.stop, U16),
    st.builds(Command.tare, U16),
    st.builds(Command.request_info, U16),
    st.builds(Command.set_rate, U16, U16),
    st.builds(Command.sync_time, U16, U64),
)
_unknown_command = st.builds(
    Command,
    U16,
    st.integers(0, 255).filter(lambda c: c not in {int(x) for x in CommandId}),
    st.binary(max_size=40),
)
_ack = st.builds(Ack, U16, U16, st.integers(0, 255))
_nack = st.builds(Nack, U16, U16, st.integers(0, 255), st.integers(0, 255))

packet_strategy = st.one_of(
    _pressure(), _imu(), _device_info, _status, _time_sync, _known_command, _unknown_command,
    _ack, _nack,
)  # fmt: skip
"""Random valid packets of every type."""
