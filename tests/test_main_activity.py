"""The session's main activity (docs/methods.md "Activity"): most steady-state steps, else most
valid steps, a tie to the activity that occurs first."""

from __future__ import annotations

import numpy as np

from sensorkit.analysis.selection import main_activity


def _a(*names):
    return np.array(names, dtype=object)


def test_the_activity_of_most_steady_state_steps_wins_over_more_valid_steps():
    activity = _a("walking", "walking", "walking", "running", "running")
    steady = np.array([False, False, False, True, True])
    assert main_activity(activity, steady, np.ones(5, bool)) == "running"


def test_without_steady_state_steps_the_valid_steps_decide_and_bout_less_ones_do_not():
    activity = _a("", "", "", "walking")
    valid = np.array([True, True, True, True])
    assert main_activity(activity, np.zeros(4, bool), valid) == "walking"
    assert main_activity(_a("", ""), np.zeros(2, bool), np.zeros(2, bool)) == "none"


def test_a_tie_goes_to_the_activity_that_occurs_first():
    steady = np.ones(4, bool)
    assert main_activity(_a("running", "walking", "walking", "running"), steady, steady) == "running"
    assert main_activity(_a("walking", "running", "running", "walking"), steady, steady) == "walking"
