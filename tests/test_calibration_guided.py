"""The guided procedure on the simulated mis-calibrated insole, and the `calibrate` CLI verb."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from sensorkit.calibrate import Calibration, GuidedUpdate, run_guided_calibration
from sensorkit.errors import CalibrationError, DeviceError
from sensorkit.simulate.raw import InsoleErrors, simulate_guided_session

MASS_KG = 72.0


@pytest.fixture(scope="module")
def session():
    # random offsets and drift, and sensitivity errors large enough that an uncalibrated
    # insole would be off by more than the 2 % tolerance
    insole = replace(InsoleErrors.random(5), sensitivity={"left": 1.15, "right": 0.88})
    return simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=5)


@pytest.fixture(scope="module")
def calibrated(session):
    updates: list[GuidedUpdate] = []
    cal = run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG, feedback=updates.append)
    return cal, updates


def test_guided_recovers_true_offsets_and_gains_within_2_percent(session, calibrated):
    cal, _ = calibrated
    assert cal.passed is True
    for side in ("left", "right"):
        sc = cal.side(side)
        true_offsets = session.insole.offset_at(side, sc.procedure["tare"]["time_s"])
        assert np.max(np.abs(sc.offset_counts - true_offsets) / true_offsets) < 0.02
        assert sc.gain == pytest.approx(session.insole.true_gain(side), rel=0.02)


def test_guided_reports_every_step_and_check_with_numbers(calibrated):
    cal, updates = calibrated
    proc = cal.procedure
    assert [s["name"] for s in proc["steps"]] == ["lift_left", "lift_right", "both", "left", "right"]
    assert all(s["completed"] and s["n_frames"] >= 150 for s in proc["steps"])
    names = {c["name"] for c in proc["checks"]}
    assert {
        "left gain",
        "right gain",
        "both feet = body weight",
        "left zero drift",
        "right zero drift",
    } <= names
    both = next(c for c in proc["checks"] if c["name"] == "both feet = body weight")
    assert abs(both["value"]) < 1.0  # % of body weight
    kinds = [u.kind for u in updates]
    assert kinds.count("step") == 5 and kinds.count("step_done") == 5 and kinds[-1] == "done"
    progress = [u for u in updates if u.kind == "progress" and u.step == "left" and u.posture == "left"]
    assert progress and max(u.held_s for u in progress) >= 3.0


def test_a_posture_never_taken_times_out_and_the_calibration_fails(session):
    # The subject never stands on the right foot: that step times out, the right gain falls back
    # to the both-feet step, and the calibration is marked failed.
    short = simulate_guided_session(
        session.insole, body_mass_kg=MASS_KG, seed=5, postures=("lift_left", "lift_right", "both", "left")
    )
    cal = run_guided_calibration(short.chunks(0.1), body_mass_kg=MASS_KG, timeout_s=8.0)
    assert cal.passed is False
    right_step = cal.procedure["steps"][-1]
    assert right_step["name"] == "right" and not right_step["completed"]
    assert cal.side("right").procedure["gain_step"] == "both"
    assert cal.side("right").gain == pytest.approx(session.insole.true_gain("right"), rel=0.03)


def test_no_tare_possible_is_an_error(session):
    chunks = [(session.time_s[:50], session.left[:50], session.right[:50])]
    with pytest.raises(CalibrationError, match="cannot tare the left insole"):
        run_guided_calibration(chunks, body_mass_kg=MASS_KG, timeout_s=1.0)


def test_guided_needs_the_body_mass(session):
    with pytest.raises(CalibrationError, match="body mass is needed"):
        run_guided_calibration(session.chunks(), body_mass_kg=None)


# -- CLI -----------------------------------------------------------------------------------------
def _parse(argv: list[str]) -> argparse.Namespace:
    from sensorkit.cli import calibrate as verb

    parser = argparse.ArgumentParser(prog="sensorkit")
    verb.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_calibrates_the_simulated_insole_and_writes_the_file(tmp_path, capsys):
    out = tmp_path / "calibration.json"
    args = _parse(["calibrate", "sim://?seed=2", "--mass", "70", "-o", str(out)])
    assert args.run(args) == 0
    text = capsys.readouterr().out
    assert "Step 5/5" in text and "PASS" in text and "both feet = body weight" in text
    cal = Calibration.load(out)
    assert cal.passed and cal.body_mass_kg == 70.0
    truth = InsoleErrors.random(2)
    for side in ("left", "right"):
        assert cal.side(side).gain == pytest.approx(truth.true_gain(side), rel=0.02)
    assert json.loads(out.read_text())["schema"] == "sensorkit.calibration/1"


def test_cli_opens_live_urls_through_the_device_layer(tmp_path):
    # a live URL really goes through sensorkit.open: a missing port is a device error, no file
    args = _parse(["calibrate", "serial:///dev/ttyUSB0", "--mass", "70", "-o", str(tmp_path / "c.json")])
    with pytest.raises(DeviceError, match="cannot open serial port /dev/ttyUSB0"):
        args.run(args)
    assert not (tmp_path / "c.json").exists()


def test_cli_without_mass_is_a_clear_error(tmp_path):
    args = _parse(["calibrate", "-o", str(tmp_path / "c.json")])
    with pytest.raises(CalibrationError, match="body mass is needed"):
        args.run(args)


@pytest.mark.parametrize(("noise_counts", "passes"), [(15.0, True), (45.0, False)])
def test_the_tare_noise_limit_is_scaled_to_the_adc_range(noise_counts, passes):
    # a maker's ESP32 insole (12-bit ADC, readings scattering by sd 15 counts at rest) failed
    # every guided calibration against a fixed 8 counts; the limit is now 8 counts of a 10-bit
    # ADC scaled to the response's ADC: 32 counts at 12 bits, which a foot not lifted still fails
    insole = replace(
        InsoleErrors.random(5, noise_counts=noise_counts), sensitivity={"left": 1.1, "right": 0.9}
    )
    session = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=5)
    cal = run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG)
    checks = {c["name"]: c for c in cal.procedure["checks"]}
    for side in ("left", "right"):
        tare = checks[f"{side} tare noise"]
        assert tare["limit"] == 32.0 and tare["passed"] is passes
        assert noise_counts * 0.9 < tare["value"] < noise_counts * 1.3  # the noisiest of 16 sensors
    if passes:
        assert cal.passed is True
        for side in ("left", "right"):
            assert cal.side(side).gain == pytest.approx(session.insole.true_gain(side), rel=0.02)


@pytest.mark.parametrize("seed", range(5))
def test_a_noisy_board_without_drift_passes_the_drift_check_within_its_uncertainty(seed):
    # the maker's trial: a drift-free board failed the 1 N/min drift check once in 5 runs; the
    # two tare offsets are means of noisy counts, and with ADC noise of sd 15 counts their
    # difference alone reads up to ~2 N/min. The check now allows two standard errors
    insole = replace(InsoleErrors.random(seed, noise_counts=15.0, drift_sd_counts_per_min=0.0),
                     sensitivity={"left": 1.1, "right": 0.9})  # fmt: skip
    session = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=seed)
    cal = run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG)
    drift = [c for c in cal.procedure["checks"] if c["name"].endswith("zero drift")]
    assert len(drift) == 2 and all(c["passed"] for c in drift)
    assert all(abs(c["value"]) <= c["limit"] + c["uncertainty"] for c in drift)
    assert all(0.5 < c["uncertainty"] < 3.0 for c in drift)  # N/min, two standard errors
    # the maker's trial: "-1.793 +- 2.53 N/min, limit +-1, PASS" read as a pass; the check could
    # not tell, and now says so
    assert all(c["undetermined"] is (c["uncertainty"] > c["limit"]) for c in drift)


def test_a_real_drift_still_fails_the_drift_check():
    # 3 N/min of real drift on a quiet board (noise 1 count): far beyond the limit and its
    # uncertainty (about 0.1-0.2 N/min)
    base = InsoleErrors.random(3, noise_counts=1.0, drift_sd_counts_per_min=0.0)
    per_sensor = {"left": np.full(16, 0.0), "right": np.full(16, 0.0)}
    session0 = simulate_guided_session(base, body_mass_kg=MASS_KG, seed=3)
    cal0 = run_guided_calibration(session0.chunks(0.1), body_mass_kg=MASS_KG)
    from sensorkit.calibrate.drift import sensitivity_at_load

    sens = sensitivity_at_load(cal0.side("right"), MASS_KG * 9.81 / 16)
    per_sensor["right"] = np.full(16, 3.0 / float(sens.sum()))  # counts/min giving 3 N/min
    insole = replace(base, drift_counts_per_min=per_sensor)
    cal = run_guided_calibration(simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=3).chunks(0.1),
                                 body_mass_kg=MASS_KG)  # fmt: skip
    right = next(c for c in cal.procedure["checks"] if c["name"] == "right zero drift")
    assert right["passed"] is False and right["value"] == pytest.approx(3.0, abs=0.5)
    assert right["uncertainty"] < 0.5


def _failed_steps(sides, sensitivity, postures):
    insole = replace(InsoleErrors.random(5), sensitivity={"left": sensitivity, "right": sensitivity})
    session = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=5, postures=postures)
    updates: list[GuidedUpdate] = []
    with pytest.raises(CalibrationError) as err:
        run_guided_calibration(
            session.chunks(0.1), body_mass_kg=MASS_KG, feedback=updates.append, sides=sides
        )
    done = {u.step: u for u in updates if u.kind == "step_done"}
    return done, err.value


@pytest.mark.parametrize(
    ("sides", "sensitivity", "postures", "step", "read", "factor"),
    [
        (
            ("left", "right"),
            2.0,
            ("lift_left", "lift_right", "both"),
            "both",
            "the insoles read 198.7 %",
            "2x",
        ),
        (
            ("left", "right"),
            0.5,
            ("lift_left", "lift_right", "both"),
            "both",
            "the insoles read 49.7 %",
            "0.5x",
        ),
        ("left", 0.5, ("lift_left", "both", "left"), "left", "the left insole read 50", "0.5x"),
        ("left", 2.0, ("lift_left", "both"), "both", "the left insole read 98", "2x"),
    ],
)
def test_a_board_far_from_the_response_curves_is_told_why_its_step_fails(
    sides, sensitivity, postures, step, read, factor
):
    # the maker's trial: a board reading half what the curves assume never reached the posture
    # levels (they tolerate about 30 %), and the step ended with the instruction again. The
    # failed step now says what the insoles read and by what factor the curves are off
    done, err = _failed_steps(sides, sensitivity, postures)
    assert done[step].passed is False
    msg = done[step].message
    assert read in msg and f"read this board at about {factor} its load" in msg and "--response" in msg
    assert "message" in err.hint


def test_a_lift_step_needs_only_that_foot_unloaded_whatever_the_other_reads_under_it():
    # a pair reading half: the left foot resting while seated read 4.9 % of body weight, under
    # the 5 % of a lifted foot, so holding the right foot up was taken for lifting the left.
    # Review of a first fix ("the lower reading is the foot held up"): a lifted left insole with
    # a preload reading 3.7 % next to a resting right one reading 2.8 % then never completed its
    # step. A lift step now asks only its own conditions
    done, _ = _failed_steps(("left", "right"), 0.5, ("lift_left", "lift_right", "both"))
    assert done["lift_left"].passed and done["lift_right"].passed
    base = InsoleErrors.random(0)
    n_s = base.response.n_sensors
    preload = InsoleErrors(base.response, {"left": np.full(n_s, 230.0), "right": np.full(n_s, 20.0)},
                           {"left": 1.0, "right": 0.25}, {"left": np.zeros(n_s), "right": np.zeros(n_s)},
                           1.0)  # fmt: skip
    session = simulate_guided_session(
        preload, body_mass_kg=MASS_KG, seed=0, postures=("lift_left", "lift_right")
    )
    updates: list[GuidedUpdate] = []
    with pytest.raises(CalibrationError):  # no both-feet or one-foot step: no gain
        run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG, feedback=updates.append)
    done = {u.step: u for u in updates if u.kind == "step_done"}
    assert done["lift_left"].passed and done["lift_right"].passed


def test_cli_with_output_piped_shows_what_the_insoles_read(tmp_path, capsys):
    # the maker's trial: with the output piped (not a terminal) no reading was shown, so a step
    # that never completed gave no clue. Now a line a second, and on each posture change
    out = tmp_path / "calibration.json"
    args = _parse(["calibrate", "sim://?seed=2", "--mass", "70", "-o", str(out)])
    assert args.run(args) == 0
    lines = capsys.readouterr().out.splitlines()
    readings = [ln for ln in lines if "% BW" in ln and "posture" in ln]
    assert len(readings) >= 5 * 3  # five steps of at least 3 s held

    def read(posture):
        return [
            [float(x) for x in re.findall(r"(?:left|right)\s+(-?[\d.]+) % BW", ln)]
            for ln in readings
            if f"posture {posture} " in ln
        ]

    totals = [sum(r) for r in read("both")]
    assert totals and 90.0 < float(np.median(totals)) < 115.0  # both feet: about body weight
    assert all(r[0] > 90.0 and abs(r[1]) < 5.0 for r in read("left"))  # on the left foot


def test_cli_says_which_checks_failed_and_what_to_do_and_when_a_check_cannot_tell(capsys):
    # the maker's trial: with only the drift failing, the last line said "FAIL: left gain 0.990;
    # ... repeat the calibration" (the gain had passed; repeating at once does not help a drift)
    from rich.console import Console

    from sensorkit.cli.calibrate import _results_table, _retry_advice

    assert "settle" in _retry_advice(["left zero drift"])
    assert "lifted foot" in _retry_advice(["right tare noise", "left zero drift"])
    assert "failed steps say" in _retry_advice(["step both", "left gain"])
    assert "--response" in _retry_advice(["left gain"])
    procedure = {
        "steps": [],
        "checks": [
            {"name": "left zero drift", "value": -1.793, "limit": 1.0, "kind": "abs", "unit": "N/min",
             "passed": True, "uncertainty": 2.53, "undetermined": True},
            {"name": "right zero drift", "value": 2.9, "limit": 1.0, "kind": "abs", "unit": "N/min",
             "passed": False, "uncertainty": 0.4, "undetermined": False},
        ],
    }  # fmt: skip
    console = Console(width=120, record=True)
    console.print(_results_table(procedure))
    text = console.export_text()
    assert "-1.793 +- 2.53 N/min" in text and "UNCLEAR" in text and "FAIL" in text


@pytest.mark.parametrize(("exponent_factor", "noted"), [(0.85, True), (1.0, False)])
def test_one_insole_whose_curves_have_another_shape_gets_a_note_though_it_passes(exponent_factor, noted):
    # the maker's trial: an insole whose sensors follow another curve than ref16-fsr passed
    # (share on both feet 40.9 %, in the 40-60 % band) and its walking peaks read 45 % high with
    # nothing said. A share further than 5 % from half now gets a note naming the curves
    from sensorkit.calibrate.guided import single_insole_steps
    from sensorkit.calibrate.power_law import PowerLawModel
    from sensorkit.calibrate.response import load_response

    nominal = load_response("ref16-fsr")
    m = nominal.model
    true = replace(nominal, model=PowerLawModel(m.scale, m.exponent * exponent_factor, m.full_scale_counts))
    postures = tuple(st.name for st in single_insole_steps("left"))
    session = simulate_guided_session(
        InsoleErrors.random(5, response=true), body_mass_kg=MASS_KG, seed=5, postures=postures
    )
    cal = run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG, sides="left")
    assert cal.passed is True
    notes = cal.procedure["notes"]
    assert bool(notes) is noted
    if noted:
        assert "'ref16-fsr' do not fit these sensors" in notes[0] and "--response" in notes[0]


def test_a_drift_over_the_limit_that_passes_only_by_its_uncertainty_is_unclear():
    # review: "left zero drift 1.769 +- 0.83 N/min, limit +-1 N/min, PASS" for a true 1.47 N/min:
    # the check passed only because of its uncertainty, and could not tell
    base = InsoleErrors.random(1)
    n_s = base.response.n_sensors
    insole = InsoleErrors(base.response, base.offset_counts, {"left": 1.0, "right": 1.0},
                          {"left": np.full(n_s, 1.9), "right": np.full(n_s, 1.9)}, 11.0)  # fmt: skip
    session = simulate_guided_session(insole, seed=1)
    cal = run_guided_calibration(session.chunks(), body_mass_kg=session.body_mass_kg)
    left = next(c for c in cal.procedure["checks"] if c["name"] == "left zero drift")
    assert left["passed"] and abs(left["value"]) > left["limit"] and left["uncertainty"] < left["limit"]
    assert left["undetermined"] is True


def test_a_board_reading_almost_nothing_is_not_told_to_change_its_curves():
    # review: a dead insole was told "the response curves read this board at about 0.001x its
    # load: give curves that fit its sensors"; beyond 0.2-5x a connection is the likelier cause
    done, _ = _failed_steps(("left", "right"), 0.18, ("lift_left", "lift_right", "both"))
    msg = done["both"].message
    assert "the insoles read" in msg and "Check the insole's connections and sensors" in msg
    assert "x its load" not in msg
