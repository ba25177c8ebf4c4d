"""Property tests: whatever the instance, a plan is complete, valid and checked."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.assignment import solve, violations
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 30),
    n_reps=st.integers(1, 5),
    tol=st.sampled_from([0.0, 0.1, 0.3, 1.0]),
    budget=st.sampled_from([None, 0.2, 0.6, 1.0]),
    seed=st.integers(0, 10_000),
)
def test_plans_are_complete_and_clean(n, n_reps, tol, budget, seed) -> None:
    rng = np.random.default_rng(seed)
    reps = [f"R{i}" for i in range(n_reps)]
    owners = [reps[rng.integers(0, n_reps)] if rng.random() < 0.8 else None for _ in range(n)]
    pins = [owners[i] if owners[i] and rng.random() < 0.1 else None for i in range(n)]
    parents = [f"A{rng.integers(0, i):03d}" if i > 0 and rng.random() < 0.15 else None for i in range(n)]
    # keep family trees one level deep: a child's parent must itself be a root
    for i, par in enumerate(parents):
        if par is not None and parents[int(par[1:])] is not None:
            parents[i] = None
    pots = rng.integers(1, 50, n).astype(float).tolist()
    cf = rng.choice([1.0, 0.5, 0.25], n_reps).tolist()
    p = make_problem(pots, owners, reps, cf, pins=pins, parents=parents, seed=seed)
    rules = AssignmentConfig(balance={"potential": tol}, max_moved_share=budget, time_limit=5)
    r = solve(p, rules)
    if r.status.has_plan:
        assert (r.rep_of_account >= 0).all()
        assert violations(p, r.rep_of_account, rules) == []
        pinned = p.pin >= 0
        assert (r.rep_of_account[pinned] == p.pin[pinned]).all()
        assert r.bound <= r.objective + 1e-9
    else:
        assert r.explanation
