"""Infeasibility cores over named rule groups: found, verified, minimal, in business words."""

from __future__ import annotations

import numpy as np
import pytest

from solver.assignment import Status, solve
from solver.assignment.block import build_block
from solver.assignment.explain.core import CoreModel, explain_infeasible, infeasible_core
from solver.assignment.prechecks import block_findings
from solver.config import AssignmentConfig
from solver.problem import Problem
from tests.solver.assignment.helpers import make_problem


def _assert_verified_and_minimal(p: Problem, rules: AssignmentConfig, keys: list[str]) -> None:
    cm = CoreModel(p, build_block(p, 0), rules, None)
    index = {g.key: i for i, g in enumerate(cm.groups)}
    core = [index[k] for k in keys]
    assert cm.solve(core, 5.0)[0] == Status.INFEASIBLE
    for g in core:
        status, _ = cm.solve([h for h in core if h != g], 5.0)
        assert status.has_plan, f"dropping {cm.groups[g].key} should make the rest feasible"


def test_pins_of_two_reps_conflict_only_together() -> None:
    # targets 30 each (tolerance 0): 15 15 15 15 10 10 10. Pinning one 10 to R1 and one to
    # R2 leaves neither able to reach 30 (10+10+10 needs the other's pinned account);
    # each pin on its own is fine, and no single figure is out of range (pre-checks pass).
    pots = [15.0, 15.0, 15.0, 15.0, 10.0, 10.0, 10.0]
    pins = [None, None, None, None, "R1", "R2", None]
    p = make_problem(pots, [None] * 7, ["R1", "R2", "R3"], pins=pins)
    rules = AssignmentConfig(balance={"potential": 0.0})
    assert block_findings(p, build_block(p, 0), rules) == []
    for only in ("R1", "R2"):
        alone = make_problem(
            pots, [None] * 7, ["R1", "R2", "R3"], pins=[q if q == only else None for q in pins]
        )
        assert solve(alone, rules).status == Status.OPTIMAL
    core = infeasible_core(p, build_block(p, 0), rules, None)
    keys = sorted(g.key for g in core.groups)
    assert core.verified and core.minimal
    assert keys in (
        ["balance:potential:R1", "pins:R1", "pins:R2"],
        ["balance:potential:R2", "pins:R1", "pins:R2"],
    )
    _assert_verified_and_minimal(p, rules, keys)


def test_pins_against_indivisible_accounts_core_and_words() -> None:
    # R1's pins give it 40, inside no band on their own terms (45-55 allows it to grow), but
    # the only other accounts are worth 30: R1 ends at 40 or 70
    p = make_problem([30.0, 30.0, 20.0, 20.0], [None] * 4, ["R1", "R2"], pins=[None, None, "R1", "R1"])
    rules = AssignmentConfig(balance={"potential": 0.1})
    assert block_findings(p, build_block(p, 0), rules) == []
    core = infeasible_core(p, build_block(p, 0), rules, None)
    keys = sorted(g.key for g in core.groups)
    assert keys in (["balance:potential:R1", "pins:R1"], ["balance:potential:R2", "pins:R1"])
    _assert_verified_and_minimal(p, rules, keys)
    text = explain_infeasible(p, build_block(p, 0), rules, None)
    assert "SMB x NA" in text and "pins of rep R1: 2 pinned account(s) (A002, A003)" in text
    assert "potential 40 = 80% of its target 50" in text
    assert "target 50 at tolerance 10.0%: between 45 and 55" in text


def test_capacity_and_budget_groups_are_named() -> None:
    # R1 owns all 6; balance needs 3 to move, the budget allows 2: budget vs balance
    p = make_problem([10.0] * 6, ["R1"] * 6, ["R1", "R2"])
    rules = AssignmentConfig(balance={"potential": 0.0}, max_moved_share=1 / 3)
    core = infeasible_core(p, build_block(p, 0), rules, budget=20.0)
    keys = sorted(g.key for g in core.groups)
    assert "max_moved_share" in keys and any(k.startswith("balance:potential") for k in keys)
    text = explain_infeasible(p, build_block(p, 0), rules, 20.0)
    assert "disruption budget: at most 20 of potential may change owner" in text
    p = make_problem([10.0] * 6, [None] * 6, ["R1", "R2"], max_accounts=[2, 6])
    rules = AssignmentConfig(balance={"accounts": 0.0})
    core = infeasible_core(p, build_block(p, 0), rules, None)
    assert sorted(g.key for g in core.groups) == ["balance:accounts:R1", "max_accounts:R1"]


def test_solve_appends_the_core_to_the_explanation() -> None:
    p = make_problem([30.0, 30.0, 20.0, 20.0], [None] * 4, ["R1", "R2"], pins=[None, None, "R1", "R1"])
    r = solve(p, AssignmentConfig(balance={"potential": 0.1}))
    assert r.status == Status.INFEASIBLE
    assert "these rules cannot all hold together" in r.explanation
    assert "pins of rep R1" in r.explanation


def test_feasible_block_has_no_core() -> None:
    p = make_problem([10.0] * 4, [None] * 4, ["R1", "R2"])
    core = infeasible_core(p, build_block(p, 0), AssignmentConfig(balance={"potential": 0.0}), None)
    assert core.groups == () and not core.verified
    assert "could not confirm" in explain_infeasible(
        p, build_block(p, 0), AssignmentConfig(balance={"potential": 0.0}), None
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_core_is_deterministic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pots = rng.integers(5, 40, 10).astype(float).tolist()
    pins = ["R1", "R1", None, None, "R2", None, None, None, None, None]
    p = make_problem(pots, [None] * 10, ["R1", "R2", "R3"], pins=pins)
    rules = AssignmentConfig(balance={"potential": 0.0})
    a = infeasible_core(p, build_block(p, 0), rules, None)
    b = infeasible_core(p, build_block(p, 0), rules, None)
    assert a.groups and a.verified  # seed 1: a band of exactly 75.67 no integer total can hit
    assert a == b
