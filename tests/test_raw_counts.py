"""Raw ADC counts through the device layer: sim://?units=counts, live calibration, captures, errors.

The simulated raw insole (``units=counts``) reads the forces of ``sk.simulate`` through the
ref16 FSR curves with the errors of ``InsoleErrors.random(miscal)``; the "true" calibration
below (those offsets, gain = 1 / sensitivity) therefore recovers the simulated forces.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pytest

import sensorkit as sk
import sensorkit.devices as skd
from sensorkit.calibrate import Calibration, SaturationWarning, counts_to_values
from sensorkit.calibrate.live import UncalibratedError
from sensorkit.calibrate.pairing import PairedFrames
from sensorkit.cli import record as record_cli
from sensorkit.cli import replay as replay_cli
from sensorkit.cli import stream as stream_cli
from sensorkit.cli.stream import standalone
from sensorkit.devices.assemble import recording_from_chunks
from sensorkit.devices.chunk import Chunk, LinkStats
from sensorkit.errors import CalibrationError
from sensorkit.io.capture import CaptureReader, read_capture
from sensorkit.simulate.raw import InsoleErrors

MISCAL = 1
G = 9.81


def true_calibration(miscal: int = MISCAL) -> Calibration:
    """The calibration a perfect procedure would find for InsoleErrors.random(miscal) at t = 0."""
    errors = InsoleErrors.random(miscal)
    nominal = Calibration.nominal()
    sides = {
        s: replace(nominal.sides[s], offset_counts=errors.offset_counts[s], gain=errors.true_gain(s))
        for s in ("left", "right")
    }
    return replace(nominal, sides=sides, body_mass_kg=70.0)


def stream(url: str, seconds: float, **kwargs) -> tuple[list[Chunk], skd.Session]:
    chunks = []
    with skd.open(url, **kwargs) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            c = session.read(timeout_s=0.2)
            if c is not None:
                chunks.append(c)
        session.close()
        chunks += session.drain()
    return chunks, session


def by_side(chunks, field):
    out = {}
    for side in ("left", "right"):
        parts = [getattr(c, field) for c in chunks if c.side == side]
        if parts:
            out[side] = np.concatenate(parts)
    return out


# -- the simulated raw insole --------------------------------------------------------------------
@pytest.mark.slow
def test_sim_units_counts_declares_counts_and_sends_the_insole_errors():
    chunks, session = stream(f"sim://?units=counts&miscal={MISCAL}&seed=5", 1.2)
    for info in session.info:
        assert (info.units, info.adc_bits, info.value_scale, info.layout) == ("counts", 12, 1.0, "ref16")
    assert session.units == "counts" and not session.calibrated and session.saturation == {}
    assert all(c.units == "counts" and c.saturated is None and c.counts is None for c in chunks)
    truth = sk.simulate(duration_s=20, seed=5, rate_hz=100.0)  # block 0 of the simulated firmware
    errors = InsoleErrors.random(MISCAL)
    seq, counts = by_side(chunks, "seq"), by_side(chunks, "values")
    for side in ("left", "right"):
        c = counts[side]
        assert np.array_equal(c, np.rint(c)) and c.min() >= 0 and c.max() <= 4000  # integer 12-bit counts
        forces = truth.values(side)[seq[side]]
        t = seq[side] / 100.0
        ideal = errors.response.model.to_counts(forces.astype(np.float64) * errors.sensitivity[side])
        ideal = ideal + errors.offset_at(side, t)
        assert np.quantile(np.abs(c - ideal), 0.999) <= 5.0  # ADC noise sd 1 count + rounding


@pytest.mark.slow
def test_calibrated_live_chunks_are_newtons_of_the_simulated_runner():
    cal = true_calibration()
    chunks, session = stream(f"sim://?units=counts&miscal={MISCAL}&seed=5", 1.5, calibration=cal)
    assert session.calibrated and session.units == "N" and session.calibration_source == "argument"
    assert all(c.units == "N" and c.saturated is not None and c.counts is not None for c in chunks)
    truth = sk.simulate(duration_s=20, seed=5, rate_hz=100.0)
    seq, values = by_side(chunks, "seq"), by_side(chunks, "values")
    for side in ("left", "right"):
        total = values[side].sum(axis=1, dtype=np.float64)
        true_total = truth.values(side)[seq[side]].sum(axis=1, dtype=np.float64)
        rms_pct_bw = 100 * np.sqrt(np.mean((total - true_total) ** 2)) / (70.0 * G)
        assert rms_pct_bw < 0.5
        assert true_total.max() > 700  # the window holds stance phases, not only swing


def test_a_calibration_for_devices_that_send_newtons_is_refused():
    with pytest.raises(CalibrationError, match="already sends N"):
        skd.open("sim://?seed=1", calibration=true_calibration())


def test_a_calibration_without_the_side_is_refused():
    left_only = replace(true_calibration(), sides={"left": true_calibration().sides["left"]})
    with pytest.raises(CalibrationError, match="right insole but the calibration covers left"):
        skd.open("sim://?units=counts", calibration=left_only)


def test_a_calibration_file_path_is_accepted(tmp_path):
    path = true_calibration().save(tmp_path / "cal.json")
    chunks, session = stream("sim://?units=counts&side=left", 0.5, calibration=str(path))
    assert session.calibrated and chunks and all(c.units == "N" for c in chunks)


# -- captures: bit identity and re-calibration ----------------------------------------------------
@pytest.fixture(scope="module")
def raw_capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("raw") / "raw.skr"
    cal = true_calibration()
    url = f"sim://?units=counts&miscal={MISCAL}&seed=9&loss=0.03&rate=200"
    chunks, _ = stream(url, 1.5, calibration=cal, record=path, subject={"body_mass_kg": 70.0})
    return path, cal, chunks


@pytest.mark.slow
def test_capture_stores_raw_frames_and_the_calibration(raw_capture):
    path, cal, _ = raw_capture
    header = CaptureReader(path).header
    assert header["calibration"] == cal.to_dict()
    assert all(s["info"]["units"] == "counts" and s["info"]["adc_bits"] == 12 for s in header["streams"])


@pytest.mark.slow
def test_read_capture_with_the_header_calibration_is_bit_identical_to_the_live_chunks(raw_capture):
    path, cal, live = raw_capture
    rec = read_capture(path)
    assert rec.units == "N" and rec.metadata["calibration_source"] == "header"
    assert rec.metadata["calibration_applied"] and rec.metadata["clock_slips"] == 0
    assert rec.metadata["calibration"] == cal.to_dict()
    values, flags = by_side(live, "values"), by_side(live, "saturated")
    for side in ("left", "right"):
        arr = rec.values(side)
        present = ~np.isnan(arr).all(axis=1)
        assert arr[present].dtype == values[side].dtype == np.float32
        assert np.array_equal(arr[present], values[side])  # bit for bit, lost samples are NaN rows
        assert np.array_equal(rec.metadata["saturated"][side][present], flags[side])
    assert any(c.gaps for c in live)  # loss=0.03: the lost samples stayed gaps
    # the replayed session itself gives the same chunks (values, raw counts, flags) per side
    with skd.open(f"replay://{path}?speed=0") as session:
        replayed = list(session)
    for field in ("seq", "values", "counts", "saturated"):
        a, b = by_side(live, field), by_side(replayed, field)
        assert all(np.array_equal(a[s], b[s]) for s in ("left", "right")), field


@pytest.mark.slow
def test_read_capture_recalibrates_the_raw_counts(raw_capture):
    path, cal, live = raw_capture
    base = read_capture(path)
    sides = {s: replace(c, gain=c.gain * 1.1) for s, c in cal.sides.items()}
    rec = read_capture(path, calibration=replace(cal, sides=sides))
    assert rec.metadata["calibration_source"] == "argument"
    assert rec.metadata["calibration"]["sides"]["left"]["gain"] == pytest.approx(cal.side("left").gain * 1.1)
    for side in ("left", "right"):
        np.testing.assert_allclose(rec.values(side), base.values(side) * 1.1, rtol=1e-6, atol=1e-6)
    # new offsets: the values are the curve of the raw counts with those offsets, exactly
    shifted = {s: replace(c, offset_counts=c.offset_counts + 20.0) for s, c in cal.sides.items()}
    rec2 = read_capture(path, calibration=replace(cal, sides=shifted).to_dict())
    counts = by_side(live, "counts")
    for side in ("left", "right"):
        sc = shifted[side]
        want = counts_to_values(counts[side], sc.response, sc.offset_counts, sc.gain, kernel=True).values
        arr = rec2.values(side)
        got = arr[~np.isnan(arr).all(axis=1)]
        assert np.array_equal(got, want)
        assert np.all(got.sum(axis=1) < base.values(side)[~np.isnan(arr).all(axis=1)].sum(axis=1) + 1e-3)


# -- uncalibrated counts: clear errors --------------------------------------------------------------
@pytest.fixture(scope="module")
def uncalibrated_capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("uncal") / "uncal.skr"
    chunks, session = stream(f"sim://?units=counts&miscal={MISCAL}", 0.8, record=path)
    return path, chunks, session


def test_uncalibrated_counts_cannot_become_a_recording_or_an_analysis(uncalibrated_capture):
    path, chunks, session = uncalibrated_capture
    with pytest.raises(UncalibratedError, match="raw ADC counts") as info:
        session.require_physical_units("an analysis")
    assert "--calibration cal.json" in info.value.hint
    with pytest.raises(UncalibratedError, match="raw ADC counts"):
        recording_from_chunks(chunks, layout="ref16")
    with pytest.raises(UncalibratedError, match="header has no calibration") as info:
        sk.analyze(sk.read(path))
    assert "calibration='cal.json'" in info.value.hint and "--calibration" in info.value.hint
    rec = read_capture(path, calibration=true_calibration())  # the raw capture is still usable
    assert rec.units == "N" and rec.metadata["calibration_source"] == "argument"


def test_analyze_cli_on_an_uncalibrated_capture_is_a_one_line_error(uncalibrated_capture, capsys):
    from sensorkit.cli import analyze as analyze_cli

    assert standalone(analyze_cli.add_parser, "analyze", [str(uncalibrated_capture[0])]) == 1
    err = capsys.readouterr().err
    assert "raw ADC counts" in err and "--calibration cal.json" in err and "Traceback" not in err
    # the command the user just ran, whichever reads files (a maker running `report` was told `analyze`)
    assert "add --calibration cal.json to the command (sensorkit analyze, report," in err


def test_analyze_cli_with_a_calibration_file_reads_the_raw_capture(uncalibrated_capture, tmp_path, capsys):
    from sensorkit.cli import analyze as analyze_cli

    cal_path = tmp_path / "cal.json"
    true_calibration().save(cal_path)
    args = [str(uncalibrated_capture[0]), "--calibration", str(cal_path), "--mass", "70", "--json"]
    assert standalone(analyze_cli.add_parser, "analyze", args) == 0
    assert '"force_units": "BW"' in capsys.readouterr().out
    assert sk.read(uncalibrated_capture[0], calibration=cal_path).units == "N"


def test_a_calibration_for_a_file_already_in_newtons_is_refused(tmp_path):
    path = tmp_path / "run.csv"
    sk.io.write_generic_csv(sk.simulate(duration_s=1, seed=0), path)
    with pytest.raises(sk.FileFormatError, match="calibration applies to raw captures"):
        sk.read(path, calibration=true_calibration())


# -- saturation ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_saturation_is_flagged_counted_and_warned_never_clipped():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chunks, session = stream(
            f"sim://?units=counts&miscal={MISCAL}&seed=3&mass=250", 3.0, calibration=true_calibration()
        )
    counts, flags, values = by_side(chunks, "counts"), by_side(chunks, "saturated"), by_side(chunks, "values")
    cal = true_calibration()
    total = 0
    for side in ("left", "right"):
        assert np.array_equal(flags[side], counts[side] >= 4000)  # saturation_counts of ref16-fsr
        assert np.array_equal(session.saturation[side], flags[side].sum(axis=0))
        sat = flags[side]
        total += int(sat.sum())
        # saturated readings keep the curve's value at their count (a lower bound of the load)
        sc = cal.side(side)
        want = counts_to_values(counts[side], sc.response, sc.offset_counts, sc.gain, kernel=True).values
        assert np.array_equal(values[side], want)
        for j in np.flatnonzero(sat.any(axis=0)):
            assert values[side][sat[:, j], j].min() >= values[side][~sat[:, j], j].max()
    assert total > 0 and sum(c.n_saturated for c in chunks) == total
    assert any(issubclass(w.category, SaturationWarning) for w in caught)


# -- pairing for the guided procedure ----------------------------------------------------------------
def _chunk(side: str, t: np.ndarray, counts: np.ndarray) -> Chunk:
    return Chunk(side, 0 if side == "left" else 1, t, np.arange(t.size), counts.astype(np.float32),
                 "counts", 1, float(t[-1]), (), LinkStats())  # fmt: skip


def test_paired_frames_take_the_nearest_right_sample_and_drop_the_unpaired():
    t = 100.0 + np.arange(10) * 0.01
    left = np.arange(10)[:, None] * np.ones((1, 3))
    right = 1000 + left
    keep = np.arange(10) != 4  # right sample 4 was lost
    chunks = [
        _chunk("left", t[:6], left[:6]),
        _chunk("right", (t + 0.003)[keep][:3], right[keep][:3]),
        _chunk("right", (t + 0.003)[keep][3:], right[keep][3:]),
        _chunk("left", t[6:], left[6:]),
    ]
    frames = PairedFrames(chunks, period_s=0.01)
    out = list(frames)
    tt = np.concatenate([f[0] for f in out])
    ll = np.concatenate([f[1] for f in out])
    rr = np.concatenate([f[2] for f in out])
    assert np.array_equal(tt, t[keep]) and np.array_equal(ll, left[keep]) and np.array_equal(rr, right[keep])
    assert frames.paired == 9 and frames.dropped == {"left": 1, "right": 0}


def test_paired_frames_refuse_newtons_without_counts():
    chunk = replace(_chunk("left", np.array([0.0]), np.ones((1, 3))), units="N")
    with pytest.raises(CalibrationError, match="not raw ADC counts"):
        list(PairedFrames([chunk], period_s=0.01))


# -- CLI -------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_record_and_replay_with_calibration_files(tmp_path, capsys):
    cal_path = true_calibration().save(tmp_path / "cal.json")
    raw = tmp_path / "raw.skr"
    url = f"sim://?units=counts&miscal={MISCAL}&seed=4"
    assert standalone(record_cli.add_parser, "record", [url, "-o", str(raw), "--duration", "1.2"]) == 0
    assert "values are raw ADC counts" in capsys.readouterr().out
    assert CaptureReader(raw).header["calibration"] is None
    assert standalone(replay_cli.add_parser, "replay", [str(raw), "--speed", "0"]) == 0
    out = capsys.readouterr().out
    assert " counts  peak" in out and "--calibration cal.json" in out
    args = [str(raw), "--speed", "0", "--calibration", str(cal_path)]
    assert standalone(replay_cli.add_parser, "replay", args) == 0
    out = capsys.readouterr().out
    assert "converted to N" in out and " N  peak" in out and " counts  peak" not in out
    cal_rec = tmp_path / "cal.skr"
    args = [url, "-o", str(cal_rec), "--duration", "1.2", "--calibration", str(cal_path)]
    assert standalone(record_cli.add_parser, "record", args) == 0
    assert CaptureReader(cal_rec).header["calibration"] == Calibration.load(cal_path).to_dict()
    assert read_capture(cal_rec).units == "N"


@pytest.mark.slow
def test_stream_plain_view_calibrated_and_not(tmp_path, capsys):
    cal_path = true_calibration().save(tmp_path / "cal.json")
    url = f"sim://?units=counts&miscal={MISCAL}&seed=4"
    assert standalone(stream_cli.add_parser, "stream", [url, "--duration", "1.2", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "values are raw ADC counts" in out and " counts  peak" in out
    args = [url, "--duration", "2.2", "--plain", "--mass", "70", "--calibration", str(cal_path)]
    assert standalone(stream_cli.add_parser, "stream", args) == 0
    out = capsys.readouterr().out
    assert "converted to N" in out and " N  peak" in out and " BW " in out  # step lines in body weights


def test_a_report_of_a_calibrated_capture_names_the_assumed_response_curves(uncalibrated_capture, tmp_path):
    # the maker's trial: offsets and gains were measured, but the curves' shape was the built-in
    # one, and the report said only "raw counts converted with a measured calibration" while the
    # walking peaks read 45 % high. It now names the curves as assumed, in the report's header
    # and in the recommendations' notes
    from sensorkit.recommend.facts import calibration_status
    from sensorkit.report import write_report

    rec = read_capture(uncalibrated_capture[0], calibration=true_calibration())
    calibrated, note = calibration_status(rec)
    assert calibrated is True
    assert "built-in response curves 'ref16-fsr', not measured on these sensors" in note
    write_report(tmp_path / "r.html", rec, sk.analyze(rec), recommend=False)
    html = (tmp_path / "r.html").read_text()
    assert "<th>calibration</th>" in html or ">calibration<" in html
    assert "not measured on these sensors" in html
    # review: decided by name alone, measured curves saved under the built-in's name were called
    # built in; the model's numbers decide
    for side in rec.metadata["calibration"]["sides"].values():
        model = side["response"]["model"]
        model["exponent"] = [1.05 * x for x in model["exponent"]]
    assert calibration_status(rec) == (True, "raw counts converted with a measured calibration")
