"""A block whose LP route would take far more than its share builds the construction first."""

from __future__ import annotations

import time

import numpy as np

from solver.assignment.block import BlockData, build_block
from solver.assignment.block_solve import (
    LP_SECONDS_PER_PAIR,
    SEED_FIRST_SHARES,
    SEEDED_RESERVE_SHARE,
    _construction_reserve,
    _lp_deadline,
    _Seed,
)
from solver.assignment.rules import pair_costs
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.05}, weights={"disruption": 1.0, "distance": 0.0})


def _seed() -> tuple[BlockData, _Seed]:
    p = make_problem([10.0] * 40, [None] * 40, ["R0", "R1", "R2", "R3"])
    block = build_block(p, 0)
    cost = pair_costs(block, RULES, float(p.potential.sum()), 1.0)
    return block, _Seed(p, block, RULES, cost, None, time.perf_counter() + 60)


def test_an_lp_too_large_for_its_share_comes_after_the_construction() -> None:
    block, seed = _seed()
    share = 10.0
    pairs = int(SEED_FIRST_SHARES * share / LP_SECONDS_PER_PAIR) + 1
    t0 = time.perf_counter()
    hard = t0 + share
    deadline = _lp_deadline(block, pairs, seed, share, t0, hard)
    assert seed.done and seed.plan is not None
    assert hard - deadline <= SEEDED_RESERVE_SHARE * share + 1e-9
    assert np.bincount(seed.plan, minlength=4).tolist() == [10, 10, 10, 10]


def test_an_lp_within_its_share_keeps_the_construction_for_later() -> None:
    block, seed = _seed()
    share = 10.0
    pairs = int(SEED_FIRST_SHARES * share / LP_SECONDS_PER_PAIR) - 1
    t0 = time.perf_counter()
    deadline = _lp_deadline(block, pairs, seed, share, t0, t0 + share)
    assert not seed.done
    assert deadline == t0 + share - _construction_reserve(block, share)
