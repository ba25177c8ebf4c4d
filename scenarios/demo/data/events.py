"""The demo's mid-year events file for ``terraquota replan``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.demo.data.accounts import isin
from scenarios.demo.data.geometry import km_matrix
from scenarios.demo.data.reps import N_EMEA_HIRES
from scenarios.demo.plan import EVENT_COLUMNS

_EVENT_DATE = "2027-08-01"


def demo_events(acc: pd.DataFrame, reps: pd.DataFrame, n_reps: int) -> pd.DataFrame:
    """One leave + a replacement join, one move (promotion), two transfers, all mid-year."""
    stable = reps[reps["kind"] == "stable"].sort_values("rep_id")
    by_block = stable.groupby(["region", "segment"])["rep_id"]
    big = by_block.size().sort_values(ascending=False, kind="stable").index
    leave_block, move_block = big[0], big[1]
    leaver = by_block.get_group(leave_block).iloc[0]
    mover = by_block.get_group(move_block).iloc[0]
    promote = {"SMB": "MM", "MM": "ENT", "ENT": "MM"}
    width = max(4, len(str(n_reps + N_EMEA_HIRES + 1)))
    joiner = f"R{n_reps + N_EMEA_HIRES + 1:0{width}d}"
    busy = {leaver, mover}
    in_family = (acc["parent_id"] != "").to_numpy() | isin(acc["account_id"], acc["parent_id"])
    ok = (
        isin(acc["current_owner"], sorted(set(stable["rep_id"]) - busy))
        & ~in_family
        & (acc["locked_owner"] == "")
    )
    rows = [
        ("leave", _EVENT_DATE, leaver, "", "", ""),
        ("join", _EVENT_DATE, joiner, leave_block[1], leave_block[0], ""),
        ("move", _EVENT_DATE, mover, promote[move_block[1]], move_block[0], ""),
    ]
    for region, segment in big[:2]:
        cand = acc[ok & (acc["region"] == region) & (acc["segment"] == segment)]
        account = cand.sort_values("account_id").iloc[len(cand) // 2]
        team = stable[
            (stable["region"] == region)
            & (stable["segment"] == segment)
            & ~stable["rep_id"].isin(busy | {account["current_owner"]})
        ]
        d = km_matrix(account["lat"], account["lon"], team["lat"], team["lon"])
        receiver = team["rep_id"].to_numpy()[np.argmin(d[0])]
        rows.append(("transfer", _EVENT_DATE, receiver, "", "", account["account_id"]))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
