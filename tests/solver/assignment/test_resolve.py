"""Re-solves: only touched blocks change, from the current plan; kept blocks carry valid bounds."""

from __future__ import annotations

import numpy as np
import pytest

from solver.assignment import Status, solve, violations
from solver.assignment.checker import objective_terms, weighted_objective
from solver.assignment.resolve import base_plan_on, continuity_problem, resolve, touched_blocks, warm
from solver.assignment.resolve.subproblem import block_problem
from solver.assignment.terms import block_distance_reference_km
from solver.config import AssignmentConfig
from solver.problem import Problem
from solver.synthetic import SyntheticSpec, generate_problem

RULES = AssignmentConfig(balance={"potential": 0.05}, time_limit=30.0, seed=0)


@pytest.fixture(scope="module")
def base() -> tuple[Problem, object]:
    problem = generate_problem(SyntheticSpec(n_accounts=1_500, n_reps=36, seed=3))
    result = solve(problem, RULES)
    assert result.status.has_plan
    return problem, result


def _account_to_move(problem: Problem, plan: np.ndarray, block: int) -> tuple[int, int]:
    """A free account of ``block`` and another active rep of that block."""
    acc_block = problem.account_block()
    free = np.flatnonzero(
        (acc_block == block) & (problem.pin < 0) & (np.bincount(problem.unit)[problem.unit] == 1)
    )
    i = int(free[np.argsort(problem.potential[free])[len(free) // 2]])
    reps = np.flatnonzero((problem.rep_block == block) & (problem.capacity_factor > 0))
    return i, int(next(r for r in reps if r != plan[i]))


def _block_of(problem: Problem, name: str) -> int:
    return next(b for b in range(len(problem.blocks)) if problem.block_name(b) == name)


def test_touched_blocks_follow_the_change(base) -> None:
    problem, result = base
    b = _block_of(problem, "MM x EMEA")
    i, r = _account_to_move(problem, result.rep_of_account, b)
    pin = problem.pin.copy()
    pin[i] = r
    assert touched_blocks(problem, problem.replace(pin=pin), RULES, RULES) == (b,)
    cf = problem.capacity_factor.copy()
    cf[r] *= 0.5
    assert touched_blocks(problem, problem.replace(capacity_factor=cf), RULES, RULES) == (b,)
    assert (
        touched_blocks(problem, problem, RULES, RULES.model_copy(update={"time_limit": 5.0, "seed": 7})) == ()
    )
    every = tuple(range(len(problem.blocks)))
    looser = RULES.model_copy(update={"balance": {"potential": 0.08}})
    assert touched_blocks(problem, problem, RULES, looser) == every
    assert touched_blocks(problem, problem.replace(potential=problem.potential * 1.01), RULES, RULES) == every


def test_a_pin_resolves_only_its_block_and_keeps_the_others(base) -> None:
    problem, result = base
    b = _block_of(problem, "SMB x AMER")
    i, r = _account_to_move(problem, result.rep_of_account, b)
    pin = problem.pin.copy()
    pin[i] = r
    changed = problem.replace(pin=pin)
    done = resolve(problem, result, changed, RULES, RULES)
    new = done.result
    assert new.status.has_plan and done.blocks == ("SMB x AMER",) and not done.whole
    assert new.rep_of_account[i] == r
    outside = problem.account_block() != b
    assert np.array_equal(new.rep_of_account[outside], result.rep_of_account[outside])
    assert violations(changed, new.rep_of_account, RULES) == []
    cont = continuity_problem(changed, result.rep_of_account)
    assert new.objective == pytest.approx(
        weighted_objective(objective_terms(cont, new.rep_of_account), RULES)
    )
    # moving as little as possible: the pinned account and a few to rebalance, not the block
    assert 1 <= done.moved_accounts <= 20
    assert done.moved_accounts == int((new.rep_of_account != result.rep_of_account).sum())


def test_resolve_matches_a_cold_solve_within_half_a_percent_of_its_bound(base) -> None:
    problem, result = base
    b = _block_of(problem, "SMB x EMEA")
    _, r = _account_to_move(problem, result.rep_of_account, b)
    cf = problem.capacity_factor.copy()
    cf[r] = 0.5  # the rep leaves half way through the year
    changed = problem.replace(capacity_factor=cf)
    done = resolve(problem, result, changed, RULES, RULES)
    cold = solve(continuity_problem(changed, result.rep_of_account), RULES)
    assert done.result.status.has_plan and cold.status.has_plan
    assert done.result.objective - cold.bound <= 0.005 * abs(cold.bound)
    # every block's reported bound is valid: no plan of the block beats it
    by_name = {x.block: x for x in cold.blocks}
    for figures in done.result.blocks:
        assert figures.bound <= by_name[figures.block].objective + 1e-9
        assert figures.bound <= figures.objective + 1e-12


def test_a_change_that_touches_nothing_returns_the_plan_as_it_was(base) -> None:
    problem, result = base
    done = resolve(problem, result, problem, RULES, RULES.model_copy(update={"time_limit": 9.0}))
    assert done.blocks == () and done.moved_accounts == 0
    assert np.array_equal(done.result.rep_of_account, result.rep_of_account)
    assert done.result.objective == result.objective and done.result.bound == result.bound


def test_an_added_rep_keeps_the_plan_in_the_indices_of_the_new_reps(base) -> None:
    problem, result = base
    b = _block_of(problem, "ENT x AMER")
    j = int(np.flatnonzero(problem.rep_block == b)[0])
    # a copy of rep j under an id that sorts first: every rep index shifts by one
    take = np.r_[j, np.arange(problem.n_reps)]
    grown = problem.replace(
        rep_ids=np.r_[np.array(["0-new"], dtype=problem.rep_ids.dtype), problem.rep_ids],
        **{name: getattr(problem, name)[take] for name in _REP_ARRAYS},
        owner=np.where(problem.owner >= 0, problem.owner + 1, problem.owner),
        pin=np.where(problem.pin >= 0, problem.pin + 1, problem.pin),
    )
    plan = base_plan_on(problem, result.rep_of_account, grown)
    assert np.array_equal(grown.rep_ids[plan], problem.rep_ids[result.rep_of_account])
    assert touched_blocks(problem, grown, RULES, RULES) == (b,)
    done = resolve(problem, result, grown, RULES, RULES)
    assert done.result.status.has_plan and done.blocks == ("ENT x AMER",)
    assert violations(grown, done.result.rep_of_account, RULES) == []
    assert (done.result.rep_of_account == 0).any(), "the new rep takes accounts to balance the block"


_REP_ARRAYS = (
    "rep_segment",
    "rep_region",
    "rep_block",
    "capacity_factor",
    "rep_lat",
    "rep_lon",
    "max_accounts",
    "max_workload",
    "max_accounts_lost",
    "max_accounts_gained",
)


def test_an_impossible_pin_is_explained_as_a_full_solve_explains_it(base) -> None:
    problem, result = base
    b = _block_of(problem, "MM x AMER")
    acc = np.flatnonzero(problem.account_block() == b)
    r = int(np.flatnonzero((problem.rep_block == b) & (problem.capacity_factor > 0))[0])
    pin = problem.pin.copy()
    pin[acc] = r  # the whole block on one rep breaks every other rep's band
    changed = problem.replace(pin=pin)
    done = resolve(problem, result, changed, RULES, RULES)
    full = solve(changed, RULES)
    assert done.result.status == full.status == Status.INFEASIBLE
    assert done.result.explanation == full.explanation
    assert "MM x AMER" in (done.result.explanation or "")
    assert not done.whole and done.blocks == ("MM x AMER",), "only the touched block is checked"


@pytest.mark.slow
def test_a_broken_disruption_budget_is_solved_whole(base) -> None:
    problem, result = base
    moved = float(problem.potential[(problem.owner >= 0) & (result.rep_of_account != problem.owner)].sum())
    share = moved / float(problem.potential.sum())
    rules = RULES.model_copy(update={"max_moved_share": share + 1e-9})
    b = _block_of(problem, "SMB x AMER")
    plan = result.rep_of_account
    kept = np.flatnonzero((problem.account_block() == b) & (plan == problem.owner) & (problem.pin < 0))
    i = int(kept[np.argmax(problem.potential[kept])])
    r = int(next(j for j in np.flatnonzero(problem.rep_block == b) if j != plan[i]))
    pin = problem.pin.copy()
    pin[i] = r  # the largest kept account leaves its owner: the budget, spent to the cent, breaks
    changed = problem.replace(pin=pin)
    done = resolve(problem, result, changed, rules, rules)
    assert done.whole and "budget" in done.note
    # the cold solve under the budget may run out of time on a loaded machine; a plan keeps it
    if done.result.status.has_plan:
        assert violations(changed, done.result.rep_of_account, rules) == []


def test_a_rep_gone_with_a_pinned_account_is_infeasible_and_explained(base) -> None:
    problem, result = base
    b = _block_of(problem, "SMB x EMEA")
    i, r = _account_to_move(problem, result.rep_of_account, b)
    pin = problem.pin.copy()
    pin[i] = r
    cf = problem.capacity_factor.copy()
    cf[r] = 0.0  # gone before the plan year, yet an account is pinned to them
    done = resolve(problem, result, problem.replace(pin=pin, capacity_factor=cf), RULES, RULES)
    assert done.result.status == Status.INFEASIBLE
    assert problem.account_ids[i] in (done.result.explanation or "")


def test_a_large_block_is_resolved_through_solve_on_the_block_alone(base, monkeypatch) -> None:
    problem, result = base
    b = _block_of(problem, "SMB x EMEA")
    _, r = _account_to_move(problem, result.rep_of_account, b)
    cf = problem.capacity_factor.copy()
    cf[r] = 0.5
    changed = problem.replace(capacity_factor=cf)
    whole = resolve(problem, result, changed, RULES, RULES)
    monkeypatch.setattr(warm, "LARGE_BLOCK_UNITS", 0)
    alone = resolve(problem, result, changed, RULES, RULES)
    assert alone.result.status.has_plan and alone.blocks == ("SMB x EMEA",)
    outside = problem.account_block() != b
    assert np.array_equal(alone.result.rep_of_account[outside], result.rep_of_account[outside])
    assert violations(changed, alone.result.rep_of_account, RULES) == []
    # the block alone has the same costs, scaled: the same quality and a valid bound
    assert alone.result.objective == pytest.approx(whole.result.objective, rel=1e-3)
    assert alone.result.bound <= whole.result.objective + 1e-12
    figures = {f.block: f for f in alone.result.blocks}["SMB x EMEA"]
    assert figures.bound == pytest.approx(
        {f.block: f for f in whole.result.blocks}["SMB x EMEA"].bound, rel=1e-3
    )


def test_block_problem_keeps_the_block_as_it_was(base) -> None:
    problem, _ = base
    b = _block_of(problem, "MM x EMEA")
    sub, accs = block_problem(problem, b)
    assert sub.blocks == (problem.blocks[b],) and sub.n_accounts == len(accs)
    assert np.array_equal(sub.account_ids, problem.account_ids[accs])
    assert np.array_equal(np.flatnonzero(sub.rep_block == 0), np.flatnonzero(problem.rep_block == b))
    assert block_distance_reference_km(sub)[0] == pytest.approx(block_distance_reference_km(problem)[b])
