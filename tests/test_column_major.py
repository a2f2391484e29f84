"""Column-major sides (issue 17, goal 2): the Parquet reader stores each side column by column
(no interleaving), and every result is the same, bit for bit, as for the row-major arrays.

The straightforward path is the row-major one the kernels were written for: each test runs
the same computation on a C-contiguous copy and on the column-major array (whole, or a frame
slice of it, which is neither C- nor Fortran-contiguous) and compares the bits.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit import kernels, reference
from sensorkit.io.parquet import write_parquet
from sensorkit.recording import scan_flagged, scan_values

pytest.importorskip("pyarrow", reason="pyarrow (the 'parquet' extra) is not installed")


def _frames(n: int, s: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = (rng.random((n, s)) * 200.0).astype(np.float32)
    values[rng.random(n) < 0.3] = 0.0  # swing
    values[rng.random(n) < 0.05] = np.nan  # missing frames
    return values


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("n_sensors", [1, 7, 16, 33, 1024])
def test_cop_of_a_column_major_side_is_the_row_major_result_bit_for_bit(n_sensors):
    n = 20_000 if n_sensors < 1024 else 700  # several tiles of kernels.cop.TILE_VALUES either way
    rows = _frames(n, n_sensors, n_sensors)
    cols = np.asfortranarray(rows)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 30, n_sensors).astype(np.float32)
    y = rng.uniform(0, 260, n_sensors).astype(np.float32)
    base = rng.uniform(0, 2, n_sensors).astype(np.float32)
    want = kernels.cop_frames(rows, x, y, base, 40.0)
    for g, w in zip(kernels.cop_frames(cols, x, y, base, 40.0), want, strict=True):
        assert np.array_equal(_bits(g), _bits(w))
    # a frame slice of a column-major array: strided in both axes' sense
    sliced = kernels.cop_frames(cols[3 : n - 5], x, y, base, 40.0)
    ref = kernels.cop_frames(np.ascontiguousarray(rows[3 : n - 5]), x, y, base, 40.0)
    for g, w in zip(sliced, ref, strict=True):
        assert np.array_equal(_bits(g), _bits(w))
    # and both agree with the float64 numpy reference to float32 precision
    rf = reference.cop_frames(rows, x, y, base, 40.0)[2]
    np.testing.assert_allclose(want[2], rf, rtol=2e-5, atol=2e-3 * max(1, n_sensors / 16))


def test_row_tiles_cover_every_frame_once_in_order():
    cols = np.asfortranarray(_frames(kernels.cop.TILE_VALUES // 16 * 3 + 11, 16, 4))
    seen = []
    for lo, hi, rows in kernels.row_tiles(cols):
        assert rows.flags.c_contiguous and rows.dtype == np.float32
        assert np.array_equal(_bits(rows), _bits(cols[lo:hi]))
        seen.append((lo, hi))
    assert seen[0][0] == 0 and seen[-1][1] == cols.shape[0] and len(seen) == 4
    assert all(a[1] == b[0] for a, b in itertools.pairwise(seen))
    c = np.ascontiguousarray(cols)
    assert [(lo, hi, r is c) for lo, hi, r in kernels.row_tiles(c)] == [(0, c.shape[0], True)]  # no copy


def test_sensor_array_keeps_rows_or_columns_and_copies_anything_else():
    rows = _frames(100, 16, 2)
    cols = np.asfortranarray(rows)
    assert kernels.sensor_array(rows) is rows
    assert kernels.sensor_array(cols) is cols
    assert kernels.sensor_array(cols[10:50]).base is not None  # a frame slice: a view, not a copy
    assert np.shares_memory(kernels.sensor_array(cols[10:50]), cols)
    every_other_sensor = kernels.sensor_array(rows[:, ::2])
    assert every_other_sensor.flags.c_contiguous and not np.shares_memory(every_other_sensor, rows)
    as64 = kernels.sensor_array(rows.astype(np.float64))
    assert as64.dtype == np.float32 and np.array_equal(_bits(as64), _bits(rows))


def test_regional_loads_of_a_column_major_side_are_the_row_major_results_bit_for_bit():
    rng = np.random.default_rng(3)
    n, s = 5000, 16
    rows = _frames(n, s, 5)
    rows[np.isnan(rows)] = 0.0
    time = np.arange(n) / 100.0
    base = rng.uniform(0, 1, s).astype(np.float32)
    starts = np.arange(10, n - 200, 250, dtype=np.int64)
    stops = starts + rng.integers(60, 200, starts.size)
    region = (np.arange(s) % 4).astype(np.int64)  # every region covered
    ml = rng.integers(-1, 2, s).astype(np.int64)
    kpa = rng.uniform(0.5, 2.0, s)
    cols = np.asfortranarray(rows)
    for first in (0, 7):  # the whole side, and a frame slice of it (neither C- nor F-contiguous)
        t = np.ascontiguousarray(time[first:])
        want = kernels.regional_loads(
            np.ascontiguousarray(rows[first:]), t, base, starts, stops, region, ml, kpa
        )
        got = kernels.regional_loads(cols[first:], t, base, starts, stops, region, ml, kpa)
        assert np.isfinite(want[0]).all() and (want[0] > 0).any()
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(_bits(g), _bits(w))


@pytest.mark.parametrize("kw", [{}, {"rate_hz": 1000, "strike": "forefoot", "dropout": 0.01}])
def test_analysis_of_a_column_major_recording_equals_the_row_major_one(kw):
    rec = sk.simulate(duration_s=30, seed=8, noise=1.0, **kw)
    cols = sk.Recording.from_arrays(
        rec.time,
        np.asfortranarray(rec.left),
        np.asfortranarray(rec.right),
        layout=rec.layout,
        body_mass_kg=rec.body_mass_kg,
        rate_hz=rec.rate_hz,
        gaps=rec.gaps,
    )
    assert cols.left.flags.f_contiguous and not cols.left.flags.c_contiguous
    want, got = sk.analyze(rec), sk.analyze(cols)
    assert len(want.steps) > 20
    pd.testing.assert_frame_equal(got.steps, want.steps, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)
    # a time window of a column-major recording is a frame slice of it (neither order)
    part_w, part_g = sk.analyze(rec, start_s=5.0, end_s=25.0), sk.analyze(cols, start_s=5.0, end_s=25.0)
    pd.testing.assert_frame_equal(part_g.steps, part_w.steps, check_exact=True)
    for side in ("left", "right"):  # the per-frame COP and force, too
        for g, w in zip(got.cop_arrays_of(side), want.cop_arrays_of(side), strict=True):
            assert np.array_equal(_bits(g), _bits(w))


def test_parquet_reads_sides_column_major_and_analyses_them_as_written(tmp_path):
    rec = sk.simulate(duration_s=20, seed=4, dropout=0.02, noise=2.0)
    path = write_parquet(rec, tmp_path / "r.parquet", row_group_frames=333)
    back = sk.read(path)
    assert back.left.flags.f_contiguous and back.right.flags.f_contiguous
    assert np.array_equal(_bits(back.left), _bits(rec.left)) and np.array_equal(
        _bits(back.right), _bits(rec.right)
    )
    pd.testing.assert_frame_equal(sk.analyze(back).steps, sk.analyze(rec).steps, check_exact=True)


def test_from_arrays_keeps_a_column_major_float32_side_without_copying_it():
    rec = sk.simulate(duration_s=3, seed=1)
    cols = np.asfortranarray(rec.left)
    again = sk.Recording.from_arrays(rec.time, cols, layout=rec.layout)
    assert again.left is cols
    as64 = sk.Recording.from_arrays(rec.time, cols.astype(np.float64), layout=rec.layout).left
    assert as64.dtype == np.float32 and as64.flags.f_contiguous


def _scan_cases():
    rows = _frames(3000, 16, 9)
    partial = rows.copy()
    partial[1500, 3] = np.nan
    partial[2000, 0] = np.nan
    inf = partial.copy()
    inf[2500, 7] = np.inf
    inf[2700] = -np.inf
    clean = np.nan_to_num(rows)
    return {"missing frames": rows, "partly NaN": partial, "infinity": inf, "clean": clean}


@pytest.mark.parametrize("case", list(_scan_cases()))
def test_scan_flagged_gives_what_scan_values_gives(case):
    arr = _scan_cases()[case]
    for values in (arr, np.asfortranarray(arr)):
        want = scan_values(values, offset=100)
        got = scan_flagged(values, np.isfinite(values).all(axis=1), offset=100)
        assert got.inf_at == want.inf_at and got.partial_at == want.partial_at
        if want.missing is None:
            assert got.missing is None
        else:
            assert np.array_equal(got.missing, want.missing)
    if case == "infinity":
        assert want.inf_at == (100 + 2500, 7)
    if case == "partly NaN":
        assert want.partial_at == (100 + 1500, 3)


def test_a_parquet_column_that_appears_twice_is_refused_by_name(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rec = sk.simulate(duration_s=2, seed=1)
    table = pq.read_table(write_parquet(rec, tmp_path / "r.parquet"))
    twice = pa.Table.from_arrays(
        [*table.columns, table.column("L_H1")], names=[*table.column_names, "L_H1"]
    ).replace_schema_metadata(table.schema.metadata)
    pq.write_table(twice, tmp_path / "twice.parquet")
    with pytest.raises(sk.FileFormatError, match="column 'L_H1' appears twice"):
        sk.read(tmp_path / "twice.parquet")


def _damaged(tmp_path, rec, groups: int, hits: list[tuple[int, int]]):
    """``rec`` written in ``groups`` row groups, one byte flipped inside each (row group,
    column) page of ``hits`` (its checksum then fails)."""
    import pyarrow.parquet as pq

    path = write_parquet(rec, tmp_path / "r.parquet", row_group_frames=-(-rec.n_frames // groups))
    meta = pq.ParquetFile(path).metadata
    raw = bytearray(path.read_bytes())
    for g, c in hits:
        chunk = meta.row_group(g).column(c)
        raw[chunk.data_page_offset + chunk.total_compressed_size - 8] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(
    ("hits", "named"),
    [
        ([(1, 0), (2, 5)], 1),  # time in row group 1, a sensor in 2: the first damaged is named
        ([(0, 0), (3, 12)], 0),
        ([(2, 0), (1, 5)], 1),  # sensor first
        ([(1, 0)], 1),
        ([(2, 0), (2, 5)], 2),  # the same row group
    ],
)
def test_the_first_damaged_row_group_is_named_whichever_column_is_damaged(tmp_path, hits, named):
    rec = sk.Recording.from_arrays(
        np.arange(2000) / 100.0, _frames(2000, 16, 3), layout="ref16", body_mass_kg=70
    )
    path = _damaged(tmp_path, rec, 4, hits)
    with pytest.raises(sk.FileFormatError, match=rf"row group {named} \(frames {named * 500}-"):
        sk.read(path)


def test_a_float64_value_too_large_for_float32_is_refused_as_infinite(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 400
    cols = {"time_s": pa.array(np.arange(n) / 100.0)}
    for k, name in enumerate(sk.load_layout("ref16").sensor_names):
        values = np.full(n, 10.0 + k)
        if name == "H3":
            values[250] = 1e39  # finite in float64, infinite in float32
        cols[f"L_{name}"] = pa.array(values)
    for groups in (1, 3):
        path = tmp_path / f"big{groups}.parquet"
        pq.write_table(pa.table(cols), path, row_group_size=-(-n // groups))
        with (
            pytest.warns(RuntimeWarning, match="overflow"),
            pytest.raises(sk.FileFormatError, match="left value is infinite at frame 250, sensor H3"),
        ):
            sk.read(path, layout="ref16")


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    "path",
    [
        DATA / "pressure-mats" / "pedar_example.asc",  # kPa, 99 sensors: pressure tables, masks
        DATA / "physionet-gaitpdb" / "GaCo01_01.txt",  # N, 8 sensors
    ],
    ids=["pedar", "physionet"],
)
def test_real_files_read_column_major_analyse_as_their_row_major_copies(path):
    rec = sk.read(path)
    assert rec.left.flags.f_contiguous and not rec.left.flags.c_contiguous  # pandas gives columns
    rows = sk.Recording.from_arrays(
        rec.time,
        None if rec.left is None else np.ascontiguousarray(rec.left),
        None if rec.right is None else np.ascontiguousarray(rec.right),
        layout=rec.layout,
        layout_right=rec.layout_for("right"),
        units=rec.units,
        body_mass_kg=rec.body_mass_kg or 70,
        rate_hz=rec.rate_hz,
        gaps=rec.gaps,
    )
    cols = rec if rec.body_mass_kg else sk.Recording.from_arrays(
        rec.time, rec.left, rec.right, layout=rec.layout, layout_right=rec.layout_for("right"),
        units=rec.units, body_mass_kg=70, rate_hz=rec.rate_hz, gaps=rec.gaps,
    )  # fmt: skip
    assert rows.left.flags.c_contiguous
    want, got = sk.analyze(rows), sk.analyze(cols)
    assert len(want.steps) > 5
    for name in ("steps", "summary", "asymmetry", "standing", "pressure"):
        w, g = getattr(want, name), getattr(got, name)
        if w is None:
            assert g is None
        else:
            pd.testing.assert_frame_equal(g, w, check_exact=True)
    assert (want.pressure is not None) == (rec.units == "kPa")


def test_from_dataframe_copies_the_table_so_later_edits_do_not_reach_the_recording():
    rec = sk.read(DATA / "physionet-gaitpdb" / "GaCo01_01.txt")
    df = rec.to_dataframe()
    again = sk.Recording.from_dataframe(df)
    for arr, column in ((again.time, "time_s"), (again.left, "L_S1"), (again.right, "R_S1")):
        assert arr.flags.writeable and not np.shares_memory(arr, df[column].to_numpy())
    before = again.left.copy()
    df.loc[1000:1400, "L_S1"] = np.nan
    df.loc[5, "time_s"] = -1.0
    assert np.array_equal(again.left, before) and again.time[5] == rec.time[5] and len(again.gaps) == 0
    again.left[:, 0] -= 1.0  # its own, writeable
