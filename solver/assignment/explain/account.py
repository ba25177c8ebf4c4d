"""Why one account sits with its rep: binding rules and the cost of every alternative.

The account moves with its unit (its family). For every other rep of its
block, the whole unit is moved there in a copy of the plan; the objective
change is computed from the same normalised terms the model minimises, and
the rules that move would break are found by the solver-independent checker
(`checker.violations`, the specification), then put in business words with
their figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.checker import (
    Violation,
    metric_values,
    moved_mask,
    rep_targets,
    rep_totals,
    violations,
)
from solver.assignment.terms import account_rep_km, active_reps, block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import DEPARTED_OWNER, NO_OWNER, Problem


@dataclass(frozen=True)
class Alternative:
    """Moving the account's unit to ``rep_id``: what it costs and what it breaks."""

    rep_id: str
    objective_change: float  # weighted, normalised (as the model's objective)
    moved_potential_change: float  # currency
    km_change: float  # potential-weighted mean km of the unit's accounts to the rep's home
    breaks: tuple[str, ...]


@dataclass(frozen=True)
class AccountExplanation:
    account_id: str
    block: str
    rep_id: str
    reason: str
    unit_accounts: tuple[str, ...]
    potential: float
    previous_owner: str
    binding: tuple[str, ...]
    alternatives: tuple[Alternative, ...]
    reps_elsewhere: int


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def _balance_words(problem: Problem, rep: int, metric: str, tol: float, got: float) -> str:
    values = metric_values(problem, metric)
    target = float(rep_targets(problem, values)[rep])
    lo, hi = (1 - tol) * target, (1 + tol) * target
    rep_id = problem.rep_ids[rep]
    if got < lo:
        return (
            f"balance of {metric}: {rep_id} would hold {_fmt(got)}, {_fmt(lo - got)} below its lower band "
            f"{_fmt(lo)} (target {_fmt(target)}, tolerance {tol:.1%})"
        )
    return (
        f"balance of {metric}: {rep_id} would hold {_fmt(got)}, {_fmt(got - hi)} above its upper band "
        f"{_fmt(hi)} (target {_fmt(target)}, tolerance {tol:.1%})"
    )


def _words(problem: Problem, rules: AssignmentConfig, plan: np.ndarray, v: Violation) -> str:
    """One broken rule of ``plan`` in business words with its figures."""
    if v.rule.startswith("balance:"):
        metric = v.rule.split(":", 1)[1]
        rep = int(np.flatnonzero(problem.rep_ids == v.subject)[0])
        got = float(rep_totals(problem, plan, metric_values(problem, metric))[rep])
        return _balance_words(problem, rep, metric, rules.balance[metric], got)
    if v.rule in ("max_accounts", "max_workload", "max_accounts_lost", "max_accounts_gained"):
        return f"capacity: {v.rule} of {v.subject} ({v.detail})"
    if v.rule == "max_moved_share":
        return f"disruption budget: {v.detail} (max_moved_share = {rules.max_moved_share:.1%})"
    if v.rule == "pin":
        return f"pin: {v.subject} is {v.detail}"
    if v.rule in ("eligibility", "forbidden"):
        return f"eligibility: {v.detail}"
    if v.rule == "active":
        return f"capacity: {v.detail}"
    return str(v)


def _binding(
    problem: Problem, rules: AssignmentConfig, plan: np.ndarray, accs: np.ndarray, rep: int, reason: str
) -> list[str]:
    out = []
    ids = ", ".join(problem.account_ids[accs])
    pins = problem.pin[accs]
    if (pins >= 0).any():
        out.append(f"pinned: locked_owner = {problem.rep_ids[pins[pins >= 0][0]]}")
    if len(accs) > 1:
        out.append(f"family: goes with its family as one unit ({ids})")
    owner = int(problem.owner[accs[0]])
    if owner >= 0:
        kept = owner == rep
        out.append(f"owner: previous owner {problem.rep_ids[owner]} ({'kept' if kept else 'moved'})")
    elif owner == DEPARTED_OWNER:
        out.append(f"owner: previous owner {problem.owner_id[accs[0]]} is not a rep of this plan (must move)")
    elif owner == NO_OWNER:
        out.append("owner: none (new account)")
    for metric, tol in sorted(rules.balance.items()):
        values = metric_values(problem, metric)
        load = float(rep_totals(problem, plan, values)[rep])
        target = float(rep_targets(problem, values)[rep])
        lo = (1 - tol) * target
        without = load - float(values[accs].sum())
        rep_id = problem.rep_ids[rep]
        if without < lo - 1e-9 * max(1.0, target):
            out.append(
                f"balance of {metric}: {rep_id} holds {_fmt(load)} (band {_fmt(lo)} to "
                f"{_fmt((1 + tol) * target)}); moving this account away would break {rep_id}'s lower "
                f"band by {_fmt(lo - without)}"
            )
        else:
            out.append(
                f"balance of {metric}: {rep_id} holds {_fmt(load)} (band {_fmt(lo)} to "
                f"{_fmt((1 + tol) * target)}); it would stay in band without this account "
                f"(slack {_fmt(without - lo)})"
            )
    if reason:
        out.insert(0, f"reason recorded by the run: {reason}")
    return out


def explain_account(
    problem: Problem,
    rules: AssignmentConfig,
    rep_of_account: np.ndarray,
    account_id: str,
    reason: str = "",
) -> AccountExplanation:
    """Binding rules and alternatives for ``account_id`` in the plan ``rep_of_account``.

    Raises
    ------
    KeyError
        When ``account_id`` is not an account of ``problem``.
    """
    hits = np.flatnonzero(problem.account_ids == account_id)
    if len(hits) == 0:
        raise KeyError(account_id)
    i = int(hits[0])
    plan = np.asarray(rep_of_account, dtype=np.int64)
    accs = np.flatnonzero(problem.unit == problem.unit[i])
    rep = int(plan[i])
    b = int(problem.unit_block[problem.unit[i]])
    reps = np.flatnonzero(active_reps(problem) & (problem.rep_block == b))
    others = reps[reps != rep]
    total_p = total_potential(problem)
    d_ref = float(block_distance_reference_km(problem)[b])
    p = problem.potential[accs]
    km = account_rep_km(problem, accs, reps)  # accounts x block reps
    has_coord = ~np.isnan(problem.lat[accs]) & ~np.isnan(problem.lon[accs])
    km = np.where(has_coord[:, None], km, 0.0)
    col = {int(j): k for k, j in enumerate(reps)}
    here = col.get(rep)
    weight = max(float(p.sum()), 1e-12)
    w_dis = rules.weights.get("disruption", 0.0)
    w_km = rules.weights.get("distance", 0.0)
    before = {(v.rule, v.subject) for v in violations(problem, plan, rules)}
    moved_now = float(p[moved_mask(problem, plan)[accs]].sum())
    km_now = float(p @ km[:, here]) if here is not None else 0.0
    alternatives = []
    for j in others:
        trial = plan.copy()
        trial[accs] = j
        moved_then = float(p[moved_mask(problem, trial)[accs]].sum())
        km_then = float(p @ km[:, col[int(j)]])
        d_obj = w_dis * (moved_then - moved_now) / total_p + w_km * (km_then - km_now) / (total_p * d_ref)
        broken = [v for v in violations(problem, trial, rules) if (v.rule, v.subject) not in before]
        words = sorted(dict.fromkeys(_words(problem, rules, trial, v) for v in broken))
        alternatives.append(
            Alternative(
                str(problem.rep_ids[j]),
                d_obj,
                moved_then - moved_now,
                (km_then - km_now) / weight,
                tuple(words),
            )
        )
    alternatives.sort(key=lambda a: (len(a.breaks) > 0, a.objective_change, a.rep_id))
    return AccountExplanation(
        account_id=str(account_id),
        block=problem.block_name(b),
        rep_id=str(problem.rep_ids[rep]),
        reason=reason,
        unit_accounts=tuple(str(a) for a in problem.account_ids[accs]),
        potential=float(problem.potential[i]),
        previous_owner=str(problem.owner_id[i]),
        binding=tuple(_binding(problem, rules, plan, accs, rep, reason)),
        alternatives=tuple(alternatives),
        reps_elsewhere=int(problem.n_reps - len(reps)),
    )


def render_account(e: AccountExplanation) -> str:
    """Plain text for the terminal."""
    lines = [
        f"Account {e.account_id} ({e.block}, potential {_fmt(e.potential)}"
        + (f", previous owner {e.previous_owner}" if e.previous_owner else "")
        + f") is assigned to {e.rep_id}.",
        "",
        "Rules that bind here:",
        *[f"  - {b}" for b in e.binding],
        "",
    ]
    if not e.alternatives:
        lines.append("No other rep of its block can hold accounts.")
    else:
        lines.append("Other reps of the block (moving the account there, with its family):")
        for a in e.alternatives:
            cost = (
                f"objective {a.objective_change:+.6f} (potential moved {a.moved_potential_change:+,.0f}, "
                f"distance to home {a.km_change:+,.0f} km)"
            )
            verdict = "breaks: " + "; ".join(a.breaks) if a.breaks else "breaks no rule"
            lines.append(f"  - {a.rep_id}: {cost}; {verdict}")
    if e.reps_elsewhere:
        lines.append(f"{e.reps_elsewhere} rep(s) of other blocks or without capacity are not eligible.")
    return "\n".join(lines)
