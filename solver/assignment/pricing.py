"""The block LP by column generation: start from each unit's cheapest reps, price the rest.

The full block LP has units x reps columns (366k for 8k accounts x 45 reps).
Starting from each unit's k cheapest reps plus its current owner and the
LP duals, the pairs with negative reduced cost are added until none is left;
the LP then equals the full LP. If time runs out first, the Lagrangian bound
z_restricted + sum_u min(0, min_r reduced_cost_ur) is still a valid bound.
"""

from __future__ import annotations

import time

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.highs_backend import BackendOutcome, IncrementalLp
from solver.assignment.lp_round import cheapest_mask
from solver.assignment.result import Status
from solver.assignment.rules import Rows, block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Initial columns per unit (the cheapest reps), before pricing.
START_COLUMNS = 8
#: Columns added per unit and round at most (the most negative reduced costs).
ADD_PER_UNIT = 3
MAX_ROUNDS = 30
#: Cost of a row's slack, in units of the dearest pair per typical row coefficient.
ELASTIC_PENALTY = 10.0


def reduced_costs(rows: list[Rows], cost: np.ndarray, row_dual: np.ndarray) -> np.ndarray:
    """c - A^T y for every pair of the block."""
    at_y = np.zeros(len(cost))
    offset = 0
    for r in rows:
        at_y += np.bincount(r.col, weights=r.val * row_dual[offset + r.row], minlength=len(cost))
        offset += r.n
    return cost - at_y


def priced_lp(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    deadline: float,
) -> BackendOutcome:
    """LP relaxation of the whole block; x has one value per pair of ``block``."""
    t0 = time.perf_counter()
    rows = block_rows(problem, block, rules, budget)
    lower = np.zeros(len(cost))
    lower[block.pinned_rep[block.pair_unit] >= 0] = 1.0
    keep = (
        cheapest_mask(block, cost, START_COLUMNS)
        | cheapest_mask(block, block.potential_km, 3)
        | (lower > 0)
        | (block.moved <= 1e-12)
    )
    lp = IncrementalLp(rows, cost, lower, seed=rules.seed)
    lp.add(np.flatnonzero(keep))
    # elastic rows: any column subset gives a feasible LP, so pricing can always proceed
    # a row's slack costs ~10x the dearest pair per typical coefficient of the row: dear
    # enough never to pay off against real columns, mild enough for the LP's numerics
    top = max(float(np.abs(cost).max(initial=0.0)), 1e-12)
    penalty = (
        np.concatenate(
            [
                np.full(
                    r.n,
                    ELASTIC_PENALTY
                    * top
                    / max(
                        float(np.median(np.abs(r.val[r.val != 0]))) if (r.val != 0).any() else 1.0,
                        1e-12,
                    ),
                )
                for r in rows[1:]
            ]
        )
        if len(rows) > 1
        else np.zeros(0)
    )
    lp.add_artificials(np.arange(rows[0].n, lp.n_rows), penalty)
    proving = False
    scale = 1e-9 * max(1.0, float(np.abs(cost).max(initial=1.0)))
    status, x, objective, bound = Status.NO_SOLUTION, None, float("inf"), -np.inf
    for _ in range(MAX_ROUNDS):
        status, x, objective, y = lp.solve(deadline - time.perf_counter())
        if x is None or y is None:
            break
        d = reduced_costs(rows, cost, y)
        least = np.zeros(len(block.units))
        np.minimum.at(least, block.pair_unit, np.where(keep, 0.0, np.minimum(d, 0.0)))
        bound = objective + float(least.sum())
        neg = (d < -scale) & ~keep
        if not neg.any():
            bound = objective
            if lp.artificial_total() > 1e-9 and not proving:
                # penalised slack left: the rules look infeasible; prove it on the full LP
                lp.add(np.flatnonzero(~keep))
                keep[:] = True
                lp.drop_artificials()
                proving = True
                continue
            break
        if time.perf_counter() > deadline:
            break
        cand = np.flatnonzero(neg)
        cand = cand[np.lexsort((d[cand], block.pair_unit[cand]))]
        rank = np.arange(len(cand)) - np.searchsorted(block.pair_unit[cand], block.pair_unit[cand])
        new = cand[rank < ADD_PER_UNIT]
        keep[new] = True
        lp.add(new)
    return BackendOutcome(status, x, objective, bound, time.perf_counter() - t0, str(status))
