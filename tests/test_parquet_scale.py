"""Parquet at scale (issue 17, goal 2): the row-group reader equals reading the whole table,
and the writer's encodings keep files no larger than the raw arrays.

The reader decodes one row group at a time straight into preallocated arrays; these tests
compare it with the straightforward way (``pyarrow.parquet.read_table`` of the whole file,
then ``np.column_stack`` of the columns) on files of several row groups, written by
sensorkit or by plain pyarrow (nulls, float64 and integer columns, dictionary encoding).
"""

from __future__ import annotations

import gc
import json
import os

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io.parquet import read_parquet, write_parquet

pa = pytest.importorskip("pyarrow", reason="pyarrow (the 'parquet' extra) is not installed")
pq = pytest.importorskip("pyarrow.parquet")


def straightforward(path, names_l, names_r):
    table = pq.read_table(path)
    cols = {n: table.column(n).cast(pa.float64()).fill_null(np.nan).to_numpy() for n in table.column_names}
    time = cols[table.column_names[0]]
    left = np.column_stack([cols[n] for n in names_l]).astype(np.float32) if names_l else None
    right = np.column_stack([cols[n] for n in names_r]).astype(np.float32) if names_r else None
    return time, left, right


def bits(a):
    return None if a is None else a.view(np.uint32)


def test_sensorkit_file_of_many_row_groups_reads_as_the_whole_table(tmp_path):
    rec = sk.simulate(duration_s=12, seed=3, dropout=0.02, noise=2.0)
    path = write_parquet(rec, tmp_path / "r.parquet", row_group_frames=333)  # last group partial
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-rec.n_frames // 333)
    back = read_parquet(path)
    names = [f"L_{s}" for s in rec.layout.sensor_names], [f"R_{s}" for s in rec.layout_right.sensor_names]
    time, left, right = straightforward(path, *names)
    assert np.array_equal(back.time, time) and np.array_equal(back.time, rec.time)
    assert np.array_equal(bits(back.left), bits(left)) and np.array_equal(bits(back.left), bits(rec.left))
    assert np.array_equal(bits(back.right), bits(right))
    assert back.left.flags.f_contiguous and back.left.dtype == np.float32  # column-major


def test_foreign_file_with_nulls_float64_and_dictionaries(tmp_path):
    rng = np.random.default_rng(7)
    n = 1000
    names = sk.load_layout("ref16").sensor_names
    # (this file's time was integer seconds: 1 s frames now read as milliseconds, refused by
    # test_parquet.py::test_a_time_column_in_milliseconds_is_refused)
    data = {"time_s": pa.array(np.arange(n) / 100.0)}
    lost = np.zeros(n, dtype=bool)
    lost[[5, 6, 7, 500, 999]] = True  # whole frames missing, as nulls
    for s in names:
        v = rng.integers(0, 50, n).astype(np.float64)  # repeats: dictionary encoding kicks in
        data[f"L_{s}"] = pa.array(v, mask=lost)
    path = tmp_path / "foreign.parquet"
    pq.write_table(pa.table(data), path, row_group_size=128, use_dictionary=True, compression="zstd")
    back = read_parquet(path, layout="ref16")
    time, left, _ = straightforward(path, [f"L_{s}" for s in names], [])
    assert back.right is None
    assert np.array_equal(back.time, time)
    assert np.array_equal(bits(back.left), bits(left))
    assert (
        np.isnan(back.left[[5, 6, 7, 500, 999]]).all()
        and not np.isnan(np.delete(back.left, [5, 6, 7, 500, 999], 0)).any()
    )
    assert back.gaps["n_missing"].tolist() == [3, 1, 1]


def test_a_text_column_is_one_clear_error_naming_it(tmp_path):
    names = sk.load_layout("ref16").sensor_names
    data = {"time_s": pa.array(np.arange(10.0))}
    for s in names:
        data[f"L_{s}"] = pa.array(np.ones(10))
    data[f"L_{names[3]}"] = pa.array([str(i) for i in range(10)])
    path = tmp_path / "text.parquet"
    pq.write_table(pa.table(data), path)
    with pytest.raises(FileFormatError, match=rf"column 'L_{names[3]}' holds string, not numbers") as err:
        read_parquet(path, layout="ref16")
    assert err.value.column == f"L_{names[3]}"


def test_writer_uses_no_dictionary_and_files_are_smaller_than_the_raw_arrays(tmp_path):
    rec = sk.simulate(duration_s=60, seed=2, rate_hz=1000, noise=2.0)
    path = write_parquet(rec, tmp_path / "r.parquet")
    meta = pq.ParquetFile(path).metadata
    for k in range(meta.num_columns):
        encodings = set(meta.row_group(0).column(k).encodings)
        assert "BYTE_STREAM_SPLIT" in encodings and not encodings & {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    raw = rec.time.nbytes + rec.left.nbytes + rec.right.nbytes
    assert path.stat().st_size < raw
    # dictionary encoding on (the writer before issue 17) made the same data larger than raw
    old = tmp_path / "old.parquet"
    table = pq.read_table(path)
    pq.write_table(table, old, compression="zstd", use_dictionary=True)
    assert old.stat().st_size > path.stat().st_size


def _foreign_groups(tmp_path, left, row_group_size):
    """A plain-pyarrow file (no sensorkit header) of ``left`` in row groups of ``row_group_size``."""
    names = sk.load_layout("ref16").sensor_names
    data = {"time_s": pa.array(np.arange(len(left)) / 100.0)}
    for j, s in enumerate(names):
        data[f"L_{s}"] = pa.array(left[:, j])
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table(data), path, row_group_size=row_group_size)
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(left) // row_group_size)
    return path


def test_bad_values_decoded_in_parallel_row_groups_name_the_frame_of_the_whole_file(tmp_path):
    """Row groups are decoded and scanned in two threads; the error is the one a single pass over
    the whole array gives: the first infinity wins over an earlier partly-NaN frame, and frame
    numbers count from the start of the file, not of the row group."""
    names = sk.load_layout("ref16").sensor_names
    v = np.ones((1000, 16), dtype=np.float32)
    v[130, 5] = np.nan  # partly NaN, row group 1 of 10
    v[[400, 401]] = np.nan  # whole frames: gaps
    v[857, 11] = np.inf  # row group 8
    v[972, 2] = -np.inf
    with pytest.raises(FileFormatError, match=rf"left value is infinite at frame 857, sensor {names[11]} "):
        read_parquet(_foreign_groups(tmp_path, v, 100), layout="ref16")
    v[857, 11] = v[972, 2] = 1.0
    with pytest.raises(FileFormatError, match=rf"left value is NaN at frame 130, sensor {names[5]}, while"):
        read_parquet(_foreign_groups(tmp_path, v, 100), layout="ref16")
    v[130, 5] = 1.0
    v[[699, 700, 701]] = np.nan  # a gap across the boundary of row groups 6 and 7
    rec = read_parquet(_foreign_groups(tmp_path, v, 100), layout="ref16")
    assert rec.gaps["n_missing"].tolist() == [2, 3]
    assert rec.gaps["start_s"].tolist() == pytest.approx([3.99, 6.98])  # the last frame delivered
    same = sk.Recording.from_arrays(rec.time, v, None, layout="ref16", rate_hz=100.0)
    pd.testing.assert_frame_equal(rec.gaps, same.gaps)


def _table(n=300, extra=None, text_column=False, schema_version=None, time_name="time_s"):
    names = sk.load_layout("ref16").sensor_names
    data = {time_name: pa.array(np.arange(n) / 100.0)}
    for s in names:
        data[f"L_{s}"] = pa.array(np.ones(n, dtype=np.float32))
    if text_column:
        data[f"L_{names[0]}"] = pa.array([str(i) for i in range(n)])
    if extra:
        data[extra] = pa.array(np.zeros(n))
    table = pa.table(data)
    if schema_version:
        table = table.replace_schema_metadata({b"sensorkit": json.dumps({"schema": schema_version}).encode()})
    return table


@pytest.mark.parametrize(
    ("table", "layout", "error", "message"),
    [
        (_table(extra="extra"), None, FileFormatError, "no sensor layout in this Parquet file"),
        (_table(text_column=True, schema_version="sensorkit.recording/9"), None, FileFormatError,
         "unknown sensorkit schema 'sensorkit.recording/9'"),
        (_table(time_name="t"), "nope", sk.errors.CalibrationError, "nope"),
        (_table(extra="extra"), "ref16", FileFormatError, "column 'extra' is neither a left"),
    ],
)  # fmt: skip
def test_errors_come_in_the_same_order_while_row_groups_decode_in_threads(
    tmp_path, table, layout, error, message
):
    """The header, then the layouts, then the columns: decoding starts before the header is
    checked, and that must not change which error a file gives."""
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path, row_group_size=100)
    with pytest.raises(error, match=message):
        read_parquet(path, layout=layout)


def test_a_file_replaced_while_it_is_read_is_read_whole_from_the_first_open(tmp_path, monkeypatch):
    """Every thread reads the one open file, not the path again: replacing the path between the
    footer and the row groups changes nothing (it had mixed two files' data and header)."""
    from sensorkit.io import parquet as P

    a = sk.simulate(duration_s=6, seed=1, rate_hz=200)
    b = sk.simulate(duration_s=6, seed=2, rate_hz=200, dropout=0.05)
    path, other = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_parquet(a, path, row_group_frames=200, compression="none")
    write_parquet(b, other, row_group_frames=200, compression="none")
    start = P._GroupDecoder.__init__

    def replace_then_start(self, *args, **kwargs):
        os.replace(other, path)
        start(self, *args, **kwargs)

    monkeypatch.setattr(P._GroupDecoder, "__init__", replace_then_start)
    back = read_parquet(path)
    assert np.array_equal(bits(back.left), bits(a.left)) and np.array_equal(back.time, a.time)
    assert len(back.gaps) == len(a.gaps) == 0


def test_a_damaged_row_group_is_a_file_format_error_and_leaves_no_open_file_behind(tmp_path):
    """A page header overwritten in row group 2 (decoded in a worker thread): one clear error
    naming the row group and its frames (it was Arrow's bare OSError), and the file is closed
    at once, without waiting for the garbage collector (the error's traceback had kept the
    readers alive)."""
    rec = sk.simulate(duration_s=6, seed=1, rate_hz=200)
    path = write_parquet(rec, tmp_path / "damaged.parquet", row_group_frames=200)
    offset = pq.ParquetFile(path).metadata.row_group(2).column(5).data_page_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 12] = b"\xff" * 12
    path.write_bytes(bytes(data))
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    fds = len(os.listdir("/proc/self/fd"))
    gc.disable()
    try:
        for _ in range(20):
            with pytest.raises(
                FileFormatError, match=r"row group 2 \(frames 400-599\) cannot be decoded: "
            ) as err:
                read_parquet(path)
            assert str(err.value).isprintable()  # Arrow quotes the damaged byte (0x0f here)
        assert len(os.listdir("/proc/self/fd")) == fds
    finally:
        gc.enable()
