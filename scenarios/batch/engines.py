"""Engines that carry batch tasks to workers: a local process pool, or Dask.

Both run the same worker (`scenarios.batch.members.run_task`) on the same plain-data
tasks and report each plain summary as it arrives, so a run folder does not
depend on the engine that produced it. Each worker process solves one member
at a time with one solver thread (the HiGHS backend runs ``threads=1``), so
``workers`` members run at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scenarios.batch.members import BatchTask, failure_summary, run_task
from scenarios.run.runner import EXIT_BUG
from solver.errors import InputError, InputProblem

__all__ = ["ENGINES", "PARENT_CHECK_SECONDS", "die_with", "run_dask", "run_local", "worker_pool"]

ENGINES = ("local", "dask")
OnDone = Callable[[dict[str, Any]], None]


def _spawn() -> multiprocessing.context.BaseContext:
    """A fresh-process start method: never plain fork (the parent runs a progress thread).

    forkserver forks workers from a clean single-threaded server that has
    imported the worker's modules once, so each worker starts at once; spawn
    (where forkserver does not exist) imports them again in every worker.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["scenarios.batch.members"])
        return ctx
    return multiprocessing.get_context("spawn")


#: How often a worker checks that the batch that started it is still alive (seconds).
PARENT_CHECK_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a killed parent not yet reaped is a zombie: dead)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not sys.platform.startswith("linux")


def _watch(batch_pid: int) -> None:
    while _alive(batch_pid):
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGKILL)  # no member outlives its batch: nothing to finish


def die_with(batch_pid: int) -> None:
    """Worker initialiser: end this worker when the batch process ends, however it ends.

    The kernel kills the worker when its parent dies (Linux ``PR_SET_PDEATHSIG``:
    the forkserver, which itself exits with the batch); a watcher thread
    catches every other case within `PARENT_CHECK_SECONDS`. A member killed
    mid-write leaves only hidden staging, which the next batch recovers.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch, args=(batch_pid,), name="batch-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process (see `die_with`)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_spawn(), initializer=die_with, initargs=(os.getpid(),)
    )


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes now (shutdown would wait for running members)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _isolated(task: BatchTask) -> dict[str, Any]:
    """Run one task in a process of its own, so a crash takes down only this member."""
    with worker_pool(1) as pool:
        try:
            return pool.submit(run_task, task).result()
        except BrokenProcessPool:
            return failure_summary(task, "the worker process died (crash or out of memory)", EXIT_BUG)


def run_local(tasks: list[BatchTask], workers: int, on_done: OnDone) -> list[dict[str, Any]]:
    """Run tasks on a local process pool of ``workers`` processes.

    Parameters
    ----------
    tasks : list[BatchTask]
        Members to run.
    workers : int
        Processes (members solved at once).
    on_done : callable
        Called with each summary as soon as its member finishes.

    Returns
    -------
    list[dict]
        Summaries in task order.

    Notes
    -----
    A worker that dies (segfault, out of memory) breaks a process pool and
    every member still queued on it; those members are run again, each in a
    process of its own, so only the member that crashes is reported failed.
    """
    results: dict[int, dict[str, Any]] = {}
    retry: list[int] = []
    pool = worker_pool(max(1, min(workers, len(tasks) or 1)))
    try:
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(run_task, t): i for i, t in enumerate(tasks)
        }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=futures.__getitem__):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except BrokenProcessPool:
                    retry.append(i)
                    continue
                except Exception as e:  # e.g. a task that cannot be pickled
                    results[i] = failure_summary(tasks[i], f"{type(e).__name__}: {e}", EXIT_BUG)
                on_done(results[i])
    except BaseException:
        _stop_workers(pool)  # interrupted: members in flight are abandoned, not waited for
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if retry:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
            again = {threads.submit(_isolated, tasks[i]): i for i in sorted(retry)}
            for fut in again:
                results[again[fut]] = fut.result()
                on_done(results[again[fut]])
    return [results[i] for i in range(len(tasks))]


def run_dask(
    tasks: list[BatchTask],
    workers: int,
    on_done: OnDone,
    scheduler: str | None = None,
    on_ready: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run tasks on Dask: a LocalCluster of ``workers`` processes, or an existing scheduler.

    Parameters
    ----------
    tasks : list[BatchTask]
        Members to run (their folders must be on storage every worker can reach).
    workers : int
        Worker processes of the LocalCluster (one thread each); ignored with ``scheduler``.
    on_done : callable
        Called with each summary as soon as its member finishes.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    on_ready : callable, optional
        Called once connected, with the number of worker threads (members run at once).

    Returns
    -------
    list[dict]
        Summaries in task order.

    Raises
    ------
    InputError
        Dask is not installed (it is the optional extra ``terraquota[dask]``).
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(
            InputProblem(
                "--engine",
                None,
                None,
                "the dask engine needs the optional extra: pip install 'terraquota[dask]'",
            )
        ) from None
    results: dict[int, dict[str, Any]] = {}
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None
        )
    client = Client(cluster if cluster is not None else scheduler)
    try:
        if on_ready is not None:
            on_ready(sum(client.nthreads().values()))
        futures = client.map(run_task, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                results[i] = fut.result()
            except Exception as e:  # KilledWorker and friends: the member, not the batch, fails
                results[i] = failure_summary(tasks[i], f"{type(e).__name__}: {e}", EXIT_BUG)
            on_done(results[i])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [results[i] for i in range(len(tasks))]
