"""Parquet reader/writer: lossless round trips, metadata, errors."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError, SensorkitError
from sensorkit.io.parquet import METADATA_KEY, looks_like_parquet, read_parquet, write_parquet

pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (the 'parquet' extra) is not installed")
pa = pytest.importorskip("pyarrow")


def _same(a: sk.Recording, b: sk.Recording) -> None:
    assert np.array_equal(a.time, b.time)
    for side in ("left", "right"):
        x, y = getattr(a, side), getattr(b, side)
        assert (x is None) == (y is None)
        if x is not None:
            assert x.dtype == y.dtype == np.float32
            assert np.array_equal(x.view(np.uint32), y.view(np.uint32))  # bit for bit, NaN included
    pd.testing.assert_frame_equal(a.gaps, b.gaps)
    assert (a.units, a.rate_hz, a.body_mass_kg, a.layout.name) == (
        b.units,
        b.rate_hz,
        b.body_mass_kg,
        b.layout.name,
    )


def test_round_trip_is_bit_identical_with_gaps_and_reasons(tmp_path):
    rec = sk.simulate(duration_s=8, seed=4, dropout=0.01, body_mass_kg=81.5)
    declared = [{"start_s": 2.0, "end_s": 2.5, "side": "both", "n_missing": 0, "reason": "link lost"}]
    rec = sk.Recording.from_arrays(
        rec.time,
        rec.left,
        rec.right,
        layout=rec.layout,
        body_mass_kg=81.5,
        gaps=declared,
        metadata={"subject": "S01", "ground_truth": object()},
    )
    path = write_parquet(rec, tmp_path / "run.parquet", row_group_frames=100)
    back = read_parquet(path)
    _same(rec, back)
    assert "link lost" in set(back.gaps["reason"])
    assert back.metadata["subject"] == "S01" and back.metadata["format"] == "parquet"
    assert pq.ParquetFile(path).metadata.num_row_groups == 8  # 800 frames in groups of 100


def test_metadata_is_json_under_the_sensorkit_key(tmp_path):
    rec = sk.simulate(duration_s=3, seed=1)
    path = write_parquet(rec, tmp_path / "r.parquet")
    meta = json.loads(pq.ParquetFile(path).schema_arrow.metadata[METADATA_KEY])
    assert meta["schema"] == "sensorkit.recording/1"
    assert (meta["layout"], meta["units"], meta["rate_hz"], meta["body_mass_kg"]) == (
        "ref16",
        "N",
        100.0,
        70.0,
    )
    assert meta["metadata_not_stored"] == ["ground_truth"]
    assert pq.ParquetFile(path).schema_arrow.names[:3] == ["time_s", "L_H1", "L_H2"]


def _with_header_gaps(path, gaps, out):
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    del meta["header_crc32_key"]  # edited by hand, without its checksum
    meta["gaps"] = gaps
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)}), out)
    return out


def test_header_gaps_are_checked_against_the_data_as_the_generic_csv_does(tmp_path):
    # A Parquet file cropped with pyarrow keeps its header: a gap at 50 s of a 2 s file was
    # kept in the gap table, and one saying 9,000,000 frames missing in 20 ms was read as such
    # (and would be reported as 25 h missing).
    path = write_parquet(sk.simulate(duration_s=2, seed=1), tmp_path / "r.parquet")
    lost = {"side": "left", "reason": "packet loss"}
    after = _with_header_gaps(
        path,
        [
            {"start_s": 50.0, "end_s": 51.0, "n_missing": 99, **lost},
            {"start_s": 0.5, "end_s": 0.53, "n_missing": 2, **lost},
        ],
        tmp_path / "cropped.parquet",
    )
    with pytest.warns(UserWarning, match="1 of the 2 gaps in gaps lie outside the data"):
        rec = read_parquet(after)
    assert rec.gaps[["start_s", "end_s", "n_missing"]].values.tolist() == [[0.5, 0.53, 2]]
    too_many = [{"start_s": 0.5, "end_s": 0.52, "n_missing": 9_000_000, **lost}]
    many = _with_header_gaps(path, too_many, tmp_path / "many.parquet")
    with pytest.raises(
        FileFormatError, match=r"gaps gap at 0\.5-0\.52 s says 9000000 frames missing, more than"
    ) as err:
        read_parquet(many)
    assert str(err.value).count("many.parquet") == 1  # the file named once


def test_custom_layout_and_one_side_survive(tmp_path):
    base = sk.load_layout("ref16")
    custom = dataclasses.replace(base, name="my-insole", x_mm=base.x_mm + 1.5, _region_masks={})
    rec = sk.simulate(duration_s=3, seed=2)
    one = sk.Recording.from_arrays(rec.time, None, rec.right, layout=custom)
    back = read_parquet(write_parquet(one, tmp_path / "r.parquet"))
    _same(one, back)
    assert back.left is None
    np.testing.assert_array_equal(back.layout.x_mm, custom.x_mm)
    np.testing.assert_array_equal(back.layout.outline_mm, custom.outline_mm)


def test_physionet_walk_round_trips(tmp_path):
    walk = sk.read("tests/data/physionet-gaitpdb/GaCo03_01.txt", body_mass_kg=72)
    _same(walk, read_parquet(write_parquet(walk, tmp_path / "w.parquet")))


def test_sniffer_and_errors(tmp_path):
    rec = sk.simulate(duration_s=2, seed=1)
    path = write_parquet(rec, tmp_path / "r.parquet")
    assert looks_like_parquet(path, path.read_bytes()[:8])
    assert not looks_like_parquet(path, b"# units: N\n")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(FileFormatError, match=r"bad\.parquet: not a readable Parquet file"):
        read_parquet(bad)
    import pyarrow as pa

    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"time_s": rec.time, "L_H1": rec.left[:, 0]}), plain)
    with pytest.raises(FileFormatError, match="no sensor layout") as info:
        read_parquet(plain)
    assert "layout=" in info.value.hint and "--layout" in info.value.hint
    with pytest.raises(FileFormatError, match="do not match layout"):
        read_parquet(plain, layout="ref16")  # one sensor column, 16 in the layout


def test_missing_pyarrow_gives_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(SensorkitError, match="pyarrow") as info:
        write_parquet(sk.simulate(duration_s=2, seed=1), tmp_path / "x.parquet")
    assert "sensorkit[parquet]" in info.value.hint


def test_a_damaged_data_page_is_an_error_not_other_values(tmp_path):
    # A new user's fuzzing: of 20 files with 1-4 bytes changed, 4 read without an error, 3 of
    # them with other values (32.5 kPa read as 6.1e-36). Pages now carry a CRC-32 that the
    # reader verifies. Uncompressed, so the flipped byte is a value's byte, not lz4's.
    rec = sk.simulate(duration_s=2, seed=1)
    path = write_parquet(rec, tmp_path / "r.parquet", compression="none")
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(1)  # L_H1
    assert chunk.path_in_schema == "L_H1"
    data = bytearray(path.read_bytes())
    at = chunk.data_page_offset + chunk.total_compressed_size - 40  # inside the page's values
    data[at] ^= 0x01  # a value changed in its last bits: nothing else would notice
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"row group 0 .*cannot be decoded: .*(?i:crc|checksum)"):
        read_parquet(damaged)


def test_a_header_rate_that_contradicts_the_time_column_gives_way_to_it(tmp_path):
    # a header edited to 50 Hz on a 100 Hz file was taken as is: <Recording ... at 50 Hz>
    path = write_parquet(sk.simulate(duration_s=2, seed=1), tmp_path / "r.parquet")
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    del meta["header_crc32_key"]  # edited by hand, without its checksum
    meta["rate_hz"] = 50.0
    edited = tmp_path / "rate50.parquet"
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)}), edited)
    with pytest.warns(
        UserWarning, match=r"rate_hz says 50 Hz but the time column steps by 0\.01 s \(100 Hz\)"
    ):
        rec = read_parquet(edited)
    assert rec.rate_hz == pytest.approx(100.0)


def test_a_time_column_in_milliseconds_is_refused(tmp_path):
    # read as 17 500 s at 0.1 Hz, where `analyze` found "no walking or running steps"
    path = write_parquet(sk.simulate(duration_s=2, seed=1), tmp_path / "r.parquet")
    table = pq.read_table(path)
    ms = table.set_column(0, "time_s", pa.array(table.column(0).to_numpy() * 1000.0))
    pq.write_table(ms, tmp_path / "ms.parquet")
    with pytest.raises(
        FileFormatError, match=r"column 'time_s' steps by 10 between rows: that is milliseconds"
    ) as err:
        read_parquet(tmp_path / "ms.parquet")
    assert "divide it by 1000" in err.value.hint


def test_sensor_columns_are_matched_by_name_and_a_dropped_one_is_named(tmp_path):
    # a new user swapped two columns with pyarrow: refused with both lists showing the same
    # first three names and "pass layout=", and a dropped column was never named
    rec = sk.simulate(duration_s=1, seed=1)
    path = write_parquet(rec, tmp_path / "r.parquet")
    table = pq.read_table(path)
    names = table.column_names
    swapped = [names[0], names[2], names[1], *names[3:]]
    pq.write_table(table.select(swapped), tmp_path / "swapped.parquet")
    back = read_parquet(tmp_path / "swapped.parquet")
    assert np.array_equal(back.left, rec.left, equal_nan=True)
    assert np.array_equal(back.right, rec.right, equal_nan=True)
    pq.write_table(table.drop_columns(["L_H3"]), tmp_path / "dropped.parquet")
    with pytest.raises(
        FileFormatError,
        match=r"left columns do not match layout 'ref16': no column L_H3 \(15 columns, 16 sensors\)",
    ) as err:
        read_parquet(tmp_path / "dropped.parquet")
    assert "dropped or renamed" in err.value.hint


def test_a_damaged_header_is_refused_not_read_as_other_areas_gaps_or_events(tmp_path):
    """Parquet's page checksums leave the footer out; the sensorkit header has its own CRC-32.
    A new user's trial flipped one bit of a pedar file's footer: sensor 76's area read as
    19 420 mm2 instead of 194, and the peak force changed without a warning."""
    rec = sk.read(Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc")
    path = write_parquet(rec, tmp_path / "p.parquet")
    raw = path.read_bytes()
    # the header's one copy: the file's key-value metadata (no serialised Arrow schema since
    # 2026-12-02, which held a second, base64 copy)
    assert b"ARROW:schema" not in raw
    start = raw.index(b'{"schema":"sensorkit.recording/1"')
    end = raw.index(b'"sensorkit_version"', start)
    at = range(start + 1, end, max((end - start) // 40, 1))
    assert len(at) >= 20
    for k in at:
        bad = bytearray(raw)
        bad[k] ^= 0x01
        damaged = tmp_path / "bad.parquet"
        damaged.write_bytes(bytes(bad))
        with pytest.raises(sk.FileFormatError, match="metadata \\(layout, gaps, events\\) is damaged") as err:
            sk.read(damaged)
        assert "bad.parquet" in str(err.value)


def _footer(raw: bytes) -> tuple[int, int]:
    """Where a Parquet file's footer (its Thrift FileMetaData) starts and ends."""
    length = int.from_bytes(raw[-8:-4], "little")
    return len(raw) - 8 - length, len(raw) - 8


def _thrift_i64(value: int) -> bytes:
    """A Thrift compact-protocol i64 (zigzag varint), as Parquet's footer stores row counts."""
    z = (value << 1) ^ (value >> 63)
    out = bytearray()
    while True:
        out.append((z & 0x7F) | (0x80 if z > 0x7F else 0))
        z >>= 7
        if not z:
            return bytes(out)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (-300, r"declares a negative number of rows \(-300\)"),
        (10**13, "declares 10000000000000 rows but holds 300"),
    ],
)
def test_a_damaged_row_count_is_an_error_before_anything_is_allocated(tmp_path, declared, message):
    """A new user's trial flipped footer bytes: a negative count raised NumPy's 'negative
    dimensions are not allowed' without the file's name, a huge one a MemoryError traceback."""
    path = write_parquet(sk.simulate(duration_s=3, seed=1), tmp_path / "r.parquet")  # 300 frames
    raw = path.read_bytes()
    start, end = _footer(raw)
    # FileMetaData field 3 (num_rows, i64: header byte 0x16) comes before the row groups' own
    # counts (field 4), which are the same bytes: the first one is the file's
    at = raw.index(b"\x16" + _thrift_i64(300), start, end)
    bad = raw[:at] + b"\x16" + _thrift_i64(declared) + raw[at + 1 + len(_thrift_i64(300)) :]
    bad = (
        bad[:-8]
        + (int.from_bytes(raw[-8:-4], "little") + len(bad) - len(raw)).to_bytes(4, "little")
        + b"PAR1"
    )
    damaged = tmp_path / "bad.parquet"
    damaged.write_bytes(bad)
    assert pq.ParquetFile(damaged).metadata.num_rows == declared
    with pytest.raises(FileFormatError, match=message) as err:
        read_parquet(damaged)
    assert "bad.parquet" in str(err.value)


def test_more_rows_than_memory_is_said_with_the_file_not_as_a_memory_error(tmp_path):
    """Counts that agree but exceed any memory (2**60 frames in the file and in its one row
    group): a SensorkitError naming the file and the memory, not NumPy's error."""
    path = write_parquet(sk.simulate(duration_s=3, seed=1), tmp_path / "r.parquet")
    raw = path.read_bytes()
    start, end = _footer(raw)
    old, new = b"\x16" + _thrift_i64(300), b"\x16" + _thrift_i64(2**60)
    # the file's count, its row group's, and each column chunk's count of values
    k = raw.count(old, start, end)
    bad = raw[:start] + raw[start:end].replace(old, new) + raw[end:]
    bad = bad[:-8] + (end - start + k * (len(new) - len(old))).to_bytes(4, "little") + b"PAR1"
    damaged = tmp_path / "huge.parquet"
    damaged.write_bytes(bad)
    meta = pq.ParquetFile(damaged).metadata
    assert meta.num_rows == meta.row_group(0).num_rows == 2**60
    with pytest.raises(
        SensorkitError, match=r"huge.parquet: reading its 1152921504606846976 frames needs .* GB"
    ):
        read_parquet(damaged)


def test_a_column_name_that_is_not_utf8_is_a_file_format_error(tmp_path):
    """Arrow decodes the footer's column names with Python's UTF-8 codec: a damaged byte there
    raised UnicodeDecodeError without the file's name (a new user's trial)."""
    path = write_parquet(sk.simulate(duration_s=3, seed=1), tmp_path / "r.parquet")
    raw = bytearray(path.read_bytes())
    start, end = _footer(bytes(raw))
    raw[raw.index(b"L_H1", start, end)] = 0xF4  # the schema's name (the first in the footer)
    damaged = tmp_path / "bad.parquet"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(FileFormatError, match="not a readable Parquet file") as err:
        read_parquet(damaged)
    assert "bad.parquet" in str(err.value)


def test_a_pyarrow_without_add_key_value_metadata_is_refused_before_writing(tmp_path, monkeypatch):
    """pyarrow 15-16 were accepted before 2026-12-02: such an install got an AttributeError
    after writing every row group (found by a review)."""
    monkeypatch.delattr(pq.ParquetWriter, "add_key_value_metadata")
    written = []
    with pytest.raises(SensorkitError, match="needs pyarrow 17 or newer") as err:
        write_parquet(
            sk.simulate(duration_s=3, seed=1),
            tmp_path / "r.parquet",
            on_progress=lambda *a: written.append(a),
        )
    assert "pip install -U" in err.value.hint
    assert written == [] and list(tmp_path.iterdir()) == []


def test_a_file_with_a_serialised_arrow_schema_reads_the_same(tmp_path):
    """Files written before 2026-12-02 (and by pq.write_table) carry ARROW:schema, a base64
    copy of the schema and its metadata, beside the plain key-value copy: still read, the same."""
    rec = sk.simulate(duration_s=6, seed=3, dropout=0.01)
    path = write_parquet(rec, tmp_path / "new.parquet", row_group_frames=150)
    table = pq.read_table(path)
    assert set(table.schema.metadata) == {METADATA_KEY, b"sensorkit.crc32"}
    old = tmp_path / "old.parquet"
    with pq.ParquetWriter(  # the writer before 2026-12-02: its options, the header in the schema
        old,
        table.schema,
        compression="lz4",
        use_dictionary=False,
        use_byte_stream_split=True,
        write_page_checksum=True,
    ) as writer:  # store_schema=True, pyarrow's default
        writer.write_table(table, row_group_size=150)
    assert b"ARROW:schema" in pq.ParquetFile(old).metadata.metadata
    assert b"ARROW:schema" not in pq.ParquetFile(path).metadata.metadata
    assert pq.ParquetFile(path).metadata.serialized_size < pq.ParquetFile(old).metadata.serialized_size
    _same(read_parquet(old), read_parquet(path))
    _same(read_parquet(path), rec)


def test_a_tampered_header_with_its_old_checksum_is_refused_and_a_file_without_one_is_read(tmp_path):

    rec = sk.simulate(duration_s=3, seed=2)
    table = pq.read_table(write_parquet(rec, tmp_path / "r.parquet"))
    meta = dict(table.schema.metadata)
    edited = meta[METADATA_KEY].replace(b'"body_mass_kg":70', b'"body_mass_kg":90')
    assert edited != meta[METADATA_KEY]
    pq.write_table(table.replace_schema_metadata({**meta, METADATA_KEY: edited}), tmp_path / "t.parquet")
    with pytest.raises(sk.FileFormatError, match="CRC-32 does not match"):
        sk.read(tmp_path / "t.parquet")
    # as written before 2026-12-01: no checksum, and a header that does not say where one is
    head = json.loads(meta[METADATA_KEY])
    assert head.pop("header_crc32_key") == "sensorkit.crc32"
    unverified = {METADATA_KEY: json.dumps(head).encode()}
    pq.write_table(table.replace_schema_metadata(unverified), tmp_path / "old.parquet")
    assert sk.read(tmp_path / "old.parquet").body_mass_kg == 70


@pytest.mark.parametrize("bit", [0, 3, 7])
@pytest.mark.parametrize("at", [0, 9, 14])
def test_a_flipped_bit_in_the_checksum_key_is_refused_not_read_unverified(tmp_path, at, bit):
    """One flipped bit in the footer, in the name of the header checksum's key: the header
    could no longer be verified, and it was read as if the file had been written before
    checksums (a damaged layout then read as sensor areas 100x too large)."""
    from sensorkit.io.parquet import METADATA_CRC_KEY

    rec = sk.simulate(duration_s=2, seed=3)
    path = write_parquet(rec, tmp_path / "r.parquet")
    data = bytearray(path.read_bytes())
    assert data.count(METADATA_CRC_KEY) == 2  # named in the header, then the key after it
    data[data.rindex(METADATA_CRC_KEY) + at] ^= 1 << bit
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    flipped = bytearray(METADATA_CRC_KEY)
    flipped[at] ^= 1 << bit
    assert (
        bytes(flipped) in pq.ParquetFile(bad).metadata.metadata
    )  # the footer still parses: only the key changed
    with pytest.raises(
        FileFormatError, match=r"bad\.parquet.*cannot be verified.*'sensorkit\.crc32' is missing"
    ):
        sk.read(bad)


def test_a_broken_stored_layout_without_checksum_names_the_file(tmp_path):
    """A file with no header checksum (written before, or by hand) whose layout lacks a field:
    a FileFormatError naming the file, not a bare 'layout <dict>: missing ... x_mm'."""
    from sensorkit.io.parquet import METADATA_CRC_KEY

    table = pq.read_table(write_parquet(sk.simulate(duration_s=2, seed=1), tmp_path / "r.parquet"))
    meta = {k: v for k, v in table.schema.metadata.items() if k != METADATA_CRC_KEY}
    head = json.loads(meta[METADATA_KEY])
    del head["header_crc32_key"]  # as written before checksums
    for sensor in head["layout_spec"]["sensors"]:
        del sensor["x_mm"]
    meta[METADATA_KEY] = json.dumps(head).encode()
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "lay.parquet")
    with pytest.raises(
        FileFormatError, match=r"lay\.parquet.*layout stored in this file is not valid.*x_mm"
    ) as info:
        sk.read(tmp_path / "lay.parquet")
    assert "--layout" in str(info.value.hint)
    assert sk.read(tmp_path / "lay.parquet", layout="ref16").n_sensors == 16
