"""Solve one block: exact MIP when small, else priced LP -> rounding and repair -> local search -> polish.

`solver.assignment.solve` orchestrates the blocks (budgets, time, processes);
this module turns one block and its costs into a plan.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from solver.assignment.backends.highs_backend import BackendOutcome, IncrementalLp, solve_mip
from solver.assignment.backends.registry import backend_for
from solver.assignment.block import BlockData
from solver.assignment.chains import improve_chains
from solver.assignment.construct import construct
from solver.assignment.lp.fixing import round_big_first
from solver.assignment.lp.lp_round import pairs_of, round_lp
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.polish import polish
from solver.assignment.repair import Bands, dense_costs, dense_moved, improve, repair_run
from solver.assignment.result import Status, relative_gap
from solver.assignment.rules import block_rows
from solver.assignment.split.sizing import SECONDS_PER_MILLION_PAIRS
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Blocks with at most this many candidate pairs are solved as one exact MIP.
EXACT_MIP_PAIRS = 2_000


def global_plan(block: BlockData, x: np.ndarray) -> np.ndarray:
    """Global rep index per local unit from the pair values."""
    chosen = x > 0.5
    rep_of_unit = np.full(len(block.units), -1)
    rep_of_unit[block.pair_unit[chosen]] = block.reps[block.pair_rep[chosen]]
    return rep_of_unit


def _pins(block: BlockData) -> np.ndarray:
    pinned = block.pinned_rep[block.pair_unit] >= 0
    return np.flatnonzero(pinned)


def run_block(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    time_limit: float,
    hard_deadline: float | None = None,
    start: np.ndarray | None = None,
) -> tuple[BackendOutcome, BlockData]:
    """Exact MIP for small blocks; else priced LP -> rounding + repair -> local search -> polish.

    The LP of this model is nearly integral, so rounding and repair land close
    to the LP bound, which is valid for the whole block and reported as its
    bound. ``time_limit`` is the block's share; finding a first plan may run on
    to ``hard_deadline`` (the run's time limit), polishing may not. ``start``
    (local rep per unit) is a plan known to keep every rule of this block, e.g.
    the least-disruption plan under a disruption budget: local search from it
    is a fallback that cannot fail. When every plan costs the same (a
    greenfield plan without distance), or when the LP route finds no plan, the
    balance-first construction (`solver.assignment.construct`) gives one.
    """
    t0 = time.perf_counter()
    if hard_deadline is not None:
        # a share set when the task was queued counts from now: never past the run's deadline
        time_limit = max(min(time_limit, hard_deadline - t0), MIN_BLOCK_SECONDS)
    hard = max(hard_deadline or 0.0, t0 + time_limit)
    if _flat_costs(block, cost):
        built = _constructed(problem, block, rules, cost, budget, None, hard)
        if built is not None:
            return _finish(built, t0, rules), block
    if len(block.pair_unit) <= EXACT_MIP_PAIRS:
        out = _exact(problem, block, rules, cost, budget, time_limit)
        if out.x is None and out.status != Status.INFEASIBLE:
            built = _constructed(problem, block, rules, cost, budget, None, hard)
            out = built if built is not None else out
        return _finish(out, t0, rules), block
    seed = _Seed(problem, block, rules, cost, budget, hard)
    # the LP and polishing stop on their own (pricing rounds, node budgets) so that the plan
    # does not depend on the machine's load; the run's time limit is only a safety net
    lp_deadline = _lp_deadline(block, len(cost), seed, time_limit, t0, hard)
    if lp_deadline - time.perf_counter() < LP_SETUP_SECONDS_PER_PAIR * len(cost):
        return _finish(_too_late(problem, block, rules, cost, budget, hard, start), t0, rules), block
    session: list[IncrementalLp] = []
    lp = priced_lp(problem, block, rules, cost, budget, lp_deadline, seed_plan=seed, session=session)
    if lp.x is None:
        if lp.status == Status.INFEASIBLE:
            return _finish(lp, t0, rules), block
        plan = start if start is not None else seed()  # the start keeps every rule already
        built = _constructed(problem, block, rules, cost, budget, lp, hard, plan)
        return _finish(built if built is not None else lp, t0, rules), block
    rep_of_unit, x_guide = _plan_from_lp(
        problem, block, rules, cost, budget, lp.x, lp.bound, hard, start, session[0] if session else None
    )
    session.clear()  # the LP's memory goes before polishing and the search by groups
    if rep_of_unit is None:
        rep_of_unit = seed()
        if rep_of_unit is not None:
            rep_of_unit = improve_plan(problem, block, rules, cost, budget, rep_of_unit, hard)
    if rep_of_unit is None:
        # a whole-block MIP rarely finds a plan where rounding and construction did not: it may
        # not hold a core for long beyond the block's share while other blocks wait for it
        mip_until = min(hard, t0 + LAST_RESORT_SHARES * time_limit)
        return _finish(_last_resort_mip(problem, block, rules, cost, budget, mip_until, lp), t0, rules), block
    rep_of_unit = polish(problem, block, rules, cost, budget, x_guide, rep_of_unit, hard, lp.bound)
    return _finish(_outcome(block, cost, rep_of_unit, lp.bound, lp), t0, rules), block


class _Seed:
    """The block's construction, built once when first asked for (None if it fails)."""

    def __init__(
        self,
        problem: Problem,
        block: BlockData,
        rules: AssignmentConfig,
        cost: np.ndarray,
        budget: float | None,
        deadline: float,
    ) -> None:
        self.args = (problem, block, rules, cost, budget, deadline)
        self.done = False
        self.plan: np.ndarray | None = None

    def __call__(self) -> np.ndarray | None:
        if not self.done:
            self.plan = construct(*self.args)
            self.done = True
        return self.plan


#: A block started at (or after) the run's deadline still gets this long to find a plan.
MIN_BLOCK_SECONDS = 0.5
#: Seconds per candidate pair that setting up the block's LP takes (masks, columns, first basis).
LP_SETUP_SECONDS_PER_PAIR = 5e-7
#: Seconds per candidate pair a whole-block MIP needs at least (building it included); with
#: less time left the last resort is skipped rather than overrun the time limit.
LAST_RESORT_SECONDS_PER_PAIR = 2e-6
#: The last resort (a whole-block MIP) may run on to this many times the block's share.
LAST_RESORT_SHARES = 3.0
#: Seconds per unit kept back from the LP for the construction, should the LP route fail.
CONSTRUCTION_SECONDS_PER_UNIT = 4e-4
#: One core's seconds per candidate pair for a block's LP route (`solver.assignment.split.sizing`).
LP_SECONDS_PER_PAIR = SECONDS_PER_MILLION_PAIRS / 1e6
#: The construction is built before the LP when the LP route would take this many times the
#: block's share.
SEED_FIRST_SHARES = 2.0
#: With the construction built first, the share of the time left kept from the LP for
#: improving whichever plan wins.
SEEDED_RESERVE_SHARE = 0.1


def _lp_deadline(block: BlockData, pairs: int, seed: _Seed, share: float, t0: float, hard: float) -> float:
    """When the LP must stop: the construction's reserve before ``hard``; but when the LP
    route would take `SEED_FIRST_SHARES` x the block's ``share``, it seldom finishes, and
    the plan that cannot fail is built first (a +-1% block of 20k x 400 reps: its LP ran out
    of time, and the construction then had its reserve only, enough in most runs, not all)."""
    if pairs * LP_SECONDS_PER_PAIR > SEED_FIRST_SHARES * share and seed() is not None:
        return hard - SEEDED_RESERVE_SHARE * (hard - time.perf_counter())
    return hard - _construction_reserve(block, hard - t0)


def _construction_reserve(block: BlockData, seconds: float) -> float:
    return min(0.3 * seconds, 0.5 + CONSTRUCTION_SECONDS_PER_UNIT * len(block.units))


def _flat_costs(block: BlockData, cost: np.ndarray) -> bool:
    """Every unit costs the same wherever it goes: every plan keeping the rules is optimal."""
    floor = _unit_floor(block, cost)
    return bool(np.allclose(cost, floor[block.pair_unit], rtol=0.0, atol=1e-15))


def _unit_floor(block: BlockData, cost: np.ndarray) -> np.ndarray:
    floor = np.full(len(block.units), np.inf)
    np.minimum.at(floor, block.pair_unit, cost)
    return np.where(np.isfinite(floor), floor, 0.0)


def _exact(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    time_limit: float,
) -> BackendOutcome:
    return backend_for(rules.solver, rules.num_workers)(
        len(block.pair_unit),
        cost,
        block_rows(problem, block, rules, budget),
        fixed_one=_pins(block),
        time_limit=time_limit,
        seed=rules.seed,
        mip_gap=rules.mip_gap,
    )


def _constructed(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    lp: BackendOutcome | None,
    deadline: float,
    plan: np.ndarray | None = None,
) -> BackendOutcome | None:
    """The balance-first construction (``plan`` if already built), improved by local search;
    its bound is the trivial one (each unit at its cheapest rep) unless an LP gave a better one."""
    plan = construct(problem, block, rules, cost, budget, deadline) if plan is None else plan
    if plan is None:
        return None
    plan = improve_plan(problem, block, rules, cost, budget, plan, deadline)
    bound = float(_unit_floor(block, cost).sum())
    return _outcome(block, cost, plan, max(bound, lp.bound) if lp is not None else bound, lp)


def _plan_from_lp(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    x_lp: np.ndarray,
    bound: float,
    hard: float,
    start: np.ndarray | None,
    solved_lp: IncrementalLp | None = None,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Round and repair the LP with its big units placed first (`solver.assignment.lp.fixing`),
    or as it is when it has none (or that fails), improve; the better of that and the improved
    ``start``. Also the LP values that guided the plan (polishing searches their support).

    Big units placed first won on every block measured (held-out 10k-100k); rounding the LP
    as it is as well cost up to 3.3 s a block (repairing a whale's displaced book) for nothing.
    """
    # local search and polishing stop on move/node budgets, not on this block's share of
    # the time, so a busy machine gives the same plan; the run's time limit is the safety net
    enough = _good_enough(bound, rules)
    rep_of_unit = None
    if solved_lp is not None:
        bands = Bands.of(problem, block, rules)
        x_big = round_big_first(solved_lp, block, bands, dense_costs(block, cost), x_lp, hard)
        if x_big is not None:
            rep_of_unit = lp_repair_improve(problem, block, rules, cost, budget, x_big, hard, hard, enough)
            x_lp = x_lp if rep_of_unit is None else x_big
    if rep_of_unit is None:
        rep_of_unit = lp_repair_improve(problem, block, rules, cost, budget, x_lp, hard, hard, enough)
    if start is not None:
        from_start = improve_plan(problem, block, rules, cost, budget, start, hard)
        if rep_of_unit is None or _plan_cost(block, cost, from_start) < _plan_cost(block, cost, rep_of_unit):
            rep_of_unit = from_start
    if rep_of_unit is None:
        rep_of_unit = round_lp(problem, block, rules, cost, budget, x_lp, hard - time.perf_counter())
    return rep_of_unit, x_lp


def _too_late(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    hard: float,
    start: np.ndarray | None,
) -> BackendOutcome:
    """Not even time to set the LP up (the block started at the deadline): the start, improved,
    if there is one, else no plan (rather than overrun the time limit)."""
    out = BackendOutcome(Status.NO_SOLUTION, None, float("inf"), -np.inf, 0.0, "time limit")
    if start is None:
        return out
    return _constructed(problem, block, rules, cost, budget, None, hard, start) or out


def _last_resort_mip(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    hard: float,
    lp: BackendOutcome,
) -> BackendOutcome:
    """The whole block as one MIP, when every other route failed and there is time to build it."""
    if hard - time.perf_counter() < LAST_RESORT_SECONDS_PER_PAIR * len(cost):
        # too little time left for the MIP even to be built: no plan rather than an overrun
        return dataclasses.replace(lp, x=None, objective=float("inf"), status=Status.NO_SOLUTION)
    out = solve_mip(
        len(block.pair_unit),
        cost,
        block_rows(problem, block, rules, budget),
        fixed_one=_pins(block),
        time_limit=hard - time.perf_counter(),
        seed=rules.seed,
        mip_gap=rules.mip_gap,
    )
    return dataclasses.replace(out, bound=max(lp.bound, out.bound))


def _outcome(
    block: BlockData, cost: np.ndarray, rep_of_unit: np.ndarray, bound: float, lp: BackendOutcome | None
) -> BackendOutcome:
    x = np.zeros(len(block.pair_unit))
    x[pairs_of(block, np.arange(len(block.units)), rep_of_unit)] = 1.0
    objective = float(cost @ x)
    if lp is None:
        return BackendOutcome(Status.FEASIBLE, x, objective, bound, 0.0, "constructed")
    return dataclasses.replace(lp, x=x, objective=objective, bound=bound, status=Status.FEASIBLE)


def _finish(out: BackendOutcome, t0: float, rules: AssignmentConfig) -> BackendOutcome:
    """Optimal when the plan is within the run's gap of its bound; the block's seconds."""
    status = out.status
    if out.x is not None and out.status != Status.INFEASIBLE:
        status = (
            Status.OPTIMAL if relative_gap(out.objective, out.bound) <= rules.mip_gap else Status.FEASIBLE
        )
    return dataclasses.replace(out, status=status, seconds=time.perf_counter() - t0)


def _plan_cost(block: BlockData, cost: np.ndarray, rep_of_unit: np.ndarray) -> float:
    return float(cost[pairs_of(block, np.arange(len(block.units)), rep_of_unit)].sum())


def local_plan(block: BlockData, x: np.ndarray) -> np.ndarray:
    """Local rep per local unit from pair values of ``block``."""
    chosen = x > 0.5
    out = np.zeros(len(block.units), dtype=np.int64)
    out[block.pair_unit[chosen]] = block.pair_rep[chosen]
    return out


def improve_plan(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    deadline: float,
) -> np.ndarray:
    """Local search from a plan that already keeps every rule."""
    bands = Bands.of(problem, block, rules)
    c, moved, movable = dense_costs(block, cost), dense_moved(block), block.pinned_rep < 0
    return _improve_all(
        bands, c, moved, budget, rep_of_unit, movable, max(deadline, time.perf_counter() + 0.2)
    )


def _improve_all(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
    enough: float = -np.inf,
) -> np.ndarray:
    """Single moves, then chains of two moves (swaps included), then single moves again;
    chains stop once the plan costs at most ``enough``."""
    plan = improve(bands, c, moved, budget, rep_of_unit, movable, deadline)
    plan = improve_chains(bands, c, moved, budget, plan, movable, deadline, enough)
    return improve(bands, c, moved, budget, plan, movable, deadline)


def lp_repair_improve(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    x_lp: np.ndarray,
    repair_deadline: float,
    improve_deadline: float,
    enough: float = -np.inf,
) -> np.ndarray | None:
    """Round the LP to each unit's largest share, repair the bands, then improve (chains
    stop once the plan costs at most ``enough``)."""
    nu = len(block.units)
    order = np.lexsort((-x_lp, block.pair_unit))
    first = order[np.r_[True, np.diff(block.pair_unit[order]) != 0]]
    rep_of_unit = np.zeros(nu, dtype=np.int64)
    rep_of_unit[block.pair_unit[first]] = block.pair_rep[first]
    bands = Bands.of(problem, block, rules)
    c = dense_costs(block, cost)
    moved = dense_moved(block)
    movable = block.pinned_rep < 0
    fixed, done, steps = repair_run(bands, c, moved, budget, rep_of_unit, movable, repair_deadline)
    if not done:
        return None
    # the same by cost per unit of violation removed, within PER_DROP_TIMES its steps and a few:
    # cheaper where rounding broke a band by a rep's own large account; capped, as under
    # tight bands it takes thousands of small steps (a +-1% block then found no plan)
    alt, alt_done, _ = repair_run(
        bands,
        c,
        moved,
        budget,
        rep_of_unit,
        movable,
        repair_deadline,
        True,
        PER_DROP_TIMES * steps + PER_DROP_STEPS,
    )
    if alt_done and _plan_cost(block, cost, alt) < _plan_cost(block, cost, fixed):
        fixed = alt
    return _improve_all(
        bands, c, moved, budget, fixed, movable, max(improve_deadline, time.perf_counter() + 0.2), enough
    )


#: The per-drop repair may take this many times the plain repair's steps, and a few more: on
#: a held-out 100k block it took 139 steps where the plain one took 57 (its plan 1.073x of
#: the LP bound, the plain one's 1.173x).
PER_DROP_TIMES = 4
PER_DROP_STEPS = 50


#: Chains stop once the plan is within this share of the run's ``mip_gap`` of the LP bound:
#: closer is polish's job, and on large pieces (already within 0.1%) it halves their time.
CHAINS_ENOUGH_SHARE = 0.2


def _good_enough(bound: float, rules: AssignmentConfig) -> float:
    """The plan cost at which local search may stop: within a fifth of mip_gap of ``bound``."""
    if not np.isfinite(bound):
        return -np.inf
    return bound + CHAINS_ENOUGH_SHARE * rules.mip_gap * abs(bound)
