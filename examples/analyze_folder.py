"""Analyse every recording in a folder into one table (one row per recording).

Without a folder, a demo folder is made in a temporary directory: three simulated runs
(normal, flat and high-arched feet) and the PhysioNet walks bundled with the tests.

    python examples/analyze_folder.py                       # demo folder
    python examples/analyze_folder.py recordings/ --out results/ --mass 70

Files of every format sensorkit reads are found in the folder and its subfolders. For
thousands of recordings, ``sensorkit batch`` (docs/cohorts.md) does the same in parallel and
can resume.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import pandas as pd

import sensorkit as sk

REPO = Path(__file__).resolve().parents[1]
COLUMNS = ["file", "steps", "cadence_spm", "contact_time_s_left", "contact_time_s_right", "gaps", "error"]


def recordings(folder: Path) -> list[Path]:
    """Every file below ``folder`` (subfolders too) in a format sensorkit reads."""
    from sensorkit.io import detect_format

    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        try:
            detect_format(path)
        except sk.SensorkitError:  # READMEs, licences, sensorkit's own C3D/.mot outputs
            continue
        found.append(path)
    return found


def analyse_file(path: Path, body_mass_kg: float | None) -> dict:
    """One table row: duration, steps, cadence and per-side means with their symmetry index."""
    res = sk.analyze(sk.read(path), body_mass_kg=body_mass_kg)
    f = "bw" if res.force_units == "BW" else "n"
    row = {
        "file": path.name,
        "force_units": res.force_units,
        "activity": res.activity,
        "steps": int(res.counts.loc["both", "n_valid"]),
        "steady_state_steps": int(res.counts.loc["both", "n_steady_state"]),
        "cadence_spm": res.cadence_spm,
    }
    for metric in ("contact_time_s", f"peak_force_{f}", f"valr_{f}_s", "strike_index_pct"):
        if metric in res.summary.index:
            s = res.summary.loc[metric]
            row.update(
                {
                    f"{metric}_left": s["left"],
                    f"{metric}_right": s["right"],
                    f"{metric}_si_pct": s["symmetry_index_pct"],
                }
            )
    row["asymmetry_flags"] = ", ".join(res.asymmetry.index[res.asymmetry["flag"].to_numpy(bool)])
    row["gaps"] = len(res.gaps)
    return row


def demo_folder(root: Path) -> Path:
    """Three short simulated runs and the bundled PhysioNet walks."""
    folder = root / "recordings"
    folder.mkdir()
    for k, foot in enumerate(("normal", "flat", "high")):
        sk.write(sk.simulate(duration_s=20, seed=k, foot_type=foot), folder / f"run_{foot}.csv")
    for src in sorted((REPO / "tests" / "data" / "physionet-gaitpdb").glob("*.txt")):
        shutil.copy(src, folder / src.name)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="folder of recordings (default: a demo folder)")
    parser.add_argument("--out", help="folder for table.csv (default: a temporary folder)")
    parser.add_argument("--mass", type=float, help="body mass in kg for files that do not state it")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sensorkit-folder-"))
    folder = Path(args.folder) if args.folder else demo_folder(work)
    out = Path(args.out) if args.out else work
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in recordings(folder):
        try:
            rows.append(analyse_file(path, args.mass))
        except (sk.SensorkitError, ValueError) as exc:  # one bad file does not stop the batch
            rows.append({"file": path.name, "error": str(exc)})
    table = pd.DataFrame(rows, columns=None if rows else COLUMNS)
    table.to_csv(out / "table.csv", index=False)
    with pd.option_context("display.width", 160, "display.max_columns", 8, "display.precision", 3):
        print(table.reindex(columns=[c for c in COLUMNS if c in table or c != "error"]))
    print(f"wrote {out / 'table.csv'} ({len(table)} recordings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
