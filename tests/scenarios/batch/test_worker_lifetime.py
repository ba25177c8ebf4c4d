"""No batch worker outlives the batch process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios.batch.engines import PARENT_CHECK_SECONDS

REPO = Path(__file__).resolve().parents[3]

#: A batch-like parent: a worker pool busy with long members; prints the worker ids.
_PARENT = """
import sys, time
from scenarios.batch.engines import worker_pool
pool = worker_pool(2)
futures = [pool.submit(time.sleep, 120) for _ in range(4)]
while len(pool._processes) < 2:
    time.sleep(0.05)
time.sleep(0.5)  # both workers inside a member
print(" ".join(str(pid) for pid in pool._processes), flush=True)
futures[0].result()
"""


def _live(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _session_alive(sid: int) -> list[int]:
    """Live processes of session ``sid`` (zombies do not count: they run nothing)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if _live(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if _live(p)]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_end_within_seconds_of_their_parent(sig: signal.Signals) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(workers) == 2 and all(_live(p) for p in workers)
        parent.send_signal(sig)
        parent.wait(timeout=10)
        assert _gone_within(workers, 5 * PARENT_CHECK_SECONDS + 2) == []
        assert _gone_within(_session_alive(parent.pid), 3) == []  # the forkserver too
    finally:
        for pid in _session_alive(parent.pid):
            os.kill(pid, signal.SIGKILL)
