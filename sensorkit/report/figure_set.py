"""The figures of a report, in order, with their titles and captions, rendered to PNG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.figure import Figure

from sensorkit.analysis.result import Analysis
from sensorkit.recording import Recording
from sensorkit.report import figures as F
from sensorkit.report.style import figure_to_png

__all__ = ["FIGURES", "FigureSpec", "RenderedFigure", "png_size", "render_figures"]


@dataclass(frozen=True)
class FigureSpec:
    """One report figure: a key (also the PNG file name), a heading, a caption and its builder."""

    key: str
    title: str
    caption: str
    build: Callable[[Recording, Analysis], Figure]
    walking_caption: str | None = None  # the caption of a walking session, when it differs

    def caption_for(self, analysis: Analysis) -> str:
        """The caption for this session's activity."""
        if analysis.activity == "walking" and self.walking_caption is not None:
            return self.walking_caption
        return self.caption


@dataclass(frozen=True)
class RenderedFigure:
    """A figure rendered to PNG bytes, with its pixel size."""

    spec: FigureSpec
    png: bytes
    width_px: int
    height_px: int
    caption: str = ""  # the spec's caption for this session (FigureSpec.caption_for)


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "cop_paths",
        "Centre-of-pressure paths",
        "Every steady-state step's COP path drawn on the insole outline, seen from above (thin lines), with "
        "the mean path over 0-100 % of stance (black) and the mean initial contact point (dot). "
        "Circles are sensor positions.",
        lambda rec, res: F.cop_paths_figure(res, rec),
    ),
    FigureSpec(
        "peak_map",
        "Peak load per sensor",
        "Mean over steady-state steps of each sensor's peak in the step, baseline removed. Pressure-sensing "
        "insoles show plantar pressure (kPa). Force-sensing insoles show force (N): their sensors are "
        "calibrated so that together they carry the whole load, so each value is the load of the "
        "sensor's region and compares between sensors and sessions of the same insole.",
        lambda rec, res: F.peak_map_figure(rec, res),
    ),
    FigureSpec(
        "force_curves",
        "Force per step",
        "Total vertical force of each steady-state step aligned at initial contact (thin lines) and the mean "
        "(black). The band marks the median window VALR was measured over: 20-80 % of the impact peak, "
        "or of the force at 13 % of stance when the trial has no impact peaks (docs/methods.md).",
        lambda rec, res: F.force_curves_figure(res),
        walking_caption="Total vertical force of each steady-state step aligned at initial contact (thin lines) "
        "and the mean (black): the first peak (loading response), the valley (midstance) and the second "
        "peak (push-off) of walking (docs/methods.md). VALR is a running measure and is not drawn.",
    ),
    FigureSpec(
        "trends",
        "Metrics over the session",
        "Contact time, VALR and peak force of every steady-state step against time, with a 15-step "
        "rolling mean per side. A linear trend (both feet, % of the mean per minute, with a 95 % "
        "bootstrap interval) is stated only for sessions long enough to support one (docs/methods.md).",
        lambda rec, res: F.trends_figure(res),
        walking_caption="Contact time, loading rate (20-80 % of the first peak) and peak force of every "
        "steady-state step against time, with a 15-step rolling mean per side. A linear trend (both feet, "
        "% of the mean per minute, with a 95 % bootstrap interval) is stated only for sessions long enough "
        "to support one (docs/methods.md).",
    ),
    FigureSpec(
        "asymmetry",
        "Left vs right",
        "Mean ± SD over steady-state steps. Symmetry index SI = (L − R) / (0.5 (L + R)) × 100 %, "
        "positive = left larger (Robinson et al. 1987 write right minus left). The rate panels are "
        "the activity's: VALR and VILR for running, loading and unloading rate for walking.",
        lambda rec, res: F.asymmetry_figure(res),
    ),
    FigureSpec(
        "gaps",
        "Data coverage",
        "Each tick is a stance; grey spans are missing data (never filled in); red ticks are stances "
        "left out of the summary (see the steps table's exclusion reasons).",
        lambda rec, res: F.gaps_timeline_figure(res, rec),
    ),
)


def render_figures(
    recording: Recording,
    analysis: Analysis,
    *,
    on_figure: Callable[[FigureSpec], None] | None = None,
) -> list[RenderedFigure]:
    """Build and render every figure of :data:`FIGURES` to PNG.

    Parameters
    ----------
    recording, analysis
        The recording and its analysis.
    on_figure : callable, optional
        Called with each spec after it is rendered (progress bars).

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=5, seed=1)
    >>> [f.spec.key for f in render_figures(rec, sk.analyze(rec))][:2]
    ['cop_paths', 'peak_map']
    """
    out = []
    for spec in FIGURES:
        fig = spec.build(recording, analysis)
        png = figure_to_png(fig)
        width, height = png_size(png)
        out.append(RenderedFigure(spec, png, width, height, spec.caption_for(analysis)))
        if on_figure is not None:
            on_figure(spec)
    return out


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header.

    Examples
    --------
    >>> from sensorkit.report.style import figure_to_png, new_figure
    >>> png_size(figure_to_png(new_figure(2, 1), dpi=100))
    (200, 100)
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
