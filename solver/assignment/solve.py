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
from solver.assignment.block import BlockData, block_reps, block_targets, block_units, build_block
from solver.assignment.block_bound import PieceDuals, lagrangian_bound, piece_duals
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
from solver.assignment.pieces import PIECE_UNITS, Piece, Split, split_block
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
#: Share of the time limit the split of large blocks may take (its sample LPs).
SPLIT_SHARE = 0.25
#: Problems with at least this many accounts solve their blocks in parallel processes.
PARALLEL_MIN_ACCOUNTS = 50_000


@dataclass(frozen=True)
class BlockOutcome:
    """What solving one block returns (plain data, so it can cross processes)."""

    outcome: BackendOutcome  # without the pair values
    rep_of_unit: np.ndarray  # global rep per unit of the block
    unsolved: Result | None = None
    duals: PieceDuals | None = None  # a piece's row duals, for its whole block's bound


def _block_workers(problem: Problem, blocks: list[BlockData]) -> int:
    """Processes for the blocks: one per core for large problems, never inside a daemon worker."""
    if problem.n_accounts < PARALLEL_MIN_ACCOUNTS or len(blocks) < 2:
        return 1
    if multiprocessing.current_process().daemon:
        return 1  # batch and Dask workers may not start processes; they already run in parallel
    return max(1, min(os.cpu_count() or 1, len(blocks)))


def _build(problem: Problem, piece: Piece) -> BlockData:
    """The model data of a piece: its block's targets when the block is split."""
    if piece.parts == 1:
        return build_block(problem, piece.block)
    targets = block_targets(problem, piece.block)
    at = np.searchsorted(block_reps(problem, piece.block), piece.reps)
    return build_block(problem, piece.block, piece.units, piece.reps, {m: t[at] for m, t in targets.items()})


def _block_task(
    problem: Problem,
    piece: Piece,
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
    """Worker: build the piece here (blocks are large) and solve it."""
    block = _build(problem, piece)
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
        if block.is_piece:  # the caller solves the whole block instead
            return BlockOutcome(dataclasses.replace(out, x=None, row_dual=None), np.zeros(0, dtype=np.int64))
        unsolved = _unsolved(problem, block, out, rules, solver_name, t0, nothing, budget)
        return BlockOutcome(dataclasses.replace(out, x=None), np.zeros(0, dtype=np.int64), unsolved)
    plan = global_plan(solved, out.x)
    duals = None
    if block.is_piece and out.row_dual is not None:
        duals = piece_duals(problem, block, rules, budget, out.row_dual)
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
    return BlockOutcome(dataclasses.replace(out, x=None, row_dual=None), plan, duals=duals)


class _Clock:
    """Hands each piece its share of the time left, by size, as pieces finish.

    Time a fast piece does not use goes to the pieces after it.
    """

    def __init__(self, blocks: list[BlockData], total: float) -> None:
        self.deadline = time.perf_counter() + total
        self.sizes = {i: float(max(len(b.pair_unit), 1)) for i, b in enumerate(blocks)}

    def share(self, i: int) -> float:
        left = max(self.deadline - time.perf_counter(), 0.1)
        size = self.sizes.pop(i)
        return left * size / (size + sum(self.sizes.values()))


class PlanCost:
    """The plan's objective per pair of a block (or piece, or chunk): picklable, for workers."""

    def __init__(
        self, rules: AssignmentConfig, total_p: float, d_ref: np.ndarray, avoid: Avoid | None
    ) -> None:
        self.rules, self.total_p, self.d_ref, self.avoid = rules, total_p, d_ref, avoid

    def __call__(self, block: BlockData) -> np.ndarray:
        cost = pair_costs(block, self.rules, self.total_p, float(self.d_ref[block.index]))
        return cost + self.avoid.block_penalty(block) if self.avoid is not None else cost


def _whole_block(problem: Problem, b: int) -> Split:
    return Split([Piece(b, 0, 1, block_units(problem, b), block_reps(problem, b))])


def _split_blocks(
    problem: Problem, rules: AssignmentConfig, cost: PlanCost, deadline: float, whole: frozenset[int]
) -> dict[int, Split]:
    """Each block's pieces; large problems split their blocks in parallel processes."""
    big = [
        b
        for b in range(len(problem.blocks))
        if b not in whole and int((problem.unit_block == b).sum()) > PIECE_UNITS
    ]
    splits = {b: _whole_block(problem, b) for b in range(len(problem.blocks)) if b not in big}
    workers = _block_workers(problem, big)
    if workers > 1:
        context = _fork_context()
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {b: pool.submit(split_block, problem, b, rules, cost, deadline) for b in big}
            splits |= {b: f.result() for b, f in futures.items()}
    else:
        splits |= {b: split_block(problem, b, rules, cost, deadline) for b in big}
    return dict(sorted(splits.items()))


def _fork_context() -> multiprocessing.context.BaseContext:
    """fork: the children inherit the problem and need no ``if __name__ == "__main__"`` guard
    in the caller's script; the solver runs single-threaded, so forking is safe."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def solve(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None = None,
    avoid: Avoid | None = None,
    _budget_pass: bool = False,
    _whole: frozenset[int] = frozenset(),
    _hard_deadline: float | None = None,
    _splits: dict[int, Split] | None = None,
) -> Result:
    """Assign every account to one eligible rep under ``rules`` (see `solver.assignment.block`).

    ``avoid`` (used by `solver.assignment.alternatives`) adds a penalty to the
    (unit, rep) pairs of earlier plans, to find a different good plan; the
    reported objective never includes it.
    """
    t0 = time.perf_counter()
    total_p = total_potential(problem)
    d_ref = block_distance_reference_km(problem)
    plan_cost = PlanCost(rules, total_p, d_ref, avoid)
    if _splits is None:
        # large blocks are cut into pieces (see `solver.assignment.pieces`), once for every pass
        _splits = _split_blocks(problem, rules, plan_cost, t0 + SPLIT_SHARE * rules.time_limit, _whole)
    if rules.max_moved_share is not None and rules.objective == "weighted" and not _budget_pass:
        # most budgets do not bind: a plan solved without the budget that keeps it anyway is
        # a plan of the budgeted problem, and its bound (of a relaxation) stays valid
        relaxed_rules = rules.model_copy(
            update={"max_moved_share": None, "time_limit": rules.time_limit * RELAXED_FIRST_SHARE}
        )
        # the relaxed pass may run on to the run's own time limit to finish a plan
        relaxed = solve(
            problem, relaxed_rules, progress, avoid, _hard_deadline=t0 + rules.time_limit, _splits=_splits
        )
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
            problem,
            rules.model_copy(update={"time_limit": left}),
            progress,
            avoid,
            _budget_pass=True,
            _splits=_splits,
        )
        return dataclasses.replace(budgeted, seconds=time.perf_counter() - t0)
    solver_name = highs_version()
    if rules.solver not in ("auto", "highs"):
        # the chosen backend solves the exact (small) blocks; HiGHS runs the LP pipeline
        solver_name = f"{backend_version(rules.solver)} + {solver_name}"
    nothing = np.full(problem.n_accounts, -1)
    hard = _hard_deadline if _hard_deadline is not None else t0 + rules.time_limit
    # a block whose pieces fail a pre-check, or one of whose pieces is infeasible, is solved whole
    splits = dict(_splits)
    pieces: list[Piece] = []
    built: list[BlockData] = []
    findings: list[str] = []
    for b in range(len(problem.blocks)):
        mine = [_build(problem, p) for p in splits[b].pieces]
        found = [f for block in mine for f in block_findings(problem, block, rules)]
        if found and len(mine) > 1:
            splits[b] = _whole_block(problem, b)
            mine = [build_block(problem, b)]
            found = block_findings(problem, mine[0], rules)
        findings += found
        pieces += splits[b].pieces
        built += mine
    whole_blocks = [blk for blk, p in zip(built, pieces, strict=True) if p.parts == 1]
    budget_problem = budget_finding(
        problem, whole_blocks, rules, split_blocks=[b for b in splits if len(splits[b].pieces) > 1]
    )
    if budget_problem:
        findings.append(budget_problem)
    if findings:
        return _no_plan(Status.INFEASIBLE, "\n".join(findings), t0, rules, solver_name, nothing)

    def retry_whole(b: int) -> Result:
        log.info("a piece of %s is infeasible: solving the block whole", problem.block_name(b))
        left = max(hard - time.perf_counter(), 0.5)
        again = solve(
            problem,
            rules.model_copy(update={"time_limit": left}),
            progress,
            avoid,
            _budget_pass=True,
            _whole=_whole | {b},
            _hard_deadline=hard,
            _splits=splits | {b: _whole_block(problem, b)},
        )
        return dataclasses.replace(again, seconds=time.perf_counter() - t0)

    limit = rules.time_limit - (time.perf_counter() - t0)
    budgets: list[float | None] = [None] * len(pieces)
    starts: list[np.ndarray | None] = [None] * len(pieces)
    notes: list[str] = []
    if rules.max_moved_share is not None:
        clock = _Clock(built, limit * FIRST_PASS_SHARE)
        least, least_bound_of, most_tie_of, least_duals = [], {}, {}, {}
        for i, (piece, block) in enumerate(zip(pieces, built, strict=True)):
            tl = clock.share(i)
            if progress:
                progress(f"least disruption in {problem.block_name(block.index)}")
            # least moves, ties broken by the plan's own objective: a far less degenerate
            # LP than moves alone, and its bound still bounds the moves (see below)
            tie = FIRST_PASS_TIE_BREAK * pair_costs(block, rules, total_p, float(d_ref[block.index]))
            out, solved = run_block(problem, block, rules, block.moved / total_p + tie, None, tl, hard)
            if out.x is None:
                if block.is_piece and out.status == Status.INFEASIBLE:
                    return retry_whole(piece.block)
                return _unsolved(problem, block, out, rules, solver_name, t0, nothing)
            least.append(float(solved.moved @ out.x))
            starts[i] = local_plan(solved, out.x)
            if block.is_piece:
                if out.row_dual is not None:
                    least_duals.setdefault(piece.block, []).append(
                        piece_duals(problem, block, rules, None, out.row_dual)
                    )
                continue
            most_tie = np.zeros(len(block.units))
            np.maximum.at(most_tie, block.pair_unit, tie)
            least_bound_of[piece.block] = out.bound
            most_tie_of[piece.block] = float(most_tie.sum())
        for b, split in splits.items():
            if len(split.pieces) > 1:
                d_b = float(d_ref[b])
                bound_b, tie_b, _ = lagrangian_bound(
                    problem,
                    b,
                    rules,
                    least_duals.get(b, []),
                    lambda blk, d_b=d_b: (
                        blk.moved / total_p + FIRST_PASS_TIE_BREAK * pair_costs(blk, rules, total_p, d_b)
                    ),
                    extra_of=lambda blk, d_b=d_b: FIRST_PASS_TIE_BREAK * pair_costs(blk, rules, total_p, d_b),
                )
                least_bound_of[b], most_tie_of[b] = bound_b, tie_b
        # moves(x)/P >= bound - tie(x) >= bound - sum_u max_r tie_ur, for every plan x
        least_bound = [max(0.0, (least_bound_of[b] - most_tie_of[b]) * total_p) for b in splits]
        budget = rules.max_moved_share * float(problem.potential.sum())
        if sum(least_bound) > budget * (1 + 1e-9):
            text = (
                f"plan: keeping every block balanced moves at least {sum(least_bound):,.0f} of "
                f"potential ({sum(least_bound) / total_p:.1%}; the least found is "
                f"{sum(least):,.0f} = {sum(least) / total_p:.1%}), above the budget "
                f"max_moved_share = {rules.max_moved_share:.1%} ({budget:,.0f}). Rules: "
                "max_moved_share vs balance. Least moves by block: "
                + "; ".join(
                    f"{problem.block_name(b)} {m:,.0f}" for b, m in zip(splits, least_bound, strict=True)
                )
            )
            return _no_plan(Status.INFEASIBLE, text, t0, rules, solver_name, nothing)
        if sum(least) > budget * (1 + 1e-9):
            text = (
                f"plan: the best moves found ({sum(least):,.0f}) exceed the budget ({budget:,.0f}) "
                "within the time limit; no plan found (raise time_limit or max_moved_share)"
            )
            return _no_plan(Status.NO_SOLUTION, text, t0, rules, solver_name, nothing)
        piece_p = np.array([b.unit_values["potential"].sum() for b in built])
        slack = budget - sum(least)
        budgets = [m + slack * p / max(piece_p.sum(), 1e-12) for m, p in zip(least, piece_p, strict=True)]
        notes.append("bound is relative to the split of the disruption budget between blocks")
        limit = rules.time_limit - (time.perf_counter() - t0)

    clock = _Clock(built, max(limit, 0.5))
    workers = _block_workers(problem, built)
    outcomes: dict[int, BlockOutcome] = {}
    if workers > 1:
        # pieces are independent: one process per piece, largest first (plain data in and out)
        order = sorted(range(len(built)), key=lambda i: (-len(built[i].pair_unit), i))
        all_pairs = max(sum(len(x.pair_unit) for x in built), 1)
        shares = {i: max(limit, 0.5) * workers * len(built[i].pair_unit) / all_pairs for i in order}
        del built[:]  # the workers build their own; keep the parent small
        with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context()) as pool:
            futures = {
                i: pool.submit(
                    _block_task,
                    problem,
                    pieces[i],
                    rules,
                    total_p,
                    float(d_ref[pieces[i].block]),
                    budgets[i],
                    starts[i],
                    min(shares[i], hard - time.perf_counter()),
                    hard - time.perf_counter(),
                    avoid,
                    solver_name,
                    t0,
                )
                for i in order
            }
            for i in order:
                if progress:
                    progress(f"assigning {problem.block_name(pieces[i].block)}")
                outcomes[i] = futures[i].result()
    else:
        for i, block in enumerate(built):
            if progress:
                progress(f"assigning {problem.block_name(block.index)}")
            outcomes[i] = _solve_one_block(
                problem,
                block,
                rules,
                total_p,
                float(d_ref[block.index]),
                budgets[i],
                starts[i],
                clock.share(i),
                hard,
                avoid,
                solver_name,
                t0,
            )

    rep_of_unit = np.full(problem.n_units, -1)
    block_results = []
    objective = bound = 0.0
    worst = Status.OPTIMAL
    for b, split in splits.items():
        mine = [i for i, p in enumerate(pieces) if p.block == b]
        for i in mine:
            done = outcomes[i]
            if done.unsolved is not None:
                return done.unsolved
            if done.outcome.x is None and done.rep_of_unit.size == 0 and len(mine) > 1:
                if done.outcome.status == Status.INFEASIBLE:
                    return retry_whole(b)
                return _no_plan(
                    Status.NO_SOLUTION,
                    f"{problem.block_name(b)}: no plan found within the "
                    f"time limit ({done.outcome.raw_status})",
                    t0,
                    rules,
                    solver_name,
                    nothing,
                )
            rep_of_unit[pieces[i].units if len(mine) > 1 else block_units(problem, b)] = done.rep_of_unit
        obj_b = sum(outcomes[i].outcome.objective for i in mine)
        piece_budgets = [budgets[i] for i in mine]
        budget_b = None if piece_budgets[0] is None else float(sum(x for x in piece_budgets if x is not None))
        if len(mine) == 1:
            bound_b = outcomes[mine[0]].outcome.bound
        else:
            duals = [outcomes[i].duals for i in mine if outcomes[i].duals is not None]
            mus = [d.budget for d in duals]
            bound_b, _, _ = lagrangian_bound(
                problem, b, rules, duals, plan_cost, budget=budget_b, budget_dual=min(mus) if mus else 0.0
            )
            # the sample's bound ignores the budget: a relaxation, so a bound all the same
            bound_b = max(bound_b, split.sample_bound)
        if avoid is not None:
            bound_b = avoid.bound_of(b)
        status_b = Status.OPTIMAL if relative_gap(obj_b, bound_b) <= rules.mip_gap else Status.FEASIBLE
        if len(mine) == 1:
            status_b = outcomes[mine[0]].outcome.status
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
                sum(outcomes[i].outcome.seconds for i in mine),
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
