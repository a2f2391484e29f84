"""Reports: a self-contained HTML page with PNG plots, the plots themselves, and PNG export.

>>> import sensorkit as sk
>>> from sensorkit.report import write_report
>>> rec = sk.simulate(duration_s=20, seed=1)
>>> write_report("run.html", rec, sk.analyze(rec), png_dir="figures")  # doctest: +SKIP

The figure functions (Analysis/Recording in, matplotlib Figure out) are in
:mod:`sensorkit.report.figures`.
"""

from sensorkit.report.figure_set import FIGURES, FigureSpec, RenderedFigure, render_figures
from sensorkit.report.figures import (
    asymmetry_figure,
    cop_paths_figure,
    force_curves_figure,
    gaps_timeline_figure,
    peak_map_figure,
    plot_cop,
    plot_forces,
    plot_recording_forces,
    plot_summary,
    trends_figure,
)
from sensorkit.report.write import report_html, write_pngs, write_report

__all__ = [
    "FIGURES",
    "FigureSpec",
    "RenderedFigure",
    "asymmetry_figure",
    "cop_paths_figure",
    "force_curves_figure",
    "gaps_timeline_figure",
    "peak_map_figure",
    "plot_cop",
    "plot_forces",
    "plot_recording_forces",
    "plot_summary",
    "render_figures",
    "report_html",
    "trends_figure",
    "write_pngs",
    "write_report",
]
