"""Local branching: the neighbourhood row, and searches that keep feasibility and never lose."""

from __future__ import annotations

import time

import highspy
import numpy as np
import pytest

import solver.gap.localbranch as localbranch_mod
import solver.gap.solve as solve_mod
from solver.gap import check_gap_solution, gap_objective, greedy_gap, solve_gap
from solver.gap.localbranch import local_branching, neighbourhood_model
from tests.solver.gap.test_gap_core import tight_instance


def test_neighbourhood_row_counts_the_jobs_that_keep_their_agent() -> None:
    """The row holds exactly for the assignments with at most ``radius`` jobs moved."""
    inst = tight_instance(m=3, n=8, seed=1)
    centre = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    model, (lower, cols) = neighbourhood_model(inst, centre, radius=2)
    assert model.lp_.num_col_ == inst.m * inst.n
    rng = np.random.default_rng(0)
    for _ in range(50):
        other = centre.copy()
        moved = rng.choice(inst.n, size=int(rng.integers(0, inst.n + 1)), replace=False)
        other[moved] = (other[moved] + 1 + rng.integers(0, inst.m - 1, size=moved.size)) % inst.m
        x = np.zeros((inst.m, inst.n))
        x[other, np.arange(inst.n)] = 1.0
        changed = int((other != centre).sum())
        assert (x.reshape(-1)[cols].sum() >= lower) == (changed <= 2)


def test_neighbourhood_model_keeps_the_centre_in_a_restricted_model() -> None:
    """Columns outside ``allowed`` are fixed to 0, except the centre's own."""
    inst = tight_instance(m=3, n=8, seed=1)
    centre = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    allowed = np.zeros((inst.m, inst.n), dtype=bool)
    model, _ = neighbourhood_model(inst, centre, radius=2, allowed=allowed)
    upper = np.asarray(model.lp_.col_upper_).reshape(inst.m, inst.n)
    assert upper.sum() == inst.n
    assert (upper[centre, np.arange(inst.n)] == 1.0).all()


def test_local_branching_never_loses_and_repeats() -> None:
    """From a greedy start: feasible, better, and the same answer twice (node and
    round limits, a deadline that never binds)."""
    inst = tight_instance(m=4, n=24, seed=3)
    start = greedy_gap(inst)
    assert start is not None
    runs = [
        local_branching(
            inst, start, deadline=time.perf_counter() + 600.0, seed=4, threads=1, radius=3, max_rounds=6
        )
        for _ in range(2)
    ]
    assert runs[0].tolist() == runs[1].tolist()
    assert check_gap_solution(inst, runs[0]) == []
    assert gap_objective(inst, runs[0]) < gap_objective(inst, start)


def test_local_branching_over_the_whole_model_reaches_the_optimum() -> None:
    """A radius as large as the model makes the first MIP exact."""
    inst = tight_instance(m=3, n=12, seed=5)
    exact = solve_gap(inst, time_limit=30.0, warm_start=False)
    assert exact.proven
    start = greedy_gap(inst)
    assert start is not None
    found = local_branching(
        inst,
        start,
        deadline=time.perf_counter() + 600.0,
        seed=0,
        threads=1,
        radius=inst.n,
        node_limit=100_000,
    )
    assert gap_objective(inst, found) == exact.objective


def test_local_branching_stops_at_the_lower_bound() -> None:
    """A start that meets the bound is returned unchanged, without a MIP."""
    inst = tight_instance(m=3, n=10, seed=2)
    start = greedy_gap(inst)
    assert start is not None
    found = local_branching(
        inst,
        start,
        deadline=time.perf_counter() + 60.0,
        seed=0,
        threads=1,
        lower_bound=float(gap_objective(inst, start)),
    )
    assert found.tolist() == start.tolist()


def test_local_branching_gives_up_after_its_patience(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the optimum no MIP can improve: ``patience`` MIPs, then the start unchanged."""
    inst = tight_instance(m=3, n=12, seed=5)
    exact = solve_gap(inst, time_limit=30.0, warm_start=False)
    assert exact.proven and exact.agent_of_job is not None
    started: list[int] = []
    real = localbranch_mod.quiet_highs

    def counting(*args: int | None) -> highspy.Highs:
        started.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(localbranch_mod, "quiet_highs", counting)
    optimum = exact.agent_of_job.copy()
    found = local_branching(
        inst, optimum, deadline=time.perf_counter() + 600.0, seed=0, threads=1, radius=3, patience=2
    )
    assert found.tolist() == optimum.tolist()
    assert len(started) == 2


def test_wide_gap_on_a_small_model_switches_to_local_branching(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MIP that gives up at once on a small model hands over to local branching."""
    inst = tight_instance()
    monkeypatch.setattr(solve_mod, "GIVE_UP_GAP", -1.0)
    monkeypatch.setattr(solve_mod, "PROBE_SHARE", 0.0)
    sol = solve_gap(inst, time_limit=1.5, seed=1)
    assert "+local" in sol.backend_status
    assert sol.agent_of_job is not None
    assert check_gap_solution(inst, sol.agent_of_job, sol.objective) == []
    assert sol.objective is not None and sol.warm_start_objective is not None
    assert sol.objective <= sol.warm_start_objective
