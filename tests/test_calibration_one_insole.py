"""The guided calibration of one insole (many DIY boards are a single insole): the steps that
insole can detect on its own, its offsets and gain against the simulated insole's true
errors, what it refuses, and ``sensorkit calibrate URL`` through the device layer."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np
import pytest

import sensorkit.devices as skd
from sensorkit.calibrate import (
    DEFAULT_STEPS,
    Calibration,
    GuidedUpdate,
    classify_one_insole,
    run_guided_calibration,
    single_insole_steps,
)
from sensorkit.devices.firmware import CALIBRATION_SCRIPT
from sensorkit.errors import CalibrationError
from sensorkit.simulate import raw
from sensorkit.simulate.raw import InsoleErrors, simulate_guided_session

MASS_KG = 72.0


@pytest.fixture(scope="module")
def session():
    # sensitivity errors that would leave an uncalibrated insole 12-15 % off; the subject
    # follows the simulated device's script: the pair's steps, then the left foot again
    insole = replace(InsoleErrors.random(5), sensitivity={"left": 1.15, "right": 0.88})
    return simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=5, postures=CALIBRATION_SCRIPT)


def _only(chunks, side):
    """The chunks as a single insole's: the other insole's counts are None."""
    for t, left, right in chunks:
        yield (t, left, None) if side == "left" else (t, None, right)


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_insole_recovers_its_true_offsets_and_gain_within_2_percent(session, side):
    updates: list[GuidedUpdate] = []
    cal = run_guided_calibration(
        _only(session.chunks(0.1), side), body_mass_kg=MASS_KG, sides=(side,), feedback=updates.append
    )
    assert cal.passed is True and list(cal.sides) == [side]
    sc = cal.side(side)
    true_offsets = session.insole.offset_at(side, sc.procedure["tare"]["time_s"])
    assert np.max(np.abs(sc.offset_counts - true_offsets) / true_offsets) < 0.02
    assert sc.gain == pytest.approx(session.insole.true_gain(side), rel=0.02)
    other = "right" if side == "left" else "left"
    with pytest.raises(CalibrationError, match=f"no {other} insole"):
        cal.side(other)
    proc = cal.procedure
    assert proc["insoles"] == [side]
    # the two tares (that foot held up, then standing on the other foot) measure the drift;
    # standing on both feet the calibrated insole carries half the body weight (simulated 50 %)
    checks = {c["name"]: c for c in proc["checks"]}
    share = f"{side} share standing on both feet"
    assert set(checks) == {f"{side} tare noise", f"{side} gain", f"{side} zero drift", share}
    # (the simulated subject shifts 3 % of body weight between the feet while standing)
    assert checks[share]["value"] == pytest.approx(50.0, abs=3.0) and checks[share]["limit"] == [40.0, 60.0]
    assert "over about 20 % of body weight" in proc["limits"]
    assert [s["name"] for s in proc["steps"]] == [s.name for s in single_insole_steps(side)]
    # the second tare is taken standing on the other foot (script phase 4 or 6), not while the
    # subject still sits with that foot up (phase 1 or 2): a reviewer found it taken seated
    span = sc.procedure["drift"]["span_min"] * 60.0
    assert span > 15.0
    # the live feedback shows that insole only, in body weights
    shown = [u for u in updates if u.kind == "progress"]
    other_bw = [u.left_bw if other == "left" else u.right_bw for u in shown]
    assert all(v != v for v in other_bw)  # NaN: nothing is shown for the absent insole
    assert {u.posture for u in shown} <= {"unloaded", "both", side, "moving"}
    assert any(u.posture == side for u in shown) and any(u.posture == "both" for u in shown)


def test_each_one_insole_step_changes_what_the_insole_carries():
    # unloaded, half, full, unloaded: no step completes on the posture of the step before it
    # (lift_right then "stand on the left" both read an unloaded right insole: a reviewer saw
    # the second tare taken while the subject was still seated)
    assert [s.name for s in single_insole_steps("left")] == ["lift_left", "both", "left", "right"]
    assert [s.name for s in single_insole_steps("right")] == ["lift_right", "both", "right", "left"]
    assert "RIGHT foot off the floor" in single_insole_steps("right")[3].instruction
    with pytest.raises(CalibrationError, match="'left' or 'right'"):
        single_insole_steps("unknown")


def test_one_insole_postures_are_read_from_its_force_alone():
    bw = np.array([0.0, 0.049, 0.05, 0.249, 0.25, 0.5, 0.69, 0.7, 1.2])
    assert classify_one_insole(bw, "left").tolist() == [
        "unloaded", "unloaded", "moving", "moving", "both", "both", "both", "left", "left"
    ]  # fmt: skip


@pytest.mark.parametrize(("left_share", "passes"), [(0.7, False), (0.9, True)])
def test_the_other_foot_touching_in_the_gain_step_fails_the_both_feet_share(monkeypatch, left_share, passes):
    # standing "on the left foot" with the right foot carrying 30 % (or 10 %) of body weight: a
    # +20 % sensitivity error lifts the reading over the one-foot threshold, and the gain comes
    # out high by 1 / share. Standing on both feet then reads 0.5 / share of body weight: 71 %
    # fails the 40-60 % check; a 10 % touch (56 %, gain 11 % high) is the documented limit
    monkeypatch.setitem(raw.GUIDED_POSTURES, "left", (left_share, 1.0 - left_share))
    insole = replace(InsoleErrors.random(3), sensitivity={"left": 1.2, "right": 1.0})
    postures = ("lift_left", "both", "left", "right")
    ses = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=3, postures=postures)
    cal = run_guided_calibration(_only(ses.chunks(0.1), "left"), body_mass_kg=MASS_KG, sides="left")
    share = next(c for c in cal.procedure["checks"] if c["name"] == "left share standing on both feet")
    assert cal.side("left").gain * 1.2 == pytest.approx(1.0 / left_share, rel=0.02)
    assert share["value"] == pytest.approx(50.0 / left_share, abs=3.0 / left_share)  # 3 % BW sway
    assert share["passed"] is passes and cal.passed is passes


def test_standing_on_both_feet_does_not_count_as_standing_on_the_insole_foot():
    # the subject never stands on the left foot alone: about 50 % BW is not the one-foot step
    insole = InsoleErrors.random(7)
    postures = ("lift_left", "both", "right")
    short = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=7, postures=postures)
    with pytest.raises(CalibrationError, match="cannot compute the left gain: the step on the left foot"):
        run_guided_calibration(_only(short.chunks(0.1), "left"), body_mass_kg=MASS_KG, sides=("left",),
                               timeout_s=8.0)  # fmt: skip


def test_steps_one_insole_cannot_detect_and_missing_counts_are_refused(session):
    with pytest.raises(CalibrationError, match=r"cannot detect the step\(s\) lift_right$"):
        run_guided_calibration(
            session.chunks(0.1), body_mass_kg=MASS_KG, sides=("left",), steps=DEFAULT_STEPS
        )
    with pytest.raises(CalibrationError, match="sides must be left, right or both"):
        run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG, sides=("middle",))
    # one insole's chunks calibrated as a pair, or as the other insole: a clear error, not numpy's
    for sides in (("left", "right"), "right"):
        with pytest.raises(CalibrationError, match="a chunk has no right counts") as info:
            run_guided_calibration(_only(session.chunks(0.1), "left"), body_mass_kg=MASS_KG, sides=sides)
        assert "sides=" in info.value.hint


def _parse(argv: list[str]) -> argparse.Namespace:
    from sensorkit.cli import calibrate as verb

    parser = argparse.ArgumentParser(prog="sensorkit")
    verb.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_calibrate_refuses_one_insole_that_does_not_say_its_foot(pty, tmp_path, capsys):
    # a CSV board on a real pseudo-terminal, without ?side=: which foot is it?
    line = ("t1000," + ",".join(["100"] * 16) + "\n").encode()
    pty.play([line] * 200, 0.01)
    out = tmp_path / "cal.json"
    args = _parse(["calibrate", f"serial://{pty.path}?format=csv&layout=ref16&rate=100&units=counts",
                   "--mass", "70", "-o", str(out)])  # fmt: skip
    with pytest.raises(CalibrationError, match="does not say which foot") as info:
        args.run(args)
    assert "side=left or side=right" in info.value.hint
    assert not out.exists()


@pytest.mark.slow
def test_calibrate_one_simulated_insole_through_the_device_layer_then_stream_newtons(tmp_path, capsys):
    # ~20 s of postures in real time, then 4 s of running through the calibration
    miscal, seed, mass = 11, 11, 66.0
    out = tmp_path / "cal.json"
    url = f"sim://?units=counts&script=calibration&miscal={miscal}&seed={seed}&side=right&hold=2.5"
    args = _parse(["calibrate", url, "--mass", str(mass), "--hold", "2", "--timeout", "20", "-o", str(out)])
    assert args.run(args) == 0
    text = capsys.readouterr().out
    assert "PASS: right gain" in text and "limits: one insole" in text
    # a maker's trial: the curves assumed for a home-made board were never named
    assert "response curves: ref16-fsr (assumed for layout ref16: " in text and "--response NAME|FILE" in text
    cal = Calibration.load(out)
    truth = InsoleErrors.random(miscal)
    assert list(cal.sides) == ["right"] and cal.passed
    assert cal.side("right").gain == pytest.approx(truth.true_gain("right"), rel=0.01)
    assert cal.procedure["source"]["frames"] > 1500
    assert cal.procedure["source"]["devices"][0]["units"] == "counts"
    # the calibration converts that insole's stream to newtons matching the simulated runner
    chunks = []
    with skd.open(f"sim://?units=counts&miscal={miscal}&seed={seed}&mass={mass:g}&side=right",
                  calibration=out) as dev:  # fmt: skip
        assert dev.units == "N" and dev.calibrated
        t0 = time.monotonic()
        while time.monotonic() - t0 < 4.0:
            c = dev.read(timeout_s=0.2)
            if c is not None:
                chunks.append(c)
    import sensorkit as sk

    seq = np.concatenate([c.seq for c in chunks])
    assert seq[0] == 0 and np.array_equal(seq, np.arange(seq.size))
    force = np.concatenate([c.values for c in chunks]).sum(axis=1)
    true_force = (
        sk.simulate(duration_s=20, seed=seed, rate_hz=100.0, body_mass_kg=mass)
        .values("right")[: seq.size]
        .sum(axis=1)
    )
    loaded = true_force > 0.5 * mass * 9.81
    assert loaded.sum() > 50
    assert np.median(np.abs(force[loaded] / true_force[loaded] - 1.0)) < 0.03
    assert os.path.getsize(out) > 0


def test_builtin_simulator_with_side_calibrates_that_insole_alone(tmp_path, capsys):
    out_one, out_pair = tmp_path / "left.json", tmp_path / "pair.json"
    for url, out in (("sim://?side=left&seed=4", out_one), ("sim://?seed=4", out_pair)):
        args = _parse(["calibrate", url, "--mass", "70", "-o", str(out)])
        assert args.run(args) == 0
    text = capsys.readouterr().out
    one, pair = Calibration.load(out_one), Calibration.load(out_pair)
    assert list(one.sides) == ["left"] and list(pair.sides) == ["left", "right"]
    assert [s["name"] for s in one.procedure["steps"]] == ["lift_left", "both", "left", "right"]
    # the same simulated insole (InsoleErrors.random(seed=4)): both find its true gain and offsets
    truth = InsoleErrors.random(4)
    for cal in (one, pair):
        sc = cal.side("left")
        assert sc.gain == pytest.approx(truth.true_gain("left"), rel=0.01)
        true_offsets = truth.offset_at("left", sc.procedure["tare"]["time_s"])
        assert np.max(np.abs(sc.offset_counts - true_offsets) / true_offsets) < 0.02
    # the next command streams the simulated insole that was calibrated: that one side
    assert "next: sensorkit stream 'sim://?units=counts&side=left' --calibration" in text
    for side in ("middle", ""):  # an empty side= is not the pair
        bad = _parse(["calibrate", f"sim://?side={side}", "--mass", "70", "-o", str(tmp_path / "x.json")])
        with pytest.raises(CalibrationError, match=f"side must be left or right, got '{side}'"):
            bad.run(bad)


def test_a_one_insole_calibration_on_a_pair_says_to_calibrate_both_together(tmp_path, capsys):
    out = tmp_path / "left.json"
    args = _parse(["calibrate", "sim://?side=left", "--mass", "70", "-o", str(out)])
    assert args.run(args) == 0
    # the hint sent the owner of two separately calibrated boards round in a circle
    with pytest.raises(CalibrationError, match="covers left") as info:
        skd.open("sim://?units=counts", calibration=out)
    assert "a pair together (sensorkit calibrate URL_LEFT URL_RIGHT" in info.value.hint
    # the other foot's insole alone: the hint names side= first (a new user had only the pair hint)
    with pytest.raises(CalibrationError, match="is the right insole but the calibration covers left") as info:
        skd.open("sim://?units=counts&side=right", calibration=out)
    assert info.value.hint.startswith("if this is the left insole, say side=left in its URL")
    with skd.open("sim://?units=counts&side=left", calibration=out) as dev:  # its own insole: fine
        assert dev.calibrated and dev.units == "N"


def test_a_calibrations_body_mass_gives_bw_units_unless_a_mass_is_given(tmp_path, capsys):
    """`calibrate --mass 70` stores the subject's mass, yet `stream`/`record --calibration` and
    `analyze` of the capture reported in N ("body mass unknown") without --mass again."""
    cal = tmp_path / "left.json"
    args = _parse(["calibrate", "sim://?side=left", "--mass", "70", "-o", str(cal)])
    assert args.run(args) == 0
    url = "sim://?units=counts&side=left&mass=70"
    for given, expected in ((None, 70.0), (82.0, 82.0)):
        cap = tmp_path / f"walk-{given}.skr"
        subject = {} if given is None else {"body_mass_kg": given}
        with skd.open(url, calibration=cal, record=cap, subject=subject) as dev:
            assert dev.subject["body_mass_kg"] == expected
            assert dev.subject.get("body_mass_source") == (None if given else "calibration")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 1.5:
                dev.read(timeout_s=0.2)
        import sensorkit as sk

        rec = sk.read(cap)
        assert rec.body_mass_kg == expected
        assert sk.analyze(rec).force_units == "BW"
    # a calibration made without a mass (nominal) leaves the session without one
    from sensorkit.calibrate import Calibration as Cal

    nominal = tmp_path / "nominal.json"
    Cal.nominal("ref16").save(nominal)
    with skd.open(url, calibration=nominal) as dev:
        assert dev.subject.get("body_mass_kg") is None
    from sensorkit.cli.stream import units_notice

    with skd.open(url, calibration=cal) as dev:
        assert "body mass 70 kg, the calibration's (--mass gives another)" in units_notice(dev)
