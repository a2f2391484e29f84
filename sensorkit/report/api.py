"""``sk.report(...)``: one function for every report, like the ``sensorkit report`` verb.

* one recording (a Recording, a file path or a DataFrame): the session report;
* two or more recordings: a comparison page (before/after, insole A/B), drawn by
  ``sensorkit.report.compare.write_compare_report`` over ``sensorkit.compare``'s statistics;
* a folder: a cohort report from a batch output (``sensorkit batch``).

The comparison and cohort pages come from other parts of sensorkit; when they are not in
this installation, the call says so in one :class:`~sensorkit.errors.SensorkitError` instead
of failing inside.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from sensorkit.errors import SensorkitError

__all__ = ["check_report_outputs", "report", "report_outputs"]


def _default_output(source: Any, suffix: str = ".html") -> Path:
    if isinstance(source, (str, Path)):
        return Path(Path(source).name).with_suffix(suffix)
    raise ValueError("give output= (the .html file to write) when the source is not a file")


def default_output(*sources: Any) -> Path:
    """The HTML file :func:`report` writes when no ``output`` is given: ``comparison.html``
    for several sources, ``<folder>-report.html`` next to a batch output folder, else the file's
    name with ``.html`` in the working directory.

    Raises
    ------
    ValueError
        One source that is not a file (a Recording in memory needs ``output=``).
    """
    if len(sources) > 1:
        return Path("comparison.html")
    source = sources[0]
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        folder = Path(source)
        return folder.with_name(folder.name + "-report.html")
    return _default_output(source)


def _check_source(source: Any) -> None:
    import pandas as pd

    from sensorkit.recording import Recording

    if not isinstance(source, (Recording, str, Path, pd.DataFrame)):
        raise TypeError(
            f"report() needs a Recording, a file path or a DataFrame, not {type(source).__name__}; "
            "read a file with sk.read(path) or pass its path"
        )


def _as_recording(source: Any, read_options: dict[str, Any]):
    from sensorkit.recording import Recording

    _check_source(source)
    if isinstance(source, Recording):
        return source
    if isinstance(source, (str, Path)):
        from sensorkit.io import read

        return read(source, **read_options)
    return Recording.from_dataframe(source)


def _comparison(
    sources: tuple[Any, ...], output: Path | None, options: dict[str, Any], read_options: dict[str, Any]
) -> Path:
    try:
        compare_mod = importlib.import_module("sensorkit.report.compare")
        write_compare_report = compare_mod.write_compare_report
        import sensorkit

        compare = sensorkit.compare  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        raise SensorkitError(
            f"a comparison report of {len(sources)} sessions needs sensorkit.compare and "
            "sensorkit.report.compare, which are not in this version of sensorkit",
            hint="report each session on its own: sensorkit report FILE",
        ) from None
    from sensorkit.io import read

    sessions = [read(s, **read_options) if isinstance(s, (str, Path)) else s for s in sources]
    labels = [
        Path(s).stem if isinstance(s, (str, Path)) else f"session {k + 1}" for k, s in enumerate(sources)
    ]
    if len(set(labels)) < len(labels):  # the same file name twice: number them
        labels = [f"{label} ({k + 1})" for k, label in enumerate(labels)]
    comparison = compare(sessions, labels=labels, **options)
    out = output or default_output(*sources)
    return Path(write_compare_report(comparison, out) or out)


def _cohort(folder: Path, output: Path) -> Path:
    """The cohort page of a ``sensorkit batch`` output folder (:mod:`sensorkit.report.cohort`)."""
    from sensorkit.report.cohort import write_cohort_report

    return write_cohort_report(folder, output, force=True)  # checked by report(), overwrite=


def report_outputs(
    output: str | Path | None, *, pdf: str | Path | bool | None = None, png_dir: str | Path | None = None
) -> list[Path]:
    """Every file a report writes: the HTML page, its PDF (``pdf=True``: the page's name with
    ``.pdf``) and one PNG per figure of :data:`sensorkit.report.FIGURES` in ``png_dir``."""
    out = Path(output) if output is not None else None
    paths = [out] if out is not None else []
    if pdf is True and out is not None:
        paths.append(out.with_suffix(".pdf"))
    elif pdf:
        paths.append(Path(pdf))
    if png_dir is not None:
        from sensorkit.report.figure_set import FIGURES

        paths += [Path(png_dir) / f"{spec.key}.png" for spec in FIGURES]
    return paths


def check_report_outputs(
    output: str | Path | None,
    *,
    pdf: str | Path | bool | None = None,
    png_dir: str | Path | None = None,
    overwrite: bool = False,
    inputs: Any = (),
) -> None:
    """Refuse, before any work, a report that would replace a file without ``overwrite`` or
    write over one of its inputs (:func:`report_outputs` lists the files checked).

    Raises
    ------
    OutputExistsError
        A file exists and ``overwrite`` is False (the first one is named).
    SameFileError
        A file is one of ``inputs``, even with ``overwrite``.
    OutputFolderError
        The folder of the page or the PDF does not exist (a PNG folder is made).
    SensorkitError
        A PDF is asked for and no Chromium is found.
    """
    from sensorkit.io.outputs import check_output

    if pdf:  # before any work: without Chromium the analysis ran, then the PDF failed
        from sensorkit.report.pdf import require_chromium

        require_chromium()
    folders = Path(png_dir) if png_dir is not None else None
    for path in report_outputs(output, pdf=pdf, png_dir=png_dir):
        check_output(
            path,
            overwrite=overwrite,
            inputs=inputs,
            folder_made=folders is not None and path.parent == folders,
        )


def report(
    *sources: Any,
    output: str | Path | None = None,
    analysis: Any = None,
    body_mass_kg: float | None = None,
    subject: str | None = None,
    session: str | None = None,
    condition: str | None = None,
    notes: str | None = None,
    anonymize: bool = False,
    pdf: str | Path | bool | None = None,
    png_dir: str | Path | None = None,
    runner: dict[str, Any] | None = None,
    recommend: bool = True,
    on_figure: Any = None,
    overwrite: bool = False,
    same_person: bool = False,
    **read_options: Any,
) -> dict[str, Any]:
    """Write the report of one session, a comparison of several, or a cohort folder.

    Parameters
    ----------
    *sources : Recording, path or DataFrame
        One source: a session report. Several: a comparison page. One folder: a cohort report.
    output : str or Path, optional
        The ``.html`` file; default ``<file name>.html`` in the working folder for a file source.
    analysis : Analysis, optional
        A ready ``sk.analyze`` result of the one source (otherwise it is analysed here).
    body_mass_kg : float, optional
        Body mass for BW units (default: the recording's).
    subject, session, condition, notes : str, optional
        Identify the session in the report header (default: from the recording's metadata).
    anonymize : bool
        Leave out what the file says about the person (subject name, notes, device serials,
        file name; only the year of the date); a pseudonym given as ``subject`` is kept.
    pdf : str, Path or bool, optional
        Also print a PDF (``True``: next to the HTML) with headless Chromium.
    png_dir : str or Path, optional
        Also write each figure as a PNG there.
    runner : dict, optional
        Runner details for the recommendation section (``surface``, ``weekly_km`` ...).
    recommend : bool
        Include the insole recommendation section.
    on_figure : callable, optional
        Progress callback, called after each figure.
    overwrite : bool
        Replace existing files (the page, its PDF, figure PNGs); like ``--force``, it never
        allows writing over one of the sources.
    same_person : bool
        Several sources: they are sessions of one person, whatever their subject identifiers
        or masses say (:func:`sensorkit.compare`, which then says it was stated).
    **read_options
        Passed to :func:`sensorkit.read` for file sources (``layout``, ``sep`` ...).

    Returns
    -------
    dict
        What :func:`sensorkit.report.write_report` returns (``html``, ``pdf``, ``pngs`` ...).

    Raises
    ------
    OutputExistsError
        An output file exists and ``overwrite`` is False (checked before any work).
    SameFileError
        An output is one of the sources (checked before any work).
    SensorkitError
        For a comparison or cohort when that part of sensorkit is not installed; for a PDF
        without Chromium.
    TypeError
        A source that is not a Recording, path or DataFrame.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=10, seed=1)
    >>> sk.report(rec, output="run.html", subject="P01")["html"]  # doctest: +SKIP
    PosixPath('run.html')
    """
    if not sources:
        raise TypeError("report() needs at least one recording (a Recording, a file path or a DataFrame)")
    from sensorkit.io.outputs import input_files

    out = Path(output) if output is not None else None
    # every file a source came from: a path, or the file a Recording was read from
    paths = [p for s in sources for p in ([s] if isinstance(s, (str, Path)) else input_files(s))]
    if len(sources) > 1:
        options: dict[str, Any] = {"body_mass_kg": body_mass_kg} if body_mass_kg is not None else {}
        if same_person:
            options["same_person"] = True
        out = out or default_output(*sources)
        check_report_outputs(out, overwrite=overwrite, inputs=paths)
        return {"html": _comparison(sources, out, options, read_options), "pdf": None, "pngs": []}
    source = sources[0]
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        given = sorted(k for k, v in read_options.items() if v is not None)
        if given:  # a batch folder's tables are read as they are
            from sensorkit.io.formats import option_names

            raise ValueError(
                f"read option(s) {option_names(given)} do not apply to a cohort folder "
                "(give them to sensorkit batch, which reads the files)"
            )
        if same_person:
            raise ValueError(
                "same_person applies to a comparison of several sessions, not to a cohort folder"
            )
        out = out or default_output(source)
        # the batch's own files (its tables, manifest) are inputs of the cohort page
        check_report_outputs(
            out, overwrite=overwrite, inputs=[p for p in Path(source).iterdir() if p.is_file()]
        )
        return {"html": _cohort(Path(source), out), "pdf": None, "pngs": []}
    if same_person:
        raise ValueError("same_person applies to a comparison of several sessions, not to one session")
    _check_source(source)
    if out is None and png_dir is None:
        out = _default_output(source)  # before any work: a Recording needs output=
    check_report_outputs(out, pdf=pdf, png_dir=png_dir, overwrite=overwrite, inputs=paths)
    recording = _as_recording(source, read_options)
    if analysis is None:
        from sensorkit.analysis import analyze

        analysis = analyze(recording, body_mass_kg=body_mass_kg)
    from sensorkit.report.write import write_report

    return write_report(
        out,
        recording,
        analysis,
        png_dir=png_dir,
        runner=runner,
        recommend=recommend,
        subject=subject,
        session=session,
        condition=condition,
        notes=notes,
        anonymize=anonymize,
        pdf=pdf,
        on_figure=on_figure,
    )
