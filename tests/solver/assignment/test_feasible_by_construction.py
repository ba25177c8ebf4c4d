"""Instances with a known plan (the witness) must come back with a checked plan.

The generator builds the plan first (`solver.synthetic_witness`), so every case
is feasible; the solver must find *a* plan keeping every rule, whatever the
objective says: greenfield (no owners, no distance: every balanced plan is
optimal), no coordinates, 1 to 300 reps per block, tolerances from 0.5% to
100%, heavy tails with single accounts near a rep's whole band, pins and
families, ramping and leaving reps. Books hold at least 10 accounts with a
heavy tail: tighter shapes (a few equal-sized accounts per rep inside +-0.5%)
are number-partitioning puzzles that no construction solves in general.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.assignment.block import build_block
from solver.assignment.checker import violations
from solver.assignment.construct import construct, greedy
from solver.assignment.repair import Bands, dense_costs
from solver.assignment.rules import pair_costs
from solver.assignment.solve import solve
from solver.config import AssignmentConfig
from solver.synthetic_witness import WitnessSpec, generate_witness

TOLERANCES = st.sampled_from([0.005, 0.01, 0.02, 0.05, 0.25, 1.0])
SHAPE = {
    "sigma": st.sampled_from([1.0, 1.5, 2.5]),
    "whale_share": st.sampled_from([0.0, 0.1, 0.5]),
    "pin_share": st.sampled_from([0.0, 0.1, 0.3]),
    "family_share": st.sampled_from([0.0, 0.3]),
    "hire_share": st.sampled_from([0.0, 0.2]),
    "leaving_share": st.sampled_from([0.0, 0.2]),
    "coordinates": st.booleans(),
}


def _checked(spec: WitnessSpec, rules: AssignmentConfig) -> None:
    instance = generate_witness(spec)
    problem = instance.problem()
    assert violations(problem, instance.witness_plan(problem), rules) == []  # the case is feasible
    result = solve(problem, rules)
    assert result.status.has_plan, result.explanation
    assert violations(problem, result.rep_of_account, rules) == []


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reps=st.sampled_from([1, 2, 3, 7, 20, 60, 150, 300]),
    per_rep=st.integers(10, 14),
    tol=TOLERANCES,
    seed=st.integers(0, 10_000),
    **SHAPE,
)
def test_greenfield_plans_are_found(reps: int, per_rep: int, tol: float, seed: int, **shape: object) -> None:
    """No owners and no distance: the objective is empty; a plan must still come back."""
    spec = WitnessSpec(reps * per_rep, reps, 1, seed=seed, **shape)  # type: ignore[arg-type]
    rules = AssignmentConfig(
        balance={"potential": tol}, weights={"disruption": 1.0, "distance": 0.0}, time_limit=20
    )
    _checked(spec, rules)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reps=st.sampled_from([2, 5, 12, 30]),
    blocks=st.integers(1, 3),
    per_rep=st.integers(10, 20),
    tol=TOLERANCES,
    owned=st.sampled_from([0.0, 0.5, 0.9]),
    distance=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 10_000),
    **SHAPE,
)
def test_owned_books_are_planned(
    reps: int,
    blocks: int,
    per_rep: int,
    tol: float,
    owned: float,
    distance: float,
    seed: int,
    **shape: object,
) -> None:
    """Owners that differ from the witness: the LP route, with the construction behind it."""
    spec = WitnessSpec(
        reps * blocks * per_rep,
        reps * blocks,
        blocks,
        seed=seed,
        owned_share=owned,
        **shape,  # type: ignore[arg-type]
    )
    rules = AssignmentConfig(
        balance={"potential": tol}, weights={"disruption": 1.0, "distance": distance}, time_limit=20
    )
    _checked(spec, rules)


def test_greedy_places_large_units_first_inside_the_bands() -> None:
    """A whale near a rep's whole band goes to a rep it fits; the small accounts fill the rest."""
    spec = WitnessSpec(400, 20, 1, seed=3, whale_share=0.5, sigma=2.0)
    problem = generate_witness(spec).problem()
    rules = AssignmentConfig(balance={"potential": 0.01}, weights={"disruption": 1.0, "distance": 0.0})
    block = build_block(problem, 0)
    bands = Bands.of(problem, block, rules)
    cost = pair_costs(block, rules, float(problem.potential.sum()), 1.0)
    plan = greedy(bands, dense_costs(block, cost), block.pinned_rep)
    assert (bands.loads(plan, len(block.reps)) <= bands.upper * (1 + 1e-9)).all()
    built = construct(problem, block, rules, cost, None, deadline=np.inf)
    assert built is not None
    assert bands.violation(bands.loads(built, len(block.reps))).max() <= 1e-12


def test_a_greenfield_block_without_coordinates_is_optimal_at_once() -> None:
    """Every balanced plan costs nothing: the first one is optimal (bound 0 = objective)."""
    spec = WitnessSpec(3_000, 150, 1, seed=1, sigma=1.5)
    problem = generate_witness(spec).problem()
    rules = AssignmentConfig(
        balance={"potential": 0.03}, weights={"disruption": 1.0, "distance": 0.0}, time_limit=20
    )
    result = solve(problem, rules)
    assert result.status.value == "optimal"
    assert result.objective == 0.0 and result.bound == 0.0
    assert violations(problem, result.rep_of_account, rules) == []
