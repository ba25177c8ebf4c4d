"""Table checks, cross-table checks, account families and id harmonisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.errors import InputError
from solver.inputs.sfid import to_id18
from solver.inputs.validation import (
    check_accounts,
    check_reps,
    cross_check,
    family_ids,
    harmonise_ids,
)


def accounts(ids: list[str], parents: list[str | None], locks: list[str | None] | None = None):
    n = len(ids)
    return pd.DataFrame(
        {
            "account_id": pd.array(ids, dtype="string"),
            "parent_id": pd.array(parents, dtype="string"),
            "locked_owner": pd.array(locks or [None] * n, dtype="string"),
            "current_owner": pd.array([None] * n, dtype="string"),
            "lat": np.full(n, np.nan),
            "lon": np.full(n, np.nan),
        }
    )


def reps(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": pd.array(ids, dtype="string"),
            "segment": pd.array(["SMB"] * len(ids), dtype="string"),
            "region": pd.array(["NA"] * len(ids), dtype="string"),
            "manager_id": pd.array(["nobody"] * len(ids), dtype="string"),
        }
    )


def naive_roots(ids: list[str], parents: list[str | None]) -> list[str]:
    """Walk each chain one step at a time (the specification of family_ids)."""
    parent_of = dict(zip(ids, parents, strict=True))
    out = []
    for a in ids:
        node = a
        while parent_of.get(node) not in (None, node) and parent_of[node] in parent_of:
            node = parent_of[node]
        out.append(node)
    return out


# --------------------------------------------------------------------------- families


def test_family_ids_small_forest() -> None:
    df = accounts(
        ["A", "B", "C", "D", "E", "F"],
        [None, "A", "B", None, "D", "ZZZ"],  # F's parent is unknown: F is a root
    )
    assert family_ids(df).tolist() == ["A", "A", "A", "D", "D", "F"]
    assert family_ids(df.drop(columns="parent_id")).tolist() == list("ABCDEF")


def test_family_ids_long_chain() -> None:
    n = 5000
    ids = [f"a{i}" for i in range(n)]
    df = accounts(ids, [None, *ids[:-1]])  # a path a0 <- a1 <- ... <- a4999
    assert (family_ids(df) == "a0").all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-1, max_value=40), min_size=1, max_size=40))
def test_family_ids_match_a_naive_walk(links: list[int]) -> None:
    # parent index strictly below the child (or none) -> a forest, never a cycle
    ids = [f"x{i}" for i in range(len(links))]
    parents = [ids[p % i] if p >= 0 and i > 0 else None for i, p in enumerate(links)]
    df = accounts(ids, parents)
    assert family_ids(df).tolist() == naive_roots(ids, parents)


@pytest.mark.parametrize("length", [2, 3, 4, 8])
def test_cycles_are_found_whatever_their_length(length: int) -> None:
    # cycle lengths that divide 2**k are the trap of pointer jumping
    ids = [f"c{i}" for i in range(length)] + ["tail", "free"]
    parents = [ids[(i + 1) % length] for i in range(length)] + ["c0", None]
    df = accounts(ids, parents)
    problems = check_accounts(df)
    assert len(problems) == 1
    p = problems[0]
    assert p.row == 2 and p.column == "parent_id" and "cycle" in p.why
    assert "tail" not in p.why
    assert p.why.endswith("-> c0")
    with pytest.raises(InputError):
        family_ids(df)


def test_two_separate_cycles_are_two_problems() -> None:
    df = accounts(["a", "b", "c", "d", "e"], ["b", "a", None, "e", "d"])
    problems = check_accounts(df)
    assert [p.row for p in problems] == [2, 5]


def test_self_parent_and_unknown_parent() -> None:
    df = accounts(["a", "b", "c"], [None, "b", "nope"])
    problems = check_accounts(df)
    assert [(p.row, p.why) for p in problems] == [
        (3, "account 'b' is its own parent"),
        (4, "parent_id 'nope' is not an account_id in this file"),
    ]
    assert family_ids(df).tolist() == ["a", "b", "c"]


def test_duplicate_and_blank_ids_name_both_rows() -> None:
    df = accounts(["a", "b", "a", None, "a"], [None] * 5)
    whys = [(p.row, p.why) for p in check_accounts(df)]
    assert whys == [
        (5, "account_id is blank"),
        (4, "duplicate account_id 'a': also in row 2"),
        (6, "duplicate account_id 'a': also in row 2"),
    ]


def test_lat_lon_pairs_and_skipped_bad_values() -> None:
    df = accounts(["a", "b", "c"], [None] * 3)
    df["lat"] = [1.0, np.nan, np.nan]
    df["lon"] = [np.nan, 2.0, 3.0]
    problems = check_accounts(df)
    assert [(p.row, p.column) for p in problems] == [(3, "lat"), (4, "lat"), (2, "lon")]
    # a lat that did not parse was reported already: no second problem for its row
    skip = {"lat": np.array([False, True, False])}
    assert [(p.row, p.column) for p in check_accounts(df, skip=skip)] == [(4, "lat"), (2, "lon")]


def test_reps_checks() -> None:
    df = reps(["r1", "r2", "r1"])
    df.loc[1, "region"] = pd.NA
    df["start_date"] = pd.to_datetime(["2027-01-01", "2027-05-01", None])
    df["end_date"] = pd.to_datetime(["2027-12-31", "2027-04-30", "2027-01-01"])
    df["lat"] = np.nan
    df["lon"] = np.nan
    whys = sorted((p.row, p.column, p.why) for p in check_reps(df))
    assert whys == [
        (3, "end_date", "end_date 2027-04-30 is before start_date 2027-05-01"),
        (3, "region", "region is blank"),
        (4, "rep_id", "duplicate rep_id 'r1': also in row 2"),
    ]


def test_row_numbers_and_headers_come_from_the_reader() -> None:
    df = accounts(["a", "a"], [None, None])
    df.index = pd.Index([7, 9], name="row")
    df.attrs.update(source="crm.csv", columns={"account_id": "Account ID"})
    (p,) = check_accounts(df)
    assert (p.file, p.row, p.column) == ("crm.csv", 9, "Account ID")
    assert p.why == "duplicate Account ID 'a': also in row 7"


# --------------------------------------------------------------------------- cross checks


def test_locked_owner_must_be_a_rep_current_owner_need_not() -> None:
    df = accounts(["a", "b", "c"], [None] * 3, locks=["r1", None, "gone"])
    df["current_owner"] = pd.array(["left-the-company", "r1", None], dtype="string")
    problems = cross_check(df, reps(["r1", "r2"]))
    assert [(p.row, p.column, p.why) for p in problems] == [
        (4, "locked_owner", "locked_owner 'gone' is not a rep_id in the reps table")
    ]


def test_conflicting_locks_in_one_family() -> None:
    df = accounts(
        ["p", "c1", "c2", "q", "q1"],
        [None, "p", "c1", None, "q"],
        locks=["r1", None, "r2", "r1", "r1"],
    )
    problems = cross_check(df, reps(["r1", "r2"]))
    assert len(problems) == 1
    p = problems[0]
    assert p.row == 4 and p.column == "locked_owner"
    assert p.why == "family of account 'p' is locked to different reps: 'r1' in row 2; 'r2' in row 4"


def test_cross_check_ignores_cycles_reported_elsewhere() -> None:
    df = accounts(["a", "b"], ["b", "a"], locks=["r1", "r2"])
    assert cross_check(df, reps(["r1", "r2"])) == []


def test_harmonise_ids_widens_the_other_table() -> None:
    owner18 = "0054W00000AuCYfQAN"
    acc = accounts(["0014W00002578rVQAQ"], [None], locks=[owner18])
    rp = reps([owner18[:15], "plain-id"])
    acc2, rp2 = harmonise_ids(acc, rp)
    assert rp2["rep_id"].tolist() == [owner18, "plain-id"]
    assert acc2 is acc  # nothing to change there
    assert cross_check(acc, rp) == []
    # without Salesforce evidence, nothing changes
    plain = accounts(["ACCT00000000001"], [None])
    same_acc, same_reps = harmonise_ids(plain, reps(["REP000000000001"]))
    assert same_reps["rep_id"].tolist() == ["REP000000000001"]
    assert to_id18("REP000000000001") != "REP000000000001"
    assert same_acc is plain
