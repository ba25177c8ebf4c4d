"""Capacity-priced reduced costs, the core of columns and the switch to a core MIP."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver.gap.solve as solve_mod
from solver.gap import (
    GapInstance,
    check_gap_solution,
    gap_objective,
    greedy_gap,
    read_gap_instance,
    solve_gap,
)
from solver.gap.core import core_columns, reduced_costs
from solver.gap.highs import solve_lp_relaxation
from tests.tests_paths import TESTS_DATA

TEST_DATA = TESTS_DATA / "gap"


def every_feasible_assignment(inst: GapInstance) -> np.ndarray:
    """All capacity-feasible assignments of a tiny instance, one per row."""
    every = np.array(list(itertools.product(range(inst.m), repeat=inst.n)), dtype=np.int64)
    jobs = np.arange(inst.n)
    weight = inst.weight[every, jobs]
    load = np.stack([(weight * (every == i)).sum(axis=1) for i in range(inst.m)], axis=1)
    return every[(load <= inst.capacity).all(axis=1)]


@st.composite
def priced_instances(draw: st.DrawFn) -> tuple[GapInstance, np.ndarray]:
    """A feasible random GAP (m <= 3, n <= 5) and arbitrary capacity prices."""
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 5))
    cost = np.array(draw(st.lists(st.integers(0, 30), min_size=m * n, max_size=m * n))).reshape(m, n)
    weight = np.array(draw(st.lists(st.integers(1, 10), min_size=m * n, max_size=m * n))).reshape(m, n)
    witness = np.array(draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n)))
    load = np.bincount(witness, weights=weight[witness, np.arange(n)], minlength=m).astype(np.int64)
    prices = np.array(draw(st.lists(st.floats(-1.0, 5.0), min_size=m, max_size=m)))
    return GapInstance("priced", cost, weight, load + 2), prices


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced_instances())
def test_reduced_costs_bound_every_assignment(case: tuple[GapInstance, np.ndarray]) -> None:
    """cost(a) >= L(u) + r[a_j, j] for every feasible assignment a and every job j."""
    inst, prices = case
    rc = reduced_costs(inst, prices)
    assert np.nanmin(np.where(np.isfinite(rc.r), rc.r, np.nan)) >= 0.0
    for agents in every_feasible_assignment(inst):
        value = gap_objective(inst, agents)
        worst = rc.r[agents, np.arange(inst.n)].max()
        assert value >= rc.bound + worst - 1e-9


def test_lp_prices_give_the_lp_bound() -> None:
    inst = read_gap_instance(TEST_DATA / "a05100")
    lp = solve_lp_relaxation(inst, time_limit=5.0, threads=1)
    assert lp is not None and (lp.capacity_dual >= 0).all()
    assert reduced_costs(inst, lp.capacity_dual).bound == pytest.approx(lp.value, abs=1e-6)


def test_core_keeps_the_incumbent_and_the_best_agents() -> None:
    inst = read_gap_instance(TEST_DATA / "a05100")
    lp = solve_lp_relaxation(inst, time_limit=5.0, threads=1)
    assert lp is not None
    rc = reduced_costs(inst, lp.capacity_dual)
    worst = rc.r.argmax(axis=0)  # an incumbent on each job's dearest agent
    keep = core_columns(rc, worst, objective=rc.bound, per_job=1)
    jobs = np.arange(inst.n)
    assert keep[worst, jobs].all()
    assert keep[rc.r.argmin(axis=0), jobs].all()
    # Nothing else: the ties at reduced cost 0 and the incumbent's columns.
    assert keep.sum() <= (rc.r <= 0.0).sum() + inst.n


def tight_instance(m: int = 5, n: int = 60, seed: int = 7) -> GapInstance:
    """A random Chu & Beasley type D instance: costs fall as weights rise, tight capacities."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, 101, size=(m, n))
    cost = 111 - weight + rng.integers(-10, 11, size=(m, n))
    capacity = (0.8 * weight.sum(axis=1) / m).astype(np.int64)
    return GapInstance("tight", cost.astype(np.int64), weight.astype(np.int64), capacity)


def test_wide_gap_switches_to_the_core_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MIP that gives up at once still ends with a checked, non-worse assignment."""
    inst = tight_instance()
    monkeypatch.setattr(solve_mod, "GIVE_UP_GAP", -1.0)
    monkeypatch.setattr(solve_mod, "PROBE_SHARE", 0.0)
    monkeypatch.setattr(solve_mod, "LOCAL_BRANCHING_MAX_COLUMNS", 0)
    sol = solve_gap(inst, time_limit=1.5, seed=1)
    assert sol.backend_status.endswith("+core")
    assert sol.agent_of_job is not None
    assert check_gap_solution(inst, sol.agent_of_job, sol.objective) == []
    assert sol.objective is not None and sol.warm_start_objective is not None
    assert sol.objective <= sol.warm_start_objective
    assert sol.seconds < 1.5 * 1.1


@pytest.mark.slow
def test_core_search_is_feasible_and_repeatable() -> None:
    """Same start and seed, same core answer; never worse than the start."""
    inst = tight_instance(m=4, n=24, seed=3)
    lp = solve_lp_relaxation(inst, time_limit=5.0, threads=1)
    assert lp is not None
    start = greedy_gap(inst)
    assert start is not None and check_gap_solution(inst, start) == []
    runs = [
        solve_mod._core_search(
            inst, lp, start, deadline=time.perf_counter() + 10.0, seed=2, threads=1, options=None
        )[0]
        for _ in range(2)
    ]
    assert runs[0].tolist() == runs[1].tolist()
    assert check_gap_solution(inst, runs[0]) == []
    assert gap_objective(inst, runs[0]) <= gap_objective(inst, start)


@pytest.mark.slow
def test_core_search_widens_a_solved_core_up_to_the_whole_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A core MIP solved before the deadline is widened, not left idle: with time to
    spare the last core is the whole model and the answer is the proven optimum."""
    inst = tight_instance(m=4, n=24, seed=3)
    exact = solve_gap(inst, time_limit=30.0, warm_start=False)
    assert exact.proven
    lp = solve_lp_relaxation(inst, time_limit=5.0, threads=1)
    start = greedy_gap(inst)
    assert lp is not None and start is not None
    sizes: list[int] = []
    real_run = solve_mod.run_highs

    def recording_run(*args: object, **kwargs: object) -> object:
        allowed = kwargs["allowed"]
        assert isinstance(allowed, np.ndarray)
        sizes.append(int(allowed.sum()))
        return real_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_mod, "run_highs", recording_run)
    found, whole_bound = solve_mod._core_search(
        inst, lp, start, deadline=time.perf_counter() + 60.0, seed=0, threads=1, options=None
    )
    usable = int((inst.weight <= inst.capacity[:, None]).sum())
    assert len(sizes) >= 2 and sizes == sorted(sizes) and sizes[-1] == usable
    assert gap_objective(inst, found) == exact.objective
    assert whole_bound is not None and exact.objective - 1 < whole_bound <= exact.objective + 1e-6


@pytest.mark.slow
def test_core_search_over_the_whole_model_proves_optimality(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the widened core reaches the whole model, its bound proves the answer optimal."""
    inst = tight_instance(m=4, n=24, seed=3)
    exact = solve_gap(inst, time_limit=30.0, warm_start=False)
    monkeypatch.setattr(solve_mod, "GIVE_UP_GAP", -1.0)
    monkeypatch.setattr(solve_mod, "PROBE_SHARE", 0.0)
    monkeypatch.setattr(solve_mod, "LOCAL_BRANCHING_MAX_COLUMNS", 0)
    sol = solve_gap(inst, time_limit=60.0, seed=1)
    assert sol.backend_status.endswith("+core")
    assert sol.status == "optimal" and sol.objective == exact.objective
