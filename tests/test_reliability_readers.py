"""Every reader validates before it trusts: Parquet metadata, layout JSON, CSV headers and text."""

from __future__ import annotations

import json
import time

import pytest

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.errors import CalibrationError, FileFormatError, SensorkitError
from sensorkit.io.parquet import METADATA_KEY, write_parquet

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _key() -> bytes:
    return METADATA_KEY if isinstance(METADATA_KEY, bytes) else METADATA_KEY.encode()


def _parquet_with_metadata(tmp_path, value) -> object:
    """A real Parquet recording whose sensorkit metadata is replaced by ``value`` (JSON-encoded)."""
    path = write_parquet(sk.simulate(duration_s=1, seed=1), tmp_path / "good.parquet")
    table = pq.read_table(path)
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    bad = tmp_path / "bad.parquet"
    pq.write_table(table.replace_schema_metadata({_key(): raw}), bad)
    return bad


def _good_metadata(tmp_path) -> dict:
    path = write_parquet(sk.simulate(duration_s=1, seed=1), tmp_path / "g.parquet")
    return json.loads(pq.read_schema(path).metadata[_key()])


WRONG_TYPES = {
    "a list": lambda h: [1, 2],
    "a string": lambda h: "sensorkit.parquet/1",
    "a number": lambda h: 7,
    "null": lambda h: None,
    "rate an object": lambda h: {**h, "rate_hz": {"hz": 100}},
    "body mass a list": lambda h: {**h, "body_mass_kg": [70]},
    "gaps a string": lambda h: {**h, "gaps": "none"},
    "a gap a number": lambda h: {**h, "gaps": [5]},
    "gap start a string": lambda h: {**h, "gaps": [{"start_s": "0", "end_s": 1.0}]},
    "layout_spec a list": lambda h: {**h, "layout_spec": [1]},
    "layout sensors a dict": lambda h: {**h, "layout_spec": {**h["layout_spec"], "sensors": {}}},
    "sensor x a string": lambda h: {
        **h,
        "layout_spec": {**h["layout_spec"], "sensors": [{"x": "1", "y": 0}]},
    },
    "metadata a list": lambda h: {**h, "metadata": [1]},
    "units a number": lambda h: {**h, "units": 1},
    "100000 deep": lambda h: b"[" * 100_000 + b"]" * 100_000,
    "deep inside metadata": lambda h: {**h, "metadata": {"x": json.loads("[" * 200 + "]" * 200)}},
}


@pytest.mark.parametrize("variant", sorted(WRONG_TYPES))
def test_parquet_metadata_of_the_wrong_json_type_is_one_clear_error_from_api_and_cli(
    tmp_path, capsys, variant
):
    good = _good_metadata(tmp_path)
    bad = _parquet_with_metadata(tmp_path, WRONG_TYPES[variant](good))
    with pytest.raises(SensorkitError) as info:
        sk.read(bad)
    assert isinstance(info.value, (FileFormatError, CalibrationError))
    assert str(bad) in str(info.value)
    assert main(["analyze", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_parquet_metadata_error_names_the_field(tmp_path):
    good = _good_metadata(tmp_path)
    bad = _parquet_with_metadata(tmp_path, {**good, "gaps": [{"start_s": "0", "end_s": 1.0}]})
    with pytest.raises(FileFormatError, match=r"field 'gaps\[0\]\.start_s' must be a number, not a string"):
        sk.read(bad)


@pytest.mark.parametrize(
    "content",
    [b"[1, 2, 3]", b'"ref16"', b"[" * 100_000 + b"]" * 100_000, b"{not json", b"\xff\xfe{}"],
    ids=["list", "string", "100000-deep", "not-json", "not-utf8"],
)
def test_a_layout_file_that_is_not_a_layout_object_is_a_calibration_error(tmp_path, content):
    path = tmp_path / "layout.json"
    path.write_bytes(content)
    with pytest.raises(CalibrationError, match=str(path)):
        sk.load_layout(str(path))


def test_a_layout_with_a_sensor_of_the_wrong_type_names_the_field(tmp_path):
    spec = json.loads(sk.load_layout("ref16").to_dict() and json.dumps(sk.load_layout("ref16").to_dict()))
    spec["sensors"][3]["region"] = 5
    path = tmp_path / "l.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(CalibrationError, match=r"field 'sensors\[3\]\.region' must be a string"):
        sk.load_layout(str(path))


# ---------------------------------------------------------------- CSV
def test_a_csv_header_of_a_million_columns_fails_fast_naming_the_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("# layout: ref16\ntime," + ",".join(f"L{i}" for i in range(1_000_000)) + "\n0,1\n")
    t0 = time.monotonic()
    with pytest.raises(FileFormatError, match=r"line 2: the header has more than \d+ columns; at most 8193"):
        sk.read(path)
    assert time.monotonic() - t0 < 5.0


def test_a_csv_header_line_without_end_is_refused_with_bounded_memory(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("# layout: ref16\ntime" + "x" * (2 << 20))
    with pytest.raises(FileFormatError, match="line 2: line longer than"):
        sk.read(path)


def _csv(tmp_path, n_rows: int, notes: str = "") -> tuple[object, list[str]]:
    lines = ["# layout: ref16", "# units: N", *([f"# notes: {notes}"] if notes else []),
             "time," + ",".join(f"L{i + 1}" for i in range(16))]  # fmt: skip
    lines += [f"{k / 100:.2f}," + ",".join("1.5" for _ in range(16)) for k in range(n_rows)]
    return tmp_path / "run.csv", lines


def test_a_non_utf8_byte_after_8_kib_gives_the_file_line_and_column(tmp_path):
    path, lines = _csv(tmp_path, 400)
    assert len("\n".join(lines[:200])) > 8192
    data = "\n".join(lines).encode()
    bad_line = 300  # 1-based line number of the damaged line
    start = len("\n".join(lines[: bad_line - 1]).encode()) + 1
    data = data[: start + 5] + b"\xff" + data[start + 6 :]
    path.write_bytes(data)
    with pytest.raises(
        FileFormatError, match=rf"run.csv, line {bad_line}, column 6: byte 0xff is not utf-8 text"
    ):
        sk.read(path)


def test_a_form_feed_in_a_notes_line_does_not_shift_line_numbers(tmp_path):
    path, lines = _csv(tmp_path, 80, notes="page one\fpage two\vthree")
    lines[59] = lines[59].replace("1.5", "abc", 1)  # line 60
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError, match=r"line 60, column L1: not a number: 'abc'"):
        sk.read(path)


@pytest.mark.parametrize(
    "content", [b"[" * 100_000 + b"]" * 100_000, b"[1, 2]", b"\xff"], ids=["deep", "list", "bytes"]
)
def test_a_hostile_calibration_file_is_one_calibration_error(tmp_path, content):
    from sensorkit.calibrate.calibration import Calibration

    path = tmp_path / "cal.json"
    path.write_bytes(content)
    with pytest.raises(CalibrationError):
        Calibration.load(path)
