"""Re-solve a solved plan after a small change: only the blocks it touches, from the plan.

The plan being changed is the owner for continuity: disruption counts the
potential that leaves the rep it has *in that plan*, so a re-solve moves as
little as it can from it. Each touched block starts from its current plan,
repaired to the changed rules (a pin, a rep's new capacity), and is solved
as a cold block is (LP bound, rounding, local search from the start,
polish), so its quality is a cold solve's. Every other block keeps its plan
account for account; its bound carries over (`solver.assignment.resolve.carry`).

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

from solver.assignment.backends.highs_backend import highs_version
from solver.assignment.block import BlockData, build_block
from solver.assignment.block_solve import global_plan, run_block
from solver.assignment.checker import objective_terms, violations, weighted_objective
from solver.assignment.repair import Bands, dense_costs, dense_moved, repair
from solver.assignment.resolve.carry import block_objectives, kept_block
from solver.assignment.resolve.touched import touched_blocks
from solver.assignment.result import BlockResult, Result, Status, relative_gap
from solver.assignment.rules import pair_costs
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


def _start(block: BlockData, plan_of_unit: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Local rep per unit from the plan; pins, and units whose rep cannot take them, get the cheapest rep."""
    reps = block.reps
    want = plan_of_unit[block.units]
    at = np.searchsorted(reps, want).clip(0, max(len(reps) - 1, 0))
    local = np.where(reps[at] == want, at, -1)
    local = np.where(block.pinned_rep >= 0, block.pinned_rep, local)
    rows = np.arange(len(block.units))
    bad = (local < 0) | ~np.isfinite(c[rows, np.maximum(local, 0)])
    local[bad] = np.argmin(c[bad], axis=1)
    return local.astype(np.int64)


def _solve_block(
    problem: Problem,
    b: int,
    rules: AssignmentConfig,
    plan_of_unit: np.ndarray,
    total_p: float,
    d_ref: float,
    share: float,
    hard: float,
) -> tuple[np.ndarray, np.ndarray, BlockResult] | None:
    """One touched block from its current plan: (units, global rep per unit, figures), or None."""
    t0 = time.perf_counter()
    block = build_block(problem, b)
    cost = pair_costs(block, rules, total_p, d_ref)
    c = dense_costs(block, cost)
    start = _start(block, plan_of_unit, c)
    bands = Bands.of(problem, block, rules)
    fixed = repair(bands, c, dense_moved(block), None, start, block.pinned_rep < 0, t0 + share)
    out, chosen = run_block(problem, block, rules, cost, None, share, hard, start=fixed)
    if out.x is None or not out.status.has_plan:
        log.info("%s: no plan from the warm start (%s)", problem.block_name(b), out.raw_status)
        return None
    seg, reg = problem.blocks[b]
    figures = BlockResult(
        problem.block_name(b),
        seg,
        reg,
        int(np.isin(problem.unit, block.units).sum()),
        len(block.units),
        len(block.reps),
        out.status,
        out.objective,
        out.bound,
        time.perf_counter() - t0,
    )
    return chosen.units, global_plan(chosen, out.x), figures


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
    total_p = total_potential(cont)
    d_ref = block_distance_reference_km(cont)
    plan_of_unit = np.full(cont.n_units, -1, dtype=np.int64)
    plan_of_unit[cont.unit] = plan
    sizes = {b: float(np.sum(cont.unit_block == b)) for b in touched}
    hard = t0 + rules.time_limit
    rep_of_account = plan.copy()
    solved: dict[int, BlockResult] = {}
    for b in touched:
        left = max(hard - time.perf_counter(), 0.5)
        share = left * sizes[b] / sum(sizes[k] for k in touched if k not in solved)
        say(f"re-solving {cont.block_name(b)}")
        got = _solve_block(cont, b, free, plan_of_unit, total_p, float(d_ref[b]), share, hard)
        if got is None:
            note = f"re-solved whole: {cont.block_name(b)} had no plan from its current one"
            return _whole(problem, cont, rules, note, t0, progress)
        units, reps, solved[b] = got
        in_block = np.isin(cont.unit, units)
        local = np.searchsorted(units, cont.unit[in_block])
        rep_of_account[in_block] = reps[local]
    if budget and violations(problem, rep_of_account, rules):
        # the budget counts moves from the previous owners: solve the plan under it, cold
        note = "re-solved whole: the change broke the disruption budget"
        return _whole(problem, cont, rules, note, t0, progress)
    return _assemble(cont, base, rules, free, rep_of_account, solved, touched, t0)


def _assemble(
    cont: Problem,
    base: Result,
    rules: AssignmentConfig,
    free: AssignmentConfig,
    rep_of_account: np.ndarray,
    solved: dict[int, BlockResult],
    touched: tuple[int, ...],
    t0: float,
) -> Resolved:
    """The re-solved plan as a checked `Result`: solved blocks' figures, kept blocks' carried over."""
    per_block = block_objectives(cont, rep_of_account, free)
    by_name = {b.block: b for b in base.blocks}
    figures: list[BlockResult] = []
    for b in range(len(cont.blocks)):
        if b in solved:
            figures.append(solved[b])
            continue
        was = by_name.get(cont.block_name(b))
        if was is None:
            raise ValueError(f"the base result has no figures for block {cont.block_name(b)}")
        figures.append(kept_block(was, float(per_block[b]), rules.mip_gap))
    objective = float(sum(f.objective for f in figures))
    bound = float(sum(f.bound for f in figures))
    terms = objective_terms(cont, rep_of_account)
    checked = weighted_objective(terms, free)
    broken = violations(cont, rep_of_account, free)
    note = (
        "re-solved "
        + ", ".join(cont.block_name(b) for b in touched)
        + "; disruption counted from the plan it started from"
    )
    solver = f"{highs_version()} (re-solve)"
    if broken or abs(checked - objective) > 1e-6 * max(1.0, abs(objective)):
        detail = "; ".join(str(v) for v in broken[:10]) or f"objective {objective} vs checker {checked}"
        log.error("re-solved plan failed the independent check: %s", detail)
        result = Result(
            Status.ERROR,
            objective,
            bound,
            time.perf_counter() - t0,
            rules.seed,
            solver,
            rep_of_account,
            tuple(figures),
            terms,
            explanation=f"the re-solved plan failed the independent check: {detail}",
        )
        return _resolved(result, tuple(cont.block_name(b) for b in touched), cont, cont.owner, False, note)
    bound = min(bound, checked)
    status = Status.OPTIMAL if relative_gap(checked, bound) <= rules.mip_gap else Status.FEASIBLE
    result = Result(
        status,
        checked,
        bound,
        time.perf_counter() - t0,
        rules.seed,
        solver,
        rep_of_account,
        tuple(figures),
        terms,
        notes=(note,),
    )
    return _resolved(result, tuple(cont.block_name(b) for b in touched), cont, cont.owner, False, note)
