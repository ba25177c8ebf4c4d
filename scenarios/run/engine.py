"""The engine one run's blocks and pieces are solved on: local processes, or a Dask cluster.

``terraquota run SCENARIO --engine dask [--scheduler tcp://host:8786]`` installs
a Dask engine (`solver.assignment.executor`) around the solve: a LocalCluster
of ``workers`` single-threaded processes, or the cluster of a running
scheduler (the same Dask that ``terraquota batch --engine dask`` uses). The
problem is sent to the workers once (scattered) and every task refers to it.
Tasks are the solver's own functions of plain data, so the plan is the same
byte for byte as with local processes; only the run's machine writes files.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Executor, Future
from contextlib import contextmanager
from typing import Any

from solver.assignment.executor import BlockEngine, local_processes, using_engine
from solver.errors import InputError, InputProblem
from solver.problem import Problem

ENGINES = ("local", "dask")


class _InOrder(Executor):
    """Sends each `Problem` argument to the workers once, then runs the tasks in the order given,
    at most ``limit`` at once.

    The solver submits its pieces largest first, as local processes run them;
    given every task at once, the scheduler spread them by its own estimates
    and left a large piece for the end (1M accounts: the split took 136 s
    against 78 s locally). A dispatcher thread hands on the next task as one
    finishes: Dask's completion callbacks run on its event loop, where the
    client may not be called.
    """

    def __init__(self, inner: Executor, share: Callable[[Problem], Any], limit: int) -> None:
        self.inner, self.share, self.limit = inner, share, max(1, limit)
        self.ready = threading.Condition()
        self.queue: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = deque()
        self.running = 0
        self.closed = False
        self.dispatcher = threading.Thread(target=self._dispatch, name="terraquota-dask-order", daemon=True)
        self.dispatcher.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        shared = tuple(self.share(a) if isinstance(a, Problem) else a for a in args)
        proxy: Future[Any] = Future()
        with self.ready:
            self.queue.append((proxy, fn, shared, kwargs))
            self.ready.notify_all()
        return proxy

    def _dispatch(self) -> None:
        while True:
            with self.ready:
                while (not self.queue or self.running >= self.limit) and not (self.closed and not self.queue):
                    self.ready.wait()
                if not self.queue:
                    return
                proxy, fn, args, kwargs = self.queue.popleft()
                self.running += 1
            if not proxy.set_running_or_notify_cancel():
                self._finished()
                continue
            try:
                task = self.inner.submit(fn, *args, **kwargs)
            except BaseException as exc:  # the client is closing: the caller sees why
                proxy.set_exception(exc)
                self._finished()
                continue
            task.add_done_callback(lambda done, proxy=proxy: self._relay(done, proxy))

    def _finished(self) -> None:
        with self.ready:
            self.running -= 1
            self.ready.notify_all()

    def _relay(self, done: Future[Any], proxy: Future[Any]) -> None:
        self._finished()
        if done.cancelled():
            proxy.set_exception(CancelledError())
        elif done.exception() is not None:
            proxy.set_exception(done.exception())
        else:
            proxy.set_result(done.result())

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self.ready:
            if cancel_futures:
                for proxy, *_ in self.queue:
                    proxy.cancel()
                self.queue.clear()
            self.closed = True
            self.ready.notify_all()
        if wait:
            self.dispatcher.join()
            with self.ready:
                while self.running:
                    self.ready.wait()
        self.inner.shutdown(wait=wait)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError(
            InputProblem(
                "--engine",
                None,
                None,
                "the dask engine needs the optional extra: pip install 'terraquota[dask]'",
            )
        ) from None
    return distributed


@contextmanager
def dask_engine(scheduler: str | None = None, workers: int | None = None) -> Iterator[BlockEngine]:
    """A Dask engine for the solves inside the ``with``: a running scheduler, or a LocalCluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Worker processes of the LocalCluster (one thread each; default one per core);
        ignored with ``scheduler``.
    """
    distributed = _distributed()
    import dask

    cluster = None
    if scheduler is None:
        n = max(1, workers or os.cpu_count() or 1)
        # Dask's workers trim freed memory back to the system at once (MALLOC_TRIM_THRESHOLD_):
        # the solver's large numpy temporaries then fault in fresh pages every time (a third
        # of the CPU in system time at 1M accounts). Our own cluster keeps glibc's default.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
    client = distributed.Client(cluster if cluster is not None else scheduler)
    scattered: dict[int, tuple[Problem, Any]] = {}

    def share(problem: Problem) -> Any:
        # keyed by identity; the problem is kept so that its id is never reused meanwhile
        if id(problem) not in scattered:
            scattered[id(problem)] = (problem, client.scatter(problem, broadcast=True, hash=False))
        return scattered[id(problem)][1]

    try:
        threads = max(1, sum(client.nthreads().values()))
        engine = BlockEngine(
            "dask", threads, lambda: _InOrder(client.get_executor(pure=False), share, threads)
        )
        with using_engine(engine):
            yield engine
    finally:
        scattered.clear()
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def run_engine(engine: str, scheduler: str | None = None, workers: int | None = None) -> Iterator[None]:
    """The engine of ``terraquota run``: ``local`` (the default: processes for large problems),
    or ``dask``; a scheduler address implies dask, and ``local`` with ``workers`` forces that
    many local processes whatever the size."""
    if scheduler is not None:
        engine = "dask"
    if engine not in ENGINES:
        raise InputError(
            InputProblem("--engine", None, None, f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
        )
    if engine == "dask":
        with dask_engine(scheduler, workers):
            yield
    elif workers is not None:
        with using_engine(local_processes(max(1, workers))):
            yield
    else:
        yield


def worker_peak_rss_mb() -> float:
    """The peak RSS of every worker of the current Dask client, added up (MB)."""
    distributed = _distributed()
    peaks = distributed.get_client().run(_peak_rss_mb)
    return float(sum(peaks.values()))


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
