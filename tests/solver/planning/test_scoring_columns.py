"""Any numeric input column can score; an unknown one is an input error listing the columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solver.config import ScoringConfig
from solver.errors import InputError
from solver.inputs.readers import read_accounts
from solver.planning.segmentation import derive_potential

CSV = (
    "Id,BillingCountry,NumberOfEmployees,Intent Score,notes\nA1,US,100,0.9,x\nA2,US,200,0.1,y\nA3,US,300,,z\n"
)


def _write(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_extra_column_is_kept_and_scores(tmp_path: Path) -> None:
    accounts = read_accounts(_write(tmp_path), numeric=["intent_score"])
    assert accounts["intent_score"].tolist()[:2] == [0.9, 0.1]
    assert np.isnan(accounts["intent_score"].iloc[2])
    assert "Intent Score" not in accounts.attrs["dropped_columns"]
    scoring = ScoringConfig(weights={"intent_score": 1.0}, potential_scale=100.0)
    potential, problems = derive_potential(accounts, scoring)
    assert problems == []
    # Ranks of 0.9 and 0.1 among two values; the account without a score gets 0.
    assert potential.tolist() == [100.0, 50.0, 0.0]


def test_extra_and_canonical_columns_mix(tmp_path: Path) -> None:
    accounts = read_accounts(_write(tmp_path), numeric=["intent_score"])
    scoring = ScoringConfig(weights={"intent_score": 1.0, "employees": 1.0}, potential_scale=6.0)
    potential, _ = derive_potential(accounts, scoring)
    # A1: (1.0 + 1/3) / 2, A2: (0.5 + 2/3) / 2, A3: employees only, rank 1.
    assert potential.round(6).tolist() == [4.0, 3.5, 6.0]


def test_an_unknown_column_lists_the_columns_found(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_accounts(_write(tmp_path), numeric=["intnet_score"])
    (problem,) = info.value.problems
    assert problem.column == "intnet_score"
    assert "the columns found are: 'Id', 'BillingCountry', 'NumberOfEmployees', 'Intent Score', 'notes'" in (
        problem.why
    )


def test_text_in_a_score_column_names_the_row(tmp_path: Path) -> None:
    path = _write(tmp_path, CSV.replace("0.1", "high"))
    with pytest.raises(InputError) as info:
        read_accounts(path, numeric=["intent_score"])
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "Intent Score")]
    assert "'high' is not a number" in info.value.problems[0].why


def test_a_canonical_column_missing_from_the_file_is_an_error(tmp_path: Path) -> None:
    accounts = read_accounts(_write(tmp_path))
    scoring = ScoringConfig(weights={"annual_revenue": 1.0})
    _, problems = derive_potential(accounts, scoring, "accounts.csv")
    (problem,) = problems
    assert problem.column == "annual_revenue"
    assert "not a column of the accounts table" in problem.why and "'Intent Score'" in problem.why


def test_a_text_column_cannot_score(tmp_path: Path) -> None:
    accounts = read_accounts(_write(tmp_path))
    _, problems = derive_potential(accounts, ScoringConfig(weights={"country": 1.0}))
    assert "not a numeric column" in problems[0].why
