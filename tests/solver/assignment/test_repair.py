"""Repair restores the bands at the least cost per unit of violation removed."""

from __future__ import annotations

import numpy as np

from solver.assignment.block import build_block
from solver.assignment.repair import Bands, dense_costs, dense_moved, repair
from solver.assignment.rules import pair_costs
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem


def test_repair_sheds_free_units_before_a_reps_own_account() -> None:
    """R0 is over its band by 4 with its own account of 5 and five unowned accounts of 1.

    Its own account fixes both reps in one move, but moves 5 of potential; four unowned
    accounts fix them as well and move nothing. A rounded LP leaves reps in this state
    (slices of unowned accounts rounded up onto a rep that keeps its book), and shedding
    the rep's own book there was most of the first plan's gap on a held-out 100k block.
    """
    owners = ["R0", "R0", None, None, None, None, None, "R1"]
    p = make_problem([5, 45, 1, 1, 1, 1, 1, 45], owners, ["R0", "R1"])
    rules = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})
    block = build_block(p, 0)
    cost = pair_costs(block, rules, float(p.potential.sum()), 1.0)
    bands, c, moved = Bands.of(p, block, rules), dense_costs(block, cost), dense_moved(block)
    start = np.array([0, 0, 0, 0, 0, 0, 0, 1])  # R0: 55 against a band of 49-51; R1: 45
    fixed = repair(bands, c, moved, None, start, np.ones(8, dtype=bool), np.inf)
    assert fixed is not None
    assert bands.violation(bands.loads(fixed, 2)).max() == 0.0
    assert fixed[:2].tolist() == [0, 0] and fixed[7] == 1  # every owned account stays
    assert float(moved[np.arange(8), fixed].sum()) == 0.0
    assert int((fixed[2:7] == 1).sum()) in (4, 5)  # 49 <= 50 + 5 - moved free <= 51
