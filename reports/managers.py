"""Per-manager roll-up of the reps table, for the run report.

One row per manager_id: headcount, accounts, potential, target, quota, the
balance ratio of the manager's rep farthest from 1, and account moves when the
run has them. Reps without a manager are grouped under an empty manager_id
shown as a dash, so totals still add up to the company.
"""

from __future__ import annotations

import pandas as pd

from reports.formatting import Column

MANAGER_COLUMNS = (
    Column("manager_id", "Manager"),
    Column("reps", "Reps", "count"),
    Column("accounts", "Accounts", "count"),
    Column("potential", "Potential", "money"),
    Column("target_potential", "Target potential", "money"),
    Column("quota", "Quota", "money"),
    Column("worst_ratio", "Worst ratio", "share"),
    Column("accounts_gained", "Gained", "count"),
    Column("accounts_lost", "Lost", "count"),
)

_SUMMED = ("accounts", "potential", "target_potential", "quota", "accounts_gained", "accounts_lost")


def manager_frame(reps: pd.DataFrame) -> pd.DataFrame:
    """Roll the reps table up to one row per manager, sorted by manager_id.

    Parameters
    ----------
    reps
        The run's reps table (``rep_id``, ``manager_id`` and any of the
        summed columns; absent columns stay absent in the result).

    Returns
    -------
    pandas.DataFrame
        manager_id, reps, the sums present, and ``worst_ratio``: the balance
        ratio with the largest ``|ratio - 1|`` among the manager's reps.
    """
    if "manager_id" not in reps or "rep_id" not in reps:
        return pd.DataFrame()
    frame = reps.copy()
    frame["manager_id"] = frame["manager_id"].astype("string").fillna("")
    summed = [c for c in _SUMMED if c in frame]
    for col in summed:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    groups = frame.groupby("manager_id", sort=True)
    out = groups[summed].sum(min_count=1)
    out.insert(0, "reps", groups["rep_id"].nunique())
    if "balance_ratio" in frame:
        ratio = pd.to_numeric(frame["balance_ratio"], errors="coerce").astype(float)
        dev = (ratio - 1.0).abs().fillna(-1.0)
        # Ties go to the first rep in rep_id order, so the row is order-independent.
        pick = (
            frame.assign(_dev=dev.to_numpy(), _ratio=ratio.to_numpy())
            .sort_values(["manager_id", "_dev", "rep_id"], ascending=[True, False, True], kind="stable")
            .drop_duplicates("manager_id")
            .set_index("manager_id")["_ratio"]
        )
        out["worst_ratio"] = pick.reindex(out.index)
    out = out.reset_index()
    # The no-manager row goes last, after the managers in id order.
    no_manager = (out["manager_id"] == "").to_numpy(dtype=bool)
    out = pd.concat([out[~no_manager], out[no_manager]], ignore_index=True)
    out["manager_id"] = out["manager_id"].mask(out["manager_id"] == "")
    return out
