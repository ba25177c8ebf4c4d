"""The search over groups of reps finds exchanges that single moves and chains cannot,
keeps every band, pin and the budget, and is deterministic."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solver.assignment.groups as groups
from solver.assignment.block import BlockData, build_block
from solver.assignment.chains import improve_chains
from solver.assignment.groups import improve_by_groups
from solver.assignment.lp.lp_round import pairs_of
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve
from solver.assignment.rules import pair_costs
from solver.config import AssignmentConfig
from solver.problem import Problem
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})


def _one_for_two(pins: list[str | None] | None = None) -> tuple[Problem, BlockData, np.ndarray, np.ndarray]:
    """Two reps at their targets: R0 holds R1's 10, R1 holds R0's two 5s. Only all three
    moving at once keeps both bands (a chain of two moves leaves one rep 5 short)."""
    p = make_problem([10, 5, 5, 20, 20], ["R1", "R0", "R0", "R0", "R1"], ["R0", "R1"], pins=pins)
    block = build_block(p, 0)
    cost = pair_costs(block, RULES, float(p.potential.sum()), 1.0)
    plan = np.array([0, 1, 1, 0, 1])
    return p, block, cost, plan


def _cost(block: BlockData, cost: np.ndarray, plan: np.ndarray) -> float:
    return float(cost[pairs_of(block, np.arange(len(plan)), plan)].sum())


def _far() -> float:
    return time.perf_counter() + 60.0


def test_an_exchange_of_one_for_two_that_moves_and_chains_miss() -> None:
    p, block, cost, plan = _one_for_two()
    bands = Bands.of(p, block, RULES)
    c, moved, movable = dense_costs(block, cost), dense_moved(block), np.ones(5, dtype=bool)
    single = improve(bands, c, moved, None, plan, movable, np.inf)
    assert improve_chains(bands, c, moved, None, single, movable, np.inf).tolist() == plan.tolist()
    better = improve_by_groups(p, block, RULES, cost, None, plan, 0.0, 10.0, _far())
    assert better.tolist() == [1, 0, 0, 0, 1]
    assert _cost(block, cost, better) == 0.0
    assert bands.violation(bands.loads(better, 2)).max() == 0.0


def test_pinned_units_stay_and_bands_hold() -> None:
    p, block, cost, plan = _one_for_two(pins=[None, "R1", None, None, None])
    better = improve_by_groups(p, block, RULES, cost, None, plan, 0.0, 10.0, _far())
    assert better[1] == 1
    bands = Bands.of(p, block, RULES)
    assert bands.violation(bands.loads(better, 2)).max() == 0.0
    # with one 5 held on R1 the exchange cannot balance: nothing cheaper keeps the bands
    assert better.tolist() == plan.tolist()


def test_nothing_is_solved_when_the_plan_is_within_the_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    p, block, cost, plan = _one_for_two()

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("no group should be solved")

    monkeypatch.setattr(groups, "solve_mip", refuse)
    at_bound = _cost(block, cost, plan)
    assert (
        improve_by_groups(p, block, RULES, cost, None, plan, at_bound, 10.0, _far()).tolist() == plan.tolist()
    )
    # no work budget: no group either
    assert improve_by_groups(p, block, RULES, cost, None, plan, 0.0, 0.0, _far()).tolist() == plan.tolist()


def _shuffled_case(seed: int) -> tuple[Problem, BlockData, np.ndarray, np.ndarray]:
    """60 units on 8 reps, a plan balanced by construction but far from the owners."""
    rng = np.random.default_rng(seed)
    reps = [f"R{i}" for i in range(8)]
    potentials = rng.integers(1, 20, 60).astype(float).tolist()
    owners = [reps[i] for i in rng.integers(0, 8, 60)]
    p = make_problem(potentials, owners, reps, seed=seed)
    rules = AssignmentConfig(balance={"potential": 0.5}, weights={"disruption": 1.0, "distance": 0.1})
    block = build_block(p, 0)
    cost = pair_costs(block, rules, float(p.potential.sum()), 1.0)
    # deal units out largest first to the lightest rep: a balanced plan that ignores owners
    load = np.zeros(8)
    plan = np.zeros(60, dtype=np.int64)
    values = block.unit_values["potential"]
    for u in np.argsort(-values, kind="stable"):
        plan[u] = int(np.argmin(load))
        load[plan[u]] += values[u]
    return p, block, cost, plan


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_never_worse_keeps_bands_and_budget_and_is_deterministic(seed: int) -> None:
    p, block, cost, plan = _shuffled_case(seed)
    rules = AssignmentConfig(balance={"potential": 0.5}, weights={"disruption": 1.0, "distance": 0.1})
    bands = Bands.of(p, block, rules)
    assert bands.violation(bands.loads(plan, 8)).max() == 0.0
    moved = dense_moved(block)
    budget = float(moved[np.arange(60), plan].sum())
    first = improve_by_groups(p, block, rules, cost, budget, plan, 0.0, 5.0, _far())
    again = improve_by_groups(p, block, rules, cost, budget, plan, 0.0, 5.0, _far())
    assert first.tolist() == again.tolist()
    assert _cost(block, cost, first) < _cost(block, cost, plan)
    assert bands.violation(bands.loads(first, 8)).max() <= 1e-9
    assert float(moved[np.arange(60), first].sum()) <= budget + 1e-9
