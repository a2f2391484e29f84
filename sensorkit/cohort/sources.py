"""Turn what the user passes (globs, paths, a table of paths) into one task table."""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sensorkit.errors import FileFormatError

__all__ = ["TASK_COLUMNS", "file_id", "resolve_sources"]

#: Columns of the task table; extra columns of a user table are kept after them.
TASK_COLUMNS = ("file_index", "file_id", "path", "file", "subject", "session", "condition")
_PATH_COLUMNS = ("path", "file", "filename", "recording")
_TABLE_SUFFIXES = (".tsv", ".csv")
_SKIP_NAMES = {"README.md", "README", "README.txt", "participants.tsv", "participants.json"}


def file_id(path: str | Path) -> str:
    """Stable id of a file from its absolute path (16 hex digits): names its dataset parts."""
    return hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:16]


def resolve_sources(sources: str | Path | Iterable | pd.DataFrame) -> pd.DataFrame:
    """The task table of a batch: one row per file, in a deterministic order.

    Parameters
    ----------
    sources : str, Path, iterable of them, or DataFrame
        A glob (``"data/**/*.txt"``, recursive), a file, a folder (every file in it,
        recursively), a table file (``.tsv``/``.csv`` with a ``path`` column, e.g. a
        BIDS-style ``participants.tsv`` extended with paths; relative paths are relative to
        the table), a list of any of these, or a DataFrame with a ``path`` column. Optional
        ``subject``, ``session`` and ``condition`` columns are kept, and so are other columns.

    Returns
    -------
    DataFrame
        Columns :data:`TASK_COLUMNS` (+ the table's extra columns); ``file_index`` is the row
        number. Duplicate files are kept once (first occurrence).

    Raises
    ------
    FileFormatError
        A table without a path column, or sources that match no file.
    """
    if isinstance(sources, pd.DataFrame):
        rows = _from_table(sources, Path.cwd())
    elif isinstance(sources, (str, Path)):
        rows = _expand(sources)
    else:
        rows = [r for s in sources for r in (_expand(s) if isinstance(s, (str, Path)) else [s])]
    table = pd.DataFrame(rows)
    if not len(table):
        raise FileFormatError(f"no file matches {sources!r}", hint="check the glob or folder")
    for col in ("subject", "session", "condition"):
        if col not in table:
            table[col] = None
    table["path"] = [str(Path(p)) for p in table["path"]]
    table["file_id"] = [file_id(p) for p in table["path"]]
    # one file named twice (a relative and an absolute path, a symlink) is one task
    table = table.drop_duplicates("file_id", keep="first").reset_index(drop=True)
    table["file"] = [Path(p).name for p in table["path"]]
    table["file_index"] = range(len(table))
    extra = [c for c in table.columns if c not in TASK_COLUMNS]
    return table[list(TASK_COLUMNS) + extra]


def _expand(source: str | Path) -> list[dict]:
    path = Path(source)
    if path.is_file() and path.suffix in _TABLE_SUFFIXES and _looks_like_task_table(path):
        return _from_table(pd.read_csv(path, sep=None, engine="python", dtype=str), path.parent)
    if path.is_file():
        return [{"path": str(path)}]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    else:
        files = sorted(Path(p) for p in glob.glob(str(source), recursive=True) if Path(p).is_file())
    return [{"path": str(p)} for p in files if p.name not in _SKIP_NAMES]


def _looks_like_task_table(path: Path) -> bool:
    try:
        head = path.open(encoding="utf-8", errors="replace").readline().lower()
    except OSError:
        return False
    cells = [c.strip() for c in head.replace("\t", ",").split(",")]
    return any(c in _PATH_COLUMNS for c in cells)


def _from_table(table: pd.DataFrame, base: Path) -> list[dict]:
    col = next((c for c in table.columns if str(c).lower() in _PATH_COLUMNS), None)
    if col is None:
        raise FileFormatError(
            "a table of sessions needs a 'path' column", hint=f"columns found: {list(table.columns)}"
        )
    rows = []
    for rec in table.to_dict(orient="records"):
        p = Path(str(rec.pop(col)))
        rec["path"] = str(p if p.is_absolute() else base / p)
        rec = {("subject" if k == "participant_id" else k): v for k, v in rec.items()}
        rows.append(rec)
    return rows
