"""`solve(problem, rules) -> Result`: decompose by block, solve, re-check.

Each block is solved on its own. Large blocks are cut into pieces
(`solver.assignment.split.pieces`) whose plans make a plan of the block; the
block's bound then comes from `solver.assignment.split.block_bound`. The
plan-wide disruption budget (``max_moved_share``), the one thing blocks share,
takes passes of its own: `solver.assignment.budget.passes` decides which, and
runs each through `_solve` here.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.assemble import assemble
from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.backends.registry import solver_label
from solver.assignment.block import BlockData, block_reps, block_units
from solver.assignment.budget.passes import LeastFailed, least_disruption_pass, solve_with_budget
from solver.assignment.executor import block_pool, map_tasks
from solver.assignment.explain.core import explain_infeasible
from solver.assignment.group_pass import improve_run
from solver.assignment.piece_checks import (
    PARALLEL_MIN_ACCOUNTS,
    CheckedPieces,
    block_workers_for,
    check_pieces,
    too_big,
    too_big_text,
    whole_block,
)
from solver.assignment.result import Result, Status
from solver.assignment.rules import pair_costs
from solver.assignment.schedule import Clock, reserved_deadlines, run_then_retry, share_of
from solver.assignment.solve_pass import Pass, no_plan
from solver.assignment.split.block_bound import PieceDuals, lagrangian_bound
from solver.assignment.split.piece_tasks import PieceOutcome, PlanTask, build_piece, plan_piece, shares
from solver.assignment.split.pieces import PIECE_UNITS, Piece, Split, split_block
from solver.assignment.split.sizing import BlockSize, machine_workers, piece_counts
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


#: Seconds allowed to find and shrink the conflict of an infeasible block.
CORE_SECONDS = 10.0
#: Share of the time limit the split of large blocks may take (its sample LPs).
SPLIT_SHARE = 0.25


class PlanCost:
    """The plan's objective per pair of a block (or piece, or chunk): picklable, for workers."""

    def __init__(
        self, rules: AssignmentConfig, total_p: float, d_ref: np.ndarray, avoid: Avoid | None
    ) -> None:
        self.rules, self.total_p, self.d_ref, self.avoid = rules, total_p, d_ref, avoid

    def __call__(self, block: BlockData) -> np.ndarray:
        cost = pair_costs(block, self.rules, self.total_p, float(self.d_ref[block.index]))
        return cost + self.avoid.block_penalty(block) if self.avoid is not None else cost


#: Runs with at least this many accounts cut their blocks into pieces of half `PIECE_UNITS`.
LARGE_RUN_ACCOUNTS = 500_000


def piece_units(problem: Problem) -> int:
    """Units per piece in this run. A piece's solve grows faster than its size (1M accounts:
    20k x 30 pieces in 5-10 s, 40k x 60 in 30-130 s), so the largest runs, which must
    solve every piece within the time limit, use smaller pieces; smaller runs keep
    `PIECE_UNITS`, whose pieces lose less at their borders."""
    return PIECE_UNITS if problem.n_accounts < LARGE_RUN_ACCOUNTS else PIECE_UNITS // 2


def _split_blocks(
    problem: Problem, rules: AssignmentConfig, cost: PlanCost, deadline: float, whole: frozenset[int]
) -> dict[int, Split]:
    """Each block's pieces; large problems split their blocks in parallel processes."""
    counts = piece_counts(
        {
            b: BlockSize(len(block_units(problem, b)), len(block_reps(problem, b)))
            for b in range(len(problem.blocks))
            if b not in whole
        },
        piece_units(problem),
        rules.time_limit,
        machine_workers(),
    )
    big = [b for b, k in counts.items() if k > 1]
    splits = {b: whole_block(problem, b) for b in range(len(problem.blocks)) if b not in big}
    workers = block_workers_for(problem, big)
    # the count is passed on: a worker's own module constants are not this run's;
    # a block too large to solve whole must be split, whatever its split's flaws
    if workers > 1:
        largest_first = sorted(big, key=lambda b: (-int((problem.unit_block == b).sum()), b))
        with block_pool(workers) as pool:
            futures = {
                b: pool.submit(
                    split_block,
                    problem,
                    b,
                    rules,
                    cost,
                    deadline,
                    must_split=too_big(problem, b),
                    parts=counts[b],
                )
                for b in largest_first
            }
            splits |= {b: f.result() for b, f in futures.items()}
    else:
        for b in big:
            splits[b] = split_block(
                problem, b, rules, cost, deadline, must_split=too_big(problem, b), parts=counts[b]
            )
    return dict(sorted(splits.items()))


def solve(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None = None,
    avoid: Avoid | None = None,
) -> Result:
    """Assign every account to one eligible rep under ``rules`` (see `solver.assignment.block`).

    ``avoid`` (used by `solver.assignment.alternatives`) adds a penalty to the
    (unit, rep) pairs of earlier plans, to find a different good plan; the
    reported objective never includes it.
    """
    return _solve(problem, rules, progress, avoid, Pass())


def _solve(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None,
    avoid: Avoid | None,
    run: Pass,
) -> Result:
    """One pass of `solve` (the disruption budget's passes: `solver.assignment.budget.passes`)."""
    t0 = time.perf_counter()
    total_p = total_potential(problem)
    # computed once per run (16 s at a million accounts), then handed to every pass
    d_ref = block_distance_reference_km(problem) if run.d_ref is None else run.d_ref
    plan_cost = PlanCost(rules, total_p, d_ref, avoid)
    first_splits = run.splits
    if first_splits is None:
        # large blocks are cut into pieces (see `solver.assignment.split.pieces`), once for every pass
        first_splits = _split_blocks(
            problem, rules, plan_cost, t0 + SPLIT_SHARE * rules.time_limit, run.whole
        )
    if rules.max_moved_share is not None and rules.objective == "weighted" and not run.budgeted:
        # the budget's passes (`solver.assignment.budget.passes`) each come back here
        def solve_pass(pass_rules: AssignmentConfig, pass_run: Pass) -> Result:
            return _solve(problem, pass_rules, progress, avoid, pass_run)

        return solve_with_budget(problem, rules, t0, first_splits, d_ref, solve_pass)
    solver_name = solver_label(rules.solver)
    nothing = np.full(problem.n_accounts, -1)
    hard = run.hard_deadline if run.hard_deadline is not None else t0 + rules.time_limit
    say = (lambda text: progress(text)) if progress else (lambda text: None)

    keep = problem.n_accounts < PARALLEL_MIN_ACCOUNTS
    checked = check_pieces(problem, rules, first_splits, keep)
    if checked.too_big is not None:
        return no_plan(Status.NO_SOLUTION, checked.too_big, t0, rules, solver_name, nothing)
    if checked.findings:
        return no_plan(Status.INFEASIBLE, "\n".join(checked.findings), t0, rules, solver_name, nothing)
    splits, pieces, built, sizes = checked.splits, checked.pieces, checked.built, checked.sizes
    workers = block_workers_for(problem, pieces)
    kept = built if keep else None

    fail = _Failure(problem, rules, progress, avoid, run, checked, keep, (t0, hard), (solver_name, d_ref))

    limit = rules.time_limit - (time.perf_counter() - t0)
    budgets: list[float | None] = [None] * len(pieces)
    starts: list[np.ndarray | None] = [None] * len(pieces)
    notes: list[str] = []
    if rules.max_moved_share is not None:
        split = least_disruption_pass(
            problem, rules, checked, workers, kept, (total_p, d_ref), (hard, limit), say, run.warm
        )
        if isinstance(split, LeastFailed):
            if split.index is not None:
                return fail(split.index, split.outcomes[split.index], None, split.outcomes)
            return no_plan(split.status, split.text, t0, rules, solver_name, nothing)
        budgets, starts, notes = split.budgets, split.starts, split.notes
        limit = rules.time_limit - (time.perf_counter() - t0)

    clock = Clock(sizes, max(limit, 0.5))
    spread = shares(sizes, limit, workers)
    latest = reserved_deadlines(sizes, shares(sizes, hard - time.perf_counter(), workers), hard, workers)

    def plan_task(i: int) -> PlanTask:
        share, until = share_of(i, spread, latest, clock, workers, hard)
        return PlanTask(
            rules,
            total_p,
            float(d_ref[pieces[i].block]),
            budgets[i],
            starts[i],
            share,
            until,
            avoid,
            run_end=hard,
        )

    outs, failed = run_then_retry(
        problem,
        pieces,
        kept,
        sizes,
        plan_piece,
        plan_task,
        workers,
        lambda i: say(f"assigning {problem.block_name(pieces[i].block)}"),
        hard,
    )
    if failed is not None:
        return fail(failed, outs[failed], budgets[failed], outs)
    outs = improve_run(
        problem,
        rules,
        pieces,
        kept,
        outs,
        (budgets, starts, avoid, d_ref),
        run.kept_budget,
        (t0, hard),
        workers,
    )
    split_bounds = _split_bounds(problem, rules, pieces, splits, outs, budgets, plan_cost)
    return assemble(
        problem, rules, pieces, splits, outs, budgets, split_bounds, avoid, solver_name, t0, notes
    )


@dataclass(frozen=True)
class _Failure:
    """What a pass does when a piece has no plan: retry its block whole, or say why there is none."""

    problem: Problem
    rules: AssignmentConfig
    progress: Callable[[str], None] | None
    avoid: Avoid | None
    run: Pass
    checked: CheckedPieces
    keep: bool
    clock: tuple[float, float]  # the pass's start and hard deadline (perf_counter)
    names: tuple[str, np.ndarray]  # the solver's name and the distance reference

    def retry_whole(self, b: int) -> Result:
        """Solve block ``b`` whole with the time left (its pieces failed)."""
        problem, rules, run = self.problem, self.rules, self.run
        t0, hard = self.clock
        log.info("a piece of %s has no plan: solving the block whole", problem.block_name(b))
        again = _solve(
            problem,
            rules.model_copy(update={"time_limit": max(hard - time.perf_counter(), 0.5)}),
            self.progress,
            self.avoid,
            Pass(
                True,
                run.whole | {b},
                hard,
                self.checked.splits | {b: whole_block(problem, b)},
                self.names[1],
            ),
        )
        return dataclasses.replace(again, seconds=time.perf_counter() - t0)

    def __call__(self, i: int, out: PieceOutcome, budget: float | None, outs: list[PieceOutcome]) -> Result:
        problem, rules = self.problem, self.rules
        pieces, sizes = self.checked.pieces, self.checked.sizes
        t0, hard = self.clock
        solver_name = self.names[0]
        nothing = np.full(problem.n_accounts, -1)
        piece = pieces[i]
        failed = out.failed or out.outcome
        progress_text = _progress_text(problem, pieces, sizes, outs, max(rules.time_limit, hard - t0))
        if piece.parts > 1 and failed.status != Status.INFEASIBLE and time.perf_counter() >= hard - 1.0:
            text = (
                f"{problem.block_name(piece.block)}: piece {piece.part + 1} of {piece.parts} found no plan "
                f"within the time limit ({failed.raw_status}). {progress_text}"
            )
            return no_plan(Status.NO_SOLUTION, text, t0, rules, solver_name, nothing)
        if piece.parts > 1 and too_big(problem, piece.block):
            why = [f"piece {piece.part + 1} of {piece.parts}: {failed.raw_status}"]
            return no_plan(
                Status.NO_SOLUTION, too_big_text(problem, piece.block, why), t0, rules, solver_name, nothing
            )
        if piece.parts > 1 and time.perf_counter() < hard - 1.0:
            return self.retry_whole(piece.block)
        block = self.checked.built[i] if self.keep else build_piece(problem, piece)
        return _unsolved(problem, block, failed, rules, solver_name, t0, nothing, budget, progress_text)


def _block_bound_task(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    duals: list[PieceDuals],
    cost: PlanCost,
    budget: float | None,
    budget_dual: float,
    rep_piece: np.ndarray,
) -> float:
    return lagrangian_bound(
        problem,
        b,
        rules,
        duals,
        cost,
        budget=budget,
        budget_dual=budget_dual,
        rep_group=rep_piece,
        shift=True,
    )[0]


def _split_bounds(
    problem: Problem,
    rules: AssignmentConfig,
    pieces: list[Piece],
    splits: dict[int, Split],
    outs: list[PieceOutcome],
    budgets: list[float | None],
    cost: PlanCost,
) -> dict[int, float]:
    """Each split block's Lagrangian bound from its pieces' duals (blocks in parallel when large)."""
    args = {}
    for b, split in splits.items():
        if len(split.pieces) == 1:
            continue
        mine = [i for i, p in enumerate(pieces) if p.block == b]
        duals = [d for d in (outs[i].duals for i in mine) if d is not None]
        own = [x for x in (budgets[i] for i in mine) if x is not None]
        mus = [d.budget for d in duals]
        args[b] = (
            duals,
            float(sum(own)) if own else None,
            min(mus) if mus else 0.0,
            _rep_piece(problem, b, split),
        )
    calls = [(problem, b, rules, a[0], cost, a[1], a[2], a[3]) for b, a in args.items()]
    bounds = map_tasks(block_workers_for(problem, list(args)), _block_bound_task, calls)
    return dict(zip(args, bounds, strict=True))


def _rep_piece(problem: Problem, b: int, split: Split) -> np.ndarray:
    """The piece of each rep of block ``b`` (its reps in `block_reps` order)."""
    reps = block_reps(problem, b)
    piece = np.zeros(len(reps), dtype=np.int64)
    for k, p in enumerate(split.pieces):
        piece[np.searchsorted(reps, p.reps)] = k
    return piece


def _progress_text(
    problem: Problem, pieces: list[Piece], sizes: list[int], outs: list[PieceOutcome], time_limit: float
) -> str:
    """How far the run got (pieces with a plan, the largest one's state) and a time limit to try."""
    have = [o.failed is None for o in outs]
    largest = max(range(len(pieces)), key=lambda i: (sizes[i], -i))
    piece = pieces[largest]
    part = f" piece {piece.part + 1} of {piece.parts}" if piece.parts > 1 else ""
    suggest = 10 * int(np.ceil(2 * time_limit / 10))
    return (
        f"Progress: {sum(have)} of {len(pieces)} blocks or pieces have a plan; the largest, "
        f"{problem.block_name(piece.block)}{part} ({len(piece.units):,} units x {len(piece.reps):,} reps), "
        f"{'has one' if have[largest] else 'has none'}. Suggested time_limit: {suggest} s."
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
    progress_text: str = "",
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
        return no_plan(Status.INFEASIBLE, text, t0, rules, solver_name, nothing)
    text = f"{name}: no plan found within the time limit ({out.raw_status}). {progress_text}".strip()
    status = Status.NO_SOLUTION if out.status != Status.ERROR else Status.ERROR
    return no_plan(status, text, t0, rules, solver_name, nothing)
