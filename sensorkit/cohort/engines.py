"""Where the files of a batch are analysed: in this process, in local processes, or on Dask.

Every engine runs :func:`sensorkit.cohort.job.analyse_one` on the same inputs and yields
results as they complete; the caller orders them by ``file_index``, so every engine gives the
same tables. Local processes use the standard library's ``ProcessPoolExecutor`` (spawned, so
Numba and threads are never forked); clusters use ``dask.distributed`` (no home-made
scheduler).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

import pandas as pd

from sensorkit.cohort.job import JobOptions, analyse_one
from sensorkit.errors import SensorkitError

__all__ = [
    "GROUP_BYTES",
    "MAX_GROUP",
    "Result",
    "analyse_group",
    "analyse_group_pickled",
    "dask_client",
    "group_tasks",
    "prepare_worker",
    "run_tasks",
]

Result = tuple[pd.DataFrame, dict[str, Any]]

#: Files are grouped into one task of a pool or a cluster until the group holds this many bytes
#: (a file this large or larger, or of unknown size, is a task of its own).
GROUP_BYTES = 1_000_000
#: At most this many files a task.
MAX_GROUP = 8


_PREPARED = False  # prepare_worker ran in this process


def prepare_worker() -> None:
    """Once per worker process: import the analysis stack, then ``gc.freeze()`` what it created.

    A worker holds far more long-lived objects than the analysis of one file creates (the
    Dask worker's own machinery, pandas, the kernels), and every full collection of the
    cyclic garbage collector walks them all; frozen, they are left out of those walks
    (measured: 1.5 ms of a 16 ms file analysis in a Dask worker). Frozen objects are still
    freed by reference counting; only reference cycles among them are never collected.
    Runs once per process, and only in worker processes sensorkit starts (the process
    pool, a ``dask_client`` LocalCluster): never in the caller's process or on a cluster
    the caller brings.
    """
    global _PREPARED
    if _PREPARED:
        return
    _PREPARED = True
    import gc

    from sensorkit.analysis import analyze  # noqa: F401  (the imports whose objects are frozen)
    from sensorkit.io import read  # noqa: F401

    gc.collect()
    gc.freeze()


def group_tasks(tasks: list[dict], slots: int) -> list[list[dict]]:
    """Consecutive files grouped into the tasks a pool or a cluster runs.

    Every task of a process pool or a Dask cluster costs a few milliseconds of scheduling and
    transfer, in the workers and in the calling process that shares their cores; a one-minute
    session at 100 Hz is analysed in about 50 ms. Dask's own guidance is tasks of 100 ms or
    more (docs.dask.org, "Dask best practices", avoid very small tasks). Files are therefore
    grouped, in order, until a group holds :data:`GROUP_BYTES` on disk or :data:`MAX_GROUP`
    files (a file of :data:`GROUP_BYTES` or more is a task of its own), and to at most
    ``len(tasks) // (4 * slots)`` files, so that from ``4 * slots`` files on every slot gets
    four groups or more and the last ones finish close together. The results do not depend
    on the grouping (each file is analysed alone and the tables are ordered by
    ``file_index``); only how often progress is reported does, and a stopped run keeps the
    results of every group this process has received (a group still running, or finished but
    not yet received, is analysed again by ``--resume``).

    Parameters
    ----------
    tasks : list of dict
        Rows of the task table (``path`` read for its size; a file that cannot be seen from
        this process, e.g. on a remote cluster's disk, is a group of its own).
    slots : int
        Tasks that run at once (workers x threads).

    Returns
    -------
    list of list of dict
        Every task once, in the given order.
    """
    longest = max(1, min(MAX_GROUP, len(tasks) // (4 * max(slots, 1))))
    groups: list[list[dict]] = []
    group: list[dict] = []
    held = 0
    for task in tasks:
        size = _size(task.get("path"))
        if group and size >= GROUP_BYTES:  # a large file is a task of its own
            groups.append(group)
            group, held = [], 0
        group.append(task)
        held += size
        if held >= GROUP_BYTES or len(group) >= longest:
            groups.append(group)
            group, held = [], 0
    if group:
        groups.append(group)
    return groups


def _local_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it): the
    process pool's own default number of workers."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _size(path: Any) -> int:
    """Bytes of a file on disk, or :data:`GROUP_BYTES` when it cannot be seen from here."""
    try:
        return os.stat(path).st_size
    except (OSError, TypeError, ValueError):
        return GROUP_BYTES


def analyse_group(tasks: list[dict], options: JobOptions) -> list[Result]:
    """:func:`analyse_one` of every task of a group, in order (the process pool's task)."""
    return [analyse_one(task, options) for task in tasks]


def analyse_group_pickled(tasks: list[dict], options: JobOptions) -> bytes:
    """:func:`analyse_group`, its results pickled by the task itself (the Dask engine's task).

    A Dask worker sends a returned DataFrame through its own serialisation in the worker's
    event-loop thread, where it competes with the next task for the GIL; a 5,000-step table
    (79 columns) made that the largest per-file cost of a worker. Pickled in the task it
    travels as one bytes frame. Measured, 2 workers on 2 cores, best of 3-4 interleaved runs:
    200 one-minute sessions at 100 Hz 1.49x -> 1.63x in-process, 24 ten-minute sessions at
    1 kHz 1.37x -> 1.45x.
    """
    return pickle.dumps(analyse_group(tasks, options), protocol=pickle.HIGHEST_PROTOCOL)


def run_tasks(
    tasks: list[dict], options: JobOptions, executor: Any = None, workers: int | None = None
) -> Iterator[Result]:
    """Analyse every task; yield ``(steps, session_row)`` as each one completes.

    Parameters
    ----------
    tasks : list of dict
        Rows of the task table.
    options : JobOptions
    executor : None, "processes", or a ``dask.distributed.Client``
        None (or ``"inprocess"``): one after the other here, deterministic order.
        ``"processes"``: ``workers`` local processes. A Dask client: its cluster.
    workers : int, optional
        Number of local processes (default: the machine's cores).
    """
    if executor in (None, "inprocess"):
        for task in tasks:
            yield analyse_one(task, options)
        return
    if executor == "processes":
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=prepare_worker)
        try:
            groups = group_tasks(tasks, workers or _local_cores())
            # no list of the futures is kept: as_completed lets each one go (and its results)
            # once it has been yielded, so the caller holds one group's results at a time
            for fut in as_completed([pool.submit(analyse_group, group, options) for group in groups]):
                yield from fut.result()
        finally:  # also when the caller stops early (an error writing results): queued groups are dropped
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if hasattr(executor, "submit") and hasattr(executor, "gather"):
        from dask.distributed import as_completed as dask_completed

        slots = sum(executor.nthreads().values())  # workers x threads, as the scheduler knows them now
        # a cluster with no workers yet (adaptive, or just started): one file a task
        groups = group_tasks(tasks, slots) if slots else [[task] for task in tasks]
        # one map call, and results fetched in the background as they complete (with_results):
        # per task, a submit and a result() were each a round trip through the client's loop
        futures = executor.map(analyse_group_pickled, groups, options=options, pure=False)
        for fut, result in dask_completed(futures, with_results=True):
            yield from pickle.loads(result)
            fut.release()
        return
    raise SensorkitError(
        f"unknown executor {executor!r}",
        hint="use None (in-process), 'processes', or a dask.distributed.Client",
    )


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: connected to ``scheduler`` (``tcp://host:8786``), or to a new
    ``LocalCluster`` of ``workers`` single-threaded processes on 127.0.0.1, closed on exit."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SensorkitError(
            "Dask is not installed", hint="pip install 'sensorkit[cohort]' (dask[distributed])"
        ) from exc
    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # Dask's nannies run in this process and put their pre-spawn environment into its
    # os.environ before starting each worker. Of that environment the workers keep the thread
    # caps (OMP/MKL/OpenBLAS = 1, one thread per process) but not MALLOC_TRIM_THRESHOLD_:
    # setting it fixes glibc's mmap threshold at 128 kB, so every array the analysis
    # allocates is fresh, zeroed pages (measured on 40 ten-minute sessions at 1 kHz: Dask x2
    # 1.22-1.26x in-process with it, 1.48-1.51x without). What the nannies wrote into the
    # caller's environment is taken back (a worker restart writes it again; it is taken back
    # at the end too); what the caller sets meanwhile is left alone.
    before = dict(os.environ)
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
    finally:
        written = {k: v for k, v in os.environ.items() if before.get(k) != v}
        _take_back(written, before)
    client = Client(cluster)
    try:
        client.run(prepare_worker)  # our own worker processes
        yield client
    finally:
        client.close()
        cluster.close()
        _take_back(written, before)


def _take_back(written: dict[str, str], before: dict[str, str]) -> None:
    """Undo the variables in ``written`` that still hold the value written (others were set
    since by somebody else and are kept): back to their value in ``before``, or removed."""
    for key, value in written.items():
        if os.environ.get(key) != value:
            continue
        if key in before:
            os.environ[key] = before[key]
        else:
            del os.environ[key]
