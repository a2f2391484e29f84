"""The partitioned Parquet dataset a batch writes as it goes, and reads back.

Layout (docs/cohorts.md)::

    OUT/
      manifest.json                 sensorkit version, options, when
      tasks.parquet                 the task table of the run
      sessions/<subject>/<file_id>.parquet   one session row per file (written last: marks it done)
      steps/<subject>/<file_id>.parquet      that file's steps (absent for a failed file)

Each part is written to a temporary name and renamed, so a run killed at any moment leaves
only whole parts; a file whose session part exists is done, and ``resume`` skips it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from sensorkit.cohort.job import session_dtypes, table_mass
from sensorkit.errors import SensorkitError
from sensorkit.outputs import atomic_output

__all__ = [
    "COHORT_SCHEMA",
    "check_same_run",
    "done_ids",
    "prepare_output",
    "read_dataset",
    "resumed_tasks",
    "write_result",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _part_dir(subject: Any) -> str:
    text = (
        "unknown" if subject is None or (isinstance(subject, float) and subject != subject) else str(subject)
    )
    return _UNSAFE.sub("_", text)[:80] or "unknown"


def prepare_output(out: Path, *, resume: bool, force: bool, manifest: dict, tasks: pd.DataFrame) -> None:
    """Create ``out`` (or check it for a resume); never overwrite a dataset without ``force``."""
    try:  # before anything is created: a half-made folder would block the next run
        import pyarrow  # noqa: F401
    except ImportError:
        raise SensorkitError(
            "writing a cohort dataset needs pyarrow", hint="pip install 'sensorkit[cohort]'"
        ) from None
    if resume and force:
        raise SensorkitError(
            "resume and force contradict each other",
            hint="--resume continues the run in the folder; --force deletes it and starts over",
        )
    out = Path(out)
    existing = out.exists() and any(out.iterdir())
    if existing and not (resume or force):
        raise SensorkitError(
            f"{out} already holds results",
            hint="pass --resume (resume=True in Python) to continue that run, or --force (force=True) "
            "to start over (deletes it)",
        )
    if existing and resume:
        check_same_run(out, manifest)
    if existing and force and not resume:
        for name in ("sessions", "steps", "tasks.parquet", "manifest.json"):
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    (out / "sessions").mkdir(parents=True, exist_ok=True)
    (out / "steps").mkdir(parents=True, exist_ok=True)
    _atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1, default=str))
    mixed = {c: tasks[c].map(_cell_text) for c in tasks.columns if tasks[c].dtype == object}
    _atomic_parquet(tasks.assign(**mixed), out / "tasks.parquet")  # (83 and "n/a" in one column: text)


def _cell_text(value: Any) -> str | None:
    """A task-table cell of a mixed column as text (None stays missing), which Arrow can store."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


#: Version of the dataset layout and columns (2: walking force features in N and the walking
#: loading rate among the session metrics; 3: ``missing_s`` counts missing frames, a CV needs
#: 5 values, a sources table's ``body_mass_kg`` applies per file, sessions have a ``path``).
COHORT_SCHEMA = "sensorkit.cohort/3"


def check_same_run(out: Path, manifest: dict) -> None:
    """Refuse to resume a dataset written with another schema or other analysis options: its
    tables would mix columns or definitions."""
    try:
        old = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    for key, what in (("schema", "another table schema"), ("params", "other analysis parameters"),
                      ("layout", "another layout"), ("body_mass_kg", "another body mass"),
                      ("read_options", "other CSV read options")):  # fmt: skip
        if _comparable(old.get(key)) != _comparable(manifest.get(key)):
            raise SensorkitError(
                f"{out} was written with {what} ({old.get(key)!r}, now {manifest.get(key)!r}); "
                "resuming would mix two definitions in one table",
                hint="run without --resume (resume=True) into a new folder, or --force (force=True) to start "
                "over (deletes it)",
            )


def _comparable(value: Any) -> str:
    """JSON text of a manifest value with every number as a float (70 == 70.0)."""

    def floats(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: floats(x) for k, x in v.items()}
        if isinstance(v, list):
            return [floats(x) for x in v]
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    return json.dumps(floats(value), sort_keys=True, default=str)


def resumed_tasks(out: Path, tasks: pd.DataFrame) -> pd.DataFrame:
    """``tasks`` of a resumed run, with the file ids the folder's first run gave the same files.

    A file id hashes the file's absolute path, so a project folder moved (or copied to another
    machine) gives every file a new id, and resuming analysed every file again next to its old
    results: each session twice. A task whose path, as given (a relative glob's path is the same
    wherever the project lies), is one of the folder's tasks takes that task's id. When some
    files are new to the folder while some of its finished results belong to no file of this
    run, they are most likely the same files at other paths: resuming is refused. (Files only
    added, or only left out, are fine.) A folder written before the task table was kept has
    its finished results as its known files.

    Raises
    ------
    SensorkitError
        Finished results for files that are not in this run, and files new to the folder.
    """
    done = done_ids(out)
    try:  # the whole table, once: one row per file (a table without some column still maps)
        stored = pd.read_parquet(Path(out) / "tasks.parquet")
    except (OSError, ValueError):
        stored = pd.DataFrame()  # written before the task table, or damaged: the finished results decide
    ids = tasks["file_id"].astype(str).tolist()
    known = set(done)
    index: dict[str, int] = {}
    if {"path", "file_id"} <= set(stored.columns):
        by_path = dict(zip(stored["path"].astype(str), stored["file_id"].astype(str), strict=True))
        known |= set(by_path.values())
        ids = [
            fid if fid in known else by_path.get(str(p), fid)
            for p, fid in zip(tasks["path"], ids, strict=True)
        ]
        if "file_index" in stored.columns:  # the files listed, finished or not
            index = dict(zip(stored["file_id"].astype(str), stored["file_index"].astype(int), strict=True))
    # the finished results are the record of the indices in the tables (a task table only has
    # the last run's files)
    finished = _finished_sessions(out)  # every session part read once, for indices and masses
    index.update({fid: k for fid, (k, _, _) in finished.items()})
    _check_same_masses(out, finished, tasks, ids)
    new = [fid for fid in ids if fid not in known]
    orphans = done - set(ids)
    if new and orphans:
        raise SensorkitError(
            f"{out} has finished results for {len(orphans)} file(s) that are not in this run, and "
            f"{len(new)} of this run's files are new to it: the same files at other paths? resuming "
            "would analyse them again next to their results",
            hint="resume with the same sources as the first run, from the folder it ran in (paths as "
            "given, e.g. the same relative glob), or start a new folder",
        )
    # a file keeps the index its results were written with; files added get the next ones (an
    # added file that sorted first took an index a finished file's rows already had)
    nxt = max(index.values(), default=-1) + 1
    file_index = []
    for fid in ids:
        if fid not in index:
            index[fid] = nxt
            nxt += 1
        file_index.append(index[fid])
    return tasks.assign(file_id=ids, file_index=file_index).sort_values("file_index", kind="stable")


def _check_same_masses(
    out: Path,
    finished: dict[str, tuple[int, str | None, float | None]],
    tasks: pd.DataFrame,
    ids: list[str],
) -> None:
    """Refuse a resume whose sources table gives a finished file another body mass than the one
    its results were computed with (the sessions table would hold BW values of two masses).

    The mass each finished session used is in its part; a file that failed has none to keep,
    and an empty cell overrides nothing. (The task table is rewritten by every run, so it does
    not know the masses of files a run left out.)
    """
    if "body_mass_kg" not in tasks.columns:
        return
    changed = []
    for path, fid, cell in zip(tasks["path"], ids, tasks["body_mass_kg"], strict=True):
        if fid not in finished or finished[fid][1] != "ok":  # not analysed, or failed: nothing to keep
            continue
        try:
            given = table_mass(cell)
        except ValueError:
            given = cell  # not a number: not the mass its results used either
        if given is None:
            continue
        before = finished[fid][2]
        if not isinstance(given, float) or before is None or not math.isclose(given, before, rel_tol=1e-9):
            changed.append(f"{path} ({before if before is not None else 'no mass'} kg before, {cell!r} now)")
    if changed:
        raise SensorkitError(
            f"{out}: the sources give {len(changed)} finished file(s) another body mass than its results were "
            f"computed with (first: {changed[0]}); resuming would mix two masses in one table",
            hint="resume with the same masses, or --force (force=True) to analyse every file again",
        )


def _finished_sessions(out: Path) -> dict[str, tuple[int, str | None, float | None]]:
    """``file_id -> (file_index, status, body_mass_kg)`` of the finished session parts."""
    found: dict[str, tuple[int, str | None, float | None]] = {}
    for part in Path(out, "sessions").glob("*/*.parquet"):
        try:  # four columns of each part: a resume of thousands of files reads no more
            row = pd.read_parquet(part, columns=["file_id", "file_index", "status", "body_mass_kg"])
        except (OSError, ValueError, KeyError):
            try:
                row = pd.read_parquet(part, columns=["file_id", "file_index"])
            except (OSError, ValueError, KeyError):
                continue
        for rec in row.to_dict(orient="records"):
            mass = rec.get("body_mass_kg")
            mass = None if mass is None or (isinstance(mass, float) and math.isnan(mass)) else float(mass)
            found[str(rec["file_id"])] = (int(rec["file_index"]), rec.get("status"), mass)
    return found


def done_ids(out: Path) -> set[str]:
    """File ids whose session part exists (they are complete)."""
    return {p.stem for p in Path(out, "sessions").glob("*/*.parquet")}


def write_result(out: Path, steps: pd.DataFrame, session: dict) -> None:
    """Write one file's parts: steps first, then the session row that marks it done."""
    sub = _part_dir(session.get("subject"))
    fid = session["file_id"]
    if len(steps):
        (Path(out) / "steps" / sub).mkdir(parents=True, exist_ok=True)
        _atomic_parquet(steps, Path(out) / "steps" / sub / f"{fid}.parquet")
    (Path(out) / "sessions" / sub).mkdir(parents=True, exist_ok=True)
    dtypes = session_dtypes()
    row = pd.DataFrame([session]).astype(dtypes)
    _atomic_parquet(row, Path(out) / "sessions" / sub / f"{fid}.parquet", schema=_arrow_schema(dtypes))


def read_dataset(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(steps, sessions)`` of a dataset, sorted by file then contact time."""
    out = Path(out)
    if not (out / "sessions").is_dir():
        raise SensorkitError(f"{out} is not a sensorkit batch output (no sessions/ folder)")
    sess_parts = sorted((out / "sessions").glob("*/*.parquet"))
    sessions = pd.concat([pd.read_parquet(p) for p in sess_parts], ignore_index=True) if sess_parts else None
    from sensorkit.cohort.job import empty_sessions, normalise

    if sessions is not None:
        # a folder of an older schema lacks the newer metric columns: they read as missing
        dtypes = session_dtypes()
        for col in dtypes.keys() - set(sessions.columns):
            sessions[col] = None
        sessions = normalise(sessions[list(dtypes)], dtypes)
    sessions = empty_sessions() if sessions is None else sessions
    sessions = sessions.sort_values("file_index", kind="stable").reset_index(drop=True)
    step_parts = sorted((out / "steps").glob("*/*.parquet"))
    steps = (
        pd.concat([pd.read_parquet(p) for p in step_parts], ignore_index=True)
        if step_parts
        else pd.DataFrame()
    )
    if len(steps):
        steps = normalise(
            steps.sort_values(["file_index", "t_contact_s", "side"], kind="stable").reset_index(drop=True)
        )
    return steps, sessions


def _arrow_schema(dtypes: dict[str, str]) -> Any:
    """One Arrow schema for every part, so the folder reads as one table
    (``pandas.read_parquet("OUT/sessions")``): a text column stays string when a part holds
    only None (a failed file), where Arrow would otherwise infer the null type."""
    import pyarrow as pa

    types = {"object": pa.string(), "Int64": pa.int64(), "int64": pa.int64(), "float64": pa.float64()}
    return pa.schema([(c, types[d]) for c, d in dtypes.items()])


def _atomic_parquet(frame: pd.DataFrame, path: Path, schema: Any = None) -> None:
    with atomic_output(path) as tmp:  # readers list *.parquet: a part being written is not one
        frame.to_parquet(tmp, index=False, schema=schema)


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
