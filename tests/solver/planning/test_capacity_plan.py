"""The capacity model: targets per block, required capacity, hires and their dates, finance view."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from solver.config import PlanParams
from solver.errors import InputError
from solver.planning.capacity_plan import (
    active_days,
    block_targets,
    capacity_plan,
    finance_view,
    hire_capacity,
    hire_rows,
    productive_capacity,
    survival,
)


def _params(capacity: dict, target: float = 1_000_000.0, ramp: tuple = ()) -> PlanParams:
    return PlanParams.model_validate(
        {
            "plan": {"start": "2027-02-01", "ramp": ramp},
            "regions": {"NA": ["US"], "EMEA": ["GB"]},
            "segments": {"bands": {"SMB": (0, 200), "ENT": (200, float("inf"))}},
            "quota": {"target": target},
            "capacity": capacity,
        }
    )


def _team(n: int, region: str = "NA", segment: str = "SMB", **cols) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "rep_id": [f"{region}-{segment}-{i}" for i in range(n)],
            "name": [f"Rep {i}" for i in range(n)],
            "segment": segment,
            "region": region,
            "start_date": pd.NaT,
            "end_date": pd.NaT,
        }
    )
    for k, v in cols.items():
        df[k] = v
    return df


BASE = {"productivity": 100_000.0, "lead_time_months": 2, "earliest_start": "2027-03-01"}


def test_hires_and_dates_by_hand() -> None:
    params = _params(BASE)
    plan = capacity_plan(_team(8), pd.Series({("NA", "SMB"): 1000.0}), params)
    row = plan.blocks.iloc[0]
    assert row["required_capacity"] == pytest.approx(10.0)  # 1,000,000 / 100,000
    assert row["capacity_gap"] == pytest.approx(2.0)
    # a hire on 2027-03-01 adds 11/12; 3 are needed; 3 x 8/12 still closes the gap from June
    assert row["hires"] == 3
    assert row["start_date"] == dt.date(2027, 6, 1)
    assert row["open_requisition_by"] == dt.date(2027, 4, 1)
    assert row["hire_capacity"] == pytest.approx(8 / 12)
    assert plan.hires == 3


def test_no_gap_no_hires_and_max_reps_caps() -> None:
    params = _params({**BASE, "blocks": {"NA": {"SMB": {"max_reps": 9}}}}, target=2_000_000.0)
    plan = capacity_plan(_team(8), pd.Series({("NA", "SMB"): 1000.0}), params)
    assert plan.blocks.iloc[0]["hires"] == 1
    assert any("max_reps 9" in n for n in plan.notes)
    plan = capacity_plan(_team(12), pd.Series({("NA", "SMB"): 1000.0}), _params(BASE))
    assert plan.blocks.iloc[0]["hires"] == 0


def test_attrition_and_role_ramp() -> None:
    params = _params({**BASE, "attrition": 0.12, "ramp": {"ENT": [0.5]}}, ramp=(0.25,))
    s = survival(0.12)
    assert s[0] == pytest.approx(0.88 ** (0.5 / 12)) and s[-1] == pytest.approx(0.88 ** (11.5 / 12))
    tenured = productive_capacity(_team(1), params)
    assert tenured[0] == pytest.approx(s.mean())
    hire = hire_capacity(dt.date(2027, 2, 1), params, "ENT")
    assert hire == pytest.approx((0.5 * s[0] + s[1:].sum()) / 12)  # ENT ramps by its own profile
    hire = hire_capacity(dt.date(2027, 2, 1), params, "SMB")
    assert hire == pytest.approx((0.25 * s[0] + s[1:].sum()) / 12)  # the plan ramp otherwise


def test_block_targets_given_share_and_rest_by_potential() -> None:
    params = _params({**BASE, "blocks": {"NA": {"SMB": {"target": 300_000.0}, "ENT": {"share": 0.2}}}})
    pot = pd.Series({("NA", "SMB"): 1.0, ("NA", "ENT"): 1.0, ("EMEA", "SMB"): 3.0, ("EMEA", "ENT"): 1.0})
    t = block_targets(pot, params)
    assert t[("NA", "SMB")] == 300_000 and t[("NA", "ENT")] == 200_000
    assert t[("EMEA", "SMB")] == pytest.approx(375_000) and t[("EMEA", "ENT")] == pytest.approx(125_000)


def test_missing_productivity_names_the_key() -> None:
    params = _params({"productivity": {"ENT": 1.0}})
    with pytest.raises(InputError, match=r"capacity\.productivity"):
        capacity_plan(_team(2), pd.Series({("NA", "SMB"): 1.0}), params)


def test_sizing_with_a_headcount() -> None:
    params = _params({**BASE, "headcount": 14})
    team = pd.concat([_team(4), _team(4, region="EMEA")], ignore_index=True)
    pot = pd.Series({("NA", "SMB"): 3000.0, ("EMEA", "SMB"): 1000.0})
    plan = capacity_plan(team, pot, params)
    assert plan.sizing is not None and plan.sizing.status.has_plan
    assert int(plan.blocks["planned_reps"].sum()) == 14
    hires = plan.blocks.set_index("region")["hires"]
    assert hires["NA"] > hires["EMEA"] >= 0  # no block shrinks below today's team


def test_placeholder_rows_have_no_name_and_fresh_ids() -> None:
    params = _params({**BASE, "ote": {"SMB": 90_000.0}})
    plan = capacity_plan(_team(8), pd.Series({("NA", "SMB"): 1000.0}), params)
    rows = hire_rows(plan, pd.Series(["TBH-NA-SMB-01", "X"]))
    assert rows["rep_id"].tolist() == ["TBH-NA-SMB-02", "TBH-NA-SMB-03", "TBH-NA-SMB-04"]
    assert rows["name"].isna().all() and (rows["ote"] == 90_000.0).all()
    assert (rows["start_date"] == pd.Timestamp("2027-06-01")).all()


def test_finance_view_by_hand() -> None:
    params = _params({**BASE, "attainment": 0.8})
    team = _team(2, ote=[120_000.0, np.nan])
    team.loc[0, "start_date"] = pd.Timestamp("2027-08-01")
    team.loc[1, "name"] = None  # a to-be-hired row
    assert active_days(team["start_date"], team["end_date"], dt.date(2027, 2, 1)).tolist() == [184, 365]
    view = finance_view(team, pd.Series({("NA", "SMB"): 500.0}), pd.Series({("NA", "SMB"): 12_345}), params)
    row = view.iloc[0]
    assert row["reps"] == 2 and row["to_be_hired"] == 1 and row["reps_without_ote"] == 1
    assert row["ramped_capacity"] == pytest.approx(1 + 6 / 12)
    assert row["cost"] == pytest.approx(120_000 * 184 / 365)
    assert row["expected_bookings"] == pytest.approx(1.5 * 100_000 * 0.8)
    assert row["potential_per_capacity"] == pytest.approx(500 / 1.5)
    assert row["quota"] == pytest.approx(123.45)
    total = view.iloc[-1]
    assert total["region"] == "total" and total["expected_bookings"] == pytest.approx(
        row["expected_bookings"]
    )


def test_sizing_when_only_some_blocks_set_max_reps() -> None:
    """Regression: a block without max_reps read NaN in the table once another block set one."""
    blocks = {"EMEA": {"SMB": {"min_reps": 4, "max_reps": 6}}}
    for limit in ({"headcount": 14}, {"budget": 2_000_000.0}):
        params = _params({**BASE, "ote": 100_000.0, "blocks": blocks, **limit})
        team = pd.concat([_team(4), _team(4, region="EMEA")], ignore_index=True)
        pot = pd.Series({("NA", "SMB"): 3000.0, ("EMEA", "SMB"): 1000.0})
        plan = capacity_plan(team, pot, params)
        assert plan.sizing is not None and plan.sizing.status.has_plan
        planned = plan.blocks.set_index("region")["planned_reps"]
        assert 4 <= planned["EMEA"] <= 6
        if "headcount" in limit:
            assert int(planned.sum()) == 14


def test_hire_cost_and_gap_left_by_hand() -> None:
    # required 10.0, team 8.0, gap 2.0; hires start 2027-06-01 with 8/12 capacity each:
    # 3 hires add 2.0, nothing left; each costs 90,000 x 245 / 365 (June 1 to Jan 31)
    params = _params({**BASE, "ote": {"SMB": 90_000.0}})
    plan = capacity_plan(_team(8), pd.Series({("NA", "SMB"): 1000.0}), params)
    row = plan.blocks.iloc[0]
    assert row["hires"] == 3
    assert row["hire_cost"] == pytest.approx(3 * 90_000.0 * 245 / 365)
    assert row["gap_left"] == pytest.approx(0.0)
    capped = _params({**BASE, "ote": 90_000.0, "blocks": {"NA": {"SMB": {"max_reps": 9}}}})
    row = capacity_plan(_team(8), pd.Series({("NA", "SMB"): 1000.0}), capped).blocks.iloc[0]
    assert row["hires"] == 1
    # one hire starting at the earliest start (March 1: 11 months) leaves 2 - 11/12
    assert row["gap_left"] == pytest.approx(2.0 - 11 / 12)
    assert row["hire_cost"] == pytest.approx(90_000.0 * 337 / 365)
