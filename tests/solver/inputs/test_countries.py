"""Countries: codes and names, states that tell the country, and the keep mode for unknown ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from solver.inputs.countries import (
    CA_PROVINCES,
    US_STATES,
    load_countries,
    normalise_countries,
    state_to_country,
)
from solver.inputs.readers import read_accounts
from tests.solver.inputs.reading import (
    problems_of,
    shared,
    write,
)
from tests.tests_paths import SHARED_DATA


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
