"""A plan that breaks the disruption budget by a little, repaired piece by piece instead of re-solved.

With ``max_moved_share`` set, the plan is first solved without the budget
(`solver.assignment.solve`). When that plan moves a little too much and the
time left cannot hold the two passes of a budgeted solve (least disruption,
then the budgeted plan: at a million accounts one pass takes most of the time
limit), the plan is repaired in two rounds over the pieces, in parallel:

1. each piece finds how far local search on moves alone (single moves and
   chains that keep every band) can lower what it moves: its *give*;
2. the excess over the budget is shared in proportion to the gives, and
   local search from the plan without the budget, with moves priced (the
   least price of those tried that brings the piece under its share), then on
   the true costs within the share, gives each piece's plan; a piece that no
   price brings under its share starts instead from round 1's path: the
   first of its snapshots (taken as round 1 lowers the moves) that is under
   the share, so that it gives up no more than its share asks.

When the gives do not cover the excess, nothing is repaired and the budgeted
passes run. The bound of the plan without the budget is a bound of a
relaxation, so it stays valid; the result says so.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np

from solver.assignment.assemble import assemble
from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.chains import improve_chains
from solver.assignment.executor import map_tasks
from solver.assignment.piece_checks import block_workers_for
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve
from solver.assignment.result import Result, Status
from solver.assignment.rules import pair_costs
from solver.assignment.split.piece_tasks import PieceOutcome, build_piece
from solver.assignment.split.pieces import Piece, Split
from solver.assignment.terms import total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetTask:
    """A piece's plan without the budget (global rep per unit), its share of the budget (None
    in round 1), round 1's snapshots (`Path`), and the bound its outcome reports."""

    rules: AssignmentConfig
    total_p: float
    d_ref_km: float
    start: np.ndarray
    hard: float
    budget: float | None = None
    path: np.ndarray | None = None
    bound: float = -np.inf


@dataclass(frozen=True)
class _Dense:
    """A piece as the local searches see it: dense costs, moves, bands, start (local reps)."""

    reps: np.ndarray
    c: np.ndarray
    moved: np.ndarray
    bands: Bands
    movable: np.ndarray
    start: np.ndarray | None

    @classmethod
    def of(cls, problem: Problem, piece: Piece, task: BudgetTask) -> _Dense:
        block = build_piece(problem, piece)
        at = np.searchsorted(block.reps, task.start).clip(0, max(len(block.reps) - 1, 0))
        inside = len(block.reps) > 0 and np.array_equal(block.reps[at], task.start)
        cost = pair_costs(block, task.rules, task.total_p, task.d_ref_km)
        return cls(
            block.reps,
            dense_costs(block, cost),
            dense_moved(block),
            Bands.of(problem, block, task.rules),
            block.pinned_rep < 0,
            at if inside else None,
        )

    def moves(self, plan: np.ndarray) -> float:
        return float(self.moved[np.arange(len(plan)), plan].sum())


#: Weight of the plan's own cost when round 1 lowers moves (a tie-break).
TIE_BREAK = 1e-3
#: Round 1 keeps a snapshot each time its moves fall by another this share of where they began.
SNAPSHOT_STEP = 0.005


class Path:
    """Snapshots of a plan (local reps) as local search lowers its moves, one per step of
    `SNAPSHOT_STEP` x the moves it began with, and the moves of each."""

    def __init__(self, n_reps: int, moves: float) -> None:
        self.step = SNAPSHOT_STEP * moves
        self.next = moves - self.step
        self.plans: list[np.ndarray] = []
        self.moves: list[float] = []
        self.dtype = np.int16 if n_reps < 2**15 else np.int32

    def __call__(self, plan: np.ndarray, moves: float) -> None:
        if moves <= self.next:
            self.plans.append(plan.astype(self.dtype))
            self.moves.append(moves)
            self.next = moves - self.step

    def close(self, plan: np.ndarray) -> np.ndarray:
        """All snapshots and the final plan, as rows (first to last)."""
        return np.vstack([*self.plans, plan.astype(self.dtype)])


def least_moves_piece(problem: Problem, piece: Piece, task: BudgetTask) -> tuple[np.ndarray, float, float]:
    """Round 1: local search on moves (ties by cost) keeping every band; (its snapshots as
    rows of local reps, the last one its final plan; moves before; moves after). Empty
    when a unit's rep is outside the piece."""
    d = _Dense.of(problem, piece, task)
    if d.start is None:
        return np.zeros((0, 0), dtype=np.int16), 0.0, 0.0
    on_moves = d.moved + TIE_BREAK * np.where(np.isfinite(d.c), d.c, 0.0)
    on_moves = np.where(np.isfinite(d.c), on_moves, np.inf)
    path = Path(len(d.reps), d.moves(d.start))
    plan = improve(d.bands, on_moves, d.moved, None, d.start, d.movable, task.hard, path)
    plan = improve_chains(d.bands, on_moves, d.moved, None, plan, d.movable, task.hard, on_move=path)
    return path.close(plan), d.moves(d.start), d.moves(plan)


def _failed(reason: str, seconds: float) -> PieceOutcome:
    out = BackendOutcome(Status.NO_SOLUTION, None, float("inf"), -np.inf, seconds, reason)
    return PieceOutcome(out, np.zeros(0, dtype=np.int64), failed=out)


def repair_piece(problem: Problem, piece: Piece, task: BudgetTask) -> PieceOutcome:
    """Round 2: the piece's plan under its share of the budget, every band kept.

    Moves are priced (cost + price x moved potential) and local search runs
    from the plan without the budget; the least price that brings the piece
    under its share is found by bisection on powers of two. The fallback is
    the first of round 1's snapshots under the share (its last one, round 1's
    plan, is under it).
    """
    t0 = time.perf_counter()
    d = _Dense.of(problem, piece, task)
    if d.start is None or task.path is None or task.budget is None or len(task.path) == 0:
        return _failed("a unit's rep is outside its piece", time.perf_counter() - t0)
    fixed = _priced_moves(d, task.budget, task.hard)
    how = "budget repair: priced moves"
    if fixed is None:
        fixed, how = _first_under(d, task.path, task.budget), "budget repair: round 1 path"
    plan = improve(d.bands, d.c, d.moved, task.budget, fixed, d.movable, task.hard)
    objective = float(d.c[np.arange(len(plan)), plan].sum())
    out = BackendOutcome(Status.FEASIBLE, None, objective, task.bound, time.perf_counter() - t0, how)
    return PieceOutcome(out, d.reps[plan])


def _first_under(d: _Dense, path: np.ndarray, share: float) -> np.ndarray:
    """The first snapshot of round 1 that moves at most ``share`` (else its last plan)."""
    for row in path:
        plan = row.astype(np.int64)
        if d.moves(plan) <= share:
            return plan
    return path[-1].astype(np.int64)


#: Prices of moved potential tried, as powers of two of (dearest cost / largest move).
PRICE_EXPONENTS = (-10, 14)


def _priced_moves(d: _Dense, share: float, hard: float) -> np.ndarray | None:
    """The plan from local search at the least price of moves (of those tried) that keeps the
    piece's moves within ``share``; None if even the highest price does not."""
    assert d.start is not None
    if d.moves(d.start) <= share:
        return d.start
    finite = np.isfinite(d.c)
    unit = float(np.abs(np.where(finite, d.c, 0.0)).max(initial=0.0)) / max(float(d.moved.max()), 1e-12)
    unit = unit if unit > 0 else 1.0
    lo, hi = PRICE_EXPONENTS
    best = None
    while lo <= hi:
        k = (lo + hi) // 2
        priced = np.where(finite, d.c + unit * 2.0**k * d.moved, np.inf)
        plan = improve(d.bands, priced, d.moved, None, d.start, d.movable, hard)
        if d.moves(plan) <= share:
            best, hi = plan, k - 1
        else:
            lo = k + 1
    return best


def budget_shares(before: list[float], after: list[float], budget: float) -> list[float] | None:
    """Each piece's share of ``budget``: what it moves now, less its part of the excess in
    proportion to what it can give up (``before - after``); None when the gives fall short."""
    excess = float(sum(before)) - budget
    gives = [max(b - a, 0.0) for b, a in zip(before, after, strict=True)]
    if excess > sum(gives):
        return None
    if excess <= 0:
        return list(before)
    return [b - excess * g / sum(gives) for b, g in zip(before, gives, strict=True)]


#: Share of the time limit the repair may take even when the plan without the budget used up
#: the limit: the run then ends at most this much late (the limit's tolerance is 10%) with a
#: plan, where it would end on time without one.
REPAIR_RESERVE = 0.05


def repair_deadline(t0: float, time_limit: float, now: float) -> float:
    """The repair's deadline: the run's, or `REPAIR_RESERVE` of the limit from ``now`` if later."""
    return max(t0 + time_limit, now + REPAIR_RESERVE * time_limit)


#: Of the time limit, what round 1 leaves for round 2 and the plan's check (a million
#: accounts: 6-9 s and under 2 s of a 600 s limit), at most half the time left.
ROUND_TWO_RESERVE = 0.02


def round_one_deadline(hard: float, time_limit: float, now: float) -> float:
    """Round 1's deadline: the repair's, less `ROUND_TWO_RESERVE` of the limit for what follows it."""
    return hard - min(ROUND_TWO_RESERVE * time_limit, 0.5 * max(hard - now, 0.0))


def _calls(problem: Problem, pieces: list[Piece], tasks: list[BudgetTask]) -> list[tuple[object, ...]]:
    return [(problem, p, t) for p, t in zip(pieces, tasks, strict=True)]


def repair_under_budget(
    problem: Problem,
    rules: AssignmentConfig,
    relaxed: Result,
    splits: dict[int, Split],
    d_ref: np.ndarray,
    t0: float,
) -> Result | None:
    """The plan without the budget, repaired under it piece by piece (see the module
    docstring); None when the pieces cannot give up enough moves this way."""
    hard = repair_deadline(t0, rules.time_limit, time.perf_counter())
    first_hard = round_one_deadline(hard, rules.time_limit, time.perf_counter())
    total_p = total_potential(problem)
    pieces = [p for split in splits.values() for p in split.pieces]
    rep_of_unit = np.full(problem.n_units, -1)
    rep_of_unit[problem.unit] = relaxed.rep_of_account
    bounds = {problem.block_name(b): r.bound for b, r in zip(splits, relaxed.blocks, strict=False)}
    first = [
        BudgetTask(
            rules,
            total_p,
            float(d_ref[p.block]),
            rep_of_unit[p.units],
            first_hard,
            bound=bounds.get(problem.block_name(p.block), -np.inf),
        )
        for p in pieces
    ]
    found = map_tasks(block_workers_for(problem, pieces), least_moves_piece, _calls(problem, pieces, first))
    if any(path.shape[-1] != len(p.units) for (path, _, _), p in zip(found, pieces, strict=True)):
        log.info("budget repair: a block was solved across its pieces; solving with the budget")
        return None
    budget = (rules.max_moved_share or 0.0) * float(problem.potential.sum()) * (1 - 1e-9)
    shares = budget_shares([f[1] for f in found], [f[2] for f in found], budget)
    log.info(
        "budget repair, round 1 after %.1f s: pieces move %.4g, budget %.4g, they can give up %.4g",
        time.perf_counter() - t0,
        sum(f[1] for f in found),
        budget,
        sum(f[1] - f[2] for f in found),
    )
    if shares is None:
        log.info("budget repair: the pieces cannot give up enough moves; solving with the budget")
        return None
    second = [
        dataclasses.replace(t, budget=share, path=f[0], hard=hard)
        for t, share, f in zip(first, shares, found, strict=True)
    ]
    outs = map_tasks(block_workers_for(problem, pieces), repair_piece, _calls(problem, pieces, second))
    if any(o.failed is not None for o in outs):
        return None
    budgets: list[float | None] = list(shares)
    split_bounds = {b: bounds.get(problem.block_name(b), -np.inf) for b in splits}
    notes = ["bound is that of the plan without the disruption budget (a relaxation)"]
    out = assemble(
        problem, rules, pieces, splits, outs, budgets, split_bounds, None, relaxed.solver, t0, notes
    )
    least = sum(o.outcome.raw_status.endswith("round 1 path") for o in outs)
    log.info(
        "budget repair: %s after %.1f s (%d of %d pieces from round 1 path)",
        out.status.value,
        time.perf_counter() - t0,
        least,
        len(outs),
    )
    return out if out.status.has_plan else None
