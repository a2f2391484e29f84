"""Events and markers on a Recording: the (time_s, label, source) contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.recording import EVENT_COLUMNS, validate_events


def _rec(**kwargs):
    t = np.arange(100) / 100.0
    v = np.ones((100, 16), dtype=np.float32)
    return sk.Recording.from_arrays(t, left=v, layout="ref16", **kwargs)


def test_no_events_gives_an_empty_table_with_the_contract_dtypes():
    ev = _rec().events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert len(ev) == 0
    assert ev["time_s"].dtype == np.float64
    assert ev["label"].dtype == object and ev["source"].dtype == object


def test_events_from_dicts_are_sorted_by_time_keeping_ties_in_order():
    rec = _rec(
        events=[
            {"time_s": 0.5, "label": "toe_off", "source": "moticon"},
            {"time_s": 0.1, "label": "tare", "source": "device"},
            {"time_s": 0.5, "label": "tag", "source": "user"},
        ]
    )
    ev = rec.events
    assert ev["time_s"].tolist() == [0.1, 0.5, 0.5]
    assert ev["label"].tolist() == ["tare", "toe_off", "tag"]
    assert ev["source"].tolist() == ["device", "moticon", "user"]
    assert ev["time_s"].dtype == np.float64
    assert list(ev.index) == [0, 1, 2]


def test_events_from_a_dataframe_with_integer_times_become_float_seconds():
    df = pd.DataFrame({"time_s": [1, 0], "label": ["b", "a"], "source": ["user", "user"]})
    ev = _rec(events=df).events
    assert ev["time_s"].dtype == np.float64 and ev["time_s"].tolist() == [0.0, 1.0]
    assert ev["label"].tolist() == ["a", "b"]


def test_an_event_outside_the_frames_is_kept():
    ev = _rec(events=[{"time_s": -2.0, "label": "tare", "source": "device"}]).events
    assert ev["time_s"].tolist() == [-2.0]


def test_slice_time_keeps_events_inside_the_half_open_window():
    rec = _rec(events=[{"time_s": t, "label": f"e{t}", "source": "user"} for t in (0.1, 0.2, 0.5, 0.7, 0.9)])
    part = rec.slice_time(0.2, 0.7)
    assert part.events["time_s"].tolist() == [0.2, 0.5]
    assert list(part.events.index) == [0, 1]
    assert rec.slice_time(None, 0.5).events["time_s"].tolist() == [0.1, 0.2]
    assert rec.slice_time(0.5).events["time_s"].tolist() == [0.5, 0.7, 0.9]
    assert len(rec.events) == 5  # the original is untouched


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([{"time_s": 1.0, "label": "x"}], "event 0 lacks source"),
        ([{"time_s": 1.0, "label": "x", "source": "user", "value": 3}], "unknown key(s) ['value']"),
        ([{"time_s": float("nan"), "label": "x", "source": "user"}], "event 0: time_s must be finite"),
        ([{"time_s": "1.0", "label": "x", "source": "user"}], "time_s must be a number of seconds"),
        ([{"time_s": True, "label": "x", "source": "user"}], "time_s must be a number of seconds"),
        (
            [{"time_s": 0.0, "label": "a", "source": "u"}, {"time_s": 1.0, "label": "", "source": "user"}],
            "event 1: label must be a non-empty string",
        ),
        ([{"time_s": 1.0, "label": 7, "source": "user"}], "label must be a non-empty string"),
        ([{"time_s": 1.0, "label": "x", "source": None}], "source must be a non-empty string"),
        ({"time_s": 1.0, "label": "x", "source": "user"}, "iterable of mappings"),
        ([(1.0, "x", "user")], "event 0 is a tuple"),
    ],
)
def test_malformed_events_are_named(events, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        _rec(events=events)


def test_empty_dataframe_with_the_columns_is_accepted():
    ev = validate_events(pd.DataFrame(columns=list(EVENT_COLUMNS)))
    assert len(ev) == 0 and ev["time_s"].dtype == np.float64
