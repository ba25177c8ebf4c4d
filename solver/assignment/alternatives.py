"""Several different good plans: each differs from every earlier one by at least a
share of accounts and stays within a relative gap of the best objective.

Each new plan is solved with a penalty on the (unit, rep) pairs the earlier
plans used; the penalty doubles while the plan is too similar and shrinks when
the plan is too costly. Every plan is a complete, checked `Result` whose
bound is the best plan's bound (a lower bound for any plan).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from solver.assignment.result import Result
from solver.assignment.solve import Avoid, solve
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)

#: Penalty adjustments tried per alternative before giving up on it.
MAX_ATTEMPTS = 6


def differing_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of accounts whose rep differs between two plans."""
    return float(np.mean(a != b)) if len(a) else 0.0


def _unit_plan(problem: Problem, rep_of_account: np.ndarray) -> np.ndarray:
    plan = np.full(problem.n_units, -1)
    plan[problem.unit[::-1]] = rep_of_account[::-1]
    return plan


def alternatives(
    problem: Problem,
    rules: AssignmentConfig,
    k: int,
    *,
    min_diff_share: float = 0.05,
    max_gap: float = 0.02,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Up to ``k`` plans (the best first); fewer when no further plan meets both limits."""
    best = solve(problem, rules, progress=progress)
    found = [best]
    if not best.status.has_plan or k <= 1:
        return found
    bounds = {i: b.bound for i, b in enumerate(best.blocks)}
    limit = best.objective * (1 + max_gap) + 1e-12
    weight = 2.0 * max(best.objective, 1e-9) / max(problem.n_units, 1)
    for i in range(1, k):
        plans = [_unit_plan(problem, r.rep_of_account) for r in found]
        accepted = None
        for _ in range(MAX_ATTEMPTS):
            if progress:
                progress(f"alternative {i}: penalty {weight:.3g} per reused pair")
            r = solve(problem, rules, avoid=Avoid(plans, weight, bounds))
            if not r.status.has_plan:
                break
            diff = min(differing_share(r.rep_of_account, f.rep_of_account) for f in found)
            if diff < min_diff_share:
                weight *= 2.0
                continue
            if r.objective > limit:
                weight /= 1.5
                continue
            accepted = r
            break
        if accepted is None:
            log.info(
                "no alternative %d within %.1f%% of the best and %.0f%% different",
                i,
                100 * max_gap,
                100 * min_diff_share,
            )
            break
        found.append(accepted)
    return found
