"""No process of a local Dask cluster outlives the terraquota process that started it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scenarios.batch.test_worker_lifetime import REPO, _gone_within, _live, _session_alive
from tests.tests_paths import TINY

pytest.importorskip("distributed", reason="the dask engine is the optional extra terraquota[dask]")

#: ``run --engine dask``'s engine, busy with long tasks on its LocalCluster; prints the worker pids.
_RUN_ENGINE = """
import os, time
import distributed
from scenarios.run.engine import dask_engine

if __name__ == "__main__":
    with dask_engine(workers=2):
        client = distributed.get_client()
        futures = client.map(time.sleep, [120, 120], pure=False)
        while sum(len(v) for v in client.processing().values()) < 2:
            time.sleep(0.05)
        print(" ".join(str(pid) for pid in client.run(os.getpid).values()), flush=True)
        futures[0].result()
"""

_SIGNALS = pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
#: Seconds a cluster process may outlive its parent ("a few seconds").
_GRACE = 5.0


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@_SIGNALS
def test_run_engine_workers_end_with_their_parent(tmp_path: Path, sig: signal.Signals) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_RUN_ENGINE)
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
        start_new_session=True,
    )
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(workers) == 2 and all(_live(p) for p in workers)
        parent.send_signal(sig)
        parent.wait(timeout=10)
        assert _gone_within(workers, _GRACE) == []
        assert _gone_within(_session_alive(parent.pid), 2) == []
    finally:
        for pid in _session_alive(parent.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@_SIGNALS
def test_a_dask_batch_stopped_mid_way_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    values = ", ".join(f"{0.1 * (i + 1):.1f}" for i in range(16))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'extends = "scenario.toml"\nname = "b"\n[sweep]\n'
        f'grid = {{ "assignment.weights.distance" = [{values}] }}\n'
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "scenarios", "batch", str(sweep), "-o", str(out)]
    cmd += ["--engine", "dask", "--workers", "2", "--no-render"]
    batch = subprocess.Popen(
        cmd, env=_env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(out.glob("*/inputs.sha256")):
            time.sleep(0.05)
        cluster = [p for p in _session_alive(batch.pid) if p != batch.pid]
        assert len(list(out.glob("*/inputs.sha256"))) < 16 and len(cluster) >= 2  # members in flight
        batch.send_signal(sig)
        batch.wait(timeout=10)
        assert _gone_within(cluster, _GRACE) == []
        assert _gone_within(_session_alive(batch.pid), 2) == []
    finally:
        for pid in _session_alive(batch.pid):
            os.kill(pid, signal.SIGKILL)
