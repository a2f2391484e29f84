"""Recommender on real analyses of simulated recordings, and the ``recommend`` CLI verb."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.cli import recommend as cli_recommend

TODAY = dt.date(2026, 1, 15)


def _analysis(foot_type: str, *, seed: int = 11, duration_s: float = 20.0, **kw) -> sk.Analysis:
    return sk.analyze(sk.simulate(duration_s=duration_s, seed=seed, foot_type=foot_type, **kw))


@pytest.mark.parametrize("strike", ["rearfoot", "midfoot", "forefoot"])
@pytest.mark.parametrize("foot_type", ["flat", "normal", "high"])
def test_simulated_foot_types_are_classified_per_strike(foot_type, strike):
    res = _analysis(foot_type, strike=strike, duration_s=12.0, noise=1.5, rate_hz=200.0)
    c = sk.recommend(res, today=TODAY).classification
    assert c.arch == foot_type
    assert c.pronation == {"flat": "pronated", "normal": "neutral", "high": "supinated"}[foot_type]
    assert c.overall.arch.findings[0].threshold.endswith(f"({strike} strike)")


def test_flat_footed_heavy_road_runner_gets_strong_support_and_dense_cushioning():
    res = _analysis("flat", body_mass_kg=100.0, speed_mps=3.5)
    adv = sk.recommend(res, surface="road", weekly_km=40, insole_age_months=2, today=TODAY)
    assert adv.arch_support.choice == "strong pronation control"
    assert adv.cushioning.choice == "dense"
    assert adv.rigidity.choice in ("semi-rigid", "rigid")
    assert adv.materials[0].choice == "polyurethane"
    assert adv.confidence == "normal", adv.low_confidence
    assert adv.runner.body_mass_kg == 100.0  # taken from the recording
    json.dumps(adv.to_dict(), allow_nan=False)


def test_high_arched_light_runner_gets_soft_accommodating_cushioning():
    res = _analysis("high", body_mass_kg=55.0, strike="rearfoot", rate_hz=500.0)
    adv = sk.recommend(res, surface="road", today=TODAY)
    assert adv.arch_support.choice == "neutral/accommodating"
    assert adv.cushioning.choice == "soft"
    assert adv.rigidity.choice == "flexible"
    assert adv.materials[0].choice == "EVA"


def test_feet_that_differ_get_per_side_notes():
    flat = sk.simulate(duration_s=20.0, seed=5, foot_type="flat")
    normal = sk.simulate(duration_s=20.0, seed=5, foot_type="normal")
    mixed = sk.Recording.from_arrays(
        flat.time,
        flat.left,
        normal.right,
        layout=flat.layout,
        units="N",
        body_mass_kg=70.0,
        rate_hz=flat.rate_hz,
    )
    adv = sk.recommend(sk.analyze(mixed), surface="trail", today=TODAY)
    c = adv.classification
    assert c.sides_differ
    assert c.sides["left"].arch.label == "flat" and c.sides["right"].arch.label == "normal"
    notes = {n.side: n for n in adv.side_notes if n.topic == "side_note" and n.choice}
    assert notes["left"].choice == "strong pronation control"
    assert notes["right"].choice == "moderate"
    assert all(n.findings and n.findings[0].side == n.side for n in notes.values())
    assert adv.confidence == "low"


def test_force_asymmetry_gets_a_side_note():
    res = _analysis("normal", asymmetry=0.3)
    adv = sk.recommend(res, today=TODAY)
    notes = [n for n in adv.side_notes if n.findings[0].outcome == "flagged"]
    assert notes and notes[0].side == "left"


def test_short_recording_with_gaps_is_low_confidence():
    res = _analysis("normal", duration_s=4.0, dropout=0.05)
    adv = sk.recommend(res, today=TODAY)
    assert adv.confidence == "low"
    assert any("valid steps" in r for r in adv.low_confidence)
    assert "LOW" in str(adv)


def test_recording_without_mass_gives_no_bw_units_and_says_so():
    sim = sk.simulate(duration_s=15.0, seed=3, foot_type="normal")
    rec = sk.Recording.from_arrays(
        sim.time, sim.left, sim.right, layout=sim.layout, units="N", rate_hz=sim.rate_hz
    )
    res = sk.analyze(rec)
    assert res.force_units == "N"
    adv = sk.recommend(res, today=TODAY)
    assert adv.classification.impact.label == "unknown"
    assert any("body mass" in r for r in adv.low_confidence)
    assert adv.classification.arch == "normal"  # ratios need no mass


def test_walking_is_flagged_as_outside_the_calibration():
    res = _analysis("normal", speed_mps=1.3)
    adv = sk.recommend(res, today=TODAY)
    assert any("walking" in r for r in adv.low_confidence)


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_recommend.add_parser(parser.add_subparsers())
    args = parser.parse_args(["recommend", *argv])
    return args.run(args)


@pytest.fixture(scope="module")
def flat_csv(tmp_path_factory):
    from sensorkit.io import write_generic_csv

    path = tmp_path_factory.mktemp("rec") / "flat.csv"
    write_generic_csv(sk.simulate(duration_s=15.0, seed=2, foot_type="flat", body_mass_kg=95.0), path)
    return path


def test_cli_prints_a_card(flat_csv, capsys):
    assert _run_cli([str(flat_csv), "--surface", "road", "--weekly-km", "30", "--pain", "8"]) == 0
    out = capsys.readouterr().out
    assert "strong pronation control" in out
    assert "doctor or physical therapist" in out


def test_cli_json_is_machine_readable(flat_csv, capsys):
    assert (
        _run_cli([str(flat_csv), "--mass", "95", "--surface", "road", "--insole-age-months", "14", "--json"])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "sensorkit.recommendation/1"
    assert doc["cushioning"]["choice"] == "dense"
    assert doc["replacement"]["replace_now"] is True
    assert np.isclose(doc["runner"]["body_mass_kg"], 95.0)


def test_cli_rejects_pain_outside_the_scale(flat_csv):
    with pytest.raises(SystemExit):
        _run_cli([str(flat_csv), "--pain", "12"])
