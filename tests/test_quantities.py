"""Names, units and precision people read: one table for every view, unit suffixes that cannot be misread."""

from __future__ import annotations

import pytest

import sensorkit as sk
from sensorkit.analysis.selection import STEP_COLUMNS
from sensorkit.quantities import display_name, format_number, format_value, quantity


@pytest.fixture(scope="module")
def res():
    return sk.analyze(sk.simulate(duration_s=8, seed=1))


def test_every_step_column_has_a_human_name():
    for col in STEP_COLUMNS:
        assert "_" not in quantity(col).label, col


def test_n_s_means_newtons_per_second_and_impulses_say_newton_seconds(res):
    # issue 18: "_n_s" meant N/s in valr_* and N*s in *_impulse_*; now N s is spelled "Ns"
    names = list(STEP_COLUMNS) + list(res.summary.index)
    for col in names:
        if "impulse" in col:
            assert col.endswith(("_Ns", "_BWs")), col
            assert quantity(col).unit in ("N·s", "BW·s"), col
        if col.endswith("_n_s"):
            assert quantity(col).unit == "N/s", col
        if col.endswith("_bw_s"):
            assert quantity(col).unit == "BW/s", col


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("contact_time_s", 0.2362, "236"),  # ms, no decimals
        ("stride_time_s", 0.7064, "706"),
        ("peak_force_bw", 2.625, "2.62"),  # 2 decimals (round half to even of the binary value)
        ("peak_force_n", 1714.348, "1714"),  # N to the newton (it showed 1714.35: false precision)
        ("midfoot_peak_force_n", 412.6, "413"),
        ("valr_bw_s", 76.27, "76.3"),
        ("symmetry_index_pct", 4.42e-05, "0.0"),  # never 4.42e-05
        ("symmetry_angle_pct", -1e-13, "0.0"),  # never -0.0
        ("strike_index_pct", 14.66, "14.7"),
        ("impulse_BWs", 0.3577, "0.358"),
        ("heel_peak_pressure_kpa", 281.6, "282"),
        ("steady_state", True, "yes"),
        ("strike_pattern", "rearfoot", "rearfoot"),
        ("valr_bw_s", float("nan"), "–"),
    ],
)
def test_fixed_precision_in_display_units(column, value, text):
    assert format_value(column, value) == text


def test_display_names_carry_units():
    assert display_name("contact_time_s") == "contact time (ms)"
    assert display_name("valr_bw_s") == "VALR (BW/s)"
    assert display_name("midfoot_impulse_Ns") == "midfoot impulse (N·s)"
    # docs/methods.md: report the midfoot share as "midfoot load share", never an arch class
    assert display_name("arch_indicator") == "midfoot load share (of heel + midfoot + forefoot impulse)"
    assert display_name("ml_ratio") == "medial-lateral ratio, midfoot + forefoot (+ medial)"
    assert format_number(3.0, 1, signed=True) == "+3.0"


def test_differences_keep_their_sign_in_display_units():
    from sensorkit.quantities import format_difference

    assert format_difference("contact_time_s", -0.0034) == "-3"  # ms
    assert format_difference("peak_force_bw", 0.2) == "+0.20"
    assert format_difference("peak_force_n", 66.8) == "+67"
    assert format_difference("valr_bw_s", float("nan")) == "–"
