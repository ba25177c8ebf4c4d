"""The Dask engine (optional extra): same tasks, same worker, byte-identical run folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scenarios.batch.engines import run_dask, run_local
from scenarios.batch.members import DIGEST_FILE, SOLVED, plan_tasks
from tests.tests_paths import TINY

pytest.importorskip("distributed", reason="the dask engine is the optional extra terraquota[dask]")

#: Files that must not depend on the engine (metrics.json holds wall-clock seconds).
SAME_BYTES = ("assignment.csv", "reps.csv", "quotas.csv", "scenario.toml", DIGEST_FILE)


def test_dask_local_cluster_gives_the_same_run_folders_as_the_local_engine(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'extends = "scenario.toml"\nname = "d"\n[assignment]\ntime_limit = 5\n[sweep]\n'
        'grid = { "assignment.balance.potential" = [0.0, 0.5], "assignment.weights.distance" = [0.1, 2.0] }\n'
    )
    local_tasks = plan_tasks([sweep], tmp_path / "local", render=False)
    dask_tasks = plan_tasks([sweep], tmp_path / "dask", render=False)
    assert len(local_tasks) == 4

    seen: list[str] = []
    slots: list[int] = []
    by_dask = run_dask(dask_tasks, 2, lambda s: seen.append(s["name"]), on_ready=slots.append)
    by_local = run_local(local_tasks, 2, lambda _s: None)

    assert slots == [2]  # a LocalCluster of 2 single-threaded worker processes
    assert sorted(seen) == sorted(t["name"] for t in dask_tasks)
    assert [s["action"] for s in by_dask] == [SOLVED] * 4 == [s["action"] for s in by_local]
    assert [s["status"] for s in by_dask] == [s["status"] for s in by_local]
    for lt, dt in zip(local_tasks, dask_tasks, strict=True):
        for name in SAME_BYTES:
            a, b = Path(lt["output"]) / name, Path(dt["output"]) / name
            assert a.read_bytes() == b.read_bytes(), f"{lt['name']}/{name} differs between engines"
    # the sweep really varied the plans (identical folders everywhere would prove nothing)
    plans = {(Path(t["output"]) / "assignment.csv").read_bytes() for t in local_tasks}
    assert len(plans) > 1
