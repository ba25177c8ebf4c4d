"""Alternative plans: different enough, good enough, each a clean checked plan."""

from __future__ import annotations

import numpy as np

from solver.assignment import violations
from solver.assignment.alternatives import alternatives, differing_share
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem


def test_alternatives_differ_and_stay_close_to_the_best() -> None:
    rng = np.random.default_rng(3)
    pots = rng.integers(5, 15, 40).astype(float).tolist()
    owners = [f"R{rng.integers(0, 4)}" if rng.random() < 0.5 else None for _ in range(40)]
    p = make_problem(pots, owners, ["R0", "R1", "R2", "R3"], seed=3)
    rules = AssignmentConfig(balance={"potential": 0.2}, time_limit=10)
    plans = alternatives(p, rules, 3, min_diff_share=0.1, max_gap=0.5)
    assert len(plans) >= 2
    best = plans[0]
    for i, r in enumerate(plans):
        assert violations(p, r.rep_of_account, rules) == []
        assert r.objective <= best.objective * 1.5 + 1e-12
        assert r.bound <= r.objective + 1e-9
        for earlier in plans[:i]:
            assert differing_share(r.rep_of_account, earlier.rep_of_account) >= 0.1


def test_single_plan_when_k_is_one() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"])
    assert len(alternatives(p, AssignmentConfig(), 1)) == 1
