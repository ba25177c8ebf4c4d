"""How many reps each block gets: potential per effective capacity as even as possible.

Each block b may have n_b reps, an integer in [min_b, max_b]. Its effective
capacity is ``base_capacity_b + (n_b - base_reps_b) x capacity_per_rep_b``
(today's team plus new hires, each worth the expected capacity of a hire),
or today's capacity scaled down pro rata when n_b < base_reps_b; its cost is
the same affine function of n_b with ``base_cost_b`` and ``cost_per_rep_b``.
With a total ``headcount`` the counts add up to it; with a ``budget`` the
costs stay within it (either or both).

The ratio rho_b(n) = potential_b / capacity_b(n) is convex and decreasing in
n, so the model enumerates the allowed counts: y_bk = 1 when block b gets k
reps. Lexicographic min-max, solved with HiGHS as three small MIPs:

    1. min U        s.t. sum_k rho_bk y_bk <= U for all b   (the worst-covered block)
    2. max L        s.t. the above with U <= U*, L <= sum_k rho_bk y_bk
    3. min cost     with U <= U*, L >= L*
    always: sum_k y_bk = 1, sum_bk k y_bk = H, sum_bk cost_bk y_bk <= B

Ratios are scaled by the mean ratio so that tolerances are relative. Blocks
without potential take no part in U and L (any count is even for them) and
get their minimum unless the headcount needs them. An infeasible request
(bounds that cannot meet the headcount, a budget below the minimum cost) is
a result with status ``infeasible`` and an explanation, not an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from solver.assignment.result import Status
from solver.highs import highs_status

#: Relative slack when a stage's optimum is carried into the next stage.
STAGE_TOLERANCE = 1e-7
#: Most counts enumerated per block.
MAX_COUNTS = 2_000


@dataclass(frozen=True)
class SizingBlock:
    """One block's sizing inputs."""

    name: str
    potential: float
    min_reps: int
    max_reps: int
    base_reps: int = 0
    base_capacity: float = 0.0
    capacity_per_rep: float = 1.0
    base_cost: float = 0.0
    cost_per_rep: float = 0.0

    def capacity(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        per_rep = self.base_capacity / self.base_reps if self.base_reps > 0 else self.capacity_per_rep
        below = k * per_rep
        above = self.base_capacity + (k - self.base_reps) * self.capacity_per_rep
        return np.where(k < self.base_reps, below, above)

    def cost(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        below = self.base_cost * k / self.base_reps if self.base_reps > 0 else k * self.cost_per_rep
        above = self.base_cost + (k - self.base_reps) * self.cost_per_rep
        return np.where(k < self.base_reps, below, above)


@dataclass(frozen=True)
class SizingResult:
    """Chosen counts (block name -> reps) and the resulting ratios, or why there are none."""

    status: Status
    counts: dict[str, int]
    table: pd.DataFrame  # block, potential, reps, capacity, cost, ratio
    max_ratio: float
    min_ratio: float
    explanation: str | None = None

    @property
    def spread(self) -> float:
        """(max - min) / mean of potential per capacity over blocks with potential."""
        t = self.table[self.table["potential"] > 0]
        if t.empty or not self.status.has_plan:
            return float("nan")
        r = t["ratio"].to_numpy(dtype=float)
        return float((r.max() - r.min()) / r.mean())


def _options(b: SizingBlock) -> np.ndarray:
    lo = b.min_reps
    if b.potential > 0:
        lo = max(lo, 1)  # a block with potential needs someone
    hi = min(b.max_reps, lo + MAX_COUNTS - 1)
    ks = np.arange(lo, hi + 1)
    if b.potential > 0:
        ks = ks[b.capacity(ks) > 0]
    return ks


def _infeasible(blocks: list[SizingBlock], why: str) -> SizingResult:
    return SizingResult(Status.INFEASIBLE, {}, pd.DataFrame(), math.inf, math.inf, why)


def _prechecks(
    blocks: list[SizingBlock], options: list[np.ndarray], headcount: int | None, budget: float | None
) -> str | None:
    for b, ks in zip(blocks, options, strict=True):
        if len(ks) == 0:
            return (
                f"{b.name}: potential {b.potential:,.0f} but no allowed count of reps gives it any "
                f"capacity (min_reps {b.min_reps}, max_reps {b.max_reps}). Rules: min/max reps vs potential."
            )
    lo = sum(int(ks.min()) for ks in options)
    hi = sum(int(ks.max()) for ks in options)
    if headcount is not None and not lo <= headcount <= hi:
        return (
            f"total headcount {headcount} is outside what the blocks allow: at least {lo} "
            f"(each block's minimum, and one rep where there is potential), at most {hi}. "
            "Rules: headcount vs min/max reps per block."
        )
    if budget is not None:
        least = sum(float(b.cost(ks).min()) for b, ks in zip(blocks, options, strict=True))
        if least > budget * (1 + 1e-12):
            return (
                f"budget {budget:,.0f} is below the least cost of the allowed counts, {least:,.0f}. "
                "Rules: budget vs min reps per block."
            )
    return None


def size_blocks(
    blocks: list[SizingBlock],
    *,
    headcount: int | None = None,
    budget: float | None = None,
    time_limit: float = 30.0,
) -> SizingResult:
    """Integer rep counts per block, as even as possible in potential per capacity.

    Parameters
    ----------
    blocks
        The blocks, each with its bounds and its capacity and cost per rep.
    headcount
        Total reps over all blocks (exactly), when given.
    budget
        Most total cost, when given.
    time_limit
        Seconds per stage (a safety net; the model is tiny).

    Returns
    -------
    SizingResult
    """
    if not blocks:
        return _infeasible(blocks, "no blocks to size")
    options = [_options(b) for b in blocks]
    why = _prechecks(blocks, options, headcount, budget)
    if why:
        return _infeasible(blocks, why)

    col_block = np.concatenate([np.full(len(ks), i) for i, ks in enumerate(options)])
    col_k = np.concatenate(options).astype(float)
    cap = np.concatenate([b.capacity(ks) for b, ks in zip(blocks, options, strict=True)])
    cost = np.concatenate([b.cost(ks) for b, ks in zip(blocks, options, strict=True)])
    pot = np.array([b.potential for b in blocks], dtype=float)
    has_pot = pot > 0
    rho = np.where(cap > 0, pot[col_block] / np.where(cap > 0, cap, 1.0), 0.0)
    # relative ratios: divide by the mean ratio at the largest allowed counts
    most = sum(float(b.capacity(ks[-1:])[0]) for b, ks in zip(blocks, options, strict=True))
    scale = float(pot.sum()) / most if most > 0 else 0.0
    rho = rho / (scale if scale > 0 else 1.0)

    model = _Model(
        len(col_k), len(blocks), col_block, col_k, cost, rho, has_pot, headcount, budget, time_limit
    )
    status, u_star = model.solve_stage("min_max")
    if u_star is None:
        return _infeasible(blocks, f"sizing model ended {status}")
    status, l_star = model.solve_stage("max_min", u_cap=u_star)
    if l_star is None:
        return _infeasible(blocks, f"sizing model ended {status} in its second stage")
    status, _ = model.solve_stage("min_cost", u_cap=u_star, l_floor=l_star)
    x = model.x
    if x is None:
        return _infeasible(blocks, f"sizing model ended {status} in its third stage")
    chosen = x[: len(col_k)] > 0.5
    counts = {blocks[int(i)].name: int(k) for i, k in zip(col_block[chosen], col_k[chosen], strict=True)}
    capacity = np.array([float(b.capacity(np.array([counts[b.name]]))[0]) for b in blocks])
    costs = np.array([float(b.cost(np.array([counts[b.name]]))[0]) for b in blocks])
    ratio = np.where(capacity > 0, pot / np.where(capacity > 0, capacity, 1.0), np.nan)
    table = pd.DataFrame(
        {
            "block": [b.name for b in blocks],
            "potential": pot,
            "reps": [counts[b.name] for b in blocks],
            "base_reps": [b.base_reps for b in blocks],
            "capacity": capacity,
            "cost": costs,
            "ratio": ratio,
        }
    )
    r = ratio[has_pot]
    return SizingResult(
        Status.OPTIMAL if status == Status.OPTIMAL else Status.FEASIBLE,
        counts,
        table,
        float(np.nanmax(r)) if len(r) else 0.0,
        float(np.nanmin(r)) if len(r) else 0.0,
    )


class _Model:
    """Columns: y (one per block x count), then U and L. Rows built once per stage."""

    def __init__(
        self,
        n: int,
        nb: int,
        col_block: np.ndarray,
        col_k: np.ndarray,
        cost: np.ndarray,
        rho: np.ndarray,
        has_pot: np.ndarray,
        headcount: int | None,
        budget: float | None,
        time_limit: float,
    ) -> None:
        self.n, self.nb = n, nb
        self.col_block, self.col_k, self.cost, self.rho = col_block, col_k, cost, rho
        self.has_pot, self.headcount, self.budget, self.time_limit = has_pot, headcount, budget, time_limit
        self.x: np.ndarray | None = None

    def solve_stage(
        self, stage: str, u_cap: float | None = None, l_floor: float | None = None
    ) -> tuple[Status, float | None]:
        """Solve one lexicographic stage: ``min_max``, ``max_min`` or the cost stage."""
        n = self.n
        iu, il = n, n + 1
        col_cost, col_lo, col_hi = self._columns(stage, u_cap, l_floor)
        x, status, obj = self._run(self._rows(), col_cost, col_lo, col_hi)
        if x is None:
            return status, None
        self.x = x
        if stage == "min_max":
            return status, float(x[iu])
        if stage == "max_min":
            return status, float(x[il])
        return status, obj

    def _rows(self) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
        """Rows (cols, vals, lo, hi): one choice per block, the U/L ratio bounds, headcount, budget."""
        inf = highspy.kHighsInf
        n = self.n
        iu, il = n, n + 1
        rows: list[tuple[np.ndarray, np.ndarray, float, float]] = []
        for b in range(self.nb):
            cols = np.flatnonzero(self.col_block == b)
            rows.append((cols, np.ones(len(cols)), 1.0, 1.0))
            if self.has_pot[b]:
                rows.append((np.r_[cols, iu], np.r_[self.rho[cols], -1.0], -inf, 0.0))  # rho_b <= U
                rows.append((np.r_[cols, il], np.r_[self.rho[cols], -1.0], 0.0, inf))  # rho_b >= L
        if self.headcount is not None:
            rows.append((np.arange(n), self.col_k, float(self.headcount), float(self.headcount)))
        if self.budget is not None:
            rows.append((np.arange(n), self.cost, -inf, float(self.budget)))
        return rows

    def _columns(
        self, stage: str, u_cap: float | None, l_floor: float | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Costs and bounds of the columns (choices, then U and L) for one stage."""
        inf = highspy.kHighsInf
        n = self.n
        iu, il = n, n + 1
        col_cost = np.zeros(n + 2)
        col_lo = np.r_[np.zeros(n), 0.0, 0.0]
        col_hi = np.r_[np.ones(n), inf, inf]
        if stage == "min_max":
            col_cost[iu] = 1.0
        elif stage == "max_min":
            col_cost[il] = -1.0
        else:
            col_cost[:n] = self.cost / max(float(np.abs(self.cost).max()), 1.0)
            # without costs, prefer the fewest reps beyond the bounds (a stable tie-break)
            col_cost[:n] += 1e-6 * self.col_k
        if u_cap is not None:
            col_hi[iu] = u_cap * (1 + STAGE_TOLERANCE) + STAGE_TOLERANCE
        if l_floor is not None:
            col_lo[il] = max(l_floor * (1 - STAGE_TOLERANCE) - STAGE_TOLERANCE, 0.0)
        if stage == "min_max" and not self.has_pot.any():
            col_hi[iu] = 0.0
        return col_cost, col_lo, col_hi

    def _run(
        self,
        rows: list[tuple[np.ndarray, np.ndarray, float, float]],
        col_cost: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
    ) -> tuple[np.ndarray | None, Status, float]:
        nc = len(col_cost)
        r_idx = np.concatenate([np.full(len(c), i) for i, (c, _, _, _) in enumerate(rows)])
        c_idx = np.concatenate([c for c, _, _, _ in rows]).astype(np.int64)
        vals = np.concatenate([v for _, v, _, _ in rows]).astype(float)
        order = np.lexsort((r_idx, c_idx))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = nc, len(rows)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = col_cost, col_lo, col_hi
        lp.row_lower_ = np.array([lo for _, _, lo, _ in rows], dtype=float)
        lp.row_upper_ = np.array([hi for _, _, _, hi in rows], dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(c_idx[order], np.arange(nc + 1)).astype(np.int32)
        lp.a_matrix_.index_ = r_idx[order].astype(np.int32)
        lp.a_matrix_.value_ = vals[order]
        lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n + [highspy.HighsVarType.kContinuous] * 2
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("time_limit", float(self.time_limit))
        h.passModel(lp)
        h.run()
        info = h.getInfo()
        status = highs_status(h.getModelStatus(), info.primal_solution_status == 2)
        if info.primal_solution_status != 2:
            return None, status, math.inf
        x = np.asarray(h.getSolution().col_value, dtype=float)
        return x, status, float(info.objective_function_value)
