"""The GAP as a HiGHS model: build it with numpy, run it, map its statuses.

Column ``k = i * n + j`` holds ``x[i, j]``; rows ``0 .. n-1`` are the
assignment rows and rows ``n .. n+m-1`` the capacity rows, so every column has
exactly two non-zeros and the CSC arrays are built with numpy in one go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

import highspy
import numpy as np
import numpy.typing as npt

from solver.assignment.result import Status
from solver.errors import TerraquotaError
from solver.gap.check import check_gap_matrix
from solver.gap.instance import GapInstance, IntArray
from solver.highs import highs_status, quiet_highs

GapStatus = Literal["optimal", "feasible", "infeasible", "no_solution"]

#: Statuses a well-formed GAP model cannot end with (besides the errors `HIGHS_STATUS` does
#: not list): every GAP has rows, and its objective is bounded.
NOT_FOR_GAP = frozenset(
    {highspy.HighsModelStatus.kModelEmpty, highspy.HighsModelStatus.kUnboundedOrInfeasible}
)


class GapSolveError(TerraquotaError):
    """The backend returned something the checker rejects: always a bug."""


def build_gap_model(inst: GapInstance) -> highspy.HighsModel:
    """The MIP of the module docstring as one HiGHS model, built with numpy."""
    m, n = inst.m, inst.n
    num_col = m * n
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = n + m
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.col_cost_ = inst.cost.reshape(-1).astype(np.float64)
    lp.col_lower_ = np.zeros(num_col)
    # A job that can never fit an agent is fixed out rather than left to presolve.
    lp.col_upper_ = (inst.weight <= inst.capacity[:, None]).reshape(-1).astype(np.float64)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), inst.capacity.astype(np.float64)])
    agent = np.repeat(np.arange(m), n)
    job = np.tile(np.arange(n), m)
    index = np.empty(2 * num_col, dtype=np.int32)
    index[0::2] = job
    index[1::2] = n + agent
    value = np.empty(2 * num_col, dtype=np.float64)
    value[0::2] = 1.0
    value[1::2] = inst.weight.reshape(-1)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * num_col + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = n + m
    lp.integrality_ = [highspy.HighsVarType.kInteger] * num_col
    model = highspy.HighsModel()
    model.lp_ = lp
    return model


def map_highs_status(model_status: highspy.HighsModelStatus, has_solution: bool) -> GapStatus:
    """Our status for a HiGHS model status (the engine's one table, `solver.highs.HIGHS_STATUS`).

    ``optimal`` is only a candidate: `solve_gap` downgrades it to ``feasible``
    unless the recomputed objective and the dual bound agree.

    Raises
    ------
    GapSolveError
        For statuses that cannot arise from a well-formed GAP model (load,
        presolve or solve errors, unbounded, empty).
    """
    status = highs_status(model_status, has_solution)
    if status == Status.ERROR or model_status in NOT_FOR_GAP:
        raise GapSolveError(f"HiGHS failed on a GAP model: {model_status.name}")
    return cast(GapStatus, str(status))


@dataclass(frozen=True)
class HighsRun:
    """Raw outcome of one HiGHS solve (before any checking)."""

    model_status: highspy.HighsModelStatus
    x: npt.NDArray[np.float64] | None
    bound: float | None
    version: str


def run_highs(
    inst: GapInstance,
    *,
    time_limit: float,
    seed: int,
    threads: int,
    start: IntArray | None,
    options: dict[str, bool | int | float | str] | None,
    allowed: npt.NDArray[np.bool_] | None = None,
    give_up: Callable[[float, float, float], bool] | None = None,
) -> HighsRun:
    """Solve the GAP model of `inst` once with HiGHS.

    Parameters
    ----------
    inst : GapInstance
    time_limit, seed, threads
        HiGHS ``time_limit``, ``random_seed`` and ``threads``.
    start : ndarray of int, optional
        A feasible assignment handed to HiGHS as its first incumbent.
    options : dict, optional
        Extra HiGHS options, applied last.
    allowed : ndarray of bool, shape (m, n), optional
        Only these ``x[i, j]`` may be 1 (a restricted "core" model); the
        dual bound is then only valid for the restricted model.
    give_up : callable, optional
        Called as ``give_up(seconds, incumbent, bound)`` during the branch and
        bound; returning True interrupts the solve (status ``kInterrupt``).
    """
    h = quiet_highs(threads, seed)
    h.setOptionValue("mip_rel_gap", 0.0)
    # Integer costs: any bound within < 1 of the incumbent proves it optimal.
    integer_costs = bool(np.issubdtype(inst.cost.dtype, np.integer))
    h.setOptionValue("mip_abs_gap", 1.0 - 1e-6 if integer_costs else 0.0)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    for key, val in (options or {}).items():
        h.setOptionValue(key, val)
    model = build_gap_model(inst)
    if allowed is not None:
        model.lp_.col_upper_ = np.minimum(model.lp_.col_upper_, allowed.reshape(-1).astype(np.float64))
    h.passModel(model)
    if give_up is not None:

        def interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
            out = event.data_out
            if give_up(out.running_time, out.mip_primal_bound, out.mip_dual_bound):
                event.interrupt()

        h.cbMipInterrupt.subscribe(interrupt)
    if start is not None:
        x0 = np.zeros((inst.m, inst.n))
        x0[start, np.arange(inst.n)] = 1.0
        sol0 = highspy.HighsSolution()
        sol0.col_value = x0.reshape(-1)
        sol0.value_valid = True
        h.setSolution(sol0)
    h.run()
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value).reshape(inst.m, inst.n) if has_solution else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return HighsRun(h.getModelStatus(), x, bound, h.version())


@dataclass(frozen=True)
class LpRelaxation:
    """Optimal solution of the GAP's LP relaxation.

    ``capacity_dual[i] >= 0`` is the price of one unit of agent ``i``'s
    capacity (the negated row dual of a ``<=`` row in a minimisation).
    """

    x: npt.NDArray[np.float64]
    value: float
    capacity_dual: npt.NDArray[np.float64]


def solve_lp_relaxation(inst: GapInstance, *, time_limit: float, threads: int) -> LpRelaxation | None:
    """The LP relaxation's optimal x (shape (m, n)), value and capacity prices; None if not reached."""
    model = build_gap_model(inst)
    model.lp_.integrality_ = []
    h = quiet_highs(threads)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.passModel(model)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    x = np.asarray(sol.col_value).reshape(inst.m, inst.n)
    prices = np.maximum(0.0, -np.asarray(sol.row_dual)[inst.n :])
    return LpRelaxation(x, float(h.getInfo().objective_function_value), prices)


def assignment_from_matrix(inst: GapInstance, x: npt.NDArray[np.float64]) -> IntArray:
    """Round a HiGHS 0/1 matrix to an assignment, refusing anything the checker rejects."""
    problems = check_gap_matrix(inst, np.rint(x).astype(np.int64))
    if problems:
        raise GapSolveError(f"{inst.name}: HiGHS returned a broken assignment: {problems}")
    return np.rint(x).argmax(axis=0).astype(np.int64)
