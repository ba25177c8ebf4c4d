"""Readers end to end: the Salesforce sample exports, and both tables read together."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from solver.inputs.readers import read_accounts, read_inputs
from tests.solver.inputs.reading import (
    DATALOADER,
    REAL_OWNER,
    SFDX_TREE,
    problems_of,
    shared,
    write,
)

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


def test_read_inputs_reports_both_files_together(tmp_path: Path) -> None:
    acc = write(tmp_path, "a.csv", "account_id,country\nA1,Atlantis\n")
    reps = write(tmp_path, "r.csv", "rep_id,segment,region\nR1,,NA\n")
    problems = problems_of(read_inputs, acc, reps)
    assert {p.file for p in problems} == {str(acc), str(reps)}
