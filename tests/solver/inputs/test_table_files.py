"""Table files: Excel, Parquet, JSON and CSV read as text, rows numbered as in a spreadsheet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.inputs.readers import read_accounts, read_reps, read_table
from solver.inputs.sfid import (
    to_id18,
)
from tests.solver.inputs.reading import (
    problems_of,
    write,
)


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
