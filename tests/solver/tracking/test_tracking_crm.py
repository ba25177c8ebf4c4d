"""Attainment and forecast on real CRM history: Maven's pipeline and Salesforce's sample org.

The data live in the shared data folder's crm/ (tests only; Maven's set is never shipped).
For Maven a run-like reps/quotas pair is built for its 35 agents, 6 managers
and 3 regional offices; the expected figures are recomputed independently
with plain pandas from the raw files.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.errors import InputError
from solver.tracking.opportunities import read_opportunities, resolve_owners
from solver.tracking.overrides import overrides_from_table
from solver.tracking.rollup import attainment_table, forecast_table, rollup, track
from tests.tests_paths import require_shared

PERIODS_2017 = ("2017-01-01", "2017-04-01", "2017-07-01", "2017-10-01")
PERIODS_2018 = ("2018-01-01", "2018-04-01", "2018-07-01", "2018-10-01")


def _crm(shared_data: Path, *parts: str) -> Path:
    return require_shared("crm", *parts)


def maven_run(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """reps, quotas (quarterly 2017) and the raw team table for Maven's 35 agents."""
    teams = pd.read_csv(_crm(shared_data, "maven_crm_sales_opportunities", "sales_teams.csv"))
    managers = {m: f"M{i}" for i, m in enumerate(teams["manager"].unique(), 1)}
    first = set(teams.groupby("regional_office")["manager"].first())
    reps = pd.DataFrame(
        {
            "rep_id": [f"A{i:02d}" for i in range(1, len(teams) + 1)],
            "name": teams["sales_agent"],
            "segment": np.where(teams["manager"].isin(first), "SMB", "ENT"),
            "region": teams["regional_office"],
            "manager_id": teams["manager"].map(managers),
        }
    )
    quotas = pd.DataFrame(
        [(r, p, 70_000.0 + 1_000.0 * i) for i, r in enumerate(reps["rep_id"]) for p in PERIODS_2017],
        columns=["rep_id", "period", "quota"],
    )
    return reps, quotas, teams.assign(manager_id=teams["manager"].map(managers))


@functools.lru_cache(maxsize=1)
def _load_maven(shared: Path) -> dict:
    reps, quotas, teams = maven_run(shared)
    path = _crm(shared, "maven_crm_sales_opportunities", "sales_pipeline.csv")
    opps = resolve_owners(read_opportunities(path), reps)
    raw = pd.read_csv(path)
    return {"reps": reps, "quotas": quotas, "teams": teams, "opps": opps, "raw": raw, "path": path}


@pytest.fixture
def maven(shared_data) -> dict:
    """Maven's pipeline read once per session (the shared_data fixture skips when absent)."""
    return _load_maven(shared_data)


def test_maven_counts_and_bookings_match_the_raw_file(maven) -> None:
    t = track(maven["opps"], maven["reps"], maven["quotas"])
    raw = maven["raw"]
    won = raw[raw["deal_stage"] == "Won"]
    assert t.counts["opportunities"] == 8800
    assert t.counts["no_close_date"] == int(raw["close_date"].isna().sum()) == 2089
    assert t.counts["counted"] == 8800 - 2089
    assert t.counts["owners_outside_plan"] == 0
    assert t.counts["owner_sources"] == {"owner_name": 8800}
    total = rollup(t, "total")
    year = total[total["period"] == "total"].iloc[0]
    assert year["bookings"] == round(won["close_value"].sum() * 100) == 1_000_553_400
    assert year["won_deals"] == len(won) == 4238
    assert year["lost_deals"] == int((raw["deal_stage"] == "Lost").sum())
    assert year["quota"] == round(maven["quotas"]["quota"].sum() * 100)


def test_maven_attainment_by_manager_and_quarter_matches_pandas(maven) -> None:
    t = track(maven["opps"], maven["reps"], maven["quotas"])
    table = attainment_table(t, "manager")
    raw = maven["raw"].merge(maven["teams"], on="sales_agent")
    won = raw[raw["deal_stage"] == "Won"].copy()
    won["period"] = pd.to_datetime(won["close_date"]).dt.to_period("Q").dt.start_time.dt.strftime("%Y-%m-%d")
    expected = won.groupby(["manager_id", "period"])["close_value"].sum()
    got = table[table["period"] != "total"].set_index(["manager_id", "period"])["bookings"]
    assert got.sort_index().to_dict() == expected.astype(float).to_dict()
    quota = maven["quotas"].merge(maven["reps"], on="rep_id").groupby("manager_id")["quota"].sum()
    year = table[table["period"] == "total"].set_index("manager_id")
    assert year["attainment"].to_dict() == pytest.approx(
        (won.groupby("manager_id")["close_value"].sum() / quota).to_dict()
    )
    # Five agents of the team table have no opportunity at all: 0 bookings, still listed.
    reps = attainment_table(t, "rep")
    idle = reps[(reps["period"] == "total") & (reps["bookings"] == 0)]["name"]
    assert sorted(idle) == sorted(set(maven["teams"]["sales_agent"]) - set(maven["raw"]["sales_agent"]))


def test_maven_rollups_conserve_every_measure(maven) -> None:
    t = track(maven["opps"], maven["reps"], maven["quotas"])
    measures = ["quota", "bookings", "won_deals", "lost_deals", "open_deals", "commit", "best_case"]
    sums = {
        level: rollup(t, level).groupby("period")[measures].sum()
        for level in ("rep", "manager", "region", "segment", "total")
    }
    for level in ("rep", "manager", "region", "segment"):
        pd.testing.assert_frame_equal(sums[level], sums["total"])


def test_maven_manager_override_replaces_exactly_its_team(maven) -> None:
    base = track(maven["opps"], maven["reps"], maven["quotas"])
    table = read_table_from_rows(
        [
            {"manager_id": "M3", "period": "2017-10-01", "commit": "400000", "best_case": "", "note": "call"},
            {"manager_id": "M5", "period": "2017-07-01", "commit": "", "best_case": "123456.78", "note": ""},
        ]
    )
    t = track(maven["opps"], maven["reps"], maven["quotas"], overrides_from_table(table, "overrides.csv"))
    reps = t.reps.set_index(["rep_id", "period"])
    before = base.reps.set_index(["rep_id", "period"])
    team3 = reps.index.get_level_values(0).isin(
        maven["reps"].loc[maven["reps"]["manager_id"] == "M3", "rep_id"]
    )
    q4 = reps.index.get_level_values(1) == "2017-10-01"
    assert reps.loc[team3 & q4, "commit"].sum() == 40_000_000
    assert (reps.loc[team3 & q4, "best_case"] == before.loc[team3 & q4, "best_case"]).all()
    untouched = ~(team3 & q4)
    team5 = reps.index.get_level_values(0).isin(
        maven["reps"].loc[maven["reps"]["manager_id"] == "M5", "rep_id"]
    )
    q3 = reps.index.get_level_values(1) == "2017-07-01"
    assert reps.loc[team5 & q3, "best_case"].sum() == 12_345_678
    assert (reps.loc[untouched, "commit"] == before.loc[untouched, "commit"]).all()
    assert (reps.loc[~(team5 & q3), "best_case"] == before.loc[~(team5 & q3), "best_case"]).all()
    applied = t.overrides.set_index("manager_id")
    assert applied.loc["M3", "commit_difference"] == 40_000_000 - before.loc[team3 & q4, "commit"].sum()
    assert applied.loc["M3", "best_case_difference"] == 0
    manager = forecast_table(t)
    row = manager[
        (manager["level"] == "manager") & (manager["key"] == "M3") & (manager["period"] == "2017-10-01")
    ]
    assert row["commit"].item() == 400_000.0 and row["note"].item() == "call" and row["overridden"].item()


def read_table_from_rows(rows: list[dict]) -> pd.DataFrame:
    """A text table as `read_table` gives it (row numbers from 2), built in memory."""
    frame = pd.DataFrame(rows, dtype="string").replace("", pd.NA)
    frame.index = pd.Index(range(2, len(frame) + 2), name="row")
    return frame


def _sample_accounts(path: Path) -> list[str]:
    records = json.loads(path.read_text(encoding="utf-8"))["records"]
    return sorted(r["attributes"]["referenceId"] for r in records)


def test_salesforce_sfdx_sample_takes_owners_from_the_accounts(shared_data) -> None:
    folder = _crm(shared_data, "salesforce_sample_sfdx_tree")
    accounts = _sample_accounts(folder / "Account.json")
    reps = pd.DataFrame(
        {
            "rep_id": ["U1", "U2", "U3"],
            "name": ["Ann", "Bo", "Cy"],
            "segment": "MM",
            "region": ["NA", "NA", "EMEA"],
            "manager_id": ["M1", "M1", "M2"],
        }
    )
    owners = pd.Series([f"U{i % 3 + 1}" for i in range(len(accounts))], index=accounts)
    quotas = pd.DataFrame(
        [(r, p, 250_000.0) for r in reps["rep_id"] for p in PERIODS_2018],
        columns=["rep_id", "period", "quota"],
    )
    opps = read_opportunities(folder / "Opportunity.json")
    assert opps["account_id"].str.startswith("ref001").all()  # "@ref..." references resolved
    resolved = resolve_owners(opps, reps, owners)
    assert set(resolved["owner_source"]) == {"account"}
    assert resolved["rep_id"].tolist() == owners.reindex(opps["account_id"]).tolist()
    t = track(resolved, reps, quotas)
    total = rollup(t, "total").set_index("period")
    # 8 closed-won deals (June-September 2018), one open at Perception Analysis (70%).
    assert total.loc["total", "bookings"] == 164_000_000
    assert total.loc["2018-04-01", "open_pipeline"] == 12_000_000
    assert total.loc["2018-04-01", "weighted_pipeline"] == 8_400_000
    assert total.loc["total", "commit"] == total.loc["total", "bookings"]  # category Pipeline: not commit
    won = opps[opps["is_won"]]
    by_rep = won.assign(rep=owners.reindex(won["account_id"]).to_numpy()).groupby("rep")["amount"].sum()
    got = attainment_table(t, "rep")
    got = got[got["period"] == "total"].set_index("rep_id")["bookings"]
    assert got[got > 0].to_dict() == by_rep.to_dict()


def test_salesforce_dataloader_sample_needs_an_owner(shared_data) -> None:
    path = _crm(shared_data, "salesforce_sample_dataloader", "Opportunity_treeapi.json")
    opps = read_opportunities(path)
    assert len(opps) == 31
    assert int(opps["is_won"].sum()) == 18 and int((~opps["is_closed"]).sum()) == 13
    assert opps.loc[~opps["is_closed"], "probability"].between(0.1, 0.9).all()
    assert opps["opportunity_id"].iloc[0] == "OpportunityRef1"  # reference names are not widened
    reps = pd.DataFrame({"rep_id": ["U1"], "name": ["Ann"], "segment": "MM", "region": "NA"})
    with pytest.raises(InputError) as err:
        resolve_owners(opps, reps)
    problems = err.value.problems
    assert len(problems) == 31
    assert problems[0].row == 2 and problems[0].column == "owner_id"
    assert "no owner" in problems[0].why


def test_maven_file_with_an_explicit_column_mapping(maven, tmp_path) -> None:
    renamed = maven["raw"].rename(
        columns={"sales_agent": "Agent", "close_value": "Value", "deal_stage": "Phase"}
    )
    path = tmp_path / "pipeline.csv"
    renamed.to_csv(path, index=False)
    with pytest.raises(InputError, match="required column 'amount'"):
        read_opportunities(path)
    opps = read_opportunities(path, columns={"owner_name": "Agent", "amount": "Value", "stage": "Phase"})
    pd.testing.assert_series_equal(opps["amount"], maven["opps"]["amount"])
    assert opps["owner_name"].equals(maven["opps"]["owner_name"])
    with pytest.raises(InputError, match="no such column"):
        read_opportunities(path, columns={"owner_name": "Salesperson", "amount": "Value", "stage": "Phase"})
