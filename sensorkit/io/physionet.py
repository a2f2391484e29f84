"""PhysioNet "Gait in Parkinson's Disease" (gaitpdb) insole files.

Tab-separated text, 19 columns, 100 Hz: time (s); L1..L8 vertical force under the left foot
(N); R1..R8 under the right foot (N); total left (N); total right (N). Hausdorff et al.,
gaitpdb v1.0.0; Goldberger et al., Circulation 101(23):e215-e220, 2000 (ODC-By 1.0). Sensor
positions: the built-in ``physionet8`` layout.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit._stack import user_stacklevel
from sensorkit.errors import FileFormatError, FileTruncatedWarning
from sensorkit.io.spec import FormatSpec, head_text
from sensorkit.layout import load_layout
from sensorkit.recording import Recording

__all__ = ["FORMAT", "looks_like_physionet_gaitpdb", "read_physionet_gaitpdb"]

N_COLUMNS = 19
RATE_HZ = 100.0
_NAME = re.compile(r"^(Ga|Ju|Si)(Co|Pt)\d+_\d+\.txt$", re.IGNORECASE)
_TOTALS_TOLERANCE_N = 0.05  # the file's total columns are rounded to 0.01 N


def looks_like_physionet_gaitpdb(path: Path, head: str) -> bool:
    """True for gaitpdb file names, or for text whose first line has 19 tab-separated numbers."""
    if _NAME.match(path.name):
        return True
    first = next((line for line in head.splitlines() if line.strip()), "")
    fields = first.strip().split("\t")
    if len(fields) != N_COLUMNS:
        return False
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def read_physionet_gaitpdb(path: str | Path, *, body_mass_kg: float | None = None) -> Recording:
    """Read one gaitpdb walk into a Recording (physionet8 layout, newtons, 100 Hz).

    Parameters
    ----------
    path : str or Path
        A gaitpdb ``.txt`` file.
    body_mass_kg : float, optional
        Subject mass in kg (the dataset's demographics table gives it per subject).

    Returns
    -------
    Recording
        Its ``metadata["subject"]`` is the file name's part before the first "_" (the files
        hold no subject), marked ``subject_from_file_name: True``; a name in the dataset's own
        form (``GaCo01_01.txt``: study, group, subject number, walk) also gets
        ``subject_naming: "physionet-gaitpdb"``. :func:`sensorkit.compare` takes an identifier
        from any other file name for weak evidence of who walked.

    Raises
    ------
    FileFormatError
        Wrong column count, non-numeric cells, or totals that disagree with the sensors.
    """
    path = Path(path)
    kept = path.read_text(encoding="utf-8", errors="replace").rstrip(" \t\x1a")  # a blank tail is no row
    if (
        not kept.endswith(("\n", "\r")) and kept.strip()
    ):  # no line end: the file may be cut inside its last row
        cut = kept.rsplit("\n", 1)
        if len(cut) < 2:
            raise FileFormatError("no complete row: the file is cut inside its first row", path=str(path))
        warnings.warn(
            f"{path}: the last row (line {kept.count(chr(10)) + 1}) has no line end, so the file may be "
            "cut inside it; read the rows before it (end the file with a line break to keep that row)",
            FileTruncatedWarning,
            stacklevel=user_stacklevel(),
        )
        kept = cut[0] + "\n"
    try:  # the text read once, parsed from memory
        table = pd.read_csv(io.StringIO(kept), sep="\t", header=None, dtype=np.float64, engine="c")
    except (ValueError, pd.errors.EmptyDataError) as exc:
        raise _locate(path) or FileFormatError(f"cannot parse ({exc})", path=str(path)) from None
    if table.shape[1] != N_COLUMNS:
        raise FileFormatError(
            f"expected {N_COLUMNS} tab-separated columns (time, L1..L8, R1..R8, total L, total R), "
            f"found {table.shape[1]}",
            path=str(path),
            line=1,
        )
    data = table.to_numpy()
    nan_rows, nan_cols = np.nonzero(np.isnan(data))
    if nan_rows.size:  # pandas pads short rows with NaN: report the row's field count if that is why
        located = _locate(path)
        if located is not None:
            raise located
        raise FileFormatError(
            "empty cell", path=str(path), line=int(nan_rows[0]) + 1, column=int(nan_cols[0]) + 1
        )
    left = data[:, 1:9].astype(np.float32)
    right = data[:, 9:17].astype(np.float32)
    for name, sensors, total_col in (("left", data[:, 1:9], 17), ("right", data[:, 9:17], 18)):
        err = np.abs(sensors.sum(axis=1) - data[:, total_col])
        bad = np.flatnonzero(err > _TOTALS_TOLERANCE_N)
        if bad.size:
            raise FileFormatError(
                f"{name} total ({data[bad[0], total_col]:.2f} N) differs from the sum of its sensors "
                f"({sensors[bad[0]].sum():.2f} N): not a gaitpdb file, or corrupted",
                path=str(path),
                line=int(bad[0]) + 1,
                column=total_col + 1,
            )
    metadata = {
        "source": str(path),
        "format": "physionet-gaitpdb",
        # the files carry no subject: it is the file name's part before "_" (GaCo01_01 -> GaCo01),
        # which a renamed copy changes (P07-week1.txt, P07-week2.txt): said, so that a comparison
        # takes it for weak evidence of who walked
        "subject": path.stem.split("_")[0],
        "subject_from_file_name": True,
        "citation": "Gait in Parkinson's Disease (gaitpdb) v1.0.0, Hausdorff et al., PhysioNet (ODC-By 1.0); "
        "Goldberger et al., Circulation 101(23):e215-e220, 2000",
    }
    if _NAME.match(path.name):  # the dataset's own naming, <study><group><number>_<walk>
        metadata["subject_naming"] = "physionet-gaitpdb"
    try:
        return Recording.from_arrays(
            data[:, 0],
            left,
            right,
            layout=load_layout("physionet8"),
            units="N",
            body_mass_kg=body_mass_kg,
            metadata=metadata,
            rate_hz=RATE_HZ,
        )
    except ValueError as exc:
        raise FileFormatError(str(exc), path=str(path)) from None


def _locate(path: Path) -> FileFormatError | None:
    """The first row with a wrong field count or a non-number, as an error; None if every row parses."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != N_COLUMNS:
                return FileFormatError(
                    f"expected {N_COLUMNS} tab-separated fields, found {len(fields)}",
                    path=str(path),
                    line=lineno,
                )
            for col, cell in enumerate(fields, start=1):
                try:
                    float(cell)
                except ValueError:
                    return FileFormatError(
                        f"not a number: {cell.strip()!r}", path=str(path), line=lineno, column=col
                    )
    return None


def _sniff(path: Path, head: bytes) -> bool:
    return looks_like_physionet_gaitpdb(Path(path), head_text(head))


#: Format-table entry (see :mod:`sensorkit.io.formats`).
FORMAT = FormatSpec(
    name="physionet-gaitpdb",
    extensions=(".txt",),
    sniff=_sniff,
    read=read_physionet_gaitpdb,
    options=frozenset({"body_mass_kg"}),
    description="PhysioNet gaitpdb walk (19 tab-separated columns, N, 100 Hz)",
)
