"""A plan that breaks the disruption budget by a little, repaired piece by piece instead of re-solved.

With ``max_moved_share`` set, the plan is first solved without the budget
(`solver.assignment.budget.passes`). When that plan moves a little too much and the
time left cannot hold the two passes of a budgeted solve (least disruption,
then the budgeted plan: at a million accounts one pass takes most of the time
limit), the plan is repaired in two rounds over the pieces, in parallel:

1. each piece climbs a ladder of prices on moved potential: local search
   (single moves, then chains that keep every band) on cost + price x moves,
   from the plan without the budget and then from each price's plan, gives
   plans that move ever less for ever more cost;
2. one plan per piece is chosen so that the pieces keep the budget at least
   cost (`solver.assignment.budget.choice`: the same price of moves for
   every piece, a Lagrangian choice), and local search on the true cost
   within each piece's share (its chosen moves plus part of the slack) polishes it.

Pricing moves, rather than first minimising them, keeps the moves that save
most: a million accounts repaired by least moves first ended 11% above the
bound, most of it the cost of moves undone blindly. When even the top price
does not bring the pieces under the budget, nothing is repaired and the
budgeted passes run. The bound of the plan without the budget is a bound of a
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
from solver.assignment.budget.choice import choose_points, slack_shares
from solver.assignment.chains import improve_chains
from solver.assignment.executor import map_tasks
from solver.assignment.piece_checks import block_workers_for
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve
from solver.assignment.result import Result, Status
from solver.assignment.rules import pair_costs
from solver.assignment.split.piece_tasks import PieceOutcome, build_piece, local_reps
from solver.assignment.split.pieces import Piece, Split
from solver.assignment.terms import total_potential
from solver.config import AssignmentConfig
from solver.problem import NO_OWNER, Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetTask:
    """A piece's plan without the budget (global rep per unit), its share of the budget (None in
    round 1), a plan to start from (local reps; round 2: round 1's plan chosen for it), the
    bound its outcome reports, round 1's first price step, and the share of its starting moves
    at which round 1 stops climbing (0: climb to the top price)."""

    rules: AssignmentConfig
    total_p: float
    d_ref_km: float
    start: np.ndarray
    hard: float
    budget: float | None = None
    chosen: np.ndarray | None = None
    bound: float = -np.inf
    step: int = 0
    aim: float = 0.0


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
        cost = pair_costs(block, task.rules, task.total_p, task.d_ref_km)
        return cls(
            block.reps,
            dense_costs(block, cost),
            dense_moved(block),
            Bands.of(problem, block, task.rules),
            block.pinned_rep < 0,
            local_reps(block, task.start),
        )

    def moves(self, plan: np.ndarray) -> float:
        return float(self.moved[np.arange(len(plan)), plan].sum())

    def cost(self, plan: np.ndarray) -> float:
        return float(self.c[np.arange(len(plan)), plan].sum())


#: Prices of moved potential on the ladder, as powers of two of one objective unit per the
#: plan's whole potential moved (the disruption term's own scale). A 100k plan 5% over its
#: budget chose prices of 1/4 to 1/2; by 8-16 the moves of 100k and 1M pieces no longer fell.
PRICE_EXPONENTS = (-3, 5)
#: From a price of 1 up, a piece stops climbing once a step lowers its moves by less than
#: this share of where they began (a 1M piece: 0.1% at 8, then 2-5 s a step for nothing).
PLATEAU = 0.002


@dataclass(frozen=True)
class Ladder:
    """One piece's plans up the ladder of prices (rows of local reps, the first its starting
    plan), each plan's moved potential and true cost, and the next price step not yet tried."""

    plans: np.ndarray
    moves: np.ndarray
    costs: np.ndarray
    next_step: int

    def then(self, more: Ladder) -> Ladder:
        """This ladder continued by ``more`` (which starts from this one's last plan)."""
        return Ladder(
            np.vstack([self.plans, more.plans[1:]]),
            np.r_[self.moves, more.moves[1:]],
            np.r_[self.costs, more.costs[1:]],
            more.next_step,
        )


def price_ladder(total_p: float) -> np.ndarray:
    """The prices of moved potential tried, cheapest first (objective units per unit of potential)."""
    lo, hi = PRICE_EXPONENTS
    return 2.0 ** np.arange(lo, hi + 1) / max(total_p, 1e-12)


#: On a jump to the top price, a plan is kept each time the moves fall by another this share of
#: the start's, so that the choice can stop partway instead of taking the whole jump.
SNAPSHOT_STEP = 0.01


class _Snapshots:
    """Plans met during one step of local search, one each time its moves fall by another
    `SNAPSHOT_STEP` of the start's (an ``on_move`` callback), with their moves and costs."""

    def __init__(self, d: _Dense, moves: float, start_moves: float, dtype: type) -> None:
        self.d, self.dtype = d, dtype
        self.step = SNAPSHOT_STEP * start_moves
        self.next = moves - self.step
        self.plans: list[np.ndarray] = []
        self.moves: list[float] = []
        self.costs: list[float] = []

    def __call__(self, plan: np.ndarray, moves: float) -> None:
        if moves <= self.next and self.step > 0:
            self.plans.append(plan.astype(self.dtype))
            self.moves.append(moves)
            self.costs.append(self.d.cost(plan))
            self.next = moves - self.step


def ladder_piece(problem: Problem, piece: Piece, task: BudgetTask) -> Ladder:
    """Round 1: local search (single moves, then chains) on cost + price x moved potential at
    each price of the ladder in turn from ``task.step``, each from the last plan (the first from
    ``task.chosen``, else the plan without the budget), until the plan moves at most
    ``task.aim`` x what its start moves, or a step from a price of 1 up lowers its moves by
    less than `PLATEAU` (it has no more to give); every band is kept. When the time left would
    not hold two more steps like the last, the ladder jumps to its top price, keeping plans on
    the way (`_Snapshots`). Empty when a unit's rep is outside the piece."""
    d = _Dense.of(problem, piece, task)
    if d.start is None:
        return Ladder(np.zeros((0, 0), dtype=np.int16), np.zeros(0), np.zeros(0), 0)
    dtype = np.int16 if len(d.reps) < 2**15 else np.int32
    plan = d.start if task.chosen is None else task.chosen.astype(np.int64)
    plans, moves, costs = [plan.astype(dtype)], [d.moves(plan)], [d.cost(plan)]
    prices = price_ladder(task.total_p)
    finite = np.isfinite(d.c)
    step = task.step
    target = task.aim * moves[0]
    jumped = False
    while step < len(prices) and moves[-1] > target and time.perf_counter() < task.hard:
        began = time.perf_counter()
        priced = np.where(finite, d.c + prices[step] * d.moved, np.inf)
        seen = _Snapshots(d, moves[-1], moves[0], dtype) if jumped else None
        plan = improve(d.bands, priced, d.moved, None, plan, d.movable, task.hard, seen)
        plan = improve_chains(d.bands, priced, d.moved, None, plan, d.movable, task.hard, on_move=seen)
        if seen is not None:
            plans += seen.plans
            moves += seen.moves
            costs += seen.costs
        plans.append(plan.astype(dtype))
        moves.append(d.moves(plan))
        costs.append(d.cost(plan))
        now = time.perf_counter()
        if PRICE_EXPONENTS[0] + step >= 0 and moves[-2] - moves[-1] < PLATEAU * moves[0]:
            step = len(prices)  # from a price of 1 up, the moves no longer fall
        elif task.hard - now > 2 * (now - began):
            step += 1
        else:
            jumped = step + 1 < len(prices) - 1
            step = max(step + 1, len(prices) - 1)
    log.debug(
        "ladder of %s (%d units): %d steps to step %d, moves %.4g -> %.4g, cost %.6g -> %.6g",
        problem.block_name(piece.block),
        len(piece.units),
        len(plans) - 1,
        step,
        moves[0],
        moves[-1],
        costs[0],
        costs[-1],
    )
    return Ladder(np.vstack(plans), np.array(moves), np.array(costs), step)


def _failed(reason: str, seconds: float) -> PieceOutcome:
    out = BackendOutcome(Status.NO_SOLUTION, None, float("inf"), -np.inf, seconds, reason)
    return PieceOutcome(out, np.zeros(0, dtype=np.int64), failed=out)


def repair_piece(problem: Problem, piece: Piece, task: BudgetTask) -> PieceOutcome:
    """Round 2: from the ladder's plan chosen for the piece, local search (single moves, then
    chains) on the true cost within the piece's share of the budget; every band is kept."""
    t0 = time.perf_counter()
    d = _Dense.of(problem, piece, task)
    if d.start is None or task.chosen is None or task.budget is None:
        return _failed("a unit's rep is outside its piece", time.perf_counter() - t0)
    plan = task.chosen.astype(np.int64)
    plan = improve(d.bands, d.c, d.moved, task.budget, plan, d.movable, task.hard)
    plan = improve_chains(d.bands, d.c, d.moved, task.budget, plan, d.movable, task.hard)
    out = BackendOutcome(
        Status.FEASIBLE, None, d.cost(plan), task.bound, time.perf_counter() - t0, "budget repair"
    )
    return PieceOutcome(out, d.reps[plan])


#: Share of the time limit the repair may take even when the plan without the budget used up
#: the limit: the run then ends at most this much late (the limit's tolerance is 10%) with a
#: plan, where it would end on time without one.
REPAIR_RESERVE = 0.05


def repair_deadline(t0: float, time_limit: float, now: float) -> float:
    """The repair's deadline: the run's, or `REPAIR_RESERVE` of the limit from ``now`` if later."""
    return max(t0 + time_limit, now + REPAIR_RESERVE * time_limit)


#: Of the time limit, what round 1 leaves for round 2 and the plan's check (a million
#: accounts: 6-12 s and 2-3 s of a 600 s limit), at most half the time left.
ROUND_TWO_RESERVE = 0.02
#: Of the time limit, what round 2 leaves for the plan's assembly and check (a million
#: accounts ended 2.8 s late when round 2 had the time up to the deadline; 6 s of 600 s).
CHECK_RESERVE = 0.01


def ends_before(hard: float, reserve: float, time_limit: float, now: float) -> float:
    """``hard`` less ``reserve`` of the time limit for what follows, at most half the time left."""
    return hard - min(reserve * time_limit, 0.5 * max(hard - now, 0.0))


def round_one_deadline(hard: float, time_limit: float, now: float) -> float:
    """Round 1's deadline: the repair's, less `ROUND_TWO_RESERVE` of the limit for what follows it."""
    return ends_before(hard, ROUND_TWO_RESERVE, time_limit, now)


def _calls(problem: Problem, pieces: list[Piece], tasks: list[BudgetTask]) -> list[tuple[object, ...]]:
    return [(problem, p, t) for p, t in zip(pieces, tasks, strict=True)]


#: Round 1 first climbs each piece until it moves at most its moves x (budget / moves)
#: ** `OVERSHOOT`: twice the cut a proportional share would ask, so that the choice can take
#: more from pieces whose moves cost less.
OVERSHOOT = 2.0


def _climb(
    problem: Problem, pieces: list[Piece], first: list[BudgetTask], budget: float, plan: np.ndarray
) -> list[Ladder] | None:
    """Round 1: every piece up the ladder to its aim, then, if the pieces' lowest moves
    still break the budget, the pieces not at the top price on to it. None when a piece's
    plan is not its own."""
    moved = float(problem.potential[(problem.owner != NO_OWNER) & (problem.owner != plan)].sum())
    ratio = min(budget / moved, 1.0) ** OVERSHOOT if moved > 0 else 0.0
    workers = block_workers_for(problem, pieces)
    aimed = [dataclasses.replace(t, aim=ratio) for t in first]
    ladders = map_tasks(workers, ladder_piece, _calls(problem, pieces, aimed))
    if any(lad.plans.shape[-1] != len(p.units) for lad, p in zip(ladders, pieces, strict=True)):
        return None
    top = PRICE_EXPONENTS[1] - PRICE_EXPONENTS[0] + 1  # steps on the ladder
    more = [i for i, lad in enumerate(ladders) if lad.next_step < top]
    if sum(lad.moves[-1] for lad in ladders) <= budget or not more:
        return ladders
    rest = [
        dataclasses.replace(first[i], chosen=ladders[i].plans[-1], step=ladders[i].next_step) for i in more
    ]
    further = map_tasks(workers, ladder_piece, _calls(problem, [pieces[i] for i in more], rest))
    for i, lad in zip(more, further, strict=True):
        ladders[i] = ladders[i].then(lad)
    return ladders


def unit_plan(problem: Problem, result: Result) -> np.ndarray:
    """A plan's rep per unit (every account of a unit has its rep)."""
    rep_of_unit = np.full(problem.n_units, -1, dtype=np.int64)
    rep_of_unit[problem.unit] = result.rep_of_account
    return rep_of_unit


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
    rep_of_unit = unit_plan(problem, relaxed)
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
    budget = (rules.max_moved_share or 0.0) * float(problem.potential.sum()) * (1 - 1e-9)
    ladders = _climb(problem, pieces, first, budget, relaxed.rep_of_account)
    if ladders is None:
        log.info("budget repair: a block was solved across its pieces; solving with the budget")
        return None
    chosen = choose_points([lad.moves for lad in ladders], [lad.costs for lad in ladders], budget)
    log.info(
        "budget repair, round 1 after %.1f s: pieces move %.4g, budget %.4g, up the ladder %.4g",
        time.perf_counter() - t0,
        sum(lad.moves[0] for lad in ladders),
        budget,
        sum(lad.moves[-1] for lad in ladders),
    )
    if chosen is None:
        log.info("budget repair: the pieces cannot give up enough moves; solving with the budget")
        return None
    picked = [float(lad.moves[k]) for lad, k in zip(ladders, chosen, strict=True)]
    given = [float(lad.moves[0]) - m for lad, m in zip(ladders, picked, strict=True)]
    shares = slack_shares(picked, given, budget)
    second_hard = ends_before(hard, CHECK_RESERVE, rules.time_limit, time.perf_counter())
    second = [
        dataclasses.replace(t, budget=share, chosen=lad.plans[k], hard=second_hard)
        for t, share, lad, k in zip(first, shares, ladders, chosen, strict=True)
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
    log.info(
        "budget repair: %s after %.1f s (ladder steps chosen: %s)",
        out.status.value,
        time.perf_counter() - t0,
        np.bincount(np.array(chosen), minlength=1).tolist(),
    )
    return out if out.status.has_plan else None
