"""The re-solved plan as one checked `Result`: solved blocks' figures, kept blocks' carried over."""

from __future__ import annotations

import logging
import time

import numpy as np

from solver.assignment.backends.highs_backend import highs_version
from solver.assignment.checker import objective_terms, violations, weighted_objective
from solver.assignment.resolve.carry import block_objectives, kept_block
from solver.assignment.result import BlockResult, Result, Status, relative_gap
from solver.config import AssignmentConfig
from solver.problem import Problem

log = logging.getLogger(__name__)


def checked_result(
    cont: Problem,
    base: Result,
    rules: AssignmentConfig,
    rep_of_account: np.ndarray,
    solved: dict[int, BlockResult],
    d_ref: np.ndarray,
    note: str,
    t0: float,
) -> Result:
    """Every block's figures and the plan, re-checked by the independent checker.

    ``cont`` is the continuity problem (owners = the base plan), ``solved``
    the figures of the blocks solved again; the others carry theirs over from
    ``base`` (`solver.assignment.resolve.carry`).
    """
    kept = [b for b in range(len(cont.blocks)) if b not in solved]
    per_block = block_objectives(cont, rep_of_account, rules, d_ref, kept)
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
    checked = weighted_objective(terms, rules)
    broken = violations(cont, rep_of_account, rules)
    solver = f"{highs_version()} (re-solve)"
    seconds = time.perf_counter() - t0
    if broken or abs(checked - objective) > 1e-6 * max(1.0, abs(objective)):
        detail = "; ".join(str(v) for v in broken[:10]) or f"objective {objective} vs checker {checked}"
        log.error("re-solved plan failed the independent check: %s", detail)
        why = f"the re-solved plan failed the independent check: {detail}"
        return Result(
            Status.ERROR, objective, bound, seconds, rules.seed, solver, rep_of_account,
            tuple(figures), terms, explanation=why,
        )  # fmt: skip
    bound = min(bound, checked)
    status = Status.OPTIMAL if relative_gap(checked, bound) <= rules.mip_gap else Status.FEASIBLE
    return Result(
        status, checked, bound, seconds, rules.seed, solver, rep_of_account, tuple(figures), terms,
        notes=(note,),
    )  # fmt: skip
