"""Figures of blocks a re-solve keeps: their objective under the new owners, and a bound carried over.

A re-solve measures disruption from the plan it starts from (that plan's reps
are the owners), so a kept block moves nothing and costs only its distance
term. Its bound carries over from the base run with the same absolute gap:
if ``h(x) = dis(x, o) + dist(x)`` was the base objective with bound ``L``,
the new one is ``g(x) = dis(x, x_b) + dist(x)`` with ``x_b`` the base plan,
and moved potential obeys the triangle inequality account by account, so
``h(x) <= g(x) + dis(x_b, o)`` for every plan ``x``; hence
``min g >= L - dis(x_b, o) = g(x_b) - (h(x_b) - L)``.
"""

from __future__ import annotations

import numpy as np

from solver.assignment.checker import moved_mask
from solver.assignment.result import BlockResult, Status, relative_gap
from solver.assignment.terms import own_rep_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem


def block_objectives(
    problem: Problem,
    rep_of_account: np.ndarray,
    rules: AssignmentConfig,
    d_ref: np.ndarray,
    blocks: list[int] | None = None,
) -> np.ndarray:
    """The weighted objective of each block under ``rules`` (they add up to the plan's).

    ``d_ref`` is `solver.assignment.terms.block_distance_reference_km`; only
    ``blocks`` are computed when given (the others are 0).
    """
    nb = len(problem.blocks)
    acc_block = problem.account_block()
    accs = np.arange(problem.n_accounts) if blocks is None else np.flatnonzero(np.isin(acc_block, blocks))
    p = problem.potential[accs]
    where = acc_block[accs]
    total_p = total_potential(problem)
    out = np.zeros(nb)
    w = rules.weights
    if w.get("disruption", 0.0):
        moved = moved_mask(problem, rep_of_account)[accs]
        out += w["disruption"] * np.bincount(where[moved], weights=p[moved], minlength=nb) / total_p
    if w.get("distance", 0.0):
        km = own_rep_km(problem, rep_of_account, accs)
        out += w["distance"] * np.bincount(where, weights=p * km, minlength=nb) / (total_p * d_ref)
    return out


def kept_block(base: BlockResult, objective: float, mip_gap: float) -> BlockResult:
    """A kept block's figures: the objective under the new owners, the base run's gap carried over."""
    bound = objective - max(base.objective - base.bound, 0.0) if np.isfinite(base.bound) else -np.inf
    status = Status.OPTIMAL if relative_gap(objective, bound) <= mip_gap else Status.FEASIBLE
    return BlockResult(
        base.block,
        base.segment,
        base.region,
        base.accounts,
        base.units,
        base.reps,
        status,
        objective,
        bound,
        0.0,
        base.moved_budget,
        base.pieces,
    )
