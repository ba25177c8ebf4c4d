"""GAP reader, independent checker, status table and HiGHS solver."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver.gap.solve as solve_mod
from solver.assignment.result import Status
from solver.errors import InputError
from solver.gap import (
    NOT_FOR_GAP,
    GapInstance,
    GapSolveError,
    check_gap_matrix,
    check_gap_solution,
    gap_objective,
    greedy_gap,
    map_highs_status,
    read_gap_instance,
    solve_gap,
)
from solver.gap.greedy import regret_greedy
from solver.gap.highs import HighsRun
from solver.gap.lns import large_neighbourhood_search
from solver.highs import highs_status
from tests.tests_paths import TESTS_DATA, require_shared

TEST_DATA = TESTS_DATA / "gap"
FAMILIES = ("cattrysse1994", "chu1997", "yagiura2004")


def shared_gap_dir() -> Path:
    """The shared GAP benchmark folder, or skip naming the missing folder."""
    return require_shared("benchmarks", "gap", "reference_values.csv").parent


def reference(name: str) -> int:
    """Known optimum of a shipped instance."""
    ref = pd.read_csv(TEST_DATA / "reference_values.csv").set_index("instance")
    return int(ref.loc[name, "optimum"])


def certificate(folder: Path, name: str) -> np.ndarray:
    """A published assignment (one 0-based agent per job, whitespace separated)."""
    return np.array((folder / f"{name}_solution.txt").read_text().split(), dtype=np.int64)


def tiny(cost: list[list[int]], weight: list[list[int]], capacity: list[int]) -> GapInstance:
    return GapInstance(
        name="tiny",
        cost=np.array(cost, dtype=np.int64),
        weight=np.array(weight, dtype=np.int64),
        capacity=np.array(capacity, dtype=np.int64),
    )


# --- reader -------------------------------------------------------------------


def test_read_shipped_instance() -> None:
    inst = read_gap_instance(TEST_DATA / "gap1-0")
    assert (inst.name, inst.m, inst.n) == ("gap1-0", 5, 15)
    assert inst.cost[0, :3].tolist() == [17, 21, 22]
    assert inst.cost[4, -1] == 24
    assert inst.weight[0, :3].tolist() == [8, 15, 14]
    assert inst.capacity.tolist() == [36, 34, 38, 27, 33]
    with pytest.raises(ValueError):
        inst.cost[0, 0] = 1  # frozen arrays: a what-if is a new instance


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "missing the 'm n' header"),
        ("2 2\n1 2 3 4\n1 1 1 1\n5", "expected 12 numbers"),
        ("1 2\n1 x\n1 1\n3", "non-integer token"),
        ("0 3\n", "bad sizes"),
        ("1 1\n1\n-1\n3", "negative weight"),
    ],
)
def test_reader_rejects_malformed_files(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "broken"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_gap_instance(path)
    assert why in str(err.value)
    assert str(path) in str(err.value)


# --- checker ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gap1-0", "gap1-1", "gap2-0", "a05100"])
def test_published_optimum_passes_checker(name: str) -> None:
    inst = read_gap_instance(TEST_DATA / name)
    agents = certificate(TEST_DATA, name)
    assert check_gap_solution(inst, agents, objective=reference(name)) == []
    assert gap_objective(inst, agents) == reference(name)


def test_checker_catches_broken_solutions() -> None:
    inst = read_gap_instance(TEST_DATA / "gap1-0")
    good = certificate(TEST_DATA, "gap1-0")
    # Wrong objective claimed.
    assert any("claimed objective" in p for p in check_gap_solution(inst, good, objective=260))
    # Over capacity: everything on agent 0.
    over = check_gap_solution(inst, np.zeros(inst.n, dtype=int))
    assert over == [f"agent 0 over capacity: uses {inst.weight[0].sum()} of 36"]
    # Missing job, agent out of range, fractional agent.
    assert "15 jobs" in check_gap_solution(inst, good[:-1])[0]
    assert "no valid agent" in check_gap_solution(inst, np.r_[good[:-1], 5])[0]
    assert "no valid agent" in check_gap_solution(inst, np.r_[good[:-1], -1])[0]
    assert check_gap_solution(inst, good.astype(float) + 0.5) == ["agents must be whole numbers"]
    # Double assignment (only expressible as a 0/1 matrix) and unassigned job.
    x = np.zeros((inst.m, inst.n), dtype=int)
    x[good, np.arange(inst.n)] = 1
    assert check_gap_matrix(inst, x) == []
    x2 = x.copy()
    x2[(good[3] + 1) % inst.m, 3] = 1
    assert check_gap_matrix(inst, x2) == ["job 3 is assigned to 2 agents"]
    x3 = x.copy()
    x3[:, 7] = 0
    assert check_gap_matrix(inst, x3) == ["job 7 is assigned to 0 agents"]


# --- status table -------------------------------------------------------------

S = highspy.HighsModelStatus


@pytest.mark.parametrize(
    ("status", "has_solution", "expected"),
    [
        (S.kOptimal, True, "optimal"),
        (S.kTimeLimit, True, "feasible"),
        (S.kTimeLimit, False, "no_solution"),
        (S.kInfeasible, False, "infeasible"),
        (S.kInterrupt, True, "feasible"),
        (S.kSolutionLimit, False, "no_solution"),
        (S.kIterationLimit, True, "feasible"),
        (S.kMemoryLimit, False, "no_solution"),
        (S.kUnknown, False, "no_solution"),
    ],
)
def test_status_table(status: highspy.HighsModelStatus, has_solution: bool, expected: str) -> None:
    assert map_highs_status(status, has_solution) == expected


@pytest.mark.parametrize("status", [S.kNotset, S.kLoadError, S.kModelError, S.kSolveError, S.kUnbounded])
def test_status_table_refuses_impossible_statuses(status: highspy.HighsModelStatus) -> None:
    with pytest.raises(GapSolveError):
        map_highs_status(status, True)


def test_status_table_covers_every_highs_status() -> None:
    refused = {S.kNotset, S.kLoadError, S.kModelError, S.kPresolveError, S.kSolveError}
    refused |= {S.kPostsolveError, S.kModelEmpty, S.kUnbounded, S.kUnboundedOrInfeasible}
    every = set(S.__members__.values())
    mapped = {s for s in every if s not in NOT_FOR_GAP and highs_status(s, True) != Status.ERROR}
    assert mapped | refused == every
    assert not mapped & refused


def test_optimal_label_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend 'optimal' far from its own bound is reported as feasible only."""
    inst = read_gap_instance(TEST_DATA / "gap1-0")
    good = certificate(TEST_DATA, "gap1-0")
    x = np.zeros((inst.m, inst.n))
    x[good, np.arange(inst.n)] = 1.0
    fake = HighsRun(S.kOptimal, x, 200.0, "fake")
    monkeypatch.setattr(solve_mod, "run_highs", lambda *a, **k: fake)
    sol = solve_gap(inst, time_limit=0.5, warm_start=False)
    assert sol.status == "feasible" and not sol.proven
    assert sol.objective == 261.0
    assert sol.gap == pytest.approx((261 - 200) / 261)


def test_broken_backend_answer_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    inst = read_gap_instance(TEST_DATA / "gap1-0")
    x = np.zeros((inst.m, inst.n))
    x[0, :] = 1.0  # every job on agent 0: far over capacity
    fake = HighsRun(S.kOptimal, x, 261.0, "fake")
    monkeypatch.setattr(solve_mod, "run_highs", lambda *a, **k: fake)
    with pytest.raises(GapSolveError, match="over capacity"):
        solve_gap(inst, time_limit=0.5, warm_start=False)


# --- solver -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gap1-0", "gap1-1", "gap2-0"])
def test_solves_cattrysse_to_optimum(name: str) -> None:
    inst = read_gap_instance(TEST_DATA / name)
    sol = solve_gap(inst, time_limit=10.0)
    assert sol.status == "optimal" and sol.proven
    assert sol.objective == reference(name)
    assert sol.agent_of_job is not None
    assert check_gap_solution(inst, sol.agent_of_job, sol.objective) == []
    assert sol.bound is not None and sol.bound <= sol.objective + 1e-6
    assert sol.gap is not None and sol.gap < 1 / sol.objective


def test_same_seed_same_answer() -> None:
    inst = read_gap_instance(TEST_DATA / "gap2-0")
    a = solve_gap(inst, time_limit=10.0, seed=3)
    b = solve_gap(inst, time_limit=10.0, seed=3)
    assert a.agent_of_job is not None and b.agent_of_job is not None
    assert a.agent_of_job.tolist() == b.agent_of_job.tolist()


def test_infeasible_instance_is_a_status() -> None:
    inst = tiny([[1, 2], [3, 4]], [[5, 5], [5, 5]], [4, 9])
    sol = solve_gap(inst, time_limit=5.0)
    assert sol.status == "infeasible"
    assert sol.agent_of_job is None and sol.objective is None


def test_neighbourhood_search_improves_a_poor_start() -> None:
    inst = read_gap_instance(TEST_DATA / "a05100")
    poor = regret_greedy(inst, inst.weight.astype(float))
    assert poor is not None and check_gap_solution(inst, poor) == []
    better = large_neighbourhood_search(
        inst,
        poor,
        deadline=time.perf_counter() + 2.0,
        seed=0,
        threads=1,
        lower_bound=None,
        options=None,
    )
    assert check_gap_solution(inst, better) == []
    assert gap_objective(inst, better) < gap_objective(inst, poor)


def test_greedy_completes_a_partial_assignment() -> None:
    inst = read_gap_instance(TEST_DATA / "gap1-0")
    cert = certificate(TEST_DATA, "gap1-0")
    fixed = np.where(np.arange(inst.n) < 10, cert, -1)
    agents = greedy_gap(inst, fixed)
    assert agents is not None
    assert check_gap_solution(inst, agents) == []


@st.composite
def feasible_instances(draw: st.DrawFn) -> GapInstance:
    """Random GAP with m <= 3, n <= 6, feasible by construction."""
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    ints = st.integers(0, 30)
    cost = np.array(draw(st.lists(ints, min_size=m * n, max_size=m * n))).reshape(m, n)
    weight = np.array(draw(st.lists(st.integers(1, 10), min_size=m * n, max_size=m * n))).reshape(m, n)
    witness = np.array(draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n)))
    load = np.bincount(witness, weights=weight[witness, np.arange(n)], minlength=m)
    slack = np.array(draw(st.lists(st.integers(0, 6), min_size=m, max_size=m)))
    return GapInstance("random", cost, weight, load.astype(np.int64) + slack)


def brute_force_optimum(inst: GapInstance) -> int:
    """Cheapest feasible assignment by enumerating all m**n of them."""
    every = np.array(list(itertools.product(range(inst.m), repeat=inst.n)), dtype=np.int64)
    jobs = np.arange(inst.n)
    cost = inst.cost[every, jobs].sum(axis=1)
    weight = inst.weight[every, jobs]
    load = np.stack([(weight * (every == i)).sum(axis=1) for i in range(inst.m)], axis=1)
    feasible = (load <= inst.capacity).all(axis=1)
    return int(cost[feasible].min())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_instances())
def test_random_tiny_instances_match_brute_force(inst: GapInstance) -> None:
    sol = solve_gap(inst, time_limit=5.0)
    assert sol.status == "optimal"
    assert sol.agent_of_job is not None
    assert check_gap_solution(inst, sol.agent_of_job, sol.objective) == []
    assert sol.objective == brute_force_optimum(inst)


# --- literature (shared data) ---------------------------------------------------


@pytest.mark.literature
def test_every_published_certificate_passes_the_checker() -> None:
    """Reader and checker agree with the literature on all 117 instances.

    Nine certificates (c801600 and eight D-type ones) are feasible but a few
    units above the best known value; all the others meet it exactly.
    """
    data = shared_gap_dir()
    ref = pd.read_csv(data / "reference_values.csv")
    assert len(ref) == 117
    at_best = 0
    for row in ref.itertuples(index=False):
        inst = read_gap_instance(data / row.dataset / row.instance)
        assert (inst.m, inst.n) == (row.m, row.n)
        agents = certificate(data / "best_solutions" / row.dataset, row.instance)
        assert check_gap_solution(inst, agents) == [], row.instance
        value = gap_objective(inst, agents)
        assert value >= row.best_lower_bound, row.instance
        assert row.best_lower_bound <= row.best_upper_bound
        at_best += value == row.best_upper_bound
        if row.dataset == "cattrysse1994" or (row.dataset == "chu1997" and row.instance[0] in "abc"):
            assert value == row.optimum, row.instance
    assert at_best == 117 - 9


@pytest.mark.literature
@pytest.mark.parametrize("name", ["gap5-0", "gap8-3", "gap12-4"])
def test_larger_cattrysse_instances_reach_their_optimum(name: str) -> None:
    data = shared_gap_dir()
    ref = pd.read_csv(data / "reference_values.csv").set_index("instance")
    inst = read_gap_instance(data / "cattrysse1994" / name)
    sol = solve_gap(inst, time_limit=10.0)
    assert sol.proven
    assert sol.objective == ref.loc[name, "optimum"]
