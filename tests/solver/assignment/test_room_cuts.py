"""Room cuts: a large unit goes whole to one rep, so the LP pays for the book that rep sheds."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment.backends.highs_backend import IncrementalLp, solve_mip
from solver.assignment.block import build_block
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.lp.room_cuts import ROOM_CUT_RULE, room_cuts
from solver.assignment.rules import block_rows, pair_costs
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})


def _whale_without_room():
    """Targets 100 (+-2). R0 owns 5 accounts of 10, R1-R3 own 8 each; a departed owner's
    account of 90 and four unowned accounts of 5. No rep's book leaves room for 90: every
    plan moves at least 40 (R0 keeps one of its accounts beside the whale), while the LP
    spreads the whale over the reps' room and moves nothing."""
    pots = [10.0] * (5 + 3 * 8) + [90.0] + [5.0] * 4
    owners: list[str | None] = ["R0"] * 5 + ["R1"] * 8 + ["R2"] * 8 + ["R3"] * 8 + [None] * 5
    p = make_problem(pots, owners, ["R0", "R1", "R2", "R3"])
    block = build_block(p, 0)
    total = float(p.potential.sum())
    return p, block, pair_costs(block, RULES, total, 1.0), total


def _band(p, block):
    return next(r for r in block_rows(p, block, RULES, None) if r.rule == "balance:potential")


def test_the_whale_gets_one_cut_per_rep_and_small_units_none() -> None:
    p, block, _, _ = _whale_without_room()
    cuts = room_cuts(block, _band(p, block))
    assert cuts is not None and cuts.rule == ROOM_CUT_RULE
    whale = int(np.argmax(block.unit_values["potential"]))
    named = block.pair_unit[cuts.col[: cuts.n]]
    assert cuts.n == 4 and (named == whale).all()
    assert sorted(block.pair_rep[cuts.col[: cuts.n]].tolist()) == [0, 1, 2, 3]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 3), st.lists(st.integers(0, 19), min_size=34, max_size=34))
def test_every_plan_within_the_band_keeps_every_cut(home: int, draws: list[int]) -> None:
    """The cuts are valid: any plan whose reps keep their potential band keeps them. The whale
    goes to ``home``, which gets few other units (so that its band often holds)."""
    p, block, _, _ = _whale_without_room()
    band = _band(p, block)
    cuts = room_cuts(block, band)
    assert cuts is not None
    others = [r for r in range(4) if r != home]
    reps = np.array([d if d < 4 else others[d % 3] for d in draws])
    reps[int(np.argmax(block.unit_values["potential"]))] = home
    x = np.zeros(len(block.pair_unit))
    x[np.searchsorted(block.pair_unit * 4 + block.pair_rep, np.arange(len(reps)) * 4 + reps)] = 1.0
    load = np.bincount(block.pair_rep, weights=x * band.val, minlength=4)
    lhs = np.bincount(cuts.row, weights=cuts.val * x[cuts.col], minlength=cuts.n)
    within = load <= band.upper + 1e-9
    cut_rep = block.pair_rep[cuts.col[: cuts.n]]
    assert (lhs[within[cut_rep]] <= cuts.upper[within[cut_rep]] + 1e-9).all()


def test_the_cuts_raise_the_lp_bound_to_what_every_plan_moves() -> None:
    p, block, cost, total = _whale_without_room()
    rows = block_rows(p, block, RULES, None)
    plain = priced_lp(p, block, RULES, cost, None, time.perf_counter() + 30, rows=rows)
    cut = priced_lp(p, block, RULES, cost, None, time.perf_counter() + 30)
    exact = solve_mip(
        len(cost), cost, rows, fixed_one=np.zeros(0, dtype=np.int64), time_limit=30, seed=0, mip_gap=0.0
    )
    assert plain.bound == pytest.approx(0.0, abs=1e-12)
    assert exact.objective == pytest.approx(40.0 / total)
    assert 38.0 / total - 1e-9 <= cut.bound <= exact.objective + 1e-9
    # the LP without the cuts is what guides rounding
    assert cut.x is not None and float(cost @ cut.x) == pytest.approx(plain.objective, abs=1e-12)


def test_rows_added_to_a_solved_lp_give_the_lp_built_with_them() -> None:
    p, block, cost, _ = _whale_without_room()
    rows = block_rows(p, block, RULES, None)
    cuts = room_cuts(block, _band(p, block))
    assert cuts is not None
    lower = np.zeros(len(cost))
    every = np.arange(len(cost))
    warm = IncrementalLp(rows, cost, lower, seed=0)
    warm.add(every)
    warm.solve(30)
    warm.add_rows(cuts)
    cold = IncrementalLp([*rows, cuts], cost, lower, seed=0)
    cold.add(every)
    assert warm.solve(30)[2] == pytest.approx(cold.solve(30)[2], abs=1e-12)
