"""HiGHS backend: one block's MIP passed as arrays (no files, no per-variable loop)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from solver.assignment.result import Status
from solver.assignment.rules import Rows
from solver.highs import highs_status, quiet_highs


def highs_version() -> str:
    # from the module's constants: constructing an instance would print HiGHS's banner
    return f"highs {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"


@dataclass(frozen=True)
class BackendOutcome:
    status: Status
    x: np.ndarray | None  # value per pair
    objective: float
    bound: float
    seconds: float
    raw_status: str
    row_dual: np.ndarray | None = None


def cost_scale(cost: np.ndarray) -> float:
    """Factor bringing the largest cost to 1 for HiGHS's tolerances; 1 when every cost is 0
    (a greenfield plan without distance: any balanced plan is optimal)."""
    top = float(np.abs(np.asarray(cost, dtype=float)).max(initial=0.0))
    return 1.0 / top if np.isfinite(top) and top > 1e-300 else 1.0


def csc(rows: list[Rows], n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise sparse matrix (starts, row indices, values) of the stacked rows."""
    offsets = np.cumsum([0] + [r.n for r in rows])
    r_idx = np.concatenate([r.row + off for r, off in zip(rows, offsets, strict=False)])
    c_idx = np.concatenate([r.col for r in rows])
    vals = np.concatenate([r.val for r in rows]).astype(float)
    nz = vals != 0
    r_idx, c_idx, vals = r_idx[nz], c_idx[nz], vals[nz]
    # each rule has at most one entry per column, in row order: a stable sort by column
    # gives rows in increasing order within each column (as a lexsort would, faster)
    order = np.argsort(c_idx, kind="stable")
    return np.searchsorted(c_idx[order], np.arange(n_cols + 1)), r_idx[order], vals[order]


def gather_columns(
    starts: np.ndarray, index: np.ndarray, value: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSC sub-matrix of the given columns (vectorised)."""
    lengths = starts[cols + 1] - starts[cols]
    new_starts = np.concatenate([[0], np.cumsum(lengths)])
    pos = np.repeat(starts[cols] - new_starts[:-1], lengths) + np.arange(int(new_starts[-1]))
    return new_starts, index[pos], value[pos]


class IncrementalLp:
    """An LP over a growing subset of columns of a fixed row set (column generation).

    New columns are appended to the same HiGHS instance, so each re-solve
    starts from the previous basis instead of from scratch.
    """

    def __init__(
        self,
        rows: list[Rows],
        cost: np.ndarray,
        lower: np.ndarray,
        *,
        seed: int,
        elastic: dict[str, float] | None = None,
    ) -> None:
        """``elastic`` (rule -> penalty per unit of the row) lets those rows be broken at a
        price: the LP is then never infeasible, which a sample's price-finding LP needs."""
        self.cost = np.asarray(cost, dtype=float)
        # costs are shares of the plan's total potential (1e-7 per pair at a million
        # accounts), as small as HiGHS's dual feasibility tolerance: scale them to O(1)
        # for HiGHS and scale objective and duals back
        self.scale = cost_scale(self.cost)
        self.lower = np.asarray(lower, dtype=float)
        self.rows = list(rows)
        self.starts, self.index, self.value = csc(self.rows, len(cost))
        inf = highspy.kHighsInf
        self.h = quiet_highs(seed=seed)
        row_lo = np.nan_to_num(np.concatenate([r.lower for r in rows]), neginf=-inf, posinf=inf)
        row_hi = np.nan_to_num(np.concatenate([r.upper for r in rows]), neginf=-inf, posinf=inf)
        self.h.addRows(
            len(row_lo),
            row_lo,
            row_hi,
            0,
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        self.columns = np.zeros(0, dtype=np.int64)
        self.n_rows = len(row_lo)
        self.n_slack = 0
        self.slack_used = 0.0
        self.iterations = 0  # simplex iterations of every solve so far
        offset = 0
        for r in rows:
            penalty = (elastic or {}).get(r.rule)
            if penalty is not None and r.n:
                # one column that adds to the row and one that takes from it, at the penalty
                idx = np.repeat(np.arange(offset, offset + r.n), 2).astype(np.int32)
                val = np.tile([1.0, -1.0], r.n)
                self.h.addCols(
                    2 * r.n,
                    np.full(2 * r.n, penalty * self.scale),
                    np.zeros(2 * r.n),
                    np.full(2 * r.n, inf),
                    2 * r.n,
                    np.arange(2 * r.n, dtype=np.int32),
                    idx,
                    val,
                )
                self.n_slack += 2 * r.n
            offset += r.n

    def add(self, cols: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        if len(cols) == 0:
            return
        st, ix, va = gather_columns(self.starts, self.index, self.value, cols)
        self.h.addCols(
            len(cols),
            self.cost[cols] * self.scale,
            self.lower[cols],
            np.ones(len(cols)),
            len(ix),
            st[:-1].astype(np.int32),
            ix.astype(np.int32),
            va,
        )
        self.columns = np.concatenate([self.columns, cols])
        self._position = None

    def add_rows(self, new: Rows) -> None:
        """Append the rows ``new`` (over the block's pairs) to the LP: entries on its columns
        now, on the columns added later with them; the basis is kept (the rows' slacks enter
        it), so the next solve starts from it."""
        self.rows.append(new)
        self.starts, self.index, self.value = csc(self.rows, len(self.cost))
        inf = highspy.kHighsInf
        order = np.argsort(self.columns, kind="stable")
        at = np.searchsorted(self.columns[order], new.col).clip(0, max(len(order) - 1, 0))
        present = (self.columns[order][at] == new.col) if len(order) else np.zeros(len(new.col), dtype=bool)
        row, col = new.row[present], order[at[present]] + self.n_slack
        val = new.val[present].astype(float)
        by_row = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[by_row], np.arange(new.n))
        self.h.addRows(
            new.n,
            np.nan_to_num(new.lower, neginf=-inf, posinf=inf),
            np.nan_to_num(new.upper, neginf=-inf, posinf=inf),
            len(by_row),
            starts.astype(np.int32),
            col[by_row].astype(np.int32),
            val[by_row],
        )
        self.n_rows += new.n

    def set_cost(self, cost: np.ndarray) -> None:
        """New costs for every column (those added and those to come); the basis is kept."""
        self.cost = np.asarray(cost, dtype=float)
        n = len(self.columns)
        if n:
            at = np.arange(self.n_slack, self.n_slack + n, dtype=np.int32)
            self.h.changeColsCost(n, at, self.cost[self.columns] * self.scale)

    def fix(self, one: np.ndarray, zero: np.ndarray) -> None:
        """Fix pairs ``one`` at 1 and ``zero`` at 0 (pairs not yet in the LP: ``one`` are added,
        ``zero`` are left out); the basis is kept, so the next solve starts from it."""
        one = np.asarray(one, dtype=np.int64)
        self.add(np.setdiff1d(one, self.columns))
        zero = np.intersect1d(np.asarray(zero, dtype=np.int64), self.columns)
        cols = np.concatenate([one, zero])
        if len(cols) == 0:
            return
        order = np.argsort(self.columns, kind="stable")
        at = order[np.searchsorted(self.columns[order], cols)] + self.n_slack
        bound = np.concatenate([np.ones(len(one)), np.zeros(len(zero))])
        self.h.changeColsBounds(len(cols), at.astype(np.int32), bound, bound)

    def solve(
        self, time_limit: float, iteration_limit: int | None = None
    ) -> tuple[Status, np.ndarray | None, float, np.ndarray | None]:
        """(status, x over all columns, objective, row duals); ``iteration_limit`` caps this
        solve's simplex iterations (a budget that does not depend on the machine's load).

        HiGHS 1.x checks ``time_limit`` against the run time of the instance summed
        over all its runs (ERGO-Code/HiGHS#1477), so the limit of this run is set on
        top of the time already run: otherwise later rounds stop early, at a point
        that depends on the machine's load (the split of a 1M-account block then came
        out differently under load and on Dask).
        """
        self.h.setOptionValue("time_limit", float(self.h.getRunTime()) + float(max(time_limit, 0.1)))
        limit = _NO_ITERATION_LIMIT if iteration_limit is None else max(int(iteration_limit), 1)
        self.h.setOptionValue("simplex_iteration_limit", limit)
        self.h.run()
        self.iterations += int(self.h.getInfo().simplex_iteration_count)
        # later solves only add columns: skip presolve so simplex restarts from this basis
        self.h.setOptionValue("presolve", "off")
        ms = self.h.getModelStatus()
        if ms != highspy.HighsModelStatus.kOptimal:
            return highs_status(ms, False), None, float("inf"), None
        sol = self.h.getSolution()
        every = np.asarray(sol.col_value, dtype=float)
        self.slack_used = float(every[: self.n_slack].sum())
        values = every[self.n_slack :]
        x = np.zeros(len(self.cost))
        x[self.columns] = values
        return (
            Status.OPTIMAL,
            x,
            float(self.h.getInfo().objective_function_value) / self.scale,
            np.asarray(sol.row_dual, dtype=float) / self.scale,
        )


#: HiGHS's default simplex_iteration_limit (no limit).
_NO_ITERATION_LIMIT = 2_147_483_647


def _mip_model(
    n_cols: int,
    cost: np.ndarray,
    rows: list[Rows],
    fixed_one: np.ndarray,
    col_upper: np.ndarray | None,
    continuous: np.ndarray | None,
    relax: bool,
) -> tuple[highspy.HighsLp, float]:
    """The block's model as HiGHS arrays (column-wise), and the factor its costs were scaled by."""
    starts, r_idx, vals = csc(rows, n_cols)
    offsets = np.cumsum([0] + [r.n for r in rows])

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = int(offsets[-1])
    # scaled to O(1) for HiGHS's tolerances (see `IncrementalLp`); scaled back below
    scale = cost_scale(cost)
    lp.col_cost_ = np.asarray(cost, dtype=float) * scale
    lower = np.zeros(n_cols)
    lower[fixed_one] = 1.0
    lp.col_lower_ = lower
    lp.col_upper_ = np.ones(n_cols) if col_upper is None else np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.nan_to_num(np.concatenate([r.lower for r in rows]), neginf=-inf, posinf=inf)
    lp.row_upper_ = np.nan_to_num(np.concatenate([r.upper for r in rows]), neginf=-inf, posinf=inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = r_idx.astype(np.int32)
    lp.a_matrix_.value_ = vals
    if not relax:
        integral = np.ones(n_cols, dtype=bool) if continuous is None else ~np.asarray(continuous, dtype=bool)
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(k)] for k in integral]

    return lp, scale


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
    node_limit: int | None = None,
    col_upper: np.ndarray | None = None,
    continuous: np.ndarray | None = None,
) -> BackendOutcome:
    """Minimise ``cost @ x`` over binary x subject to ``rows``.

    ``node_limit`` bounds the branch-and-bound tree: a deterministic budget,
    so the same inputs give the same plan (the time limit is a safety net).
    ``col_upper`` / ``continuous`` (optional) give columns other bounds than
    [0, 1] or make them continuous (the lexicographic model's deviation).
    """
    t0 = time.perf_counter()
    lp, scale = _mip_model(n_cols, cost, rows, fixed_one, col_upper, continuous, relax)

    h = quiet_highs(seed=seed)
    h.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    status = highs_status(ms, has_plan)
    x = None
    objective = float("inf")
    if has_plan and status in (Status.OPTIMAL, Status.FEASIBLE):
        x = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(info.objective_function_value) / scale
    row_dual = None
    if relax:
        bound = objective
        if x is not None:
            row_dual = np.asarray(h.getSolution().row_dual, dtype=float) / scale
    else:
        bound = float(info.mip_dual_bound) / scale if np.isfinite(info.mip_dual_bound) else -np.inf
        if status == Status.OPTIMAL and x is not None and ms == highspy.HighsModelStatus.kModelEmpty:
            bound = objective
    return BackendOutcome(status, x, objective, bound, time.perf_counter() - t0, str(ms), row_dual)
