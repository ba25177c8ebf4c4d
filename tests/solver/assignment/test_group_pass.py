"""Once every piece has a plan, groups of reps close the gap that remains: the plan keeps
every rule, and the pass without the budget keeps a budget its plan already keeps."""

from __future__ import annotations

import numpy as np
import pytest

import solver.assignment.group_pass as group_pass
from solver.assignment import solve
from solver.assignment.checker import moved_mask, violations
from solver.assignment.result import relative_gap
from solver.config import AssignmentConfig
from solver.problem import Problem
from solver.synthetic_witness import WitnessSpec, generate_witness

RULES = AssignmentConfig(
    balance={"potential": 0.02, "accounts": 0.25},
    weights={"disruption": 1.0, "distance": 0.1},
    time_limit=5.0,
    seed=0,
)


def _held_out() -> Problem:
    """2,000 accounts x 20 reps, most kept by their owners, tight bands: the first plan
    (LP, rounding, local search, polish) stops about 1% above the LP bound."""
    spec = WitnessSpec(
        2_000,
        20,
        1,
        seed=1,
        owned_share=0.85,
        keep_owner_share=0.9,
        book_sigma=0.05,
        pin_share=0.005,
        family_share=0.03,
    )
    return generate_witness(spec).problem()


def _moved_share(problem: Problem, rep_of_account: np.ndarray) -> float:
    moved = moved_mask(problem, rep_of_account)
    return float(problem.potential[moved].sum() / problem.potential.sum())


def test_groups_close_the_gap_the_first_plans_leave(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _held_out()
    searched = solve(problem, RULES)
    monkeypatch.setattr(group_pass, "improve_by_groups", lambda *args, **_: args[5])
    first = solve(problem, RULES)
    assert violations(problem, searched.rep_of_account, RULES) == []
    assert relative_gap(first.objective, first.bound) > RULES.mip_gap
    assert searched.objective < first.objective
    assert searched.bound == pytest.approx(first.bound)


def test_the_pass_without_the_budget_holds_each_piece_to_its_share_of_the_slack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a budget the first plan keeps, the search of the pass without the budget may
    run on to the run's own limit, each piece held to what it moves now plus its share of
    the slack: the budgets handed to the search add up to the plan-wide budget."""
    problem = _held_out()
    with monkeypatch.context() as patch:
        patch.setattr(group_pass, "improve_by_groups", lambda *args, **_: args[5])
        first = solve(problem, RULES)
    share = _moved_share(problem, first.rep_of_account) + 0.01
    seen: list[tuple[float | None, float]] = []

    def record(*args: object, **_: object) -> object:
        seen.append((args[4], args[7]))  # type: ignore[arg-type]
        return args[5]

    monkeypatch.setattr(group_pass, "improve_by_groups", record)
    rules = RULES.model_copy(update={"max_moved_share": share, "time_limit": 40.0})
    kept = solve(problem, rules)
    assert violations(problem, kept.rep_of_account, rules) == []
    assert kept.rep_of_account.tolist() == first.rep_of_account.tolist()
    budgets = [b for b, _ in seen]
    assert budgets and all(b is not None for b in budgets)
    assert sum(b for b in budgets if b is not None) == pytest.approx(share * float(problem.potential.sum()))
    # one block: its work budget is the run's whole limit, not the 75% the pass without the
    # budget gets
    assert [w for _, w in seen] == [pytest.approx(40.0)]
