"""Re-solve a solved plan after a small change: only the blocks it touches, from the plan.

The plan being changed is the owner for continuity: disruption counts the
potential that leaves the rep it has *in that plan*, so a re-solve moves as
little as it can from it. A block whose only change is new pins starts from
its current plan, repaired and improved, and keeps the bound it had (a pin
only takes plans away). Any other touched block is solved as a cold block is
(LP bound, rounding and repair, local search, polish) on those continuity
costs, whose optimum is the current plan plus the moves the change needs, so
its quality is a cold solve's; a block too large to build whole goes through
`solve` on its own, in pieces. Every other block keeps its plan account for
account; its bound carries over (`solver.assignment.resolve.carry`).

A plan-wide disruption budget counts moves from the *previous* owners; the
touched blocks are solved without it and the plan is checked against it: a
plan that breaks it is solved again whole, as is a lexicographic objective
(its terms do not add up block by block).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.checker import violations
from solver.assignment.resolve import warm
from solver.assignment.resolve.assemble import checked_result
from solver.assignment.resolve.carry import block_objectives, kept_block
from solver.assignment.resolve.infeasible import infeasible_result, touched_findings
from solver.assignment.resolve.touched import pinned_only, touched_blocks
from solver.assignment.resolve.warm import Solved, solve_block, tighten_block
from solver.assignment.result import BlockResult, Result
from solver.assignment.solve import solve
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resolved:
    """What `resolve` returns.

    ``result`` is measured on the continuity problem (owners = the base plan):
    its objective, bound and terms count disruption from the base plan.
    ``blocks`` names the blocks solved again (all of them when ``whole``).
    """

    result: Result
    blocks: tuple[str, ...]
    moved_accounts: int
    moved_potential: float
    whole: bool
    note: str


def base_plan_on(base_problem: Problem, base_plan: np.ndarray, problem: Problem) -> np.ndarray:
    """The base plan's reps as indices of ``problem``'s reps (which may hold more reps)."""
    ids = base_problem.rep_ids[np.asarray(base_plan, dtype=np.int64)]
    order = np.argsort(problem.rep_ids, kind="stable")
    at = np.searchsorted(problem.rep_ids, ids, sorter=order).clip(0, max(problem.n_reps - 1, 0))
    found = order[at]
    if problem.n_reps == 0 or not np.array_equal(problem.rep_ids[found], ids):
        raise ValueError("the base plan uses a rep the changed problem does not have")
    return found.astype(np.int64)


def continuity_problem(problem: Problem, plan: np.ndarray) -> Problem:
    """``problem`` with the plan's reps as every account's owner."""
    return problem.replace(
        owner=np.asarray(plan, dtype=np.int64), owner_id=problem.rep_ids[plan].astype(object)
    )


def _whole(
    problem: Problem,
    cont: Problem,
    rules: AssignmentConfig,
    note: str,
    t0: float,
    progress: Callable[[str], None] | None,
) -> Resolved:
    """Solve every block again (cold); `Resolved` still counts moves from the base plan.

    Continuity is measured from the base plan (``cont``), except under a
    disruption budget, which counts moves from the previous owners (``problem``).
    """
    plan = cont.owner
    if rules.max_moved_share is not None:
        cont = problem
    result = solve(cont, rules, progress=progress)
    result = dataclasses.replace(result, seconds=time.perf_counter() - t0, notes=(*result.notes, note))
    every = tuple(cont.block_name(b) for b in range(len(cont.blocks)))
    return _resolved(result, every, cont, plan, True, note)


def _resolved(
    result: Result, blocks: tuple[str, ...], problem: Problem, plan: np.ndarray, whole: bool, note: str
) -> Resolved:
    if result.status.has_plan:
        moved = result.rep_of_account != plan
    else:
        moved = np.zeros(problem.n_accounts, dtype=bool)
    return Resolved(result, blocks, int(moved.sum()), float(problem.potential[moved].sum()), whole, note)


def resolve(
    base_problem: Problem,
    base: Result,
    problem: Problem,
    rules: AssignmentConfig,
    base_rules: AssignmentConfig,
    progress: Callable[[str], None] | None = None,
) -> Resolved:
    """Re-solve ``base`` (a plan of ``base_problem`` under ``base_rules``) after a change.

    Parameters
    ----------
    base_problem, base, base_rules
        The solved plan: its problem, its result (``rep_of_account`` and the
        per-block figures ``blocks``) and its rules.
    problem, rules
        The problem and rules after the change; owners are the data's
        previous owners (the run folder reports moves from them).
    progress
        Called with a short text before each block is solved.

    Returns
    -------
    Resolved
        The new plan, measured with the base plan as the owners; blocks the
        change does not touch keep the base plan account for account. A
        change that touches no block (a quota target) returns ``base``'s
        figures unchanged.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _text: None)
    plan = base_plan_on(base_problem, base.rep_of_account, problem)
    touched = touched_blocks(base_problem, problem, base_rules, rules)
    cont = continuity_problem(problem, plan)
    if not touched:
        kept = dataclasses.replace(base, rep_of_account=plan, seconds=time.perf_counter() - t0)
        return Resolved(kept, (), 0, 0.0, False, "no block touched: the plan is unchanged")
    if rules.objective != "weighted":
        note = "re-solved whole: a lexicographic objective does not add up by block"
        return _whole(problem, cont, rules, note, t0, progress)
    budget = rules.max_moved_share is not None
    free = rules.model_copy(update={"max_moved_share": None}) if budget else rules
    quick = pinned_only(base_problem, problem, base_rules, rules)
    d_ref = block_distance_reference_km(cont)
    blocks = _Blocks(cont, base, free, plan, d_ref, quick, t0 + rules.time_limit)
    rep_of_account = plan.copy()
    solved: dict[int, BlockResult] = {}
    for b in touched:
        say(f"re-solving {cont.block_name(b)}")
        got = blocks.solve(b, [k for k in touched if k not in solved])
        if got is None:
            findings = touched_findings(problem, touched, rules)
            if findings:  # what a full solve would say, without solving every block to say it
                note = "the changed rules cannot hold in " + ", ".join(cont.block_name(k) for k in touched)
                result = infeasible_result(findings, rules, t0, problem.n_accounts)
                result = dataclasses.replace(result, notes=(note,))
                return _resolved(result, tuple(cont.block_name(k) for k in touched), cont, plan, False, note)
            note = f"re-solved whole: {cont.block_name(b)} had no plan from its current one"
            return _whole(problem, cont, rules, note, t0, progress)
        units, reps, solved[b] = got
        in_block = np.isin(cont.unit, units)
        rep_of_account[in_block] = reps[np.searchsorted(units, cont.unit[in_block])]
    if budget and violations(problem, rep_of_account, rules):
        # the budget counts moves from the previous owners: solve the plan under it, cold
        note = "re-solved whole: the change broke the disruption budget"
        return _whole(problem, cont, rules, note, t0, progress)
    names = tuple(cont.block_name(b) for b in touched)
    note = "re-solved " + ", ".join(names) + "; disruption counted from the plan it started from"
    result = checked_result(cont, base, free, rep_of_account, solved, d_ref, note, t0)
    return _resolved(result, names, cont, plan, False, note)


class _Blocks:
    """Solves touched blocks one by one, sharing the time left by their sizes."""

    def __init__(
        self,
        cont: Problem,
        base: Result,
        rules: AssignmentConfig,
        plan: np.ndarray,
        d_ref: np.ndarray,
        quick: frozenset[int],
        hard: float,
    ) -> None:
        self.cont, self.base, self.rules, self.d_ref, self.quick, self.hard = (
            cont,
            base,
            rules,
            d_ref,
            quick,
            hard,
        )
        self.total_p = total_potential(cont)
        self.plan_of_unit = np.full(cont.n_units, -1, dtype=np.int64)
        self.plan_of_unit[cont.unit] = plan
        self.plan = plan
        self.sizes = np.bincount(cont.unit_block, minlength=len(cont.blocks)).astype(float)
        self.by_name = {f.block: f for f in base.blocks}

    def solve(self, b: int, left_blocks: list[int]) -> Solved | None:
        """Block ``b``: the quick path after new pins, else afresh from its current plan."""
        left = max(self.hard - time.perf_counter(), 0.5)
        share = left * self.sizes[b] / max(float(self.sizes[left_blocks].sum()), 1.0)
        was = self.by_name.get(self.cont.block_name(b))
        if self.sizes[b] > warm.LARGE_BLOCK_UNITS:
            return warm.solve_large_block(self.cont, b, self.rules, self.total_p, share)
        if b in self.quick and was is not None:
            before = float(block_objectives(self.cont, self.plan, self.rules, self.d_ref, [b])[b])
            carried = kept_block(was, before, self.rules.mip_gap)
            got = tighten_block(
                self.cont, b, self.rules, self.plan_of_unit, self.total_p, float(self.d_ref[b]),
                carried.bound, before, time.perf_counter() + share,
            )  # fmt: skip
            if got is not None:
                return got
        return solve_block(self.cont, b, self.rules, self.total_p, float(self.d_ref[b]), share, self.hard)
