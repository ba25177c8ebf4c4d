"""A touched block whose rules cannot hold: reported as a full solve reports it, without solving.

A pin to a rep of another segment or region (or one who is gone) fails the
same pre-checks `solver.assignment.solve` runs before any LP. A full solve
returns INFEASIBLE with their findings; a re-solve that fell back to a
whole cold solve to learn that paid for every block. Only the touched
blocks can fail: the others kept a plan under the same rules.
"""

from __future__ import annotations

import time

import numpy as np

from solver.assignment.backends.registry import solver_label
from solver.assignment.block import build_block
from solver.assignment.prechecks import block_findings
from solver.assignment.result import Result, Status
from solver.config import AssignmentConfig
from solver.problem import Problem


def touched_findings(problem: Problem, touched: tuple[int, ...], rules: AssignmentConfig) -> list[str]:
    """The pre-check findings of the touched blocks, in block order (as `solve` lists them)."""
    return [f for b in sorted(touched) for f in block_findings(problem, build_block(problem, b), rules)]


def infeasible_result(findings: list[str], rules: AssignmentConfig, t0: float, n_accounts: int) -> Result:
    """The Result `solve` returns for these findings: no plan, bound +inf, the findings as explanation."""
    return Result(
        Status.INFEASIBLE,
        float("inf"),
        float("inf"),
        time.perf_counter() - t0,
        rules.seed,
        solver_label(rules.solver),
        np.full(n_accounts, -1),
        explanation="\n".join(findings),
    )
