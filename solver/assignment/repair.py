"""Repair and local search on a block plan, in numpy.

Rounding the LP leaves a handful of reps slightly outside their bands;
`repair` moves single units to remove every violation (most-violated rep
first, cheapest fix first), and `improve` then applies cost-reducing moves and
swaps that keep every rule. Both work on dense (unit x rep) cost matrices,
so one step is a vectorised scan, not a Python loop over units.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.rules import balance_targets
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Step limits are safety nets; the time limit is the real bound.
MAX_REPAIR_STEPS = 20_000
MAX_IMPROVE_ROUNDS = 200


@dataclass
class Bands:
    """Per checked quantity q: unit values V[q], rep bounds L[q], U[q], and a scale."""

    names: list[str]
    values: np.ndarray  # q x units
    lower: np.ndarray  # q x reps
    upper: np.ndarray  # q x reps
    scale: np.ndarray  # q

    @classmethod
    def of(cls, problem: Problem, block: BlockData, rules: AssignmentConfig) -> Bands:
        names, vals, lo, hi = [], [], [], []
        nr = len(block.reps)
        for metric, tol in sorted(rules.balance.items()):
            t = balance_targets(problem, block, metric)
            names.append(f"balance:{metric}")
            vals.append(block.unit_values[metric])
            lo.append((1 - tol) * t)
            hi.append((1 + tol) * t)
        for cap, metric in (("max_accounts", "accounts"), ("max_workload", "workload")):
            limit = (problem.max_accounts if cap == "max_accounts" else problem.max_workload)[block.reps]
            if np.isnan(limit).all():
                continue
            names.append(cap)
            vals.append(block.unit_values[metric])
            lo.append(np.full(nr, -np.inf))
            hi.append(np.where(np.isnan(limit), np.inf, limit))
        if not names:
            return cls(
                [],
                np.zeros((0, len(block.units))),
                np.zeros((0, nr)),
                np.zeros((0, nr)),
                np.ones(0),
            )
        values = np.vstack(vals)
        scale = np.maximum(values.sum(axis=1) / max(nr, 1), 1e-12)
        return cls(names, values, np.vstack(lo), np.vstack(hi), scale)

    def violation(self, load: np.ndarray) -> np.ndarray:
        """Scaled violation per rep (q x reps -> reps); load is q x reps."""
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


def _loads(bands: Bands, rep_of_unit: np.ndarray, nr: int) -> np.ndarray:
    return (
        np.vstack([np.bincount(rep_of_unit, weights=v, minlength=nr) for v in bands.values])
        if len(bands.names)
        else np.zeros((0, nr))
    )


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
    nu, nr = c.shape
    r_of = rep_of_unit.copy()
    load = _loads(bands, r_of, nr)
    units = np.arange(nu)
    moved_now = float(moved[units, r_of].sum())
    bscale = max(float(moved.max(initial=0.0)), 1.0)

    def budget_viol(x: np.ndarray | float) -> np.ndarray | float:
        return 0.0 if budget is None else np.maximum(np.asarray(x) - budget, 0.0) / bscale

    for _ in range(MAX_REPAIR_STEPS):
        per_rep = bands.violation(load) if len(bands.names) else np.zeros(nr)
        total = per_rep.sum() + budget_viol(moved_now)
        if total <= 1e-12:
            return r_of
        if time.perf_counter() > deadline:
            return None
        # every single move of a movable unit: change in total violation, then in cost
        cur = r_of
        feasible = np.isfinite(c) & movable[:, None]
        feasible[units, cur] = False
        # source side: removing v_u from rep cur[u]
        src_load = load[:, cur] - bands.values  # q x units
        src_delta = _viol_cols(bands, src_load, cur) - per_rep[cur]
        # dest side: adding v_u to every rep
        dst_load = load[:, None, :] + bands.values[:, :, None]  # q x units x reps
        over = np.maximum(dst_load - bands.upper[:, None, :], 0.0)
        under = np.maximum(bands.lower[:, None, :] - dst_load, 0.0)
        dst_viol = ((over + under) / bands.scale[:, None, None]).sum(axis=0)  # units x reps
        dst_delta = dst_viol - per_rep[None, :]
        new_moved = moved_now - moved[units, cur][:, None] + moved
        delta = src_delta[:, None] + dst_delta + (budget_viol(new_moved) - budget_viol(moved_now))
        delta = np.where(feasible, delta, np.inf)
        best = float(delta.min())
        if not best < -1e-12:
            return None
        # among the moves within 1% of the best violation drop, the cheapest
        near = delta <= best * 0.99
        dcost = np.where(near, c - c[units, cur][:, None], np.inf)
        u, r = np.unravel_index(int(np.argmin(dcost)), dcost.shape)
        load[:, cur[u]] -= bands.values[:, u]
        load[:, r] += bands.values[:, u]
        moved_now += moved[u, r] - moved[u, cur[u]]
        r_of[u] = r
    return None


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
) -> np.ndarray:
    """Apply cost-reducing single moves that keep every band (best first, in rounds)."""
    nu, nr = c.shape
    r_of = rep_of_unit.copy()
    load = _loads(bands, r_of, nr)
    units = np.arange(nu)
    moved_now = float(moved[units, r_of].sum())
    eps = 1e-9 * bands.scale[:, None] if len(bands.names) else 0.0
    for _ in range(MAX_IMPROVE_ROUNDS):
        if time.perf_counter() > deadline:
            break
        gain = c - c[units, r_of][:, None]
        ok = np.isfinite(gain) & (gain < -1e-12) & movable[:, None]
        if len(bands.names):
            src_ok = (load[:, r_of] - bands.values >= bands.lower[:, r_of] - eps[:, :1]).all(axis=0)
            dst = load[:, None, :] + bands.values[:, :, None]
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
            v = bands.values[:, u]
            if len(bands.names) and not (
                np.all(load[:, s] - v >= bands.lower[:, s] - 1e-9 * bands.scale)
                and np.all(load[:, r] + v <= bands.upper[:, r] + 1e-9 * bands.scale)
            ):
                continue
            dm = moved[u, r] - moved[u, s]
            if budget is not None and moved_now + dm > budget + 1e-9:
                continue
            load[:, s] -= v
            load[:, r] += v
            moved_now += dm
            r_of[u] = r
            applied += 1
        if applied == 0:
            break
    return r_of
