"""What the passes of `solve` share: the settings one pass inherits from the run, the
signature of a pass, and a Result without a plan.

`solver.assignment.solve` runs a pass and `solver.assignment.budget.passes` decides
which passes a disruption budget needs; both import this module, and the budget
module is handed the pass as a `PassSolver`, so it never imports `solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.assignment.result import Result, Status
from solver.assignment.split.pieces import Split
from solver.config import AssignmentConfig


@dataclass(frozen=True)
class Pass:
    """What one pass of `_solve` inherits from the run: the budget-free or budgeted pass,
    blocks to solve whole, the run's deadline, the split of the blocks, the distance reference."""

    budgeted: bool = False
    whole: frozenset[int] = frozenset()
    hard_deadline: float | None = None
    splits: dict[int, Split] | None = None
    d_ref: np.ndarray | None = None
    #: the pass without the budget: the run's ``max_moved_share``, time limit and deadline
    #: (perf_counter), which the search over groups of reps may use while its plan keeps the budget
    kept_budget: tuple[float, float, float] | None = None
    #: the budgeted passes: the plan without the budget (global rep per unit), which keeps
    #: every other rule of every piece; the least-disruption pass starts from it too
    warm: np.ndarray | None = None


#: One pass of `solve` on the run's problem (its progress callback and penalty bound in):
#: the pass's rules and settings in, its Result out.
PassSolver = Callable[[AssignmentConfig, Pass], Result]


def no_plan(
    status: Status, text: str, t0: float, rules: AssignmentConfig, solver_name: str, nothing: np.ndarray
) -> Result:
    """A Result without a plan: infeasible (bound +inf) or no plan found in time (bound -inf)."""
    bound = float("inf") if status == Status.INFEASIBLE else float("-inf")
    return Result(
        status,
        float("inf"),
        bound,
        time.perf_counter() - t0,
        rules.seed,
        solver_name,
        nothing,
        explanation=text,
    )
