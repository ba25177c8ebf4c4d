"""Capacity factors and tenure-adjusted targets, exactly as CONTRACT.md defines them.

capacity_factor = (1/12) * sum over the 12 plan months of active_m * ramp_m, where
active_m is the share of the month's days the rep is employed and ramp_m is
``ramp[k]`` for k whole months since the month of the start date (1.0 once
k >= len(ramp), or when there is no start date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

PLAN_MONTHS = 12


def month_bounds(plan_start: dt.date) -> np.ndarray:
    """The 13 boundaries (datetime64[D]) of the plan's 12 months.

    Month m covers [bounds[m], bounds[m+1]). A plan year may start on any day;
    months then run from that day-of-month to the same day one month later.
    """
    start = pd.Timestamp(plan_start)
    return np.array(
        [(start + pd.DateOffset(months=m)).to_datetime64() for m in range(PLAN_MONTHS + 1)],
        dtype="datetime64[D]",
    )


def _as_days(dates: Sequence[object] | pd.Series, fill: str) -> np.ndarray:
    s = pd.to_datetime(pd.Series(dates, dtype="object"), errors="raise")
    out = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return np.where(pd.isna(s).to_numpy(), np.datetime64(fill, "D"), out)


def monthly_capacity(
    start_dates: Sequence[object] | pd.Series,
    end_dates: Sequence[object] | pd.Series,
    plan_start: dt.date,
    ramp: Sequence[float],
) -> np.ndarray:
    """Matrix (reps x 12) of active_m * ramp_m: each rep's productive share of each month.

    Missing start date = employed and ramped since forever; missing end date =
    employed past the plan year.
    """
    bounds = month_bounds(plan_start)
    first = _as_days(start_dates, "1900-01-01")
    last = _as_days(end_dates, "2999-12-31")
    lo, hi = bounds[:-1][None, :], bounds[1:][None, :]
    # employed days inside [lo, hi): from max(lo, start) to min(hi, end + 1 day)
    a = np.maximum(lo, first[:, None])
    b = np.minimum(hi, last[:, None] + np.timedelta64(1, "D"))
    days_employed = np.clip((b - a).astype(np.int64), 0, None)
    days_in_month = (hi - lo).astype(np.int64)
    active = days_employed / days_in_month

    has_start = ~pd.isna(pd.Series(start_dates, dtype="object")).to_numpy()
    month_index = (
        bounds[:-1].astype("datetime64[M]").astype(np.int64)[None, :]
        - first.astype("datetime64[M]").astype(np.int64)[:, None]
    )
    ramp_arr = np.asarray([*list(ramp), 1.0], dtype=float)
    k = np.clip(month_index, 0, len(ramp_arr) - 1)
    ramp_m = np.where(has_start[:, None] & (month_index < len(ramp_arr) - 1), ramp_arr[k], 1.0)
    return active * ramp_m


def capacity_factor(
    start_dates: Sequence[object] | pd.Series,
    end_dates: Sequence[object] | pd.Series,
    plan_start: dt.date,
    ramp: Sequence[float],
) -> np.ndarray:
    """Each rep's capacity factor in [0, 1] (see module docstring)."""
    return monthly_capacity(start_dates, end_dates, plan_start, ramp).sum(axis=1) / PLAN_MONTHS


def block_targets(values_total: float, factors: np.ndarray) -> np.ndarray:
    """A block's total split over its reps in proportion to their capacity factors."""
    total_cf = float(np.sum(factors))
    if total_cf <= 0:
        return np.zeros_like(factors, dtype=float)
    return values_total * np.asarray(factors, dtype=float) / total_cf
