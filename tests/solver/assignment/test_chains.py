"""Chains of two moves find what single moves cannot under tight bands, and keep the bands."""

from __future__ import annotations

import numpy as np

from solver.assignment.block import build_block
from solver.assignment.chains import improve_chains
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve
from solver.assignment.rules import pair_costs
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem


def _swap_case() -> tuple[Bands, np.ndarray, np.ndarray, np.ndarray]:
    """Two reps at their targets, each holding the other's 10: only a swap moves nothing."""
    p = make_problem([10, 10, 5, 5], ["R1", "R0", "R0", "R1"], ["R0", "R1"])
    rules = AssignmentConfig(balance={"potential": 0.05}, weights={"disruption": 1.0, "distance": 0.0})
    block = build_block(p, 0)
    cost = pair_costs(block, rules, float(p.potential.sum()), 1.0)
    plan = np.array([0, 1, 0, 1])  # A000 (owned by R1) on R0, A001 (owned by R0) on R1
    return Bands.of(p, block, rules), dense_costs(block, cost), dense_moved(block), plan


def test_a_swap_removes_what_single_moves_cannot() -> None:
    bands, c, moved, plan = _swap_case()
    movable = np.ones(4, dtype=bool)
    assert improve(bands, c, moved, None, plan, movable, np.inf).tolist() == plan.tolist()
    better = improve_chains(bands, c, moved, None, plan, movable, np.inf)
    assert better.tolist() == [1, 0, 0, 1]
    assert bands.violation(bands.loads(better, 2)).max() == 0.0
    assert c[np.arange(4), better].sum() == 0.0


def test_chains_respect_pins_and_the_budget() -> None:
    bands, c, moved, plan = _swap_case()
    pinned = np.array([False, True, True, True])
    assert improve_chains(bands, c, moved, None, plan, ~pinned, np.inf).tolist() == plan.tolist()
    # a budget below what the plan moves already: no chain may move more, and this one moves less
    start_moved = float(moved[np.arange(4), plan].sum())
    out = improve_chains(bands, c, moved, start_moved, plan, np.ones(4, dtype=bool), np.inf)
    assert float(moved[np.arange(4), out].sum()) <= start_moved


def test_chains_stop_once_the_plan_is_good_enough() -> None:
    """A plan already within ``enough`` is returned as it is; a lower threshold lets chains work."""
    bands, c, moved, plan = _swap_case()
    movable = np.ones(4, dtype=bool)
    start_cost = float(c[np.arange(4), plan].sum())
    assert improve_chains(bands, c, moved, None, plan, movable, np.inf, enough=start_cost).tolist() == (
        plan.tolist()
    )
    assert improve_chains(bands, c, moved, None, plan, movable, np.inf, enough=0.0).tolist() == [1, 0, 0, 1]
