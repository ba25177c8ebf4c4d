"""solve() in lexicographic mode: balance first, then disruption, then distance."""

from __future__ import annotations

from solver.assignment import Status, solve, violations
from solver.assignment.checker import balance_deviation
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem


def test_lexicographic_mode_puts_balance_first() -> None:
    p = make_problem([10, 10, 10, 10, 10, 10], ["R1"] * 6, ["R1", "R2"])
    weighted = AssignmentConfig(balance={"potential": 0.5}, weights={"disruption": 1.0})
    lex = weighted.model_copy(update={"objective": "lexicographic", "order": ("balance", "disruption")})
    w = solve(p, weighted)
    r = solve(p, lex)
    assert w.status.has_plan and r.status.has_plan
    assert violations(p, r.rep_of_account, lex) == []
    # weighted: least disruption inside the +-50% band (R2 gets only 2 of 6)
    assert w.terms["moved_potential"] == 20
    # lexicographic: perfect balance first (3 and 3), then the fewest moves for it
    assert r.terms["moved_potential"] == 30
    assert max(balance_deviation(p, r.rep_of_account, ["potential"]).values()) == 0.0
    assert r.status in (Status.OPTIMAL, Status.FEASIBLE)
