"""The report's insole-recommendation section: calls :mod:`sensorkit.recommend` when installed.

``sensorkit.recommend`` is looked up when the report is built, not when this module is
imported, so the section appears as soon as that package exists. Without it the report
says so in a clearly marked placeholder instead of failing.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from dataclasses import dataclass
from typing import Any

from sensorkit.analysis.result import Analysis

__all__ = ["RecommendationBlock", "make_recommendation", "recommendation_html"]


@dataclass(frozen=True)
class RecommendationBlock:
    """What the report shows in its recommendation section.

    Attributes
    ----------
    status : {"ok", "missing", "error", "skipped"}
        ``ok``: ``card`` is the recommendation; ``missing``: sensorkit.recommend is not
        installed; ``error``: it raised (``card`` holds the message); ``skipped``: not asked for.
    card : str
        The plain-text card (``str(recommendation)``) or the explanation.
    data : dict or None
        ``recommendation.to_dict()`` when available.
    html : str
        The card as an HTML fragment (``recommendation.html()``: human names, units, the
        summary's statistic, evidence grades, caveats; every text escaped) when available,
        else "". The report page should show this instead of ``card`` when it is not empty.
    """

    status: str
    card: str
    data: dict | None = None
    html: str = ""


def make_recommendation(analysis: Analysis, runner: dict[str, Any] | None = None) -> RecommendationBlock:
    """Run ``sensorkit.recommend(analysis, **runner)`` if that package exists.

    Parameters
    ----------
    analysis : Analysis
    runner : dict, optional
        Runner details for the recommender (``surface``, ``body_mass_kg``, ...); only the
        keywords its signature accepts are passed. ``body_mass_kg`` defaults to the analysis'.

    Returns
    -------
    RecommendationBlock
        Never raises for a recommender failure: the error becomes the section's text (and a
        warning), so one failing section does not cost the whole report.

    Examples
    --------
    >>> import sensorkit as sk
    >>> block = make_recommendation(sk.analyze(sk.simulate(duration_s=5, seed=1)))
    >>> block.status in ("ok", "missing")
    True
    """
    try:
        module = importlib.import_module("sensorkit.recommend")
    except ImportError as exc:
        if exc.name == "sensorkit.recommend":
            return RecommendationBlock(
                "missing", "sensorkit.recommend is not installed in this version of sensorkit."
            )
        message = f"sensorkit.recommend could not be imported: {exc}"
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return RecommendationBlock("error", message)
    recommend = getattr(module, "recommend", None)
    if recommend is None:
        return RecommendationBlock(
            "missing",
            "sensorkit.recommend is incomplete in this installation (it has no recommend() function).",
        )
    kwargs = dict(runner or {})
    if analysis.body_mass_kg is not None:
        kwargs.setdefault("body_mass_kg", analysis.body_mass_kg)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        params = inspect.signature(recommend).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            kwargs = {k: v for k, v in kwargs.items() if k in params}
    except (TypeError, ValueError):  # builtins without a signature: pass everything
        pass
    try:
        advice = recommend(analysis, **kwargs)
    except Exception as exc:  # shown in the report instead of being lost
        message = f"the recommender failed: {type(exc).__name__}: {exc}"
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return RecommendationBlock("error", message)
    data = advice.to_dict() if hasattr(advice, "to_dict") else None
    fragment = advice.html() if callable(getattr(advice, "html", None)) else ""
    return RecommendationBlock("ok", str(advice), data, fragment)


def recommendation_html(block: RecommendationBlock) -> str:
    """The report section's HTML for ``block``: the HTML card when there is one, else escaped text.

    Examples
    --------
    >>> recommendation_html(RecommendationBlock("missing", "not <installed>"))
    '<p class="hook">Insole recommendation not available: not &lt;installed&gt;</p>'
    """
    import html as _html

    if block.status == "ok" and block.html:
        return block.html
    if block.status == "ok":
        return f'<pre class="card">{_html.escape(block.card)}</pre>'
    if block.status == "skipped":
        return "<p>Not requested.</p>"
    return f'<p class="hook">Insole recommendation not available: {_html.escape(block.card)}</p>'
