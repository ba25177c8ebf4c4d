"""The Salesforce sample export run as pulled: geocoded, in US East / Central / West, custom score."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.scenarios.cli.test_cli import terraquota_in_process
from tests.tests_paths import require_shared

SCENARIO = """
name = "sample"

[data]
accounts = "accounts.csv"
reps = "reps.csv"

[plan]
start = "2027-02-01"

[segments]
ALL = [0, inf]

[regions]
East = ["US-NY", "US-NC", "US-FL", "US-MA"]
Central = ["US-TX", "US-IL", "US-KS"]
West = ["US-CA", "US-OR", "US-AZ"]
EMEA = ["FR", "GB"]
APAC = ["SG"]

[scoring]
weights = { employees = 0.5, intent_score = 0.5 }

[assignment]
balance = { potential = 1.0 }
time_limit = 10

[quota]
target = 1000000.0
"""


def _inputs(tmp_path: Path) -> Path:
    source = require_shared("crm", "salesforce_sample_dataloader", "Account.csv")
    accounts = pd.read_csv(source, dtype=str, keep_default_na=False)
    # What `validate` asks of the user for this export: the two countries it could only
    # find in the state field, and one missing employee count.
    accounts.loc[accounts["NAME"] == "United Oil & Gas, Singapore", "BILLINGCOUNTRY"] = "Singapore"
    accounts.loc[accounts["NAME"] == "United Oil & Gas, UK", "BILLINGCOUNTRY"] = "United Kingdom"
    accounts.loc[accounts["NUMBEROFEMPLOYEES"] == "", "NUMBEROFEMPLOYEES"] = "100"
    accounts["Intent Score"] = [0.9, 0.2, 0.5, 0.7, 0.1, 0.3, 0.8, 0.6, 0.4, 0.95, 0.05, 0.5]
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    regions = ["East", "Central", "West", "EMEA", "APAC"]
    pd.DataFrame(
        {"rep_id": [f"R-{r.upper()}" for r in regions], "name": regions, "segment": "ALL", "region": regions}
    ).to_csv(tmp_path / "reps.csv", index=False)
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO, "utf-8")
    return path


@pytest.mark.slow
def test_sample_export_runs_with_places_regions_and_a_custom_score(tmp_path: Path) -> None:
    scenario = _inputs(tmp_path)
    result = terraquota_in_process("run", str(scenario), "-o", str(tmp_path / "run"))
    assert result.returncode == 0, result.stdout + result.stderr
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    # 11 of 12 accounts placed: 3 by ZIP, 8 by city; the UK one has neither city nor postal code.
    assert metrics["geocode"] == {"exact": 0, "postal": 3, "city": 8, "none": 1}
    assignment = pd.read_csv(run / "assignment.csv", dtype=str, keep_default_na=False)
    by_name = dict(zip(assignment["name"], assignment["region"], strict=True))
    assert by_name["Burlington Textiles Corp of America"] == "East"
    assert by_name["Grand Hotels & Resorts Ltd"] == "Central"
    assert by_name["GenePoint"] == "West"
    assert by_name["Pyramid Construction Inc."] == "EMEA"
    assert assignment["geocode_quality"].value_counts().to_dict() == {"city": 8, "postal": 3, "none": 1}
    placed = assignment[assignment["geocode_quality"] != "none"]
    assert (placed["lat"] != "").all() and (placed["lon"] != "").all()
    assert (run / "map.png").stat().st_size > 10_000
