"""Every malformed input of tests/data/malformed/cases.csv is rejected precisely.

Each case names the file, the spreadsheet row and the user's column header the
problem must point at (see tests/data/malformed/README.md).
"""

from __future__ import annotations

import csv

import pytest

from solver.errors import InputError
from solver.inputs.readers import read_inputs
from tests.tests_paths import TESTS_DATA

MALFORMED = TESTS_DATA / "malformed"


def _cases() -> list[dict[str, str]]:
    with (MALFORMED / "cases.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


CASES = _cases()


def test_manifest_is_well_formed() -> None:
    names = [c["case"] for c in CASES]
    assert len(names) == len(set(names)) >= 18
    for case in CASES:
        assert case["table"] in ("accounts", "reps"), case
        other = "reps" if case["table"] == "accounts" else "accounts"
        assert (MALFORMED / case[other]).is_file(), case
        assert case["expected_text"], case


def test_good_defaults_load() -> None:
    accounts, reps = read_inputs(MALFORMED / "good_accounts.csv", MALFORMED / "good_reps.csv")
    assert accounts["account_id"].tolist() == ["A1", "A2", "A3"]
    assert reps["rep_id"].tolist() == ["R1", "R2", "R3"]


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_malformed_input_is_rejected(case: dict[str, str]) -> None:
    accounts = MALFORMED / case["accounts"]
    reps = MALFORMED / case["reps"]
    bad_file = str(accounts if case["table"] == "accounts" else reps)
    with pytest.raises(InputError) as info:
        read_inputs(accounts, reps)
    problems = info.value.problems
    want_row = int(case["expected_row"]) if case["expected_row"] else None
    want_col = case["expected_column"] or None
    text = case["expected_text"].casefold()
    matching = [
        p
        for p in problems
        if p.file == bad_file and p.row == want_row and p.column == want_col and text in p.why.casefold()
    ]
    assert matching, "\n".join(str(p) for p in problems)
    # one mistake per file: nothing is reported about the good companion file
    assert all(p.file == bad_file for p in problems), "\n".join(str(p) for p in problems)
    # the message a user reads names the file, the row and the column
    message = str(info.value)
    assert bad_file in message
    if want_row is not None:
        assert f"row {want_row}" in message
    if want_col is not None:
        assert f"column '{want_col}'" in message
