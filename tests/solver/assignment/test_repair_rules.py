"""Repair's two move rules: the cheapest of the largest drops, and the least cost per drop."""

from __future__ import annotations

import numpy as np

from solver.assignment.block import build_block
from solver.assignment.repair import Bands, dense_costs, dense_moved, repair_run
from solver.assignment.rules import pair_costs
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})


def _over_by_an_own_account():
    """R0 holds 110 (its own 10 and 90, and two unowned 5s), R2 holds 90: targets 100, +-2%.
    Moving R0's own 10 to R2 mends both at once but moves an owned account; the two
    unowned 5s do the same for nothing."""
    p = make_problem([10, 5, 5, 90, 100, 90], ["R0", None, None, "R0", "R1", "R2"], ["R0", "R1", "R2"])
    block = build_block(p, 0)
    cost = pair_costs(block, RULES, float(p.potential.sum()), 1.0)
    plan = np.array([0, 0, 0, 0, 1, 2])
    return Bands.of(p, block, RULES), dense_costs(block, cost), dense_moved(block), plan


def _run(per_drop: bool, max_steps: int = 100):
    bands, c, moved, plan = _over_by_an_own_account()
    out, done, steps = repair_run(
        bands, c, moved, None, plan, np.ones(6, dtype=bool), np.inf, per_drop, max_steps
    )
    return bands, c, out, done, steps


def test_the_largest_drop_moves_the_own_account_in_one_step() -> None:
    _bands, c, out, done, steps = _run(per_drop=False)
    assert done and steps == 1
    assert out.tolist() == [2, 0, 0, 0, 1, 2]
    assert c[np.arange(6), out].sum() > 0


def test_the_least_cost_per_drop_moves_the_unowned_ones_for_nothing() -> None:
    bands, c, out, done, steps = _run(per_drop=True)
    assert done and steps == 2
    assert out.tolist() == [0, 2, 2, 0, 1, 2]
    assert c[np.arange(6), out].sum() == 0.0
    assert bands.violation(bands.loads(out, 3)).max() == 0.0


def test_the_step_cap_stops_a_repair_short() -> None:
    bands, _c, out, done, steps = _run(per_drop=True, max_steps=1)
    assert not done and steps == 1
    assert bands.violation(bands.loads(out, 3)).max() > 0
