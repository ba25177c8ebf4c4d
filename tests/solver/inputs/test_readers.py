"""Readers: file formats, column aliases, kinds, Salesforce ids and countries."""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.errors import InputError
from solver.inputs.columns import ACCOUNTS, REPS, header_key, parse_dates, parse_numbers
from solver.inputs.countries import (
    CA_PROVINCES,
    US_STATES,
    load_countries,
    normalise_countries,
    state_to_country,
)
from solver.inputs.readers import read_accounts, read_inputs, read_reps, read_table
from solver.inputs.sfid import (
    checksum,
    id18_mask,
    is_salesforce_id15,
    is_salesforce_id18,
    to_id18,
    to_id18_series,
)
from solver.inputs.validation import MAX_PROBLEMS_PER_CHECK
from tests.tests_paths import SHARED_DATA, require_shared

DATALOADER = SHARED_DATA / "crm" / "salesforce_sample_dataloader" / "Account.csv"
SFDX_TREE = SHARED_DATA / "crm" / "salesforce_sample_sfdx_tree" / "Account.json"

# Real ids of the Salesforce sample org's Data Loader export (Account.csv).
REAL_IDS = ["0014W00002578rVQAQ", "0014W00002578raQAA", "0014W00002578rfQAA"]
REAL_OWNER = "0054W00000AuCYfQAN"


def shared(path: Path) -> Path:
    return require_shared(str(path.relative_to(SHARED_DATA)))


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(call, *args, **kwargs) -> list:
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    return info.value.problems


# --------------------------------------------------------------------------- aliases


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


# --------------------------------------------------------------------------- Salesforce ids


def test_real_ids_round_trip_through_15_characters() -> None:
    for record_id in [*REAL_IDS, REAL_OWNER]:
        assert is_salesforce_id18(record_id)
        assert checksum(record_id[:15]) == record_id[15:]
        assert to_id18(record_id[:15]) == record_id
        assert to_id18(record_id) == record_id
    assert not is_salesforce_id18(REAL_IDS[0][:15] + "AAA")
    assert not is_salesforce_id18(REAL_IDS[0].lower())
    with pytest.raises(ValueError):
        to_id18("not-an-id")


def test_every_id_of_the_data_loader_export_is_a_valid_18_character_id() -> None:
    raw = pd.read_csv(shared(DATALOADER), dtype=str, keep_default_na=False)
    ids = raw["ID"]
    assert len(ids) == 12
    assert id18_mask(ids).all()
    widened, n = to_id18_series(ids.str.slice(0, 15))
    assert n == 12 and widened.tolist() == ids.tolist()


def test_plain_15_character_ids_are_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country,parent_id\nACCT00000000001,US,\n")
    df = read_accounts(path)
    assert df["account_id"].tolist() == ["ACCT00000000001"]
    assert df.attrs["salesforce_ids"] is False


def test_one_18_character_id_makes_the_table_salesforce(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.csv",
        f"account_id,country,current_owner,locked_owner\n"
        f"{REAL_IDS[0][:15]},US,{REAL_OWNER},{REAL_OWNER[:15]}\n",
    )
    df = read_accounts(path)
    assert df["account_id"].tolist() == [REAL_IDS[0]]
    assert df["locked_owner"].tolist() == [REAL_OWNER]


def test_hand_made_reps_match_data_loader_accounts(tmp_path: Path) -> None:
    accounts = write(
        tmp_path,
        "Account.csv",
        f"ID,BILLINGCOUNTRY,OWNERID,locked_owner\n{REAL_IDS[0]},US,{REAL_OWNER},{REAL_OWNER}\n",
    )
    reps = write(tmp_path, "reps.csv", f"rep_id,segment,region\n{REAL_OWNER[:15]},SMB,NA\n")
    acc, rp = read_inputs(accounts, reps)
    assert rp["rep_id"].tolist() == [REAL_OWNER]
    assert acc["locked_owner"].tolist() == [REAL_OWNER]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=15))
def test_any_15_character_id_widens_consistently(id15: str) -> None:
    id18 = to_id18(id15)
    assert len(id18) == 18 and id18[:15] == id15
    assert is_salesforce_id15(id15) and is_salesforce_id18(id18)
    assert to_id18(id18) == id18
    widened, n = to_id18_series(pd.Series([id15, id18, None]))
    assert n == 1 and widened.tolist()[:2] == [id18, id18]
    assert id18_mask(pd.Series([id18, id15])).tolist() == [True, False]


# --------------------------------------------------------------------------- countries


def test_country_forms() -> None:
    forms = {
        "US": ["US", "us", "USA", "U.S.", "U.S.A.", "United States", "united states of america"],
        "GB": ["GB", "GBR", "UK", "U.K.", "United Kingdom", "Great Britain", "England"],
        "DE": ["DE", "DEU", "Germany", "germany "],
        "CA": ["CA", "CAN", "Canada"],
        "FR": ["France", "FRA", "fr"],
        "NL": ["Netherlands", "The Netherlands", "Holland", "NLD"],
        "CI": ["Côte d'Ivoire", "Ivory Coast"],
        "KR": ["South Korea", "Korea, Republic of"],
        "NA": ["NA", "Namibia"],
    }
    values = [v.strip() for vs in forms.values() for v in vs]
    expected = [code for code, vs in forms.items() for _ in vs]
    codes, unknown = normalise_countries(pd.Series(values))
    assert codes.tolist() == expected
    assert not unknown.any()


def test_unknown_and_blank_countries() -> None:
    s = pd.Series(["Atlantis", None, "Deutschland", "US"], index=[10, 11, 12, 13])
    codes, unknown = normalise_countries(s)
    assert codes.index.tolist() == [10, 11, 12, 13]
    assert codes.isna().tolist() == [True, True, True, False]
    assert unknown.tolist() == [True, False, True, False]


def test_state_inference() -> None:
    states = pd.Series(["TX", "dc", "Ontario", "QC", "Georgia", "Singapore", "UK", None, "NSW"])
    assert state_to_country(states).tolist() == [
        "US",
        "US",
        "CA",
        "CA",
        "US",
        pd.NA,
        pd.NA,
        pd.NA,
        pd.NA,
    ]
    assert len(US_STATES) == 51 and len(CA_PROVINCES) == 13


def test_state_codes_match_natural_earth() -> None:
    path = shared(SHARED_DATA / "geo" / "ne50_na_admin1.parquet")
    admin1 = pd.read_parquet(path, columns=["iso_3166_2", "iso_a2"])
    codes = admin1["iso_3166_2"].str.split("-").str[1]
    assert set(codes[admin1["iso_a2"] == "US"]) == set(US_STATES)
    assert set(codes[admin1["iso_a2"] == "CA"]) == set(CA_PROVINCES)


def test_shipped_countries_match_the_shared_copy() -> None:
    path = shared(SHARED_DATA / "geo" / "countries.csv")
    theirs = pd.read_csv(path, dtype=str, keep_default_na=False)
    ours = load_countries()
    assert ours["country"].tolist() == theirs["country"].tolist()
    assert ours["name"].tolist() == theirs["name"].str.strip().tolist()
    assert ours["macro_region"].tolist() == theirs["macro_region"].tolist()
    assert ours["iso3"].str.fullmatch("[A-Z]{3}").all()
    assert ours["iso3"].is_unique


def test_unknown_country_message_and_keep_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country,state\nA1,Atlantis,\nA2,,NSW\nA3,,TX\n")
    problems = problems_of(read_accounts, path)
    assert [p.row for p in problems] == [2, 3]
    assert "'Atlantis' is not an ISO country code or English country name" in problems[0].why
    assert "cannot be inferred" in problems[1].why
    df = read_accounts(path, on_unknown_country="keep")
    assert df["country"].tolist() == [pd.NA, pd.NA, "US"]
    assert [p.row for p in df.attrs["warnings"]] == [2, 3]
    with pytest.raises(ValueError):
        read_accounts(path, on_unknown_country="drop")  # type: ignore[arg-type]


def test_keep_mode_still_raises_other_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country,employees\nA1,Atlantis,-1\n")
    problems = problems_of(read_accounts, path, on_unknown_country="keep")
    assert [p.column for p in problems] == ["employees"]


# --------------------------------------------------------------------------- kinds


def test_parse_numbers() -> None:
    raw = pd.Series(["9000", "9000.0", "3.5E8", "1,234,567.5", "-5", None, "abc", "nan", "inf", "1,23", "$5"])
    values, bad = parse_numbers(raw)
    np.testing.assert_array_equal(values[:5], [9000.0, 9000.0, 3.5e8, 1234567.5, -5.0])
    assert np.isnan(values[5:]).all()
    assert bad.tolist() == [False] * 6 + [True] * 5


def test_parse_dates() -> None:
    raw = pd.Series(
        [
            "2027-02-01",
            "2027-02-01T10:30:00.000Z",
            "2027-02-01 00:00:00",
            None,
            "2027-02-30",
            "03/04/2027",
            "1800-01-01",
            "soon",
        ]
    )
    parsed, bad = parse_dates(raw)
    assert str(parsed.dtype) == "datetime64[ns]"
    assert parsed[:3].tolist() == [pd.Timestamp("2027-02-01")] * 3
    assert parsed[3:].isna().all()
    assert bad.tolist() == [False] * 4 + [True] * 4


def test_int_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country,employees\nA1,US,9000.0\nA2,US,9e3\nA3,US,\n")
    df = read_accounts(path)
    assert df["employees"].tolist() == [9000, 9000, pd.NA]
    bad = write(tmp_path, "b.csv", "account_id,country,employees\nA1,US,12.5\nA2,US,1e20\n")
    whys = [p.why for p in problems_of(read_accounts, bad)]
    assert whys == ["'12.5' is not a whole number", "'1e20' is too large"]


def test_ids_stay_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country,parent_id\n00123,US,\n0456,US,00123\n")
    df = read_accounts(path)
    assert df["account_id"].tolist() == ["00123", "0456"]
    assert df["parent_id"].tolist() == [pd.NA, "00123"]


def test_many_bad_values_are_capped_with_a_summary(tmp_path: Path) -> None:
    n = MAX_PROBLEMS_PER_CHECK + 30
    rows = "".join(f"A{i},US,n/a\n" for i in range(n))
    problems = problems_of(read_accounts, write(tmp_path, "a.csv", "account_id,country,employees\n" + rows))
    assert len(problems) == MAX_PROBLEMS_PER_CHECK + 1
    summary = [p for p in problems if p.row is None]
    assert len(summary) == 1 and "30 more rows" in summary[0].why


# --------------------------------------------------------------------------- formats


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "accounts.xlsx"
    frame = pd.DataFrame(
        {
            "Account ID": ["00123", "A2"],
            "Employees": [9000, 250],
            "Billing Country": ["Germany", "USA"],
            "Parent Account ID": [None, "00123"],
            "arr": [1200.5, None],
        }
    )
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        frame.to_excel(xw, sheet_name="Accounts", index=False)
    df = read_accounts(path)
    assert df["account_id"].tolist() == ["00123", "A2"]
    assert df["employees"].tolist() == [9000, 250]
    assert df["country"].tolist() == ["DE", "US"]
    assert df["parent_id"].tolist() == [pd.NA, "00123"]
    assert df["arr"].iloc[0] == 1200.5 and np.isnan(df["arr"].iloc[1])
    assert df.index.tolist() == [2, 3]


def test_xlsx_dates_and_numeric_ids(tmp_path: Path) -> None:
    path = tmp_path / "reps.xlsx"
    frame = pd.DataFrame(
        {
            "rep_id": [1001, 1002],
            "segment": ["SMB", "ENT"],
            "region": ["NA", "EMEA"],
            "start_date": [pd.Timestamp("2027-05-01"), pd.NaT],
        }
    )
    frame.to_excel(path, index=False, engine="xlsxwriter")
    df = read_reps(path)
    assert df["rep_id"].tolist() == ["1001", "1002"]
    assert df["region"].tolist() == ["NA", "EMEA"]  # not read as missing
    assert df["start_date"].tolist()[0] == pd.Timestamp("2027-05-01")
    assert pd.isna(df["start_date"].tolist()[1])


def test_xlsx_bad_value_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    frame = pd.DataFrame(
        {"account_id": ["A1", "A2"], "country": ["US", "NA"], "lat": [10, 123], "lon": [5, 5]}
    )
    frame.to_excel(path, index=False, engine="xlsxwriter")
    problems = problems_of(read_accounts, path)
    assert [(p.row, p.column) for p in problems] == [(3, "lat")]


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "accounts.parquet"
    pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "country": ["US", "Canada", "FR"],
            "employees": pd.array([10, None, 30], dtype="Int64"),
            "potential": [1.5, 2.0, None],
            "current_owner": [7.0, 8.0, None],  # ids that became floats
        }
    ).to_parquet(path)
    df = read_accounts(path)
    assert df["country"].tolist() == ["US", "CA", "FR"]
    assert df["employees"].tolist() == [10, pd.NA, 30]
    assert df["potential"].tolist()[:2] == [1.5, 2.0]
    assert df["current_owner"].tolist() == ["7", "8", pd.NA]
    assert df.index.tolist() == [2, 3, 4]


def test_json_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps(
            [
                {
                    "Id": "a1",
                    "BillingCountry": "USA",
                    "NumberOfEmployees": 10,
                    "Owner": {"Name": "Ann"},
                },
                {
                    "Id": "a2",
                    "BillingCountry": "France",
                    "NumberOfEmployees": None,
                    "ParentId": "a1",
                    "IsActive": True,
                },
            ]
        )
    )
    df = read_accounts(path)
    assert df["account_id"].tolist() == ["a1", "a2"]
    assert df["employees"].tolist() == [10, pd.NA]
    assert df["parent_id"].tolist() == [pd.NA, "a1"]
    assert df.attrs["dropped_columns"] == ["Owner.Name", "IsActive"]


def test_json_tree_references_resolve_to_reference_ids(tmp_path: Path) -> None:
    path = tmp_path / "Account.json"
    path.write_text(
        json.dumps(
            {
                "records": [
                    {
                        "attributes": {"type": "Account", "referenceId": "AccountRef1"},
                        "BillingCountry": "US",
                    },
                    {
                        "attributes": {"type": "Account", "referenceId": "AccountRef2"},
                        "BillingCountry": "US",
                        "ParentId": "@AccountRef1",
                    },
                ]
            }
        )
    )
    df = read_accounts(path)
    assert df["account_id"].tolist() == ["AccountRef1", "AccountRef2"]
    assert df["parent_id"].tolist() == [pd.NA, "AccountRef1"]


def test_csv_encodings_and_separators(tmp_path: Path) -> None:
    bom = write(tmp_path, "bom.csv", "\ufeffaccount_id,name,country\nA1,Zoë,DE\n")
    assert read_accounts(bom)["name"].tolist() == ["Zoë"]
    latin = write(tmp_path, "latin.csv", "account_id;name;country\nA1;Société;FR\n", "latin-1")
    df = read_accounts(latin)
    assert df["name"].tolist() == ["Société"]
    assert any("Latin-1" in n for n in df.attrs["notes"])


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,country\nA1,US\n\n,\nA2,US\nA3,XX\n")
    df_problems = problems_of(read_accounts, path)
    assert [(p.row, p.column) for p in df_problems] == [(6, "country")]


def test_read_table_keeps_text_and_duplicate_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "Id,Name,Name\n 007 ,a,\nx,,b\n")
    table = read_table(path)
    assert list(table.columns) == ["Id", "Name", "Name"]
    assert table.iloc[:, 0].tolist() == ["007", "x"]
    assert table.iloc[1, 1] is pd.NA and table.iloc[1, 2] == "b"
    assert table.index.tolist() == [2, 3]


# --------------------------------------------------------------------------- Salesforce samples

DL_IDS = [
    "0014W00002578rVQAQ",
    "0014W00002578rXQAQ",
    "0014W00002578rUQAQ",
    "0014W00002578raQAA",
    "0014W00002578reQAA",
    "0014W00002578rYQAQ",
    "0014W00002578rWQAQ",
    "0014W00002578rfQAA",
    "0014W00002578rZQAQ",
    "0014W00002578rdQAA",
    "0014W00002578rcQAA",
    "0014W00002578rbQAA",
]


def test_data_loader_sample_rejects_undeterminable_countries() -> None:
    problems = problems_of(read_accounts, shared(DATALOADER))
    assert [(p.row, p.column) for p in problems] == [(11, "BILLINGCOUNTRY"), (12, "BILLINGCOUNTRY")]
    assert "state 'Singapore'" in problems[0].why and "(SG, Singapore)" in problems[0].why
    assert "state 'UK'" in problems[1].why and "(GB, United Kingdom)" in problems[1].why


def test_data_loader_sample_loads_with_keep() -> None:
    df = read_accounts(shared(DATALOADER), on_unknown_country="keep")
    assert df.index.tolist() == list(range(2, 14))
    assert df["account_id"].tolist() == DL_IDS
    assert (df["current_owner"] == REAL_OWNER).all()
    assert df["employees"].tolist() == [
        9000,
        120,
        1000,
        12300,
        265,
        5600,
        2680,
        pd.NA,
        145000,
        3000,
        24000,
        39000,
    ]
    assert df["country"].tolist() == [
        "US",
        "US",
        "US",
        "US",
        "US",
        "US",
        "FR",
        "US",
        "US",
        pd.NA,
        pd.NA,
        "US",
    ]
    assert df["annual_revenue"].iloc[0] == 3.5e8
    assert df["parent_id"].isna().all()
    assert [(p.row, p.column) for p in df.attrs["warnings"]] == [
        (11, "BILLINGCOUNTRY"),
        (12, "BILLINGCOUNTRY"),
    ]


def test_sfdx_tree_sample_loads_with_keep() -> None:
    df = read_accounts(shared(SFDX_TREE), on_unknown_country="keep")
    suffixes = ["1v", "1w", "1x", "1y", "1z", "20", "21", "22", "23", "24"]
    assert df["account_id"].tolist() == [f"ref0010S00000C1t{s}QAB" for s in suffixes]
    assert df["name"].tolist()[:3] == [
        "Edge Communications",
        "Burlington Textiles Corp of America",
        "Pyramid Construction Inc.",
    ]
    assert df["employees"].tolist() == [
        1000,
        9000,
        2680,
        120,
        5600,
        145000,
        12300,
        39000,
        24000,
        3000,
    ]
    assert df["country"].tolist() == ["US", "US", "FR", "US", "US", "US", "US", "US", pd.NA, pd.NA]
    assert df["current_owner"].isna().all()
    assert [p.row for p in df.attrs["warnings"]] == [10, 11]


# --------------------------------------------------------------------------- file problems


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("empty.csv", "", "empty"),
        ("blank.csv", "\n\n  \n", "empty"),
        ("header.csv", "account_id,country\n", "no data rows"),
        ("bad.json", "{not json", "cannot read as JSON"),
        ("bad.xlsx", "not a zip", "cannot read as Excel"),
        ("bad.parquet", "not parquet", "cannot read as Parquet"),
        ("a.tsv", "account_id\tcountry\n", "unsupported file type '.tsv'"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str, why: str) -> None:
    path = write(tmp_path, name, content)
    problems = problems_of(read_accounts, path)
    assert len(problems) == 1
    assert problems[0].file == str(path) and problems[0].row is None
    assert why in problems[0].why


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "not found" in problems_of(read_accounts, tmp_path / "nope.csv")[0].why
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    assert "folder" in problems_of(read_accounts, folder)[0].why


def test_read_inputs_reports_both_files_together(tmp_path: Path) -> None:
    acc = write(tmp_path, "a.csv", "account_id,country\nA1,Atlantis\n")
    reps = write(tmp_path, "r.csv", "rep_id,segment,region\nR1,,NA\n")
    problems = problems_of(read_inputs, acc, reps)
    assert {p.file for p in problems} == {str(acc), str(reps)}


def test_salesforce_report_footer_is_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "report1642777476321.csv",
        '"Account ID","Account Name","Billing Country"\n'
        '"001000000000001","Alpha","US"\n"001000000000002","Beta","Canada"\n'
        '""\n""\n"Accounts by owner"\n'
        '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n'
        '"Confidential Information - Do Not Distribute"\n'
        '"Generated By:  Ann Lee  1/20/2027 4:43 PM"\n"Acme Inc."\n',
    )
    df = read_accounts(path)
    assert df["account_id"].tolist() == [to_id18("001000000000001"), to_id18("001000000000002")]
    assert any("footer" in n for n in df.attrs["notes"])
    # a trailing first-cell-only row without a footer marker is data, and reported
    bad = write(tmp_path, "b.csv", "account_id,name,country\nA1,Alpha,US\nA2,,\n")
    problems = problems_of(read_accounts, bad)
    assert [(p.row, p.column) for p in problems] == [(3, "country")]
