"""Geocoding from shipped tables: postal code, then city, with a quality per account."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver.inputs.geocode import QUALITIES, city_key, geocode, geocode_counts, zip5
from solver.inputs.readers import read_accounts
from tests.tests_paths import require_shared


def _accounts(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"lat": [np.nan] * n, "lon": [np.nan] * n, "country": [None] * n}
    base.update(columns)
    return pd.DataFrame(base).astype({"country": "string"})


def test_zip5_reads_zip_plus_four_and_zips_that_lost_their_leading_zero() -> None:
    raw = pd.Series(["02134-1234", "2134", "94087", "SW1A 1AA", None, "12"], dtype="string")
    assert zip5(raw).tolist() == ["02134", "02134", "94087", pd.NA, pd.NA, pd.NA]


def test_city_keys_ignore_accents_case_and_saint() -> None:
    keys = city_key(pd.Series(["Zürich", "ST. LOUIS", "Saint Louis", "Mountain  View"]))
    assert keys.tolist() == ["zurich", "st louis", "st louis", "mountain view"]


def test_exact_coordinates_win_then_postal_then_city() -> None:
    acc = _accounts(
        lat=[10.0, np.nan, np.nan, np.nan, np.nan],
        lon=[20.0, np.nan, np.nan, np.nan, np.nan],
        country=["US", "US", "US", "FR", None],
        state=["NC", "KS", "OR", None, None],
        city=["Burlington", "Nowhere", "Portland", "Lyon", "Lyon"],
        postal_code=["27215", "66045", None, "69001", None],
    )
    out = geocode(acc)
    assert out["geocode_quality"].tolist() == ["exact", "postal", "city", "city", "none"]
    assert out.loc[0, ["lat", "lon"]].tolist() == [10.0, 20.0]
    # Lawrence, KS by its ZIP; Portland, Oregon (not Maine); Lyon, France.
    assert out.loc[1, "lat"] == pytest.approx(38.95, abs=0.05)
    assert out.loc[2, "lon"] == pytest.approx(-122.68, abs=0.05)
    assert out.loc[3, "lat"] == pytest.approx(45.75, abs=0.05)
    assert np.isnan(out.loc[4, "lat"])


def test_a_known_state_without_that_city_does_not_borrow_a_namesake() -> None:
    # There is a Paris in France and in Texas; none with 15,000 people in Vermont.
    out = geocode(_accounts(country=["US", "US"], state=["TX", "VT"], city=["Paris", "Paris"]))
    assert out["geocode_quality"].tolist() == ["city", "none"]
    assert out.loc[0, "lon"] == pytest.approx(-95.56, abs=0.05)


def test_counts_list_every_quality() -> None:
    counts = geocode_counts(pd.Series(["city", "city", "none"], dtype="string"))
    assert list(counts) == list(QUALITIES)
    assert counts == {"exact": 0, "postal": 0, "city": 2, "none": 1}


def test_salesforce_sample_every_account_with_an_address_is_placed() -> None:
    path = require_shared("crm", "salesforce_sample_dataloader", "Account.csv")
    accounts = read_accounts(path, on_unknown_country="keep")
    out = geocode(accounts)
    names = accounts["name"].tolist()
    quality = dict(zip(names, out["geocode_quality"].tolist(), strict=True))
    # The UK account gives neither a city nor a postal code in its own fields.
    assert [n for n, q in quality.items() if q == "none"] == ["United Oil & Gas, UK"]
    assert geocode_counts(out["geocode_quality"]) == {"exact": 0, "postal": 3, "city": 8, "none": 1}
    # Singapore has no country, only the state "Singapore": placed there all the same.
    sg = out.iloc[names.index("United Oil & Gas, Singapore")]
    assert sg["lat"] == pytest.approx(1.29, abs=0.05)
