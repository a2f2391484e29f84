"""Helpers shared by the C3D, OpenSim and XDF tests: events on a Recording before and after
``Recording.events`` exists (issue 14 defines it on another branch)."""

from __future__ import annotations

import pandas as pd

from sensorkit.recording import Recording


def with_events(rec: Recording, events: pd.DataFrame) -> Recording:
    """``rec`` carrying ``events`` (columns time_s, label, source) as ``rec.events``."""
    if "events" in Recording.__slots__:
        rec.events = events
        return rec

    class _RecordingWithEvents(Recording):  # until Recording.events is merged
        __slots__ = ("events",)

    out = _RecordingWithEvents(
        rec.time, rec.left, rec.right, rec.layout, rec.units, rec.metadata, rec.gaps, rec._layout_right
    )
    out.events = events
    return out


def events_of(rec: Recording) -> pd.DataFrame:
    """The events a reader attached: ``rec.events``, or ``metadata["events"]`` before the merge."""
    if "events" in Recording.__slots__:
        return rec.events
    return rec.metadata["events"]
