"""``sk.analyze_many``: a cohort of sessions into two tidy tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from sensorkit.cohort.dataset import (
    COHORT_SCHEMA,
    check_same_run,
    done_ids,
    prepare_output,
    read_dataset,
    resumed_tasks,
    write_result,
)
from sensorkit.cohort.engines import run_tasks
from sensorkit.cohort.job import JobOptions, check_read_options, empty_sessions, normalise, session_dtypes
from sensorkit.cohort.sources import resolve_sources

__all__ = ["Cohort", "analyze_many", "read_cohort"]


@dataclass
class Cohort:
    """Result of :func:`analyze_many`.

    Attributes
    ----------
    steps : DataFrame
        One row per stance of every file: ``file_index, file_id, file, subject, session,
        condition`` then the columns of :attr:`sensorkit.Analysis.steps`.
    sessions : DataFrame
        One row per file (:data:`sensorkit.cohort.SESSION_COLUMNS`), failed files included
        with ``status="error"``, ``error_type`` and ``error_message``.
    path : Path or None
        The dataset folder when one was written.
    """

    steps: pd.DataFrame
    sessions: pd.DataFrame
    path: Path | None = None

    @property
    def failures(self) -> pd.DataFrame:
        """The sessions that failed: file, error type and message."""
        bad = self.sessions[self.sessions["status"] == "error"]
        return bad[["file_index", "file", "error_type", "error_message"]].reset_index(drop=True)

    def __repr__(self) -> str:
        ok = int((self.sessions["status"] == "ok").sum())
        return (
            f"<Cohort {len(self.sessions)} sessions ({ok} ok, {len(self.sessions) - ok} failed), "
            f"{len(self.steps)} stances{'' if self.path is None else f', at {self.path}'}>"
        )


def analyze_many(
    sources: Any,
    *,
    output: str | Path | None = None,
    executor: Any = None,
    workers: int | None = None,
    resume: bool = False,
    force: bool = False,
    layout: str | None = None,
    body_mass_kg: float | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
    read_options: dict[str, str] | None = None,
    **params: Any,
) -> Cohort:
    """Analyse many recordings into one steps table and one sessions table.

    Parameters
    ----------
    sources : glob, path, folder, table file, list of them, or DataFrame
        See :func:`sensorkit.cohort.resolve_sources` (subject/session/condition columns of a
        table are kept).
    output : path, optional
        Write a partitioned Parquet dataset there as files complete (docs/cohorts.md); the
        returned tables are read back from it. Without it, results stay in memory.
    executor : None, "processes", or a dask.distributed.Client
        Where to run: this process (default, deterministic), local processes, or a Dask
        cluster. Every engine gives identical tables.
    workers : int, optional
        Local processes for ``executor="processes"``.
    resume : bool
        Continue a stopped run into ``output``: files already done are skipped.
    force : bool
        Replace an existing ``output`` (never done without it).
    layout : str, optional
        Layout for files that need one (e.g. header-only CSVs); ignored by the others.
    body_mass_kg : float, optional
        For files without a body mass (fills the BW columns only).
    progress : callable, optional
        ``progress(done, total, n_errors, n_stances)`` once before the first file is analysed
        (``done`` counts the files a resumed run skips; errors and stances are those of this
        run) and after each file.
    read_options : dict, optional
        Options of :func:`sensorkit.read`: ``format`` (every file read as that format) and
        the CSV dialect options ``sep``, ``decimal``, ``encoding``, ``time_unit``, which go to
        the files whose format takes them (generic CSV) only. Kept in the manifest: a resumed
        run must use the same.
    **params
        Analysis parameters (:class:`sensorkit.AnalysisParams`).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> cohort = sk.analyze_many("tests/data/physionet-gaitpdb/*.txt")  # doctest: +SKIP
    >>> cohort.sessions[["file", "cadence_spm", "contact_time_s_si_pct"]]  # doctest: +SKIP
    """
    from sensorkit import __version__
    from sensorkit.analysis import AnalysisParams

    AnalysisParams.from_kwargs(**params)  # unknown or invalid parameters fail before any work
    reading = check_read_options(read_options)
    tasks = resolve_sources(sources)
    options = JobOptions(layout=layout, body_mass_kg=body_mass_kg, params=dict(params), read_options=reading)
    todo = tasks
    if output is not None:
        out = Path(output)
        manifest = {
            "schema": COHORT_SCHEMA,
            "sensorkit_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "layout": layout,
            "body_mass_kg": body_mass_kg,
            "params": AnalysisParams.from_kwargs(**params).to_dict(),
            "read_options": reading or None,  # None: as folders written before the option
            "n_files": len(tasks),
        }
        if resume and out.is_dir():  # before the task table is rewritten: the first run's ids
            if any(out.iterdir()):  # another schema or options first: the most basic refusal
                check_same_run(out, manifest)
            tasks = resumed_tasks(out, tasks)
        prepare_output(out, resume=resume, force=force, manifest=manifest, tasks=tasks)
        if resume:
            todo = tasks[~tasks["file_id"].isin(done_ids(out))]
    records = todo.to_dict(orient="records")
    total, done, errors, stances = len(tasks), len(tasks) - len(todo), 0, 0
    steps_parts: list[pd.DataFrame] = []
    session_rows: list[dict] = []
    if progress is not None:  # the total at once: the first file can take long (a first run compiles)
        progress(done, total, errors, stances)
    for steps, session in run_tasks(records, options, executor, workers):
        done += 1
        errors += session["status"] == "error"
        stances += len(steps)
        if output is not None:
            write_result(out, steps, session)
        else:
            if len(steps):
                steps_parts.append(steps)
            session_rows.append(session)
        if progress is not None:
            progress(done, total, errors, stances)
    if output is not None:
        steps_all, sessions = read_dataset(out)
        return Cohort(steps_all, sessions, out)
    sessions = normalise(pd.DataFrame(session_rows), session_dtypes()) if session_rows else empty_sessions()
    sessions = sessions.sort_values("file_index", kind="stable").reset_index(drop=True)
    steps_all = pd.concat(steps_parts, ignore_index=True) if steps_parts else pd.DataFrame()
    if len(steps_all):
        steps_all = normalise(
            steps_all.sort_values(["file_index", "t_contact_s", "side"], kind="stable").reset_index(drop=True)
        )
    return Cohort(steps_all, sessions, None)


def read_cohort(path: str | Path) -> Cohort:
    """The tables of a batch output folder written by :func:`analyze_many` or ``sensorkit batch``."""
    steps, sessions = read_dataset(Path(path))
    return Cohort(steps, sessions, Path(path))
