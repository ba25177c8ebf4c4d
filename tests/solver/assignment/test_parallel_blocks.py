"""Blocks solved in parallel processes give the same plan as one after the other."""

from __future__ import annotations

import numpy as np
import pytest

from solver.assignment import solve, violations
from solver.assignment.executor import local_processes, using_engine
from solver.assignment.piece_checks import block_workers_for
from solver.config import AssignmentConfig
from solver.synthetic import SyntheticSpec, generate_problem


@pytest.mark.slow
def test_parallel_blocks_match_sequential() -> None:
    problem = generate_problem(SyntheticSpec(1_500, 24, seed=2))
    rules = AssignmentConfig(balance={"potential": 0.05}, time_limit=60)
    sequential = solve(problem, rules)
    with using_engine(local_processes(2)):
        assert block_workers_for(problem, [None, None]) == 2
        parallel = solve(problem, rules)
    assert parallel.status == sequential.status
    assert np.array_equal(parallel.rep_of_account, sequential.rep_of_account)
    assert parallel.objective == pytest.approx(sequential.objective, rel=1e-12)
    assert violations(problem, parallel.rep_of_account, rules) == []
