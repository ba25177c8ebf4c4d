"""Column kinds: numbers, dates, whole numbers and ids parsed, bad values located and capped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from solver.inputs.columns import parse_dates, parse_numbers
from solver.inputs.readers import read_accounts
from solver.inputs.validation import MAX_PROBLEMS_PER_CHECK
from tests.solver.inputs.reading import (
    problems_of,
    write,
)


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
