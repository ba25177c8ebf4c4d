"""A plan that keeps every band, built for balance first and cost second.

LP rounding needs the LP to point somewhere: with no owners and no distance
(a greenfield plan) every pair costs nothing, every balanced plan is optimal
and the LP vertex gives rounding no signal. This construction targets the
bands directly and needs no coordinates, owners or costs:

1. ``greedy``: pinned units first, then the others from the largest down, each
   to the cheapest eligible rep that it leaves at or below its target (the
   middle of its band), else to the one furthest below its target, never past
   an upper band. Placing the
   large units while every rep still has room is what lets single accounts
   near a rep's whole band find a rep at all.
2. `solver.assignment.repair.repair`: single moves and swaps until no band is
   broken.
3. ``rebalance``: when moves and swaps are stuck (every rep at an edge of its
   band), a small exact MIP re-deals the movable units of one broken rep and of
   the reps with the most room in the direction it needs, rep after rep; the
   group grows until the bands hold or the time is up.

The result keeps every rule of the block (bands, capacity, continuity limits,
pins, eligibility, the budget when given) or is None.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from solver.assignment.backends.highs_backend import solve_mip
from solver.assignment.block import BlockData
from solver.assignment.lp.lp_round import sub_block
from solver.assignment.repair import Bands, dense_costs, dense_moved, repair_as_far
from solver.assignment.rules import Rows, block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Reps re-dealt together by the first rebalancing MIP; the group doubles each round.
REBALANCE_REPS = 4
REBALANCE_ROUNDS = 5
#: Branch-and-bound nodes of one rebalancing MIP (a deterministic budget).
REBALANCE_NODES = 2_000


def greedy(bands: Bands, c: np.ndarray, pinned: np.ndarray) -> np.ndarray:
    """Local rep per unit: largest units first, each to the neediest rep it fits."""
    nu, nr = c.shape
    r_of = np.zeros(nu, dtype=np.int64)
    load = np.zeros((bands.n, nr))
    every = bands.at_every()  # Q x units x (reps or 1)
    scale = bands.scale[:, None]
    q = len(bands.values)
    size = (bands.values / scale[:q]).max(axis=0) if q else np.zeros(nu)
    order = np.lexsort((np.arange(nu), -size, pinned < 0))
    # aim at the middle of each two-sided band (the target): large units placed early
    # then leave every rep a gap that the small ones can fill from either side
    two_sided = np.isfinite(bands.lower) & np.isfinite(bands.upper)
    middle = np.zeros_like(bands.lower)
    middle[two_sided] = (bands.lower[two_sided] + bands.upper[two_sided]) / 2
    for u in order:
        add = every[:, u, :]
        r = int(pinned[u]) if pinned[u] >= 0 else _neediest(bands, load, add, c[u], two_sided, middle)
        load[:, r] += add[:, r if add.shape[1] > 1 else 0]
        r_of[u] = r
    return r_of


def _neediest(
    bands: Bands,
    load: np.ndarray,
    add: np.ndarray,
    cost: np.ndarray,
    two_sided: np.ndarray,
    middle: np.ndarray,
) -> int:
    """The eligible rep furthest below its target that stays inside every upper band
    (the cheapest among reps within a tenth of the largest need); else the least over."""
    scale = bands.scale[:, None]
    ok = np.isfinite(cost)
    over = (np.maximum(load + add - bands.upper, 0.0) / scale).sum(axis=0)
    fits = ok & (over <= 1e-9)
    if not fits.any():
        pool = np.flatnonzero(ok)
        return 0 if len(pool) == 0 else int(pool[np.lexsort((pool, over[pool]))[0]])
    # fill: each rep's fullest two-sided band after taking the unit, as a share of its target
    after = np.where(two_sided, (load + add) / np.where(middle > 0, middle, np.inf) - 1.0, -np.inf)
    fill = after.max(axis=0)
    # the cheapest rep the unit leaves at or under every target keeps the balance and the
    # objective; else the least filled (within a tenth of a unit), then the cheapest
    room = fits & (fill <= 0)
    if room.any():
        pool = np.flatnonzero(room)
        return int(pool[np.lexsort((pool, fill[pool], cost[pool]))[0]])
    best = fill[fits].min()
    pool = np.flatnonzero(fits & (fill <= best + 1e-3))
    return int(pool[np.lexsort((pool, fill[pool], cost[pool]))[0]])


def rebalance(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    bands: Bands,
    cost: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    deadline: float,
) -> np.ndarray | None:
    """Re-deal each broken rep's units with its best partners' by a small MIP.

    One broken rep at a time, with the reps that have most room in the direction
    it needs: broken reps re-dealt all together with a few shared partners left
    those partners too little room (a greenfield piece: five reps with an account
    near their whole target, each 3.5% over at the fewest accounts allowed; the
    first group of 8 was infeasible and the next, of 16, took 41 s to solve).
    """
    nr = len(block.reps)
    r_of = rep_of_unit.copy()
    group = REBALANCE_REPS
    for _ in range(REBALANCE_ROUNDS):
        mended = True
        while mended:
            per_rep = bands.violation(bands.loads(r_of, nr))
            bad = np.flatnonzero(per_rep > 1e-12)
            if len(bad) == 0:
                return r_of
            mended = False
            for r in bad[np.lexsort((bad, -per_rep[bad]))]:
                if deadline - time.perf_counter() <= 0.05:
                    return None
                dealt = _redeal(problem, block, rules, bands, cost, budget, r_of, int(r), group, deadline)
                if dealt is not None:
                    r_of, mended = dealt, True
        group *= 2
        if group > 2 * nr:
            return None
    return None


def _redeal(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    bands: Bands,
    cost: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    rep: int,
    group: int,
    deadline: float,
) -> np.ndarray | None:
    """``rep_of_unit`` with the movable units of ``rep`` and of ``group - 1`` partners
    re-dealt among them so that all their bands hold, or None (no such deal found)."""
    nr = len(block.reps)
    load = bands.loads(rep_of_unit, nr)
    broken = bands.violation(load) > 1e-12
    if not broken[rep]:
        return rep_of_unit  # mended by an earlier re-deal
    scale = bands.scale[:, None]
    over = float(((load[:, rep] - bands.upper[:, rep]).clip(min=0) / bands.scale).sum())
    under = float(((bands.lower[:, rep] - load[:, rep]).clip(min=0) / bands.scale).sum())
    if over >= under:  # partners with the most room to take potential, accounts...
        room = ((bands.upper - load) / scale).min(axis=0)
    else:
        room = ((load - bands.lower) / scale).min(axis=0)
    room = np.nan_to_num(room, posinf=1e9)
    # reps the rep's units may go to first (a block's pairs are sparse), then the rest
    near = np.zeros(nr, dtype=bool)
    near[block.pair_rep[rep_of_unit[block.pair_unit] == rep]] = True
    others = np.flatnonzero(np.arange(nr) != rep)
    partners = others[np.lexsort((others, -room[others], broken[others], ~near[others]))][: group - 1]
    chosen = np.zeros(nr, dtype=bool)
    chosen[rep] = True
    chosen[partners] = True
    free = chosen[rep_of_unit] & (block.pinned_rep < 0)
    keep = chosen[block.pair_rep]
    keep |= (block.pinned_rep[block.pair_unit] >= 0) & free[block.pair_unit]
    sub, sel = sub_block(block, free, rep_of_unit, keep)
    out = solve_mip(
        len(sub.pair_unit),
        np.asarray(cost)[sel],
        _rows_of(block_rows(problem, sub, rules, budget), chosen),
        fixed_one=np.flatnonzero(sub.pinned_rep[sub.pair_unit] >= 0),
        time_limit=max(deadline - time.perf_counter(), 0.05),
        seed=rules.seed,
        mip_gap=1.0,  # any plan inside the bands will do: cost comes later
        node_limit=REBALANCE_NODES,
    )
    if out.x is None:
        return None
    picked = out.x > 0.5
    r_of = rep_of_unit.copy()
    r_of[sub.pair_unit[picked]] = sub.pair_rep[picked]
    return r_of


def _rows_of(rows: list[Rows], chosen: np.ndarray) -> list[Rows]:
    """The rows with the per-rep rules of reps outside ``chosen`` left open: their units
    are fixed, and another broken rep's rows would make every re-deal infeasible."""
    out = []
    for r in rows:
        if r.row_rep is None:
            out.append(r)
            continue
        other = ~chosen[r.row_rep]
        out.append(
            dataclasses.replace(
                r, lower=np.where(other, -np.inf, r.lower), upper=np.where(other, np.inf, r.upper)
            )
        )
    return out


def construct(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    deadline: float,
) -> np.ndarray | None:
    """Local rep per local unit keeping every rule of the block, or None (see module docstring)."""
    if time.perf_counter() >= deadline:
        return None
    bands = Bands.of(problem, block, rules)
    c = dense_costs(block, cost)
    moved = dense_moved(block)
    movable = block.pinned_rep < 0
    start = greedy(bands, c, block.pinned_rep)
    plan, done = repair_as_far(bands, c, moved, budget, start, movable, deadline)
    if done:
        return plan
    return rebalance(problem, block, rules, bands, cost, budget, plan, deadline)
