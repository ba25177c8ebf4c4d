"""Lexicographic objective: minimise the terms of ``order`` one after the other.

A variant of the block model (the rows of `rules.block_rows`, unchanged)
with one more column, the block's deviation d:

    stage "balance":    min d  s.t.  |load_rm - T_rm| <= d T_rm  for every rep r, metric m
    stage "disruption": min sum moved_ur x_ur / P
    stage "distance":   min sum p_km_ur x_ur / (P D_ref)

Each stage keeps every earlier term within ``lex_tolerance`` (relative) of
the value it reached: term_k(x) <= v_k (1 + tol) + 1e-9. Stages run on the
scenario's MIP backend, each warm-started from the previous plan, sharing the
block's time; a later stage that finds nothing in time keeps the earlier plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.backends.registry import backend_for
from solver.assignment.block import BlockData
from solver.assignment.checker import balance_deviation, objective_terms
from solver.assignment.result import Status
from solver.assignment.rules import Rows, balance_targets, block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Absolute slack added to a fixed term (normalised terms are shares of ~1).
ABSOLUTE_SLACK = 1e-9


@dataclass(frozen=True)
class LexStage:
    """One stage: the term minimised, the value reached, the bound proved, the status."""

    term: str
    value: float
    bound: float
    status: Status


@dataclass(frozen=True)
class LexOutcome:
    """The block plan (x per pair, None if none) and each stage's figures."""

    status: Status
    x: np.ndarray | None
    stages: tuple[LexStage, ...]
    seconds: float

    def as_backend_outcome(self) -> BackendOutcome:
        """The last stage as a `BackendOutcome`: its term's value and bound."""
        last = self.stages[-1] if self.stages else LexStage("", float("inf"), -np.inf, self.status)
        raw = "; ".join(f"{s.term} {s.value:.6g} ({s.status})" for s in self.stages)
        return BackendOutcome(self.status, self.x, last.value, last.bound, self.seconds, raw)


def deviation_rows(problem: Problem, block: BlockData, rules: AssignmentConfig, d_col: int) -> list[Rows]:
    """load_rm - T_rm d <= T_rm and load_rm + T_rm d >= T_rm for reps with a target."""
    out = []
    k = np.arange(len(block.pair_unit))
    for metric in sorted(rules.balance):
        target = balance_targets(problem, block, metric)
        placed = block.load_of(metric)
        reps = np.flatnonzero(target > 0)
        if len(reps) == 0:
            continue
        row_of = np.full(len(block.reps), -1)
        row_of[reps] = np.arange(len(reps))
        use = row_of[block.pair_rep] >= 0
        labels = tuple(str(problem.rep_ids[r]) for r in block.reps[reps])
        for sign, name in ((-1.0, "over"), (1.0, "under")):
            row = np.concatenate([row_of[block.pair_rep[use]], np.arange(len(reps))])
            col = np.concatenate([k[use], np.full(len(reps), d_col)])
            val = np.concatenate([block.unit_values[metric][block.pair_unit[use]], sign * target[reps]])
            bound = target[reps] - placed[reps]
            lower = np.full(len(reps), -np.inf) if sign < 0 else bound
            upper = bound if sign < 0 else np.full(len(reps), np.inf)
            out.append(Rows(f"deviation-{name}:{metric}", row, col, val, lower, upper, labels))
    return out


def term_costs(block: BlockData, term: str, n_cols: int, total_p: float, d_ref_km: float) -> np.ndarray:
    """Cost vector over pairs + the deviation column of one lexicographic term."""
    cost = np.zeros(n_cols)
    n = len(block.pair_unit)
    if term == "balance":
        cost[n] = 1.0
    elif term == "disruption":
        cost[:n] = block.moved / total_p
    elif term == "distance":
        cost[:n] = block.potential_km / (total_p * d_ref_km)
    else:
        raise ValueError(f"unknown lexicographic term {term!r}")
    return cost


def _cap_row(cost: np.ndarray, value: float, tolerance: float, term: str) -> Rows:
    cols = np.flatnonzero(cost)
    return Rows(
        f"lex:{term}",
        np.zeros(len(cols), dtype=np.int64),
        cols,
        cost[cols],
        np.array([-np.inf]),
        np.array([value + tolerance * abs(value) + ABSOLUTE_SLACK]),
        (term,),
    )


def _block_deviation(problem: Problem, block: BlockData, rules: AssignmentConfig, x: np.ndarray) -> float:
    """The block's worst relative deviation of plan x (pairs), from the loads."""
    worst = 0.0
    for metric in sorted(rules.balance):
        target = balance_targets(problem, block, metric)
        load = block.load_of(metric) + np.bincount(
            block.pair_rep, weights=x * block.unit_values[metric][block.pair_unit], minlength=len(block.reps)
        )
        use = target > 0
        if use.any():
            worst = max(worst, float(np.abs(load[use] / target[use] - 1.0).max()))
    return worst


def solve_block_lexicographic(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    budget: float | None,
    *,
    total_p: float,
    d_ref_km: float,
    time_limit: float,
) -> LexOutcome:
    """Minimise ``rules.order`` lexicographically in one block (see the module docstring)."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    solve_mip = backend_for(rules.solver, rules.num_workers)
    n = len(block.pair_unit)
    d_col = n
    n_cols = n + 1
    d_max = max(rules.balance.values(), default=0.0)
    col_upper = np.ones(n_cols)
    col_upper[d_col] = max(d_max, 1e-12)
    continuous = np.zeros(n_cols, dtype=bool)
    continuous[d_col] = True
    fixed = np.flatnonzero(block.pinned_rep[block.pair_unit] >= 0)
    rows = block_rows(problem, block, rules, budget) + deviation_rows(problem, block, rules, d_col)
    stages: list[LexStage] = []
    x_full: np.ndarray | None = None
    status = Status.OPTIMAL
    for i, term in enumerate(rules.order):
        if term == "balance" and not rules.balance:
            stages.append(LexStage(term, 0.0, 0.0, Status.OPTIMAL))
            continue
        cost = term_costs(block, term, n_cols, total_p, d_ref_km)
        left = deadline - time.perf_counter()
        share = max(left / (len(rules.order) - i), 0.05)
        out = solve_mip(
            n_cols,
            cost,
            rows,
            fixed_one=fixed,
            time_limit=share,
            seed=rules.seed,
            mip_gap=rules.mip_gap,
            start=x_full,
            col_upper=col_upper,
            continuous=continuous,
        )
        if out.x is None:
            if x_full is None:  # first stage: no plan at all
                return LexOutcome(
                    out.status,
                    None,
                    (LexStage(term, out.objective, out.bound, out.status),),
                    time.perf_counter() - t0,
                )
            value = float(cost @ x_full)
            stages.append(
                LexStage(term, value, out.bound if np.isfinite(out.bound) else -np.inf, Status.FEASIBLE)
            )
            status = Status.FEASIBLE
        else:
            x_full = out.x
            value = float(cost @ x_full)
            stages.append(LexStage(term, value, min(out.bound, value), out.status))
            if out.status != Status.OPTIMAL:
                status = Status.FEASIBLE
        rows = [*rows, _cap_row(cost, value, rules.lex_tolerance, term)]
    assert x_full is not None
    x = np.round(x_full[:n])
    # report the balance stage by the plan's exact deviation (d may sit above it)
    stages = [
        LexStage(s.term, _block_deviation(problem, block, rules, x), s.bound, s.status)
        if s.term == "balance" and rules.balance
        else s
        for s in stages
    ]
    return LexOutcome(status, x, tuple(stages), time.perf_counter() - t0)


def lexicographic_objective(problem: Problem, rep_of_account: np.ndarray, rules: AssignmentConfig) -> float:
    """The checker's value of the last term of ``order``, summed over blocks.

    It equals the sum of the blocks' last-stage values, so solve() can
    cross-check a lexicographic plan as it does a weighted one.
    """
    last = rules.order[-1]
    if last == "balance":
        return balance_deviation(problem, rep_of_account, list(rules.balance))["balance_blocks"]
    return objective_terms(problem, rep_of_account)[last]


def run_block_lexicographic(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    budget: float | None,
    time_limit: float,
    *,
    total_p: float,
    d_ref_km: float,
) -> tuple[BackendOutcome, BlockData]:
    """`solve_block_lexicographic` with the return shape of `block_solve.run_block`.

    The outcome's objective and bound are the last stage's (its term's value
    in this block); `lexicographic_objective` is the checker's sum of them.
    """
    out = solve_block_lexicographic(
        problem, block, rules, budget, total_p=total_p, d_ref_km=d_ref_km, time_limit=time_limit
    )
    return out.as_backend_outcome(), block
