"""Once every piece has a plan, the time left closes the gaps that remain, by groups of reps.

Each piece's first plan comes from its LP (rounding, repair, local search,
polish) within its share of the time. The search over groups of reps
(`solver.assignment.groups`) then improves the pieces still above
``mip_gap`` of their bounds. It runs only after every piece has a plan, so
that it never takes the time another piece needs to find one; each piece's
work budget is its part of the time limit (by units), and the time left is
shared between the pieces by units, so the plan is the same on a busy machine
unless the deadline (the safety net) cuts in.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.checker import moved_mask
from solver.assignment.executor import map_tasks
from solver.assignment.groups import improve_by_groups
from solver.assignment.lp.lp_round import pairs_of
from solver.assignment.result import Status, relative_gap
from solver.assignment.rules import pair_costs
from solver.assignment.split.piece_tasks import PieceOutcome, PlanTask, build_piece
from solver.assignment.split.pieces import Piece
from solver.assignment.terms import total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)

#: The pass starts only with at least this many seconds left before its deadline.
MIN_SECONDS = 1.0
#: Kept back at the end of the pass for the bounds of split blocks, assembly and the check.
RESERVE_SECONDS = 0.5
RESERVE_SHARE = 0.05


def pass_deadline(t0: float, time_limit: float, hard: float) -> float:
    """When the pass must end: before the run's own limit and hard deadline, keeping back
    time to assemble and check the plan."""
    return min(t0 + time_limit, hard) - RESERVE_SECONDS - RESERVE_SHARE * time_limit


@dataclass(frozen=True)
class GroupTask:
    """One piece's search (small, picklable): its plan, bound, work budget and deadlines."""

    plan_task: PlanTask
    rep_of_unit: np.ndarray  # global rep per unit
    bound: float
    work_seconds: float  # the search's work budget (see `solver.assignment.groups`)
    wall_seconds: float  # its share of the time left
    until: float  # perf_counter: the pass's deadline


def improve_piece(problem: Problem, source: Piece | BlockData, task: GroupTask) -> tuple[np.ndarray, float]:
    """The piece's plan improved by groups of reps (global rep per unit) and its cost."""
    began = time.perf_counter()
    block = build_piece(problem, source) if isinstance(source, Piece) else source
    plan_task = task.plan_task
    rules = plan_task.rules
    cost = pair_costs(block, rules, plan_task.total_p, plan_task.d_ref_km)
    local = np.searchsorted(block.reps, task.rep_of_unit)
    deadline = min(began + task.wall_seconds, task.until)
    better = improve_by_groups(
        problem, block, rules, cost, plan_task.budget, local, task.bound, task.work_seconds, deadline
    )
    objective = float(cost[pairs_of(block, np.arange(len(better)), better)].sum())
    log.info(
        "%s %s units x %s reps: groups of reps took the gap to %s in %.1f s",
        problem.block_name(block.index),
        f"{len(block.units):,}",
        f"{len(block.reps):,}",
        f"{relative_gap(objective, task.bound):.2%}",
        time.perf_counter() - began,
    )
    return block.reps[better], objective


def improve_pieces(
    problem: Problem,
    rules: AssignmentConfig,
    pieces: list[Piece],
    built: list[BlockData] | None,
    outs: list[PieceOutcome],
    task_of: list[PlanTask],
    until: float,
    workers: int,
    work_limit: float,
) -> list[PieceOutcome]:
    """``outs`` with the pieces above ``mip_gap`` improved by groups of reps until ``until``;
    each piece's work budget is its part (by units) of ``work_limit`` seconds."""
    open_ = [
        i
        for i, out in enumerate(outs)
        if out.failed is None
        and task_of[i].penalty is None
        and relative_gap(out.outcome.objective, out.outcome.bound) > rules.mip_gap
    ]
    left = until - time.perf_counter()
    if rules.objective != "weighted" or not open_ or left < MIN_SECONDS:
        return outs
    units = {i: len(pieces[i].units) for i in open_}
    all_units = sum(units.values())
    calls = []
    for i in open_:
        task = GroupTask(
            task_of[i],
            outs[i].rep_of_unit,
            outs[i].outcome.bound,
            work_limit * units[i] / max(problem.n_units, 1),
            min(left, left * max(min(workers, len(open_)), 1) * units[i] / all_units),
            until,
        )
        calls.append((problem, built[i] if built is not None and workers <= 1 else pieces[i], task))
    results = map_tasks(workers if len(open_) > 1 else 1, improve_piece, calls)
    outs = list(outs)
    for i, (plan, objective) in zip(open_, results, strict=True):
        before = outs[i].outcome
        if not objective < before.objective:
            continue
        status = Status.OPTIMAL if relative_gap(objective, before.bound) <= rules.mip_gap else Status.FEASIBLE
        outs[i] = dataclasses.replace(
            outs[i], rep_of_unit=plan, outcome=dataclasses.replace(before, objective=objective, status=status)
        )
    return outs


def improve_run(
    problem: Problem,
    rules: AssignmentConfig,
    pieces: list[Piece],
    kept: list[BlockData] | None,
    outs: list[PieceOutcome],
    tasks_of: tuple[list[float | None], list[np.ndarray | None], object | None, np.ndarray],
    kept_budget: tuple[float, float, float] | None,
    clock: tuple[float, float],
    workers: int,
) -> list[PieceOutcome]:
    """The search over groups of reps with the pass's time left (``tasks_of``: each piece's
    budget and start, the run's penalty, the distance references).

    In the pass without the budget (``kept_budget``: the run's ``max_moved_share``, time
    limit and deadline), a plan that keeps the budget already may search on to the run's own
    deadline (past the pass's, which keeps time to repair a plan that breaks the budget), each
    piece held to what it moves now plus its share (by potential) of the budget's slack, so
    that the plan still keeps the budget.
    """
    t0, hard = clock
    budgets, starts, avoid, d_ref = tasks_of
    total_p = total_potential(problem)
    until, work_limit = pass_deadline(t0, rules.time_limit, hard), rules.time_limit
    if kept_budget is not None:
        share, run_limit, run_end = kept_budget
        moved = moved_by_piece(problem, pieces, outs)
        slack = share * total_p - float(moved.sum())
        if slack >= 0:
            unit_p = problem.unit_sum(problem.potential)
            piece_p = np.array([float(unit_p[p.units].sum()) for p in pieces])
            budgets = list(moved + slack * piece_p / max(float(piece_p.sum()), 1e-12))
            until, work_limit = pass_deadline(run_end - run_limit, run_limit, run_end), run_limit
    tasks = [
        PlanTask(rules, total_p, float(d_ref[p.block]), budgets[i], starts[i], 0.0, hard, avoid)
        for i, p in enumerate(pieces)
    ]
    return improve_pieces(problem, rules, pieces, kept, outs, tasks, until, workers, work_limit)


def moved_by_piece(problem: Problem, pieces: list[Piece], outs: list[PieceOutcome]) -> np.ndarray:
    """Potential each piece's plan moves away from its owners."""
    rep_of_unit = np.full(problem.n_units, -1)
    for piece, out in zip(pieces, outs, strict=True):
        rep_of_unit[piece.units] = out.rep_of_unit
    moved = moved_mask(problem, rep_of_unit[problem.unit])
    per_unit = np.bincount(problem.unit[moved], weights=problem.potential[moved], minlength=problem.n_units)
    return np.array([float(per_unit[p.units].sum()) for p in pieces])
