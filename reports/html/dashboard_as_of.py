"""The dated part of the tracking dashboard: pace to date and the change since the previous snapshot.

Shown when ``track --as-of DATE`` made the page, from the same figures as
``pace_to_date.csv`` and ``change_since_previous.csv`` (`solver.tracking.pace.AsOf`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reports.formatting import Column, Table, build_table, fmt_money, fmt_pct, fmt_signed_money
from solver.tracking.pace import SNAPSHOT_MEASURES, AsOf

__all__ = ["AS_OF_COLUMNS", "as_of_view"]

AS_OF_COLUMNS = (
    Column("rep_id", "Rep"),
    Column("manager_id", "Manager"),
    Column("quota", "Quota (year)", "money", group_start=True),
    Column("quota_to_date", "Quota to date", "money"),
    Column("bookings", "Bookings", "money", group_start=True),
    Column("pace", "Pace", "share"),
    Column("bookings_change", "Bookings", "d_money", group_start=True),
    Column("commit_change", "Commit", "d_money"),
    Column("weighted_forecast_change", "Weighted forecast", "d_money"),
    Column("open_pipeline_change", "Open pipeline", "d_money"),
)

_CENTS = ("quota", "quota_to_date", *SNAPSHOT_MEASURES)


def _money(cents: float) -> float:
    return float(cents) / 100.0


def _tiles(state: AsOf) -> list[dict[str, Any]]:
    t = state.totals()
    quota, to_date = _money(t["quota"]), _money(t["quota_to_date"])
    tiles = [
        {
            "label": f"Quota to date ({state.date.isoformat()})",
            "value": fmt_money(to_date),
            "detail": f"{fmt_pct(to_date / quota)} of the year's {fmt_money(quota)}" if quota > 0 else "",
        },
        {
            "label": "Bookings to date",
            "value": fmt_money(_money(t["bookings"])),
            "detail": f"pace {fmt_pct(t['pace'])} of quota to date" if np.isfinite(t["pace"]) else "",
        },
    ]
    previous = state.previous_date
    if previous is not None:
        tiles.append(
            {
                "label": f"Change since {previous}",
                "value": f"bookings {fmt_signed_money(_money(t['bookings_change']))}",
                "detail": " · ".join(
                    f"{label} {fmt_signed_money(_money(t[key]))}"
                    for label, key in (
                        ("commit", "commit_change"),
                        ("weighted forecast", "weighted_forecast_change"),
                        ("open pipeline", "open_pipeline_change"),
                    )
                ),
            }
        )
    return [{"alert": False, **tile} for tile in tiles]


def _rows(state: AsOf) -> pd.DataFrame:
    rows = state.reps.copy()
    for c in _CENTS:
        rows[c] = rows[c].to_numpy(dtype=float) / 100.0
    if state.change is not None:
        change = state.change.set_index("rep_id")
        for c in change.columns:
            if c.endswith("_change"):
                rows[c] = rows["rep_id"].map(change[c]).to_numpy(dtype=float) / 100.0
    return rows.sort_values("rep_id", kind="stable")


def as_of_view(state: AsOf | None) -> dict[str, Any] | None:
    """What the dashboard template shows of the as-of figures (None without ``--as-of``)."""
    if state is None:
        return None
    columns = AS_OF_COLUMNS if state.change is not None else AS_OF_COLUMNS[:6]
    table: Table = build_table(_rows(state), columns)
    groups = [("", 2), ("Plan", 2), ("To date", 2)]
    if state.change is not None:
        groups.append((f"Change since {state.previous_date}", 4))
    return {
        "date": state.date.isoformat(),
        "previous": state.previous_date,
        "tiles": _tiles(state),
        "table": table,
        "groups": groups,
    }
