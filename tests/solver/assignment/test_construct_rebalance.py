"""The construction's last step re-deals one broken rep at a time with a few partners."""

from __future__ import annotations

import numpy as np

from solver.assignment.block import build_block
from solver.assignment.construct import REBALANCE_REPS, _redeal, rebalance
from solver.assignment.repair import Bands
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})
REPS = 12


def _two_reps_over():
    """12 reps, 1,200 units of 1 (targets 100, band 98-102): R0 and R1 hold 105 each
    (3 over), the others 99 each (1 below target, inside the band)."""
    problem = make_problem([1.0] * 1_200, [None] * 1_200, [f"R{i:02d}" for i in range(REPS)])
    block = build_block(problem, 0)
    plan = np.repeat(np.arange(REPS), [105, 105] + [99] * (REPS - 2))
    cost = np.zeros(len(block.pair_unit))
    return problem, block, Bands.of(problem, block, RULES), cost, plan


def test_a_broken_rep_is_mended_while_another_stays_broken() -> None:
    """R1's broken band is none of R0's re-deal's business (its rows are left open)."""
    problem, block, bands, cost, plan = _two_reps_over()
    dealt = _redeal(problem, block, RULES, bands, cost, None, plan, 0, 4, deadline=np.inf)
    assert dealt is not None
    per_rep = bands.violation(bands.loads(dealt, REPS))
    assert per_rep[0] <= 1e-12 and per_rep[1] > 0
    touched = np.unique(np.concatenate([plan[dealt != plan], dealt[dealt != plan]]))
    assert 0 in touched and 1 not in touched and len(touched) <= 4


def test_rebalance_touches_only_the_broken_reps_and_a_few_partners() -> None:
    problem, block, bands, cost, plan = _two_reps_over()
    out = rebalance(problem, block, RULES, bands, cost, None, plan, deadline=np.inf)
    assert out is not None
    assert bands.violation(bands.loads(out, REPS)).max() <= 1e-12
    loads_changed = np.flatnonzero(np.bincount(out, minlength=REPS) != np.bincount(plan, minlength=REPS))
    assert {0, 1} <= set(loads_changed.tolist())
    assert len(loads_changed) <= 2 * REBALANCE_REPS
