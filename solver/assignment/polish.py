"""Polish a block plan with a MIP over a small candidate set, warm-started.

After rounding, repair and local search the plan is within ~1% of the LP
bound; a MIP over the LP's support, each unit's current rep and its few
cheapest reps, started from the plan, closes much of the rest. The search is
bounded by a node limit, so it is deterministic; the time limit is a safety net.
"""

from __future__ import annotations

import time

import numpy as np

from solver.assignment.backends.highs_backend import solve_mip
from solver.assignment.block import BlockData
from solver.assignment.lp.lp_round import cheapest_mask, pairs_of, sub_block
from solver.assignment.result import relative_gap
from solver.assignment.rules import block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Rounds of polishing: cheapest reps per unit offered besides LP support and current rep.
#: The first round is cheap (support only); the wider one runs only if time is left.
POLISH_ROUNDS = (0, 2)
#: Branch-and-bound nodes of the polishing MIP (the deterministic budget).
POLISH_NODES = 200
#: Skip polishing when less than this many seconds are left.
POLISH_MIN_SECONDS = 0.5
#: Skip the wider round when the plan is further than this from the LP bound: its candidates
#: (the LP's support and each unit's cheapest reps) rarely hold the exchanges such a plan needs
#: (held-out blocks of 25k units at 1.5x the bound: 11-17 s for no gain; at 1.8-2.6%, 36-50 s,
#: past the block's share of a 60 s run), and the search over groups of reps
#: (`solver.assignment.groups`) does better with that time.
POLISH_MAX_GAP = 0.01


def polish(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    x_lp: np.ndarray,
    rep_of_unit: np.ndarray,
    deadline: float,
    bound: float = -np.inf,
) -> np.ndarray:
    """A plan at least as good as ``rep_of_unit`` (local rep per local unit).

    Stops as soon as the plan is within the run's ``mip_gap`` of ``bound``
    (the block's LP bound): the MIP would only prove what is already known.
    """
    for k in POLISH_ROUNDS:
        plan_cost = float(cost[pairs_of(block, np.arange(len(block.units)), rep_of_unit)].sum())
        gap = relative_gap(plan_cost, bound)
        if gap <= rules.mip_gap or (k > 0 and gap > POLISH_MAX_GAP):
            break
        rep_of_unit = _polish_once(problem, block, rules, cost, budget, x_lp, rep_of_unit, deadline, k)
    return rep_of_unit


def _polish_once(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    x_lp: np.ndarray,
    rep_of_unit: np.ndarray,
    deadline: float,
    candidates: int,
) -> np.ndarray:
    left = deadline - time.perf_counter()
    if left < POLISH_MIN_SECONDS:
        return rep_of_unit
    nu = len(block.units)
    current = pairs_of(block, np.arange(nu), rep_of_unit)
    keep = (x_lp > 1e-6) | cheapest_mask(block, cost, candidates)
    keep[current] = True
    keep |= block.pinned_rep[block.pair_unit] >= 0
    sub, sel = sub_block(block, np.ones(nu, dtype=bool), rep_of_unit, keep)
    start = np.zeros(len(block.pair_unit))
    start[current] = 1.0
    out = solve_mip(
        len(sub.pair_unit),
        cost[sel],
        block_rows(problem, sub, rules, budget),
        fixed_one=np.flatnonzero(sub.pinned_rep[sub.pair_unit] >= 0),
        time_limit=left,
        seed=rules.seed,
        mip_gap=rules.mip_gap,
        start=start[sel],
        node_limit=POLISH_NODES,
    )
    if out.x is None or not out.objective < float(cost[current].sum()) - 1e-12:
        return rep_of_unit
    chosen = out.x > 0.5
    better = rep_of_unit.copy()
    better[sub.pair_unit[chosen]] = sub.pair_rep[chosen]
    return better
