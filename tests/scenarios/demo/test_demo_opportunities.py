"""Demo opportunities: deterministic, owned by the plan's reps, closed only before 'today'."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from scenarios.demo.opportunities import MONTHS_ELAPSED, demo_opportunities


def _assignment() -> pd.DataFrame:
    ids = [f"A{i:04d}" for i in range(400)]
    return pd.DataFrame(
        {
            "account_id": ids,
            "rep_id": [f"R{i % 7}" for i in range(400)],
            "potential": [1000.0 + i for i in range(400)],
        }
    )


def test_deterministic_and_consistent() -> None:
    a = demo_opportunities(_assignment(), dt.date(2027, 2, 1), seed=1)
    b = demo_opportunities(_assignment().sample(frac=1, random_state=3), dt.date(2027, 2, 1), seed=1)
    pd.testing.assert_frame_equal(a, b)
    owners = _assignment().set_index("account_id")["rep_id"]
    assert (a["OwnerId"].to_numpy() == owners.loc[a["AccountId"]].to_numpy()).all()
    as_of = (pd.Timestamp("2027-02-01") + pd.DateOffset(months=MONTHS_ELAPSED)).strftime("%Y-%m-%d")
    closed = a["StageName"].str.startswith("Closed")
    assert (a.loc[closed, "CloseDate"] < as_of).all() and (a.loc[~closed, "CloseDate"] >= as_of).all()
    assert (a["Amount"] >= 0).all() and a["Id"].is_unique
