"""One run's blocks on Dask: the same plan byte for byte as local processes and as one process."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scenarios.cli.commands import app
from scenarios.demo.data import write_demo_inputs
from scenarios.run.engine import dask_engine, run_engine
from scenarios.run.prepare import prepare
from scenarios.run.scenario import load_scenario
from solver.assignment import solve, violations
from solver.assignment.executor import current_engine
from solver.config import AssignmentConfig
from solver.errors import InputError
from solver.synthetic import SyntheticSpec, generate_problem

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

#: Files whose bytes do not depend on timing (metrics.json holds seconds).
PLAN_FILES = ("assignment.csv", "reps.csv", "quotas.csv", "capacity.csv", "reconcile.csv", "scenario.toml")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def _prefixes(cluster: object) -> set[str]:
    return set(cluster.scheduler.task_prefixes)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def demo_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six blocks whose exact MIPs finish well within their time (a MIP stopped by the clock
    is the one part of a solve whose plan depends on the machine's load)."""
    inputs = write_demo_inputs(
        tmp_path_factory.mktemp("dask") / "inputs", n_accounts=2_400, n_reps=48, seed=4
    )
    return inputs.scenarios[0]


def test_blocks_on_dask_give_the_same_plan(cluster: object, demo_scenario: Path) -> None:
    scenario = load_scenario(demo_scenario)
    problem, rules = prepare(scenario).problem, scenario.params.assignment
    here = solve(problem, rules)
    with dask_engine(cluster.scheduler_address) as engine:  # type: ignore[attr-defined]
        assert current_engine() is engine and engine.workers == 2
        remote = solve(problem, rules)
    assert current_engine() is None
    assert "plan_piece" in _prefixes(cluster), "the blocks ran on the cluster"
    assert remote.status == here.status
    assert np.array_equal(remote.rep_of_account, here.rep_of_account)
    assert remote.objective == here.objective and remote.bound == here.bound
    assert [b.block for b in remote.blocks] == [b.block for b in here.blocks]
    assert violations(problem, remote.rep_of_account, rules) == []


def test_run_command_on_dask_writes_the_same_plan(
    cluster: object, demo_scenario: Path, tmp_path: Path
) -> None:
    scenario = str(demo_scenario)
    runner = CliRunner()
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    folders = {
        "here": [],
        "local processes": ["--engine", "local", "--workers", "2"],
        "dask": ["--engine", "dask", "--scheduler", address],
    }
    for name, extra in folders.items():
        done = runner.invoke(app, ["run", scenario, "-o", str(tmp_path / name), "--no-render", *extra])
        assert done.exit_code == 0, done.output
    for file in PLAN_FILES:
        here = (tmp_path / "here" / file).read_bytes()
        assert (tmp_path / "local processes" / file).read_bytes() == here, file
        assert (tmp_path / "dask" / file).read_bytes() == here, file


def test_an_unknown_engine_is_an_input_problem() -> None:
    with pytest.raises(InputError, match="unknown engine"), run_engine("spark"):
        pass


def test_pieces_of_a_large_block_on_dask_give_the_same_plan(cluster: object, monkeypatch) -> None:
    """Blocks cut into pieces (as above `PIECE_UNITS` units): the split, the pieces and their
    bound all run on the cluster and give the plan one process gives."""
    problem = generate_problem(SyntheticSpec(6_000, 60, seed=3))
    rules = AssignmentConfig(
        balance={"potential": 0.05, "accounts": 0.5},
        weights={"disruption": 1.0, "distance": 0.1},
        time_limit=120,
    )
    monkeypatch.setattr(importlib.import_module("solver.assignment.solve"), "PIECE_UNITS", 700)
    here = solve(problem, rules)
    assert any(b.pieces > 1 for b in here.blocks), "some block was cut into pieces"
    with dask_engine(cluster.scheduler_address):  # type: ignore[attr-defined]
        remote = solve(problem, rules)
    assert {"split_block", "plan_piece"} <= _prefixes(cluster), "the split and the pieces ran there"
    assert remote.status == here.status
    assert np.array_equal(remote.rep_of_account, here.rep_of_account)
    assert remote.objective == here.objective and remote.bound == here.bound
    assert [b.pieces for b in remote.blocks] == [b.pieces for b in here.blocks]
    assert violations(problem, remote.rep_of_account, rules) == []
