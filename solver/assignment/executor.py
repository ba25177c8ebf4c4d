"""Where the blocks and pieces of one solve run: forked local processes, or an engine the caller installs.

`solver.assignment.solve` hands its parallel work (pre-checks, splits, pieces,
whole-block bounds) to `block_pool`. By default large problems use one forked
process per core and small ones run here, in order. A caller may install
another engine for the duration of a solve (`using_engine`), e.g. a Dask
cluster (`scenarios.run.engine`): every task is a module-level function of
picklable arguments whose result does not depend on where it runs, so every
engine gives the same plan.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from solver.problem import Problem


@dataclass(frozen=True)
class BlockEngine:
    """An engine for a solve's parallel tasks.

    ``workers`` tasks run at once; ``pool()`` opens an executor for one batch
    of tasks (closing it waits for them, and must leave the engine usable).
    """

    name: str
    workers: int
    pool: Callable[[], AbstractContextManager[Executor]]


_ENGINE: ContextVar[BlockEngine | None] = ContextVar("terraquota_block_engine", default=None)


@contextmanager
def using_engine(engine: BlockEngine) -> Iterator[BlockEngine]:
    """Run the solves inside this ``with`` on ``engine`` (every problem size, every pass)."""
    token = _ENGINE.set(engine)
    try:
        yield engine
    finally:
        _ENGINE.reset(token)


def current_engine() -> BlockEngine | None:
    """The engine installed by `using_engine`, if any."""
    return _ENGINE.get()


def fork_context() -> multiprocessing.context.BaseContext:
    """fork: the children inherit the problem and need no ``if __name__ == "__main__"`` guard
    in the caller's script; the solver runs single-threaded, so forking is safe."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def block_workers(n_accounts: int, n_tasks: int, min_accounts: int) -> int:
    """Tasks to run at once: 1 means here, in order.

    An installed engine is used for any size; otherwise problems of at least
    ``min_accounts`` accounts get one process per core, never inside a daemon
    process (batch and Dask workers may not start processes; they already run
    in parallel).
    """
    if n_tasks < 2:
        return 1
    engine = _ENGINE.get()
    if engine is not None:
        return max(1, min(engine.workers, n_tasks))
    if n_accounts < min_accounts or multiprocessing.current_process().daemon:
        return 1
    return max(1, min(os.cpu_count() or 1, n_tasks))


def block_pool(workers: int) -> AbstractContextManager[Executor]:
    """An executor for one batch of tasks: the installed engine's, else forked local processes."""
    engine = _ENGINE.get()
    if engine is not None:
        return engine.pool()
    return InheritingPool(max(workers, 1))


def map_tasks(workers: int, fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[Any]:
    """``fn(*args)`` for every ``args`` of ``calls``, in order: on `block_pool` when ``workers`` > 1,
    else here, one after another."""
    if workers > 1:
        with block_pool(workers) as pool:
            futures = [pool.submit(fn, *args) for args in calls]
            return [f.result() for f in futures]
    return [fn(*args) for args in calls]


def local_processes(workers: int) -> BlockEngine:
    """Forked local processes as an explicit engine (any problem size)."""
    return BlockEngine("local", workers, lambda: InheritingPool(workers))


#: Problems the forked workers of an `InheritingPool` read from their copy of the parent's memory.
_INHERITED: dict[int, Problem] = {}


@dataclass(frozen=True)
class _Inherited:
    """Stands for a `Problem` argument: the worker has it already (see `InheritingPool`)."""

    key: int


def _call_inheriting(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    real = tuple(_INHERITED[a.key] if isinstance(a, _Inherited) else a for a in args)
    return fn(*real, **kwargs)


class InheritingPool(Executor):
    """Local worker processes that inherit the `Problem` of the first task instead of receiving it.

    A million-account problem pickles to ~100 MB in ~1.5 s of the parent's
    time; sent with every task, that was over a minute per pass at 1M
    accounts. Forked workers start at the first task, so a problem registered
    just before it is in their memory; each task then sends only a key. With
    ``spawn`` (no ``fork`` on the platform), or for another problem, the
    argument is pickled as before.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.inner: ProcessPoolExecutor | None = None
        self.keys: dict[int, Problem] = {}

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = fork_context()
        if self.inner is None:
            if context.get_start_method() == "fork":
                self.keys = {id(a): a for a in args if isinstance(a, Problem)}
                _INHERITED.update(self.keys)
            self.inner = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        if not self.keys:
            return self.inner.submit(fn, *args, **kwargs)
        sent = tuple(_Inherited(id(a)) if isinstance(a, Problem) and id(a) in self.keys else a for a in args)
        return self.inner.submit(_call_inheriting, fn, sent, kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self.inner is not None:
            self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)
        for key in self.keys:
            _INHERITED.pop(key, None)
        self.keys = {}
