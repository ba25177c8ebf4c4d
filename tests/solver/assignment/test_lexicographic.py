"""Lexicographic objective: each term minimal given the earlier ones, on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from solver.assignment import Status, solve, violations
from solver.assignment.block import build_block
from solver.assignment.checker import balance_deviation, objective_terms
from solver.assignment.lexicographic import (
    lexicographic_objective,
    run_block_lexicographic,
    solve_block_lexicographic,
)
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem
from tests.solver.assignment.helpers import make_problem


def _problem() -> Problem:
    # small enough that every stage is proved optimal in well under a second
    rng = np.random.default_rng(3)
    reps = ["R0", "R1", "R2"]
    return make_problem(
        rng.integers(100, 1000, 12).astype(float).tolist(), [reps[i] for i in rng.integers(0, 3, 12)], reps
    )


def _lex(p: Problem, rules: AssignmentConfig):
    out = solve_block_lexicographic(
        p,
        build_block(p, 0),
        rules,
        None,
        total_p=total_potential(p),
        d_ref_km=float(block_distance_reference_km(p)[0]),
        time_limit=20,
    )
    plan = None
    if out.x is not None:
        block = build_block(p, 0)
        chosen = out.x > 0.5
        rep_of_unit = np.full(p.n_units, -1)
        rep_of_unit[block.units[block.pair_unit[chosen]]] = block.reps[block.pair_rep[chosen]]
        plan = rep_of_unit[p.unit]
    return out, plan


LEX = AssignmentConfig(
    balance={"potential": 0.3, "accounts": 0.5}, objective="lexicographic", mip_gap=0.0, lex_tolerance=1e-3
)


@pytest.fixture(scope="module")
def lex_run():
    p = _problem()
    return p, *_lex(p, LEX)


def test_every_term_reported_and_checker_clean(lex_run) -> None:
    p, out, plan = lex_run
    assert out.status == Status.OPTIMAL
    assert [s.term for s in out.stages] == ["balance", "disruption", "distance"]
    assert violations(p, plan, LEX) == []
    terms = objective_terms(p, plan)
    dev = balance_deviation(p, plan, list(LEX.balance))
    values = {s.term: s.value for s in out.stages}
    assert values["balance"] == pytest.approx(dev["balance"])
    assert values["disruption"] == pytest.approx(terms["disruption"])
    assert values["distance"] == pytest.approx(terms["distance"])
    assert lexicographic_objective(p, plan, LEX) == pytest.approx(out.as_backend_outcome().objective)


def test_balance_stage_is_the_least_deviation(lex_run) -> None:
    p, out, _ = lex_run
    best = out.stages[0].value
    assert best > 0
    tighter = {m: best * (1 - 1e-6) for m in LEX.balance}
    assert solve(p, AssignmentConfig(balance=tighter)).status == Status.INFEASIBLE
    assert solve(p, AssignmentConfig(balance={m: best * (1 + 1e-9) for m in LEX.balance})).status.has_plan


def test_disruption_stage_is_least_given_the_balance(lex_run) -> None:
    p, out, _ = lex_run
    cap = out.stages[0].value * (1 + LEX.lex_tolerance) + 1e-9
    least = solve(
        p, AssignmentConfig(balance=dict.fromkeys(LEX.balance, cap), weights={"disruption": 1.0}, mip_gap=0.0)
    )
    assert least.status == Status.OPTIMAL
    assert out.stages[1].value == pytest.approx(least.objective, rel=1e-6)


def test_order_changes_the_result() -> None:
    p = _problem()
    balance_first = _lex(p, LEX)[0]
    disruption_first = _lex(p, LEX.model_copy(update={"order": ("disruption", "balance", "distance")}))[0]
    v1 = {s.term: s.value for s in balance_first.stages}
    v2 = {s.term: s.value for s in disruption_first.stages}
    assert v2["disruption"] <= v1["disruption"] + 1e-12
    assert v2["balance"] >= v1["balance"] - 1e-12
    assert (v2["disruption"], v2["balance"]) != pytest.approx((v1["disruption"], v1["balance"]))


@pytest.mark.parametrize("solver", ["cpsat", "pulp"])
def test_backends_agree_on_every_stage(lex_run, solver: str) -> None:
    p, ref, _ = lex_run
    out, plan = _lex(p, LEX.model_copy(update={"solver": solver}))
    assert violations(p, plan, LEX) == []
    for a, b in zip(out.stages, ref.stages, strict=True):
        assert a.term == b.term
        assert a.value == pytest.approx(b.value, rel=2e-3, abs=1e-7)


def test_infeasible_block_has_no_plan() -> None:
    p = make_problem([60.0, 20.0, 20.0, 20.0], [None] * 4, ["R1", "R2"])
    rules = AssignmentConfig(balance={"potential": 0.0, "accounts": 0.0}, objective="lexicographic")
    out, plan = _lex(p, rules)
    assert out.status == Status.INFEASIBLE and out.x is None and plan is None


def test_without_balance_rules_the_balance_term_is_zero() -> None:
    p = _problem()
    out, plan = _lex(p, AssignmentConfig(balance={}, objective="lexicographic"))
    assert out.stages[0].term == "balance" and out.stages[0].value == 0.0
    assert objective_terms(p, plan)["moved_potential"] == 0.0  # nothing forces a move


@pytest.mark.parametrize(
    "update",
    [
        {"order": ("balance", "speed")},
        {"order": ("balance", "balance")},
        {"order": ()},
        {"lex_tolerance": 1.5},
    ],
)
def test_bad_lexicographic_settings_are_rejected(update: dict) -> None:
    with pytest.raises(ValidationError):
        AssignmentConfig.model_validate({"objective": "lexicographic", **update})


def test_run_block_shape_matches_the_weighted_path(lex_run) -> None:
    p, ref, plan = lex_run
    block = build_block(p, 0)
    out, solved = run_block_lexicographic(
        p,
        block,
        LEX,
        None,
        20,
        total_p=total_potential(p),
        d_ref_km=float(block_distance_reference_km(p)[0]),
    )
    assert solved is block and out.status == Status.OPTIMAL
    assert out.x.tolist() == ref.x.tolist()
    assert out.objective == pytest.approx(lexicographic_objective(p, plan, LEX))
    assert out.bound <= out.objective + 1e-12
