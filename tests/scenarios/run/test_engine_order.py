"""The Dask engine's executor runs tasks in the order given, at most its limit at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from scenarios.run.engine import _InOrder


class _Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[int] = []
        self.running = 0
        self.most = 0

    def task(self, i: int, seconds: float) -> int:
        with self.lock:
            self.started.append(i)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(seconds)
        with self.lock:
            self.running -= 1
        return i * i


def test_tasks_start_in_the_order_given_and_never_beyond_the_limit() -> None:
    rec = _Recorder()
    # the inner executor could run six at once; the order and the limit are the wrapper's
    pool = _InOrder(ThreadPoolExecutor(6), share=lambda p: p, limit=2)
    with pool:
        # the first task is long: a scheduler free to reorder would start the later ones first
        futures = [pool.submit(rec.task, i, 0.2 if i == 0 else 0.02) for i in range(8)]
        results = [f.result() for f in futures]
    assert results == [i * i for i in range(8)]
    assert rec.started == list(range(8))
    assert rec.most == 2


def test_a_failing_task_reaches_its_caller_and_the_rest_still_run() -> None:
    def boom() -> None:
        raise ValueError("bad piece")

    rec = _Recorder()
    pool = _InOrder(ThreadPoolExecutor(2), share=lambda p: p, limit=1)
    failing = pool.submit(boom)
    after = pool.submit(rec.task, 1, 0.0)
    with pytest.raises(ValueError, match="bad piece"):
        failing.result()
    assert after.result() == 1
    pool.shutdown(wait=True)
    assert rec.started == [1]
