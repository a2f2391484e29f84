"""Write a report: one self-contained HTML file, and optionally every figure as a PNG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sensorkit.analysis.result import Analysis
from sensorkit.recording import Recording
from sensorkit.report.figure_set import FigureSpec, RenderedFigure, render_figures
from sensorkit.report.html import build_html
from sensorkit.report.recommendation import RecommendationBlock, make_recommendation

__all__ = ["report_html", "write_pngs", "write_report"]


def _writable_dir(path: Path, what: str) -> None:
    if not path.is_dir():
        raise FileNotFoundError(f"cannot write {what}: folder {path} does not exist")


def write_pngs(directory: str | Path, figures: Sequence[RenderedFigure]) -> list[Path]:
    """Write each rendered figure as ``<directory>/<key>.png`` (the folder is created).

    Returns
    -------
    list of Path
        The files written, in report order.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for fig in figures:
        path = directory / f"{fig.spec.key}.png"
        path.write_bytes(fig.png)
        paths.append(path)
    return paths


def report_html(
    recording: Recording,
    analysis: Analysis,
    *,
    runner: dict[str, Any] | None = None,
    recommend: bool = True,
    on_figure: Callable[[FigureSpec], None] | None = None,
) -> tuple[str, list[RenderedFigure]]:
    """Render the figures and assemble the page; returns the HTML and the rendered figures."""
    figures = render_figures(recording, analysis, on_figure=on_figure)
    block = make_recommendation(analysis, runner) if recommend else RecommendationBlock("skipped", "")
    return build_html(recording, analysis, figures, block), figures


def write_report(
    path: str | Path | None,
    recording: Recording,
    analysis: Analysis,
    *,
    png_dir: str | Path | None = None,
    runner: dict[str, Any] | None = None,
    recommend: bool = True,
    on_figure: Callable[[FigureSpec], None] | None = None,
) -> dict[str, Any]:
    """Write the HTML report of ``analysis`` to ``path`` and/or its figures as PNGs to ``png_dir``.

    Parameters
    ----------
    path : str or Path or None
        The ``.html`` file (replaced if it exists); None writes only the PNGs.
    recording : Recording
        The analysed recording (per-sensor maps, time span).
    analysis : Analysis
        ``sensorkit.analyze(recording)``.
    png_dir : str or Path, optional
        Also write every figure as ``<png_dir>/<name>.png`` (folder created).
    runner : dict, optional
        Runner details passed to ``sensorkit.recommend`` when it exists (``surface`` ...).
    recommend : bool
        Include the recommendation section (default True).
    on_figure : callable, optional
        Called after each figure is rendered (for progress bars); see :data:`FIGURES`.

    Returns
    -------
    dict
        ``{"html": Path or None, "pngs": [Path, ...], "bytes": int, "recommendation": status}``.

    Raises
    ------
    FileNotFoundError
        When the folder of ``path`` does not exist.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=10, seed=1)
    >>> write_report("run.html", rec, sk.analyze(rec))["html"]  # doctest: +SKIP
    PosixPath('run.html')
    """
    if path is None and png_dir is None:
        raise ValueError("nothing to write: give a report path, a PNG folder, or both")
    out = Path(path) if path is not None else None
    if out is not None:
        _writable_dir(out.parent if str(out.parent) else Path("."), f"report {out}")
    figures = render_figures(recording, analysis, on_figure=on_figure)
    result: dict[str, Any] = {"html": None, "pngs": [], "bytes": 0, "recommendation": "skipped"}
    if out is not None:
        block = make_recommendation(analysis, runner) if recommend else RecommendationBlock("skipped", "")
        text = build_html(recording, analysis, figures, block)
        data = text.encode("utf-8")
        out.write_bytes(data)
        result.update(html=out, bytes=len(data), recommendation=block.status)
    if png_dir is not None:
        result["pngs"] = write_pngs(png_dir, figures)
    return result
