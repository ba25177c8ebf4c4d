"""Re-plan weighs reps as the annual plan does: capacity x level weight x FTE."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from solver.config import AssignmentConfig, QuotaConfig
from solver.replan.events import Event, parse_events
from solver.replan.plan import ReplanInputs, ReplanResult, replan

PLAN = dt.date(2027, 2, 1)
QUARTERS = ["2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01"]  # period starts


def _inputs(owner: list[str]) -> ReplanInputs:
    """One block of 12 accounts of potential 100; R0 half-time, R1 senior (1.5), R2 full-time.

    Every rep works the whole plan year and holds 1,000 cents a quarter.
    """
    n = len(owner)
    acc = pd.DataFrame(
        {
            "account_id": [f"A{i:02d}" for i in range(n)],
            "segment": "SMB",
            "region": "NA",
            "country": "US",
            "potential": 100.0,
            "workload": 1.0,
            "arr": 0.0,
            "lat": 40.0,  # one place: only balance decides who takes what
            "lon": -90.0,
            "locked_owner": pd.array([None] * n, dtype="string"),
        }
    )
    acc["family_id"] = acc["account_id"]
    reps = pd.DataFrame(
        {
            "rep_id": ["R0", "R1", "R2"],
            "segment": "SMB",
            "region": "NA",
            "start_date": pd.to_datetime(["2020-01-01"] * 3),
            "end_date": pd.to_datetime([None] * 3),
            "lat": 40.0,
            "lon": -90.0,
            "max_accounts": np.nan,
            "max_workload": np.nan,
            "fte": [0.5, 1.0, 1.0],
            "level": ["rep", "senior", "rep"],
        }
    )
    quotas = pd.DataFrame(
        [(r, q, 1000) for r in ("R0", "R1", "R2") for q in QUARTERS],
        columns=["rep_id", "period", "quota_cents"],
    )
    return ReplanInputs(
        accounts=acc,
        reps=reps,
        owner=np.array(owner, dtype=object),
        quotas=quotas,
        plan_start=PLAN,
        ramp=(0.25, 0.5, 0.75),
        periods="quarter",
        seasonality=None,
        rules=AssignmentConfig(balance={"potential": 1.0}, time_limit=10),
        max_moved_share=0.0,
        quota=QuotaConfig(target=1e6, level_weights={"rep": 1.0, "senior": 1.5}),
    )


def _leave_r2(inputs: ReplanInputs) -> list[Event]:
    """R2 leaves on August 1: the plan's first two quarters are behind it."""
    table = pd.DataFrame({"event": ["leave"], "date": ["2027-08-01"], "rep_id": ["R2"]}, index=[2])
    return parse_events(
        table,
        "events.csv",
        plan_start=PLAN,
        plan_end=dt.date(2028, 1, 31),
        reps=inputs.reps,
        accounts=inputs.accounts,
        segments={"SMB"},
        regions={"NA"},
    )


def _quota(result: ReplanResult, rep: str) -> list[int]:
    q = result.quotas[result.quotas["rep_id"] == rep]
    return [int(x) for x in q.sort_values("period")["quota_cents"]]


def test_a_leavers_accounts_go_by_level_and_fte() -> None:
    # R0 holds 200, R1 600, R2 400 of the block's 1,200 potential
    owner = ["R0"] * 2 + ["R1"] * 6 + ["R2"] * 4
    inputs = _inputs(owner)
    result = replan(inputs, _leave_r2(inputs))
    assert result.problem is not None
    # weights after R2 leaves: R0 1.0 x 1.0 x 0.5, R1 1.0 x 1.5 x 1.0, R2 none
    assert result.problem.capacity_factor.tolist() == [0.5, 1.5, 0.0]
    assert result.reps["territory_weight"].tolist() == [0.5, 1.5, 0.0]
    # targets 1,200 x 0.5 / 2 = 300 and 1,200 x 1.5 / 2 = 900 (capacity alone: 600 each)
    held = pd.Series(inputs.accounts["potential"].to_numpy()).groupby(result.owner).sum()
    assert held.to_dict() == {"R0": 300.0, "R1": 900.0}
    # R2's 2,000 cents after August 1 (Q3 + Q4) follow the potential: 100 / 400 to R0, 300 / 400 to R1
    assert _quota(result, "R0") == [1000, 1000, 1250, 1250]
    assert _quota(result, "R1") == [1000, 1000, 1750, 1750]
    assert _quota(result, "R2") == [1000, 1000, 0, 0]


def test_an_orphan_quota_is_shared_by_level_and_fte() -> None:
    # R2 holds no account: its quota after August 1 goes to its block by weight, 0.5 : 1.5
    owner = ["R0"] * 3 + ["R1"] * 9
    inputs = _inputs(owner)
    result = replan(inputs, _leave_r2(inputs))
    assert _quota(result, "R0") == [1000, 1000, 1250, 1250]
    assert _quota(result, "R1") == [1000, 1000, 1750, 1750]
    assert result.quotas["quota_cents"].sum() == 12 * 1000


def test_without_fte_and_level_capacity_alone_weighs() -> None:
    owner = ["R0"] * 2 + ["R1"] * 6 + ["R2"] * 4
    inputs = _inputs(owner)
    inputs = ReplanInputs(**{**inputs.__dict__, "reps": inputs.reps.drop(columns=["fte", "level"])})
    result = replan(inputs, _leave_r2(inputs))
    assert result.problem is not None
    assert result.problem.capacity_factor.tolist() == [1.0, 1.0, 0.0]
    # targets 600 each: R0 takes all four freed accounts
    held = pd.Series(inputs.accounts["potential"].to_numpy()).groupby(result.owner).sum()
    assert held.to_dict() == {"R0": 600.0, "R1": 600.0}
