"""Reduced costs of the GAP from capacity prices, and the "core" of promising columns.

Relaxing the capacity rows with prices ``u >= 0`` leaves one independent
choice per job: the agent with the least priced cost ``cost[i, j] + u[i] *
weight[i, j]``. For any ``u >= 0`` this gives a valid lower bound ``L(u)``, and
any assignment that gives job ``j`` to agent ``i`` costs at least ``L(u) +
r[i, j]``, where ``r[i, j] >= 0`` is how much dearer agent ``i`` is than the
job's cheapest priced agent. With the LP's capacity duals, ``L(u)`` equals the
LP bound and the columns with small ``r`` (the core) hold the good
assignments: a MIP restricted to them is much smaller and finds them sooner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.gap.instance import GapInstance, IntArray


@dataclass(frozen=True)
class ReducedCosts:
    """Lagrangian bound ``bound = L(u)`` and reduced costs ``r`` (shape (m, n)).

    ``r`` is ``inf`` where a job can never fit an agent.
    """

    bound: float
    r: npt.NDArray[np.float64]


def reduced_costs(inst: GapInstance, prices: npt.NDArray[np.float64]) -> ReducedCosts:
    """Bound and reduced costs for capacity prices ``prices`` (negative entries count as 0)."""
    u = np.maximum(0.0, np.asarray(prices, dtype=np.float64))
    fits = inst.weight <= inst.capacity[:, None]
    priced = np.where(fits, inst.cost + u[:, None] * inst.weight, np.inf)
    best = priced.min(axis=0)
    bound = float(best.sum() - u @ inst.capacity)
    return ReducedCosts(bound, priced - best[None, :])


def core_columns(
    rc: ReducedCosts, incumbent: IntArray, objective: float, per_job: int = 2, widen: float = 1.0
) -> npt.NDArray[np.bool_]:
    """Columns worth a restricted MIP: each job's ``per_job`` best agents by reduced cost,
    every column whose reduced cost is within ``widen`` times the average excess
    per job of the incumbent over the bound, and the incumbent's own columns.

    Returns
    -------
    ndarray of bool, shape (m, n)
    """
    n = rc.r.shape[1]
    slack = widen * max(0.0, objective - rc.bound) / n
    rank = np.argsort(np.argsort(rc.r, axis=0, kind="stable"), axis=0, kind="stable")
    keep = np.isfinite(rc.r) & ((rank < per_job) | (rc.r <= slack))
    keep[np.asarray(incumbent), np.arange(n)] = True
    return keep
