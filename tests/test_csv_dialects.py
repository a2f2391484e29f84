"""CSVs as people save them: BOM, Latin-1, ';' with decimal commas, milliseconds; lossless round trips."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io import detect_format, read, write

HEADER = "time," + ",".join(f"L{i}" for i in range(1, 9))


def _rows(times, sep=",", dec="."):
    out = []
    for k, t in enumerate(times):
        cells = [f"{t:g}"] + [f"{(k + 1) * 1.5 + j:g}" for j in range(8)]
        out.append(sep.join(c.replace(".", dec) for c in cells))
    return out


def _csv(path, lines, encoding="utf-8", bom=b""):
    path.write_bytes(bom + ("\n".join(lines) + "\n").encode(encoding))
    return path


def test_a_utf8_bom_is_skipped(tmp_path):
    path = _csv(
        tmp_path / "bom.csv", ["# layout: physionet8", HEADER, *_rows([0, 0.01, 0.02])], bom=b"\xef\xbb\xbf"
    )
    assert detect_format(path) == "generic-csv"
    rec = read(path)
    np.testing.assert_array_equal(rec.left[:, 0], [1.5, 3.0, 4.5])


def test_latin1_text_is_an_error_naming_the_line_unless_the_encoding_is_given(tmp_path):
    lines = ["# layout: physionet8", "# Bemerkung: Läufer, Schuhgröße 42", HEADER, *_rows([0, 0.01])]
    path = _csv(tmp_path / "latin1.csv", lines, encoding="latin-1")
    assert detect_format(path) == "generic-csv"
    with pytest.raises(
        FileFormatError, match=r"latin1.csv, line 2, column 15: byte 0xe4 is not utf-8"
    ) as info:
        read(path)
    assert 'encoding="latin-1"' in info.value.hint
    rec = read(path, encoding="latin-1")
    assert rec.metadata["Bemerkung"] == "Läufer, Schuhgröße 42"
    assert rec.metadata["csv_dialect"]["encoding"] == "latin-1"


def test_a_bad_byte_in_a_data_row_names_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        b"# layout: physionet8\n" + HEADER.encode() + b"\n0,1,1,1,1,1,1,1,1\n0.01,1,1,\xff,1,1,1,1,1\n"
    )
    with pytest.raises(FileFormatError, match="line 4, column 10: byte 0xff"):
        read(path)


def test_semicolons_with_decimal_commas_are_sniffed(tmp_path):
    lines = ["# layout: physionet8", HEADER.replace(",", ";"), *_rows([0, 0.01, 0.02], sep=";", dec=",")]
    path = _csv(tmp_path / "excel.csv", lines)
    assert detect_format(path) == "generic-csv"
    rec = read(path)
    np.testing.assert_allclose(rec.time, [0, 0.01, 0.02])
    np.testing.assert_array_equal(rec.left[1], 3.0 + np.arange(8))
    assert rec.metadata["csv_dialect"]["sep"] == ";" and rec.metadata["csv_dialect"]["decimal"] == ","
    # explicit options agree with the sniffing
    np.testing.assert_array_equal(read(path, sep=";", decimal=",").left, rec.left)


def test_tabs_and_semicolons_with_decimal_points(tmp_path):
    for sep in ("\t", ";"):
        lines = ["# layout: physionet8", HEADER.replace(",", sep), *_rows([0, 0.01, 0.02], sep=sep)]
        rec = read(_csv(tmp_path / "t.csv", lines))
        np.testing.assert_array_equal(rec.left[2], 4.5 + np.arange(8))


def test_a_decimal_comma_in_a_comma_file_is_named(tmp_path):
    lines = ["# layout: physionet8", HEADER, "0,1,1,1,1,1,1,1,1", '0.01,"1,5",1,1,1,1,1,1,1']
    with pytest.raises(FileFormatError, match="line 4, column L1: not a number: '1,5'") as info:
        read(_csv(tmp_path / "c.csv", lines))
    assert 'decimal=","' in info.value.hint


def test_milliseconds_in_a_time_column_are_refused_naming_the_column_and_the_fix(tmp_path):
    path = _csv(tmp_path / "ms.csv", ["# layout: physionet8", HEADER, *_rows(np.arange(50) * 10.0)])
    with pytest.raises(FileFormatError, match=r"line 2, column time: column 'time' steps by 10") as info:
        read(path)
    assert 'time_unit="ms"' in info.value.hint
    rec = read(path, time_unit="ms")
    np.testing.assert_allclose(rec.time, np.arange(50) * 0.01)
    assert rec.rate_hz == pytest.approx(100.0) and len(rec.gaps) == 0


def test_time_ms_and_time_us_columns_carry_their_unit(tmp_path):
    path = _csv(
        tmp_path / "ms.csv", ["# layout: physionet8", HEADER.replace("time", "time_ms"), *_rows([0, 10, 20])]
    )
    np.testing.assert_allclose(read(path).time, [0, 0.01, 0.02])
    with pytest.raises(FileFormatError, match="column 'time_ms' is in ms but time_unit='s'") as info:
        read(path, time_unit="s")
    assert (
        info.value.hint
        == "the column's name gives its unit: leave time_unit out (--time-unit on the command line)"
    )
    path = _csv(
        tmp_path / "us.csv", ["# layout: physionet8", HEADER.replace("time", "time_us"), *_rows([0, 1e4])]
    )
    np.testing.assert_allclose(read(path).time, [0, 0.01])


def test_cli_analyze_of_a_millisecond_file_fails_with_the_fix(tmp_path, capsys):
    from sensorkit.cli import main

    rec = sk.simulate(duration_s=4, seed=1)
    path = tmp_path / "ms.csv"
    write(rec, path)
    text = path.read_text().splitlines()
    head = next(i for i, ln in enumerate(text) if ln.startswith("time"))
    text[head + 1 :] = [
        f"{float(ln.split(',', 1)[0]) * 1000:.6f},{ln.split(',', 1)[1]}" for ln in text[head + 1 :]
    ]
    path.write_text("\n".join(text) + "\n")
    assert main(["analyze", str(path)]) == 1
    assert 'time_unit="ms"' in capsys.readouterr().err


def test_unix_time_round_trips_to_the_microsecond(tmp_path):
    base = sk.simulate(duration_s=2, seed=3)
    t = (
        1_700_000_000.123456
        + np.arange(base.n_frames) * 0.01
        + np.tile([0, 1e-6, 3e-6], base.n_frames)[: base.n_frames]
    )
    rec = sk.Recording.from_arrays(t, base.left, base.right, layout=base.layout, rate_hz=100.0)
    path = write(rec, tmp_path / "unix.csv")
    assert "e+09" not in path.read_text()
    back = read(path)
    np.testing.assert_array_equal(back.time, rec.time)  # bit for bit
    assert np.max(np.abs(back.time - rec.time)) < 1e-6


def test_a_custom_layout_subject_and_events_survive_csv_and_parquet(tmp_path):
    base = sk.simulate(duration_s=2, seed=4)
    custom = dataclasses.replace(
        sk.load_layout("ref16"),
        name="lab-insole-v2",
        x_mm=sk.load_layout("ref16").x_mm + 1.5,
        _region_masks={},
    )
    events = [
        {"time_s": 0.5, "label": "trial start", "source": "user"},
        {"time_s": 1.25, "label": "tare, ok", "source": "device"},
    ]
    rec = sk.Recording.from_arrays(
        base.time, base.left, base.right, layout=custom, metadata={"subject": "S07"}, events=events
    )
    csv_path = write(rec, tmp_path / "a.csv")
    back = read(csv_path)
    assert back.layout.to_dict() == custom.to_dict()
    assert back.metadata["subject"] == "S07"
    assert back.events.to_dict("records") == rec.events.to_dict("records")
    pq = pytest.importorskip("pyarrow") and write(back, tmp_path / "a.parquet")
    again = read(pq)
    assert again.layout.to_dict() == custom.to_dict() and again.metadata["subject"] == "S07"
    assert again.events.to_dict("records") == rec.events.to_dict("records")
    np.testing.assert_array_equal(again.left, rec.left)


def test_cli_convert_keeps_subject_events_and_layout(tmp_path):
    from sensorkit.cli import main

    src = tmp_path / "fscan.csv"
    fscan = read("tests/data/pressure-mats/fscan_testL.asf")
    rec = sk.Recording.from_arrays(
        fscan.time,
        fscan.left,
        layout=fscan.layout,
        metadata={"subject": "P10"},
        events=[{"time_s": 1.0, "label": "heel strike", "source": "user"}],
    )
    write(rec, src)
    out = tmp_path / "out.csv"
    assert main(["convert", str(src), str(out)]) == 0
    back = read(out)
    assert back.layout.to_dict() == fscan.layout.to_dict() and back.layout.grid == fscan.layout.grid
    assert back.metadata["subject"] == "P10" and back.events["label"].tolist() == ["heel strike"]
    np.testing.assert_array_equal(back.left, rec.left)


def test_a_csv_cut_inside_its_last_row_reads_up_to_the_cut_with_a_warning(tmp_path):
    path = _csv(tmp_path / "cut.csv", ["# layout: physionet8", HEADER, *_rows([0, 0.01, 0.02])])
    path.write_text(path.read_text()[:-8])  # the last row loses its last cells and newline
    with pytest.warns(sk.errors.FileTruncatedWarning, match="line 5\\) is cut short"):
        rec = read(path)
    assert rec.n_frames == 2


def _truncation_warnings_at(read_file, path):
    """The files named by the FileTruncatedWarnings of ``read_file(path)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_file(path)
    return [w.filename for w in caught if w.category is sk.errors.FileTruncatedWarning]


def test_truncation_warnings_point_at_the_users_call_of_sk_read_and_of_the_reader(tmp_path):
    """Through `sk.read` a FileTruncatedWarning named a line of sensorkit/io/__init__.py (one
    frame more than the reader's fixed stacklevel counted), not the line that called `sk.read`."""
    from sensorkit.io.csv_generic import read_generic_csv
    from sensorkit.io.physionet import read_physionet_gaitpdb

    path = _csv(tmp_path / "cut.csv", ["# layout: physionet8", HEADER, *_rows([0, 0.01, 0.02])])
    path.write_text(path.read_text()[:-8])
    walk = tmp_path / "GaCo01_01.txt"
    walk.write_bytes(
        (Path(__file__).parent / "data" / "physionet-gaitpdb" / "GaCo01_01.txt").read_bytes()[:600_000]
    )
    for source, reader in ((path, read_generic_csv), (walk, read_physionet_gaitpdb)):
        for read_file in (sk.read, reader):
            assert _truncation_warnings_at(read_file, source) == [__file__], (read_file.__name__, source.name)


def test_a_csv_cut_inside_its_last_value_is_not_read_as_a_shorter_number(tmp_path):
    """Cut inside the last number of its last row ("33.8800011" to "3"), every field is still
    there: the row was read silently, with 3.0 for 33.88."""
    path = _csv(tmp_path / "cut.csv", ["# layout: physionet8", HEADER, *_rows([0, 0.01, 0.02])])
    text = path.read_text()
    last = text.rstrip("\n").rsplit(",", 1)[1]
    assert len(last) > 1
    path.write_text(text.rstrip("\n")[: -(len(last) - 1)])  # keeps the last value's first digit only
    with pytest.warns(sk.errors.FileTruncatedWarning, match="line 5\\) has no line end, so it may be cut"):
        rec = read(path)
    assert rec.n_frames == 2
    whole = tmp_path / "whole.csv"  # the same rows with a line end: all three read, no warning
    whole.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read(whole).n_frames == 3


def test_a_physionet_walk_cut_inside_a_row_reads_up_to_the_cut_with_a_warning(tmp_path):
    """It stopped with "line 5997: expected 19 tab-separated fields, found 3" and no hint."""
    src = Path(__file__).parent / "data" / "physionet-gaitpdb" / "GaCo01_01.txt"
    data = src.read_bytes()
    cut = tmp_path / "GaCo01_01.txt"
    cut.write_bytes(data[:600_000])
    complete = data[:600_000].count(b"\n")
    with pytest.warns(sk.errors.FileTruncatedWarning, match=f"line {complete + 1}\\) has no line end"):
        rec = read(cut)
    assert rec.n_frames == complete
    np.testing.assert_array_equal(rec.left, read(src).left[:complete])


@pytest.mark.parametrize("row", ["0\r,0.0", "\r:"])
def test_a_carriage_return_inside_a_row_is_one_error_naming_its_line(tmp_path, row):
    # found by the Hypothesis CSV fuzz test: the locator itself raised csv.Error on a lone CR
    path = tmp_path / "cr.csv"
    path.write_text(f"time\n{row}\n", encoding="utf-8", newline="")
    with pytest.raises(FileFormatError, match=r"line 2.*carriage return|carriage return.*line 2"):
        sk.read(path)


def test_hints_name_the_library_argument_and_the_command_line_option(tmp_path):
    lines = ["# layout: physionet8", HEADER, "0,1,1,1,1,1,1,1,1", '0.01,"1,5",1,1,1,1,1,1,1']
    with pytest.raises(FileFormatError) as info:
        read(_csv(tmp_path / "c.csv", lines))
    assert info.value.hint == 'decimal commas? sk.read(path, decimal=","); --decimal , on the command line'
    text = ["# layout: physionet8", HEADER, *_rows([0, 0.01], sep=";")]  # a comma header, ";" rows
    with pytest.raises(FileFormatError, match="expected 9 comma-separated fields, found 1") as info:
        read(_csv(tmp_path / "s.csv", text))
    assert 'header is comma-separated but this row is ";"-separated' in info.value.hint
    # one damaged row that happens to hold a ";" is not taken for a ";"-separated file
    damaged = ["# layout: physionet8", HEADER, *_rows([0, 0.01]), "0.02,1;1,1"]
    with pytest.raises(FileFormatError, match="line 5: expected 9 comma-separated fields, found 3") as info:
        read(_csv(tmp_path / "d.csv", damaged))
    assert info.value.hint is None
    path = tmp_path / "latin1.csv"
    path.write_bytes("# layout: physionet8\n# note: Größe\n".encode("latin-1") + f"{HEADER}\n".encode())
    with pytest.raises(FileFormatError) as info:
        read(path)
    assert "--encoding latin-1" in info.value.hint and 'sk.read(path, encoding="latin-1")' in info.value.hint


@pytest.mark.parametrize("sep", [";;", "ab", "", "\n", "1"])
def test_a_separator_that_is_not_one_punctuation_character_is_one_clear_error(tmp_path, sep):
    path = _csv(tmp_path / "x.csv", ["# layout: physionet8", HEADER, *_rows([0, 0.01])])
    with pytest.raises(FileFormatError, match="the separator must be one character"):
        read(path, sep=sep)


def test_a_time_unit_that_makes_the_rate_implausible_is_refused(tmp_path):
    """--time-unit ms on a column in seconds gave a 0.0 s recording with 1e-05 s steps."""
    path = _csv(tmp_path / "s.csv", ["# layout: physionet8", HEADER, *_rows(np.arange(50) * 0.01)])
    with pytest.raises(FileFormatError, match=r"with time_unit='ms', column 'time' steps by 1e-05 s") as info:
        read(path, time_unit="ms")
    assert "leave time_unit out" in info.value.hint
    assert read(path, time_unit="s").rate_hz == pytest.approx(100.0)
    fast = _csv(tmp_path / "us.csv", ["# layout: physionet8", HEADER, *_rows(np.arange(50) * 1000.0)])
    assert read(fast, time_unit="us").rate_hz == pytest.approx(1000.0)  # 1 kHz in microseconds is fine


def test_a_blank_tail_a_closing_comment_or_a_bare_hash_line_is_not_a_cut_row(tmp_path):
    """A reviewer: trailing spaces, a Ctrl-Z or a closing "# end" without a line end were
    reported as a row "cut short", and a bare "#" first line made the file undetectable."""
    rows = ["# layout: physionet8", HEADER, *_rows([0, 0.01, 0.02])]
    text = _csv(tmp_path / "base.csv", rows).read_text()
    for name, content in (
        ("spaces.csv", text + "  "),
        ("ctrl_z.csv", text + "\x1a"),
        ("closing.csv", text + "# end"),
        ("closing_eol.csv", text + "# end\n"),  # the usual form failed: "expected 9 fields, found 1"
        ("closing_crlf.csv", text.replace("\n", "\r\n") + "# end\r\n# really\r\n"),
        ("ctrl_z_eol.csv", text + "\x1a\n"),
        ("bare_hash.csv", "#\n" + text),
    ):
        path = tmp_path / name
        path.write_text(content)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read(path).n_frames == 3, name
    walk = (Path(__file__).parent / "data" / "physionet-gaitpdb" / "GaCo01_01.txt").read_bytes()
    spaced = tmp_path / "GaCo01_01.txt"
    spaced.write_bytes(walk + b" ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read(spaced).n_frames == walk.count(b"\n")
    one = tmp_path / "GaCo02_01.txt"
    one.write_bytes(walk.split(b"\n", 1)[0].rstrip(b"\r")[:40])
    with pytest.raises(FileFormatError, match="no complete row: the file is cut inside its first row"):
        read(one, format="physionet-gaitpdb")


def _reordered(src: Path, dst: Path, header: str) -> Path:
    lines = src.read_text(encoding="utf-8").split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("time"))
    order = [0, *[int(c) for c in header.split(",")]]
    rows = [ln.split(",") for ln in lines[k:] if ln]
    names = rows[0]
    lines[k:] = [",".join(r[j] for j in order) for r in rows] + [""]
    dst.write_text("\n".join(lines), encoding="utf-8")
    return dst, [names[j] for j in order]


def test_sensor_columns_are_matched_by_name_not_by_place(tmp_path):
    # A new user reversed the left columns with pandas (L_H3 before L_H2 before L_H1 ...): the
    # file read by position, so the heel's forces sat under the toes and the left strike
    # pattern flipped from rearfoot to forefoot (COP excursion 169 -> 126 mm), without a word.
    rec = sk.simulate(duration_s=3, seed=1, strike="rearfoot")
    src = write(rec, tmp_path / "sim.csv")
    n = rec.layout.n_sensors
    order = ",".join(str(j) for j in [*range(n, 0, -1), *range(n + 1, 2 * n + 1)])
    path, names = _reordered(src, tmp_path / "reversed.csv", order)
    assert names[1:3] == ["L_T3", "L_T2"]  # reversed, as in the file
    back = read(path)
    assert np.array_equal(back.left, rec.left, equal_nan=True)
    assert np.array_equal(back.right, rec.right, equal_nan=True)
    # numbered columns in another order are placed by their numbers
    numbered = path.read_text(encoding="utf-8").replace("L_", "L").replace("R_", "R")
    for k, name in enumerate(rec.layout.sensor_names, start=1):
        numbered = numbered.replace(f"L{name},", f"L{k},").replace(f"R{name},", f"R{k},")
        numbered = numbered.replace(f"L{name}\n", f"L{k}\n").replace(f"R{name}\n", f"R{k}\n")
    (tmp_path / "numbered.csv").write_text(numbered, encoding="utf-8")
    back = read(tmp_path / "numbered.csv")
    assert np.array_equal(back.left, rec.left, equal_nan=True)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("L_H1,", "L_X0,", r"column 'L_X0' is not a sensor of layout 'ref16'"),
        ("L_H2,", "L_H1,", r"columns 'L_H1' and 'L_H1' are both sensor 'H1' of layout 'ref16'"),
        ("L_H2,", "L_17,", r"column 'L_17' is not a sensor of layout 'ref16'"),
    ],
)
def test_a_column_that_is_no_sensor_or_repeats_one_is_refused(tmp_path, old, new, message):
    src = write(sk.simulate(duration_s=1, seed=1), tmp_path / "sim.csv")
    text = src.read_text(encoding="utf-8")
    head = next(ln for ln in text.split("\n") if ln.startswith("time"))
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(head, head.replace(old, new, 1)), encoding="utf-8")
    with pytest.raises(FileFormatError, match=message) as err:
        read(bad)
    assert "L_H1 .. L_T3" in (err.value.hint or "") or "both sensor" in str(err.value)


def test_a_rate_line_that_contradicts_the_time_column_gives_way_to_it(tmp_path):
    src = write(sk.simulate(duration_s=2, seed=1), tmp_path / "sim.csv")
    text = src.read_text(encoding="utf-8")
    assert "# rate_hz: 100\n" in text
    edited = tmp_path / "rate50.csv"
    edited.write_text(text.replace("# rate_hz: 100\n", "# rate_hz: 50\n"), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"# rate_hz says 50 Hz but the time column steps by 0\.01 s"):
        rec = read(edited)
    assert rec.rate_hz == pytest.approx(100.0)
    same = read(src)  # agreeing (and 1.2x away would still agree: RATE_AGREEMENT)
    assert same.rate_hz == 100.0


def test_metadata_lines_padded_by_a_spreadsheet_are_read(tmp_path):
    # saved from a spreadsheet with ';' separators, every '#' line is a row padded with empty
    # cells: "units must be 'N' or 'kPa', got 'kPa;;;;...'"
    rec = sk.simulate(duration_s=1, seed=1)
    src = write(rec, tmp_path / "sim.csv")
    lines = src.read_text(encoding="utf-8").split("\n")
    n_cols = next(ln for ln in lines if ln.startswith("time")).count(",") + 1
    padded = [ln + ";" * (n_cols - 1) if ln.startswith("#") else ln.replace(",", ";") for ln in lines]
    (tmp_path / "excel.csv").write_text("\n".join(padded), encoding="utf-8")
    back = read(tmp_path / "excel.csv")
    assert back.units == rec.units and back.rate_hz == rec.rate_hz and back.body_mass_kg == rec.body_mass_kg
    assert np.array_equal(back.left, rec.left, equal_nan=True) and len(back.events) == len(rec.events)


def test_text_metadata_survives_csv_and_the_rest_is_named(tmp_path):
    # converting a Moticon export to CSV lost its start time, insole serials and size without a
    # word (Parquet kept them, and says what it cannot keep)
    rec = read(Path(__file__).parent / "data" / "moticon-opengo" / "230927_102114.txt")
    with pytest.warns(UserWarning, match=r"metadata not stored in CSV \(not one line of text\): moticon;"):
        path = write(rec, tmp_path / "m.csv")
    back = read(path)
    for key in ("start_time", "serial_left", "serial_right", "insole_size", "notes", "tag"):
        assert back.metadata[key] == str(rec.metadata[key]), key
    assert back.metadata["source"] == str(path) and "moticon" not in back.metadata


@pytest.mark.parametrize("whole", [True, False])
def test_two_files_joined_into_one_name_the_second_header(tmp_path, whole):
    # "expected 33 comma-separated fields, found 1" did not say why
    text = write(sk.simulate(duration_s=1, seed=1), tmp_path / "a.csv").read_text(encoding="utf-8")
    header = text.index("\ntime") + 1
    second = text if whole else text[header:]  # with its '#' lines, or the column names alone
    (tmp_path / "joined.csv").write_text(text + second, encoding="utf-8")
    first_rows = text.count("\n")
    what = "a '#' line" if whole else "the column names again"
    with pytest.raises(
        FileFormatError,
        match=rf"line {first_rows + 1}: a second header in the rows \({what}; the header is line {text[:header].count(chr(10)) + 1}\): two files joined",
    ):
        read(tmp_path / "joined.csv")
