"""Moticon OpenGo: a real export (tests/data copy, Apache-2.0), its vendor report, and the layout fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io import detect_format
from sensorkit.layouts import fit_layout

DATA = Path(__file__).parent / "data" / "moticon-opengo"
EXPORT = DATA / "230927_102114.txt"


@pytest.fixture(scope="module")
def rec():
    return sk.read(EXPORT)


def test_reads_with_the_estimated_layout_of_the_header_size(rec):
    assert detect_format(EXPORT) == "moticon-opengo"
    assert rec.layout.name == "moticon-s7-estimated" and "ESTIMATED" in rec.layout.description
    assert rec.metadata["insole_size"] == "7" and rec.units == "kPa"
    assert rec.n_frames == 1750 and rec.sides == ("left", "right")
    # first row: left empty, right pressure 1 = 6.50 N/cm² = 65 kPa
    assert np.isnan(rec.left[0]).all() and rec.right[0, 0] == pytest.approx(65.0)


def test_missing_left_rows_are_gaps_never_filled(rec):
    missing = np.isnan(rec.left).all(axis=1)
    assert missing[:50].all() and not missing[50]  # 50 leading rows without left data
    assert missing.sum() == 63  # and a 13-row (130 ms) hole later
    left = rec.gaps[rec.gaps["side"] == "left"]
    assert left["n_missing"].sum() == 63
    jump = rec.gaps[rec.gaps["reason"] == "time jump"]  # one row absent from the time column
    assert len(jump) == 1 and jump.iloc[0]["start_s"] == pytest.approx(16.43)


def test_step_columns_are_vendor_events_matching_the_vendor_report(rec):
    ev = rec.events
    assert set(ev["source"]) == {"moticon"} and len(ev) == 28
    for side in ("left", "right"):
        report = pd.read_csv(DATA / f"230927_102114_vendor_{side}_steps.csv")
        for label, column in (("initial_contact", "Initial contact (s)"), ("toe_off", "Toe off (s)")):
            times = ev.loc[ev["label"] == f"{side}_{label}", "time_s"].to_numpy()
            expected = report[column].dropna().to_numpy()
            assert len(times) == len(expected) == 7
            np.testing.assert_allclose(times, expected, atol=0.0051)  # the export's 10 ms grid


def _cop(rec, side):
    f = rec.forces_n(side).astype(np.float64)
    lay = rec.layout_for(side)
    total = f.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # unloaded frames have no COP
        return total, f @ lay.x_mm / total, f @ lay.y_mm / total


@pytest.mark.parametrize("side", ["left", "right"])
def test_estimated_layout_reproduces_moticons_force_and_cop(rec, side):
    vendor = rec.metadata["moticon"][side]
    total, x_mm, y_mm = _cop(rec, side)
    ok = np.isfinite(total)
    force_err = np.abs(total[ok] - vendor["total_force_n"][ok])
    assert force_err.max() < 0.6  # N; the export rounds pressures to 0.25 N/cm²
    loaded = ok & (total > 50)
    notes_len, notes_width = 290.0, 100.0  # the layout's assumed insole size (mm)
    ap_err = y_mm[loaded] - (vendor["cop_ap_fraction"][loaded] + 0.5) * notes_len
    ml_err = x_mm[loaded] - vendor["cop_ml_fraction"][loaded] * notes_width
    assert np.abs(ap_err).max() < 0.1 and np.abs(ml_err).max() < 0.1  # mm


def test_fit_on_the_export_gives_the_shipped_geometry(rec):
    p = np.vstack([rec.left, rec.right])
    md = rec.metadata["moticon"]
    cat = {k: np.concatenate([md["left"][k], md["right"][k]]) for k in md["left"]}
    fit = sk.layouts.fit(p, cat["total_force_n"], cat["cop_ap_fraction"], cat["cop_ml_fraction"])
    assert fit.force_residual_max_n < 0.6 and fit.cop_residual_rms_ap < 1e-4
    shipped = rec.layout
    np.testing.assert_allclose(fit.area_mm2, shipped.area_mm2, rtol=0.01)
    np.testing.assert_allclose((fit.ap + 0.5) * 290.0, shipped.y_mm, atol=1.0)
    np.testing.assert_allclose(fit.ml * 100.0, shipped.x_mm, atol=1.0)
    # Moticon's Y is positive medially: the first metatarsal head and hallux sensors are medial
    assert (
        shipped.x_mm[shipped.mask_of("MTH1")].min() > 0 and shipped.x_mm[shipped.mask_of("hallux")].min() > 0
    )


def test_fit_recovers_a_known_geometry_exactly():
    rng = np.random.default_rng(7)
    n, s = 400, 6
    area = rng.uniform(100, 900, s)
    ap, ml = rng.uniform(-0.5, 0.5, s), rng.uniform(-0.4, 0.4, s)
    p = rng.uniform(0, 300, (n, s))
    force = p * area * 1e-3
    total = force.sum(axis=1)
    fit = fit_layout(p, total, force @ ap / total, force @ ml / total, min_force_n=1.0)
    np.testing.assert_allclose(fit.area_mm2, area, rtol=1e-9)
    np.testing.assert_allclose(fit.ap, ap, atol=1e-9)
    np.testing.assert_allclose(fit.ml, ml, atol=1e-9)
    assert fit.force_residual_max_n < 1e-9
    layout = fit.to_layout("t", length_mm=250.0, width_mm=90.0)
    np.testing.assert_allclose(layout.y_mm, (ap + 0.5) * 250.0)


def test_fit_refuses_too_few_frames_and_bad_shapes():
    with pytest.raises(ValueError, match="at least 12"):
        fit_layout(np.ones((5, 6)), np.ones(5), np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="pressure must be"):
        fit_layout(np.ones((5, 6)), np.ones(4), np.zeros(5), np.zeros(5))


def test_cli_analyze_reads_the_export_with_no_layout(capsys):
    import json

    from sensorkit.cli import main

    assert main(["analyze", str(EXPORT), "--json", "--mass", "70"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["force_units"] == "BW" and len(result["steps"]) > 10


def test_a_truncated_export_reads_up_to_the_cut_with_a_warning(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(
        text[: text.rindex("\n", 0, len(text) - 1) + 40], encoding="utf-8"
    )  # 40 chars into the last row
    with pytest.warns(sk.errors.FileTruncatedWarning, match="is cut short; read the 1749 rows"):
        part = sk.read(cut)
    whole = sk.read(EXPORT)
    assert part.n_frames == 1749
    np.testing.assert_array_equal(part.right, whole.right[:1749])


def test_an_export_cut_between_rows_is_told_by_the_header_duration(tmp_path):
    # '# Duration: 00:17.496' in the header; the cut file ends after the row at 10.00 s
    lines = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.startswith("10.00\t"))
    cut = tmp_path / "cut_between_rows.txt"
    cut.write_text("".join(lines[: end + 1]), encoding="utf-8")
    with pytest.warns(
        sk.errors.FileTruncatedWarning, match=r"end at 10\.000 s .* 17\.496 s: 7\.496 s \(750 rows\)"
    ):
        part = sk.read(cut)
    assert part.time[-1] == pytest.approx(10.0)


def test_truncation_warnings_point_at_the_users_call_of_sk_read_and_the_reader(tmp_path):
    """Through `sk.read` a cut export's FileTruncatedWarning named a line of
    sensorkit/io/__init__.py, not the line that called `sk.read`."""
    import warnings

    from sensorkit.io.moticon import read_moticon_opengo

    text = EXPORT.read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 40], encoding="utf-8")
    lines = text.splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.startswith("10.00\t"))
    short = tmp_path / "cut_between_rows.txt"  # (told by the header's duration, in another function)
    short.write_text("".join(lines[: end + 1]), encoding="utf-8")
    for path in (cut, short):
        for read in (sk.read, read_moticon_opengo):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                read(path)
            found = [w.filename for w in caught if w.category is sk.errors.FileTruncatedWarning]
            assert found == [__file__], (read.__name__, path.name)


@pytest.mark.parametrize("name", ["230927_102114.txt", "230927_102137.txt"])
def test_complete_exports_end_at_their_declared_duration_without_a_warning(name):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", sk.errors.FileTruncatedWarning)
        rec = sk.read(DATA / name)
    assert rec.duration_s > 17.0


def test_parquet_says_it_does_not_store_moticons_own_force_and_cop(tmp_path):
    """Moticon's own total force and COP (metadata["moticon"], arrays) were dropped from a Parquet
    file without a word, though the README calls Parquet lossless."""
    rec = sk.read(Path(__file__).parent / "data" / "moticon-opengo" / "230927_102114.txt")
    assert "moticon" in rec.metadata
    out = tmp_path / "walk.parquet"
    with pytest.warns(UserWarning, match="metadata not stored in Parquet \\(not JSON\\): moticon"):
        sk.write(rec, out)
    back = sk.read(out)
    assert back.metadata["metadata_not_stored"] == ["moticon"] and "moticon" not in back.metadata
    np.testing.assert_array_equal(back.left, rec.left)  # what Parquet holds, it holds exactly


def test_the_real_export_converted_to_generic_csv_keeps_its_gaps_and_their_reasons(rec, tmp_path):
    # a real file, not the simulator: this export has both lost frames ("dropout") and a
    # "time jump" in its own timestamps; with gaps_json (2026-12-01) the gap table survives a
    # generic-CSV round trip exactly (the reasons were re-derived from the values before; a
    # declared reason such as a board's pause was not, tests/test_io.py)
    from sensorkit.io.csv_generic import write_generic_csv

    assert {"dropout", "time jump"} <= set(rec.gaps["reason"])
    path = tmp_path / "export.csv"
    write_generic_csv(rec, path)
    back = sk.read(path)
    pd.testing.assert_frame_equal(back.gaps, rec.gaps)
    np.testing.assert_array_equal(back.right, rec.right)


def test_a_byte_that_is_not_utf8_in_the_data_is_named_by_line_and_column(tmp_path):
    # a new user's fuzzing: one bad byte in the rows gave "error: 'utf-8' codec can't decode
    # byte 0xb0 in position 6838" (a UnicodeDecodeError, no file, no line)
    src = DATA / "230927_102114.txt"
    data = bytearray(src.read_bytes())
    lines = bytes(data).split(b"\n")
    line_no = 806
    at = sum(len(ln) + 1 for ln in lines[: line_no - 1]) + 30  # column 31 of line 806, a data row
    assert not lines[line_no - 1].startswith(b"#")
    data[at] = 0xB0
    bad = tmp_path / "bad.txt"
    bad.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"bad\.txt, line 806, column 31: not UTF-8 text \(byte 0xb0\)"):
        sk.read(bad)
