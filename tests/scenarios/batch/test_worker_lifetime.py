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


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_batch_killed_alone_leaves_no_worker_and_resumes_each_member_once(tmp_path: Path) -> None:
    import shutil

    from tests.tests_paths import TINY

    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    values = ", ".join(f"{0.1 * (i + 1):.1f}" for i in range(8))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'extends = "scenario.toml"\nname = "b"\n[sweep]\n'
        f'grid = {{ "assignment.weights.distance" = [{values}] }}\n'
    )
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "scenarios",
        "batch",
        str(sweep),
        "-o",
        str(out),
        "--workers",
        "2",
        "--no-render",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    batch = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not [
            p for p in out.glob("*/inputs.sha256") if not p.parent.name.startswith(".")
        ]:
            time.sleep(0.05)
        batch.send_signal(signal.SIGKILL)  # the parent only: its workers must notice
        batch.wait(timeout=10)
        assert _gone_within(_session_alive(batch.pid), 5) == []
        # A member caught mid-write is a hidden ``.tq-*.new`` folder: not finished.
        finished = {
            p.parent.name: p.parent.stat().st_ino
            for p in out.glob("*/inputs.sha256")
            if not p.parent.name.startswith(".")
        }
        assert 1 <= len(finished) < 8
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        summary = (out / "batch_summary.csv").read_text()
        assert summary.count("skipped (up to date)") == len(finished)
        assert summary.count(",solved,") == 8 - len(finished)
        for name, inode in finished.items():
            assert (out / name).stat().st_ino == inode, f"{name} was written twice"
    finally:
        for pid in _session_alive(batch.pid):
            os.kill(pid, signal.SIGKILL)
