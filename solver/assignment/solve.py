"""`solve(problem, rules) -> Result`: decompose by block, solve, re-check.

Blocks are independent except for the plan-wide disruption budget
(``max_moved_share``). With a budget, a first pass finds each block's least
possible moved potential; the budget's slack is then shared between blocks in
proportion to their potential, and the second pass optimises the full
objective inside each block's share (its reported bound is relative to that
split, and says so).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from solver.assignment.backends import backend_version
from solver.assignment.block import BlockData, build_block
from solver.assignment.block_solve import global_plan, local_plan, run_block
from solver.assignment.checker import (
    balance_deviation,
    objective_terms,
    violations,
    weighted_objective,
)
from solver.assignment.explain_core import explain_infeasible
from solver.assignment.highs_backend import BackendOutcome, highs_version
from solver.assignment.lexicographic import lexicographic_objective, run_block_lexicographic
from solver.assignment.lp_round import pairs_of
from solver.assignment.prechecks import block_findings, budget_finding
from solver.assignment.result import BlockResult, Result, Status, relative_gap
from solver.assignment.rules import pair_costs
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)


class Avoid:
    """Penalty on the (unit, rep) pairs of earlier plans, and the bounds to report.

    ``plans`` are rep_of_unit arrays (global rep per unit); ``weight`` is the
    penalty per pair used by any earlier plan; ``bounds`` are the per-block
    bounds of the unpenalised solve (valid for every plan).
    """

    def __init__(self, plans: list[np.ndarray], weight: float, bounds: dict[int, float]) -> None:
        self.plans = plans
        self.weight = weight
        self.bounds = bounds

    def block_penalty(self, block: BlockData) -> np.ndarray:
        used = np.zeros(len(block.pair_unit), dtype=bool)
        for plan in self.plans:
            used |= plan[block.units[block.pair_unit]] == block.reps[block.pair_rep]
        return np.where(used, self.weight, 0.0)

    def bound_of(self, block: int) -> float:
        return self.bounds.get(block, -np.inf)


#: Share of the time limit spent finding each block's least disruption when a
#: plan-wide budget is set.
FIRST_PASS_SHARE = 0.5
#: With a disruption budget, share of the time for a first solve without it (often it does not bind).
RELAXED_FIRST_SHARE = 0.4
#: Weight of the plan's objective in the least-disruption pass (a tie-break).
FIRST_PASS_TIE_BREAK = 1e-3
#: Seconds allowed to find and shrink the conflict of an infeasible block.
CORE_SECONDS = 10.0
#: Problems with at least this many accounts solve their blocks in parallel processes.
PARALLEL_MIN_ACCOUNTS = 50_000


@dataclass(frozen=True)
class BlockOutcome:
    """What solving one block returns (plain data, so it can cross processes)."""

    outcome: BackendOutcome  # without the pair values
    rep_of_unit: np.ndarray  # global rep per unit of the block
    unsolved: Result | None = None


def _block_workers(problem: Problem, blocks: list[BlockData]) -> int:
    """Processes for the blocks: one per core for large problems, never inside a daemon worker."""
    if problem.n_accounts < PARALLEL_MIN_ACCOUNTS or len(blocks) < 2:
        return 1
    if multiprocessing.current_process().daemon:
        return 1  # batch and Dask workers may not start processes; they already run in parallel
    return max(1, min(os.cpu_count() or 1, len(blocks)))


def _block_task(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    total_p: float,
    d_ref_b: float,
    budget: float | None,
    start: np.ndarray | None,
    share: float,
    hard_left: float,
    avoid: Avoid | None,
    solver_name: str,
    t0: float,
) -> BlockOutcome:
    """Worker: build block ``b`` here (blocks are large) and solve it."""
    block = build_block(problem, b)
    return _solve_one_block(
        problem,
        block,
        rules,
        total_p,
        d_ref_b,
        budget,
        start,
        share,
        time.perf_counter() + hard_left,
        avoid,
        solver_name,
        t0,
    )


def _solve_one_block(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    total_p: float,
    d_ref_b: float,
    budget: float | None,
    start: np.ndarray | None,
    share: float,
    hard: float,
    avoid: Avoid | None,
    solver_name: str,
    t0: float,
) -> BlockOutcome:
    """Solve one block: its plan (global reps per unit) and outcome, or the Result explaining why not."""
    cost = pair_costs(block, rules, total_p, d_ref_b)
    penalty = avoid.block_penalty(block) if avoid is not None else None
    if penalty is not None:
        cost = cost + penalty
    if rules.objective == "lexicographic":
        out, solved = run_block_lexicographic(
            problem, block, rules, budget, share, total_p=total_p, d_ref_km=d_ref_b
        )
    else:
        out, solved = run_block(problem, block, rules, cost, budget, share, hard, start)
    if out.x is None:
        nothing = np.full(problem.n_accounts, -1)
        unsolved = _unsolved(problem, block, out, rules, solver_name, t0, nothing, budget)
        return BlockOutcome(dataclasses.replace(out, x=None), np.zeros(0, dtype=np.int64), unsolved)
    plan = global_plan(solved, out.x)
    if penalty is not None:
        paid = float(penalty[pairs_of(block, np.arange(len(block.units)), local_plan(solved, out.x))].sum())
        real = out.objective - paid
        bound_b = avoid.bound_of(block.index)
        out = dataclasses.replace(
            out,
            objective=real,
            bound=bound_b,
            status=Status.OPTIMAL if relative_gap(real, bound_b) <= rules.mip_gap else Status.FEASIBLE,
        )
    return BlockOutcome(dataclasses.replace(out, x=None, row_dual=None), plan)


class _Clock:
    """Hands each block its share of the time left, by size, as blocks finish.

    Time a fast block does not use goes to the blocks after it.
    """

    def __init__(self, blocks: list[BlockData], total: float) -> None:
        self.deadline = time.perf_counter() + total
        self.sizes = {b.index: float(max(len(b.pair_unit), 1)) for b in blocks}

    def share(self, block: BlockData) -> float:
        left = max(self.deadline - time.perf_counter(), 0.1)
        size = self.sizes.pop(block.index)
        return left * size / (size + sum(self.sizes.values()))


def solve(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None = None,
    avoid: Avoid | None = None,
    _budget_pass: bool = False,
) -> Result:
    """Assign every account to one eligible rep under ``rules`` (see `solver.assignment.block`).

    ``avoid`` (used by `solver.assignment.alternatives`) adds a penalty to the
    (unit, rep) pairs of earlier plans, to find a different good plan; the
    reported objective never includes it.
    """
    t0 = time.perf_counter()
    if rules.max_moved_share is not None and rules.objective == "weighted" and not _budget_pass:
        # most budgets do not bind: a plan solved without the budget that keeps it anyway is
        # a plan of the budgeted problem, and its bound (of a relaxation) stays valid
        relaxed_rules = rules.model_copy(
            update={"max_moved_share": None, "time_limit": rules.time_limit * RELAXED_FIRST_SHARE}
        )
        relaxed = solve(problem, relaxed_rules, progress, avoid)
        keeps_budget = relaxed.status.has_plan and not violations(problem, relaxed.rep_of_account, rules)
        if keeps_budget or relaxed.status in (Status.INFEASIBLE, Status.ERROR):
            # a plan that keeps the budget, or rules infeasible even without it
            return dataclasses.replace(relaxed, seconds=time.perf_counter() - t0)
        left = rules.time_limit - (time.perf_counter() - t0)
        if left <= 0.5:
            return _no_plan(
                Status.NO_SOLUTION,
                "plan: no plan within the disruption budget was found within the time limit",
                t0,
                rules,
                relaxed.solver,
                np.full(problem.n_accounts, -1),
            )
        budgeted = solve(
            problem, rules.model_copy(update={"time_limit": left}), progress, avoid, _budget_pass=True
        )
        return dataclasses.replace(budgeted, seconds=time.perf_counter() - t0)
    solver_name = highs_version()
    if rules.solver not in ("auto", "highs"):
        # the chosen backend solves the exact (small) blocks; HiGHS runs the LP pipeline
        solver_name = f"{backend_version(rules.solver)} + {solver_name}"
    nothing = np.full(problem.n_accounts, -1)
    blocks = [build_block(problem, b) for b in range(len(problem.blocks))]
    findings = [f for block in blocks for f in block_findings(problem, block, rules)]
    budget_problem = budget_finding(problem, blocks, rules)
    if budget_problem:
        findings.append(budget_problem)
    if findings:
        return _no_plan(Status.INFEASIBLE, "\n".join(findings), t0, rules, solver_name, nothing)

    total_p = total_potential(problem)
    d_ref = block_distance_reference_km(problem)
    limit = rules.time_limit - (time.perf_counter() - t0)
    budgets: list[float | None] = [None] * len(blocks)
    starts: list[np.ndarray | None] = [None] * len(blocks)
    notes: list[str] = []
    if rules.max_moved_share is not None:
        clock = _Clock(blocks, limit * FIRST_PASS_SHARE)
        least, least_bound = [], []
        for block in blocks:
            tl = clock.share(block)
            if progress:
                progress(f"least disruption in {problem.block_name(block.index)}")
            # least moves, ties broken by the plan's own objective: a far less degenerate
            # LP than moves alone, and its bound still bounds the moves (see below)
            tie = FIRST_PASS_TIE_BREAK * pair_costs(block, rules, total_p, float(d_ref[block.index]))
            out, solved = run_block(
                problem, block, rules, block.moved / total_p + tie, None, tl, t0 + rules.time_limit
            )
            if out.x is None:
                return _unsolved(problem, block, out, rules, solver_name, t0, nothing)
            least.append(float(solved.moved @ out.x))
            starts[block.index] = local_plan(solved, out.x)
            most_tie = np.zeros(len(block.units))
            np.maximum.at(most_tie, block.pair_unit, tie)
            # moves(x)/P >= bound - tie(x) >= bound - sum_u max_r tie_ur, for every plan x
            least_bound.append(max(0.0, (out.bound - float(most_tie.sum())) * total_p))
        budget = rules.max_moved_share * float(problem.potential.sum())
        if sum(least_bound) > budget * (1 + 1e-9):
            text = (
                f"plan: keeping every block balanced moves at least {sum(least_bound):,.0f} of "
                f"potential ({sum(least_bound) / total_p:.1%}; the least found is "
                f"{sum(least):,.0f} = {sum(least) / total_p:.1%}), above the budget "
                f"max_moved_share = {rules.max_moved_share:.1%} ({budget:,.0f}). Rules: "
                "max_moved_share vs balance. Least moves by block: "
                + "; ".join(
                    f"{problem.block_name(b.index)} {m:,.0f}"
                    for b, m in zip(blocks, least_bound, strict=True)
                )
            )
            return _no_plan(Status.INFEASIBLE, text, t0, rules, solver_name, nothing)
        if sum(least) > budget * (1 + 1e-9):
            text = (
                f"plan: the best moves found ({sum(least):,.0f}) exceed the budget ({budget:,.0f}) "
                "within the time limit; no plan found (raise time_limit or max_moved_share)"
            )
            return _no_plan(Status.NO_SOLUTION, text, t0, rules, solver_name, nothing)
        block_p = np.array([b.unit_values["potential"].sum() for b in blocks])
        slack = budget - sum(least)
        budgets = [m + slack * p / max(block_p.sum(), 1e-12) for m, p in zip(least, block_p, strict=True)]
        notes.append("bound is relative to the split of the disruption budget between blocks")
        limit = rules.time_limit - (time.perf_counter() - t0)

    rep_of_unit = np.full(problem.n_units, -1)
    block_results = []
    objective = bound = 0.0
    worst = Status.OPTIMAL
    clock = _Clock(blocks, max(limit, 0.5))
    hard = t0 + rules.time_limit
    workers = _block_workers(problem, blocks)
    outcomes: dict[int, BlockOutcome] = {}
    if workers > 1:
        # blocks are independent: one process per block, largest first (plain data in and out)
        order = sorted(blocks, key=lambda b: -len(b.pair_unit))
        shares = {
            b.index: max(limit, 0.5)
            * workers
            * len(b.pair_unit)
            / max(sum(len(x.pair_unit) for x in blocks), 1)
            for b in blocks
        }
        # fork: the children inherit the problem and need no `if __name__ == "__main__"` guard
        # in the caller's script; the solver runs single-threaded, so forking is safe
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {
                b.index: pool.submit(
                    _block_task,
                    problem,
                    b.index,
                    rules,
                    total_p,
                    float(d_ref[b.index]),
                    budgets[b.index],
                    starts[b.index],
                    min(shares[b.index], hard - time.perf_counter()),
                    hard - time.perf_counter(),
                    avoid,
                    solver_name,
                    t0,
                )
                for b in order
            }
            for b in order:
                if progress:
                    progress(f"assigning {problem.block_name(b.index)}")
                outcomes[b.index] = futures[b.index].result()
    for block in blocks:
        if block.index not in outcomes:
            if progress:
                progress(f"assigning {problem.block_name(block.index)}")
            outcomes[block.index] = _solve_one_block(
                problem,
                block,
                rules,
                total_p,
                float(d_ref[block.index]),
                budgets[block.index],
                starts[block.index],
                clock.share(block),
                hard,
                avoid,
                solver_name,
                t0,
            )
        else:
            clock.share(block)
        done = outcomes[block.index]
        if done.unsolved is not None:
            return done.unsolved
        out = done.outcome
        rep_of_unit[block.units] = done.rep_of_unit
        objective += out.objective
        bound += out.bound
        seg, reg = problem.blocks[block.index]
        block_results.append(
            BlockResult(
                problem.block_name(block.index),
                seg,
                reg,
                int(block.unit_values["accounts"].sum()),
                len(block.units),
                len(block.reps),
                out.status,
                out.objective,
                out.bound,
                out.seconds,
                budgets[block.index],
            )
        )
        if out.status == Status.FEASIBLE:
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


def _no_plan(
    status: Status, text: str, t0: float, rules: AssignmentConfig, solver_name: str, nothing: np.ndarray
) -> Result:
    """A Result without a plan: infeasible (bound +inf) or no plan found in time (bound -inf)."""
    bound = float("inf") if status == Status.INFEASIBLE else float("-inf")
    return Result(
        status,
        float("inf"),
        bound,
        time.perf_counter() - t0,
        rules.seed,
        solver_name,
        nothing,
        explanation=text,
    )


def _unsolved(
    problem: Problem,
    block: BlockData,
    out: BackendOutcome,
    rules: AssignmentConfig,
    solver_name: str,
    t0: float,
    nothing: np.ndarray,
    budget: float | None = None,
) -> Result:
    name = problem.block_name(block.index)
    if out.status == Status.INFEASIBLE:
        active = ", ".join(f"balance of {m} within {t:.1%}" for m, t in sorted(rules.balance.items()))
        text = (
            f"{name}: no plan satisfies all rules together ({active}; pins; capacity"
            f"{'; disruption budget' if rules.max_moved_share is not None else ''}) — "
            f"{len(block.units)} units over {len(block.reps)} reps. The solver proved it "
            f"({solver_name}); no single rule is infeasible on its own figures.\n"
            + explain_infeasible(problem, block, rules, budget, CORE_SECONDS)
        )
        return _no_plan(Status.INFEASIBLE, text, t0, rules, solver_name, nothing)
    text = f"{name}: no plan found within the time limit ({out.raw_status})"
    status = Status.NO_SOLUTION if out.status != Status.ERROR else Status.ERROR
    return _no_plan(status, text, t0, rules, solver_name, nothing)
