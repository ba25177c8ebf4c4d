"""Solve one block: exact MIP when small, else priced LP -> rounding and repair -> local search -> polish.

`solver.assignment.solve` orchestrates the blocks (budgets, time, processes);
this module turns one block and its costs into a plan.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from solver.assignment.backends.highs_backend import BackendOutcome, solve_mip
from solver.assignment.backends.registry import backend_for
from solver.assignment.block import BlockData
from solver.assignment.lp.lp_round import pairs_of, round_lp
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.polish import polish
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve, repair
from solver.assignment.result import Status, relative_gap
from solver.assignment.rules import block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Blocks with at most this many candidate pairs are solved as one exact MIP.
EXACT_MIP_PAIRS = 2_000


def global_plan(block: BlockData, x: np.ndarray) -> np.ndarray:
    """Global rep index per local unit from the pair values."""
    chosen = x > 0.5
    rep_of_unit = np.full(len(block.units), -1)
    rep_of_unit[block.pair_unit[chosen]] = block.reps[block.pair_rep[chosen]]
    return rep_of_unit


def _pins(block: BlockData) -> np.ndarray:
    pinned = block.pinned_rep[block.pair_unit] >= 0
    return np.flatnonzero(pinned)


def run_block(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    time_limit: float,
    hard_deadline: float | None = None,
    start: np.ndarray | None = None,
) -> tuple[BackendOutcome, BlockData]:
    """Exact MIP for small blocks; else priced LP -> rounding + repair -> local search -> polish.

    The LP of this model is nearly integral (see SOLVER-NOTES), so rounding
    and repair land close to the LP bound, which is valid for the whole block
    and reported as its bound. ``time_limit`` is the block's share; finding a
    first plan may run on to ``hard_deadline`` (the run's time limit), polishing
    may not. ``start`` (local rep per unit) is a plan known to keep every rule
    of this block, e.g. the least-disruption plan under a disruption budget:
    local search from it is a fallback that cannot fail.
    """
    t0 = time.perf_counter()
    hard = max(hard_deadline or 0.0, t0 + time_limit)
    fixed = _pins(block)
    rows = block_rows(problem, block, rules, budget)
    if len(block.pair_unit) <= EXACT_MIP_PAIRS:
        out = backend_for(rules.solver, rules.num_workers)(
            len(block.pair_unit),
            cost,
            rows,
            fixed_one=fixed,
            time_limit=time_limit,
            seed=rules.seed,
            mip_gap=rules.mip_gap,
        )
        return out, block
    lp = priced_lp(problem, block, rules, cost, budget, hard)
    if lp.x is None:
        return lp, block
    # local search and polishing stop on move/node budgets, not on this block's share of
    # the time, so a busy machine gives the same plan; the run's time limit is the safety net
    rep_of_unit = lp_repair_improve(problem, block, rules, cost, budget, lp.x, hard, hard)
    if start is not None:
        from_start = improve_plan(problem, block, rules, cost, budget, start, hard)
        if rep_of_unit is None or _plan_cost(block, cost, from_start) < _plan_cost(block, cost, rep_of_unit):
            rep_of_unit = from_start
    if rep_of_unit is None:
        rep_of_unit = round_lp(problem, block, rules, cost, budget, lp.x, hard - time.perf_counter())
    if rep_of_unit is not None:
        rep_of_unit = polish(problem, block, rules, cost, budget, lp.x, rep_of_unit, hard, lp.bound)
    if rep_of_unit is not None:
        x = np.zeros(len(block.pair_unit))
        x[pairs_of(block, np.arange(len(block.units)), rep_of_unit)] = 1.0
        out = dataclasses.replace(lp, x=x, objective=float(cost @ x), status=Status.FEASIBLE)
        chosen = block
    else:
        left = hard - time.perf_counter()
        out = solve_mip(
            len(block.pair_unit),
            cost,
            rows,
            fixed_one=fixed,
            time_limit=left,
            seed=rules.seed,
            mip_gap=rules.mip_gap,
        )
        chosen = block
    bound = max(lp.bound, out.bound) if rep_of_unit is None else lp.bound
    status = out.status
    if out.x is not None:
        status = Status.OPTIMAL if relative_gap(out.objective, bound) <= rules.mip_gap else Status.FEASIBLE
    return dataclasses.replace(out, bound=bound, status=status, seconds=time.perf_counter() - t0), chosen


def _plan_cost(block: BlockData, cost: np.ndarray, rep_of_unit: np.ndarray) -> float:
    return float(cost[pairs_of(block, np.arange(len(block.units)), rep_of_unit)].sum())


def local_plan(block: BlockData, x: np.ndarray) -> np.ndarray:
    """Local rep per local unit from pair values of ``block``."""
    chosen = x > 0.5
    out = np.zeros(len(block.units), dtype=np.int64)
    out[block.pair_unit[chosen]] = block.pair_rep[chosen]
    return out


def improve_plan(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    deadline: float,
) -> np.ndarray:
    """Local search from a plan that already keeps every rule."""
    bands = Bands.of(problem, block, rules)
    return improve(
        bands,
        dense_costs(block, cost),
        dense_moved(block),
        budget,
        rep_of_unit,
        block.pinned_rep < 0,
        max(deadline, time.perf_counter() + 0.2),
    )


def lp_repair_improve(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    x_lp: np.ndarray,
    repair_deadline: float,
    improve_deadline: float,
) -> np.ndarray | None:
    """Round the LP to each unit's largest share, repair the bands, then improve."""
    nu = len(block.units)
    order = np.lexsort((-x_lp, block.pair_unit))
    first = order[np.r_[True, np.diff(block.pair_unit[order]) != 0]]
    rep_of_unit = np.zeros(nu, dtype=np.int64)
    rep_of_unit[block.pair_unit[first]] = block.pair_rep[first]
    bands = Bands.of(problem, block, rules)
    c = dense_costs(block, cost)
    moved = dense_moved(block)
    movable = block.pinned_rep < 0
    fixed = repair(bands, c, moved, budget, rep_of_unit, movable, repair_deadline)
    if fixed is None:
        return None
    return improve(bands, c, moved, budget, fixed, movable, max(improve_deadline, time.perf_counter() + 0.2))
