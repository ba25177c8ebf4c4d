"""The solver-independent checker: the specification of a valid plan.

Every plan is re-checked here, from account-level arrays and without any
backend code, before it leaves the solver: backends have been known to label
broken solutions "optimal".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.eligibility import eligible_pairs, why_not
from solver.assignment.terms import (
    active_reps,
    block_distance_reference_km,
    own_rep_km,
    total_potential,
)
from solver.config import AssignmentConfig
from solver.problem import NO_OWNER, Problem

#: Relative slack allowed on balance and budget checks (floating-point noise).
CHECK_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.detail}"


def metric_values(problem: Problem, metric: str) -> np.ndarray:
    """Account-level values of a balance metric."""
    if metric == "potential":
        return problem.potential
    if metric == "workload":
        return problem.workload
    if metric == "arr":
        return problem.arr
    if metric == "accounts":
        return np.ones(problem.n_accounts)
    raise ValueError(f"unknown metric {metric}")


def rep_totals(problem: Problem, rep_of_account: np.ndarray, values: np.ndarray) -> np.ndarray:
    ok = rep_of_account >= 0
    return np.bincount(rep_of_account[ok], weights=values[ok], minlength=problem.n_reps)


def rep_targets(problem: Problem, values: np.ndarray) -> np.ndarray:
    """Each active rep's capacity-factor share of its block's total (0 for inactive reps)."""
    act = active_reps(problem)
    acc_block = problem.account_block()
    nb = len(problem.blocks)
    block_total = np.bincount(acc_block, weights=values, minlength=nb)
    cf = np.where(act, problem.capacity_factor, 0.0)
    blk = np.where(problem.rep_block >= 0, problem.rep_block, 0)
    block_cf = np.bincount(blk, weights=cf, minlength=nb)
    denom = block_cf[blk]
    return np.where(act & (denom > 0), block_total[blk] * cf / np.where(denom > 0, denom, 1), 0.0)


def moved_mask(problem: Problem, rep_of_account: np.ndarray) -> np.ndarray:
    """Accounts whose rep differs from a set previous owner (contract meaning)."""
    has_owner = problem.owner != NO_OWNER
    return has_owner & (problem.owner != rep_of_account)


def violations(problem: Problem, rep_of_account: np.ndarray, rules: AssignmentConfig) -> list[Violation]:
    """Every rule the plan breaks; empty for a valid plan.

    Per-account findings list at most 20 accounts per rule; per-rep findings list every rep.
    """
    r = np.asarray(rep_of_account, dtype=np.int64)
    if r.shape != (problem.n_accounts,):
        return [Violation("shape", "plan", f"{r.shape} entries for {problem.n_accounts} accounts")]
    bad = (r < 0) | (r >= problem.n_reps)
    if bad.any():
        return [Violation("assigned", str(problem.account_ids[i]), "no valid rep") for i in _first(bad)]
    act = active_reps(problem)
    return [
        *_account_violations(problem, r, act),
        *_balance_violations(problem, r, act, rules),
        *_capacity_violations(problem, r),
        *continuity_violations(problem, r),
        *_budget_violations(problem, r, rules),
    ]


def _first(mask: np.ndarray, limit: int = 20) -> np.ndarray:
    """Indices of the first ``limit`` true entries (findings per rule are capped)."""
    return np.flatnonzero(mask)[:limit]


def _account_violations(problem: Problem, r: np.ndarray, act: np.ndarray) -> list[Violation]:
    """Rules each account must keep: an active rep of its block it may have, its family, its pin."""
    ids, reps = problem.account_ids, problem.rep_ids
    out = [Violation("active", str(ids[i]), f"rep {reps[r[i]]} has no capacity") for i in _first(~act[r])]
    wrong_block = problem.rep_block[r] != problem.account_block()
    out += [
        Violation("eligibility", str(ids[i]), f"rep {reps[r[i]]} covers another block")
        for i in _first(wrong_block)
    ]
    not_allowed = ~eligible_pairs(problem, np.arange(problem.n_accounts), r)
    for i in _first(not_allowed):
        for why in why_not(problem, int(i), int(r[i])):
            rule = "forbidden" if why.endswith("is forbidden") else "eligibility"
            out.append(Violation(rule, str(ids[i]), why))
    # families: every member with the same rep as the unit's first member
    first = np.full(problem.n_units, -1)
    first[problem.unit[::-1]] = r[::-1]
    out += [
        Violation("family", str(ids[i]), "family split across reps") for i in _first(r != first[problem.unit])
    ]
    broken = (problem.pin >= 0) & (r != problem.pin)
    out += [Violation("pin", str(ids[i]), f"pinned to {reps[problem.pin[i]]}") for i in _first(broken)]
    return out


def _balance_violations(
    problem: Problem, r: np.ndarray, act: np.ndarray, rules: AssignmentConfig
) -> list[Violation]:
    """Every active rep whose metric total lies outside its tolerance band."""
    out = []
    for metric, tol in sorted(rules.balance.items()):
        values = metric_values(problem, metric)
        got = rep_totals(problem, r, values)
        target = rep_targets(problem, values)
        slack = tol * target + CHECK_TOLERANCE * max(1.0, float(target.max(initial=0.0)))
        off = act & (np.abs(got - target) > slack)
        out += [
            Violation(
                f"balance:{metric}",
                str(problem.rep_ids[j]),
                f"{got[j]:.2f} vs target {target[j]:.2f} (tolerance {tol:.1%})",
            )
            for j in np.flatnonzero(off)
        ]
    return out


def _capacity_violations(problem: Problem, r: np.ndarray) -> list[Violation]:
    """Reps over their ``max_accounts`` or ``max_workload``."""
    out = []
    for name, limit, values in (
        ("max_accounts", problem.max_accounts, np.ones(problem.n_accounts)),
        ("max_workload", problem.max_workload, problem.workload),
    ):
        got = rep_totals(problem, r, values)
        over = ~np.isnan(limit) & (got > limit + CHECK_TOLERANCE)
        out += [
            Violation(name, str(problem.rep_ids[j]), f"{got[j]:g} > {limit[j]:g}")
            for j in np.flatnonzero(over)
        ]
    return out


def _budget_violations(problem: Problem, r: np.ndarray, rules: AssignmentConfig) -> list[Violation]:
    """The disruption budget (``max_moved_share``), when the rules set one."""
    if rules.max_moved_share is None:
        return []
    moved = float(problem.potential[moved_mask(problem, r)].sum())
    budget = rules.max_moved_share * float(problem.potential.sum())
    if moved > budget * (1 + CHECK_TOLERANCE) + CHECK_TOLERANCE:
        return [Violation("max_moved_share", "plan", f"moved {moved:.2f} > budget {budget:.2f}")]
    return []


def accounts_lost_gained(problem: Problem, rep_of_account: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rep: accounts it owned that went elsewhere, and accounts it got from another owner."""
    moved = moved_mask(problem, rep_of_account)
    gained = np.bincount(rep_of_account[moved], minlength=problem.n_reps)
    lost = np.bincount(problem.owner[moved & (problem.owner >= 0)], minlength=problem.n_reps)
    return lost, gained


def continuity_violations(problem: Problem, rep_of_account: np.ndarray) -> list[Violation]:
    """``max_accounts_lost`` / ``max_accounts_gained`` of every rep that has one."""
    out = []
    lost, gained = accounts_lost_gained(problem, rep_of_account)
    for name, got in (("max_accounts_lost", lost), ("max_accounts_gained", gained)):
        limit = problem.limit(name)
        over = ~np.isnan(limit) & (got > limit + CHECK_TOLERANCE)
        for j in np.flatnonzero(over):
            verb = "loses" if name == "max_accounts_lost" else "gains"
            out.append(Violation(name, str(problem.rep_ids[j]), f"{verb} {got[j]:g} accounts > {limit[j]:g}"))
    return out


def balance_deviation(problem: Problem, rep_of_account: np.ndarray, metrics: list[str]) -> dict[str, float]:
    """Worst relative deviation |value / target - 1| over reps with capacity.

    Keys: ``balance`` (worst over the metrics given), ``balance:<metric>``
    per metric, and ``balance_blocks`` (the sum over blocks of each block's
    worst deviation: what the lexicographic "balance" term minimises, block
    by block).
    """
    r = np.asarray(rep_of_account, dtype=np.int64)
    act = active_reps(problem)
    out: dict[str, float] = {}
    per_block = np.zeros(len(problem.blocks))
    for metric in sorted(metrics):
        values = metric_values(problem, metric)
        got = rep_totals(problem, r, values)
        target = rep_targets(problem, values)
        use = act & (target > 0)
        dev = np.zeros(problem.n_reps)
        dev[use] = np.abs(got[use] / target[use] - 1.0)
        out[f"balance:{metric}"] = float(dev.max(initial=0.0))
        if use.any():
            np.maximum.at(per_block, problem.rep_block[use], dev[use])
    out["balance"] = max((v for k, v in out.items() if k.startswith("balance:")), default=0.0)
    out["balance_blocks"] = float(per_block.sum())
    return out


def objective_terms(problem: Problem, rep_of_account: np.ndarray) -> dict[str, float]:
    """Raw and normalised objective terms of a complete plan."""
    r = np.asarray(rep_of_account, dtype=np.int64)
    p = problem.potential
    moved = moved_mask(problem, r)
    km = own_rep_km(problem, r, np.arange(problem.n_accounts))
    total_p = total_potential(problem)
    d_ref = block_distance_reference_km(problem)
    acc_block = problem.account_block()
    block_km = np.bincount(acc_block, weights=p * km, minlength=len(problem.blocks))
    distance = float(np.sum(block_km / d_ref)) / total_p
    weighted_km = float(np.dot(p, km))
    return {
        "moved_potential": float(p[moved].sum()),
        "moved_accounts": int(moved.sum()),
        "potential_km": weighted_km,
        "mean_km": weighted_km / total_p,
        "distance_reference_km": float(np.dot(np.bincount(acc_block, weights=p, minlength=len(d_ref)), d_ref))
        / total_p,
        "disruption": float(p[moved].sum()) / total_p,
        "distance": distance,
    }


def weighted_objective(terms: dict[str, float], rules: AssignmentConfig) -> float:
    """The scalar objective the model minimises, from the checker's terms."""
    return sum(w * terms[name] for name, w in rules.weights.items())
