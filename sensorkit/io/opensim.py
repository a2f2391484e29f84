"""OpenSim ``.mot`` external loads: per-foot force and centre of pressure for musculoskeletal models.

The file follows OpenSim's storage format (OpenSim documentation, "Storage (.sto) and
Motion (.mot) files"): a header of ``name``, ``version=1``, ``nRows=``, ``nColumns=``
(time included), ``inDegrees=no`` and ``endheader``, then one tab-separated line of column
labels and one line per frame. A few extra ``sensorkit_...=...`` header lines say what
the numbers mean; OpenSim's readers keep header lines they do not know as metadata.

Columns, per recorded foot (``r`` right, ``l`` left), in the naming of OpenSim's own
external-load examples (force identifier ``ground_force_r_v``, point identifier
``ground_force_r_p``, torque identifier ``ground_torque_r_`` in an ExternalLoads file; see
:func:`external_loads_xml`)::

    time  ground_force_r_vx vy vz (N)  ground_force_r_px py pz (m)  ground_torque_r_x y z (N m)

What an insole can and cannot give
----------------------------------
An insole measures only the force normal to its surface and where it acts on the insole.
So ``vy`` is the total normal force (N), ``vx = vz = 0`` (no shear is measured) and the
torques are 0 (no free moment is measured). The normal force equals the vertical ground
reaction only while the foot is flat.

Axes follow OpenSim's convention (y up, x forward, z to the right). Without a placement
the point is in each **insole's own frame**, in metres: origin at the heel end of the
insole's long axis, ``px`` anterior (the insole's y), ``py = 0`` (the insole surface),
``pz`` to the right (the insole's x is medial, so ``pz = -x`` for the right foot and
``+x`` for the left). That frame moves with the foot: the lab must either apply the load
in the foot body (``force_expressed_in_body`` and ``point_expressed_in_body`` set to the
calcaneus, with the offset of the insole heel from that body's origin; what
:func:`external_loads_xml` writes by default) or transform the point into the ground frame
with the foot's tracked pose. With ``placement`` (a static foot position, e.g. standing on
marked spots) the point is written in the ground frame: ``p_ground = origin_m +
R_y(heading) p_insole`` (a rotation about the vertical axis).

Unloaded frames (total force below ``min_force_n``) have no COP; they are written as zero
force and zero point, the way force-plate exports to OpenSim threshold swing phases.

Missing data: OpenSim's ``Storage`` reader (used by ExternalLoads) reads ``NaN`` as 0 and
then loses its place in the row, and it interpolates across absent rows. So a recording
with gaps is refused by default (``missing="error"``); ``missing="omit"`` leaves out the
frames where a written foot is missing (OpenSim will interpolate across them: a choice the
caller makes knowingly), and ``missing="nan"`` writes ``NaN`` cells (for OpenSim's
``TimeSeriesTable``, pandas or MATLAB, not for ExternalLoads). ``.mot`` has no place for
events: ``rec.events`` are not written (use C3D or CSV to keep them).

>>> import sensorkit as sk
>>> from sensorkit.io.opensim import write_mot
>>> write_mot(sk.simulate(duration_s=5, seed=1), "walk_grf.mot")  # doctest: +SKIP
PosixPath('walk_grf.mot')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensorkit.errors import SensorkitError
from sensorkit.io.foot_loads import COP_MIN_FORCE_N, foot_loads, has_forces
from sensorkit.io.spec import write_only
from sensorkit.outputs import atomic_output
from sensorkit.recording import Recording

__all__ = [
    "FORMAT",
    "MISSING_POLICIES",
    "MOT_SCHEMA",
    "FootPlacement",
    "external_loads_xml",
    "mot_columns",
    "write_mot",
]

MOT_SCHEMA = "sensorkit.mot/1"
#: What :func:`write_mot` does with missing frames (see the module docstring).
MISSING_POLICIES = ("error", "omit", "nan")
_SIDE_KEY = {"right": "r", "left": "l"}
_MM_TO_M = 1e-3


@dataclass(frozen=True)
class FootPlacement:
    """Where an insole lies in OpenSim's ground frame (static: the foot does not move).

    Parameters
    ----------
    origin_m : sequence of 3 float
        Position of the insole's origin (heel end of its long axis) in the ground frame (m).
    heading_deg : float
        Rotation of the insole about the vertical (y) axis, right-handed, in degrees:
        0 means the insole points along ground +x; 90 means along ground -z.
    """

    origin_m: Sequence[float] = (0.0, 0.0, 0.0)
    heading_deg: float = 0.0

    def to_ground(self, p_m: np.ndarray) -> np.ndarray:
        """Points (n, 3) in the insole's OpenSim-oriented frame -> ground frame (m)."""
        a = math.radians(self.heading_deg)
        c, s = math.cos(a), math.sin(a)
        rot = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # R_y(a)
        return p_m @ rot.T + np.asarray(self.origin_m, dtype=np.float64)


def mot_columns(sides: Sequence[str]) -> list[str]:
    """Column labels of a .mot file for ``sides`` (right first, as OpenSim's examples), time first."""
    cols = ["time"]
    for side in ("right", "left"):
        if side not in sides:
            continue
        k = _SIDE_KEY[side]
        cols += [f"ground_force_{k}_v{a}" for a in "xyz"]
        cols += [f"ground_force_{k}_p{a}" for a in "xyz"]
        cols += [f"ground_torque_{k}_{a}" for a in "xyz"]
    return cols


def _side_block(
    rec: Recording, side: str, min_force_n: float, placement: FootPlacement | None
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 9) float64 columns of one foot and the (n,) mask of delivered frames."""
    loads = foot_loads(rec, side, min_force_n=min_force_n)
    n = rec.n_frames
    force = loads.force_n.astype(np.float64)
    loaded = force >= min_force_n  # False for NaN (missing) frames too
    block = np.zeros((n, 9))
    block[:, 1] = np.where(loaded, force, 0.0)
    x_med = np.where(loaded, loads.cop_x_mm.astype(np.float64), 0.0) * _MM_TO_M
    y_ant = np.where(loaded, loads.cop_y_mm.astype(np.float64), 0.0) * _MM_TO_M
    z_right = -x_med if side == "right" else x_med  # medial is to the left of a right foot
    p = np.column_stack([y_ant, np.zeros(n), z_right])
    if placement is not None:
        p = np.where(loaded[:, None], placement.to_ground(p), 0.0)
    block[:, 3:6] = p
    block[~loads.delivered, :] = np.nan
    return block, loads.delivered


def write_mot(
    rec: Recording,
    path: str | Path,
    *,
    min_force_n: float = COP_MIN_FORCE_N,
    placement: Mapping[str, FootPlacement] | None = None,
    missing: str = "error",
    overwrite: bool = False,
) -> Path:
    """Write the per-foot external loads of ``rec`` as an OpenSim ``.mot`` file (see the module docstring).

    Parameters
    ----------
    rec : Recording
        Values in N, or kPa with known sensor areas. Both feet, or one.
    path : str or Path
        The file to write (written beside it under a temporary name, then renamed).
    min_force_n : float
        Frames whose total force of a foot is below this (N) are written as unloaded (zero
        force and point) for that foot. 0 keeps every positive force.
    placement : mapping of side -> FootPlacement, optional
        Static position of each insole in the ground frame; with it, points are in the
        ground frame. Must name every recorded side. Default: each insole's own frame.
    missing : {"error", "omit", "nan"}
        What to do when ``rec`` has gaps (see the module docstring).
    overwrite : bool
        Replace ``path`` if it exists (default: refuse).

    Returns
    -------
    Path
        The file written. Its shape is nRows = frames written, nColumns = 1 + 9 per foot.

    Raises
    ------
    SensorkitError
        Gaps with ``missing="error"`` (naming the first one); kPa values without sensor
        areas; a placement that does not name every recorded side; all frames omitted.
    ValueError
        An unknown ``missing`` policy.
    FileExistsError
        ``path`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> write_mot(rec, "stand.mot", placement={"left": FootPlacement((0, 0, -0.1)),
    ...                                        "right": FootPlacement((0, 0, 0.1))})  # doctest: +SKIP
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, not {missing!r}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (or --force) to replace it")
    if not has_forces(rec):
        raise SensorkitError(
            f"the recording holds pressures (kPa) and layout {rec.layout.name!r} has no sensor areas, "
            "so there is no force to write",
            hint="use a layout with sensor areas",
        )
    sides = [s for s in ("right", "left") if s in rec.sides]
    if placement is not None:
        absent = [s for s in sides if s not in placement]
        if absent:
            raise SensorkitError(
                f"placement names {sorted(placement)} but not the recorded side(s) {absent}",
                hint="give a FootPlacement for every recorded side, or none",
            )
    if missing == "error" and len(rec.gaps):
        g = rec.gaps.iloc[0]
        raise SensorkitError(
            f"the recording has {len(rec.gaps)} gap(s), the first on side {g['side']}: {int(g['n_missing'])} "
            f"frame(s) missing from {float(g['start_s']) + 1.0 / rec.rate_hz:.3f} s ({g['reason']}); OpenSim's "
            "Storage reader cannot read NaN and interpolates across absent rows",
            hint="pass missing='omit' (rows left out; OpenSim interpolates across them) or missing='nan' "
            "(NaN cells, for TimeSeriesTable or pandas, not ExternalLoads): on the command line "
            "`sensorkit convert IN OUT.mot --missing omit`; or write a gap-free rec.slice_time(start_s, stop_s)",
        )
    blocks, keep = [], np.ones(rec.n_frames, dtype=bool)
    for side in sides:
        block, delivered = _side_block(rec, side, min_force_n, None if placement is None else placement[side])
        blocks.append(block)
        keep &= delivered
    data = np.column_stack([rec.time, *blocks])
    if missing == "omit":
        data = data[keep]
    if data.shape[0] == 0:
        raise SensorkitError("no frame has data from every recorded foot; nothing to write")
    frame = (
        "ground: placement given (x forward, y up, z right)"
        if placement is not None
        else "insole: each foot's own frame, origin at the heel end of the insole, x anterior, y normal, z right"
    )
    header = [
        path.name,
        "version=1",
        f"nRows={data.shape[0]}",
        f"nColumns={data.shape[1]}",
        "inDegrees=no",
        f"sensorkit_schema={MOT_SCHEMA}",
        f"sensorkit_point_frame={frame}",
        f"sensorkit_min_force_n={min_force_n:g}",
        "sensorkit_measured=normal force (vy) and its point; no shear (vx = vz = 0), no free moment",
        "endheader",
        "\t".join(mot_columns(sides)),
    ]
    _write_atomic(path, header, data)
    return path


def _write_atomic(path: Path, header: list[str], data: np.ndarray) -> None:
    # a new file gets the umask's permissions (mkstemp gave 0600); a replaced one keeps its own
    with atomic_output(path) as tmp, tmp.open("w", encoding="ascii", newline="\n") as fh:
        fh.write("\n".join(header) + "\n")
        fmt = "\t".join(["%.6f"] + ["%.8g"] * (data.shape[1] - 1))
        np.savetxt(fh, data, fmt=fmt)  # NaN prints as "nan"


def external_loads_xml(
    mot_file: str | Path,
    sides: Sequence[str] = ("right", "left"),
    *,
    bodies: Mapping[str, str] | None = None,
    ground_frame: bool = False,
) -> str:
    """An OpenSim ExternalLoads XML document applying a :func:`write_mot` file to a model.

    Parameters
    ----------
    mot_file : str or Path
        The ``.mot`` file, as the XML should name it (``datafile``).
    sides : sequence of {"right", "left"}
        The feet in the file.
    bodies : mapping of side -> body name, optional
        Body each load is applied to; default ``calcn_r`` / ``calcn_l`` (gait2392,
        Rajagopal 2015 models).
    ground_frame : bool
        False (default, a file written without placement): force and point are expressed
        in the foot body, which assumes the insole frame's axes match that body's and its
        origin is the body's origin (the lab must check both for its model). True (a
        file written with placement): both are expressed in ``ground``.

    Returns
    -------
    str
        The XML text (OpenSim 4 ``ExternalLoads`` with one ``ExternalForce`` per foot).
    """
    bodies = {"right": "calcn_r", "left": "calcn_l", **(bodies or {})}
    forces = []
    for side in sides:
        k, body = _SIDE_KEY[side], bodies[side]
        frame = "ground" if ground_frame else body
        forces.append(
            f"""\t\t\t<ExternalForce name="{side}_insole">
\t\t\t\t<applied_to_body>{body}</applied_to_body>
\t\t\t\t<force_expressed_in_body>{frame}</force_expressed_in_body>
\t\t\t\t<point_expressed_in_body>{frame}</point_expressed_in_body>
\t\t\t\t<force_identifier>ground_force_{k}_v</force_identifier>
\t\t\t\t<point_identifier>ground_force_{k}_p</point_identifier>
\t\t\t\t<torque_identifier>ground_torque_{k}_</torque_identifier>
\t\t\t\t<data_source_name>{Path(mot_file).name}</data_source_name>
\t\t\t</ExternalForce>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<OpenSimDocument Version="40000">\n'
        '\t<ExternalLoads name="insole_loads">\n'
        "\t\t<objects>\n" + "\n".join(forces) + "\n\t\t</objects>\n"
        f"\t\t<datafile>{mot_file}</datafile>\n"
        "\t</ExternalLoads>\n"
        "</OpenSimDocument>\n"
    )


def _write_replacing(rec: Recording, path: str | Path) -> Path:
    """``sk.write`` replaces an existing file (the CLI asks for --force first)."""
    return write_mot(rec, path, overwrite=True)


#: This format's entry for sensorkit.io.formats.FORMAT_TABLE: written by ``sk.write``, never read.
FORMAT = write_only(
    "opensim-mot",
    (".mot",),
    _write_replacing,
    what="OpenSim .mot files",
    binary=False,
    description="OpenSim external loads (written only): force and COP per foot",
)
