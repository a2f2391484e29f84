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
from sensorkit.errors import CalibrationError
from sensorkit.simulate.raw import InsoleErrors, simulate_guided_session

MASS_KG = 72.0


@pytest.fixture(scope="module")
def session():
    # sensitivity errors that would leave an uncalibrated insole 12-15 % off
    insole = replace(InsoleErrors.random(5), sensitivity={"left": 1.15, "right": 0.88})
    return simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=5)


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
    # the two tares (that foot held up, then standing on the other foot) measure the drift
    assert {c["name"] for c in proc["checks"]} == {f"{side} tare noise", f"{side} gain", f"{side} zero drift"}
    assert "no independent check" in proc["limits"]
    assert [s["name"] for s in proc["steps"]] == [s.name for s in single_insole_steps(side)]
    # the live feedback shows that insole only, in body weights: about 1 BW on that foot
    shown = [u for u in updates if u.kind == "progress"]
    other_bw = [u.left_bw if other == "left" else u.right_bw for u in shown]
    assert all(v != v for v in other_bw)  # NaN: nothing is shown for the absent insole
    on_foot = [u for u in shown if u.posture == side]
    assert on_foot and {u.posture for u in shown} <= {"unloaded", side, "moving"}


def test_the_one_insole_steps_keep_the_pair_order_without_what_one_insole_cannot_see():
    # the same order as the pair, so a subject (or the simulator's script) follows one sequence
    assert [s.name for s in single_insole_steps("left")] == ["lift_left", "left", "right"]
    assert [s.name for s in single_insole_steps("right")] == ["lift_right", "left", "right"]
    assert "RIGHT foot off the floor" in single_insole_steps("right")[1].instruction
    with pytest.raises(CalibrationError, match="'left' or 'right'"):
        single_insole_steps("unknown")


def test_one_insole_postures_are_read_from_its_force_alone():
    bw = np.array([0.0, 0.049, 0.05, 0.5, 0.69, 0.7, 1.2])
    assert classify_one_insole(bw, "left").tolist() == [
        "unloaded", "unloaded", "moving", "moving", "moving", "left", "left"
    ]  # fmt: skip


def test_standing_on_both_feet_does_not_count_as_standing_on_the_insole_foot():
    # the subject never stands on the left foot alone: about 50 % BW is not the one-foot step
    insole = InsoleErrors.random(7)
    short = simulate_guided_session(insole, body_mass_kg=MASS_KG, seed=7, postures=("lift_left", "both"))
    with pytest.raises(CalibrationError, match="cannot compute the left gain: the step on the left foot"):
        run_guided_calibration(_only(short.chunks(0.1), "left"), body_mass_kg=MASS_KG, sides=("left",),
                               timeout_s=8.0)  # fmt: skip


def test_steps_one_insole_cannot_detect_are_refused(session):
    with pytest.raises(CalibrationError, match=r"cannot detect the step.*lift_right, both"):
        run_guided_calibration(
            session.chunks(0.1), body_mass_kg=MASS_KG, sides=("left",), steps=DEFAULT_STEPS
        )
    with pytest.raises(CalibrationError, match="sides must be left, right or both"):
        run_guided_calibration(session.chunks(0.1), body_mass_kg=MASS_KG, sides=("middle",))


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
    # the same simulated insole: its tare matches the pair's and its gain is within 1 %, and
    # both are the simulated insole's true gain (InsoleErrors.random(seed=4))
    truth = InsoleErrors.random(4).true_gain("left")
    assert one.side("left").gain == pytest.approx(truth, rel=0.01)
    assert pair.side("left").gain == pytest.approx(truth, rel=0.01)
    np.testing.assert_allclose(one.side("left").offset_counts, pair.side("left").offset_counts, rtol=1e-9)
    # the next command streams the simulated insole that was calibrated: that one side
    assert "next: sensorkit stream 'sim://?units=counts&side=left' --calibration" in text
    bad = _parse(["calibrate", "sim://?side=middle", "--mass", "70", "-o", str(tmp_path / "x.json")])
    with pytest.raises(CalibrationError, match="side must be left or right, got 'middle'"):
        bad.run(bad)
