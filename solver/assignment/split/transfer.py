"""Which units cross a cut so that both sides hold their share of every balanced metric.

Down the split's tree (`solver.assignment.split.pieces`) each unit starts on
its cheaper side, and the units that cross pay their regret (the cost of the
other side's cheapest rep over this side's). Handing units over in order of
regret evens out one metric at a time. When metrics pull apart (on a held-out
million accounts, heavy accounts clustered on their owners' side: the side
that had to gain accounts had to lose potential) it left pieces 1.3
tolerances out of balance, and their pieces found no plan. For such cuts the
crossing is a small LP over every movable unit (one row per metric and side):
first the least deviation from the wanted totals, then the least regret
within it. A basic solution has at most one fractional unit per row, rounded
to the nearer side.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from solver.highs import quiet_highs

#: Each side aims within this share of each metric's tolerance of its wanted total.
TRANSFER_MARGIN = 0.25


@dataclass(frozen=True)
class Wanted:
    """Per metric (rows): each side's wanted total and the deviation it may keep."""

    left: np.ndarray
    right: np.ndarray
    width_left: np.ndarray
    width_right: np.ndarray


def _lp(
    a: np.ndarray, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, slack: bool
) -> np.ndarray | None:
    """min cost z (+ slack) s.t. lower <= a z (+ s+ - s-) <= upper, 0 <= z <= 1 (dense ``a``:
    a few rows). Returns z, or None when HiGHS finds no optimum."""
    rows, n = a.shape
    cols = n + (2 * rows if slack else 0)
    full = np.zeros((rows, cols))
    full[:, :n] = a
    col_cost = np.zeros(cols)
    col_cost[:n] = cost
    col_upper = np.ones(cols)
    if slack:
        full[:, n : n + rows] = np.eye(rows)
        full[:, n + rows :] = -np.eye(rows)
        col_cost[:] = 0.0
        col_cost[n:] = 1.0
        col_upper[n:] = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = cols
    lp.num_row_ = rows
    lp.col_cost_ = col_cost
    lp.col_lower_ = np.zeros(cols)
    lp.col_upper_ = col_upper
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    nz = full != 0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=0))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nz.T)[1].astype(np.int32)
    lp.a_matrix_.value_ = full.T[nz.T].astype(float)
    h = quiet_highs(seed=0)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def transfer(
    left: np.ndarray, regret: np.ndarray, movable: np.ndarray, values: np.ndarray, wanted: Wanted
) -> np.ndarray:
    """The side of each unit (True: left) after the least-regret crossing that brings both
    sides within their widths of every metric, or as close as any crossing can.

    ``values`` is metrics x units; ``regret`` is what a movable unit pays to cross (below
    zero where the unit is cheaper on the other side).
    """
    cand = np.flatnonzero(movable)
    if len(cand) == 0 or len(values) == 0:
        return left
    held = values[:, left].sum(axis=1)
    total = values.sum(axis=1)
    # crossing to the left adds a unit's values to the left, crossing to the right takes them
    sign = np.where(left[cand], -1.0, 1.0)
    step = values[:, cand] * sign
    # rows in units of each side's width: left total, then right total (= total - left)
    wl = np.maximum(wanted.width_left, 1e-12)
    wr = np.maximum(wanted.width_right, 1e-12)
    a = np.vstack([step / wl[:, None], -step / wr[:, None]])
    lower = np.concatenate([(wanted.left - held) / wl - 1.0, (wanted.right - (total - held)) / wr - 1.0])
    upper = lower + 2.0
    first = _lp(a, np.zeros(len(cand)), lower, upper, slack=True)
    if first is None:
        return left
    n = len(cand)
    rows = len(lower)
    # a z = row - s+ + s-: how far past its bounds each row had to go (up: > 0)
    over = first[n + rows :] - first[n : n + rows]
    lower2 = lower + np.minimum(over, 0.0) - 1e-9
    upper2 = upper + np.maximum(over, 0.0) + 1e-9
    scale = max(float(np.abs(regret[cand]).max()), 1e-300)
    z = _lp(a, regret[cand] / scale, lower2, upper2, slack=False)
    if z is None:
        z = first[:n]
    out = left.copy()
    cross = cand[z[:n] > 0.5]
    out[cross] = ~out[cross]
    return out
