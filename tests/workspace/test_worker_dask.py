"""A workspace job solves its blocks on the Dask cluster `serve --scheduler` names, with the same plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tests_paths import TINY
from workspace.jobs.worker import SCHEDULER_ENV, run_job

distributed = pytest.importorskip("distributed")


@pytest.mark.slow
def test_a_job_on_a_dask_scheduler_writes_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = str(TINY / "scenario.toml")
    (tmp_path / "local").mkdir()
    (tmp_path / "dask").mkdir()
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert run_job(str(tmp_path / "local"), "solve", scenario, None) == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
        assert run_job(str(tmp_path / "dask"), "solve", scenario, None) == 0
        # the job really used the cluster: its scheduler saw the blocks' tasks
        assert "plan_piece" in set(cluster.scheduler.task_prefixes)
    local, dask = tmp_path / "local" / "out", tmp_path / "dask" / "out"
    for name in ("assignment.csv", "reps.csv", "quotas.csv"):
        assert (dask / name).read_bytes() == (local / name).read_bytes()
    assert json.loads((tmp_path / "dask" / "result.json").read_text())["exit_code"] == 0


@pytest.mark.slow
def test_an_unreachable_scheduler_fails_the_job_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:9")
    (tmp_path / "job").mkdir()
    code = run_job(str(tmp_path / "job"), "solve", str(TINY / "scenario.toml"), None)
    result = json.loads((tmp_path / "job" / "result.json").read_text())
    assert code != 0 and result["exit_code"] == code and result["message"]
