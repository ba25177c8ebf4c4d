"""Shifting each piece's balance duals: the split block's bound rises and stays a bound."""

from __future__ import annotations

import time

import numpy as np
import pytest

from solver.assignment.block import block_reps, build_block
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.split.block_bound import PieceDuals, lagrangian_bound, piece_duals
from solver.assignment.split.dual_shift import BalancePrices, shift_gain
from solver.synthetic import SyntheticSpec, generate_problem
from tests.solver.assignment.helpers import SPLIT_RULES, cost_per_pair

RULES = SPLIT_RULES


@pytest.fixture(scope="module")
def problem():
    return generate_problem(SyntheticSpec(3_000, 40, seed=5))


@pytest.fixture(scope="module")
def largest_lp(problem):
    """The largest block, its fully priced LP and that LP's duals, and the cost per pair."""
    cost_of = cost_per_pair(problem, RULES)
    b = int(np.argmax(np.bincount(problem.unit_block, minlength=len(problem.blocks))))
    block = build_block(problem, b)
    lp = priced_lp(problem, block, RULES, cost_of(block), None, time.perf_counter() + 60)
    return b, lp, piece_duals(problem, block, RULES, None, lp.row_dual), cost_of


def _offset(duals: PieceDuals, reps_of_piece: np.ndarray, by: dict[str, float]) -> PieceDuals:
    """The duals with ``by[rule]`` added to every rep of ``reps_of_piece`` (a piece priced apart)."""
    rules = {}
    for rule, (reps, values) in duals.rules.items():
        mine = np.isin(reps, reps_of_piece)
        rules[rule] = (reps, values + np.where(mine, by.get(rule, 0.0), 0.0))
    return PieceDuals(rules, duals.budget)


def test_shifts_undo_a_piece_priced_at_another_level_and_stay_below_the_lp(problem, largest_lp) -> None:
    """Two pieces whose potential prices differ by a constant: the plain bound drops under the
    LP, the shifted one climbs back (never above the LP optimum, which bounds every dual's value)."""
    b, lp, duals, cost_of = largest_lp
    reps = block_reps(problem, b)
    piece = (np.arange(len(reps)) >= len(reps) // 2).astype(np.int64)
    level = float(np.abs(duals.rules["balance:potential"][1]).mean())
    skewed = _offset(duals, reps[piece == 1], {"balance:potential": 0.5 * level, "balance:accounts": 0.0})
    plain, _, _ = lagrangian_bound(problem, b, RULES, [skewed], cost_of)
    shifted, _, _ = lagrangian_bound(problem, b, RULES, [skewed], cost_of, rep_group=piece, shift=True)
    assert plain < lp.objective * (1 - 1e-3)
    assert shifted >= plain + 0.8 * (lp.objective - plain)
    assert shifted <= lp.objective * (1 + 1e-9)


def test_shifting_consistent_duals_gains_nothing(problem, largest_lp) -> None:
    """At the LP's own duals no shift can help (they already maximise the Lagrangian)."""
    b, lp, duals, cost_of = largest_lp
    piece = np.arange(len(block_reps(problem, b))) % 3
    shifted, _, _ = lagrangian_bound(problem, b, RULES, [duals], cost_of, rep_group=piece, shift=True)
    assert shifted == pytest.approx(lp.objective, rel=1e-7)


def test_the_gain_closes_a_hand_made_leak() -> None:
    """Two groups of one rep, each rep's band exactly one unit of value 1.

    Costs: unit 0 costs 0 at group 0 and 1 at group 1; unit 1 costs 3 and 0. The best plan
    costs 0. Priced with y = (4, 0), the reduced costs are unit 0: (-4, 1), unit 1: (-1, 0),
    so unit 1 leaks into group 0 and the bound is -4 - 1 + 4 = -1. Shifting group 0's
    price back by 4 gives the bound 0 again, which nothing can exceed.
    """
    prices = BalancePrices(
        y=np.array([[4.0], [0.0]]),
        lower=np.array([[1.0], [1.0]]),
        upper=np.array([[1.0], [1.0]]),
        values=np.array([[1.0], [1.0]]),
    )
    minima = np.array([[0.0 - 4.0, 1.0], [3.0 - 4.0, 0.0]])
    start = min(-4.0, 1.0) + min(-1.0, 0.0) + 4.0 * 1.0
    assert start == -1.0
    gain = shift_gain(minima, prices, np.array([0, 1]))
    assert gain == pytest.approx(1.0, abs=1e-3)
    assert start + gain <= 1e-12
