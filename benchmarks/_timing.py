"""Timing shared by the benchmarks (run as scripts: ``python benchmarks/bench_x.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Fewest seconds of ``repeat`` calls of ``fn``: the run least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def wall(fn: Callable[[], object]) -> Callable[[], float]:
    """``fn`` made to return the seconds its call took (for :func:`best_times_alternating`)."""

    def timed() -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return timed


def best_times_alternating(timed: Sequence[Callable[[], float]], repeat: int) -> list[float]:
    """The fewest seconds each of ``timed`` reports, over ``repeat`` rounds that call each once
    in turn, so that a measured function and its reference share the machine's slow and fast
    spells. Each returns its own time: :func:`wall` for a Python call, or a harness's figure.
    """
    best = [float("inf")] * len(timed)
    for _ in range(repeat):
        for k, fn in enumerate(timed):
            best[k] = min(best[k], fn())
    return best
