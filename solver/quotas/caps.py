"""Rep quotas with year-over-year caps: a small LP closest to the allocation basis.

Within one parent (a manager's team, or whatever level sits above the reps),
choose quota shares s_r >= 0 that add up to the parent's children total and
stay as close as possible (L1) to the basis shares t_r, while each rep with
a reference (last year's quota, else last year's bookings) stays within
``(1 +- max_change) x reference x capacity_factor``: the cap applies to the
full-year equivalent, so a rep who works half of the year is not held to a
full year's figure (ramp and dates). Caps are soft: when the parent's total
cannot be spread within them, the smallest total breach is taken, and the
reps outside their band are reported. Reps without capacity get nothing. The
shares are then rounded to cents by largest remainder, so the team still
adds up to the cent.

    min  sum_r (d+_r + d-_r) + M sum_r (v+_r + v-_r)
    s.t. sum_r s_r = 1
         s_r - d+_r + d-_r = t_r
         s_r - v+_r <= U_r / T,   s_r + v-_r >= L_r / T      (reps with a reference)
         0 <= s_r <= 1 (= 0 without capacity); d, v >= 0
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd

from solver.errors import ConservationError
from solver.money import allocate_cents

#: Weight of a cap breach against a unit of distance to the basis (both are shares).
BREACH_PENALTY = 1_000.0


def capped_split(
    total_cents: int,
    basis: np.ndarray,
    capacity_factor: np.ndarray,
    reference: np.ndarray,
    max_change: float,
) -> tuple[list[int], pd.DataFrame]:
    """Split ``total_cents`` over reps by ``basis`` under year-over-year caps.

    Parameters
    ----------
    total_cents
        What the reps must add up to.
    basis
        Allocation weights (any scale) per rep.
    capacity_factor
        Each rep's capacity factor this year (0: no quota).
    reference
        Last year's figure per rep, in currency (nan: no cap for that rep).
    max_change
        Allowed relative change, e.g. 0.2 for +-20 %.

    Returns
    -------
    tuple[list[int], pandas.DataFrame]
        Cents per rep (adding up to ``total_cents``) and a table with
        reference, lower, upper (currency) and ``within`` per rep.
    """
    n = len(basis)
    basis = np.asarray(basis, dtype=float)
    cf = np.asarray(capacity_factor, dtype=float)
    ref = np.asarray(reference, dtype=float)
    active = cf > 0
    has_ref = active & np.isfinite(ref)
    lower = np.where(has_ref, (1 - max_change) * np.nan_to_num(ref) * cf, 0.0)
    upper = np.where(has_ref, (1 + max_change) * np.nan_to_num(ref) * cf, np.inf)
    if n == 0 or total_cents == 0 or not active.any():
        if total_cents and not active.any():
            raise ConservationError(f"{total_cents} cents to split but no rep has capacity")
        cents = [0] * n
    else:
        w = np.where(active, np.maximum(basis, 0.0), 0.0)
        t = w / w.sum() if w.sum() > 0 else cf / cf.sum()
        shares = _solve(t, active, has_ref, lower * 100 / total_cents, upper * 100 / total_cents)
        cents = allocate_cents(total_cents, np.where(active, np.maximum(shares, 0.0), 0.0))
    q = np.asarray(cents, dtype=float) / 100
    within = ~has_ref | ((q >= lower - 0.01) & (q <= upper + 0.01))
    table = pd.DataFrame(
        {
            "reference": ref,
            "lower": np.where(has_ref, lower, np.nan),
            "upper": np.where(has_ref, upper, np.nan),
            "within": within,
        }
    )
    return cents, table


def _solve(
    t: np.ndarray, active: np.ndarray, has_ref: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """The LP in shares; columns s (n), d+ (n), d- (n), v+ (n), v- (n)."""
    n = len(t)
    inf = highspy.kHighsInf
    cost = np.concatenate([np.zeros(n), np.ones(2 * n), np.full(2 * n, BREACH_PENALTY)])
    col_lo = np.zeros(5 * n)
    col_hi = np.concatenate([np.where(active, 1.0, 0.0), np.full(4 * n, inf)])
    # rows: 0 = sum; 1..n = deviation; then upper caps; then lower caps (reps with a reference)
    r = np.flatnonzero(has_ref)
    k = len(r)
    ar = np.arange(n)
    entries = [
        (np.zeros(n, dtype=np.int64), ar, np.ones(n)),  # sum s
        (1 + ar, ar, np.ones(n)),  # s
        (1 + ar, n + ar, -np.ones(n)),  # -d+
        (1 + ar, 2 * n + ar, np.ones(n)),  # +d-
        (1 + n + np.arange(k), r, np.ones(k)),  # s (upper)
        (1 + n + np.arange(k), 3 * n + r, -np.ones(k)),  # -v+
        (1 + n + k + np.arange(k), r, np.ones(k)),  # s (lower)
        (1 + n + k + np.arange(k), 4 * n + r, np.ones(k)),  # +v-
    ]
    rows = np.concatenate([e[0] for e in entries])
    cols = np.concatenate([e[1] for e in entries])
    vals = np.concatenate([e[2] for e in entries])
    row_lo = np.concatenate([[1.0], t, np.full(k, -inf), lo[r]])
    row_hi = np.concatenate([[1.0], t, np.minimum(hi[r], inf), np.full(k, inf)])
    order = np.lexsort((rows, cols))
    starts = np.searchsorted(cols[order], np.arange(5 * n + 1))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 5 * n, len(row_lo)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_hi
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order].astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise ConservationError(f"quota cap LP ended {h.modelStatusToString(h.getModelStatus())}")
    return np.asarray(h.getSolution().col_value, dtype=float)[:n]
