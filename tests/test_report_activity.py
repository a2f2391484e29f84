"""A walking session's report shows walking measures: no empty VALR/VILR panels, the walking
loading rate over the session, captions that describe what is drawn, no flight time (a new
user found a walk's report drawing running panels as ticks at 0)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import sensorkit as sk
from sensorkit.report import figures as F
from sensorkit.report.figure_set import FIGURES
from sensorkit.report.sections import summary_table

WALK = sorted((Path(__file__).parent / "data" / "physionet-gaitpdb").glob("*.txt"))[0]


@pytest.fixture(scope="module")
def walk():
    res = sk.analyze(sk.read(WALK), body_mass_kg=83)
    assert res.activity == "walking"
    return res


@pytest.fixture(scope="module")
def run():
    res = sk.analyze(sk.simulate(duration_s=30, seed=2, rate_hz=500))
    assert res.activity == "running"
    return res


def _titles(fig) -> str:
    text = " | ".join(ax.get_title() + " " + ax.get_ylabel() for ax in fig.axes)
    plt.close(fig)
    return text


def test_the_left_right_panels_are_the_activity_s_rates(walk, run):
    text = _titles(F.asymmetry_figure(walk))
    assert "loading rate" in text and "unloading rate" in text and "VALR" not in text and "VILR" not in text
    text = _titles(F.asymmetry_figure(run))
    assert "VALR" in text and "VILR" in text and "loading rate" not in text


def test_the_session_trends_plot_the_walking_loading_rate(walk, run):
    assert "loading rate (BW/s)" in _titles(F.trends_figure(walk))
    assert "VALR" in _titles(F.trends_figure(run))


def test_captions_describe_what_a_walk_s_figures_draw(walk, run):
    by_key = {spec.key: spec for spec in FIGURES}
    assert "VALR is a running measure and is not drawn" in by_key["force_curves"].caption_for(walk)
    assert "band marks the median window VALR" in by_key["force_curves"].caption_for(run)
    assert "loading rate" in by_key["trends"].caption_for(walk)


def test_a_walk_s_summary_has_no_flight_time(walk, run):
    assert "flight" not in summary_table(walk).lower()
    assert "contact time" in summary_table(walk).lower()


def test_the_trends_figure_leaves_out_rates_from_too_few_samples(walk, run):
    # as the summary and the trend line do (a reviewer found 1-2 sample rates plotted)
    from sensorkit.report.figures import _rate_reliable

    steps = run.steps[run.steps["valid"]]
    np.testing.assert_array_equal(_rate_reliable(steps, "valr_n_s"), steps["valr_reliable"].to_numpy())
    steps = walk.steps[walk.steps["valid"]]
    ok = _rate_reliable(steps, "loading_rate_bw_s")
    assert ok.any() and (steps["loading_rate_samples"].to_numpy()[ok] >= 3).all()
    assert _rate_reliable(steps, "contact_time_s").all()
