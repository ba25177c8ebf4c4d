"""Solve one touched block from its current plan.

`solve_block` runs the block as a cold solve does (LP bound, rounding and
repair, local search, polish) on the continuity costs. `tighten_block` is the quick
path of a block whose only change is new pins: repair and local search from
the current plan, no LP; the bound from before the change still holds
(`solver.assignment.resolve.touched.pinned_only`).
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from solver.assignment.block import BlockData, build_block
from solver.assignment.block_solve import global_plan, run_block
from solver.assignment.prechecks import block_findings
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve, repair
from solver.assignment.resolve.subproblem import block_problem
from solver.assignment.result import BlockResult, Status, relative_gap
from solver.assignment.rules import pair_costs
from solver.assignment.solve import solve
from solver.assignment.split.pieces import PIECE_UNITS
from solver.assignment.terms import total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)

#: The quick path's plan is kept when its gap to the bound carried over is at most this
#: multiple of the gap the plan before the change had to it (or within mip_gap).
QUICK_GAP_FACTOR = 2.0

#: Blocks with more units than this are re-solved through `solve` on the block alone, in
#: pieces as a cold solve would cut them (never built whole, never made dense).
LARGE_BLOCK_UNITS = PIECE_UNITS

#: (units of the block, global rep per unit, the block's figures)
Solved = tuple[np.ndarray, np.ndarray, BlockResult]


def start_plan(block: BlockData, plan_of_unit: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Local rep per unit from the plan; pins, and units whose rep cannot take them, get the cheapest rep."""
    reps = block.reps
    want = plan_of_unit[block.units]
    at = np.searchsorted(reps, want).clip(0, max(len(reps) - 1, 0))
    local = np.where(reps[at] == want, at, -1)
    local = np.where(block.pinned_rep >= 0, block.pinned_rep, local)
    rows = np.arange(len(block.units))
    bad = (local < 0) | ~np.isfinite(c[rows, np.maximum(local, 0)])
    local[bad] = np.argmin(c[bad], axis=1)
    return local.astype(np.int64)


def _figures(
    problem: Problem, block: BlockData, status: Status, objective: float, bound: float, t0: float
) -> BlockResult:
    seg, reg = problem.blocks[block.index]
    return BlockResult(
        problem.block_name(block.index),
        seg,
        reg,
        int(np.isin(problem.unit, block.units).sum()),
        len(block.units),
        len(block.reps),
        status,
        objective,
        bound,
        time.perf_counter() - t0,
    )


def _checked_block(problem: Problem, b: int, rules: AssignmentConfig) -> BlockData | None:
    """Block ``b``'s data, or None when a pre-check finds its rules cannot hold (a pin to a rep
    who is gone): the caller solves the plan whole, which explains it."""
    block = build_block(problem, b)
    found = block_findings(problem, block, rules)
    if found:
        log.info("%s: %s", problem.block_name(b), "; ".join(found))
        return None
    return block


def solve_block(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    total_p: float,
    d_ref: float,
    share: float,
    hard: float,
) -> Solved | None:
    """Block ``b`` solved afresh; None without a plan.

    No explicit start: with the current plan's reps as the owners, keeping a
    unit costs nothing and moving it costs its potential, so the LP's optimum
    is the current plan plus the moves the change needs, and rounding starts
    from it (repairing the current plan itself took longer than the LP for a
    rep leaving a block of 8k units).
    """
    t0 = time.perf_counter()
    block = _checked_block(problem, b, rules)
    if block is None:
        return None
    cost = pair_costs(block, rules, total_p, d_ref)
    out, chosen = run_block(problem, block, rules, cost, None, share, hard)
    if out.x is None or not out.status.has_plan:
        log.info("%s: no plan (%s)", problem.block_name(b), out.raw_status)
        return None
    figures = _figures(problem, chosen, out.status, out.objective, out.bound, t0)
    return chosen.units, global_plan(chosen, out.x), figures


def solve_large_block(
    problem: Problem, b: int, rules: AssignmentConfig, total_p: float, share: float
) -> Solved | None:
    """A block too large to build whole, solved through `solve` on the block alone (in pieces)."""
    t0 = time.perf_counter()
    sub, accs = block_problem(problem, b)
    result = solve(sub, rules.model_copy(update={"time_limit": max(share, 1.0)}))
    if not result.status.has_plan or len(result.blocks) != 1:
        log.info("%s: no plan (%s)", problem.block_name(b), result.explanation)
        return None
    scale = total_potential(sub) / total_p
    fig = result.blocks[0]
    units, first = np.unique(problem.unit[accs], return_index=True)
    figures = dataclasses.replace(
        fig, objective=fig.objective * scale, bound=fig.bound * scale, seconds=time.perf_counter() - t0
    )
    return units, result.rep_of_account[first], figures


def tighten_block(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    plan_of_unit: np.ndarray,
    total_p: float,
    d_ref: float,
    bound: float,
    before: float,
    deadline: float,
) -> Solved | None:
    """Block ``b`` after new pins: repair and improve its current plan, no LP.

    ``bound`` is the block's bound from before the pins (still valid) and
    ``before`` the plan's objective then. None when repair gets stuck or the
    plan lands too far from the bound (the caller then solves the block afresh).
    """
    t0 = time.perf_counter()
    block = _checked_block(problem, b, rules)
    if block is None:
        return None
    cost = pair_costs(block, rules, total_p, d_ref)
    c = dense_costs(block, cost)
    moved = dense_moved(block)
    bands = Bands.of(problem, block, rules)
    movable = block.pinned_rep < 0
    start = start_plan(block, plan_of_unit, c)
    fixed = repair(bands, c, moved, None, start, movable, deadline)
    if fixed is None:
        return None
    plan = improve(bands, c, moved, None, fixed, movable, max(deadline, time.perf_counter() + 0.2))
    objective = float(c[np.arange(len(block.units)), plan].sum())
    gap = relative_gap(objective, bound)
    if gap > max(rules.mip_gap, QUICK_GAP_FACTOR * relative_gap(before, bound)):
        log.info("%s: the quick path lands %.2f%% from the bound; solving afresh", block.index, 100 * gap)
        return None
    status = Status.OPTIMAL if gap <= rules.mip_gap else Status.FEASIBLE
    return (
        block.units,
        block.reps[plan],
        _figures(problem, block, status, objective, min(bound, objective), t0),
    )
