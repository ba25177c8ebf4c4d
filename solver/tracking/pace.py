"""Where each rep stands on a date: quota to date, pace, and change since an earlier snapshot.

``quota to date`` of a rep is each period's quota times the share of the
period's days up to and including the as-of date (whole periods before it,
none after it), in cents (rounded per rep). ``pace`` = bookings to date /
quota to date. A snapshot is the rep-level state on a date; the change since
the previous snapshot is the difference of two snapshots, rep by rep
(a rep missing from one of them counts zero there).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from solver.tracking.rollup import Tracking

__all__ = ["SNAPSHOT_MEASURES", "change_since", "elapsed_shares", "snapshot"]

#: Money measures a snapshot keeps (cents), besides quota and quota to date.
SNAPSHOT_MEASURES = ("bookings", "open_pipeline", "weighted_forecast", "commit", "best_case")


def elapsed_shares(tracking: Tracking, as_of: dt.date) -> np.ndarray:
    """Share of each period's days elapsed on ``as_of`` (inclusive), in period order."""
    starts = [pd.Timestamp(s) for s in tracking.periods.starts]
    ends = [*starts[1:], pd.Timestamp(tracking.periods.end)]
    day_after = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    return np.array(
        [min(max((day_after - s) / (e - s), 0.0), 1.0) for s, e in zip(starts, ends, strict=True)]
    )


def snapshot(tracking: Tracking, as_of: dt.date) -> pd.DataFrame:
    """One row per rep of the plan: quota, quota_to_date, the snapshot measures (cents), pace."""
    shares = elapsed_shares(tracking, as_of)
    data = tracking.reps[tracking.reps["in_plan"].astype(bool)].copy()
    order = {p: i for i, p in enumerate(tracking.periods.labels)}
    data["share"] = shares[data["period"].map(order).to_numpy(dtype=np.int64)]
    data["quota_to_date"] = data["quota"].to_numpy(dtype=float) * data["share"].to_numpy()
    per_rep = data.groupby("rep_id", sort=True).agg(
        manager_id=("manager_id", "first"),
        quota=("quota", "sum"),
        quota_to_date=("quota_to_date", "sum"),
        **{m: (m, "sum") for m in SNAPSHOT_MEASURES},
    )
    per_rep["quota_to_date"] = np.rint(per_rep["quota_to_date"].to_numpy(dtype=float)).astype(np.int64)
    to_date = per_rep["quota_to_date"].to_numpy(dtype=float)
    bookings = per_rep["bookings"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_rep["pace"] = np.where(to_date > 0, bookings / to_date, np.nan)
    per_rep.insert(0, "as_of", as_of.isoformat())
    return per_rep.reset_index()


def change_since(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Rep by rep, each snapshot measure now minus at the previous snapshot (cents)."""
    cols = ["quota_to_date", *SNAPSHOT_MEASURES]
    now = current.set_index("rep_id")[cols]
    before = previous.set_index("rep_id")[cols].reindex(now.index.union(previous["rep_id"]))
    now = now.reindex(before.index)
    diff = now.fillna(0).astype(np.int64) - before.fillna(0).astype(np.int64)
    diff.columns = [f"{c}_change" for c in cols]
    diff.insert(0, "previous_as_of", str(previous["as_of"].iloc[0]) if len(previous) else "")
    diff.insert(0, "as_of", str(current["as_of"].iloc[0]) if len(current) else "")
    return diff.reset_index().rename(columns={"index": "rep_id"})
