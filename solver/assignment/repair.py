"""Repair and local search on a block plan, in numpy.

Rounding the LP leaves a handful of reps slightly outside their bands;
`repair` moves single units to remove every violation (most-violated rep
first, cheapest fix first; `repair_run` can also take the move costing least
per unit of violation removed), and `improve` then applies cost-reducing moves and
swaps that keep every rule. Both work on dense (unit x rep) cost matrices,
so one step is a vectorised scan, not a Python loop over units.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.rules import balance_targets
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Broken reps whose moves (out and in) a repair step evaluates: the most violated.
FOCUS_REPS = 1
#: Step limits are safety nets; the time limit is the real bound.
MAX_REPAIR_STEPS = 20_000
MAX_IMPROVE_ROUNDS = 200


@dataclass
class Bands:
    """Checked quantities: bounds L, U per rep, and how much each unit adds to a rep.

    Most quantities (balance metrics, capacity) add the same value wherever
    the unit goes: ``values`` (q x units). The continuity limits add a value
    that depends on the rep (a unit is "gained" by any rep but its owner):
    ``pair_values`` (p x units x reps). ``lower``, ``upper`` (Q x reps) and
    ``scale`` (Q) cover both, unit-valued first (Q = q + p).
    """

    names: list[str]
    values: np.ndarray  # q x units
    lower: np.ndarray  # Q x reps
    upper: np.ndarray  # Q x reps
    scale: np.ndarray  # Q
    pair_values: np.ndarray | None = None  # p x units x reps

    @classmethod
    def of(cls, problem: Problem, block: BlockData, rules: AssignmentConfig) -> Bands:
        names, vals, lo, hi = [], [], [], []
        nu, nr = len(block.units), len(block.reps)
        for metric, tol in sorted(rules.balance.items()):
            t = balance_targets(problem, block, metric)
            names.append(f"balance:{metric}")
            vals.append(block.unit_values[metric])
            lo.append((1 - tol) * t)
            hi.append((1 + tol) * t)
        for cap, metric in (("max_accounts", "accounts"), ("max_workload", "workload")):
            limit = problem.limit(cap)[block.reps]
            if np.isnan(limit).all():
                continue
            names.append(cap)
            vals.append(block.unit_values[metric])
            lo.append(np.full(nr, -np.inf))
            hi.append(np.where(np.isnan(limit), np.inf, limit))
        pair_vals = []
        units = np.repeat(np.arange(nu), nr)
        reps = np.tile(np.arange(nr), nu)
        owned = np.zeros(nr) if block.rep_owned is None else block.rep_owned
        for name in ("max_accounts_lost", "max_accounts_gained"):
            limit = problem.limit(name)[block.reps]
            if np.isnan(limit).all():
                continue
            names.append(name)
            if name == "max_accounts_lost":  # kept_r >= owned_r - limit_r
                pair_vals.append(block.kept_accounts(units, reps).reshape(nu, nr))
                lo.append(np.where(np.isnan(limit), -np.inf, owned - limit))
                hi.append(np.full(nr, np.inf))
            else:
                pair_vals.append(block.gained_accounts(units, reps).reshape(nu, nr))
                lo.append(np.full(nr, -np.inf))
                hi.append(np.where(np.isnan(limit), np.inf, limit))
        values = np.vstack(vals) if vals else np.zeros((0, nu))
        pair_values = np.stack(pair_vals) if pair_vals else None
        if not names:
            return cls([], values, np.zeros((0, nr)), np.zeros((0, nr)), np.ones(0))
        unit_scale = values.sum(axis=1) / max(nr, 1)
        pair_scale = (
            pair_values.reshape(len(pair_vals), -1).max(axis=1) if pair_values is not None else np.zeros(0)
        )
        scale = np.maximum(np.concatenate([unit_scale, pair_scale]), 1e-12)
        return cls(names, values, np.vstack(lo), np.vstack(hi), scale, pair_values)

    @property
    def n(self) -> int:
        return len(self.names)

    def at_current(self, rep_of_unit: np.ndarray) -> np.ndarray:
        """Q x units: what each unit adds to its current rep."""
        if self.pair_values is None:
            return self.values
        units = np.arange(len(rep_of_unit))
        return np.vstack([self.values, self.pair_values[:, units, rep_of_unit]])

    def at_every(self) -> np.ndarray:
        """Q x units x reps (or broadcastable to it): what each unit adds to each rep."""
        if self.pair_values is None:
            return self.values[:, :, None]
        nr = self.pair_values.shape[2]
        unit_part = np.broadcast_to(self.values[:, :, None], (*self.values.shape, nr))
        return np.concatenate([unit_part, self.pair_values])

    def at(self, unit: int, rep: int) -> np.ndarray:
        """Q: what ``unit`` adds to ``rep``."""
        if self.pair_values is None:
            return self.values[:, unit]
        return np.concatenate([self.values[:, unit], self.pair_values[:, unit, rep]])

    def swap_values(
        self, mine: np.ndarray, others: np.ndarray, rep: int, src: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For swapping units ``mine`` (W, at ``rep``) with ``others`` (U, at reps ``src``):
        others at ``rep`` (Q x U), others at their own reps (Q x U), mine at ``rep``
        (Q x W), and mine at each other's rep (Q x W x U, or broadcastable to it)."""
        vu, vw = self.values[:, others], self.values[:, mine]
        if self.pair_values is None:
            return vu, vu, vw, vw[:, :, None]
        pv = self.pair_values
        nq, nw, nu = len(self.values), len(mine), len(others)
        vw_s_unit = np.broadcast_to(vw[:, :, None], (nq, nw, nu))
        return (
            np.vstack([vu, pv[:, others, rep]]),
            np.vstack([vu, pv[:, others, src]]),
            np.vstack([vw, pv[:, mine, rep]]),
            np.concatenate([vw_s_unit, pv[:, mine][:, :, src]]),
        )

    def loads(self, rep_of_unit: np.ndarray, nr: int) -> np.ndarray:
        """Q x reps totals of a plan."""
        if not self.n:
            return np.zeros((0, nr))
        rows = [np.bincount(rep_of_unit, weights=v, minlength=nr) for v in self.at_current(rep_of_unit)]
        return np.vstack(rows)

    def violation(self, load: np.ndarray) -> np.ndarray:
        """Scaled violation per rep (Q x reps -> reps); load is Q x reps."""
        over = np.maximum(load - self.upper, 0.0)
        under = np.maximum(self.lower - load, 0.0)
        return ((over + under) / self.scale[:, None]).sum(axis=0)


def dense_costs(block: BlockData, cost: np.ndarray) -> np.ndarray:
    """units x reps cost matrix, inf where the pair is not a candidate."""
    c = np.full((len(block.units), len(block.reps)), np.inf)
    c[block.pair_unit, block.pair_rep] = cost
    return c


def dense_moved(block: BlockData) -> np.ndarray:
    m = np.zeros((len(block.units), len(block.reps)))
    m[block.pair_unit, block.pair_rep] = block.moved
    return m


def repair(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
) -> np.ndarray | None:
    """Move units until no rep is outside a band; None if stuck or out of time."""
    plan, done = repair_as_far(bands, c, moved, budget, rep_of_unit, movable, deadline)
    return plan if done else None


def repair_as_far(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
) -> tuple[np.ndarray, bool]:
    """`repair`, returning the plan where it stopped and whether every band holds."""
    plan, done, _ = repair_run(bands, c, moved, budget, rep_of_unit, movable, deadline)
    return plan, done


def repair_run(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
    per_drop: bool = False,
    max_steps: int = MAX_REPAIR_STEPS,
) -> tuple[np.ndarray, bool, int]:
    """`repair_as_far`, with the steps it took. ``per_drop``: each move is the one costing
    least per unit of violation removed (`_cheapest_per_drop`), not the cheapest of the
    largest drops; ``max_steps`` caps the moves and swaps."""
    nu, nr = c.shape
    r_of = rep_of_unit.copy()
    load = bands.loads(r_of, nr)
    units = np.arange(nu)
    moved_now = float(moved[units, r_of].sum())
    bscale = max(float(moved.max(initial=0.0)), 1.0)

    def budget_viol(x: np.ndarray | float) -> np.ndarray | float:
        return 0.0 if budget is None else np.maximum(np.asarray(x) - budget, 0.0) / bscale

    for step in range(max_steps):
        per_rep = bands.violation(load) if bands.n else np.zeros(nr)
        total = per_rep.sum() + budget_viol(moved_now)
        if total <= 1e-12:
            return r_of, True, step
        if time.perf_counter() > deadline:
            return r_of, False, step
        # a move changes only its two reps' violations: unless the budget is broken, only
        # moves out of or into a violated rep can help, so only those are evaluated
        if budget_viol(moved_now) > 0:
            us, rs = units, np.arange(nr)
            blocks = [(us, rs)]
        else:
            bad = np.flatnonzero(per_rep > 1e-12)
            # the most violated rep first: scanning every broken rep each step cost more than
            # the choice it added (hundreds of steps when rounding leaves a whale whole)
            bad = bad[np.lexsort((bad, -per_rep[bad]))][:FOCUS_REPS]
            on_bad = np.flatnonzero(np.isin(r_of, bad))
            blocks = [(on_bad, np.arange(nr)), (units, bad)]
        cand = [
            _move_deltas(bands, c, moved, load, per_rep, r_of, movable, us, rs, moved_now, budget_viol)
            for us, rs in blocks
        ]
        cu = np.concatenate([x[0] for x in cand])
        cr = np.concatenate([x[1] for x in cand])
        delta = np.concatenate([x[2] for x in cand])
        best = float(delta.min(initial=np.inf))
        if not best < -1e-12:
            swap = _best_swap(bands, load, per_rep, r_of, movable, c, moved, moved_now, budget_viol)
            if swap is None:
                return r_of, False, step
            u, w, du = swap
            s_u, s_w = int(r_of[u]), int(r_of[w])
            load[:, s_u] += bands.at(w, s_u) - bands.at(u, s_u)
            load[:, s_w] += bands.at(u, s_w) - bands.at(w, s_w)
            moved_now += du
            r_of[u], r_of[w] = s_w, s_u
            continue
        pick = _cheapest_per_drop if per_drop else _cheapest_largest_drop
        k = pick(c, r_of, cu, cr, delta, best)
        u, r = int(cu[k]), int(cr[k])
        cur = r_of
        load[:, cur[u]] -= bands.at(u, cur[u])
        load[:, r] += bands.at(u, r)
        moved_now += moved[u, r] - moved[u, cur[u]]
        r_of[u] = r
    return r_of, False, max_steps


def _cheapest_largest_drop(
    c: np.ndarray, r_of: np.ndarray, cu: np.ndarray, cr: np.ndarray, delta: np.ndarray, best: float
) -> int:
    """Among the moves within 1% of the best violation drop, the cheapest (then lowest unit, rep)."""
    near = np.flatnonzero(delta <= best * 0.99)
    dcost = c[cu[near], cr[near]] - c[cu[near], r_of[cu[near]]]
    return int(near[np.lexsort((cr[near], cu[near], dcost))[0]])


#: A per-drop repair move must remove at least this share of the best move's violation drop.
MIN_DROP_SHARE = 0.1


def _cheapest_per_drop(
    c: np.ndarray, r_of: np.ndarray, cu: np.ndarray, cr: np.ndarray, delta: np.ndarray, best: float
) -> int:
    """The move that costs least per unit of violation it removes, among those removing at
    least `MIN_DROP_SHARE` of the best drop (ties: the larger drop, then lowest unit, rep).

    The largest drop alone takes a rep's own account of the size of its excess where a
    few unowned ones (that cost nothing to move) do the same: on a held-out 100k block
    the first plan went from 1.083x to 1.046x of its LP bound. It takes more, smaller
    steps: under tight bands, thousands (see `solver.assignment.block_solve.lp_repair_improve`).
    """
    near = np.flatnonzero(delta <= best * MIN_DROP_SHARE)
    dcost = c[cu[near], cr[near]] - c[cu[near], r_of[cu[near]]]
    per = dcost / -delta[near]
    return int(near[np.lexsort((cr[near], cu[near], delta[near], per))[0]])


#: Units of the most violated rep considered for swaps (the smallest and largest).
SWAP_UNITS = 400


def _best_swap(
    bands: Bands,
    load: np.ndarray,
    per_rep: np.ndarray,
    r_of: np.ndarray,
    movable: np.ndarray,
    c: np.ndarray,
    moved: np.ndarray,
    moved_now: float,
    budget_viol: Callable[[np.ndarray | float], np.ndarray | float],
) -> tuple[int, int, float] | None:
    """Best exchange of a unit of the most violated rep with a unit of another rep.

    Single moves get stuck when every rep is at an edge of its band: the
    under-filled rep cannot take a whole unit without pushing its giver
    below its own band. Swapping a large unit for a small one moves just
    the difference. Returns (u, w, change in moved potential) or None.
    """
    r = int(np.argmax(per_rep))
    if per_rep[r] <= 1e-12:
        return None
    mine = np.flatnonzero((r_of == r) & movable)
    partner = np.zeros(len(per_rep), dtype=bool)
    partner[_swap_partners(bands, load, r)] = True
    others = np.flatnonzero(partner[r_of] & movable & np.isfinite(c[:, r]))
    if len(mine) == 0 or len(others) == 0:
        return None
    if len(mine) > SWAP_UNITS:
        size = bands.values[0, mine] if len(bands.values) else np.zeros(len(mine))
        order = np.argsort(size, kind="stable")
        mine = mine[np.r_[order[: SWAP_UNITS // 2], order[-SWAP_UNITS // 2 :]]]
    src = r_of[others]  # rep of each other unit
    ok = np.isfinite(c[mine][:, src])  # w (mine) may go to u's rep
    # loads after the swap: r gets u and loses w; src[u] gets w and loses u
    vu_r, vu_s, vw_r, vw_s = bands.swap_values(mine, others, r, src)
    new_r = load[:, r][:, None, None] + vu_r[:, None, :] - vw_r[:, :, None]  # Q x W x U
    new_s = load[:, src][:, None, :] + vw_s - vu_s[:, None, :]
    lo_r, hi_r = bands.lower[:, r][:, None, None], bands.upper[:, r][:, None, None]
    lo_s, hi_s = bands.lower[:, src][:, None, :], bands.upper[:, src][:, None, :]
    sc = bands.scale[:, None, None]
    v_r = ((np.maximum(new_r - hi_r, 0) + np.maximum(lo_r - new_r, 0)) / sc).sum(axis=0)
    v_s = ((np.maximum(new_s - hi_s, 0) + np.maximum(lo_s - new_s, 0)) / sc).sum(axis=0)
    delta = v_r - per_rep[r] + v_s - per_rep[src][None, :]
    dm = (
        moved[others, r][None, :]
        + moved[mine][:, src]
        - moved[others, src][None, :]
        - moved[mine, r][:, None]
    )
    delta = delta + (budget_viol(moved_now + dm) - budget_viol(moved_now))
    delta = np.where(ok, delta, np.inf)
    k = int(np.argmin(delta))
    wi, ui = np.unravel_index(k, delta.shape)
    if not delta[wi, ui] < -1e-12:
        return None
    return int(others[ui]), int(mine[wi]), float(dm[wi, ui])


#: Reps whose units a swap with the most violated rep considers: those with the most room.
SWAP_PARTNERS = 16


def _swap_partners(bands: Bands, load: np.ndarray, r: int) -> np.ndarray:
    """The reps with the most room in the direction rep ``r`` needs (to take what it has too
    much of, or to give what it lacks), on the quantities ``r`` breaks; ``r`` excluded.

    Scanning the units of every rep made one swap search cost 0.4 s on a 24k-unit block."""
    over = load[:, r] > bands.upper[:, r]
    under = load[:, r] < bands.lower[:, r]
    room_up = np.nan_to_num((bands.upper - load) / bands.scale[:, None], posinf=1e9)
    room_down = np.nan_to_num((load - bands.lower) / bands.scale[:, None], posinf=1e9)
    room = (np.where(over[:, None], room_up, 0.0) + np.where(under[:, None], room_down, 0.0)).sum(axis=0)
    room[r] = -np.inf
    reps = np.arange(len(room))
    return reps[np.lexsort((reps, -room))][:SWAP_PARTNERS]


def _move_deltas(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    load: np.ndarray,
    per_rep: np.ndarray,
    r_of: np.ndarray,
    movable: np.ndarray,
    us: np.ndarray,
    rs: np.ndarray,
    moved_now: float,
    budget_viol: Callable[[np.ndarray | float], np.ndarray | float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit, rep, change in total violation) of the allowed moves of units ``us`` to reps ``rs``."""
    if len(us) == 0 or len(rs) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    cur = r_of[us]
    feasible = np.isfinite(c[np.ix_(us, rs)]) & movable[us][:, None] & (cur[:, None] != rs[None, :])
    src_load = load[:, cur] - bands.at_current(r_of)[:, us]  # Q x units
    src_delta = _viol_cols(bands, src_load, cur) - per_rep[cur]
    every = bands.at_every()
    add = every[:, us][:, :, rs] if every.shape[2] > 1 else every[:, us]
    dst_load = load[:, None, rs] + add  # Q x units x reps
    over = np.maximum(dst_load - bands.upper[:, None, rs], 0.0)
    under = np.maximum(bands.lower[:, None, rs] - dst_load, 0.0)
    dst_delta = ((over + under) / bands.scale[:, None, None]).sum(axis=0) - per_rep[None, rs]
    new_moved = moved_now - moved[us, cur][:, None] + moved[np.ix_(us, rs)]
    delta = src_delta[:, None] + dst_delta + (budget_viol(new_moved) - budget_viol(moved_now))
    iu, ir = np.nonzero(feasible)
    return us[iu], rs[ir], delta[iu, ir]


def _viol_cols(bands: Bands, load_cols: np.ndarray, reps: np.ndarray) -> np.ndarray:
    over = np.maximum(load_cols - bands.upper[:, reps], 0.0)
    under = np.maximum(bands.lower[:, reps] - load_cols, 0.0)
    return ((over + under) / bands.scale[:, None]).sum(axis=0)


def improve(
    bands: Bands,
    c: np.ndarray,
    moved: np.ndarray,
    budget: float | None,
    rep_of_unit: np.ndarray,
    movable: np.ndarray,
    deadline: float,
    on_move: Callable[[np.ndarray, float], None] | None = None,
) -> np.ndarray:
    """Apply cost-reducing single moves that keep every band (best first, in rounds).

    ``on_move`` sees the plan and its moved potential after every move (to keep snapshots).
    """
    nu, nr = c.shape
    r_of = rep_of_unit.copy()
    load = bands.loads(r_of, nr)
    units = np.arange(nu)
    moved_now = float(moved[units, r_of].sum())
    eps = 1e-9 * bands.scale[:, None] if bands.n else np.zeros((0, 1))
    for _ in range(MAX_IMPROVE_ROUNDS):
        if time.perf_counter() > deadline:
            break
        gain = c - c[units, r_of][:, None]
        ok = np.isfinite(gain) & (gain < -1e-12) & movable[:, None]
        if bands.n:
            src_ok = (load[:, r_of] - bands.at_current(r_of) >= bands.lower[:, r_of] - eps[:, :1]).all(axis=0)
            dst = load[:, None, :] + bands.at_every()
            dst_ok = (dst <= bands.upper[:, None, :] + eps[:, :, None]).all(axis=0)
            ok &= src_ok[:, None] & dst_ok
        if budget is not None:
            ok &= moved_now - moved[units, r_of][:, None] + moved <= budget + 1e-9
        cand = np.flatnonzero(ok.any(axis=1))
        if len(cand) == 0:
            break
        best_r = np.argmin(np.where(ok[cand], gain[cand], np.inf), axis=1)
        order = np.argsort(gain[cand, best_r], kind="stable")
        applied = 0
        for i in order:  # re-check each move against loads updated by earlier ones
            u, r = int(cand[i]), int(best_r[i])
            s = int(r_of[u])
            v_out, v_in = bands.at(u, s), bands.at(u, r)
            tol = 1e-9 * bands.scale
            if bands.n and not (
                np.all(load[:, s] - v_out >= bands.lower[:, s] - tol)
                and np.all(load[:, r] + v_in <= bands.upper[:, r] + tol)
            ):
                continue
            dm = moved[u, r] - moved[u, s]
            if budget is not None and moved_now + dm > budget + 1e-9:
                continue
            load[:, s] -= v_out
            load[:, r] += v_in
            moved_now += dm
            r_of[u] = r
            applied += 1
            if on_move is not None:
                on_move(r_of, moved_now)
        if applied == 0:
            break
    return r_of
