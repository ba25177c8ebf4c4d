"""The passes a plan-wide disruption budget (``max_moved_share``) adds to `solve`.

Blocks are independent except for this budget, so it gets passes of its own,
kept here apart from the pass itself (`solver.assignment.solve`, which hands
itself in as a `PassSolver`). The plan is first solved without the budget (most
budgets do not bind). If it breaks the budget, it is repaired under it
(`solver.assignment.budget.repair`) when the passes below would not fit;
otherwise a pass finds each piece's least possible moved potential, the
budget's slack is shared in proportion to potential, and the last pass
optimises the full objective inside each share (its reported bound is
relative to that split, and says so).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.budget.repair import REPAIR_RESERVE, repair_under_budget, unit_plan
from solver.assignment.checker import violations
from solver.assignment.group_pass import improve_pieces, moved_by_piece
from solver.assignment.piece_checks import CheckedPieces
from solver.assignment.result import Result, Status
from solver.assignment.schedule import Clock, reserved_deadlines, run_then_retry, share_of
from solver.assignment.solve_pass import Pass, PassSolver, no_plan
from solver.assignment.split.block_bound import lagrangian_bound
from solver.assignment.split.piece_tasks import (
    FIRST_PASS_TIE_BREAK,
    LeastCost,
    PieceOutcome,
    PlanTask,
    least_moves_bound,
    least_piece,
    shares,
)
from solver.assignment.split.pieces import Piece, Split
from solver.assignment.terms import total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)

#: Share of the time limit spent finding each block's least disruption when a
#: plan-wide budget is set.
FIRST_PASS_SHARE = 0.5
#: With a disruption budget, share of the time for a first solve without it (most budgets do
#: not bind, and the search over groups of reps uses this share to close the gap; when the
#: budget binds, the rest is enough to repair the plan under it, `solver.assignment.budget.repair`).
RELAXED_FIRST_SHARE = 0.75


@dataclass(frozen=True)
class LeastFailed:
    """Why the least-disruption pass gives no budgets: a piece without a plan, or a finding."""

    index: int | None = None
    outcomes: list[PieceOutcome] = field(default_factory=list)
    status: Status = Status.NO_SOLUTION
    text: str = ""


@dataclass(frozen=True)
class BudgetSplit:
    """Each piece's share of the disruption budget, its least-disruption start, and notes."""

    budgets: list[float | None]
    starts: list[np.ndarray | None]
    notes: list[str]


def least_disruption_pass(
    problem: Problem,
    rules: AssignmentConfig,
    checked: CheckedPieces,
    workers: int,
    kept: list[BlockData] | None,
    costs: tuple[float, np.ndarray],
    clock_at: tuple[float, float],
    say: Callable[[str], None],
    warm: np.ndarray | None = None,
) -> BudgetSplit | LeastFailed:
    """Least moves per piece, a bound on them, and the budget split in proportion to potential.

    The budget is infeasible when even the bound on the least moves exceeds it,
    and out of reach when the least moves found do. ``warm`` (global rep per unit: the
    plan without the budget) is each piece's start: its moves are never beaten by less.
    """
    total_p, d_ref = costs
    hard, limit = clock_at
    pieces, sizes, splits = checked.pieces, checked.sizes, checked.splits
    clock = Clock(sizes, limit * FIRST_PASS_SHARE)
    spread = shares(sizes, limit * FIRST_PASS_SHARE, workers)
    latest = reserved_deadlines(sizes, shares(sizes, hard - time.perf_counter(), workers), hard, workers)

    def least_task(i: int) -> PlanTask:
        share, until = share_of(i, spread, latest, clock, workers, hard)
        start = None if warm is None else warm[pieces[i].units]
        return PlanTask(
            rules, total_p, float(d_ref[pieces[i].block]), None, None, share, until, warm=start, run_end=hard
        )

    outs, failed = run_then_retry(
        problem,
        pieces,
        kept,
        sizes,
        least_piece,
        least_task,
        workers,
        lambda i: say(f"least disruption in {problem.block_name(pieces[i].block)}"),
        hard,
    )
    if failed is not None:
        return LeastFailed(index=failed, outcomes=outs)
    least = [o.least for o in outs]
    least_bound = _least_move_bounds(problem, rules, pieces, splits, outs, LeastCost(rules, total_p, d_ref))
    budget = rules.max_moved_share * float(problem.potential.sum()) if rules.max_moved_share else 0.0
    if sum(least_bound) > budget * (1 + 1e-9):
        text = (
            f"plan: keeping every block balanced moves at least {sum(least_bound):,.0f} of "
            f"potential ({sum(least_bound) / total_p:.1%}; the least found is "
            f"{sum(least):,.0f} = {sum(least) / total_p:.1%}), above the budget "
            f"max_moved_share = {rules.max_moved_share:.1%} ({budget:,.0f}). Rules: "
            "max_moved_share vs balance. Least moves by block: "
            + "; ".join(f"{problem.block_name(b)} {m:,.0f}" for b, m in zip(splits, least_bound, strict=True))
        )
        return LeastFailed(status=Status.INFEASIBLE, text=text)
    if sum(least) > budget * (1 + 1e-9):
        # the bound allows the budget: search on for fewer moves before giving up
        outs = _least_by_groups(problem, rules, checked, kept, outs, least_task, hard, workers)
        least = [o.least for o in outs]
    if sum(least) > budget * (1 + 1e-9):
        text = (
            f"plan: the best moves found ({sum(least):,.0f}) exceed the budget ({budget:,.0f}) "
            "within the time limit; no plan found (raise time_limit or max_moved_share)"
        )
        return LeastFailed(status=Status.NO_SOLUTION, text=text)
    slack = budget - sum(least)
    piece_p = checked.potential
    budgets: list[float | None] = [
        m + slack * p / max(sum(piece_p), 1e-12) for m, p in zip(least, piece_p, strict=True)
    ]
    notes = ["bound is relative to the split of the disruption budget between blocks"]
    return BudgetSplit(budgets, [o.start for o in outs], notes)


def _least_by_groups(
    problem: Problem,
    rules: AssignmentConfig,
    checked: CheckedPieces,
    kept: list[BlockData] | None,
    outs: list[PieceOutcome],
    least_task: Callable[[int], PlanTask],
    hard: float,
    workers: int,
) -> list[PieceOutcome]:
    """The least-disruption plans improved by the search over groups of reps, on their own
    objective (moves + tie-break, as weights), with the time left but `LEAST_RESERVE` of it.

    Why: when the least moves found break the budget but their bound does not, the budget
    may be feasible; a held-out 10k plan ended without one at 22.6 s of 30 s."""
    pieces = checked.pieces
    e = FIRST_PASS_TIE_BREAK
    w = rules.weights
    least_rules = rules.model_copy(
        update={
            "weights": {
                "disruption": 1.0 + e * w.get("disruption", 0.0),
                "distance": e * w.get("distance", 0.0),
            },
            "max_moved_share": None,
        }
    )
    now = time.perf_counter()
    until = hard - LEAST_RESERVE * max(hard - now, 0.0)
    tasks = [dataclasses.replace(least_task(i), rules=least_rules) for i in range(len(pieces))]
    better = improve_pieces(
        problem, least_rules, pieces, kept, outs, tasks, until, workers, (until - now) * workers
    )
    moved = moved_by_piece(problem, pieces, better)
    return [
        dataclasses.replace(o, least=float(m), start=np.searchsorted(p.reps, o.rep_of_unit))
        if o is not before
        else o
        for o, before, m, p in zip(better, outs, moved, pieces, strict=True)
    ]


#: Share of the time left kept for the budgeted pass when the least-disruption plans are
#: improved by groups of reps (the pass starts from them, so it always has a plan).
LEAST_RESERVE = 0.25


def _least_move_bounds(
    problem: Problem,
    rules: AssignmentConfig,
    pieces: list[Piece],
    splits: dict[int, Split],
    outs: list[PieceOutcome],
    least_cost: LeastCost,
) -> list[float]:
    """Per split block, a lower bound on the potential any balanced plan moves."""
    least_bound = []
    for b in splits:
        mine = [i for i, p in enumerate(pieces) if p.block == b]
        if len(mine) == 1:
            bound_b, rest_b = outs[mine[0]].outcome.bound, outs[mine[0]].most_rest
        else:
            duals = [d for d in (outs[i].duals for i in mine) if d is not None]
            bound_b, rest_b, _ = lagrangian_bound(
                problem, b, rules, duals, least_cost, extra_of=least_cost.rest
            )
        least_bound.append(least_moves_bound(rules, bound_b, rest_b) * total_potential(problem))
    return least_bound


def solve_with_budget(
    problem: Problem,
    rules: AssignmentConfig,
    t0: float,
    splits: dict[int, Split],
    d_ref: np.ndarray,
    solve_pass: PassSolver,
) -> Result:
    """Most budgets do not bind: a plan solved without the budget that keeps it anyway is a
    plan of the budgeted problem, and its bound (of a relaxation) stays valid.

    ``solve_pass`` runs one pass of `solve` on ``problem`` with the rules and settings given.
    """
    relaxed_rules = rules.model_copy(
        update={"max_moved_share": None, "time_limit": rules.time_limit * RELAXED_FIRST_SHARE}
    )
    # the relaxed pass may run on to the run's own time limit to finish a plan, less the time a
    # repair under the budget needs (300k accounts: a plan at 187 s of 180, repaired at 199 s)
    relaxed = solve_pass(
        relaxed_rules,
        Pass(
            hard_deadline=t0 + rules.time_limit * (1.0 - REPAIR_RESERVE),
            splits=splits,
            d_ref=d_ref,
            kept_budget=(float(rules.max_moved_share or 0.0), rules.time_limit, t0 + rules.time_limit),
        ),
    )
    broken = violations(problem, relaxed.rep_of_account, rules) if relaxed.status.has_plan else []
    keeps_budget = relaxed.status.has_plan and not broken
    log.info(
        "plan without the disruption budget: %s after %.1f s (objective %.6g, bound %.6g)%s",
        relaxed.status.value,
        time.perf_counter() - t0,
        relaxed.objective,
        relaxed.bound,
        f"; it breaks: {broken[0]}" if broken else "",
    )
    if keeps_budget or relaxed.status in (Status.INFEASIBLE, Status.ERROR):
        # a plan that keeps the budget, or rules infeasible even without it
        return dataclasses.replace(relaxed, seconds=time.perf_counter() - t0)
    left = rules.time_limit - (time.perf_counter() - t0)
    only_budget = relaxed.status.has_plan and all(v.rule == "max_moved_share" for v in broken)
    if only_budget and left < BUDGETED_PASSES * (time.perf_counter() - t0):
        # the least-disruption and budgeted passes would not fit: repair the plan under the budget
        repaired = repair_under_budget(problem, rules, relaxed, splits, d_ref, t0)
        if repaired is not None:
            return repaired
        left = rules.time_limit - (time.perf_counter() - t0)
    if left <= 0.5 + REPAIR_RESERVE * rules.time_limit and not relaxed.status.has_plan:
        # out of time before any plan: the relaxed pass says where (the budget played no part)
        return dataclasses.replace(relaxed, seconds=time.perf_counter() - t0)
    if left <= 0.5:
        return no_plan(
            Status.NO_SOLUTION,
            "plan: no plan within the disruption budget was found within the time limit",
            t0,
            rules,
            relaxed.solver,
            np.full(problem.n_accounts, -1),
        )
    warm = unit_plan(problem, relaxed) if only_budget else None
    budgeted = solve_pass(
        rules.model_copy(update={"time_limit": left}),
        Pass(budgeted=True, splits=splits, d_ref=d_ref, warm=warm),
    )
    if not budgeted.status.has_plan and budgeted.status != Status.INFEASIBLE and only_budget:
        # the budgeted passes found no plan in time: the repaired plan keeps every rule all the same
        repaired = repair_under_budget(problem, rules, relaxed, splits, d_ref, t0)
        if repaired is not None:
            return repaired
    return dataclasses.replace(budgeted, seconds=time.perf_counter() - t0)


#: A budgeted solve after the plan without the budget is about this many times as long as
#: that first pass (a least-disruption pass, then the budgeted plan).
BUDGETED_PASSES = 2.0
