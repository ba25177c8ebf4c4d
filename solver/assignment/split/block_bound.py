"""A lower bound for a whole split block, from its pieces' LP duals (Lagrangian relaxation).

For any duals y of the per-rep rows (balance, capacity, continuity) and mu
of the disruption budget row, relaxing those rows leaves one choice per unit:

    L(y, mu) = sum_u min_r (c_ur - sum_i a_iur y_i - mu moved_ur)
               + sum_i (y_i > 0 ? lower_i : upper_i) y_i + mu B

and L(y, mu) <= the block's optimum whenever the signs of the duals fit their
rows' finite sides (y_i > 0 needs a lower bound, y_i < 0 an upper one,
mu <= 0). Every rep sits in exactly one piece, so the pieces' duals make one
y for the whole block; the minimum runs over *all* of the block's eligible
pairs, pieces ignored, which is what makes the bound valid for the block and
not only for the split. Pairs are priced in chunks of units, so the block is
never held in memory at once. With a single piece and a fully priced LP,
L equals the LP optimum (LP duality), which the tests check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.block import BlockData, block_reps, block_targets, block_units, build_block
from solver.assignment.rules import Rows, block_rows
from solver.assignment.split.dual_shift import BalancePrices, shift_gain
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Pairs priced at once (memory: a few hundred MB per chunk).
CHUNK_PAIRS = 3_000_000
BUDGET_RULE = "max_moved_share"


@dataclass(frozen=True)
class PieceDuals:
    """Duals of one piece's per-rep rows (rule -> global reps, values) and of its budget row."""

    rules: dict[str, tuple[np.ndarray, np.ndarray]]
    budget: float = 0.0


def piece_duals(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    budget: float | None,
    y: np.ndarray,
    rows: list[Rows] | None = None,
) -> PieceDuals:
    """Split the row duals ``y`` of ``rows`` (default `block_rows`, same order) by rule and global rep."""
    by_rule: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    mu = 0.0
    offset = 0
    for r in block_rows(problem, block, rules, budget) if rows is None else rows:
        if r.row_rep is not None:
            by_rule[r.rule] = (block.reps[r.row_rep], y[offset : offset + r.n].copy())
        elif r.rule == BUDGET_RULE:
            mu = float(y[offset])
        offset += r.n
    return PieceDuals(by_rule, mu)


def _rep_duals(problem: Problem, duals: list[PieceDuals]) -> dict[str, np.ndarray]:
    merged: dict[str, np.ndarray] = {}
    for d in duals:
        for rule, (reps, values) in d.rules.items():
            merged.setdefault(rule, np.zeros(problem.n_reps))[reps] = values
    return merged


def _sign_fit(rows: list[Rows], reps: np.ndarray, merged: dict[str, np.ndarray]) -> float:
    """Clip duals whose sign has no finite row side; return sum_i (lower or upper)_i y_i."""
    term = 0.0
    for r in rows:
        if r.row_rep is None or r.rule not in merged:
            continue
        y = merged[r.rule][reps[r.row_rep]]
        bad = ((y > 0) & ~np.isfinite(r.lower)) | ((y < 0) & ~np.isfinite(r.upper))
        y = np.where(bad, 0.0, y)
        merged[r.rule][reps[r.row_rep]] = y
        side = np.where(y > 0, r.lower, np.where(y < 0, r.upper, 0.0))
        term += float(np.dot(np.nan_to_num(side, posinf=0.0, neginf=0.0), y))
    return term


def lagrangian_bound(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    duals: list[PieceDuals],
    cost_of: Callable[[BlockData], np.ndarray],
    budget: float | None = None,
    budget_dual: float = 0.0,
    extra_of: Callable[[BlockData], np.ndarray] | None = None,
    rep_group: np.ndarray | None = None,
    shift: bool = False,
    trust: float = 1.0,
) -> tuple[float, float, np.ndarray | None]:
    """(L, sum_u max_r extra_ur, per unit and rep group the least reduced cost) over block ``b``.

    ``cost_of`` gives the objective per pair of a chunk (a `BlockData` of
    some of the block's units and all of its reps, with the block's targets);
    ``budget`` / ``budget_dual`` the block's disruption budget row, if any;
    ``extra_of`` optional values whose per-unit maximum is summed alongside
    (the least-disruption pass's tie-break); ``rep_group`` (group per rep of
    the block, 0..G-1) asks for each unit's least reduced cost in each group
    (units x G; inf where no eligible rep), which guides the split into
    pieces. With ``shift`` (and ``rep_group``), L is raised by shifting each
    group's balance duals (`solver.assignment.split.dual_shift`); the minima
    returned stay those of the duals given. L is -inf if a unit has no
    eligible rep (the block is infeasible).
    """
    reps = block_reps(problem, b)
    units = block_units(problem, b)
    targets = block_targets(problem, b, reps)
    merged = _rep_duals(problem, duals)
    mu = min(budget_dual, 0.0) if budget is not None else 0.0
    chunk = max(1, CHUNK_PAIRS // max(len(reps), 1))
    n_groups = int(rep_group.max(initial=-1)) + 1 if rep_group is not None else 0
    minima = np.full((len(units), n_groups), np.inf) if rep_group is not None else None
    damped = minima is not None and trust != 1.0  # the minima returned use part of the duals
    trusted = minima.copy() if damped and minima is not None else minima
    total, extra, rhs = 0.0, 0.0, None
    balance: list[Rows] = []
    values: list[np.ndarray] = []
    for start in range(0, len(units), chunk):
        part = build_block(problem, b, units[start : start + chunk], reps, targets)
        rows = block_rows(problem, part, rules, None)
        if rhs is None:
            rhs = _sign_fit(rows, part.reps, merged) + (mu * budget if budget is not None else 0.0)
            balance = [r for r in rows if r.rule.startswith("balance:") and r.rule in merged]
        if shift and balance:
            values.append(np.stack([part.unit_values[r.rule.split(":", 1)[1]] for r in balance], axis=1))
        d = cost_of(part).astype(float, copy=True)
        raw = d.copy() if damped else d
        for r in rows:
            if r.row_rep is not None and r.rule in merged:
                d -= np.bincount(
                    r.col, weights=r.val * merged[r.rule][part.reps[r.row_rep[r.row]]], minlength=len(d)
                )
        if mu:
            d -= mu * part.moved
        if len(np.unique(part.pair_unit)) < len(part.units):
            return -np.inf, 0.0, trusted
        starts = np.flatnonzero(np.r_[True, np.diff(part.pair_unit) != 0])
        total += float(np.minimum.reduceat(d, starts).sum())
        if extra_of is not None:
            extra += float(np.maximum.reduceat(extra_of(part), starts).sum())
        if minima is not None and rep_group is not None:
            minima[start : start + len(part.units)] = _group_minima(part, rep_group, n_groups, d)
            if damped and trusted is not None:
                trusted[start : start + len(part.units)] = _group_minima(
                    part, rep_group, n_groups, raw - trust * (raw - d)
                )
    gain = 0.0
    if shift and minima is not None and rep_group is not None and balance:
        prices = BalancePrices(
            np.stack([merged[r.rule][reps] for r in balance], axis=1),
            np.stack([r.lower for r in balance], axis=1),
            np.stack([r.upper for r in balance], axis=1),
            np.concatenate(values),
        )
        gain = shift_gain(minima, prices, rep_group)
    return total + (rhs or 0.0) + gain, extra, trusted


def _group_minima(part: BlockData, rep_group: np.ndarray, n_groups: int, d: np.ndarray) -> np.ndarray:
    """Per unit of ``part`` and rep group, the least of ``d`` over its pairs (inf: none)."""
    dense = np.full((len(part.units), n_groups), np.inf)
    np.minimum.at(dense, (part.pair_unit, rep_group[part.pair_rep]), d)
    return dense
