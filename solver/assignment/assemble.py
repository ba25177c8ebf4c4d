"""Turn the pieces' plans into one checked `Result`: per-block figures, bounds, the independent check.

Nothing leaves the solver without `solver.assignment.checker` agreeing on
every rule and on the objective.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import numpy as np

from solver.assignment.block import block_reps, block_units
from solver.assignment.checker import (
    balance_deviation,
    objective_terms,
    violations,
    weighted_objective,
)
from solver.assignment.lexicographic import lexicographic_objective
from solver.assignment.result import BlockResult, Result, Status, relative_gap
from solver.assignment.split.piece_tasks import PieceOutcome
from solver.assignment.split.pieces import Piece, Split
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)


class Avoid(Protocol):
    """The bounds `solver.assignment.solve.Avoid` reports for penalised alternatives."""

    def bound_of(self, block: int) -> float: ...


def assemble(
    problem: Problem,
    rules: AssignmentConfig,
    pieces: list[Piece],
    splits: dict[int, Split],
    outs: list[PieceOutcome],
    budgets: list[float | None],
    split_bounds: dict[int, float],
    avoid: Avoid | None,
    solver_name: str,
    t0: float,
    notes: list[str],
) -> Result:
    """One plan from the pieces' plans, per-block results and bounds, re-checked independently.

    ``split_bounds`` holds each split block's Lagrangian bound (`solver.assignment.split.block_bound`).
    """
    rep_of_unit = np.full(problem.n_units, -1)
    block_results = []
    objective = bound = 0.0
    worst = Status.OPTIMAL
    for b, split in splits.items():
        mine = [i for i, p in enumerate(pieces) if p.block == b]
        for i in mine:
            rep_of_unit[pieces[i].units] = outs[i].rep_of_unit
        obj_b = sum(outs[i].outcome.objective for i in mine)
        own = [x for x in (budgets[i] for i in mine) if x is not None]
        budget_b = float(sum(own)) if own else None
        if len(mine) == 1:
            bound_b, status_b = outs[mine[0]].outcome.bound, outs[mine[0]].outcome.status
        else:
            # the sample's bound ignores the budget: a relaxation, so a bound all the same
            bound_b = max(split_bounds[b], split.sample_bound)
            if avoid is not None:
                bound_b = avoid.bound_of(b)
            status_b = Status.OPTIMAL if relative_gap(obj_b, bound_b) <= rules.mip_gap else Status.FEASIBLE
        objective += obj_b
        bound += bound_b
        seg, reg = problem.blocks[b]
        units_b = block_units(problem, b)
        block_results.append(
            BlockResult(
                problem.block_name(b),
                seg,
                reg,
                int(np.isin(problem.unit, units_b).sum()),
                len(units_b),
                len(block_reps(problem, b)),
                status_b,
                obj_b,
                bound_b,
                sum(outs[i].outcome.seconds for i in mine),
                budget_b,
                pieces=len(mine),
            )
        )
        if status_b == Status.FEASIBLE:
            worst = Status.FEASIBLE

    rep_of_account = rep_of_unit[problem.unit]
    broken = violations(problem, rep_of_account, rules)
    terms = objective_terms(problem, rep_of_account)
    terms |= balance_deviation(problem, rep_of_account, list(rules.balance))
    if rules.objective == "lexicographic":
        checked = lexicographic_objective(problem, rep_of_account, rules)
    else:
        checked = weighted_objective(terms, rules)
    if broken or abs(checked - objective) > 1e-6 * max(1.0, abs(objective)):
        detail = "; ".join(str(v) for v in broken[:10]) or f"objective {objective} vs checker {checked}"
        log.error("backend returned an invalid plan: %s", detail)
        return Result(
            Status.ERROR,
            objective,
            bound,
            time.perf_counter() - t0,
            rules.seed,
            solver_name,
            rep_of_account,
            tuple(block_results),
            terms,
            explanation=f"the solver's plan failed the independent check: {detail}",
        )
    return Result(
        worst,
        checked,
        min(bound, checked),
        time.perf_counter() - t0,
        rules.seed,
        solver_name,
        rep_of_account,
        tuple(block_results),
        terms,
        notes=tuple(notes),
    )
