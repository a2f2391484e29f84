"""Start-up (issue 17, goals 6 and 8): lazy import, a --help that imports no command, the
first-compile message, and kernels that still import where Numba's cache is read-only.

Each check runs in a fresh interpreter (a real subprocess), since this test process has
long since imported everything.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

import sensorkit as sk
from sensorkit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "numba", "rich", "matplotlib", "pyarrow")


def run_python(
    code: str, env: dict | None = None, prefix: tuple[str, ...] = (), cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*prefix, sys.executable, "-c", code],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,  # python -c puts the working directory first on sys.path
    )


def test_help_lists_every_verb_with_the_help_its_module_registers():
    # the lazy table in sensorkit.cli against the parsers the command modules build
    assert build_parser(()).format_help() == build_parser().format_help()


def test_import_and_help_load_no_heavy_module():
    out = run_python(
        "import sys\n"
        "import sensorkit\n"
        "from sensorkit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert out.returncode == 0, out.stderr
    assert "positional arguments" in out.stdout and "demo" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_public_names_resolve_on_first_use_and_functions_are_not_hidden_by_subpackages():
    out = run_python(
        "import sys, types\n"
        "import sensorkit as sk\n"
        "import sensorkit.simulate.core, sensorkit.recommend.runner\n"  # subpackages first
        "assert isinstance(sk.simulate, types.FunctionType), sk.simulate\n"
        "assert isinstance(sk.recommend, types.FunctionType), sk.recommend\n"
        "assert 'pandas' in sys.modules\n"
        "print(sk.simulate(duration_s=2, seed=1).n_frames)"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "200"
    for name in sk.__all__:
        value = getattr(sk, name)
        assert not isinstance(value, types.ModuleType) or name == "layouts", name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sk.nope  # noqa: B018


def test_a_cold_kernel_cache_is_announced_once_and_a_warm_one_not(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "HOME": str(tmp_path)}
    code = (
        "import sys\nfrom sensorkit.cli import main\n"
        f"sys.exit(main(['simulate', '-o', {str(tmp_path / 'walk.csv')!r}, '--duration', '2', '--force']))"
    )
    cold = run_python(code, env)
    assert cold.returncode == 0, cold.stderr
    said = [line for line in cold.stderr.splitlines() if "compiling the analysis kernels" in line]
    assert len(said) == 1, cold.stderr
    warm = run_python(code, env)
    assert warm.returncode == 0, warm.stderr
    assert "compiling" not in warm.stderr


def test_the_spinner_mentions_compiling_only_when_the_kernel_cache_is_cold(tmp_path, monkeypatch):
    """The analysing spinner said "the first run compiles the Numba kernels" on every run."""
    from sensorkit import _jit_cache
    from sensorkit._jit_cache import _kernel_cache_dirs
    from sensorkit.cli.analyze import first_run_note

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_jit_cache, "_first_answer", None)  # as in a new process
    monkeypatch.setattr(_jit_cache, "_said", False)
    assert first_run_note(terminal=True) == " (the first run compiles the Numba kernels, a few seconds)"
    monkeypatch.setattr(_jit_cache, "_said", False)
    index_dir = _kernel_cache_dirs()[0]
    index_dir.mkdir(parents=True)
    (index_dir / f"cop.cop_frames-1.py{sys.version_info.major}{sys.version_info.minor}.nbi").write_bytes(b"")
    assert first_run_note(terminal=True) != ""  # the answer at the process's first look is kept (see below)
    monkeypatch.setattr(_jit_cache, "_first_answer", None)
    monkeypatch.setattr(_jit_cache, "_said", False)
    assert first_run_note(terminal=True) == ""


def test_a_cold_first_run_is_announced_once_by_the_spinner_or_by_the_line(tmp_path, monkeypatch, capsys):
    """On a terminal both the first-run line and the spinner's note said that the kernels compile."""
    import io

    from sensorkit import _jit_cache
    from sensorkit.cli.analyze import first_run_note

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_jit_cache, "_first_answer", None)
    monkeypatch.setattr(_jit_cache, "_said", False)
    assert first_run_note(terminal=True) != ""  # the spinner says it ...
    err = io.StringIO()
    _jit_cache.say_compiling(err)
    assert err.getvalue() == ""  # ... so the line does not
    monkeypatch.setattr(_jit_cache, "_said", False)
    _jit_cache.say_compiling(err)  # the line came first (a kernel compiled before the spinner)
    assert "compiling the analysis kernels" in err.getvalue()
    assert first_run_note(terminal=True) == ""  # the spinner does not repeat it
    monkeypatch.setattr(_jit_cache, "_said", False)
    assert first_run_note(terminal=False) == ""  # no spinner: the line will say it
    assert not _jit_cache.compiling_said()


def test_batch_with_dask_workers_says_they_compile_although_the_helper_fills_the_cache(tmp_path):
    """The compiling helper filled the cache while the Dask cluster started, so the check made
    at the first file found it warm and `batch --workers` never said anything (bar at 0/N for
    10 s). The answer of the command's first look is kept."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "HOME": str(tmp_path)}
    code = (
        "import sys\nfrom pathlib import Path\nfrom sensorkit import _jit_cache\n"
        "assert _jit_cache.kernel_cache_is_cold()\n"
        "d = _jit_cache._kernel_cache_dirs()[0]; d.mkdir(parents=True)\n"  # the helper's first kernel
        f"(d / 'cop.cop_frames-1.py{sys.version_info.major}{sys.version_info.minor}.nbi').write_bytes(b'')\n"
        "print(_jit_cache.kernel_cache_is_cold(), _jit_cache.cache_was_cold())"
    )
    out = run_python(code, env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


def _read_only_copy(dst: Path) -> None:
    shutil.copytree(ROOT / "sensorkit", dst / "sensorkit", ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(dst.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)


def _drop_root_override() -> tuple[str, ...]:
    """As root, permission bits bind only without CAP_DAC_OVERRIDE: run under setpriv."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: read-only permission bits do not bind root")
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}")


def test_kernels_import_with_a_read_only_package_and_no_writable_home():
    work = Path(tempfile.mkdtemp(prefix="sensorkit-ro-"))
    try:
        _read_only_copy(work)
        (work / "ro-cache").mkdir(mode=0o555)
        (work / "tmp").mkdir()
        env = {
            "PYTHONPATH": str(work),
            "XDG_CACHE_HOME": str(work / "ro-cache"),  # Numba's user-wide cache: read-only
            "TMPDIR": str(work / "tmp"),
        }  # and no HOME
        code = (
            "import warnings\nwarnings.simplefilter('always')\n"
            "import numpy as np\n"
            "import sensorkit.kernels.symmetry as s\n"
            "print(s.symmetry_index(np.array([3.0, 1.0]), np.array([1.0, 1.0])).tolist())"
        )
        out = run_python(code, env, _drop_root_override(), cwd=work)
        assert (
            str(work / "sensorkit")
            in run_python("import sensorkit; print(sensorkit.__file__)", env, cwd=work).stdout
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "[100.0, 0.0]"
        assert out.stderr.count("JitCacheWarning") == 1, out.stderr
        cache = work / "tmp" / f"sensorkit-numba-cache-{os.getuid()}"
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        assert list(cache.rglob("symmetry.symmetry_index-*.nbi")), "kernel not cached in the fallback"
        assert not list((work / "sensorkit").rglob("*.nbi"))
    finally:
        for path in work.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(work)


def test_the_cli_turns_numpys_huge_page_advice_off_only_in_its_own_process_and_never_over_the_user():
    import os
    import subprocess
    import sys

    code = (
        "import os, sys, tempfile; from sensorkit.cli import main; "
        "main(['simulate', '--duration', '2', '-o', os.path.join(tempfile.mkdtemp(), 's.csv')]); "
        "from numpy._core.multiarray import _set_madvise_hugepage as s; "
        "print(os.environ.get('NUMPY_MADVISE_HUGEPAGE'), s(False))"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    # NumPy loaded during the command without the advice; the variable is gone afterwards
    assert out.stdout.split()[-2:] == ["None", "False"], out.stderr
    env["NUMPY_MADVISE_HUGEPAGE"] = "1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split()[-2:] == ["1", "True"], out.stderr  # the user's choice is kept
