"""Costs are scaled to O(1) inside the HiGHS backends: tiny costs give the same plan and LP."""

from __future__ import annotations

import time

import numpy as np
import pytest

from solver.assignment.backends.highs_backend import solve_mip
from solver.assignment.block import build_block
from solver.assignment.lp.pricing import perturbed, priced_lp
from solver.assignment.rules import block_rows, pair_costs
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.synthetic import SyntheticSpec, generate_problem
from solver.synthetic_witness import WitnessSpec, generate_witness

RULES = AssignmentConfig(balance={"potential": 0.05}, weights={"disruption": 1.0, "distance": 0.1})


@pytest.fixture(scope="module")
def block_and_cost():
    problem = generate_problem(SyntheticSpec(1_500, 20, seed=5))
    b = int(np.argmax(np.bincount(problem.unit_block)))
    block = build_block(problem, b)
    d_ref = block_distance_reference_km(problem)
    return problem, block, pair_costs(block, RULES, total_potential(problem), float(d_ref[b]))


@pytest.mark.parametrize("factor", [1e-9, 1e6])
def test_priced_lp_is_invariant_to_the_cost_scale(block_and_cost, factor: float) -> None:
    problem, block, cost = block_and_cost
    base = priced_lp(problem, block, RULES, cost, None, time.perf_counter() + 60)
    scaled = priced_lp(problem, block, RULES, cost * factor, None, time.perf_counter() + 60)
    assert scaled.objective == pytest.approx(base.objective * factor, rel=1e-6)
    assert scaled.bound == pytest.approx(base.bound * factor, rel=1e-6)
    assert scaled.row_dual is not None and base.row_dual is not None
    # duals scale with the costs: the pieces' Lagrangian bound relies on them
    assert float(np.abs(scaled.row_dual).max()) == pytest.approx(
        float(np.abs(base.row_dual).max()) * factor, rel=1e-4
    )


def test_mip_is_invariant_to_the_cost_scale(block_and_cost) -> None:
    problem, block, _ = block_and_cost
    sub = build_block(problem, block.index, block.units[:60])  # a small sub-problem: 60 units
    rows = block_rows(problem, sub, RULES.model_copy(update={"balance": {}}), None)
    c = pair_costs(sub, RULES, total_potential(problem), 100.0)
    plain = solve_mip(
        len(c), c, rows, fixed_one=np.zeros(0, dtype=np.int64), time_limit=30, seed=0, mip_gap=0.0
    )
    tiny = solve_mip(
        len(c), c * 1e-9, rows, fixed_one=np.zeros(0, dtype=np.int64), time_limit=30, seed=0, mip_gap=0.0
    )
    assert tiny.objective == pytest.approx(plain.objective * 1e-9, rel=1e-6)
    assert tiny.bound == pytest.approx(plain.bound * 1e-9, rel=1e-6)


def test_tie_broken_lp_ends_on_the_true_costs() -> None:
    """Least-disruption costs tie; the LP solved first on perturbed costs returns the true LP bound."""
    problem = generate_witness(WitnessSpec(600, 12, 1, seed=4, owned_share=0.9)).problem()
    rules = AssignmentConfig(balance={"potential": 0.05}, weights={"disruption": 1.0, "distance": 0.0})
    block = build_block(problem, 0)
    cost = pair_costs(block, rules, float(problem.potential.sum()), 1.0)
    work, loss = perturbed(block, cost)
    assert loss > 0 and np.all(work >= cost) and np.all(work - cost <= loss / len(block.units) + 1e-15)
    lp = priced_lp(problem, block, rules, cost, None, deadline=np.inf)
    full = solve_mip(
        len(cost),
        cost,
        block_rows(problem, block, rules, None),
        fixed_one=np.zeros(0, dtype=np.int64),
        time_limit=30,
        seed=0,
        mip_gap=0.0,
        relax=True,
    )
    assert lp.bound == pytest.approx(full.objective, rel=1e-7, abs=1e-12)
    assert lp.objective == pytest.approx(float(cost @ lp.x))


def test_each_incremental_solve_gets_its_own_time_limit(block_and_cost) -> None:
    """HiGHS sums its run time over the runs of one instance: a short limit given after
    longer runs must still let the next run finish (column generation re-solves often)."""
    from solver.assignment.backends.highs_backend import IncrementalLp
    from solver.assignment.result import Status

    problem, block, cost = block_and_cost
    rows = block_rows(problem, block, RULES, None)
    lower = (block.pinned_rep[block.pair_unit] >= 0).astype(float)
    lp = IncrementalLp(rows, cost, lower, seed=0)
    lp.add(np.arange(len(cost)))
    while lp.h.getRunTime() < 1.5:  # runs from scratch until the instance has run 1.5 s
        lp.h.clearSolver()
        assert lp.solve(60.0)[0] == Status.OPTIMAL
    lp.h.clearSolver()
    # one solve from scratch takes a small fraction of a second: 1 s of its own is plenty
    assert lp.solve(1.0)[0] == Status.OPTIMAL
