"""Salesforce round trip: a run's Data Loader files, loaded into an org and exported again,
read back by the readers give the plan's owners and quotas.

The org is simulated: the tiny scenario's accounts under Salesforce API names
stand for the Account object before the load; applying ``Account.csv`` (an
update by Id) sets OwnerId, and a Data Loader export (UPPERCASE API names)
is what `solver.inputs.readers.read_accounts` reads back.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from solver.errors import InputError
from solver.inputs.columns import ACCOUNTS
from solver.inputs.readers import read_accounts, read_table
from tests.tests_paths import TINY

#: How the org names the tiny scenario's account columns (API names).
ORG_FIELDS = {
    "account_id": "Id",
    "name": "Name",
    "employees": "NumberOfEmployees",
    "country": "BillingCountry",
    "lat": "BillingLatitude",
    "lon": "BillingLongitude",
    "current_owner": "OwnerId",
    "parent_id": "ParentId",
}


@pytest.fixture(scope="module")
def run_files() -> dict[str, bytes]:
    outcome = run_scenario(load_scenario(TINY / "scenario.toml"), render=True)
    assert outcome.exit_code == 0
    return outcome.files


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_account_file_headers_are_reader_aliases(run_files, tmp_path) -> None:
    path = tmp_path / "Account.csv"
    path.write_bytes(run_files["salesforce/Account.csv"])
    table = read_table(path)
    claimed, unknown = ACCOUNTS.match(list(table.columns))
    assert claimed == {"account_id": [0], "current_owner": [1]} and unknown == []
    # An update file carries only Id and OwnerId: the accounts reader needs a
    # country too, and says so instead of guessing.
    with pytest.raises(InputError, match="required column 'country'"):
        read_accounts(path)


def test_loaded_and_exported_accounts_have_the_plan_owners(run_files, tmp_path) -> None:
    assignment = _csv(run_files["assignment.csv"])
    update = _csv(run_files["salesforce/Account.csv"])
    before = pd.read_csv(TINY / "accounts.csv", dtype=str, keep_default_na=False)
    org = before[list(ORG_FIELDS)].rename(columns=ORG_FIELDS)

    # Data Loader "update": OwnerId by Id; every Id of the file must exist in the org.
    assert set(update["Id"]) == set(org["Id"])
    owners = update.set_index("Id")["OwnerId"]
    org["OwnerId"] = org["Id"].map(owners)
    export = org.rename(columns=str.upper)  # a Data Loader export: ID, OWNERID, BILLINGCOUNTRY, ...
    path = tmp_path / "Account_export.csv"
    export.to_csv(path, index=False, quoting=1)

    back = read_accounts(path)
    got = back.set_index("account_id")["current_owner"].sort_index()
    want = assignment.set_index("account_id")["rep_id"].sort_index()
    assert got.to_dict() == want.to_dict()
    assert len(got) == 12
    moved = (assignment["previous_owner"] != "") & (assignment["rep_id"] != assignment["previous_owner"])
    assert (before.set_index("account_id")["current_owner"] != got).sum() == int(moved.sum())


def test_forecasting_quota_rows_add_up_to_the_plan(run_files) -> None:
    quotas = _csv(run_files["quotas.csv"])
    loaded = _csv(run_files["salesforce/ForecastingQuota.csv"])
    assert sorted(loaded.columns) == ["QuotaAmount", "QuotaOwnerId", "StartDate"]
    loaded["q"] = loaded["QuotaAmount"].astype(float)
    got = loaded.groupby(["QuotaOwnerId", "StartDate"])["q"].sum()
    want = quotas.assign(q=quotas["quota"].astype(float)).groupby(["rep_id", "period"])["q"].sum()
    assert got.round(2).to_dict() == want.round(2).to_dict()
