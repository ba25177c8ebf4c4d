"""Each business rule of the block model as one small unit that returns its rows.

A rule returns a `Rows` value: sparse coefficients over the block's candidate
pairs with row bounds, and a name per row so that explanations can speak in
business terms. The model is the list of rules (see `block_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.block import BlockData
from solver.config import AssignmentConfig
from solver.problem import Problem


@dataclass(frozen=True)
class Rows:
    """Constraint rows: entries (row, pair, value) and bounds per row."""

    rule: str
    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    labels: tuple[str, ...]
    #: local rep of each row, for the per-rep rules (None: not a per-rep rule)
    row_rep: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.lower)


def assign_once(block: BlockData) -> Rows:
    """Every unit (account or family) with candidate pairs goes to exactly one rep.

    Units without pairs are fixed elsewhere (sub-problems) or caught by the
    pre-checks (no eligible rep at all).
    """
    units, row = np.unique(block.pair_unit, return_inverse=True)
    k = np.arange(len(block.pair_unit))
    n = len(units)
    return Rows(
        "assign",
        row,
        k,
        np.ones(len(k)),
        np.ones(n),
        np.ones(n),
        tuple(f"unit {u}" for u in block.units[units]),
    )


def balance_targets(problem: Problem, block: BlockData, metric: str) -> np.ndarray:
    """Each rep's capacity-factor share of the block total of ``metric``.

    A piece of a split block carries the whole block's targets of its reps.
    """
    if block.targets is not None:
        return block.targets[metric]
    cf = problem.capacity_factor[block.reps]
    total = float(block.unit_values[metric].sum())
    return total * cf / cf.sum() if cf.sum() > 0 else np.zeros(len(cf))


def balance(problem: Problem, block: BlockData, metric: str, tolerance: float) -> Rows:
    """Each rep's total of ``metric`` within +-tolerance of its target."""
    target = balance_targets(problem, block, metric)
    k = np.arange(len(block.pair_unit))
    val = block.unit_values[metric][block.pair_unit]
    placed = block.load_of(metric)
    return Rows(
        f"balance:{metric}",
        block.pair_rep,
        k,
        val,
        (1 - tolerance) * target - placed,
        (1 + tolerance) * target - placed,
        tuple(str(problem.rep_ids[r]) for r in block.reps),
        np.arange(len(block.reps)),
    )


def capacity(problem: Problem, block: BlockData, name: str) -> Rows | None:
    """``max_accounts`` / ``max_workload`` of reps that have one."""
    limit = (problem.max_accounts if name == "max_accounts" else problem.max_workload)[block.reps]
    has = ~np.isnan(limit)
    if not has.any():
        return None
    metric = "accounts" if name == "max_accounts" else "workload"
    row_of_rep = np.cumsum(has) - 1
    use = has[block.pair_rep]
    k = np.flatnonzero(use)
    return Rows(
        name,
        row_of_rep[block.pair_rep[k]],
        k,
        block.unit_values[metric][block.pair_unit[k]],
        np.full(int(has.sum()), -np.inf),
        limit[has] - block.load_of(metric)[has],
        tuple(str(problem.rep_ids[r]) for r in block.reps[has]),
        np.flatnonzero(has),
    )


def continuity_limit(problem: Problem, block: BlockData, name: str) -> Rows | None:
    """Per-rep ``max_accounts_lost`` / ``max_accounts_gained`` (accounts, contract "moved").

    lost_r = O_r - kept_r <= L_r is written as kept_r >= O_r - L_r, where
    O_r counts every account r owns today (those in other blocks are lost
    whatever happens) and kept_r the ones it keeps.
    """
    limit = problem.limit(name)[block.reps]
    has = ~np.isnan(limit)
    if not has.any():
        return None
    row_of_rep = np.cumsum(has) - 1
    lost = name == "max_accounts_lost"
    val = (block.kept_accounts if lost else block.gained_accounts)(block.pair_unit, block.pair_rep)
    k = np.flatnonzero(has[block.pair_rep] & (val != 0))
    owned = np.zeros(len(block.reps)) if block.rep_owned is None else block.rep_owned
    n = int(has.sum())
    if lost:
        lower = owned[has] - limit[has] - block.load_of("kept")[has]
        upper = np.full(n, np.inf)
    else:
        lower = np.full(n, -np.inf)
        upper = limit[has] - block.load_of("gained")[has]
    return Rows(
        name,
        row_of_rep[block.pair_rep[k]],
        k,
        val[k],
        lower,
        upper,
        tuple(str(problem.rep_ids[r]) for r in block.reps[has]),
        np.flatnonzero(has),
    )


def disruption_budget(block: BlockData, budget: float) -> Rows:
    """Potential changing owner in this block at most ``budget``."""
    k = np.arange(len(block.pair_unit))
    return Rows(
        "max_moved_share",
        np.zeros(len(k), dtype=np.int64),
        k,
        block.moved,
        np.array([-np.inf]),
        np.array([budget - block.fixed_moved]),
        ("block",),
    )


def block_rows(
    problem: Problem, block: BlockData, rules: AssignmentConfig, budget: float | None
) -> list[Rows]:
    """The model of one block, as the list of its rules' rows."""
    rows = [assign_once(block)]
    for metric, tol in sorted(rules.balance.items()):
        rows.append(balance(problem, block, metric, tol))
    for name in ("max_accounts", "max_workload"):
        cap = capacity(problem, block, name)
        if cap is not None:
            rows.append(cap)
    for name in ("max_accounts_lost", "max_accounts_gained"):
        lim = continuity_limit(problem, block, name)
        if lim is not None:
            rows.append(lim)
    if budget is not None:
        rows.append(disruption_budget(block, budget))
    return rows


def pair_costs(
    block: BlockData,
    rules: AssignmentConfig,
    total_p: float,
    d_ref_km: float,
    only: str | None = None,
) -> np.ndarray:
    """Objective coefficient per candidate pair (normalised weighted terms)."""
    w = dict(rules.weights)
    if only is not None:
        w = {only: 1.0}
    cost = np.zeros(len(block.pair_unit))
    if w.get("disruption", 0.0):
        cost += w["disruption"] * block.moved / total_p
    if w.get("distance", 0.0):
        cost += w["distance"] * block.potential_km / (total_p * d_ref_km)
    return cost
