"""Reports: a self-contained HTML page with PNG plots (and a PDF of it), the plots themselves.

>>> import sensorkit as sk
>>> rec = sk.simulate(duration_s=20, seed=1)
>>> sk.report(rec, output="run.html", subject="P01", pdf=True)  # doctest: +SKIP

:func:`sensorkit.report.write_report` is the same for a Recording and its Analysis; the
figure functions (Analysis/Recording in, matplotlib Figure out) are in
:mod:`sensorkit.report.figures`. Names are imported on first use, so ``import sensorkit``
does not load matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it (loaded on first access).
_EXPORTS = {
    "FIGURES": "figure_set",
    "FigureSpec": "figure_set",
    "RenderedFigure": "figure_set",
    "render_figures": "figure_set",
    "asymmetry_figure": "figures",
    "cop_paths_figure": "figures",
    "force_curves_figure": "figures",
    "gaps_timeline_figure": "figures",
    "peak_map_figure": "figures",
    "plot_cop": "figures",
    "plot_forces": "figures",
    "plot_recording_forces": "figures",
    "plot_summary": "figures",
    "trends_figure": "figures",
    "report_html": "write",
    "write_pngs": "write",
    "write_report": "write",
    "print_pdf": "pdf",
    "report": "api",
    "SessionIdentity": "identity",
    "session_identity": "identity",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sensorkit.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sensorkit.report.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
