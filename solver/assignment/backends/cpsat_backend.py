"""CP-SAT backend: one block's model with integer-scaled coefficients.

CP-SAT solves integer models only, so every row and the objective are scaled
to integers:

- a row whose coefficients are decimals (potential in cents, counts) is
  multiplied by the smallest power of ten that makes them integral, and its
  bounds are rounded inwards: the integer row then holds exactly when the
  original does;
- other rows (ratios) are scaled to ``ROW_RESOLUTION`` and rounded; the
  result is re-checked by the solver-independent checker like every plan;
- the objective is scaled exactly when its costs are decimals, else to
  ``OBJECTIVE_RESOLUTION``; the reported objective is recomputed in floating
  point from the plan, and the bound is lowered by the largest possible
  rounding error, so it stays a valid bound.

Continuous columns (the lexicographic model's deviation) become integers on
a grid of ``CONTINUOUS_STEPS`` steps of their range.

Determinism: one worker (the default) is deterministic for a fixed seed;
with several workers the search is interleaved, which is deterministic too.
The wall-clock time limit is the safety net.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.lp.rowwise import RowMatrix, row_matrix
from solver.assignment.result import Status
from solver.assignment.rules import Rows

#: Explicit, tested mapping of CP-SAT statuses. OPTIMAL means proved within
#: ``relative_gap_limit`` (the block's mip_gap), as HiGHS' kOptimal does.
CPSAT_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.UNKNOWN: Status.NO_SOLUTION,
    cp_model.MODEL_INVALID: Status.ERROR,
}

#: Largest power of ten tried to make a row's or the objective's coefficients integral.
MAX_DECIMALS = 6
#: Largest scaled coefficient of a row that is not decimal.
ROW_RESOLUTION = 1e7
#: Largest scaled objective coefficient when the costs are not decimal.
OBJECTIVE_RESOLUTION = 1e7
#: Grid steps of a continuous column's range.
CONTINUOUS_STEPS = 1_000_000
#: Largest integer magnitude used for bounds (well inside int64 sums).
BIG = 2**53


def cpsat_version() -> str:
    from importlib.metadata import version

    return f"cp-sat {version('ortools')}"


def _decimal_power(values: np.ndarray, groups: np.ndarray, n_groups: int, limit: float) -> np.ndarray:
    """Per group: smallest k <= MAX_DECIMALS with values * 10**k integral (-1: none)."""
    power = np.full(n_groups, -1)
    for k in range(MAX_DECIMALS + 1):
        scaled = values * 10.0**k
        ok = (np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))) & (
            np.abs(scaled) <= limit
        )
        bad = np.bincount(groups, weights=(~ok).astype(float), minlength=n_groups)
        power = np.where((power < 0) & (bad == 0), k, power)
    return power


def integer_rows(
    m: RowMatrix, col_scale: np.ndarray, col_upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer coefficients per entry and integer bounds per row of ``m``.

    ``col_scale`` converts each column's integer variable to its value
    (1 for binaries, the grid step for continuous columns); ``col_upper`` is
    the integer variable's upper bound (used to clamp infinite row bounds).
    """
    row_of = np.repeat(np.arange(m.n), np.diff(m.start))
    a = m.val * col_scale[m.col]
    power = _decimal_power(a, row_of, m.n, 1e12)
    top = np.zeros(m.n)
    np.maximum.at(top, row_of, np.abs(a))
    scale = np.where(power >= 0, 10.0 ** np.maximum(power, 0), ROW_RESOLUTION / np.maximum(top, 1e-300))
    coef = np.round(a * scale[row_of]).astype(np.int64)
    pos = np.bincount(row_of, weights=np.maximum(coef, 0) * col_upper[m.col], minlength=m.n)
    neg = np.bincount(row_of, weights=np.minimum(coef, 0) * col_upper[m.col], minlength=m.n)
    with np.errstate(invalid="ignore"):
        lo_s, hi_s = m.lower * scale, m.upper * scale
    fuzz = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(np.concatenate([lo_s, hi_s]), posinf=0.0, neginf=0.0)))
    lo = np.where(np.isfinite(lo_s), np.ceil(lo_s - fuzz[: m.n]), neg)
    hi = np.where(np.isfinite(hi_s), np.floor(hi_s + fuzz[m.n :]), pos)
    lo = np.clip(np.maximum(lo, neg), -BIG, BIG).astype(np.int64)
    hi = np.clip(np.minimum(hi, pos), -BIG, BIG).astype(np.int64)
    return coef, lo, hi


def integer_objective(cost: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(integer costs, scale, the most the rounding can change any plan's objective)."""
    cost = np.asarray(cost, dtype=float)
    top = float(np.abs(cost).max(initial=0.0))
    if top == 0:
        return np.zeros(len(cost), dtype=np.int64), 1.0, 0.0
    power = _decimal_power(cost, np.zeros(len(cost), dtype=np.int64), 1, 1e12)[0]
    scale = 10.0**power if power >= 0 else OBJECTIVE_RESOLUTION / top
    scaled = cost * scale
    ints = np.round(scaled)
    return ints.astype(np.int64), scale, float(np.abs(scaled - ints).sum()) / scale


def build_model(
    n_cols: int,
    rows: list[Rows],
    *,
    fixed_one: np.ndarray,
    col_upper: np.ndarray | None = None,
    continuous: np.ndarray | None = None,
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], np.ndarray, RowMatrix, list[int]]:
    """Variables and rows (no objective); returns (model, vars, col_scale, matrix, constraint ids)."""
    upper = np.ones(n_cols) if col_upper is None else np.asarray(col_upper, dtype=float)
    cont = np.zeros(n_cols, dtype=bool) if continuous is None else np.asarray(continuous, dtype=bool)
    col_scale = np.where(cont, upper / CONTINUOUS_STEPS, 1.0)
    int_upper = np.where(cont, CONTINUOUS_STEPS, np.floor(upper + 1e-9)).astype(np.int64)
    lower = np.zeros(n_cols, dtype=np.int64)
    lower[np.asarray(fixed_one, dtype=np.int64)] = 1
    model = cp_model.CpModel()
    xs = [
        model.new_bool_var(f"x{j}") if int_upper[j] == 1 else model.new_int_var(0, int(int_upper[j]), f"x{j}")
        for j in range(n_cols)
    ]
    for j in np.flatnonzero(lower):
        model.add(xs[j] == 1)
    m = row_matrix(rows)
    coef, lo, hi = integer_rows(m, col_scale, int_upper.astype(float))
    proto = model.proto
    ids = []
    for i in range(m.n):
        s, e = int(m.start[i]), int(m.start[i + 1])
        ids.append(len(proto.constraints))
        c = proto.constraints.add()
        if lo[i] > hi[i]:  # no integer value fits (e.g. a band narrower than one cent): "0 = 1"
            c.linear.domain.extend([1, 1])
            continue
        c.linear.vars.extend(m.col[s:e].tolist())
        c.linear.coeffs.extend(coef[s:e].tolist())
        c.linear.domain.extend([int(lo[i]), int(hi[i])])
    return model, xs, col_scale, m, ids


def configure(
    solver: cp_model.CpSolver, *, time_limit: float, seed: int, num_workers: int, interleave: bool = True
) -> None:
    """Deterministic settings: fixed seed, one worker or interleaved search."""
    p = solver.parameters
    p.max_time_in_seconds = float(max(time_limit, 0.05))
    p.random_seed = int(seed)
    p.num_workers = int(num_workers)
    if num_workers > 1 and interleave:
        p.interleave_search = True
    p.log_search_progress = False


def solve_block_mip(
    n_cols: int,
    cost: np.ndarray,
    rows: list[Rows],
    *,
    fixed_one: np.ndarray,
    time_limit: float,
    seed: int,
    mip_gap: float,
    start: np.ndarray | None = None,
    node_limit: int | None = None,
    col_upper: np.ndarray | None = None,
    continuous: np.ndarray | None = None,
    num_workers: int = 1,
    interleave: bool = True,
) -> BackendOutcome:
    """Minimise ``cost @ x`` over binary x subject to ``rows`` with CP-SAT.

    Same signature and meaning as `highs_backend.solve_mip`. ``node_limit``
    has no CP-SAT equivalent and is ignored: one worker (or interleaved
    workers) already gives a deterministic search.
    """
    t0 = time.perf_counter()
    model, xs, col_scale, _, _ = build_model(
        n_cols, rows, fixed_one=fixed_one, col_upper=col_upper, continuous=continuous
    )
    int_cost, obj_scale, rounding = integer_objective(np.asarray(cost, dtype=float) * col_scale)
    obj = model.proto.objective
    obj.vars.extend(range(n_cols))
    obj.coeffs.extend(int_cost.tolist())
    if start is not None:
        for j, v in enumerate(np.round(np.asarray(start, dtype=float) / col_scale).astype(np.int64)):
            model.add_hint(xs[j], int(v))
    solver = cp_model.CpSolver()
    configure(
        solver,
        time_limit=time_limit - (time.perf_counter() - t0),
        seed=seed,
        num_workers=num_workers,
        interleave=interleave,
    )
    solver.parameters.relative_gap_limit = float(mip_gap)
    code = solver.solve(model)
    status = CPSAT_STATUS.get(code, Status.ERROR)
    x = None
    objective, bound = float("inf"), -np.inf
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        values = np.asarray(solver.response_proto.solution, dtype=float)[:n_cols]
        x = values * col_scale
        objective = float(np.dot(cost, x))
        bound = min(float(solver.best_objective_bound) / obj_scale - rounding, objective)
    elif status == Status.INFEASIBLE:
        objective = bound = float("inf")
    return BackendOutcome(status, x, objective, bound, time.perf_counter() - t0, solver.status_name(code))
