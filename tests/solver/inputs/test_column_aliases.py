"""Column aliases: Salesforce API names, Data Loader names and report labels -> canonical columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from solver.inputs.columns import ACCOUNTS, REPS, header_key
from solver.inputs.readers import read_accounts, read_reps
from solver.inputs.sfid import (
    to_id18,
)
from tests.solver.inputs.reading import (
    REAL_IDS,
    REAL_OWNER,
    problems_of,
    write,
)


def test_header_key_ignores_case_spaces_and_punctuation() -> None:
    assert header_key("Billing State/Province") == "billingstateprovince"
    assert header_key("NUMBEROFEMPLOYEES") == header_key("NumberOfEmployees")
    assert header_key("account_id") == header_key("Account ID") == "accountid"


def test_data_loader_uppercase_api_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Account.csv",
        '"ID","NAME","NUMBEROFEMPLOYEES","ANNUALREVENUE","INDUSTRY","BILLINGCOUNTRY",'
        '"BILLINGSTATE","BILLINGLATITUDE","BILLINGLONGITUDE","OWNERID","PARENTID","FAX"\n'
        f'"{REAL_IDS[0]}","Burlington","9000","3.5E8","Apparel","USA","NC","36.09","-79.43",'
        f'"{REAL_OWNER}","",""\n'
        f'"{REAL_IDS[1]}","Express","12300","9.5E8","Transportation","","OR","","",'
        f'"{REAL_OWNER}","{REAL_IDS[0]}",""\n',
    )
    df = read_accounts(path)
    assert df["account_id"].tolist() == REAL_IDS[:2]
    assert df["name"].tolist() == ["Burlington", "Express"]
    assert df["employees"].tolist() == [9000, 12300]
    assert df["annual_revenue"].tolist() == [3.5e8, 9.5e8]
    assert df["country"].tolist() == ["US", "US"]  # second inferred from OR
    assert df["state"].tolist() == ["NC", "OR"]
    assert df.loc[2, "lat"] == 36.09 and df.loc[2, "lon"] == -79.43
    assert df["current_owner"].tolist() == [REAL_OWNER, REAL_OWNER]
    assert df["parent_id"].tolist()[1] == REAL_IDS[0]
    assert df.attrs["columns"]["employees"] == "NUMBEROFEMPLOYEES"
    assert df.attrs["dropped_columns"] == ["FAX"]
    assert df.attrs["salesforce_ids"] is True


def test_report_export_labels(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "report.csv",
        "Account ID,Account Name,Employees,Annual Revenue,Billing Country,"
        "Billing State/Province,Billing Latitude,Billing Longitude,Account Owner ID,"
        "Parent Account ID,Industry\n"
        f"{REAL_IDS[0][:15]},Burlington,9000,350000000,United States,NC,36.09,-79.43,"
        f"{REAL_OWNER[:15]},,Apparel\n"
        f'{REAL_IDS[1][:15]},Express,"12,300",950000000,United States,OR,,,'
        f"{REAL_OWNER[:15]},{REAL_IDS[0][:15]},Transportation\n",
    )
    df = read_accounts(path)
    # 15-character report ids come back in the 18-character Data Loader form
    assert df["account_id"].tolist() == REAL_IDS[:2]
    assert df["current_owner"].tolist() == [REAL_OWNER, REAL_OWNER]
    assert df["parent_id"].tolist()[1] == REAL_IDS[0]
    assert df["employees"].tolist() == [9000, 12300]
    assert df["state"].tolist() == ["NC", "OR"]
    assert df.attrs["columns"]["state"] == "Billing State/Province"
    assert df.attrs["columns"]["current_owner"] == "Account Owner ID"


def test_api_names_with_country_code_priority(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "api.csv",
        "Id,Name,NumberOfEmployees,BillingCountryCode,BillingCountry,BillingStateCode,OwnerId\n"
        "a1,One,10,DE,Germany,,o1\n"
        "a2,Two,20,,France,,o1\n"
        "a3,Three,30,GB,Atlantis,,o1\n",
    )
    df = read_accounts(path)
    # the code column wins; its blank is filled from the name column; a conflicting
    # lower-priority value is ignored
    assert df["country"].tolist() == ["DE", "FR", "GB"]
    assert df.attrs["columns"]["country"] == "BillingCountryCode"


def test_problem_names_the_source_column_of_the_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "api.csv",
        "Id,BillingCountryCode,BillingCountry\na1,DE,\na2,,Atlantis\na3,XX,\n",
    )
    problems = problems_of(read_accounts, path)
    located = {(p.row, p.column) for p in problems}
    assert located == {(3, "BillingCountry"), (4, "BillingCountryCode")}


def test_reps_aliases(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "users.csv",
        "User ID,Full Name,Manager ID,Segment,Region,Start Date,Latitude,Longitude,OTE\n"
        "005000000000001,Ann Lee,005000000000009,SMB,NA,2024-01-15,30.2,-97.7,150000\n",
    )
    df = read_reps(path)
    assert df["rep_id"].tolist() == [to_id18("005000000000001")]
    assert df["manager_id"].tolist() == [to_id18("005000000000009")]
    assert df["name"].tolist() == ["Ann Lee"]
    assert df["start_date"].tolist() == [pd.Timestamp("2024-01-15")]
    assert df["lat"].tolist() == [30.2] and df["ote"].tolist() == [150000.0]


def test_reps_api_names(tmp_path: Path) -> None:
    path = write(tmp_path, "users.csv", "Id,Name,ManagerId,segment,region\nu1,Ann,m9,SMB,NA\n")
    df = read_reps(path)
    assert df[["rep_id", "name", "manager_id"]].iloc[0].tolist() == ["u1", "Ann", "m9"]


def test_missing_required_column_lists_found_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "reps.csv", "rep_id,name,territory\nr1,Ann,West\n")
    problems = problems_of(read_reps, path)
    assert {p.column for p in problems} == {"segment", "region"}
    assert all("'rep_id', 'name', 'territory'" in p.why for p in problems)


def test_absent_optional_columns_have_their_dtypes(tmp_path: Path) -> None:
    df = read_accounts(write(tmp_path, "a.csv", "account_id,country\nA1,US\n"))
    assert list(df.columns) == list(ACCOUNTS.names)
    for spec in ACCOUNTS.columns:
        assert str(df[spec.name].dtype) == spec.dtype, spec.name
    assert df["employees"].isna().all() and df["lat"].isna().all()
    reps = read_reps(write(tmp_path, "r.csv", "rep_id,segment,region\nR1,SMB,NA\n"))
    assert list(reps.columns) == list(REPS.names)
    assert str(reps["start_date"].dtype) == "datetime64[ns]"
    assert str(reps["max_accounts"].dtype) == "Int64"
    assert reps.index.name == "row" and reps.index.tolist() == [2]
    assert reps.attrs["source"] == str(tmp_path / "r.csv")


def test_rep_lists_are_normalised(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        'rep_id,segment,region,countries,languages\nR1,SMB,NA,"us; Canada;US",EN;fr\nR2,SMB,EMEA,,\n',
    )
    df = read_reps(path)
    assert df["countries"].tolist()[0] == "CA;US"
    assert df["languages"].tolist()[0] == "en;fr"
    assert df["countries"].isna().tolist() == [False, True]
