"""Rules added to the block model: one feasible and one infeasible case each, and the checker.

Eligibility by the reps' ``countries`` / ``languages`` lists, forbidden pairs,
per-rep ``max_accounts_lost`` / ``max_accounts_gained``, and balance on two
metrics at once. Every plan is also re-checked by `violations`.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from solver.assignment import Status, solve, violations
from solver.assignment.block import build_block
from solver.assignment.checker import accounts_lost_gained
from solver.assignment.repair import Bands, dense_costs, dense_moved, repair
from solver.assignment.rules import block_rows, pair_costs
from solver.config import AssignmentConfig
from solver.problem import Problem
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.05}, time_limit=10)
FREE = AssignmentConfig(balance={}, time_limit=10)


def _obj(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def _reps_of(p: Problem, plan: np.ndarray) -> list[str]:
    return [str(r) for r in p.rep_ids[plan]]


def _solved(p: Problem, rules: AssignmentConfig):
    r = solve(p, rules)
    if r.status.has_plan:
        assert violations(p, r.rep_of_account, rules) == []
    return r


# ----------------------------------------------------------------------------- countries


def test_countries_feasible_each_account_goes_to_a_rep_of_its_country() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_country=_obj(["US", "US", "CA", "CA"]), rep_countries=_obj(["US", "CA"])
    )
    r = _solved(p, RULES)
    assert r.status == Status.OPTIMAL
    assert _reps_of(p, r.rep_of_account) == ["R1", "R1", "R2", "R2"]


def test_countries_infeasible_when_no_rep_covers_an_account() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_country=_obj(["US", "US", "CA", "MX"]), rep_countries=_obj(["US", "CA"])
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE
    assert "A003" in r.explanation and "covers country CA only" in r.explanation
    assert "eligibility" in r.explanation


def test_countries_and_balance_conflict_is_infeasible() -> None:
    # three US accounts for one US rep, one CA account for the CA rep: balance cannot hold
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_country=_obj(["US", "US", "US", "CA"]), rep_countries=_obj(["US", "CA"])
    )
    assert solve(p, RULES).status == Status.INFEASIBLE


def test_empty_country_list_means_any_country() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_country=_obj(["US", "FR", "CA", "MX"]), rep_countries=_obj(["", "US;FR"])
    )
    r = _solved(p, RULES)
    assert r.status.has_plan
    assert _reps_of(p, r.rep_of_account)[2:] == ["R1", "R1"]


# ----------------------------------------------------------------------------- languages


def test_languages_feasible_and_blank_language_matches_any_rep() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_language=_obj(["de", "de", "fr", ""]), rep_languages=_obj(["de;en", "fr"])
    )
    r = _solved(p, RULES)
    assert r.status == Status.OPTIMAL
    assert _reps_of(p, r.rep_of_account)[:3] == ["R1", "R1", "R2"]


def test_languages_infeasible_when_nobody_speaks_it() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_language=_obj(["de", "de", "fr", "it"]), rep_languages=_obj(["de", "fr"])
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE and "A003" in r.explanation and "language" in r.explanation


# ----------------------------------------------------------------------------- forbidden pairs


def test_forbidden_pair_feasible_is_avoided() -> None:
    p = make_problem([10] * 4, ["R1"] * 4, ["R1", "R2"]).replace(forbidden=np.array([[0, 0], [1, 0]]))
    r = _solved(p, RULES)
    assert r.status == Status.OPTIMAL
    assert _reps_of(p, r.rep_of_account)[:2] == ["R2", "R2"]


def test_forbidden_pairs_infeasible_and_pin_to_forbidden_rep_explained() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(forbidden=np.array([[0, 0], [0, 1]]))
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE and "A000" in r.explanation and "forbidden" in r.explanation
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"], pins=["R1", None, None, None]).replace(
        forbidden=np.array([[0, 0]])
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE
    assert "pinned to R1, who may not take it" in r.explanation


def test_forbidden_pair_applies_to_the_whole_family() -> None:
    # A001 belongs to A000's family; forbidding (A001, R1) keeps the family off R1
    p = make_problem([10] * 4, ["R1"] * 4, ["R1", "R2"], parents=[None, "A000", None, None]).replace(
        forbidden=np.array([[1, 0]])
    )
    r = _solved(p, RULES)
    assert _reps_of(p, r.rep_of_account)[:2] == ["R2", "R2"]


# ----------------------------------------------------------------------------- lost / gained


def _owned_by_r1(n: int = 6) -> Problem:
    return make_problem([10] * n, ["R1"] * n, ["R1", "R2"])


def test_max_accounts_lost_feasible_and_infeasible() -> None:
    # balance forces R1 to give 3 of its 6 accounts to R2
    p = _owned_by_r1().replace(max_accounts_lost=np.array([3.0, np.nan]))
    r = _solved(p, RULES)
    assert r.status == Status.OPTIMAL
    lost, _ = accounts_lost_gained(p, r.rep_of_account)
    assert lost.tolist() == [3, 0]
    p = _owned_by_r1().replace(max_accounts_lost=np.array([2.0, np.nan]))
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE
    assert "max_accounts_lost of rep R1" in r.explanation and "balance of potential" in r.explanation


def test_max_accounts_gained_feasible_and_infeasible() -> None:
    p = _owned_by_r1().replace(max_accounts_gained=np.array([np.nan, 3.0]))
    assert _solved(p, RULES).status == Status.OPTIMAL
    p = _owned_by_r1().replace(max_accounts_gained=np.array([np.nan, 2.0]))
    r = solve(p, RULES)
    assert r.status == Status.INFEASIBLE and "max_accounts_gained of rep R2" in r.explanation


def test_lost_limit_of_a_leaving_rep_is_a_precheck_finding() -> None:
    p = make_problem([10] * 4, ["R1", "R1", "R2", "R2"], ["R1", "R2", "R3"], cf=[0.0, 1.0, 1.0]).replace(
        max_accounts_lost=np.array([1.0, np.nan, np.nan])
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE
    assert "rep R1 can hold no account this year but owns 2" in r.explanation


def test_pins_beyond_gained_limit_are_a_precheck_finding() -> None:
    p = make_problem([10] * 4, ["R1"] * 4, ["R1", "R2"], pins=[None, "R2", "R2", None]).replace(
        max_accounts_gained=np.array([np.nan, 1.0])
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE and "pins give rep R2 2 accounts" in r.explanation


def test_limits_hold_on_a_block_solved_by_lp_rounding_and_repair() -> None:
    # 700 units x 4 reps = 2,800 pairs: the LP + rounding + repair path, not the exact MIP
    rng = np.random.default_rng(0)
    reps = ["R0", "R1", "R2", "R3"]
    owners = [reps[i] for i in rng.choice(4, 700, p=[0.4, 0.3, 0.2, 0.1])]
    p = make_problem(rng.integers(10, 100, 700).astype(float).tolist(), owners, reps).replace(
        max_accounts_lost=np.array([100.0, np.nan, np.nan, np.nan]),
        max_accounts_gained=np.array([np.nan, np.nan, np.nan, 96.0]),
    )
    rules = AssignmentConfig(balance={"potential": 0.02, "accounts": 0.05}, time_limit=20)
    r = _solved(p, rules)
    assert r.status.has_plan
    lost, gained = accounts_lost_gained(p, r.rep_of_account)
    assert lost[0] <= 100 and gained[3] <= 96
    # R3 owns 70 and needs >= 166 accounts (175 - 5%): it must gain at least 96
    r = solve(p.replace(max_accounts_gained=np.array([np.nan, np.nan, np.nan, 95.0])), rules)
    assert r.status == Status.INFEASIBLE and "max_accounts_gained of rep R3" in r.explanation


def test_repair_respects_lost_and_gained_limits() -> None:
    rng = np.random.default_rng(4)
    reps = ["R0", "R1", "R2"]
    p = make_problem(rng.integers(10, 30, 60).astype(float).tolist(), ["R0"] * 40 + ["R1"] * 20, reps)
    p = p.replace(
        max_accounts_lost=np.array([24.0, 2.0, np.nan]), max_accounts_gained=np.array([np.nan, 3.0, np.nan])
    )
    rules = AssignmentConfig(balance={"accounts": 0.1})
    block = build_block(p, 0)
    bands = Bands.of(p, block, rules)
    assert "max_accounts_lost" in bands.names and bands.pair_values is not None
    cost = pair_costs(block, rules, float(p.potential.sum()), 1.0)
    start = block.pair_rep[np.r_[0 : len(block.pair_unit) : 3]]  # everyone with the owner
    fixed = repair(
        bands,
        dense_costs(block, cost),
        dense_moved(block),
        None,
        start.copy(),
        np.ones(len(block.units), dtype=bool),
        time.perf_counter() + 10,
    )
    assert fixed is not None
    plan = block.reps[fixed][np.argsort(block.units)][p.unit]
    assert violations(p, plan, rules) == []
    lost, gained = accounts_lost_gained(p, plan)
    assert lost[0] <= 24 and lost[1] <= 2 and gained[1] <= 3


def test_rows_of_limits_match_the_checker_counts() -> None:
    p = make_problem([10] * 5, ["R1", "R1", "R2", None, "GONE"], ["R1", "R2"]).replace(
        max_accounts_lost=np.array([1.0, 1.0]), max_accounts_gained=np.array([1.0, 1.0])
    )
    block = build_block(p, 0)
    rows = {r.rule: r for r in block_rows(p, block, FREE, None)}
    assert {"max_accounts_lost", "max_accounts_gained"} <= set(rows)
    # R1 owns 2 today; keeping both means losing 0: row lower = owned - limit = 1
    assert rows["max_accounts_lost"].lower.tolist() == [1.0, 0.0]
    # gaining: the departed owner's account counts as gained by whoever takes it; the new one does not
    plan = np.array([1, 1, 0, 0, 0])  # R1's two go to R2, R2's one to R1, new and departed to R1
    lost, gained = accounts_lost_gained(p, plan)
    assert lost.tolist() == [2, 1] and gained.tolist() == [2, 2]
    kinds = {(v.rule, v.subject) for v in violations(p, plan, FREE)}
    assert kinds == {
        ("max_accounts_lost", "R1"),
        ("max_accounts_gained", "R1"),
        ("max_accounts_gained", "R2"),
    }


# ----------------------------------------------------------------------------- checker


def test_checker_names_eligibility_and_forbidden_breaks() -> None:
    p = make_problem([10] * 4, [None] * 4, ["R1", "R2"]).replace(
        account_country=_obj(["US", "US", "CA", "CA"]),
        rep_countries=_obj(["US", "CA"]),
        account_language=_obj(["en", "en", "en", "fr"]),
        rep_languages=_obj(["", "fr"]),
        forbidden=np.array([[1, 0]]),
    )
    # A000 (US, en) on the CA/fr rep; A001 on R1, forbidden; A002 and A003 (CA) on the US rep
    bad = np.array([1, 0, 0, 0])
    found = {(v.rule, v.subject, v.detail) for v in violations(p, bad, FREE)}
    assert ("eligibility", "A000", "rep R2 covers country CA only; A000 has US") in found
    assert ("eligibility", "A000", "rep R2 covers language fr only; A000 has en") in found
    assert ("forbidden", "A001", "the pair (A001, R1) is forbidden") in found
    assert {("eligibility", "A002"), ("eligibility", "A003")} <= {(r, s) for r, s, _ in found}
    # A001 on R2 breaks the country list, A002 (en) on R2 the language list
    found = {(v.rule, v.subject) for v in violations(p, np.array([0, 1, 1, 1]), FREE)}
    assert found == {("eligibility", "A001"), ("eligibility", "A002")}
    assert violations(p, np.array([0, 0, 1, 1]), FREE)[0].rule == "forbidden"
    assert violations(p.replace(forbidden=None, rep_languages=None), np.array([0, 0, 1, 1]), FREE) == []


# ----------------------------------------------------------------------------- two balance metrics


def test_two_balance_metrics_at_once_feasible() -> None:
    # 160 of potential over 8 accounts: each rep needs exactly 80 and exactly 4 accounts
    pots = [40, 10, 10, 20, 20, 20, 10, 30]
    p = make_problem([float(x) for x in pots], [None] * 8, ["R1", "R2"])
    rules = AssignmentConfig(balance={"potential": 0.0, "accounts": 0.0}, time_limit=10)
    r = _solved(p, rules)
    assert r.status == Status.OPTIMAL
    plan = r.rep_of_account
    assert np.bincount(plan, minlength=2).tolist() == [4, 4]
    assert np.bincount(plan, weights=p.potential, minlength=2).tolist() == [80.0, 80.0]


def test_two_balance_metrics_infeasible_together_but_not_alone() -> None:
    # potential 60 | 20+20+20: potential alone balances (1 vs 3 accounts), accounts alone balance,
    # both at once cannot
    p = make_problem([60.0, 20.0, 20.0, 20.0], [None] * 4, ["R1", "R2"])
    assert solve(p, AssignmentConfig(balance={"potential": 0.0})).status == Status.OPTIMAL
    assert solve(p, AssignmentConfig(balance={"accounts": 0.0})).status == Status.OPTIMAL
    r = solve(p, AssignmentConfig(balance={"potential": 0.0, "accounts": 0.0}))
    assert r.status == Status.INFEASIBLE
    assert "balance of accounts" in r.explanation or "balance of potential" in r.explanation


@pytest.mark.parametrize("metric", ["workload", "arr"])
def test_two_metrics_with_workload_or_arr(metric: str) -> None:
    p = make_problem([10.0] * 6, [None] * 6, ["R1", "R2"])
    values = np.array([3.0, 1.0, 1.0, 1.0, 2.0, 2.0])
    p = p.replace(**{metric: values})
    rules = AssignmentConfig(balance={"potential": 0.0, metric: 0.0}, time_limit=10)
    r = _solved(p, rules)
    assert r.status == Status.OPTIMAL
    assert np.bincount(r.rep_of_account, weights=values, minlength=2).tolist() == [5.0, 5.0]


def test_family_pinned_to_two_reps_is_a_precheck_finding() -> None:
    p = make_problem(
        [10] * 4, [None] * 4, ["R1", "R2"], pins=["R1", "R2", None, None], parents=[None, "A000", None, None]
    )
    r = solve(p, FREE)
    assert r.status == Status.INFEASIBLE
    assert "pinned to different reps (A000 to R1, A001 to R2)" in r.explanation
