"""The scenario's time limit covers reading and writing: the solve gets what is left."""

from __future__ import annotations

import pytest

from scenarios.run.runner import solve_rules
from solver.config import AssignmentConfig


def test_the_solve_gets_the_limit_less_reading_and_writing() -> None:
    rules = AssignmentConfig(time_limit=60.0)
    # writing: 3% of the limit plus 2e-5 s per account when rendering (1.8 + 2.0 s)
    assert solve_rules(rules, 5.0, 100_000, True).time_limit == pytest.approx(60 - 5 - 3.8)
    assert solve_rules(rules, 5.0, 100_000, False).time_limit == pytest.approx(60 - 5 - 1.8)
    # writing never takes more than a fifth of the limit, and the solve keeps a tenth
    assert solve_rules(rules, 0.0, 10_000_000, True).time_limit == pytest.approx(48.0)
    assert solve_rules(rules, 59.0, 1_000, True).time_limit == pytest.approx(6.0)
    assert solve_rules(rules, 5.0, 1_000, True).seed == rules.seed
