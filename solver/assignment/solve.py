"""`solve(problem, rules) -> Result`: decompose by block, solve, re-check.

Blocks are independent except for the plan-wide disruption budget
(``max_moved_share``). Large blocks are cut into pieces
(`solver.assignment.split.pieces`) whose plans make a plan of the block; the
block's bound then comes from `solver.assignment.split.block_bound`. With a
budget, the plan is first solved without it (most budgets do not bind); if
it breaks the budget, a pass finds each piece's least possible moved
potential, the budget's slack is shared in proportion to potential, and the
last pass optimises the full objective inside each share (its reported bound
is relative to that split, and says so).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solver.assignment.assemble import assemble
from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.backends.registry import solver_label
from solver.assignment.block import BlockData
from solver.assignment.budget_repair import repair_under_budget
from solver.assignment.checker import violations
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
from solver.assignment.schedule import Clock, reserved_deadlines, retry_failed, run_pieces, share_of
from solver.assignment.split.block_bound import PieceDuals, lagrangian_bound
from solver.assignment.split.piece_tasks import (
    LeastCost,
    PieceOutcome,
    PlanTask,
    build_piece,
    least_piece,
    plan_piece,
    shares,
)
from solver.assignment.split.pieces import PIECE_UNITS, Piece, Split, split_block
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
#: With a disruption budget, share of the time for a first solve without it (most budgets do
#: not bind, and the search over groups of reps uses this share to close the gap; when the
#: budget binds, the rest is enough to repair the plan under it, `budget_repair`).
RELAXED_FIRST_SHARE = 0.75
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
    size = piece_units(problem)
    big = [
        b
        for b in range(len(problem.blocks))
        if b not in whole and int((problem.unit_block == b).sum()) > size
    ]
    splits = {b: whole_block(problem, b) for b in range(len(problem.blocks)) if b not in big}
    workers = block_workers_for(problem, big)
    if workers > 1:
        largest_first = sorted(big, key=lambda b: (-int((problem.unit_block == b).sum()), b))
        with block_pool(workers) as pool:
            # the size is passed on: a worker's own module constant is not this run's
            futures = {
                b: pool.submit(split_block, problem, b, rules, cost, deadline, size, **_must(problem, b))
                for b in largest_first
            }
            splits |= {b: f.result() for b, f in futures.items()}
    else:
        splits |= {b: split_block(problem, b, rules, cost, deadline, size, **_must(problem, b)) for b in big}
    return dict(sorted(splits.items()))


def _must(problem: Problem, b: int) -> dict[str, bool]:
    """A block too large to solve whole must be split, whatever its split's flaws."""
    return {"must_split": True} if too_big(problem, b) else {}


@dataclass(frozen=True)
class _Pass:
    """What one pass of `_solve` inherits from the run: the budget-free or budgeted pass,
    blocks to solve whole, the run's deadline, the split of the blocks, the distance reference."""

    budgeted: bool = False
    whole: frozenset[int] = frozenset()
    hard_deadline: float | None = None
    splits: dict[int, Split] | None = None
    d_ref: np.ndarray | None = None
    #: the pass without the budget: the run's ``max_moved_share`` and time limit, which the
    #: search over groups of reps may use whole while its plan keeps the budget
    kept_budget: tuple[float, float] | None = None


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
    return _solve(problem, rules, progress, avoid, _Pass())


def _solve(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None,
    avoid: Avoid | None,
    run: _Pass,
) -> Result:
    """One pass of `solve` (see the module docstring for the passes)."""
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
        return _solve_with_budget(problem, rules, progress, avoid, t0, first_splits, d_ref)
    solver_name = solver_label(rules.solver)
    nothing = np.full(problem.n_accounts, -1)
    hard = run.hard_deadline if run.hard_deadline is not None else t0 + rules.time_limit
    say = (lambda text: progress(text)) if progress else (lambda text: None)

    keep = problem.n_accounts < PARALLEL_MIN_ACCOUNTS
    checked = check_pieces(problem, rules, first_splits, keep)
    if checked.too_big is not None:
        return _no_plan(Status.NO_SOLUTION, checked.too_big, t0, rules, solver_name, nothing)
    if checked.findings:
        return _no_plan(Status.INFEASIBLE, "\n".join(checked.findings), t0, rules, solver_name, nothing)
    splits, pieces, built, sizes = checked.splits, checked.pieces, checked.built, checked.sizes
    workers = block_workers_for(problem, pieces)
    kept = built if keep else None

    fail = _Failure(problem, rules, progress, avoid, run, checked, keep, (t0, hard), (solver_name, d_ref))

    limit = rules.time_limit - (time.perf_counter() - t0)
    budgets: list[float | None] = [None] * len(pieces)
    starts: list[np.ndarray | None] = [None] * len(pieces)
    notes: list[str] = []
    if rules.max_moved_share is not None:
        split = _least_disruption_pass(
            problem, rules, checked, workers, kept, (total_p, d_ref), (hard, limit), say
        )
        if isinstance(split, _LeastFailed):
            if split.index is not None:
                return fail(split.index, split.outcomes[split.index], None, split.outcomes)
            return _no_plan(split.status, split.text, t0, rules, solver_name, nothing)
        budgets, starts, notes = split.budgets, split.starts, split.notes
        limit = rules.time_limit - (time.perf_counter() - t0)

    clock = Clock(sizes, max(limit, 0.5))
    spread = shares(sizes, limit, workers)
    latest = reserved_deadlines(sizes, shares(sizes, hard - time.perf_counter(), workers), hard, workers)

    def plan_task(i: int) -> PlanTask:
        share, until = share_of(i, spread, latest, clock, workers, hard)
        return PlanTask(
            rules, total_p, float(d_ref[pieces[i].block]), budgets[i], starts[i], share, until, avoid
        )

    outs = run_pieces(
        problem,
        pieces,
        kept,
        sizes,
        plan_piece,
        plan_task,
        workers,
        lambda i: say(f"assigning {problem.block_name(pieces[i].block)}"),
    )
    outs = retry_failed(problem, pieces, kept, outs, plan_piece, plan_task, hard)
    for i, out in enumerate(outs):
        if out.failed is not None:
            return fail(i, out, budgets[i], outs)
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
    run: _Pass
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
            _Pass(
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
            return _no_plan(Status.NO_SOLUTION, text, t0, rules, solver_name, nothing)
        if piece.parts > 1 and too_big(problem, piece.block):
            why = [f"piece {piece.part + 1} of {piece.parts}: {failed.raw_status}"]
            return _no_plan(
                Status.NO_SOLUTION, too_big_text(problem, piece.block, why), t0, rules, solver_name, nothing
            )
        if piece.parts > 1 and time.perf_counter() < hard - 1.0:
            return self.retry_whole(piece.block)
        block = self.checked.built[i] if self.keep else build_piece(problem, piece)
        return _unsolved(problem, block, failed, rules, solver_name, t0, nothing, budget, progress_text)


@dataclass(frozen=True)
class _LeastFailed:
    """Why the least-disruption pass gives no budgets: a piece without a plan, or a finding."""

    index: int | None = None
    outcomes: list[PieceOutcome] = field(default_factory=list)
    status: Status = Status.NO_SOLUTION
    text: str = ""


@dataclass(frozen=True)
class _BudgetSplit:
    """Each piece's share of the disruption budget, its least-disruption start, and notes."""

    budgets: list[float | None]
    starts: list[np.ndarray | None]
    notes: list[str]


def _least_disruption_pass(
    problem: Problem,
    rules: AssignmentConfig,
    checked: CheckedPieces,
    workers: int,
    kept: list[BlockData] | None,
    costs: tuple[float, np.ndarray],
    clock_at: tuple[float, float],
    say: Callable[[str], None],
) -> _BudgetSplit | _LeastFailed:
    """Least moves per piece, a bound on them, and the budget split in proportion to potential.

    The budget is infeasible when even the bound on the least moves exceeds it,
    and out of reach when the least moves found do.
    """
    total_p, d_ref = costs
    hard, limit = clock_at
    pieces, sizes, splits = checked.pieces, checked.sizes, checked.splits
    clock = Clock(sizes, limit * FIRST_PASS_SHARE)
    spread = shares(sizes, limit * FIRST_PASS_SHARE, workers)
    latest = reserved_deadlines(sizes, shares(sizes, hard - time.perf_counter(), workers), hard, workers)

    def least_task(i: int) -> PlanTask:
        share, until = share_of(i, spread, latest, clock, workers, hard)
        return PlanTask(rules, total_p, float(d_ref[pieces[i].block]), None, None, share, until)

    outs = run_pieces(
        problem,
        pieces,
        kept,
        sizes,
        least_piece,
        least_task,
        workers,
        lambda i: say(f"least disruption in {problem.block_name(pieces[i].block)}"),
    )
    outs = retry_failed(problem, pieces, kept, outs, least_piece, least_task, hard)
    for i, out in enumerate(outs):
        if out.failed is not None:
            return _LeastFailed(index=i, outcomes=outs)
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
        return _LeastFailed(status=Status.INFEASIBLE, text=text)
    if sum(least) > budget * (1 + 1e-9):
        text = (
            f"plan: the best moves found ({sum(least):,.0f}) exceed the budget ({budget:,.0f}) "
            "within the time limit; no plan found (raise time_limit or max_moved_share)"
        )
        return _LeastFailed(status=Status.NO_SOLUTION, text=text)
    slack = budget - sum(least)
    piece_p = checked.potential
    budgets: list[float | None] = [
        m + slack * p / max(sum(piece_p), 1e-12) for m, p in zip(least, piece_p, strict=True)
    ]
    notes = ["bound is relative to the split of the disruption budget between blocks"]
    return _BudgetSplit(budgets, [o.start for o in outs], notes)


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
            bound_b, tie_b = outs[mine[0]].outcome.bound, outs[mine[0]].most_tie
        else:
            duals = [d for d in (outs[i].duals for i in mine) if d is not None]
            bound_b, tie_b, _ = lagrangian_bound(
                problem, b, rules, duals, least_cost, extra_of=least_cost.tie
            )
        # moves(x)/P >= bound - tie(x) >= bound - sum_u max_r tie_ur, for every plan x
        least_bound.append(max(0.0, (bound_b - tie_b) * total_potential(problem)))
    return least_bound


def _solve_with_budget(
    problem: Problem,
    rules: AssignmentConfig,
    progress: Callable[[str], None] | None,
    avoid: Avoid | None,
    t0: float,
    splits: dict[int, Split],
    d_ref: np.ndarray,
) -> Result:
    """Most budgets do not bind: a plan solved without the budget that keeps it anyway is a
    plan of the budgeted problem, and its bound (of a relaxation) stays valid."""
    relaxed_rules = rules.model_copy(
        update={"max_moved_share": None, "time_limit": rules.time_limit * RELAXED_FIRST_SHARE}
    )
    # the relaxed pass may run on to the run's own time limit to finish a plan
    relaxed = _solve(
        problem,
        relaxed_rules,
        progress,
        avoid,
        _Pass(
            hard_deadline=t0 + rules.time_limit,
            splits=splits,
            d_ref=d_ref,
            kept_budget=(float(rules.max_moved_share or 0.0), rules.time_limit),
        ),
    )
    broken = violations(problem, relaxed.rep_of_account, rules) if relaxed.status.has_plan else []
    keeps_budget = relaxed.status.has_plan and not broken
    log.info(
        "plan without the disruption budget: %s after %.1f s%s",
        relaxed.status.value,
        time.perf_counter() - t0,
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
    if left <= 0.5 and not relaxed.status.has_plan:
        # out of time before any plan: the relaxed pass says where (the budget played no part)
        return dataclasses.replace(relaxed, seconds=time.perf_counter() - t0)
    if left <= 0.5:
        return _no_plan(
            Status.NO_SOLUTION,
            "plan: no plan within the disruption budget was found within the time limit",
            t0,
            rules,
            relaxed.solver,
            np.full(problem.n_accounts, -1),
        )
    budgeted = _solve(
        problem,
        rules.model_copy(update={"time_limit": left}),
        progress,
        avoid,
        _Pass(budgeted=True, splits=splits, d_ref=d_ref),
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


def _block_bound_task(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    duals: list[PieceDuals],
    cost: PlanCost,
    budget: float | None,
    budget_dual: float,
) -> float:
    return lagrangian_bound(problem, b, rules, duals, cost, budget=budget, budget_dual=budget_dual)[0]


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
        args[b] = (duals, float(sum(own)) if own else None, min(mus) if mus else 0.0)
    calls = [(problem, b, rules, a[0], cost, a[1], a[2]) for b, a in args.items()]
    bounds = map_tasks(block_workers_for(problem, list(args)), _block_bound_task, calls)
    return dict(zip(args, bounds, strict=True))


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
        return _no_plan(Status.INFEASIBLE, text, t0, rules, solver_name, nothing)
    text = f"{name}: no plan found within the time limit ({out.raw_status}). {progress_text}".strip()
    status = Status.NO_SOLUTION if out.status != Status.ERROR else Status.ERROR
    return _no_plan(status, text, t0, rules, solver_name, nothing)
