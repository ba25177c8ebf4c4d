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
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.tracking.rollup import Tracking

__all__ = ["SNAPSHOT_MEASURES", "AsOf", "change_since", "elapsed_shares", "snapshot"]

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


@dataclass(frozen=True)
class AsOf:
    """Where the plan stands on a date: each rep's snapshot, and the change since the previous one.

    The same figures feed the CSV files, the command's summary line and the
    dashboards, so a page never disagrees with the files beside it.
    """

    date: dt.date
    #: `snapshot` rows (cents, one per rep of the plan).
    reps: pd.DataFrame
    #: `change_since` rows (cents), or None when no earlier snapshot exists.
    change: pd.DataFrame | None = None

    @property
    def previous_date(self) -> str | None:
        """The date of the previous snapshot (ISO), or None."""
        if self.change is None or self.change.empty:
            return None
        return str(self.change["previous_as_of"].iloc[0])

    def totals(self) -> dict[str, float]:
        """Whole-plan figures in cents: quota, quota to date, the measures, their changes; and pace."""
        out = {c: int(self.reps[c].sum()) for c in ("quota", "quota_to_date", *SNAPSHOT_MEASURES)}
        if self.change is not None:
            out |= {c: int(self.change[c].sum()) for c in self.change.columns if c.endswith("_change")}
        to_date = out["quota_to_date"]
        return {**out, "pace": out["bookings"] / to_date if to_date > 0 else float("nan")}

    def team(self, rep_ids: Collection[str]) -> AsOf:
        """The same figures for these reps only (a manager's dashboard)."""
        keep = set(rep_ids)
        reps = self.reps[self.reps["rep_id"].astype(str).isin(keep)].reset_index(drop=True)
        change = None
        if self.change is not None:
            change = self.change[self.change["rep_id"].astype(str).isin(keep)].reset_index(drop=True)
        return AsOf(self.date, reps, change)
