"""HiGHS backend: one block's MIP passed as arrays (no files, no per-variable loop)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from solver.assignment.result import Status
from solver.assignment.rules import Rows

#: Explicit, tested mapping of HiGHS model statuses. A solution's presence is
#: checked separately: a time limit *with* a plan is FEASIBLE, without NO_SOLUTION.
HIGHS_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kIterationLimit: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kSolutionLimit: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kInterrupt: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kUnknown: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kObjectiveBound: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kObjectiveTarget: Status.NO_SOLUTION,
    highspy.HighsModelStatus.kModelEmpty: Status.OPTIMAL,
}


def highs_version() -> str:
    return f"highs {highspy.Highs().version()}"


@dataclass(frozen=True)
class BackendOutcome:
    status: Status
    x: np.ndarray | None  # value per pair
    objective: float
    bound: float
    seconds: float
    raw_status: str


def solve_mip(
    n_cols: int,
    cost: np.ndarray,
    rows: list[Rows],
    *,
    fixed_one: np.ndarray,
    time_limit: float,
    seed: int,
    mip_gap: float,
    start: np.ndarray | None = None,
    relax: bool = False,
) -> BackendOutcome:
    """Minimise ``cost @ x`` over binary x subject to ``rows``."""
    t0 = time.perf_counter()
    offsets = np.cumsum([0] + [r.n for r in rows])
    r_idx = np.concatenate([r.row + off for r, off in zip(rows, offsets, strict=False)])
    c_idx = np.concatenate([r.col for r in rows])
    vals = np.concatenate([r.val for r in rows]).astype(float)
    nz = vals != 0
    r_idx, c_idx, vals = r_idx[nz], c_idx[nz], vals[nz]
    order = np.lexsort((r_idx, c_idx))
    r_idx, c_idx, vals = r_idx[order], c_idx[order], vals[order]
    starts = np.searchsorted(c_idx, np.arange(n_cols + 1))

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = int(offsets[-1])
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lower = np.zeros(n_cols)
    lower[fixed_one] = 1.0
    lp.col_lower_ = lower
    lp.col_upper_ = np.ones(n_cols)
    lp.row_lower_ = np.nan_to_num(np.concatenate([r.lower for r in rows]), neginf=-inf, posinf=inf)
    lp.row_upper_ = np.nan_to_num(np.concatenate([r.upper for r in rows]), neginf=-inf, posinf=inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = r_idx.astype(np.int32)
    lp.a_matrix_.value_ = vals
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    status = HIGHS_STATUS.get(ms, Status.ERROR)
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = None
    objective = float("inf")
    if has_plan and status in (Status.OPTIMAL, Status.NO_SOLUTION):
        x = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(info.objective_function_value)
        if status == Status.NO_SOLUTION:
            status = Status.FEASIBLE
    if relax:
        bound = objective
    else:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else -np.inf
        if status == Status.OPTIMAL and x is not None and ms == highspy.HighsModelStatus.kModelEmpty:
            bound = objective
    return BackendOutcome(status, x, objective, bound, time.perf_counter() - t0, str(ms))
