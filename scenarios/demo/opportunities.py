"""Demo opportunities for the tracking part of `terraquota demo`.

Mid-year in the plan: deals of the plan's accounts, owned by the reps the
baseline plan assigned. Deals closing before the as-of date are closed
(won or lost); later ones are open at a Salesforce standard stage. Amounts
follow account potential. Generated data, deterministic by seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: Months of the plan year already behind the demo's "today".
MONTHS_ELAPSED = 5
#: Share of accounts with at least one deal this year, and deals per such account.
DEAL_SHARE = 0.35
MAX_DEALS = 3
#: Open stages (Salesforce standard names) and the share of open deals at each.
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review")
WIN_RATE = 0.35
#: A deal's amount as a share of the account's yearly potential (lognormal median): with the
#: deal counts and win rate above, a year of won deals is about the demo's target.
DEAL_SHARE_OF_POTENTIAL = 0.2


def demo_opportunities(assignment: pd.DataFrame, plan_start: dt.date, seed: int = 0) -> pd.DataFrame:
    """Demo deals as a Salesforce export would name them.

    Columns: Id, OwnerId, AccountId, Name, Amount, CloseDate, StageName.
    """
    rng = np.random.default_rng(seed)
    acc = assignment.sort_values("account_id", kind="stable").reset_index(drop=True)
    has = rng.random(len(acc)) < DEAL_SHARE
    n_deals = np.where(has, rng.integers(1, MAX_DEALS + 1, len(acc)), 0)
    idx = np.repeat(np.arange(len(acc)), n_deals)
    n = len(idx)
    potential = pd.to_numeric(acc["potential"], errors="coerce").fillna(0).to_numpy()[idx]
    amount = np.round(potential * DEAL_SHARE_OF_POTENTIAL * rng.lognormal(0.0, 0.6, n), 2)
    start = np.datetime64(plan_start, "D")
    close = start + rng.integers(0, 365, n).astype("timedelta64[D]")
    as_of = np.datetime64(pd.Timestamp(plan_start) + pd.DateOffset(months=MONTHS_ELAPSED), "D")
    closed = close < as_of
    won = rng.random(n) < WIN_RATE
    stage = np.where(
        closed,
        np.where(won, "Closed Won", "Closed Lost"),
        np.array(OPEN_STAGES)[rng.integers(0, len(OPEN_STAGES), n)],
    )
    out = pd.DataFrame(
        {
            "Id": [f"OPP{i:06d}" for i in range(1, n + 1)],
            "OwnerId": acc["rep_id"].to_numpy()[idx],
            "AccountId": acc["account_id"].to_numpy()[idx],
            "Name": [f"{a} deal" for a in acc["account_id"].to_numpy()[idx]],
            "Amount": amount,
            "CloseDate": pd.to_datetime(close).strftime("%Y-%m-%d"),
            "StageName": stage,
        }
    )
    return out.sort_values(["CloseDate", "Id"], kind="stable").reset_index(drop=True)
