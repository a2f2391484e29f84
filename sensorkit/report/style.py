"""One look for every sensorkit figure: colours, fonts, sizes and the PNG encoder.

Figures are built as :class:`matplotlib.figure.Figure` objects directly (no pyplot, no
global state), so building them is thread-safe and never opens a window; PNGs are drawn
by matplotlib's Agg renderer.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = [
    "FLAG_COLOR",
    "GAP_COLOR",
    "MEAN_COLOR",
    "OUTLINE_EDGE",
    "OUTLINE_FILL",
    "PNG_DPI",
    "SIDE_COLORS",
    "figure_to_png",
    "new_figure",
    "styled",
]

#: Left / right colours (Okabe-Ito blue and vermillion: distinguishable with colour blindness).
SIDE_COLORS = {"left": "#0072B2", "right": "#D55E00"}
#: Missing data (gaps) on timelines and curves: a neutral grey, apart from both sides' colours
#: (the Okabe-Ito orange it was looked like the right foot's vermillion on the timeline).
GAP_COLOR = "#8C8C8C"
#: Flagged values (|SI| above the threshold, steps that touch a gap).
FLAG_COLOR = "#B00020"
#: Mean curves drawn over per-step curves.
MEAN_COLOR = "#111111"
OUTLINE_FILL = "#EEEEEE"
OUTLINE_EDGE = "#777777"
#: Resolution of exported PNGs (dots per inch).
PNG_DPI = 110

_RC = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "figure.titlesize": 11.0,
    "figure.titleweight": "bold",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(_RC):
        yield


def new_figure(width_in: float, height_in: float) -> Figure:
    """A blank figure in the sensorkit style, laid out with matplotlib's constrained layout.

    Parameters
    ----------
    width_in, height_in : float
        Size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot: display it in a notebook by returning it, or save it.

    Examples
    --------
    >>> fig = new_figure(4, 3)
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    with _style():
        return Figure(figsize=(width_in, height_in), layout="constrained")


@contextmanager
def styled() -> Iterator[None]:
    """Context in which axes, lines and text pick up the sensorkit style."""
    with _style():
        yield


def figure_to_png(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg renderer.

    Examples
    --------
    >>> figure_to_png(new_figure(2, 1))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
