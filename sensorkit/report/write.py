"""Write a report: one self-contained HTML file, optionally a PDF of it and every figure as a PNG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sensorkit.analysis.result import Analysis
from sensorkit.outputs import atomic_output
from sensorkit.recording import Recording
from sensorkit.report.figure_set import FigureSpec, RenderedFigure, render_figures
from sensorkit.report.html import build_html
from sensorkit.report.identity import SessionIdentity, session_identity
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
        with atomic_output(path) as tmp:  # whole or as it was, even if the disk fills
            tmp.write_bytes(fig.png)
        paths.append(path)
    return paths


def report_html(
    recording: Recording,
    analysis: Analysis,
    *,
    runner: dict[str, Any] | None = None,
    recommend: bool = True,
    identity: SessionIdentity | None = None,
    on_figure: Callable[[FigureSpec], None] | None = None,
) -> tuple[str, list[RenderedFigure]]:
    """Render the figures and assemble the page; returns the HTML and the rendered figures."""
    figures = render_figures(recording, analysis, on_figure=on_figure)
    block = (
        make_recommendation(analysis, {**(runner or {}), "recording": recording})
        if recommend
        else RecommendationBlock("skipped", "")
    )
    return build_html(recording, analysis, figures, block, identity=identity), figures


def write_report(
    path: str | Path | None,
    recording: Recording,
    analysis: Analysis,
    *,
    png_dir: str | Path | None = None,
    runner: dict[str, Any] | None = None,
    recommend: bool = True,
    subject: str | None = None,
    session: str | None = None,
    condition: str | None = None,
    notes: str | None = None,
    anonymize: bool = False,
    pdf: str | Path | bool | None = None,
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
    subject, session, condition, notes : str, optional
        Identify the session in the header (default: what the recording's metadata says;
        see :func:`sensorkit.report.identity.session_identity`).
    anonymize : bool
        Leave out what the file says about the person (subject name, notes, device serials,
        file name; only the year of the date); a pseudonym given as ``subject`` is kept.
    pdf : str, Path or bool, optional
        Also print the page to this PDF (``True``: next to the HTML) with headless Chromium
        (:func:`sensorkit.report.pdf.print_pdf`).
    on_figure : callable, optional
        Called after each figure is rendered (for progress bars); see :data:`FIGURES`.

    Returns
    -------
    dict
        ``{"html": Path or None, "pdf": Path or None, "pngs": [Path, ...], "bytes": int,
        "recommendation": status}``.

    Raises
    ------
    FileNotFoundError
        When the folder of ``path`` does not exist.
    SensorkitError
        ``pdf`` asked for and Chromium missing or failing (the HTML is written first).

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
    if pdf and out is None:
        raise ValueError("a PDF is printed from the HTML report: give a report path too")
    pdf_path = out.with_suffix(".pdf") if pdf is True else (Path(pdf) if pdf else None)
    if pdf_path is not None:
        _writable_dir(pdf_path.parent if str(pdf_path.parent) else Path("."), f"PDF {pdf_path}")
    ident = session_identity(
        recording, subject=subject, session=session, condition=condition, notes=notes, anonymize=anonymize
    )
    figures = render_figures(recording, analysis, on_figure=on_figure)
    result: dict[str, Any] = {"html": None, "pdf": None, "pngs": [], "bytes": 0, "recommendation": "skipped"}
    if out is not None:
        block = (
            make_recommendation(analysis, {**(runner or {}), "recording": recording})
            if recommend
            else RecommendationBlock("skipped", "")
        )
        text = build_html(recording, analysis, figures, block, identity=ident)
        data = text.encode("utf-8")
        with atomic_output(out) as tmp:  # a failed write keeps the report it would replace
            tmp.write_bytes(data)
        result.update(html=out, bytes=len(data), recommendation=block.status)
    if png_dir is not None:
        result["pngs"] = write_pngs(png_dir, figures)
    if pdf_path is not None:
        from sensorkit.report.pdf import print_pdf

        result["pdf"] = print_pdf(out, pdf_path)
    return result
