"""HTML report and its figures: content, units, feet drawn from above, self-containment."""

from __future__ import annotations

import argparse
import base64
import re
import sys
import types

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.cli.report_options import write_report_from_args
from sensorkit.report import FIGURES, figures, write_report
from sensorkit.report.data import (
    cop_step_paths,
    mean_cop_path,
    sensor_peaks,
    steady_steps,
    step_curves,
    valr_windows_s,
)
from sensorkit.report.figure_set import png_size, render_figures
from sensorkit.report.html import CSP
from sensorkit.report.recommendation import make_recommendation


@pytest.fixture(scope="module")
def run():
    rec = sk.simulate(duration_s=20, seed=3, dropout=0.003, asymmetry=0.2)
    return rec, sk.analyze(rec)


@pytest.fixture(scope="module")
def walk():
    rec = sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt").slice_time(0, 30)
    return rec, sk.analyze(rec)


@pytest.fixture(scope="module")
def report_text(run, tmp_path_factory):
    rec, res = run
    out = tmp_path_factory.mktemp("report") / "run.html"
    result = write_report(out, rec, res, png_dir=out.parent / "png")
    return out.read_text(encoding="utf-8"), result


# -- numbers behind the figures -----------------------------------------------------------
def test_valr_windows_are_read_from_the_steps_table():
    steps = pd.DataFrame(
        {
            "t_contact_s": [1.0, 2.0],
            "valr_window_start_s": [1.012, np.nan],
            "valr_window_end_s": [1.04, np.nan],
        }
    )
    lo, hi = valr_windows_s(steps)
    np.testing.assert_allclose(lo, [0.012, np.nan])
    np.testing.assert_allclose(hi, [0.04, np.nan])


def test_force_figure_shades_the_median_window_the_analysis_measured(run):
    _, res = run
    fig = figures.force_curves_figure(res)
    for side, ax in zip(("left", "right"), fig.axes, strict=True):
        steps = steady_steps(res, side)
        lo = np.nanmedian(steps["valr_window_start_s"] - steps["t_contact_s"]) * 1e3
        hi = np.nanmedian(steps["valr_window_end_s"] - steps["t_contact_s"]) * 1e3
        span = next(p for p in ax.patches if "VALR window" in p.get_label())
        x0, x1 = span.get_x(), span.get_x() + span.get_width()  # a Rectangle in data x units
        assert x0 == pytest.approx(lo) and x1 == pytest.approx(hi)
        # the legend's mean VALR is the summary's (reliable steps only), not a re-computation
        mean = res.summary.loc["valr_bw_s", side]
        if np.isfinite(mean):
            assert f"VALR window; mean {mean:.1f} BW/s" == span.get_label()
        else:  # 100 Hz: too few samples per window for a reliable VALR, so the summary has none
            assert span.get_label() == "VALR window (median)"  # short: it ran over the next axes
            assert "VALR unreliable: too few samples" in ax.get_title()


def test_mean_cop_path_resamples_each_step_over_stance():
    paths = [
        (np.array([0.0, 10.0]), np.array([0.0, 100.0])),
        (np.array([0.0, 5.0, 10.0]), np.array([0.0, 0.0, 100.0])),
    ]
    x, y = mean_cop_path(paths, 3)
    assert x.tolist() == [0.0, 5.0, 10.0]
    assert y.tolist() == [0.0, 25.0, 100.0]


def test_sensor_peaks_match_a_plain_loop_over_steps(run):
    rec, res = run
    got = sensor_peaks(rec, res, "left")
    steps = steady_steps(res, "left")
    forces = rec.forces_n("left").astype(np.float64) - res.baseline_n["left"]
    peaks = []
    for tc, to in zip(steps["t_contact_s"], steps["t_toe_off_s"], strict=True):
        sel = (rec.time >= tc) & (rec.time < to)
        peaks.append(forces[sel].max(axis=0))
    expected_n = np.maximum(np.mean(peaks, axis=0), 0)
    # ref16 is a force-sensing insole: its values are regional loads, so peaks stay in N
    assert got.quantity == "force" and got.unit == "N" and got.n_steps == len(steps)
    np.testing.assert_allclose(got.values, expected_n, rtol=1e-5)


def test_sensor_peaks_of_a_pressure_insole_are_in_kpa(run):
    rec, res = run
    spec = rec.layout.to_dict()
    spec.update(value_kind="pressure", units="kPa")
    layout = sk.SensorLayout.from_dict(spec)
    kpa_per_n = (1e3 / layout.area_mm2).astype(np.float32)
    rec_p = sk.Recording.from_arrays(
        rec.time, rec.left * kpa_per_n, rec.right * kpa_per_n, layout=layout, body_mass_kg=rec.body_mass_kg
    )
    got = sensor_peaks(rec_p, sk.analyze(rec_p), "left")
    force_peaks = sensor_peaks(rec, res, "left").values
    assert got.quantity == "pressure" and got.unit == "kPa"
    np.testing.assert_allclose(got.values, force_peaks * kpa_per_n, rtol=1e-3)


def test_sensor_peaks_fall_back_to_force_without_areas(walk):
    rec, res = walk
    got = sensor_peaks(rec, res, "right")
    assert (got.quantity, got.unit) == ("force", "N")
    assert got.values.max() > 50  # a walking adult loads some sensor with tens of newtons


def test_step_curves_start_at_contact_in_body_weights(run):
    _, res = run
    curves = step_curves(res, "right", max_steps=5)
    assert curves.unit == "BW" and len(curves.t_s) == 5 and curves.n_total > 5
    for t, f in zip(curves.t_s, curves.force, strict=True):
        assert t[0] < 0 <= t[1] and 1.5 < f.max() < 4  # running peaks of 2-3 BW


# -- figures --------------------------------------------------------------------------------
def _labels(fig):
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_label() != "<colorbar>"]


@pytest.mark.parametrize("spec", FIGURES, ids=[s.key for s in FIGURES])
def test_every_axis_has_a_unit_and_every_figure_a_title(spec, run):
    rec, res = run
    fig = spec.build(rec, res)
    titles = [ax.get_title() for ax in fig.axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
    assert any(titles)
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            assert re.search(r"\(.+\)", ax.get_ylabel())
            continue
        if spec.key != "gaps":  # the timeline's rows are the sides, not a quantity
            assert re.search(r"\(.+\)", ax.get_ylabel()), (spec.key, ax.get_ylabel())
        if ax.get_xlabel():
            assert re.search(r"\(.+\)", ax.get_xlabel()), (spec.key, ax.get_xlabel())
    if spec.key != "asymmetry":  # bars are labelled left/right on a categorical x axis
        assert any(x for x, _ in _labels(fig))


def test_titles_say_which_side(run):
    rec, res = run
    for fig in (
        figures.cop_paths_figure(res, rec),
        figures.peak_map_figure(rec, res),
        figures.force_curves_figure(res),
    ):
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert titles[0].startswith("Left foot") and titles[1].startswith("Right foot")


def test_feet_are_drawn_from_above_mirror_images(run):
    rec, res = run
    fig = figures.cop_paths_figure(res, rec)
    left_ax, right_ax = fig.axes
    left_outline = left_ax.patches[0].get_xy()
    right_outline = right_ax.patches[0].get_xy()
    np.testing.assert_allclose(right_outline[:, 0], -left_outline[:, 0])
    # left foot: medial (big toe side, positive anatomical x) to the right of the page
    medial_label = next(t for t in left_ax.texts if t.get_text() == "medial")
    assert medial_label.get_position()[0] > 0
    assert next(t for t in right_ax.texts if t.get_text() == "medial").get_position()[0] < 0
    # the COP lines are the analysis COP, mirrored for the right foot
    mean_right = next(ln for ln in right_ax.lines if ln.get_label() == "mean path")
    mx, _ = mean_cop_path(cop_step_paths(res, "right"))
    np.testing.assert_allclose(mean_right.get_xdata(), -mx)


def test_flagged_asymmetry_is_titled_in_red(run):
    _, res = run
    fig = figures.asymmetry_figure(res)
    flagged = res.asymmetry["flag"].astype(bool)
    red = [ax.get_title() for ax in fig.axes if "(flagged)" in ax.get_title()]
    assert flagged.loc["peak_force_bw"] and any(t.startswith("peak force") for t in red)
    assert not any(t.startswith("stride time") for t in red)


def test_notebook_plot_functions_need_only_the_analysis(run):
    rec, res = run
    assert len(figures.plot_cop(res).axes) == 2  # layout found by name in analysis.source
    assert figures.plot_forces(res).axes[0].get_ylabel() == "vertical force (BW)"
    assert len(figures.plot_summary(res).axes) == 6
    fig = figures.plot_recording_forces(rec, 2.0, 4.0)
    assert fig.axes[0].get_xlim()[0] <= 2.0 and len(fig.axes[0].lines) == 2


@pytest.mark.slow
def test_figures_cope_with_one_side_and_no_steps():
    rec = sk.simulate(duration_s=6, seed=2)
    one = sk.Recording.from_arrays(rec.time, rec.left, None, layout=rec.layout, body_mass_kg=70)
    res = sk.analyze(one)
    rendered = render_figures(one, res)
    assert len(rendered) == len(FIGURES)
    still = sk.Recording.from_arrays(rec.time, np.zeros_like(rec.left), None, layout=rec.layout)
    res0 = sk.analyze(still)
    assert len(res0.steps) == 0
    assert len(render_figures(still, res0)) == len(FIGURES)


# -- HTML ------------------------------------------------------------------------------------
def test_report_is_one_self_contained_file(report_text):
    text, result = report_text
    assert text.startswith("<!DOCTYPE html>")
    assert f'content="{CSP}"' in text
    srcs = re.findall(r'(?:src|href)="([^"#][^"]*)"', text)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"https?://", text)
    assert "<script" not in text
    assert result["bytes"] == len(text.encode("utf-8"))


def test_report_embeds_every_figure_as_a_decodable_png(report_text):
    text, _ = report_text
    images = re.findall(
        r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)"', text
    )
    assert [alt for alt, *_ in images] == [s.title for s in FIGURES]
    for _, data, w, h in images:
        png = base64.b64decode(data)
        assert png_size(png) == (int(w), int(h))


def test_png_dir_holds_each_figure(report_text, tmp_path):
    _, result = report_text
    names = sorted(p.name for p in result["pngs"])
    assert names == sorted(f"{s.key}.png" for s in FIGURES)
    img = mpimg.imread(result["pngs"][0])
    assert img.shape[0] > 300 and img.shape[1] > 300


def test_report_lists_every_gap_and_the_summary(run, report_text):
    _, res = run
    text, _ = report_text
    assert len(res.gaps) > 0
    gap_section = text.split('id="gaps-table"')[1].split("</section>")[0]
    assert gap_section.count("<tr>") == len(res.gaps) + 1  # header + one row per gap
    assert "peak force (BW)" in text and "⚑" in text  # flagged asymmetry marked


def test_recommendation_card_appears_when_the_recommender_exists(run, monkeypatch):
    _, res = run
    seen = {}

    class Advice:
        def __str__(self):
            return "Semi-rigid insole <with> arch support"

        def to_dict(self):
            return {"ok": True}

    def recommend(analysis, surface=None, body_mass_kg=None):
        seen.update(surface=surface, body_mass_kg=body_mass_kg)
        return Advice()

    monkeypatch.setitem(sys.modules, "sensorkit.recommend", types.SimpleNamespace(recommend=recommend))
    block = make_recommendation(res, {"surface": "road", "unknown_option": 1})
    assert block.status == "ok" and block.data == {"ok": True}
    assert seen == {"surface": "road", "body_mass_kg": 70.0}
    from sensorkit.report.html import _recommendation_html

    assert "Semi-rigid insole &lt;with&gt; arch support" in _recommendation_html(block)


def test_recommendation_hook_when_the_recommender_is_missing_or_fails(run, monkeypatch):
    _, res = run
    monkeypatch.setitem(sys.modules, "sensorkit.recommend", None)  # import raises ImportError
    assert make_recommendation(res).status == "missing"

    def broken(analysis, **kw):
        raise RuntimeError("no rules")

    monkeypatch.setitem(sys.modules, "sensorkit.recommend", types.SimpleNamespace(recommend=broken))
    with pytest.warns(RuntimeWarning, match="no rules"):
        block = make_recommendation(res)
    assert block.status == "error" and "no rules" in block.card


# -- CLI helper ------------------------------------------------------------------------------
def test_cli_helper_writes_report_and_pngs(run, tmp_path):
    rec, res = run
    args = argparse.Namespace(report=str(tmp_path / "r.html"), png_dir=str(tmp_path / "figs"))
    result = write_report_from_args(args, rec, res)
    assert (tmp_path / "r.html").stat().st_size == result["bytes"]
    assert len(list((tmp_path / "figs").glob("*.png"))) == len(FIGURES)
    assert write_report_from_args(argparse.Namespace(report=None, png_dir=None), rec, res) is None


def test_cli_helper_errors_are_one_liners(run, tmp_path):
    rec, res = run
    with pytest.raises(ValueError, match=r"\.html"):
        write_report_from_args(argparse.Namespace(report=str(tmp_path / "r.pdf"), png_dir=None), rec, res)
    with pytest.raises(OSError, match="does not exist"):
        write_report_from_args(
            argparse.Namespace(report=str(tmp_path / "no" / "r.html"), png_dir=None), rec, res
        )


def test_force_curves_show_both_feet_peaks_on_their_shared_axis():
    """The axis was fixed after the left foot was drawn: pedar's right-foot peaks (966 N mean
    first peak) ran off an axis that ended at the left foot's 865 N."""
    from pathlib import Path

    import sensorkit as sk

    res = sk.analyze(sk.read(Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc"))
    fig = figures.force_curves_figure(res)
    for ax in fig.axes[:2]:
        top = ax.get_ylim()[1]
        drawn = max(float(np.nanmax(line.get_ydata())) for line in ax.lines)
        assert drawn <= top, (ax.get_title(), drawn, top)
    assert fig.axes[1].get_ylim()[1] >= 988.0  # the right foot's highest first peak


def test_asymmetry_figure_draws_no_bar_for_a_missing_insole_and_names_other_flags():
    """F-Scan (left insole only): the right foot was drawn as bars of 0 (contact time 0 s, force
    0 N). pedar: swing time and first peak were flagged, but not among the six panels, so the
    legend's "red: flagged" marked nothing."""
    from pathlib import Path

    import sensorkit as sk

    mats = Path(__file__).parent / "data" / "pressure-mats"
    fig = figures.asymmetry_figure(sk.analyze(sk.read(mats / "fscan_testL.asf")))
    for ax in fig.axes:
        bars = [p for p in ax.patches if p.get_height() != 0]
        texts = [t.get_text() for t in ax.texts]
        if texts == ["unreliable", "no insole"]:  # a rate at 31.25 Hz: left out, as in the summary
            assert ax.get_title().startswith(("loading rate", "unloading rate")) and not bars
        else:
            assert len(bars) == 1 and bars[0].get_x() < 0.5, ax.get_title()  # the left bar only
            assert texts == ["no insole"]
        assert "SI: one insole" in ax.get_title()
    assert "left insole only: no left-right comparison" in fig._suptitle.get_text()
    fig = figures.asymmetry_figure(sk.analyze(sk.read(mats / "pedar_example.asc")))
    assert "also flagged, see the summary table: swing time (ms), first peak (N)" in fig._suptitle.get_text()


def test_peak_maps_label_sparse_insoles_only():
    """pedar (99 sensors) and F-Scan (955 sensels) printed a value on every sensor: unreadable.
    A dense layout gives its highest value in the title instead."""
    from pathlib import Path

    import sensorkit as sk

    data = Path(__file__).parent / "data"
    for path, labelled in (
        (data / "pressure-mats" / "fscan_testL.asf", False),
        (data / "pressure-mats" / "pedar_example.asc", False),
        (data / "moticon-opengo" / "230927_102114.txt", True),
    ):
        rec = sk.read(path)
        fig = figures.peak_map_figure(rec, sk.analyze(rec))
        feet = [
            ax
            for ax in fig.axes
            if ax.get_title().endswith(("steps", "maximum")) or "highest" in ax.get_title()
        ]
        assert feet, path.name
        for ax in feet:
            values = [t for t in ax.texts if t.get_text().isdigit()]
            if labelled:
                assert len(values) == rec.layout.n_sensors
            else:
                assert values == [] and "highest" in ax.get_title(), ax.get_title()


def test_asymmetry_figure_and_steps_table_do_not_show_unreliable_rates_as_values():
    """At 100 Hz no VALR is reliable (too few samples in the 20-80 % window): the summary and
    the advice leave it out, but the figure drew VALR bars of about 78 BW/s and the steps table
    listed 70.3, 63.5, 100.0 BW/s, which a reader compares with the 66 BW/s reference. Long
    statuses also overwrote the neighbouring panel's title."""
    import sensorkit as sk
    from sensorkit.report.sections import steps_section

    res = sk.analyze(sk.simulate(duration_s=30, seed=1, rate_hz=100))
    steps = res.steps
    assert not steps["valr_reliable"].any() and steps["valr_bw_s"].notna().any()
    fig = figures.asymmetry_figure(res)
    panel = {ax.get_title().split("\n")[0]: ax for ax in fig.axes}
    valr = panel["VALR"]
    assert not [p for p in valr.patches if p.get_height() != 0]
    assert [t.get_text() for t in valr.texts] == ["unreliable", "unreliable"]
    assert valr.get_title() == "VALR\nSI: unreliable"  # short: the reason is in the summary table
    assert [t.get_text() for t in panel["VILR"].texts] == ["not measured", "not measured"]  # < 500 Hz
    contact = panel["contact time"]  # in ms, as in the tables
    assert contact.get_ylabel() == "contact time (ms)"
    left = res.steps[res.steps["steady_state"] & (res.steps["side"] == "left")]["contact_time_s"].mean()
    assert max(p.get_height() for p in contact.patches) == pytest.approx(1000 * left, rel=0.05)
    html = steps_section(res)
    shown = int(steps["valr_bw_s"].notna().sum())
    assert html.count(" (unreliable)</td>") >= shown  # every VALR shown says so (short and full tables)
    value = f"{steps['valr_bw_s'].dropna().iloc[0]:.1f} (unreliable)"
    assert f"<td>{value}</td>" in html


def test_the_notebook_plots_say_how_to_save_them_and_leave_pyplot_alone(tmp_path):
    """A new user's `res.plot_forces(); plt.savefig("x.png")` wrote a blank image. Registering
    the figures with pyplot would leak one per call in a loop and show each twice in Jupyter
    (a reviewer), so the figures stay pyplot-free and their docstrings say fig.savefig."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import sensorkit as sk

    rec = sk.simulate(duration_s=8, seed=1)
    res = sk.analyze(rec)
    before = plt.get_fignums()
    for k, plot in enumerate((res.plot_forces, res.plot_cop, res.plot_summary, rec.plot_forces)):
        assert "fig.savefig(" in plot.__doc__
        fig = plot()
        fig.savefig(tmp_path / f"{k}.png")
        image = plt.imread(tmp_path / f"{k}.png")
        assert np.ptp(image[..., :3]) > 0.5  # drawn, not blank
    assert plt.get_fignums() == before


def test_the_trends_figure_says_an_unreliable_rate_was_not_plotted():
    """At 100 Hz the VALR panel had an empty axis, a left/right legend and "no trend reported:
    needs 5 min", which reads as a measured flat trend (a clinician's second review)."""
    import sensorkit as sk

    res = sk.analyze(sk.simulate(duration_s=30, seed=1, rate_hz=100))
    fig = figures.trends_figure(res)
    valr = next(ax for ax in fig.axes if ax.get_ylabel().startswith("VALR"))
    assert not valr.lines and valr.get_legend() is None and valr.get_title(loc="left") == ""
    assert [t.get_text() for t in valr.texts] == [
        "unreliable at this sampling rate (too few samples in the 20-80 % window): not plotted"
    ]
    contact = next(ax for ax in fig.axes if ax.get_ylabel().startswith("contact time"))
    assert contact.lines and contact.get_legend() is not None  # measured metrics as before


def test_the_trends_figure_names_a_side_whose_rate_was_not_plotted():
    """With one side's rates unreliable, that side was dropped silently and the legend showed
    the other side only (a reviewer)."""
    import sensorkit as sk

    res = sk.analyze(sk.simulate(duration_s=30, seed=1, rate_hz=500))
    res.steps.loc[res.steps["side"] == "right", "valr_reliable"] = False
    valr = next(ax for ax in figures.trends_figure(res).axes if ax.get_ylabel().startswith("VALR"))
    assert valr.get_title(loc="left").endswith("; right: unreliable, not plotted")
    assert [t.get_text() for t in valr.get_legend().get_texts()] == ["left"]
