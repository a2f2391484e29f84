"""Top-level functions that accept what users pass and say what to pass otherwise.

``sk.recommend`` takes the result of ``sk.analyze``; people also hand it the recording or
the file. Here a Recording, a path or a DataFrame is analysed first; anything else is a
``TypeError`` that names what to pass. The recommender itself is
:func:`sensorkit.recommend.recommend`.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from sensorkit.analysis import Analysis, analyze
from sensorkit.recording import Recording

__all__ = ["as_analysis", "recommend"]


def as_analysis(obj: Any, *, body_mass_kg: float | None = None, what: str = "this function") -> Any:
    """``obj`` when it is an Analysis (or recommender Indicators); else ``sk.analyze(obj)`` for a
    Recording, a path or a DataFrame.

    Raises
    ------
    TypeError
        For anything else, naming what to pass.

    Examples
    --------
    >>> as_analysis(42, what="recommend()")
    Traceback (most recent call last):
    ...
    TypeError: recommend() needs the result of sk.analyze(...) (an Analysis), a Recording, a file path or a DataFrame, not int
    """
    if isinstance(obj, Analysis):
        return obj
    if isinstance(obj, (Recording, str, os.PathLike, pd.DataFrame)):
        return analyze(obj, body_mass_kg=body_mass_kg)
    if type(obj).__name__ == "Indicators":  # sensorkit.recommend.features.Indicators: plain numbers
        return obj
    raise TypeError(
        f"{what} needs the result of sk.analyze(...) (an Analysis), a Recording, a file path or a "
        f"DataFrame, not {type(obj).__name__}"
    )


def recommend(analysis: Any, **options: Any):
    """Insole suggestion: :func:`sensorkit.recommend.recommend` on an Analysis, a Recording or a file.

    Parameters
    ----------
    analysis : Analysis, Recording, path or DataFrame
        The result of :func:`sensorkit.analyze`, or something it analyses.
    **options
        ``body_mass_kg``, ``arch``, ``weekly_km``, ``pain_severity``, ``insole_age_months``, ...
        (see :func:`sensorkit.recommend.recommend`).

    Returns
    -------
    Recommendation

    Raises
    ------
    TypeError
        When ``analysis`` is none of these.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=20, seed=1, rate_hz=500, body_mass_kg=70)
    >>> sk.recommend(rec, weekly_km=30).activity
    'running'
    """
    from sensorkit.recommend import recommend as _recommend

    if isinstance(analysis, Recording) and options.get("recording") is None:
        options["recording"] = analysis  # the layout and calibration the recommender checks
    res = as_analysis(analysis, body_mass_kg=options.get("body_mass_kg"), what="recommend()")
    return _recommend(res, **options)
