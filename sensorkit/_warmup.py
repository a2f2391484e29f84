"""Compile the analysis kernels in a second process during a cold first run (issue 17, goal 6).

A cold first run spends most of its time compiling Numba kernels, one after another, in the
order the pipeline first calls them. With two cores, a helper process (``python -m
sensorkit._warmup``) compiles the same kernels in the *reverse* order and writes them to the
shared cache; the command loads from the cache every kernel the helper finished before the
command reached it, and the two meet in the middle. The helper is started by the CLI only when
the kernel cache is cold (:func:`sensorkit._jit_cache.kernel_cache_is_cold`) and is stopped
when the command ends (or, when the command is killed, stops itself before its next kernel); it never changes a result (it compiles the very signatures the
pipeline uses, ``tests/test_warmup.py``).

Ahead-of-time compilation would need a C compiler at install (``numba.pycc`` is deprecated)
and Numba's cache is tied to the machine and to the source files' time stamps, so neither is
shipped (docs/performance.md "Goal 6").
"""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["ANALYSIS_KERNELS", "compile_kernels", "signatures", "start_helper"]

#: The kernels :func:`sensorkit.analyze` calls, in the order it first calls them: module,
#: function, and the names of its argument types (see :func:`signatures`).
_KERNELS: tuple[tuple[str, str, str], ...] = (
    # column-major sides (Parquet, CSV and the other readers that parse by column) and frame
    # slices of them (a time window): first, so the helper, working from the end, reaches them
    # last (a row-major run, the demo's, never calls them)
    ("sensorkit.kernels.cop", "_copy_rows", "f32_2d_f i8 i8 f32_2d"),
    ("sensorkit.kernels.cop", "_copy_rows", "f32_2d_a i8 i8 f32_2d"),
    # regional loads read the transposed side, (S, n): row-major for a column-major side, and
    # an empty row-major array beside the other layouts (copied in tiles)
    ("sensorkit.kernels.regional", "_regional_loads_by_sensor", "f32_2d f32_2d f64 f32 i64 i64 i64 i64 f64"),
    (
        "sensorkit.kernels.regional",
        "_regional_loads_by_sensor",
        "f32_2d_a f32_2d f64 f32 i64 i64 i64 i64 f64",
    ),
    ("sensorkit.kernels.cop", "cop_frames_into", "f32_2d f32 f32 f32 f8 f32 f32 f32"),
    ("sensorkit.kernels.filters", "moving_average", "f32 i8"),
    ("sensorkit.kernels.events", "detect_contacts", "f32 i64 i8 f8 f8 i8 i8 i8 i64"),
    ("sensorkit.kernels.events", "refine_events", "f32 i64 i64 f8 i8"),
    ("sensorkit.kernels.stance", "stance_force", "f32 f64 i64 i64"),
    ("sensorkit.kernels.loading", "loading_rates", "f32 f32 f64 i64 i64 f8 f8 f8 f8 i8 f8 f8 f8 f8 f8"),
    ("sensorkit.kernels.cop_path", "cop_path_points", "f32 f32 f32 f64 i64 i64 f8 f8"),
    ("sensorkit.kernels.cop_path", "cop_path_metrics", "f32 f32 f64 i64 i64 f8 f8 f8"),
    ("sensorkit.kernels.walking", "strike_index", "f32 f32 f64 i64 i64 f8 f8"),
    (
        "sensorkit.kernels.regional",
        "_regional_loads_by_sensor",
        "f32_2d_f f32_2d f64 f32 i64 i64 i64 i64 f64",
    ),
    ("sensorkit.kernels.walking", "walking_features", "f32 f64 i64 i64 f8 f8"),
    ("sensorkit.kernels.symmetry", "symmetry_index", "f64 f64"),
    ("sensorkit.kernels.symmetry", "symmetry_angle", "f64 f64"),
)
#: ``(module, function)`` of those kernels, each once, in the order the pipeline first calls them.
ANALYSIS_KERNELS: tuple[tuple[str, str], ...] = tuple(dict.fromkeys((m, f) for m, f, _ in _KERNELS))


def signatures() -> list[tuple[tuple[str, str], tuple]]:
    """``((module, function), argument types)`` of each signature in :data:`_KERNELS`, in its
    order, as the pipeline calls them (1-D arrays C-contiguous; 2-D sensor arrays row-major,
    column-major or strided; Python ints and floats are int64 and float64). Imports Numba."""
    from numba import types

    names = {
        "f8": types.float64,
        "i8": types.int64,
        "f32": types.float32[::1],
        "f64": types.float64[::1],
        "i64": types.int64[::1],
        "f32_2d": types.float32[:, ::1],
        "f32_2d_f": types.float32[::1, :],
        "f32_2d_a": types.float32[:, :],
    }
    return [((m, f), tuple(names[t] for t in args.split())) for m, f, args in _KERNELS]


def compile_kernels(reverse: bool = True, parent_pid: int | None = None) -> None:
    """Compile (or load from the cache) every kernel of :data:`ANALYSIS_KERNELS`.

    Parameters
    ----------
    reverse : bool
        Last-called kernel first (what the helper process does), else pipeline order.
    parent_pid : int, optional
        Stop before the next kernel once this process is no longer the parent (the command
        was killed and could not stop the helper itself).
    """
    import importlib

    sigs = signatures()
    for (module, name), sig in reversed(sigs) if reverse else sigs:
        # POSIX re-parents an orphan (on Windows a venv's launcher is the parent: no check)
        if parent_pid is not None and os.name == "posix" and os.getppid() != parent_pid:
            return
        getattr(importlib.import_module(module), name).compile(sig)


def start_helper() -> subprocess.Popen | None:
    """Start the helper process (same interpreter and environment, so the same cache).

    Returns
    -------
    subprocess.Popen or None
        The helper (the caller stops it when done), or None when it could not be started.
    """
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "sensorkit._warmup", str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def stop_helper(helper: subprocess.Popen | None) -> None:
    """Stop the helper if it is still compiling (what it cached so far stays valid)."""
    if helper is None or helper.poll() is not None:
        return
    helper.terminate()
    try:
        helper.wait(timeout=5)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()


if __name__ == "__main__":
    compile_kernels(parent_pid=int(sys.argv[1]) if len(sys.argv) > 1 else None)
