"""Cheap necessary conditions, checked before any solve, with exact figures.

Each finding names the block, the rule and the numbers, in business words: a
RevOps analyst must be able to fix the input from the message alone.
"""

from __future__ import annotations

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.rules import balance_targets
from solver.config import AssignmentConfig
from solver.problem import Problem


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def block_findings(problem: Problem, block: BlockData, rules: AssignmentConfig) -> list[str]:
    """Reasons why block ``block`` cannot be solved, or [] when none is obvious."""
    name = problem.block_name(block.index)
    out: list[str] = []
    n_acc = int(block.unit_values["accounts"].sum())
    if len(block.reps) == 0:
        listed = np.flatnonzero(problem.rep_block == block.index)
        why = (
            f"its {len(listed)} rep(s) have no capacity in the plan year (start after it or leave before it)"
            if len(listed)
            else "no rep covers this segment and region"
        )
        out.append(
            f"{name}: {n_acc} accounts (potential {_fmt(block.unit_values['potential'].sum())}) "
            f"but {why}. Rule: eligibility (accounts only go to reps of their segment and region)."
        )
        return out
    bad_pin = np.flatnonzero(block.pinned_rep == -2)
    for u in bad_pin[:10]:
        accs = np.flatnonzero(problem.unit == block.units[u])
        pins = {str(problem.rep_ids[p]) for p in problem.pin[accs] if p >= 0}
        out.append(
            f"{name}: account {problem.account_ids[accs[0]]} is pinned to {', '.join(sorted(pins))}, "
            "who does not cover this block or has no capacity in the plan year. "
            "Rules: pins vs eligibility."
        )
    for metric, tol in sorted(rules.balance.items()):
        target = balance_targets(problem, block, metric)
        upper = (1 + tol) * target
        values = block.unit_values[metric]
        if len(values) and values.max() > upper.max() * (1 + 1e-9):
            u = int(values.argmax())
            acc = problem.account_ids[np.flatnonzero(problem.unit == block.units[u])[0]]
            out.append(
                f"{name}: account {acc} (with its family) has {metric} {_fmt(values[u])}, more than "
                f"any rep may hold: the largest target is {_fmt(target.max())} and the tolerance "
                f"{tol:.1%} allows at most {_fmt(upper.max())}. Rules: balance of {metric} vs "
                "indivisible accounts (widen the tolerance, add reps, or split the family)."
            )
        pinned = block.pinned_rep >= 0
        if pinned.any():
            load = np.bincount(block.pinned_rep[pinned], weights=values[pinned], minlength=len(block.reps))
            over = np.flatnonzero(load > upper * (1 + 1e-9))
            for r in over[:10]:
                n_pins = int((block.pinned_rep == r).sum())
                out.append(
                    f"{name}: {n_pins} pinned accounts give rep {problem.rep_ids[block.reps[r]]} "
                    f"{metric} {_fmt(load[r])} = {load[r] / target[r]:.0%} of target {_fmt(target[r])} "
                    f"at tolerance {tol:.1%}. Rules: pins vs balance of {metric}."
                    if target[r] > 0
                    else f"{name}: pinned accounts give rep {problem.rep_ids[block.reps[r]]} {metric} "
                    f"{_fmt(load[r])} but its target is 0. Rules: pins vs balance of {metric}."
                )
    for cap, metric in (("max_accounts", "accounts"), ("max_workload", "workload")):
        limit = (problem.max_accounts if cap == "max_accounts" else problem.max_workload)[block.reps]
        if np.isnan(limit).any():
            continue
        need = float(block.unit_values[metric].sum())
        if need > limit.sum() + 1e-9:
            out.append(
                f"{name}: {metric} {_fmt(need)} to place but the reps' {cap} add up to "
                f"{_fmt(limit.sum())}. Rule: capacity ({cap})."
            )
    return out


def forced_moves(problem: Problem, blocks: list[BlockData]) -> float:
    """Potential that must change owner whatever the plan (owner departed or ineligible)."""
    total = 0.0
    for block in blocks:
        if len(block.pair_unit) == 0:
            continue
        least = np.full(len(block.units), np.inf)
        np.minimum.at(least, block.pair_unit, block.moved)
        total += float(least[np.isfinite(least)].sum())
    return total


def budget_finding(problem: Problem, blocks: list[BlockData], rules: AssignmentConfig) -> str | None:
    """The disruption budget is smaller than the moves nobody can avoid."""
    if rules.max_moved_share is None:
        return None
    budget = rules.max_moved_share * float(problem.potential.sum())
    forced = forced_moves(problem, blocks)
    if forced > budget * (1 + 1e-9):
        share = forced / max(float(problem.potential.sum()), 1e-12)
        return (
            f"plan: accounts whose owner left (or who cannot keep their owner) carry potential "
            f"{_fmt(forced)} = {share:.1%} of all potential, above the disruption budget "
            f"max_moved_share = {rules.max_moved_share:.1%} ({_fmt(budget)}). Rules: "
            "max_moved_share vs departed owners."
        )
    return None
