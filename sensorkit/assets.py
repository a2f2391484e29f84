"""Built-in calibration assets (layouts, sensor response curves): where they are, how to load one.

In an installed wheel the assets live in ``sensorkit/_calibration``; in a source checkout
(editable install) they are the top-level ``calibration/`` folder. Each kind of asset is a
sub-folder of JSON files (``layouts/``, ``sensors/``) named after the asset.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sensorkit._json import load_json
from sensorkit.errors import CalibrationError

__all__ = ["builtin_names", "calibration_dir", "read_asset_json"]


def calibration_dir() -> Path:
    """Folder holding the calibration assets."""
    packaged = resources.files("sensorkit").joinpath("_calibration")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "calibration"
    if checkout.is_dir():
        return checkout
    raise CalibrationError(
        "sensorkit's calibration assets are missing from this installation",
        hint="reinstall sensorkit (pip install --force-reinstall sensorkit)",
    )


def builtin_names(folder: str) -> list[str]:
    """Names of the built-in assets in ``folder`` (``"layouts"`` or ``"sensors"``)."""
    return sorted(p.stem for p in (calibration_dir() / folder).glob("*.json"))


def read_asset_json(folder: str, name_or_path: str | Path, what: str) -> tuple[dict, Path]:
    """Parse a built-in asset by name, or a JSON file by path.

    Parameters
    ----------
    folder : str
        Asset folder of built-ins (``"layouts"``, ``"sensors"``).
    name_or_path : str or Path
        A built-in name or a path to a ``.json`` file.
    what : str
        What the asset is, for messages ("layout", "sensor response curves").

    Returns
    -------
    (dict, Path)
        The parsed JSON and the file it came from.

    Raises
    ------
    CalibrationError
        Unknown name or unreadable file.
    """
    path = Path(name_or_path)
    if path.suffix.lower() != ".json" or not path.exists():
        candidate = calibration_dir() / folder / f"{name_or_path}.json"
        if not candidate.exists():
            raise CalibrationError(
                f"unknown {what} {str(name_or_path)!r}",
                hint=f"built-in: {', '.join(builtin_names(folder))}; or give a path to a {what} JSON file",
            )
        path = candidate
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"cannot read {what} file {path}: {exc}") from exc
    spec = load_json(data, source=str(path), what=f"{what} file",
                     error=lambda msg: CalibrationError(f"cannot read {what} file {path}: {msg}"))  # fmt: skip
    if not isinstance(spec, dict):
        raise CalibrationError(
            f"cannot read {what} file {path}: the top level must be an object, not {type(spec).__name__}"
        )
    return spec, path
