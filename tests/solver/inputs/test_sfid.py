"""Salesforce ids: 15 -> 18 characters, and when a table counts as Salesforce-sourced."""

from __future__ import annotations

import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.inputs.readers import read_accounts, read_inputs
from solver.inputs.sfid import (
    checksum,
    id18_mask,
    is_salesforce_id15,
    is_salesforce_id18,
    to_id18,
    to_id18_series,
)
from tests.solver.inputs.reading import (
    DATALOADER,
    REAL_IDS,
    REAL_OWNER,
    shared,
    write,
)


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
