"""One feasible and one infeasible case per rule, and the checker catching breaks."""

from __future__ import annotations

import numpy as np
import pytest

from solver.assignment import Status, solve, violations
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.05}, time_limit=10)


def _rep(problem, result, account: str) -> str:
    i = list(problem.account_ids).index(account)
    return str(problem.rep_ids[result.rep_of_account[i]])


def test_eligibility_feasible_and_block_without_reps_infeasible() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"])
    assert solve(p, RULES).status == Status.OPTIMAL
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"], segments=["SMB", "SMB", "ENT", "ENT"])
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE
    assert "ENT x NA" in r.explanation and "eligibility" in r.explanation


def test_balance_feasible_and_indivisible_account_infeasible() -> None:
    p = make_problem([10, 10, 10, 10], ["R1"] * 4, ["R1", "R2"])
    r = solve(p, RULES)
    assert r.status == Status.OPTIMAL
    assert r.terms["moved_potential"] == 20  # two of R1's accounts go to R2
    p = make_problem([100, 10, 10], [None] * 3, ["R1", "R2"])
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE
    assert "A000" in r.explanation and "balance of potential" in r.explanation


def test_balance_follows_capacity_factor() -> None:
    p = make_problem([10] * 6, [None] * 6, ["R1", "R2"], cf=[1.0, 0.5])
    r = solve(p, AssignmentConfig(balance={"potential": 0.0}))
    assert np.bincount(r.rep_of_account).tolist() == [4, 2]


def test_pins_held_and_pin_outside_block_infeasible() -> None:
    p = make_problem([10] * 4, ["R1"] * 4, ["R1", "R2"], pins=["R2", None, None, None])
    r = solve(p, RULES)
    assert r.status == Status.OPTIMAL and _rep(p, r, "A000") == "R2"
    p = make_problem(
        [10] * 4,
        [None] * 4,
        ["R1", "R2", "E1"],
        pins=["E1", None, None, None],
        rep_segments=["SMB", "SMB", "ENT"],
    )
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE and "pinned to E1" in r.explanation


def test_pins_overloading_a_rep_are_explained_with_figures() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"], pins=["R1", "R1", "R1", None])
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE
    assert "3 pinned accounts give rep R1" in r.explanation and "150%" in r.explanation


def test_families_stay_together() -> None:
    p = make_problem(
        [10, 10, 10, 10], ["R1", "R2", "R1", "R2"], ["R1", "R2"], parents=[None, "A000", None, None]
    )
    r = solve(p, RULES)
    assert r.status == Status.OPTIMAL
    assert _rep(p, r, "A000") == _rep(p, r, "A001")


def test_max_accounts_feasible_and_infeasible() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"], max_accounts=[2, 2])
    assert solve(p, RULES).status == Status.OPTIMAL
    p = make_problem([10] * 6, [None] * 6, ["R1", "R2"], max_accounts=[2, 2])
    r = solve(p, AssignmentConfig(balance={}))
    assert r.status == Status.INFEASIBLE and "max_accounts" in r.explanation


def test_disruption_budget_feasible_and_infeasible() -> None:
    p = make_problem([10] * 4, ["R1"] * 4, ["R1", "R2"])
    r = solve(p, AssignmentConfig(balance={"potential": 0.05}, max_moved_share=0.5))
    assert r.status.has_plan and r.terms["moved_potential"] == 20
    r = solve(p, AssignmentConfig(balance={"potential": 0.05}, max_moved_share=0.4))
    assert r.status == Status.INFEASIBLE
    assert "max_moved_share = 40.0%" in r.explanation and "50.0%" in r.explanation


def test_departed_owner_forces_moves_beyond_budget() -> None:
    p = make_problem([10] * 4, ["GONE"] * 4, ["R1", "R2"])
    r = solve(p, AssignmentConfig(balance={"potential": 0.05}, max_moved_share=0.5))
    assert r.status == Status.INFEASIBLE and "owner left" in r.explanation


def test_checker_catches_each_kind_of_break() -> None:
    p = make_problem(
        [10] * 4,
        ["R1"] * 4,
        ["R1", "R2"],
        pins=["R1", None, None, None],
        parents=[None, None, None, "A002"],
    )
    rules = AssignmentConfig(balance={"potential": 0.05}, max_moved_share=0.1)
    good = solve(p, AssignmentConfig(balance={"potential": 0.05})).rep_of_account
    assert violations(p, good, AssignmentConfig(balance={"potential": 0.05})) == []
    bad = np.array([1, 0, 0, 1])  # pin broken, family split, R1 holds 2 (ok), ...
    kinds = {v.rule for v in violations(p, bad, rules)}
    assert {"pin", "family", "max_moved_share"} <= kinds
    all_one = np.zeros(4, dtype=int)
    assert "balance:potential" in {v.rule for v in violations(p, all_one, rules)}
    assert {v.rule for v in violations(p, np.array([0, 0, -1, 0]), rules)} == {"assigned"}


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_plan(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pots = rng.lognormal(3, 0.5, 60).round(2).tolist()
    owners = [f"R{rng.integers(0, 4)}" for _ in range(60)]
    p = make_problem(pots, owners, ["R0", "R1", "R2", "R3"], seed=seed)
    a = solve(p, RULES).rep_of_account
    b = solve(p, RULES).rep_of_account
    assert a.tolist() == b.tolist()
