"""Cheap necessary conditions, checked before any solve, with exact figures.

Each finding names the block, the rule and the numbers, in business words: a
RevOps analyst must be able to fix the input from the message alone.
"""

from __future__ import annotations

import numpy as np

from solver.assignment.block import BlockData
from solver.assignment.eligibility import why_not
from solver.assignment.rules import balance_targets
from solver.assignment.terms import active_reps
from solver.config import AssignmentConfig
from solver.problem import NO_OWNER, Problem


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
    out += split_pins(problem, block)
    out += no_eligible_rep(problem, block)
    out += continuity_findings(problem, block)
    return out


def split_pins(problem: Problem, block: BlockData) -> list[str]:
    """Families whose members are pinned to different reps (a family goes to one rep)."""
    accs = np.flatnonzero(np.isin(problem.unit, block.units) & (problem.pin >= 0))
    if len(accs) == 0:
        return []
    units = problem.unit[accs]
    lo = np.full(problem.n_units, np.iinfo(np.int64).max)
    hi = np.full(problem.n_units, -1)
    np.minimum.at(lo, units, problem.pin[accs])
    np.maximum.at(hi, units, problem.pin[accs])
    out = []
    for u in np.flatnonzero((hi >= 0) & (lo != hi))[:10]:
        members = accs[units == u]
        pins = ", ".join(f"{problem.account_ids[a]} to {problem.rep_ids[problem.pin[a]]}" for a in members)
        out.append(
            f"{problem.block_name(block.index)}: accounts of one family are pinned to different reps "
            f"({pins}). Rules: pins vs families (a family goes to one rep)."
        )
    return out


def no_eligible_rep(problem: Problem, block: BlockData) -> list[str]:
    """Units left without any candidate rep by the countries / languages lists or forbidden pairs."""
    name = problem.block_name(block.index)
    has_pair = np.zeros(len(block.units), dtype=bool)
    has_pair[block.pair_unit] = True
    out = []
    for u in np.flatnonzero(~has_pair & (block.pinned_rep != -2))[:10]:
        accs = np.flatnonzero(problem.unit == block.units[u])
        pinned = block.pinned_rep[u]
        reps = block.reps[[pinned]] if pinned >= 0 else block.reps
        whys = sorted({w for a in accs for j in reps[:50] for w in why_not(problem, int(a), int(j))})
        shown = "; ".join(whys[:4]) + (f"; and {len(whys) - 4} more" if len(whys) > 4 else "")
        what = (
            f"is pinned to {problem.rep_ids[reps[0]]}, who may not take it"
            if pinned >= 0
            else f"has no eligible rep among the block's {len(block.reps)}"
        )
        out.append(
            f"{name}: account {problem.account_ids[accs[0]]} (with its family) {what}: {shown}. "
            "Rules: eligibility (countries, languages, forbidden pairs)"
            + (" vs pins." if pinned >= 0 else ".")
        )
    return out


def continuity_findings(problem: Problem, block: BlockData) -> list[str]:
    """``max_accounts_lost`` / ``max_accounts_gained`` below what no plan can avoid."""
    name = problem.block_name(block.index)
    out = []
    lost_limit = problem.limit("max_accounts_lost")
    owned = np.bincount(problem.owner[problem.owner >= 0], minlength=problem.n_reps)
    # reps that hold nothing this year lose every account they own; reported by
    # their own block, or (no block) by the block of their first owned account
    idle = ~active_reps(problem) & (owned > 0) & ~np.isnan(lost_limit)
    first_block = np.full(problem.n_reps, -1)
    acc_block = problem.account_block()
    owners = problem.owner >= 0
    first_block[problem.owner[owners][::-1]] = acc_block[owners][::-1]
    home = np.where(problem.rep_block >= 0, problem.rep_block, first_block)
    for j in np.flatnonzero(idle & (home == block.index)):
        if owned[j] > lost_limit[j]:
            out.append(
                f"{name}: rep {problem.rep_ids[j]} can hold no account this year but owns "
                f"{owned[j]} today, above its max_accounts_lost = {lost_limit[j]:g}. "
                "Rules: max_accounts_lost vs capacity (leaving, starting later, or no block)."
            )
    if len(block.reps) == 0:
        return out
    nr = len(block.reps)
    kept = block.kept_accounts(block.pair_unit, block.pair_rep)
    gained = block.gained_accounts(block.pair_unit, block.pair_rep)
    limit = lost_limit[block.reps]
    most_kept = np.bincount(block.pair_rep, weights=kept, minlength=nr)
    rep_owned = owned[block.reps]
    for r in np.flatnonzero(~np.isnan(limit) & (rep_owned - most_kept > limit + 1e-9)):
        out.append(
            f"{name}: rep {problem.rep_ids[block.reps[r]]} owns {rep_owned[r]} accounts today and at "
            f"most {most_kept[r]:g} can stay (the others are in other blocks, pinned to other reps or "
            f"not eligible), so it loses {rep_owned[r] - most_kept[r]:g}, above its "
            f"max_accounts_lost = {limit[r]:g}. Rules: max_accounts_lost vs pins / eligibility."
        )
    limit = problem.limit("max_accounts_gained")[block.reps]
    if np.isnan(limit).all():
        return out
    pinned = block.pinned_rep[block.pair_unit] == block.pair_rep
    least = np.bincount(block.pair_rep[pinned], weights=gained[pinned], minlength=nr)
    for r in np.flatnonzero(~np.isnan(limit) & (least > limit + 1e-9)):
        out.append(
            f"{name}: pins give rep {problem.rep_ids[block.reps[r]]} {least[r]:g} accounts from other "
            f"owners, above its max_accounts_gained = {limit[r]:g}. Rules: pins vs max_accounts_gained."
        )
    if not np.isnan(limit).any():
        must = np.full(len(block.units), np.inf)
        np.minimum.at(must, block.pair_unit, gained)
        need = float(must[np.isfinite(must)].sum())
        if need > limit.sum() + 1e-9:
            out.append(
                f"{name}: {need:g} accounts must change owner whatever the plan (owner left, or cannot "
                f"keep them), but the reps' max_accounts_gained add up to {limit.sum():g}. "
                "Rule: max_accounts_gained."
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


def forced_moves_ignoring_eligibility(problem: Problem, b: int) -> float:
    """A lower bound of the forced moves of block ``b``, from the owners alone (no pairs built).

    A unit keeps at most what one active rep of its block holds of it (its
    pinned rep, if pinned); eligibility lists are ignored, so the figure
    never exceeds the true forced moves.
    """
    units = np.flatnonzero(problem.unit_block == b)
    local = np.full(problem.n_units, -1)
    local[units] = np.arange(len(units))
    accs = np.flatnonzero(local[problem.unit] >= 0)
    at = local[problem.unit[accs]]
    p = problem.potential[accs]
    owner = problem.owner[accs]
    owned_total = np.bincount(at, weights=np.where(owner != NO_OWNER, p, 0.0), minlength=len(units))
    ok = (
        (owner >= 0)
        & active_reps(problem)[np.maximum(owner, 0)]
        & (problem.rep_block[np.maximum(owner, 0)] == b)
    )
    pinned_rep = np.full(len(units), -1)
    pinned_rep[at[problem.pin[accs] >= 0]] = problem.pin[accs][problem.pin[accs] >= 0]
    ok &= (pinned_rep[at] < 0) | (pinned_rep[at] == owner)
    key, inv = np.unique(at[ok].astype(np.int64) * problem.n_reps + owner[ok], return_inverse=True)
    held = np.bincount(inv, weights=p[ok], minlength=len(key))
    most = np.zeros(len(units))
    np.maximum.at(most, key // problem.n_reps, held)
    return float((owned_total - most).clip(min=0.0).sum())


def budget_finding(
    problem: Problem, forced: float, rules: AssignmentConfig, split_blocks: list[int] | None = None
) -> str | None:
    """The disruption budget is smaller than the moves nobody can avoid.

    ``forced`` is `forced_moves` of the blocks solved whole; ``split_blocks``
    those solved in pieces (their forced moves are bounded from the owners alone).
    """
    if rules.max_moved_share is None:
        return None
    budget = rules.max_moved_share * float(problem.potential.sum())
    forced += sum(forced_moves_ignoring_eligibility(problem, b) for b in split_blocks or [])
    if forced > budget * (1 + 1e-9):
        share = forced / max(float(problem.potential.sum()), 1e-12)
        return (
            f"plan: accounts whose owner left (or who cannot keep their owner) carry potential "
            f"{_fmt(forced)} = {share:.1%} of all potential, above the disruption budget "
            f"max_moved_share = {rules.max_moved_share:.1%} ({_fmt(budget)}). Rules: "
            "max_moved_share vs departed owners."
        )
    return None
