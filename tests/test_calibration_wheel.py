"""The calibration assets ship inside the wheel and are found from site-packages.

Builds a wheel of this checkout (``pip wheel --no-deps``), installs it non-editable into a
fresh virtual environment and, from another working directory and without PYTHONPATH,
checks that the built-in layouts and response curves come from the installed package, not
from the checkout. The runtime dependencies (numpy, pandas, numba, ...) are borrowed from
the test interpreter through a ``.pth`` file. Building needs hatchling: taken from the test
interpreter when importable, otherwise installed from PyPI into the temporary venv (the test
is skipped when that is impossible, e.g. offline).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

# builds a wheel (~4 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent

CHECK = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import numpy as np
    import sensorkit
    from sensorkit.layout import calibration_dir
    from sensorkit.calibrate import builtin_responses, load_response, counts_to_values

    site = Path(sys.argv[1]).resolve()
    pkg = Path(sensorkit.__file__).resolve().parent
    assets = calibration_dir().resolve()
    assert pkg.parent == site, f"sensorkit imported from {pkg}, not from {site}"
    assert assets == pkg / "_calibration", f"assets found at {assets}"
    layouts = sensorkit.builtin_layouts()
    assert {"ref16", "physionet8"} <= set(layouts), layouts
    assert "ref16-fsr" in builtin_responses()
    resp = load_response("ref16-fsr")
    out = counts_to_values(np.full((1, 16), 2047.5), resp).values
    assert np.allclose(out[0], resp.model.scale), out
    assert (assets / "README.md").is_file()
    print(json.dumps({"layouts": layouts, "responses": builtin_responses(), "assets": str(assets)}))
    """
)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, **kw)


@pytest.mark.slow
def test_wheel_ships_layouts_and_response_curves(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")
    }
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], env=env)
    assert made.returncode == 0, made.stderr
    vpy = venv / "bin" / "python"
    pip_quiet = ["-m", "pip", "--disable-pip-version-check", "-q"]
    if importlib.util.find_spec("hatchling") is not None:
        builder = sys.executable
    else:
        got = _run([str(vpy), *pip_quiet, "install", "hatchling"], env=env)
        if got.returncode != 0:
            pytest.skip(f"hatchling is not installed and could not be fetched: {got.stderr.strip()[-200:]}")
        builder = str(vpy)
    dist = tmp_path / "dist"
    built = _run(
        [builder, *pip_quiet, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        env=env,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("sensorkit-*.whl")
    inst = _run([str(vpy), *pip_quiet, "install", "--no-deps", "--no-index", str(wheel)], env=env)
    assert inst.returncode == 0, inst.stderr
    site = Path(
        _run(
            [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env
        ).stdout.strip()
    )
    # Runtime dependencies from the test interpreter; appended after the venv's own site-packages,
    # and .pth files inside those folders are not processed (so an editable install stays out).
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = _run([str(vpy), "-c", CHECK, str(site)], cwd=elsewhere, env=env)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert '"ref16-fsr"' in checked.stdout
