"""Fuzz and fault suite (each test bounded to a few seconds): every attack ends with the data intact
or one clear typed error, never a traceback.

Attacks: hypothesis on the capture, CSV, Parquet-metadata and layout readers; truncation of a
small capture at every byte offset; byte flips in every record type; kill -9 of a recording
process at random moments. (Two writers and a consumer that stops reading are in
test_reliability_outputs.py and test_reliability_memory.py; disk full in test_reliability_hostile.py.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import V1_CAPTURE, packets, rewrite, same_records

import sensorkit as sk
from sensorkit.errors import SensorkitError
from sensorkit.io.capture import (
    REC_EVENT,
    REC_HEADER,
    REC_RX,
    REC_TX,
    RECORD_OVERHEAD,
    CaptureCutWarning,
    CaptureReader,
    CaptureRecord,
)
from sensorkit.protocol import DeviceInfo, PressureSamples

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _is_pressure(data: bytes) -> bool:
    return any(isinstance(p, PressureSamples) for p in packets(CaptureRecord(REC_RX, 0, 0.0, data, 0)))


@pytest.fixture(scope="module")
def small_capture(tmp_path_factory) -> Path:
    """A small real capture: both sides' handshakes, 6 samples a side, one EVENT; version 2."""
    kept, n = [], {0: 0, 1: 0}
    for kind, stream, t, data in same_records():
        if kind == REC_RX and _is_pressure(data):
            n[stream] += 1
            if n[stream] > 6:
                continue
        kept.append((kind, stream, t, data))
    kept.insert(len(kept) - 3, (REC_EVENT, 0, kept[-4][2], b'{"event":"timeout","silent_s":0.1}'))
    header = CaptureReader(V1_CAPTURE).header
    for entry in header["streams"]:  # what today's writer keeps: each side's DEVICE_INFO frame
        entry["device_info_frame"] = next(d for k, s, _, d in kept if k == REC_RX and s == entry["stream"]
                                          and any(isinstance(p, DeviceInfo) for p in packets(_rx(d)))).hex()  # fmt: skip
    return rewrite(tmp_path_factory.mktemp("fuzz") / "small.skr", kept, header=header)


def _rx(data: bytes) -> CaptureRecord:
    return CaptureRecord(REC_RX, 0, 0.0, data, 0)


def _read(path: Path):
    """sk.read, with warnings silenced; returns the Recording or the typed error it raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return sk.read(path)
        except SensorkitError as exc:
            return exc


# ---------------------------------------------------------------- hypothesis
@FUZZ
@given(data=st.data())
def test_hypothesis_mutated_captures_read_or_fail_cleanly(small_capture, tmp_path, data):
    blob = bytearray(small_capture.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if action == "flip" and blob:
            blob[pos] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del blob[pos:]
        elif action == "insert":
            blob[pos:pos] = data.draw(st.binary(min_size=1, max_size=64))
        elif blob:
            del blob[pos : pos + data.draw(st.integers(1, 64))]
    path = tmp_path / "m.skr"
    path.write_bytes(bytes(blob))
    out = _read(path)
    if isinstance(out, SensorkitError):
        assert str(path) in str(out) or "capture" in str(out)


_CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                  st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8), st.just(""))  # fmt: skip


@FUZZ
@given(
    meta=st.lists(
        st.tuples(st.sampled_from(["layout", "units", "body_mass_kg", "rate_hz", "x"]), _CELL), max_size=4
    ),
    header=st.lists(st.sampled_from(["time", "L1", "L2", "R1", "R2", "X", ""]), min_size=1, max_size=6),
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=7), max_size=12),
)
def test_hypothesis_generic_csv_reads_or_fails_cleanly(tmp_path, meta, header, rows):
    lines = [f"# {k}: {v}" for k, v in meta] + [",".join(header)] + [",".join(r) for r in rows]
    path = tmp_path / "f.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _read(path)  # a Recording or a SensorkitError; anything else fails the test


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def parquet_parts(tmp_path_factory):
    pq = pytest.importorskip("pyarrow.parquet")
    from sensorkit.io.parquet import METADATA_KEY, write_parquet

    path = write_parquet(sk.simulate(duration_s=0.5, seed=1), tmp_path_factory.mktemp("pq") / "r.parquet")
    key = METADATA_KEY if isinstance(METADATA_KEY, bytes) else METADATA_KEY.encode()
    good = json.loads(pq.read_schema(path).metadata[key])
    del good["header_crc32_key"]  # rewritten below without its checksum, as by hand
    return pq, pq.read_table(path), key, good


@FUZZ
@given(field=st.sampled_from(["schema", "layout", "layout_spec", "units", "rate_hz", "body_mass_kg", "gaps",
                              "metadata", None]), value=_JSON)  # fmt: skip
def test_hypothesis_parquet_metadata_reads_or_fails_cleanly(parquet_parts, tmp_path, field, value):
    pq, table, key, good = parquet_parts
    meta = value if field is None else {**good, field: value}
    path = tmp_path / "f.parquet"
    pq.write_table(table.replace_schema_metadata({key: json.dumps(meta).encode()}), path)
    _read(path)


@FUZZ
@given(field=st.sampled_from(["name", "sensors", "reference_foot_length_mm", "coordinates", "outline",
                              "width_to_length", "schema", "layout_id", None]), value=_JSON,
       sensor=st.integers(0, 15), sensor_key=st.sampled_from(["x", "y", "area", "region", "ml", "name"]))  # fmt: skip
def test_hypothesis_layout_files_load_or_fail_cleanly(tmp_path, field, value, sensor, sensor_key):
    spec = json.loads(json.dumps(sk.load_layout("ref16").to_dict()))
    if field is None:
        spec = value
    elif field == "sensors" and isinstance(spec.get("sensors"), list):
        spec["sensors"][sensor][sensor_key] = value
    else:
        spec[field] = value
    path = tmp_path / "l.json"
    path.write_text(json.dumps(spec))
    try:
        sk.load_layout(str(path))
    except SensorkitError as exc:
        assert str(path) in str(exc)


# ---------------------------------------------------------------- truncation and flips
def test_a_small_capture_cut_at_every_byte_offset_reads_everything_before_the_cut(small_capture, tmp_path):
    """Every offset of the records (every 13th of the header) through the reader; sk.read (17 ms
    each) at every record end +-1 and 50 other offsets."""
    blob = small_capture.read_bytes()
    reader = CaptureReader(small_capture)
    recs = list(reader.records())
    ends = sorted({r.offset + RECORD_OVERHEAD + len(r.data) for r in recs})
    path = tmp_path / "cut.skr"
    outcomes = {"recording": 0, "error": 0}
    pressure_ends = {st: [r.offset + RECORD_OVERHEAD + len(r.data) for r in recs
                          if r.stream == st and r.kind == REC_RX and _is_pressure(r.data)] for st in (0, 1)}  # fmt: skip
    readable_from = max(e[1] for e in pressure_ends.values())  # two samples on each side
    rng = random.Random(1)
    full_reads = {e + d for e in ends for d in (-1, 0, 1)} | set(rng.sample(range(len(blob)), 50))
    offsets = sorted(
        set(range(0, reader.data_offset, 13)) | set(range(reader.data_offset, len(blob) + 1)) | full_reads
    )
    for size in offsets:
        path.write_bytes(blob[:size])
        if size in full_reads:
            out = _read(path)
            outcomes["error" if isinstance(out, SensorkitError) else "recording"] += 1
            assert size < readable_from or not isinstance(out, SensorkitError), (size, out)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CaptureCutWarning)
                cut_reader = CaptureReader(path)
                got = list(cut_reader.records())
        except SensorkitError as exc:
            assert size < reader.data_offset, (size, exc)  # only a cut inside the header (and its copy) fails
            continue
        assert len(got) == sum(1 for e in ends if e <= size), size  # exactly the records before the cut
    assert outcomes["recording"] > 20
    print(f"{len(offsets)} offsets, {sum(outcomes.values())} full reads: {outcomes}")


def _reference(small_capture):
    return _read(small_capture)


@pytest.mark.parametrize("kind", [REC_RX, REC_TX, REC_EVENT, REC_HEADER])
def test_a_flipped_byte_in_any_record_type_costs_at_most_that_record(small_capture, tmp_path, kind):
    ref = _reference(small_capture)
    blob = small_capture.read_bytes()
    if kind == REC_HEADER:
        n = int.from_bytes(blob[8:12], "little")
        spans = [(16 + n, 16 + n + RECORD_OVERHEAD + n, False)]
    else:
        spans = [(r.offset, r.offset + RECORD_OVERHEAD + len(r.data), kind == REC_RX and _is_pressure(r.data))
                 for r in CaptureReader(small_capture).records() if r.kind == kind]  # fmt: skip
    assert spans
    rng = random.Random(kind)
    flips = 0
    for start, end, carries_samples in spans:
        for off in sorted(rng.sample(range(start, end), min(6, end - start))):
            data = bytearray(blob)
            data[off] ^= 1 << rng.randrange(8)
            path = tmp_path / "f.skr"
            path.write_bytes(bytes(data))
            rec = _read(path)
            flips += 1
            assert not isinstance(rec, SensorkitError), (off, rec)
            lost = 1 if carries_samples else 0
            for a, b in ((rec.left, ref.left), (rec.right, ref.right)):
                ok_a = ~np.isnan(a).any(axis=1)
                assert np.count_nonzero(~np.isnan(b).any(axis=1)) - np.count_nonzero(ok_a) in (0, lost)
    print(f"kind {kind}: {flips} flips over {len(spans)} records")


# ---------------------------------------------------------------- kill -9
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_at_random_moments_of_a_recording_leaves_a_file_that_reads(tmp_path):
    rng = random.Random(15)
    results = []
    for k in range(3):
        path = tmp_path / f"k{k}.skr"
        proc = subprocess.Popen([sys.executable, "-m", "sensorkit.cli", "record", "sim://", "-o", str(path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 1.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CaptureCutWarning)
            try:
                reader = CaptureReader(path)
            except SensorkitError as exc:  # killed while writing the header: says so
                assert "cut off" in str(exc)
                results.append("header cut")
                continue
            n = sum(1 for _ in reader.records())
        assert reader.damaged == []  # nothing in the middle is lost; at most the last record is cut
        if reader.cut is not None:
            assert reader.cut.offset > path.stat().st_size - 600
        out = _read(path)
        results.append(
            f"{n} records, {'error' if isinstance(out, SensorkitError) else f'{out.n_frames} frames'}"
        )
    print(results)
